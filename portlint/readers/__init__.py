"""Readers turn files into entities and port facts. One module per file type.

A reader is any module in this package whose name does not start with ``_`` and that defines:

``NAME``
    a short identifier (``kubernetes``, ``terraform``);
``wants(file: SourceFile, ctx: ReadContext) -> bool``
    cheap, by path and name only: no I/O;
``read(files: list[SourceFile], ctx: ReadContext) -> ReadOutput``
    all the files it wanted at once, so that a reader can read a module or chart together.

and may define ``PER_FILE = True`` when what it finds in a file depends on that file alone (and on
the config, the scopes and side files it reads through :class:`ReadContext`): the read cache then
keeps its results file by file, and an edit re-reads only the edited file; and ``WEIGHT``, its CPU
time per byte read relative to the others (default 1.0), which shares the readers out between
processes (:mod:`portlint.parallel`). A reader may run in a child process: what it memoises in
``ctx.cache`` is not seen by the readers of another process (each computes it again).

Readers know nothing of rules. They never execute anything from the scanned tree.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from portlint import safe_io
from portlint.config import Config
from portlint.discover import SourceFile, UndecodableFile
from portlint.model import Entity, Location, ParseFailure, PortFact, Setting
from portlint.scopes import Scopes


@dataclass
class ReadContext:
    """What every reader may use: the scan root, the config, and caches shared between readers."""

    root: Path
    config: Config
    cache: dict[str, Any] = field(default_factory=dict)
    scopes: Scopes | None = None  # filled from the discovered files by engine.read_all
    read_cache: Any = None  # a portlint.cache.ReadCache: reader results kept between runs
    processes: int = 1  # how many processes read this scan (portlint.parallel); readers need not care
    worker_mb: list[float] = field(default_factory=list)  # memory of the reading children (statistics)

    @property
    def scope_map(self) -> Scopes:
        """The scan's scopes (empty when a reader runs on its own, outside a scan)."""
        return self.scopes if self.scopes is not None else Scopes()

    def memo(self, key: str, make):
        """Compute ``make()`` once per scan for ``key`` (e.g. a parsed file two readers need)."""
        if key not in self.cache:
            self.cache[key] = make()
        return self.cache[key]

    def read_text(self, path: Path) -> str:
        """A side lookup (``.env``, ``values.yaml``, a module source) read safely: a regular file
        inside the scan root, under ``max-file-size`` (see :mod:`portlint.safe_io`). Raises
        :class:`portlint.safe_io.UnsafeFile` (an ``OSError``), ``OSError`` or ``UnicodeDecodeError``."""
        return safe_io.read_text(path, root=self.root, limit=self.config.max_file_size)

    def is_file(self, path: Path) -> bool:
        """``Path.is_file`` for side lookups: a regular file inside the scan root (no FIFO, no escape)."""
        return safe_io.is_regular_file(path, self.root)


@dataclass
class ReadOutput:
    """Everything one reader found."""

    entities: list[Entity] = field(default_factory=list)
    facts: list[PortFact] = field(default_factory=list)
    failures: list[ParseFailure] = field(default_factory=list)
    settings: list[Setting] = field(default_factory=list)

    def extend(self, other: "ReadOutput") -> None:
        self.entities.extend(other.entities)
        self.facts.extend(other.facts)
        self.failures.extend(other.failures)
        self.settings.extend(other.settings)

    def fail(self, location: Location, message: str, reader: str) -> None:
        self.failures.append(ParseFailure(location=location, message=message, reader=reader))

    def text_of(self, file: SourceFile, reader: str) -> str | None:
        """The file's text, or ``None`` after recording why it cannot be decoded."""
        try:
            return file.text()
        except UndecodableFile as exc:
            self.fail(Location(file.rel), str(exc), reader)
            return None


def load_readers() -> list[ModuleType]:
    """Every reader module in this package, in name order (deterministic)."""
    modules = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        if all(hasattr(module, attr) for attr in ("NAME", "wants", "read")):
            modules.append(module)
    return modules
