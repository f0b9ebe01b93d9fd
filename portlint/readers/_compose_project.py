"""Compose projects as Compose defines them: which files make one project, ``include:``, and the
service a service ``extends``.

- A project is one compose file together with its ``<name>.override.yml``/``.yaml`` (as
  ``docker compose`` loads ``compose.yaml`` + ``compose.override.yaml``). Every other compose
  file of a folder (``docker-compose.minimal.yml``, ``compose.traefik.yml``) is a project of its
  own: alternative stacks never collide and never hide each other's bugs.
- The project of Compose's default file of a folder (``compose.yaml``, ``compose.yml``,
  ``docker-compose.yaml``, ``docker-compose.yml``: the first that exists) is named by the folder
  (``""`` at the root); any other project by its file's path.
- ``include:`` adds the services of other files (their paths relative to the including file) to
  the including project; a compose file that another includes is not a project of its own.
- ``extends`` (``service``, optional ``file``) copies another service's ports, expose,
  environment, command and healthcheck into the service, the way Compose merges them.

Only regular files inside the scan root are read, size-limited; cycles and depth are bounded.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from portlint.readers import _yaml as Y
from portlint.scopes import read_small_text

DEFAULT_FILES = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")
MAX_DEPTH = 8  # include / extends chains deeper than this are not followed


@dataclass(frozen=True)
class Project:
    """A compose project: its id (the entity namespace) and its folder (relative paths' base)."""

    id: str
    folder: str


def plan_projects(rels: list[str]) -> dict[str, Project]:
    """The project of every compose file (by relative path)."""
    by_folder: dict[str, list[str]] = {}
    for rel in sorted(rels):
        by_folder.setdefault(posixpath.dirname(rel), []).append(rel)
    out: dict[str, Project] = {}
    for folder, members in by_folder.items():
        names = {posixpath.basename(r): r for r in members}
        default = next((names[n] for n in DEFAULT_FILES if n in names), None)
        for rel in members:
            base = _overridden(posixpath.basename(rel), names) or rel
            project_id = folder if base == default else base
            out[rel] = Project(project_id, folder)
    return out


def _overridden(name: str, names: dict[str, str]) -> str | None:
    """The file ``X.override.yml`` overrides: ``X.yml`` or ``X.yaml`` in the same folder."""
    stem, _, _ = name.rpartition(".")
    if not stem.lower().endswith(".override"):
        return None
    base = stem[: -len(".override")]
    for ext in ("yml", "yaml"):
        if f"{base}.{ext}" in names:
            return names[f"{base}.{ext}"]
    return None


def included_files(document: Any, folder: str) -> list[tuple[str | None, Any]]:
    """``include:`` entries of a compose document: (relative path, node); the path is ``None`` when
    it is remote, outside the root or interpolated (portlint cannot read it).

    Short form (``- path.yml``) and long form (``- path: [a.yml, b.yml]``, ``project_directory``,
    ``env_file``) are both read; remote includes (``oci://``, ``git@``, URLs) are skipped.
    """
    out = []
    for entry in Y.seq(Y.get(document, "include")):
        paths = [entry] if Y.is_scalar(entry) else []
        if Y.is_mapping(entry):
            found = Y.get(entry, "path")
            paths = Y.seq(found) if Y.is_sequence(found) else ([found] if found is not None else [])
        for node in paths:
            out.append((inside(folder, Y.text(node) or ""), node))
    return out


def inside(folder: str, written: str) -> str | None:
    """A path written in a compose file, relative to the scan root; ``None`` outside it or remote."""
    written = written.strip()
    if not written or "://" in written or written.startswith(("/", "~", "git@")) or "$" in written:
        return None
    joined = posixpath.normpath(posixpath.join(folder, written))
    return None if joined.startswith("..") or joined == "." else joined


class Documents:
    """Parsed compose documents by relative path: the scan's own files, and others read on demand
    (included files, ``extends.file``) when they are regular files inside the root."""

    def __init__(self, root: Path, limit: int) -> None:
        self.root, self.limit = root, limit
        self.loaded: dict[str, tuple[Any, str] | None] = {}

    def put(self, rel: str, document: Any, text: str) -> None:
        self.loaded[rel] = (document, text)

    def get(self, rel: str) -> tuple[Any, str] | None:
        """(first document, text) of ``rel``, or ``None`` when it cannot be read or parsed."""
        if rel not in self.loaded:
            self.loaded[rel] = self._load(rel)
        return self.loaded[rel]

    def _load(self, rel: str) -> tuple[Any, str] | None:
        text = read_small_text(self.root / rel, self.root, self.limit)
        if text is None:
            return None
        try:
            documents = Y.compose_documents(text)
            if documents and Y.may_alias(text):
                Y.count_nodes(documents[0])
        except Y.YamlError:
            return None
        if not documents or not Y.is_mapping(documents[0]):
            return None
        return documents[0], text


@dataclass(frozen=True)
class Base:
    """The service a service extends: its node and the file it was written in."""

    node: Any
    rel: str
    text: str


def extended(node: Any, rel: str, text: str, documents: Documents, depth: int = 0,
             seen: frozenset = frozenset()) -> list[Base]:
    """The chain of services ``node`` extends, nearest first (cycles and depth bounded)."""
    spec = Y.get(node, "extends")
    if spec is None or depth >= MAX_DEPTH:
        return []
    if Y.is_scalar(spec):
        service, file_rel = Y.text(spec), rel
    elif Y.is_mapping(spec):
        service = Y.text(Y.get(spec, "service"))
        written = Y.text(Y.get(spec, "file"))
        file_rel = inside(posixpath.dirname(rel), written) if written else rel
    else:
        return []
    if not service or not file_rel or (file_rel, service) in seen:
        return []
    loaded = (documents.get(file_rel) if file_rel != rel else (documents.get(rel) or (None, text)))
    if loaded is None or loaded[0] is None:
        return []
    base_node = Y.get(Y.get(loaded[0], "services"), service)
    if not Y.is_mapping(base_node):
        return []
    base = Base(base_node, file_rel, loaded[1])
    return [base, *extended(base_node, file_rel, loaded[1], documents, depth + 1, seen | {(file_rel, service)})]
