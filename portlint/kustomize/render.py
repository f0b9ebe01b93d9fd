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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from portlint.kustomize import nodes, patch_json6902, patch_smp, targets, transforms
from portlint.kustomize.load import Kustomization, Patch, compose_file, kustomization_file, load
from portlint.kustomize.resource import Resource
from portlint.model import Location
from portlint.readers import _yaml
from portlint.scopes import MAX_SMALL_FILE

MAX_DEPTH = 32
MAX_RESOURCES = 5_000  # objects in one render; beyond, the render stops with a note


class RenderError(Exception):
    """A render that cannot go on (too many objects)."""


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
            transforms.set_namespace(resources, kustomization.namespace)
        if kustomization.name_prefix is not None or kustomization.name_suffix is not None:
            transforms.rename(resources, kustomization.name_prefix, kustomization.name_suffix)
        for labels in kustomization.labels:
            for resource in resources:
                transforms.add_labels(resource, labels)
        for patch in kustomization.patches:
            if patch.legacy_json6902:
                self._patch(patch, resources, build)

    def _patch(self, patch: Patch, resources: list[Resource], build: Build) -> None:
        if patch.json6902:
            chosen = [r for r in resources if targets.matches(r, patch.target)]
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
            target = patch.target or targets.own_target(document)
            chosen = [r for r in resources if targets.matches(r, target)]
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


