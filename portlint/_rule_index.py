"""The built-in rules' descriptions without importing their modules, kept as ``.pyc`` files are.

A run needs each rule's id, name, group and options before it scans (config keys and selectors
are checked against them), but a rule's ``check`` only when the rules run. Importing the 50-odd
rule modules, and the link and query modules they import, takes ~25 ms; kept descriptions let
:func:`portlint.registry.load_rules` import each module when its check is first called, or ahead
of that while child processes read (:func:`portlint.engine.prefetch_rules`), so that it is not done
before the reading processes fork.

The descriptions live in ``portlint/__pycache__/rule-index.<python tag>.pickle``, keyed by
portlint's version and the stat signature (size, times, inode) of every ``.py`` file of portlint
and of the built-in rules folder: an edited or reinstalled file means importing every rule module
as before, and writing the index again. The file is trusted as the ``.pyc`` files beside it are
(whoever can write there can change portlint's code); one that is missing, stale or unreadable
only means importing. Nothing is written when Python writes no bytecode or the folder is
read-only, and never from a child process; a write is an atomic rename.
"""

from __future__ import annotations

import os
import pickle
import sys
from pathlib import Path
from typing import Any

_FILE = os.path.join(os.path.dirname(__file__), "__pycache__", f"rule-index.{sys.implementation.cache_tag}.pickle")
_MAX_BYTES = 4 << 20  # a bigger file is not ours: ignored
_owner = os.getpid()


def key(folder: Path) -> str:
    """What the descriptions of ``folder``'s rules depend on: portlint's code and the folder's (the
    signatures themselves, compared whole: no hash to import)."""
    from portlint import __version__
    from portlint._modules import python_files

    parts = [__version__, sys.version, str(folder)]
    for package in (os.path.dirname(os.path.realpath(__file__)), str(folder)):
        parts.extend(f"{path} {signature}" for _, path, signature in python_files(package))
    return "\n".join(parts)


def load(folder_key: str) -> Any | None:
    """The index kept under ``folder_key``, or None."""
    try:
        with open(_FILE, "rb") as handle:
            data = handle.read(_MAX_BYTES + 1)
        if len(data) > _MAX_BYTES:
            return None
        kept = pickle.loads(data)
    except Exception:  # missing, truncated, written by another version: import as before
        return None
    if not (isinstance(kept, tuple) and len(kept) == 2 and kept[0] == folder_key):
        return None
    return kept[1]


def keep(folder_key: str, index: Any) -> None:
    """Write the index (atomically); quietly nothing when it cannot or should not be written."""
    if sys.dont_write_bytecode or os.getpid() != _owner:
        return
    temporary = f"{_FILE}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(_FILE), exist_ok=True)
        with open(temporary, "wb") as handle:
            handle.write(pickle.dumps((folder_key, index), protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(temporary, _FILE)
    except (OSError, ValueError, pickle.PicklingError, TypeError, AttributeError):
        try:
            os.unlink(temporary)
        except OSError:
            pass
