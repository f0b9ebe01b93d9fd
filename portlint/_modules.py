"""Names of the modules in a package folder, as ``pkgutil.iter_modules`` gives them, without
importing ``pkgutil`` (start-up: the subcommands and the report formats are listed on every run)."""

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
