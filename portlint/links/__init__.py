"""Linkers add the graph's edges. One module per stack; each defines ``ORDER`` and ``link(graph)``.

A linker module is any module here whose name does not start with ``_`` and that defines
``link(graph: PortGraph) -> None``. Linkers run in ``ORDER`` (then name) order: stack linkers
(Kubernetes selectors, Terraform references) first at ORDER 10-49, the logical-service linker at
50, cross-stack linkers that need logical services after it.

Every link carries a human reason and the locations it rests on, so any finding can be explained.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

from portlint.graph import PortGraph


def load_linkers() -> list[ModuleType]:
    modules = []
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        if hasattr(module, "link"):
            modules.append(module)
    return sorted(modules, key=lambda m: (getattr(m, "ORDER", 100), m.__name__))


def link_all(graph: PortGraph) -> None:
    for module in load_linkers():
        module.link(graph)
