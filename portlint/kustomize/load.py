"""Read one ``kustomization.yaml`` (or ``Component``) into what :mod:`.render` applies.

Only local files inside the scan root are read (through :mod:`portlint.safe_io`); a remote
resource, a generator or a transformer plugin cannot be rendered here and becomes a note, so
an overlay that relies on one is never called clean for what portlint did not see.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from portlint.model import Location
from portlint.readers import _yaml
from portlint.kustomize import nodes
from portlint.scopes import KUSTOMIZATIONS, MAX_SMALL_FILE, read_small_text

# fields that change what is deployed in ways portlint does not render (a note each)
# (``vars`` only fill ``$(VAR)`` in env values, commands and args by default: never a port field;
# ConfigMap/Secret generators make no ports)
UNRENDERED = ("helmCharts", "helmChartInflationGenerator", "generators", "transformers", "replacements")
# builtin transformers that change no port, selector or pod label when they touch metadata only
METADATA_ONLY = frozenset({"LabelTransformer", "AnnotationsTransformer"})
HARMLESS = frozenset({"ImageTagTransformer", "ReplicaCountTransformer"})


@dataclass(frozen=True)
class Entry:
    """One ``resources``/``components`` item: its text and where it is written."""

    value: str
    location: Location

    @property
    def remote(self) -> bool:
        v = self.value
        return "://" in v or v.startswith(("git@", "github.com/", "gitlab.com/", "bitbucket.org/")) or "?ref=" in v


@dataclass(frozen=True)
class Target:
    """A patch's ``target``: empty fields match anything; ``name``/``kind``/``namespace`` are regexes."""

    group: str | None = None
    version: str | None = None
    kind: str | None = None
    name: str | None = None
    namespace: str | None = None
    label_selector: str | None = None
    annotation_selector: str | None = None


@dataclass
class Patch:
    """A patch as written: strategic merge (one or more documents) or JSON 6902 (a list of ops)."""

    documents: list[Any]
    json6902: bool
    target: Target | None
    location: Location
    legacy_json6902: bool = False  # ``patchesJson6902``: applied after prefix/suffix and labels


@dataclass
class Labels:
    pairs: list[tuple[Any, Any]]  # (key node, value node) in the kustomization
    selectors: bool
    templates: bool


@dataclass
class Kustomization:
    rel: str
    folder: str
    component: bool = False
    resources: list[Entry] = field(default_factory=list)
    components: list[Entry] = field(default_factory=list)
    patches: list[Patch] = field(default_factory=list)
    name_prefix: Any = None  # scalar nodes: their location is where a rename is written
    name_suffix: Any = None
    namespace: Any = None
    labels: list[Labels] = field(default_factory=list)
    notes: list[tuple[Location, str]] = field(default_factory=list)
    failed: tuple[Location, str] | None = None
    incomplete: bool = False  # makes objects portlint does not render (a chart, a generator plugin)
    lines: list[str] = field(default_factory=list, repr=False)  # its text, for inline patches' columns


def kustomization_file(root: Path, folder: str) -> str | None:
    """The kustomization file of a folder (relative to the root), if there is one."""
    for name in KUSTOMIZATIONS:
        rel = posixpath.join(folder, name) if folder else name
        if (root / rel).is_file():
            return rel
    return None


def compose_file(root: Path, rel: str, text: str | None = None,
                 limit: int = MAX_SMALL_FILE) -> tuple[list[Any] | None, str | None]:
    """A file's documents with marks naming it, or (None, why not); at most ``limit`` bytes."""
    text = read_small_text(root / rel, root, limit) if text is None else text
    if text is None:
        return None, "cannot be read (missing, not a regular file inside the scan, too big or not UTF-8)"
    try:
        documents = _yaml.compose_documents(text)
        for document in documents if _yaml.may_alias(text) else ():
            _yaml.count_nodes(document)
    except _yaml.YamlError as exc:
        return None, f"{exc.message} (line {exc.line})"
    nodes.name_marks(documents, rel)
    return documents, None


def load(root: Path, rel: str) -> Kustomization:
    folder = posixpath.dirname(rel)
    found = Kustomization(rel=rel, folder=folder)
    text = read_small_text(root / rel, root)
    found.lines = text.split("\n") if text is not None else []
    documents, problem = compose_file(root, rel, text) if text is not None else (None, "cannot be read")
    if documents is None or not documents or not _yaml.is_mapping(documents[0]):
        found.failed = (Location(rel), f"kustomization {problem or 'is not a mapping'}: not rendered")
        return found
    doc = documents[0]
    found.component = nodes.text(_yaml.get(doc, "kind")) == "Component"
    for key in ("resources", "bases"):
        found.resources += _entries(doc, key, rel)
    found.components = _entries(doc, "components", rel)
    found.namespace = _scalar(doc, "namespace")
    found.name_prefix = _scalar(doc, "namePrefix")
    found.name_suffix = _scalar(doc, "nameSuffix")
    common = _yaml.get(doc, "commonLabels")
    if _yaml.is_mapping(common):
        found.labels.append(Labels(list(common.value), selectors=True, templates=True))
    for item in _yaml.seq(_yaml.get(doc, "labels")):
        pairs = _yaml.get(item, "pairs")
        if _yaml.is_mapping(pairs):
            selectors = nodes.text(_yaml.get(item, "includeSelectors")) == "true"
            templates = selectors or nodes.text(_yaml.get(item, "includeTemplates")) == "true"
            found.labels.append(Labels(list(pairs.value), selectors, templates))
    for item in _yaml.seq(_yaml.get(doc, "patchesStrategicMerge")):
        _add_patch(root, found, item, None, doc)
    for item in _yaml.seq(_yaml.get(doc, "patches")):
        if _yaml.is_mapping(item):
            _add_patch(root, found, item, _target(_yaml.get(item, "target")), doc)
    for item in _yaml.seq(_yaml.get(doc, "patchesJson6902")):
        if _yaml.is_mapping(item):
            _add_patch(root, found, item, _target(_yaml.get(item, "target")), doc, legacy_json=True)
    for key in UNRENDERED:
        node = _yaml.get(doc, key)
        if key == "transformers" and _harmless_transformers(root, found, node):
            continue
        if node is not None and not nodes.is_null(node) and (not _yaml.is_sequence(node) or node.value):
            found.notes.append((_yaml.location(node, rel), f"kustomization `{key}` is not rendered by portlint: "
                                "ports it adds or changes are unknown"))
            found.incomplete = True
    return found


def _harmless_transformers(root: Path, found: Kustomization, node: Any) -> bool:
    """Every ``transformers`` entry is a local builtin that changes no port, selector or pod label
    (a ``LabelTransformer`` on ``metadata/labels`` only, an image tag, a replica count)."""
    for item in _yaml.seq(node):
        path = nodes.text(item)
        if not path or "\n" in path or "://" in path:
            return False
        rel = posixpath.normpath(posixpath.join(found.folder, path))
        documents, _ = compose_file(root, rel) if not rel.startswith("..") else (None, None)
        if not documents:
            return False
        for document in documents:
            kind = nodes.text(_yaml.get(document, "kind")) or ""
            if nodes.text(_yaml.get(document, "apiVersion")) != "builtin":
                return False
            if kind in HARMLESS:
                continue
            paths = {nodes.text(_yaml.get(spec, "path")) for spec in _yaml.seq(_yaml.get(document, "fieldSpecs"))}
            if kind not in METADATA_ONLY or not paths or not paths <= {"metadata/labels", "metadata/annotations"}:
                return False
    return True


def _scalar(doc: Any, key: str) -> Any:
    node = _yaml.get(doc, key)
    return node if _yaml.is_scalar(node) and nodes.text(node) else None


def _entries(doc: Any, key: str, rel: str) -> list[Entry]:
    out = []
    for item in _yaml.seq(_yaml.get(doc, key)):
        value = nodes.text(item)
        if value and value.strip():
            out.append(Entry(value.strip(), _yaml.location(item, rel)))
    return out


def _target(node: Any) -> Target | None:
    if not _yaml.is_mapping(node):
        return None
    def field_of(key: str) -> str | None:
        return nodes.text(_yaml.get(node, key)) or None
    return Target(field_of("group"), field_of("version"), field_of("kind"), field_of("name"), field_of("namespace"),
                  field_of("labelSelector"), field_of("annotationSelector"))


def _add_patch(root: Path, found: Kustomization, item: Any, target: Target | None, doc: Any,
               legacy_json: bool = False) -> None:
    """A patch entry: a path, or inline text (``patch: |``, or a bare string in
    ``patchesStrategicMerge``)."""
    rel = found.rel
    where = _yaml.location(item, rel)
    if _yaml.is_scalar(item):  # patchesStrategicMerge: a path or an inline patch
        value = nodes.text(item) or ""
        documents = _inline(item, found) if "\n" in value or ":" in value else _patch_file(root, found, value, where)
    else:
        path, inline = _yaml.get(item, "path"), _yaml.get(item, "patch")
        if nodes.text(path):
            documents = _patch_file(root, found, nodes.text(path) or "", _yaml.location(path, rel))
        elif nodes.text(inline):
            documents = _inline(inline, found)
        else:
            return
    if documents is None:
        return
    if not documents:
        return
    json6902 = legacy_json or _yaml.is_sequence(documents[0])
    if json6902 and target is None:
        found.notes.append((where, "JSON 6902 patch without a target: kustomize rejects it; not applied"))
        return
    found.patches.append(Patch(documents, json6902, target, where, legacy_json6902=legacy_json))


def _patch_file(root: Path, found: Kustomization, path: str, where: Location) -> list[Any] | None:
    if "://" in path:
        found.notes.append((where, f"remote patch {path} is not read: what it changes is unknown"))
        return None
    rel = posixpath.normpath(posixpath.join(found.folder, path))
    if rel.startswith("../") or rel == "..":
        found.notes.append((where, f"patch {path} is outside the scan root: not applied"))
        return None
    documents, problem = compose_file(root, rel)
    if documents is None:
        found.notes.append((where, f"patch {path} {problem}: not applied"))
        return None
    return documents


def _inline(node: Any, found: Kustomization) -> list[Any] | None:
    """An inline patch composed from its text, its marks moved to where it is written in the
    kustomization (a block scalar's lines start one line below its key, at its indent)."""
    text = node.value
    try:
        documents = _yaml.compose_documents(text)
        for document in documents if _yaml.may_alias(text) else ():
            _yaml.count_nodes(document)
    except _yaml.YamlError:
        return None
    start = node.start_mark
    if node.style in ("|", ">"):
        line_offset, column_offset = start.line + 1, _block_indent(node, found.lines)
    else:
        line_offset, column_offset = start.line, start.column + (1 if node.style in ("'", '"') else 0)
    _yaml.shift_lines(documents, line_offset)
    _shift_columns(documents, column_offset)
    nodes.name_marks(documents, found.rel)
    return documents


def _block_indent(node: Any, lines: list[str]) -> int:
    """The indentation of a block scalar's content: that of its first non-blank line."""
    for line in lines[node.start_mark.line + 1:node.end_mark.line + 1]:
        if line.strip():
            return len(line) - len(line.lstrip(" "))
    return node.start_mark.column + 2


def _shift_columns(documents: list[Any], columns: int) -> None:
    if not columns:
        return
    from yaml.error import Mark

    nodes.remark(documents, lambda mark: Mark(mark.name, mark.index, mark.line, mark.column + columns, None, None))
