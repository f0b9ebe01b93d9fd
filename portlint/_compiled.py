"""Dataclasses without compiling their methods on every start.

``@dataclass`` writes each method it adds (``__init__``, ``__eq__``, ``__hash__``, ...) as source
text and compiles it with ``exec`` when the class is created: about 0.7 ms a class, 40-80 ms of
every portlint run (it creates ~80 classes before it reads a file). The compiled code depends on
that text alone, so it is kept as Python keeps ``.pyc`` files: in ``portlint/__pycache__``, one
file per bytecode version, keyed by the text (texts of older versions are dropped once there
are many). The class gets the very functions it got before:
the same code, run against the class's own names.

A missing, stale, foreign or unreadable file only means compiling as before. Nothing is written
when Python writes no bytecode (``PYTHONDONTWRITEBYTECODE``) or the folder is read-only; a child
process (parallel reading) never writes; two portlint processes writing at once each replace
the file whole (an atomic rename).
"""

from __future__ import annotations

import builtins
import marshal
import os
import sys
from types import CodeType

import _frozen_importlib_external

_FILE = os.path.join(os.path.dirname(__file__), "__pycache__",
                     f"dataclass-methods.{sys.implementation.cache_tag}.marshal")
_MAGIC = _frozen_importlib_external.MAGIC_NUMBER  # changes whenever the bytecode does
_MAX_BYTES = 4 << 20  # a bigger file is not ours: ignored
_MAX_KEPT = 2_000  # past this many texts (several versions' worth), keep only this run's
_codes: dict[str, CodeType] | None = None
_used: set[str] = set()
_learned = False
_owner = os.getpid()


def install() -> None:
    """Route the ``exec`` calls of :mod:`dataclasses` through the kept code (once per process)."""
    import dataclasses

    if getattr(dataclasses, "exec", None) is not _exec:
        dataclasses.exec = _exec  # type: ignore[attr-defined]  # a module global shadows the builtin


def _exec(source, globals=None, locals=None, /):  # noqa: A002 - the builtin's signature
    if isinstance(source, str):
        source = _code(source)
    builtins.exec(source, globals, locals)


def _code(text: str) -> CodeType:
    global _learned
    codes = _loaded()
    _used.add(text)
    code = codes.get(text)
    if code is None:
        # as ``exec(text)`` in dataclasses compiles it: no __future__ flags of this module
        code = codes[text] = compile(text, "<string>", "exec", dont_inherit=True)
        if not _learned:
            _learned = True
            import atexit

            atexit.register(_save)
    return code


def _loaded() -> dict[str, CodeType]:
    global _codes
    if _codes is None:
        _codes = _read()
    return _codes


def _read() -> dict[str, CodeType]:
    try:
        with open(_FILE, "rb") as handle:
            data = handle.read(_MAX_BYTES + 1)
        if len(data) > _MAX_BYTES or not data.startswith(_MAGIC):
            return {}
        codes = marshal.loads(data[len(_MAGIC):])
    except (OSError, ValueError, EOFError, TypeError):
        return {}
    if not isinstance(codes, dict) or not all(isinstance(k, str) and isinstance(v, CodeType)
                                              for k, v in codes.items()):
        return {}
    return codes


def _save() -> None:
    if sys.dont_write_bytecode or os.getpid() != _owner or not _codes:
        return
    kept = _codes if len(_codes) <= _MAX_KEPT else {text: _codes[text] for text in _used}
    temporary = f"{_FILE}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(_FILE), exist_ok=True)
        with open(temporary, "wb") as handle:
            handle.write(_MAGIC + marshal.dumps(dict(sorted(kept.items()))))
        os.replace(temporary, _FILE)
    except (OSError, ValueError):
        try:
            os.unlink(temporary)
        except OSError:
            pass
