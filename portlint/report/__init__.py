"""Reporters: one module per output format, each with ``FORMAT`` and ``render(result, opts) -> str``.

Reporters only read a :class:`~portlint.engine.ScanResult`; output is deterministic (same tree,
same bytes): no timestamps, no absolute paths (SARIF's originalUriBaseIds aside), findings in a
fixed order. Paths are rebased onto the current folder first (:mod:`portlint.report._paths`).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType


@dataclass(frozen=True)
class RenderOptions:
    color: bool = False
    explain: bool = False
    show_timing: bool = False
    source_root: Path | None = None  # the folder paths are relative to (SARIF's %SRCROOT%)


def plural(count: int, word: str) -> str:
    """``1 finding``, ``2 findings``, ``0 files``."""
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def available_formats() -> list[str]:
    """Format names: a module's name, ``_`` written ``-`` (``json_full`` is ``json-full``)."""
    from portlint._modules import module_names

    return sorted(name.replace("_", "-") for name in module_names(__path__))


def reporter(name: str) -> ModuleType:
    if name not in available_formats():
        raise KeyError(name)
    return importlib.import_module(f"{__name__}.{name.replace('-', '_')}")
