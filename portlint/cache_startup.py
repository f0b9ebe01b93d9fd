"""What a run needs before it scans, kept between runs by the :class:`~portlint.cache.ReadCache`
(a warm run should import and read as little as it can):

- the content hashes of portlint's own files and of a rules folder (``code-hashes.bin``),
  trusted by stat signature as the scan's files are (:class:`~portlint.cache.FileHashes`);
- the built-in rules' descriptions (``rules-*.bin``): :func:`portlint.registry.load_rules`
  imports a rule's module only when its check runs;
- each ``.gitignore``'s answers (``gitignore.bin``): :func:`portlint.discover.discover` builds
  a matcher (and imports pathspec) only for a path not asked before.

Every entry is signed like the others; a missing, foreign or corrupt one is computed afresh.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from portlint._modules import entry_signature, python_files

if TYPE_CHECKING:
    from portlint.cache import FileHashes


def _cache() -> Any:
    """:mod:`portlint.cache`, which imports this module before it defines its own names."""
    from portlint import cache

    return cache


def code_fingerprint_with(hashes: FileHashes) -> str:
    """:func:`portlint.cache.code_fingerprint`, each file's hash asked of ``hashes``."""
    h = hashlib.blake2b(digest_size=16)
    for rel, path, signature in python_files(os.path.dirname(os.path.realpath(__file__))):
        h.update(rel.encode("utf-8", "surrogatepass") + b"\0" + hashes.of(_Source(path, signature)).encode() + b"\0")
    return h.hexdigest()


class _Source:
    """A file of code (portlint's own, a rules folder's) as :class:`FileHashes` hashes it."""

    __slots__ = ("where", "path", "signature")

    def __init__(self, path: str, signature: tuple[int, ...] | None) -> None:
        self.where = self.path = path
        self.signature = signature

    def raw(self) -> bytes:
        with open(self.where, "rb") as handle:
            return handle.read()


def folder_fingerprint(folder: Path, hashes: FileHashes | None = None) -> str:
    """Every ``.py`` of ``folder``, by path and content hash (``hashes``: trusted by stat signature)."""
    hashes = hashes if hashes is not None else _cache().FileHashes()
    h = hashlib.blake2b(digest_size=16)
    try:
        with os.scandir(folder) as entries:
            found = sorted((entry.path, entry_signature(entry)) for entry in entries
                           if entry.name.endswith(".py") and not entry.is_dir())
    except OSError:
        return "?"
    for path, signature in found:
        h.update(path.encode("utf-8", "surrogatepass") + b"\0" + hashes.of(_Source(path, signature)).encode() + b"\0")
    return h.hexdigest()


class StartupMemo:
    """The :class:`~portlint.cache.ReadCache` methods for the entries above (it provides
    ``_read_signed``, ``_write`` and the attributes set in its ``__init__``)."""

    # -- the code's own hashes -----------------------------------------------------------
    # Every key names portlint's code and the rules' code. Their files' hashes are kept here and
    # trusted by stat signature, as the scan's files are (:class:`FileHashes`, git's rule): an
    # unchanged install costs a stat per file, not a read.

    _CODE_SLOT = "code-hashes.bin"

    def code(self) -> str:
        """:func:`portlint.cache.code_fingerprint`, through the kept hashes."""
        if self._code is None:
            self._code = code_fingerprint_with(self._source_hashes())
            self._keep_code_hashes()
        return self._code

    def folder_fingerprint(self, folder: Path) -> str:
        """Every ``.py`` file of ``folder`` (a rules folder: helpers included), by path and content."""
        value = folder_fingerprint(folder, self._source_hashes())
        self._keep_code_hashes()
        return value

    def _source_hashes(self) -> FileHashes:
        if self._code_hashes is None:
            kept = self._read_signed(self._CODE_SLOT)
            file_hashes = _cache().FileHashes
            self._code_hashes = kept.fresh() if isinstance(kept, file_hashes) else file_hashes()
            self._code_hashes_before = dict(self._code_hashes.table)
        return self._code_hashes

    def _keep_code_hashes(self) -> None:
        hashes = self._code_hashes
        if hashes is not None and (hashes.table != self._code_hashes_before or hashes.settled):
            self._write(self._CODE_SLOT, hashes)
            self._code_hashes_before = dict(hashes.table)
            hashes.settled = False

    # -- .gitignore answers (portlint.discover) ----------------------------------------------

    _GITIGNORE_SLOT = "gitignore.bin"

    def gitignore_decisions(self, identity: bytes) -> dict[str, bool]:
        """What a ``.gitignore`` (``identity``: the matcher's name and the file's bytes) answered
        for each path asked before, under this code: filled as new paths are asked, and kept by
        :meth:`keep_gitignore_decisions`."""
        if self._ignores is None:
            kept = self._read_signed(self._GITIGNORE_SLOT)
            self._ignores_kept = kept if isinstance(kept, dict) else {}
            self._ignores = {}
        key = _cache().digest(self.code().encode() + b"\0" + identity)
        if key not in self._ignores:
            table = self._ignores_kept.get(key)
            self._ignores[key] = dict(table) if isinstance(table, dict) else {}
        return self._ignores[key]

    def keep_gitignore_decisions(self) -> None:
        """Write the answers of this run's ``.gitignore`` files when some are new (answers of files
        no longer seen are dropped)."""
        if self._ignores is None:
            return
        kept = self._ignores_kept
        if self._ignores.keys() != kept.keys() or any(
                len(table) != len(kept[key]) for key, table in self._ignores.items()):
            self._write(self._GITIGNORE_SLOT, self._ignores)
            self._ignores_kept = {key: dict(table) for key, table in self._ignores.items()}

    # -- the built-in rules' descriptions ----------------------------------------------------
    # A warm run needs each rule's id, name, group, options and docs, never its check(): they are
    # kept here, keyed by the rules' and portlint's code, so that such a run imports no rule module.

    def rule_index(self, folder: Path) -> tuple[str, Any | None]:
        """(key, the descriptions kept for ``folder``'s rules under that key, or None)."""
        cache = _cache()
        key = cache.digest("\0".join((str(cache.FORMAT), cache.__version__, cache._PYTHON, self.code(), str(folder),
                                       self.folder_fingerprint(folder))).encode("utf-8", "surrogatepass"))
        kept = self._read_signed(_rules_slot(folder))
        if not (isinstance(kept, tuple) and len(kept) == 2):
            return key, None
        stored_key, index = kept
        return key, index if stored_key == key else None

    def keep_rule_index(self, folder: Path, key: str, index: Any) -> None:
        self._write(_rules_slot(folder), (key, index))


def _rules_slot(folder: Path) -> str:
    return f"rules-{_cache().digest(str(folder).encode('utf-8', 'surrogatepass'))}.bin"
