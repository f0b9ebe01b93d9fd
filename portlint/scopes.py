"""Scopes: the parts of a repository that are deployed on their own.

A scope is a folder that holds one of these markers, with everything below it down to the next
marker:

- a nested ``.portlint.toml``, or a ``pyproject.toml`` with a ``[tool.portlint]`` table (the
  project says so);
- a ``Chart.yaml`` (a Helm chart; its subcharts under ``charts/`` render with it: one scope);
- a ``kustomization.yaml``/``.yml``/``Kustomization`` (a kustomize root; an overlay and the
  bases it lists under ``resources:``/``bases:`` are applied together: one scope);
- a compose file (``compose.yaml``, ``docker-compose.yml`` and their variants).

Files outside every marker belong to the scope ``""`` (the scan root). Linkers join Kubernetes
objects only within one scope (and namespace), so the ``app: frontend`` of one example never
selects the pods of another. Kustomize's ``namespace:`` is recorded for the files a kustomization
lists, so the Kubernetes reader can put their objects in that namespace.

Everything here reads only small regular files inside the scan root, never follows a symlink out
of it, and is bounded.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from portlint import safe_io

MARKERS = frozenset({".portlint.toml", "Chart.yaml", "kustomization.yaml", "kustomization.yml", "Kustomization"})
KUSTOMIZATIONS = ("kustomization.yaml", "kustomization.yml", "Kustomization")
COMPOSE_BASES = ("compose", "docker-compose")
MAX_SMALL_FILE = 1 << 20  # .env and kustomization files are small; anything bigger is not read
MAX_KUSTOMIZE_DEPTH = 32


def is_compose_name(name: str) -> bool:
    """``compose.yaml``, ``docker-compose.yml``, ``compose.override.yml``, ``docker-compose.prod.yaml``…"""
    lowered = name.lower()
    if not lowered.endswith((".yml", ".yaml")):
        return False
    stem = lowered.rsplit(".", 1)[0]
    return any(stem == base or stem.startswith((f"{base}.", f"{base}-", f"{base}_")) for base in COMPOSE_BASES)


def read_small_text(path: Path, root: Path, limit: int = MAX_SMALL_FILE) -> str | None:
    """The text of a regular file inside ``root`` (:mod:`portlint.safe_io`), at most ``limit``
    bytes; ``None`` when it is missing, not a regular file, outside the root, too big or not UTF-8."""
    try:
        return safe_io.read_text(path, root=root, limit=limit)
    except (OSError, UnicodeDecodeError, ValueError):
        return None


@dataclass
class Scopes:
    """The scope root of every folder of a scan, and the kustomize namespace of listed files."""

    roots: dict[str, str] = field(default_factory=dict)  # marker folder -> scope (its representative)
    namespaces: dict[str, str] = field(default_factory=dict)  # file rel -> namespace set by kustomize
    _by_folder: dict[str, str] = field(default_factory=dict, repr=False, compare=False)  # answers so far

    def of(self, rel: str) -> str:
        """The scope of a file: the nearest marker folder above it (its own folder included)."""
        folder = posixpath.dirname(rel)
        scope = self._by_folder.get(folder)
        if scope is None:
            scope = self._by_folder[folder] = self._nearest(folder)
        return scope

    def _nearest(self, folder: str) -> str:
        while True:
            if folder in self.roots:
                return self.roots[folder]
            if not folder:
                return ""
            folder = posixpath.dirname(folder)

    def namespace_of(self, rel: str) -> str | None:
        """The namespace a kustomization gives the objects of ``rel``, or ``None``."""
        return self.namespaces.get(rel)


def build_scopes(files: list[str], root: Path) -> Scopes:
    """Scopes of a scan from the relative paths of its files (sorted; deterministic)."""
    folders: set[str] = set()
    charts: set[str] = set()
    kustomizations: list[str] = []
    for rel in files:
        name = posixpath.basename(rel)
        if name in MARKERS or is_compose_name(name) or (name == "pyproject.toml" and _configures_portlint(root, rel)):
            folders.add(posixpath.dirname(rel))
        if name == "Chart.yaml":
            charts.add(posixpath.dirname(rel))
        if name in KUSTOMIZATIONS:
            kustomizations.append(rel)
    union = _Union(folders)
    for folder in sorted(folders):
        parent = posixpath.dirname(folder)
        if posixpath.basename(parent) == "charts" and posixpath.dirname(parent) in charts:
            union.join(posixpath.dirname(parent), folder)  # a subchart renders with its parent chart
    namespaces: dict[str, str] = {}
    known = set(files)
    kustomize = _Kustomize(root, known, {posixpath.dirname(k): k for k in kustomizations})
    for rel in sorted(kustomizations):
        folder = posixpath.dirname(rel)
        for base in kustomize.bases(folder):
            if base in folders:
                union.join(folder, base)
    for rel in sorted(kustomizations):
        for listed, namespace in kustomize.namespaces(posixpath.dirname(rel)).items():
            namespaces.setdefault(listed, namespace)
    # an overlay's namespace wins over a base's: outer kustomizations (listing others) come first
    namespaces = kustomize.resolve_conflicts(namespaces)
    return Scopes(roots={folder: union.find(folder) for folder in sorted(folders)}, namespaces=namespaces)


def _configures_portlint(root: Path, rel: str) -> bool:
    """A ``pyproject.toml`` with a ``[tool.portlint]`` table: a nested config, like ``.portlint.toml``."""
    text = read_small_text(root / rel, root)
    return text is not None and "[tool.portlint" in text


class _Union:
    def __init__(self, items: set[str]) -> None:
        self.parent = {item: item for item in items}

    def find(self, item: str) -> str:
        while self.parent[item] != item:
            self.parent[item] = self.parent[self.parent[item]]
            item = self.parent[item]
        return item

    def join(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            low, high = sorted((ra, rb), key=lambda f: (len(PurePosixPath(f).parts), f))
            self.parent[high] = low


class _Kustomize:
    """The ``resources``/``bases`` and ``namespace`` of the kustomizations of a scan."""

    def __init__(self, root: Path, files: set[str], by_folder: dict[str, str]) -> None:
        self.root, self.files, self.by_folder = root, files, by_folder
        self.parsed: dict[str, tuple[str | None, list[str]]] = {}
        self.claims: dict[str, list[tuple[int, str]]] = {}

    def _parse(self, folder: str) -> tuple[str | None, list[str]]:
        if folder not in self.parsed:
            self.parsed[folder] = _parse_kustomization(self.root, self.by_folder[folder])
        return self.parsed[folder]

    def _entries(self, folder: str) -> list[str]:
        """Resources of a kustomization as scan-relative paths (files or folders inside the root)."""
        out = []
        for entry in self._parse(folder)[1]:
            if "://" in entry or entry.startswith(("/", "git@", "github.com/")):
                continue
            joined = posixpath.normpath(posixpath.join(folder, entry)) if folder else posixpath.normpath(entry)
            if joined == ".":
                joined = ""
            if not joined.startswith(".."):
                out.append(joined)
        return out

    def bases(self, folder: str) -> list[str]:
        """Folders holding a kustomization that this one lists (directly)."""
        return [entry for entry in self._entries(folder) if entry in self.by_folder and entry != folder]

    def namespaces(self, folder: str) -> dict[str, str]:
        """Files this kustomization applies (through its bases too) and the namespace it sets."""
        namespace = self._parse(folder)[0]
        if not namespace:
            return {}
        out: dict[str, str] = {}
        self._collect(folder, namespace, out, set(), 0)
        return out

    def _collect(self, folder: str, namespace: str, out: dict[str, str], seen: set[str], depth: int) -> None:
        if folder in seen or depth > MAX_KUSTOMIZE_DEPTH:
            return
        seen.add(folder)
        for entry in self._entries(folder):
            if entry in self.files:
                self.claims.setdefault(entry, []).append((depth, namespace))
                out.setdefault(entry, namespace)
            elif entry in self.by_folder:
                self._collect(entry, namespace, out, seen, depth + 1)

    def resolve_conflicts(self, found: dict[str, str]) -> dict[str, str]:
        """A file listed by several kustomizations gets the namespace of the outermost one that all
        its outermost claims agree on; when overlays disagree, the file keeps its own namespace."""
        out = {}
        for rel in sorted(found):
            claims = self.claims.get(rel, [])
            deepest = max(depth for depth, _ in claims)
            outer = {ns for depth, ns in claims if depth == deepest}
            if len(outer) == 1:
                out[rel] = outer.pop()
        return out


def _parse_kustomization(root: Path, rel: str) -> tuple[str | None, list[str]]:
    from portlint.readers import _yaml as Y

    text = read_small_text(root / rel, root)
    if text is None:
        return None, []
    try:
        documents = Y.compose_documents(text)
    except Y.YamlError:
        return None, []
    if not documents or not Y.is_mapping(documents[0]):
        return None, []
    doc = documents[0]
    namespace = Y.text(Y.get(doc, "namespace"))
    entries = []
    for key in ("resources", "bases", "components"):
        for item in Y.seq(Y.get(doc, key)):
            value = Y.text(item)
            if value:
                entries.append(value.strip())
    return namespace or None, entries
