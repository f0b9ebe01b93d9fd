"""Build a kustomization the way ``kustomize build`` does, without the binary.

For one kustomization: its ``resources`` (files, and folders that are kustomizations, built
recursively), then its ``components`` (each adds its resources and applies its changes to
everything gathered so far), then its own changes in kustomize's order — strategic merge and
``patches``, ``namespace``, ``namePrefix``/``nameSuffix`` (Ingress backends that name a renamed
Service follow it, as kustomize's name references do), ``commonLabels``/``labels``, then the
legacy ``patchesJson6902``. Cycles and depth are bounded; what cannot be rendered is a note.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from portlint.kustomize import nodes, patch_json6902, patch_smp
from portlint.kustomize.load import Kustomization, Patch, Target, compose_file, kustomization_file, load
from portlint.model import Location
from portlint.readers import _yaml
from portlint.scopes import MAX_SMALL_FILE

MAX_DEPTH = 32
MAX_RESOURCES = 5_000  # objects in one render; beyond, the render stops with a note
CLUSTER_SCOPED = frozenset({"Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition",
                            "PersistentVolume", "StorageClass", "PriorityClass", "IngressClass",
                            "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration", "APIService",
                            "ClusterIssuer", "GatewayClass"})
WORKLOAD_SELECTORS = {"Deployment": True, "ReplicaSet": True, "DaemonSet": True, "StatefulSet": True,
                      "Job": False}  # kind -> does commonLabels create spec.selector.matchLabels
TEMPLATED = ("Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "Job", "ReplicationController")


class RenderError(Exception):
    """A render that cannot go on (too many objects)."""


@dataclass
class Resource:
    node: Any
    names: list[str]  # every name it had, the current one last (patches may name any)

    @property
    def kind(self) -> str:
        return nodes.text(_yaml.get(self.node, "kind")) or ""

    @property
    def api_version(self) -> str:
        return nodes.text(_yaml.get(self.node, "apiVersion")) or ""

    @property
    def name(self) -> str:
        return nodes.text(_yaml.get_path(self.node, "metadata", "name")) or ""

    @property
    def namespace(self) -> str:
        return nodes.text(_yaml.get_path(self.node, "metadata", "namespace")) or ""


@dataclass
class Build:
    """What one build used and could not do."""

    files: set[str] = field(default_factory=set)
    notes: list[tuple[Location, str]] = field(default_factory=list)
    count: int = 0
    incomplete: bool = False  # a resource could not be read: a patch may name one of its objects

    def unmatched(self, patch: Patch, kind: str | None) -> None:
        """A patch that names no object: kustomize stops the build; a note, unless the build is
        missing objects portlint could not read (remote, generated) or it is for a ConfigMap/Secret."""
        if not self.incomplete and kind not in ("ConfigMap", "Secret"):
            self.notes.append((patch.location, "patch matches no object of this build: not applied"))


class Renderer:
    """Builds kustomizations of one scan; files are parsed once and copied for each render."""

    def __init__(self, root: Path, limit: int = MAX_SMALL_FILE) -> None:
        self.root, self.limit = root, limit  # resources are read up to the scan's max-file-size
        self.loaded: dict[str, Kustomization] = {}
        self.composed: dict[str, tuple[list[Any] | None, str | None]] = {}

    def kustomization(self, rel: str) -> Kustomization:
        if rel not in self.loaded:
            self.loaded[rel] = load(self.root, rel)
        return self.loaded[rel]

    def build(self, rel: str) -> tuple[list[Resource], Build]:
        """Every object of the kustomization at ``rel``, rendered."""
        build = Build()
        try:
            resources = self._build(rel, build, (), None)
        except RenderError as exc:
            build.notes.append((Location(rel), str(exc)))
            resources = []
        return resources, build

    # -- one kustomization ----------------------------------------------------------------------

    def _build(self, rel: str, build: Build, stack: tuple[str, ...], gathered: list[Resource] | None) -> list[Resource]:
        kustomization = self.kustomization(rel)
        build.files.add(rel)
        build.notes.extend(kustomization.notes)
        build.incomplete = build.incomplete or kustomization.incomplete
        if kustomization.failed is not None:
            build.notes.append(kustomization.failed)
            return gathered if gathered is not None else []
        resources = gathered if gathered is not None else []
        for entry in kustomization.resources:
            resources.extend(self._entry(kustomization, entry, build, (*stack, rel)))
        for entry in kustomization.components:
            folder = self._local(kustomization, entry, build)
            if folder is None:
                continue
            component = kustomization_file(self.root, folder)
            if component is None or component in stack or component == rel:
                build.notes.append((entry.location, f"component {entry.value} is not a kustomization here: not applied"))
                continue
            if len(stack) >= MAX_DEPTH:
                build.notes.append((entry.location, f"kustomizations nest deeper than {MAX_DEPTH}: not applied"))
                continue
            resources = self._build(component, build, (*stack, rel), resources)
        self._transform(kustomization, resources, build)
        return resources

    def _local(self, kustomization: Kustomization, entry: Any, build: Build) -> str | None:
        """The scan-relative path an entry names, or ``None`` (with a note) when it is not local."""
        if entry.remote:
            build.notes.append((entry.location, f"remote resource {entry.value} is not fetched: its objects are unknown"))
            build.incomplete = True
            return None
        joined = posixpath.normpath(posixpath.join(kustomization.folder, entry.value))
        if entry.value.startswith("/") or joined == ".." or joined.startswith("../"):
            build.notes.append((entry.location, f"resource {entry.value} is outside the scan root: not read"))
            build.incomplete = True
            return None
        return "" if joined == "." else joined

    def _entry(self, kustomization: Kustomization, entry: Any, build: Build, stack: tuple[str, ...]) -> list[Resource]:
        path = self._local(kustomization, entry, build)
        if path is None:
            return []
        target = self.root / path if path else self.root
        if target.is_dir():
            nested = kustomization_file(self.root, path)
            if nested is None:
                build.notes.append((entry.location, f"resource {entry.value} is a folder without a kustomization"))
                return []
            if nested in stack:
                build.notes.append((entry.location, f"resource {entry.value} includes itself (a cycle): not read again"))
                return []
            if len(stack) >= MAX_DEPTH:
                build.notes.append((entry.location, f"kustomizations nest deeper than {MAX_DEPTH}: not read"))
                return []
            return self._build(nested, build, stack, None)
        if path not in self.composed:
            self.composed[path] = compose_file(self.root, path, limit=self.limit)
        documents, problem = self.composed[path]
        if documents is None:
            build.notes.append((entry.location, f"resource {entry.value} {problem}"))
            build.incomplete = True
            return []
        build.files.add(path)
        out = []
        for document in _items(documents):
            build.count += 1
            if build.count > MAX_RESOURCES:
                raise RenderError(f"more than {MAX_RESOURCES} objects in one build: not rendered")
            try:
                copied = nodes.copy(document)
            except nodes.TooBig:
                build.notes.append((entry.location, f"resource {entry.value} is too big to render"))
                continue
            resource = Resource(copied, [])
            resource.names.append(resource.name)
            out.append(resource)
        return out

    # -- changes, in kustomize's order ------------------------------------------------------------

    def _transform(self, kustomization: Kustomization, resources: list[Resource], build: Build) -> None:
        for patch in kustomization.patches:
            if not patch.legacy_json6902:
                self._patch(patch, resources, build)
        build.files.update(_patch_files(kustomization.patches))
        if kustomization.namespace is not None:
            _set_namespace(resources, kustomization.namespace)
        if kustomization.name_prefix is not None or kustomization.name_suffix is not None:
            _rename(resources, kustomization.name_prefix, kustomization.name_suffix)
        for labels in kustomization.labels:
            for resource in resources:
                _add_labels(resource, labels)
        for patch in kustomization.patches:
            if patch.legacy_json6902:
                self._patch(patch, resources, build)

    def _patch(self, patch: Patch, resources: list[Resource], build: Build) -> None:
        if patch.json6902:
            chosen = [r for r in resources if _matches(r, patch.target)]
            if not chosen:
                build.unmatched(patch, patch.target.kind if patch.target else None)
            for resource in chosen:
                try:
                    patch_json6902.apply(resource.node, patch.documents[0])
                except patch_json6902.PatchError as exc:
                    build.notes.append((patch.location, f"JSON 6902 patch does not apply to {resource.kind} "
                                        f"{resource.name}: {exc} (kustomize stops here)"))
            return
        for document in patch.documents:
            if not _yaml.is_mapping(document):
                continue
            target = patch.target or _own_target(document)
            chosen = [r for r in resources if _matches(r, target)]
            if not chosen:
                build.unmatched(patch, target.kind)
            for resource in chosen:
                try:
                    merged = patch_smp.apply(resource.node, document, resource.kind)
                except (patch_smp.PatchError, nodes.TooBig) as exc:
                    build.notes.append((patch.location, f"strategic merge patch does not apply: {exc}"))
                    continue
                if merged is None:
                    resources.remove(resource)  # ``$patch: delete``: the object is not deployed
                else:
                    resource.node = merged


def _items(documents: list[Any]) -> list[Any]:
    """The objects of a file: a ``kind: …List`` with ``items`` is its items, as kustomize reads it."""
    out = []
    for document in documents:
        if not _yaml.is_mapping(document):
            continue
        kind = nodes.text(_yaml.get(document, "kind")) or ""
        items = _yaml.get(document, "items")
        if kind.endswith("List") and _yaml.is_sequence(items):
            out.extend(item for item in items.value if _yaml.is_mapping(item))
        else:
            out.append(document)
    return out


def _patch_files(patches: list[Patch]) -> set[str]:
    files = set()
    for patch in patches:
        for document in patch.documents:
            rel = nodes.file_of(document)
            if rel:
                files.add(rel)
    return files


def _own_target(document: Any) -> Target:
    """A strategic merge patch without ``target`` names its object itself."""
    api = nodes.text(_yaml.get(document, "apiVersion")) or ""
    group = api.rpartition("/")[0] if "/" in api else ""
    return Target(group=group if api else None, kind=nodes.text(_yaml.get(document, "kind")),
                  name=re.escape(nodes.text(_yaml.get_path(document, "metadata", "name")) or "") or None,
                  namespace=re.escape(nodes.text(_yaml.get_path(document, "metadata", "namespace")) or "") or None)


def _matches(resource: Resource, target: Target | None) -> bool:
    if target is None:
        return False
    api = resource.api_version
    group, _, version = api.rpartition("/") if "/" in api else ("", "", api)
    if target.group is not None and target.group != group:
        return False
    if target.version is not None and target.version != version:
        return False
    if target.kind is not None and not _full(target.kind, resource.kind):
        return False
    if target.name is not None and not any(_full(target.name, name) for name in resource.names):
        return False
    if target.namespace is not None and not _full(target.namespace, resource.namespace):
        return False
    if target.label_selector is not None and not _selects(target.label_selector, _map(resource, "labels")):
        return False
    if target.annotation_selector is not None and not _selects(target.annotation_selector,
                                                               _map(resource, "annotations")):
        return False
    return True


def _full(pattern: str, value: str) -> bool:
    try:
        return re.fullmatch(pattern, value) is not None
    except re.error:
        return pattern == value


def _map(resource: Resource, key: str) -> dict[str, str]:
    node = _yaml.get_path(resource.node, "metadata", key)
    return {nodes.text(k) or "": nodes.text(v) or "" for k, v in _yaml.items(node)}


_SET = re.compile(r"^\s*([^\s!=]+)\s+(in|notin)\s+\(([^)]*)\)\s*$")


def _selects(selector: str, labels: dict[str, str]) -> bool:
    """A label selector (``a=b,c!=d,e,!f,g in (x,y)``) against a label map."""
    for term in _split_terms(selector):
        term = term.strip()
        if not term:
            continue
        found = _SET.match(term)
        if found:
            key, op, values = found.group(1), found.group(2), {v.strip() for v in found.group(3).split(",")}
            if (op == "in") != (labels.get(key) in values if key in labels else False):
                if not (op == "notin" and key not in labels):
                    return False
            continue
        if "!=" in term:
            key, value = (p.strip() for p in term.split("!=", 1))
            if labels.get(key) == value:
                return False
        elif "=" in term:
            key, value = (p.strip() for p in term.replace("==", "=").split("=", 1))
            if labels.get(key) != value:
                return False
        elif term.startswith("!"):
            if term[1:].strip() in labels:
                return False
        elif term not in labels:
            return False
    return True


def _split_terms(selector: str) -> list[str]:
    terms, depth, current = [], 0, ""
    for char in selector:
        depth += char == "("
        depth -= char == ")"
        if char == "," and depth == 0:
            terms.append(current)
            current = ""
        else:
            current += char
    return [*terms, current]


def _set_namespace(resources: list[Resource], namespace: Any) -> None:
    for resource in resources:
        if resource.kind in CLUSTER_SCOPED:
            continue
        meta = nodes.child_mapping(resource.node, "metadata", namespace)
        nodes.set_key(meta, "namespace", nodes.copy(namespace), namespace)


def _rename(resources: list[Resource], prefix: Any, suffix: Any) -> None:
    renamed: dict[tuple[str, str], str] = {}  # (namespace, old Service name) -> new name
    at = prefix if prefix is not None else suffix
    for resource in resources:
        if resource.kind in ("Namespace", "CustomResourceDefinition"):
            continue
        name_node = _yaml.get_path(resource.node, "metadata", "name")
        old = nodes.text(name_node)
        if old is None:
            continue
        new = f"{nodes.text(prefix) or ''}{old}{nodes.text(suffix) or ''}"
        meta = _yaml.get(resource.node, "metadata")
        nodes.set_key(meta, "name", nodes.scalar(new, name_node), at)
        resource.names.append(new)
        if resource.kind == "Service":
            renamed[(resource.namespace, old)] = new
    if renamed:
        for resource in resources:
            if resource.kind == "Ingress":
                _follow_services(resource, renamed)


def _follow_services(ingress: Resource, renamed: dict[tuple[str, str], str]) -> None:
    """Ingress backends naming a renamed Service of the same namespace name its new name."""
    spec = _yaml.get(ingress.node, "spec")
    backends = [_yaml.get(spec, "defaultBackend"), _yaml.get(spec, "backend")]
    for rule in _yaml.seq(_yaml.get(spec, "rules")):
        backends += [_yaml.get(path, "backend") for path in _yaml.seq(_yaml.get_path(rule, "http", "paths"))]
    for backend in backends:
        if not _yaml.is_mapping(backend):
            continue
        service = _yaml.get(backend, "service")
        holder, key = (service, "name") if _yaml.is_mapping(service) else (backend, "serviceName")
        node = _yaml.get(holder, key)
        new = renamed.get((ingress.namespace, nodes.text(node) or ""))
        if new is not None:
            nodes.set_key(holder, key, nodes.scalar(new, node))


def _add_labels(resource: Resource, labels: Any) -> None:
    kind = resource.kind
    paths: list[tuple[tuple[str, ...], bool]] = [(("metadata", "labels"), True)]
    if labels.selectors:
        if kind in ("Service", "ReplicationController"):
            paths.append((("spec", "selector"), True))
        elif kind in WORKLOAD_SELECTORS:
            paths.append((("spec", "selector", "matchLabels"), WORKLOAD_SELECTORS[kind]))
        elif kind == "CronJob":
            paths.append((("spec", "jobTemplate", "spec", "selector", "matchLabels"), False))
        elif kind == "NetworkPolicy":
            paths.append((("spec", "podSelector", "matchLabels"), False))
    if labels.templates:
        if kind in TEMPLATED:
            paths.append((("spec", "template", "metadata", "labels"), True))
        elif kind == "CronJob":
            paths.append((("spec", "jobTemplate", "spec", "template", "metadata", "labels"), True))
    for path, create in paths:
        target = _walk(resource.node, path, create, labels.pairs[0][0] if labels.pairs else resource.node)
        if target is None:
            continue
        for key, value in labels.pairs:
            name = nodes.text(key)
            if name is not None:
                nodes.set_key(target, name, nodes.copy(value), key)


def _walk(node: Any, path: tuple[str, ...], create: bool, at: Any) -> Any:
    for key in path:
        child = _yaml.get(node, key)
        if not _yaml.is_mapping(child):
            if not create or not _yaml.is_mapping(node):
                return None
            child = nodes.mapping(at)
            nodes.set_key(node, key, child, at)
        node = child
    return node
