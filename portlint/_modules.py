"""The modules of a package folder without importing anything heavy (start-up): their names, as
``pkgutil.iter_modules`` gives them (the subcommands and report formats are listed on every run),
and their source files with stat signatures (what cached descriptions of code are keyed by)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from importlib.machinery import all_suffixes


def module_names(folders: Iterable[str]) -> list[str]:
    """Sorted names of the modules and packages in ``folders`` (a package's ``__path__``), those
    starting with ``_`` left out."""
    suffixes = all_suffixes()
    names: set[str] = set()
    for folder in folders:
        try:
            entries = os.listdir(folder)
        except OSError:
            continue
        for entry in entries:
            if entry.startswith("_"):
                continue
            stem = next((entry[:-len(s)] for s in suffixes if entry.endswith(s)), None)
            if stem is None and os.path.isfile(os.path.join(folder, entry, "__init__.py")):
                stem = entry
            if stem and stem.isidentifier():
                names.add(stem)
    return sorted(names)


def python_files(package: str) -> list[tuple[str, str, tuple[int, ...] | None]]:
    """(POSIX path relative to ``package``, path, stat signature) of every ``.py`` below it, sorted
    (the code a cache entry depends on: portlint's own, a rules folder's)."""
    found: list[tuple[str, str, tuple[int, ...] | None]] = []
    stack = [("", package)]
    while stack:
        rel, folder = stack.pop()
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    if entry.is_dir():
                        if entry.name != "__pycache__":
                            stack.append((f"{rel}{entry.name}/", entry.path))
                    elif entry.name.endswith(".py"):
                        found.append((rel + entry.name, entry.path, entry_signature(entry)))
        except OSError:
            continue
    return sorted(found)


def entry_signature(entry: os.DirEntry) -> tuple[int, ...] | None:
    """(size, mtime, ctime, inode, device) of a directory entry (following symlinks), None if gone."""
    try:
        info = entry.stat()
    except OSError:
        return None
    return (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino, info.st_dev)
