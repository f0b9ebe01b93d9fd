"""Kustomize overlays rendered without the kustomize binary.

:func:`.builds.plan` finds the kustomizations of a scan that nothing else includes (the *roots*: an
overlay, or a lone kustomization), builds each with :mod:`.render`, and says which files those
builds used: the Kubernetes reader reads the rendered objects instead of those files, so a
base used only through overlays is read as each overlay deploys it and never on its own.

Environments: when several roots share a scope (``overlays/dev``, ``overlays/prod`` over one
base), each root is the environment named after its folder (``prod``); a lone root keeps the
environment its path implies (often none). Package layout: :mod:`.builds` (the plan), :mod:`.load` (one kustomization),
:mod:`.patch_smp`, :mod:`.patch_json6902`, :mod:`.render` (a build), :mod:`.targets` (which
objects a patch is for), :mod:`.transforms` (namespace, names, labels), :mod:`.fold` (one finding
for a base line that several overlays render alike).
"""

ATTR = "kustomize"  # entity/fact attr: the kustomization file of the render it came from
