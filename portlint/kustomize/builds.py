"""Which kustomizations are roots, their builds, and the files those builds used."""


from __future__ import annotations

import posixpath
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from portlint.kustomize.load import kustomization_file
from portlint.kustomize.render import Renderer
from portlint.kustomize.resource import Resource
from portlint.model import Location



@dataclass
class Render:
    kustomization: str  # the root's kustomization file
    environment: str | None
    resources: list[Resource]


@dataclass
class Plan:
    renders: list[Render] = field(default_factory=list)
    managed: set[str] = field(default_factory=set)  # files read through a render, never on their own
    notes: list[tuple[Location, str]] = field(default_factory=list)


def plan(kustomizations: list[str], root: Path, scope_of: Callable[[str], str],
         environment_of: Callable[[str], str | None], starting: Callable[[str], None] | None = None,
         limit: int | None = None) -> Plan:
    """Render every root kustomization among ``kustomizations`` (scan-relative paths).

    ``starting(rel)`` is called before each root is built (the reader arms the file's time budget
    there, so a build that runs too long costs its own kustomization, not another file); resources
    are read up to ``limit`` bytes (the scan's max-file-size)."""
    renderer = Renderer(root, limit) if limit else Renderer(root)
    included: set[str] = set()
    bases: dict[str, bool] = {}
    for rel in sorted(kustomizations):
        kustomization = renderer.kustomization(rel)
        has_base = False
        for entry in [*kustomization.resources, *kustomization.components]:
            if entry.remote:
                continue
            folder = posixpath.normpath(posixpath.join(kustomization.folder, entry.value))
            nested = kustomization_file(root, "" if folder == "." else folder) if not folder.startswith("..") else None
            if nested is not None and nested != rel:
                included.add(nested)
                has_base = has_base or entry in kustomization.resources
        bases[rel] = has_base
    roots = [rel for rel in sorted(kustomizations)
             if rel not in included and not renderer.kustomization(rel).component]
    per_scope: dict[str, list[str]] = defaultdict(list)
    for rel in roots:
        per_scope[scope_of(rel)].append(rel)
    out = Plan()
    for rel in roots:
        overlay = bases[rel] and len(per_scope[scope_of(rel)]) > 1
        folder = posixpath.dirname(rel)
        environment = (posixpath.basename(folder) or None) if overlay else environment_of(rel)
        if starting is not None:
            starting(rel)
        try:
            resources, build = renderer.build(rel)
        except Exception as exc:  # a render bug must not cost the files: they are read on their own
            out.notes.append((Location(rel), f"kustomization not rendered ({type(exc).__name__}): its files are "
                              "read one by one"))
            continue
        out.notes.extend(build.notes)
        out.managed.update(build.files)
        out.renders.append(Render(rel, environment, resources))
    return out

