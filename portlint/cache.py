"""A cache of reader results between runs, like ruff's ``.ruff_cache``.

One entry per reader run: the key is the hash of the portlint version, the settings that affect
reading, the reader's name and every input file's path and content. A reader may read side files
(``.env`` beside a compose file, a chart's ``values.yaml``, a module source) through
:class:`~portlint.readers.ReadContext`; those reads are recorded with the entry and checked again
before it is used, so an edited side file invalidates it too.

The cache lives in the scanned tree, where a pull request can write anything. An entry is
therefore *signed*: HMAC-SHA256 with a key kept outside the tree (``$XDG_CACHE_HOME/portlint``),
and nothing is unpickled unless its signature holds. A corrupt, foreign or stale entry is ignored
and rebuilt, never trusted and never a crash. Writes go to a temporary file in the same folder and
are renamed into place, so two portlint processes at once cannot leave a torn entry.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
import pickle
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from portlint import __version__
from portlint.cache_startup import StartupMemo

CACHE_DIR = ".portlint_cache"
FORMAT = 3  # bump when what an entry holds changes shape
_KEY_BYTES = 32
_SIG_BYTES = hashlib.sha256().digest_size


def _user_key_file() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "portlint" / "cache-key"


def _signing_key() -> bytes | None:
    """This user's secret, made once; ``None`` when it cannot be kept (then nothing is cached)."""
    path = _user_key_file()
    try:
        data = path.read_bytes()
        if len(data) == _KEY_BYTES:
            return data
    except OSError:
        pass
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fresh = os.urandom(_KEY_BYTES)  # what secrets.token_bytes returns; secrets imports base64 & co.
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(fresh)
        os.replace(tmp, path)
        return path.read_bytes() if path.stat().st_size == _KEY_BYTES else None
    except OSError:
        return None


@functools.lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """A hash of portlint's own source (readers included): an entry written by other reader code,
    even at the same version number (a checkout between releases), is never used. (A
    :class:`ReadCache` computes the same through :meth:`ReadCache.code`, without reading every
    file on every run.)"""
    from portlint.cache_startup import code_fingerprint_with

    return code_fingerprint_with(FileHashes())


def digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


# another Python parses other syntax (the Python reader uses ``ast``): its results are its own
_PYTHON = f"{sys.implementation.name}-{sys.version_info[0]}.{sys.version_info[1]}.{sys.version_info[2]}"

EXISTS = "exists"  # a side file whose existence (not content) a reader tested


@dataclass
class SideReads:
    """Side files a reader looked at during one run (through :mod:`portlint.safe_io`): absolute
    path -> content hash, :data:`EXISTS` for an existence test that found it, ``None`` for a file
    that was absent or unreadable. A read outweighs an existence test of the same file."""

    inputs: frozenset[str] = frozenset()  # the reader's own files: already in the entry's key
    seen: dict[str, str | None] = field(default_factory=dict)

    def __call__(self, path: str, what: bytes | bool | None) -> None:
        if path in self.inputs:
            return
        if isinstance(what, bytes):
            self.seen[path] = digest(what)
        elif what is None:
            self.seen[path] = None
        elif path not in self.seen or self.seen[path] is None:
            self.seen[path] = EXISTS if what else None


def current_state(path: str, expected: str | None) -> str | None:
    """What :class:`SideReads` would record for ``path`` now, to compare with ``expected``."""
    from portlint import safe_io

    if expected == EXISTS:
        return EXISTS if safe_io.is_regular_file(path) else None
    try:
        return digest(safe_io.read_bytes(path, limit=1 << 31))
    except (OSError, ValueError):
        return None


class ReadCache(StartupMemo):
    """Signed reader results under ``directory``; every failure means "not cached"."""

    def __init__(self, directory: Path, settings_fingerprint: str) -> None:
        self.directory = directory
        self.settings = settings_fingerprint
        self.key = _signing_key()
        self.hits = 0
        self.misses = 0
        self.side_reads: dict[str, str | None] = {}  # every side file any reader of this run read
        self.complete = True  # False once a read was not cacheable (cut by the time budget)
        self.hashes = FileHashes()
        # what each reader produced this run, as tokens: equal tokens, equal output (see
        # :meth:`output_token`); the engine keys the link and rule results on them
        self.tokens: list[tuple[str, ...]] = []
        self._loaded_side: dict = {}
        self._code: str | None = None
        self._code_hashes: FileHashes | None = None
        self._ignores: dict[str, dict[str, bool]] | None = None  # .gitignore answers (see discover)
        self._ignores_kept: dict = {}

    def _read_signed(self, name: str) -> Any | None:
        """The value of the signed file ``name``, or None (absent, unsigned, unreadable)."""
        if not self.usable:
            return None
        path = self.directory / name
        try:
            if path.is_symlink() or not path.is_file():
                return None
            blob = path.read_bytes()
            signature, payload = blob[:_SIG_BYTES], blob[_SIG_BYTES:]
            if not hmac.compare_digest(signature, self._sign(payload)):
                return None
            return pickle.loads(payload)
        except Exception:  # unreadable or another build's: computed afresh
            return None

    @property
    def usable(self) -> bool:
        return self.key is not None

    def entry_key(self, reader: str, inputs: Iterable[tuple[str, str]]) -> str:
        """The entry's name: version, portlint's own code, settings, reader and each (path, content
        hash) of its input."""
        h = hashlib.sha256()
        for part in (str(FORMAT), __version__, _PYTHON, self.code(), self.settings, reader):
            h.update(part.encode("utf-8", "surrogatepass") + b"\0")
        for rel, content in sorted(inputs):
            h.update(rel.encode("utf-8", "surrogatepass") + b"\0" + content.encode() + b"\0")
        return h.hexdigest()

    def load(self, key: str) -> Any | None:
        """The cached output for ``key``, when its signature holds and every side file it read
        still looks the same."""
        if not self.usable:
            return None
        path = self.directory / f"{key}.bin"
        try:
            if path.is_symlink() or not path.is_file():
                self.misses += 1
                return None
            blob = path.read_bytes()
        except OSError:
            self.misses += 1
            return None
        signature, payload = blob[:_SIG_BYTES], blob[_SIG_BYTES:]
        if not hmac.compare_digest(signature, self._sign(payload)):
            self.misses += 1
            return None
        try:
            side, output = pickle.loads(payload)
            if any(current_state(path, expected) != expected for path, expected in side.items()):
                self.misses += 1
                return None
        except Exception:  # a signed entry from another portlint build: rebuild it
            self.misses += 1
            return None
        self.hits += 1
        self.side_reads.update(side)
        self._loaded_side = side
        return output

    def child_state(self) -> tuple:
        """What a reading child process learned (:mod:`portlint.parallel`), for the parent."""
        return self.side_reads, self.complete, self.hashes.table, self.hashes.binaries, self.hashes.settled

    def merge_child_state(self, state: tuple | None) -> None:
        """Take in what a reading child learned; ``None``: it was lost (the child died), so
        this scan is not kept."""
        if state is None:
            self.complete = False
            return
        side, complete, table, binaries, settled = state
        self.side_reads.update(side)
        self.complete = self.complete and complete
        self.hashes.table.update(table)
        self.hashes.binaries.update(binaries)
        self.hashes.settled = self.hashes.settled or settled

    @staticmethod
    def output_token(key: str, side: dict) -> str:
        """A name for what the entry ``key`` holds, made with the side files it read: the entry
        is rewritten under the same key when a side file changes, so the key alone is not one."""
        return digest(repr((key, sorted(side.items()))).encode("utf-8", "surrogatepass"))

    def store(self, key: str, side: SideReads, output: Any) -> None:
        """Write the entry atomically; a cache that cannot be written is simply not written."""
        self.side_reads.update(side.seen)
        self._write(f"{key}.bin", (dict(side.seen), output))

    def _write(self, name: str, value: Any) -> None:
        if not self.usable:
            return
        try:
            payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
            self._ensure_dir()
            target = self.directory / name
            key = name.removesuffix(".bin")
            tmp = self.directory / f".{key}.{os.getpid()}.{os.urandom(4).hex()}.tmp"
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(self._sign(payload) + payload)
            os.replace(tmp, target)
        except (OSError, pickle.PicklingError, TypeError, AttributeError, RecursionError):
            return

    # -- the whole scan ------------------------------------------------------------------
    # When no file, side file, setting, rule or piece of code changed since the last run, the
    # findings are the same: one signed file holds them, so a warm run skips reading, linking
    # and checking. Its name depends on what was asked (root, paths, rules, selection), not on
    # the files' contents, so an edit overwrites it instead of adding one more.

    def scan_slot(self, setup: str) -> str:
        return f"scan-{digest(setup.encode('utf-8', 'surrogatepass'))}.bin"

    def open_scan(self, setup: str) -> None:
        """Read the slot of ``setup``: its file hashes serve this run's keys (an unchanged file
        is not read to be hashed again), its scan is kept for :meth:`load_scan`."""
        self._slot = None
        if not self.usable:
            return
        path = self.directory / self.scan_slot(setup)
        try:
            if path.is_symlink() or not path.is_file():
                return
            blob = path.read_bytes()
        except OSError:
            return
        signature, payload = blob[:_SIG_BYTES], blob[_SIG_BYTES:]
        if not hmac.compare_digest(signature, self._sign(payload)):
            return
        try:
            hashes, stored_key, side, output = pickle.loads(payload)
            if not isinstance(hashes, FileHashes) or not isinstance(side, dict):
                return
        except Exception:  # another portlint build's entry: rebuild it
            return
        self.hashes = hashes.fresh()
        self._slot = (stored_key, side, output)

    def load_scan(self, key: str) -> Any | None:
        """The scan read by :meth:`open_scan` when it was made from the same ``key`` and every
        side file any reader read then is unchanged."""
        slot = getattr(self, "_slot", None)
        if slot is None or slot[0] != key:
            return None
        stored_key, side, output = slot
        try:
            if any(current_state(p, expected) != expected for p, expected in side.items()):
                return None
        except Exception:
            return None
        return output

    def store_scan(self, setup: str, key: str, output: Any, known: Iterable[str] = ()) -> None:
        """Keep the scan, with the side files read (minus ``known``, the scan's own files: already
        in ``key``) and the file hashes; not when a read of this run could not be cached."""
        if not self.complete:
            return
        skip = set(known)
        side = {p: v for p, v in sorted(self.side_reads.items()) if p not in skip}
        self._write(self.scan_slot(setup), (self.hashes.kept(), key, side, output))

    def refresh_hashes(self, setup: str) -> None:
        """After a hit: write the slot again when files that were too fresh to trust by their
        stat alone (see :class:`FileHashes`) have become old enough."""
        slot = getattr(self, "_slot", None)
        if slot is not None and self.hashes.settled:
            self._write(self.scan_slot(setup), (self.hashes.kept(), *slot))

    def _sign(self, payload: bytes) -> bytes:
        assert self.key is not None
        return hmac.new(self.key, payload, hashlib.sha256).digest()

    def _ensure_dir(self) -> None:
        if self.directory.is_symlink():
            raise OSError("cache folder is a symlink")
        self.directory.mkdir(parents=True, exist_ok=True)
        ignore = self.directory / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# made by portlint: the cache is never committed\n*\n", encoding="utf-8")


def settings_fingerprint(config: Any) -> str:
    """What in the config can change what a reader produces (everything but the rule settings
    and the selection, which act after reading)."""
    skip = {"rule_settings", "select", "extend_select", "rules_dirs", "source", "path", "found_by", "jobs"}
    items = sorted((k, repr(v)) for k, v in vars(config).items() if k not in skip and not k.startswith("_"))
    return digest(repr(items).encode("utf-8", "surrogatepass"))


class Pickled:
    """A reader output as the cache keeps it (pickled, signed with its entry): unpickled by
    :meth:`load` only when the scan needs the facts themselves."""

    __slots__ = ("data",)

    def __init__(self, data: bytes) -> None:
        self.data = data

    def load(self) -> Any:
        return pickle.loads(self.data)


def _pickled(output: Any) -> bytes:
    return pickle.dumps(output, protocol=pickle.HIGHEST_PROTOCOL)


def read_through(cache: ReadCache, reader: str, files: list, read, context: str = "") -> Any:
    """``read()`` for ``reader`` over ``files`` (SourceFiles), or its cached result when none of
    the files, nor any side file it read last time, nor the ``context`` (what else the reader is
    handed, such as the scan's scopes), has changed."""
    from portlint import safe_io

    inputs = [(f.rel, cache.hashes.of(f)) for f in files]
    key = cache.entry_key(f"{reader}\0{digest(context.encode('utf-8', 'surrogatepass'))}", inputs)
    hit = cache.load(key)
    if isinstance(hit, bytes):
        cache.tokens.append((reader, cache.output_token(key, cache._loaded_side)))
        return Pickled(hit)
    side = SideReads(inputs=frozenset(os.path.abspath(f.path) for f in files))
    token = safe_io.watch_reads(side)
    try:
        output = read()
    finally:
        safe_io.unwatch_reads(token)
    try:
        cache.store(key, side, _pickled(output))
    except (pickle.PicklingError, TypeError, AttributeError, RecursionError):
        cache.complete = False
    cache.tokens.append((reader, cache.output_token(key, side.seen)))
    return output


def _where(file: Any) -> str:
    """A file's absolute path as a string: the SourceFile's own when it has one."""
    where = getattr(file, "where", None)
    return where if isinstance(where, str) else str(file.path)


RACY_NS = 2_000_000_000  # a file written this close to its hashing may change again unseen (git's "racy clean")


class FileHashes:
    """Content hashes of the scan's files, trusted by their stat signature (size, mtime, ctime,
    inode, device) on the next run, as git's index does. A file modified less than
    :data:`RACY_NS` before it was hashed is always hashed again: a second write within the
    file system's timestamp resolution would keep its signature."""

    def __init__(self) -> None:
        self.table: dict[str, tuple[tuple[int, ...], str, bool]] = {}  # path -> (signature, hash, racy)
        self.binaries: dict[str, bool] = {}  # path -> binary content, valid while its table entry is
        self.now = time.time_ns()
        self.settled = False  # a racy entry became trustworthy during this run

    def fresh(self) -> "FileHashes":
        """This table for a new run (its clock now)."""
        self.now = time.time_ns()
        self.settled = False
        return self

    def of(self, file) -> str:
        """``file``'s content hash: from the table when its signature is unchanged, else read."""
        key = _where(file)
        signature = file.signature
        known = self.table.get(key)
        if known is not None and signature is not None and known[0] == signature and not known[2]:
            return known[1]
        self.binaries.pop(key, None)  # read again: whatever was known of it is not
        try:
            value = hashlib.blake2b(file.raw(), digest_size=16).hexdigest()
        except (OSError, ValueError):
            return "unreadable"
        if signature is not None:
            racy = self.now - max(signature[1], signature[2]) < RACY_NS
            if known is not None and known[2] and not racy and known[1] == value:
                self.settled = True
            self.table[key] = (signature, value, racy)
        return value

    def known(self, file) -> bool:
        """Whether ``file``'s hash is known and trusted unchanged (without reading it)."""
        known = self.table.get(_where(file))
        signature = file.signature
        return known is not None and signature is not None and known[0] == signature and not known[2]

    def binary(self, file, sniff) -> bool:
        """``sniff(file)`` (is it binary?), remembered with the file's hash while its signature
        holds: an edit run does not open every file again to look for NUL bytes."""
        key = _where(file)
        known = self.table.get(key)
        signature = file.signature
        if (known is not None and signature is not None and known[0] == signature and not known[2]
                and key in self.binaries):
            return self.binaries[key]
        value = sniff(file)
        self.binaries[key] = value
        return value

    def kept(self) -> "FileHashes":
        return self

    def __getstate__(self) -> dict:
        return {"table": self.table, "binaries": {k: v for k, v in self.binaries.items() if k in self.table}}

    def __setstate__(self, state: dict) -> None:
        self.table = state["table"]
        self.binaries = state.get("binaries", {})
        self.now = time.time_ns()
        self.settled = False


def scan_key(cache: ReadCache, files: list, extra: str) -> str:
    """The key of a whole scan: portlint's code, every setting, the rules' code (``extra`` holds
    the rules, the selection and the day, which decides expired suppressions) and each file's
    path and content (a file over ``max-file-size`` by its size: it is not read)."""
    h = hashlib.sha256()
    for part in (str(FORMAT), __version__, _PYTHON, cache.code(), extra):
        h.update(part.encode("utf-8", "surrogatepass") + b"\0")
    parts: list[str] = []  # one update with the bytes of all files: the same digest, fewer calls
    of = cache.hashes.of
    for file in files:
        parts.append(f"{file.rel}\0{file.size}:{file.environment}\0")
        if file.size <= file.limit:
            parts.append(of(file))
    h.update("".join(parts).encode("utf-8", "surrogatepass"))
    return h.hexdigest()


def rules_fingerprint(rules: list, cache: "ReadCache | None" = None) -> str:
    """The rules' code: every ``.py`` of each folder a rule came from (helpers included)."""
    h = hashlib.blake2b(digest_size=16)
    for folder in sorted({Path(r.source).parent for r in rules}):
        if cache is not None:
            h.update(cache.folder_fingerprint(folder).encode())
        else:
            from portlint.cache_startup import folder_fingerprint

            h.update(folder_fingerprint(folder).encode())
    return h.hexdigest()


def config_fingerprint(config: Any) -> str:
    """Every setting of the config (rule settings and selection included) but ``jobs``, which
    changes how fast, not what."""
    items = sorted((k, repr(v)) for k, v in vars(config).items() if not k.startswith("_") and k != "jobs")
    return digest(repr(items).encode("utf-8", "surrogatepass"))


def read_per_file(cache: ReadCache, reader: str, files: list, read_one, context: str = "") -> list[tuple[Any, Any]]:
    """``read_one(file)`` for each file of a :data:`PER_FILE <portlint.readers>` reader, or the
    result kept for that file when neither it nor a side file it read has changed. All of a
    reader's files share one signed entry (one file to load, not thousands); it is written again
    only when a file was read. ``read_one`` returns (output, cacheable). Returns (file, output), a
    kept output as :class:`Pickled`.

    Each file's result carries a token (:attr:`ReadCache.tokens`): a file read again whose
    output equals the one kept (an edit that moved no fact, such as a comment) keeps its token,
    so the link and rule results keyed on the tokens still hold."""
    from portlint import safe_io

    name = cache.entry_key(f"{reader}\0per-file\0{digest(context.encode('utf-8', 'surrogatepass'))}", [])
    kept = cache.load(name)
    kept = kept if isinstance(kept, dict) else {}
    fresh: dict[str, tuple[str, dict, Any]] = {}
    results = []
    changed = False
    for file in files:
        content = cache.hashes.of(file)
        entry = kept.get(file.rel)
        if not (isinstance(entry, tuple) and len(entry) == 4):
            entry = None
        if entry is not None and entry[0] == content and _side_unchanged(entry[1]):
            cache.side_reads.update(entry[1])
            fresh[file.rel] = entry
            cache.tokens.append((reader, file.rel, entry[3]))
            results.append((file, Pickled(entry[2])))
            continue
        side = SideReads(inputs=frozenset({os.path.abspath(file.path)}))
        token = safe_io.watch_reads(side)
        try:
            output, cacheable = read_one(file)
        finally:
            safe_io.unwatch_reads(token)
        cache.side_reads.update(side.seen)
        blob = _blob(output) if cacheable else None
        if blob is not None:
            same = entry is not None and _same_output(entry[2], output)
            mark = entry[3] if same else cache.output_token(f"{name}\0{file.rel}\0{content}", side.seen)
            fresh[file.rel] = (content, dict(side.seen), blob, mark)
            cache.tokens.append((reader, file.rel, mark))
        else:
            cache.complete = False
        changed = True
        results.append((file, output))
    if changed or len(fresh) != len(kept):
        cache.store(name, SideReads(), fresh)
    return results


def _blob(output: Any) -> bytes | None:
    try:
        return _pickled(output)
    except (pickle.PicklingError, TypeError, AttributeError, RecursionError):
        return None


def _same_output(old: Any, new: Any) -> bool:
    """Whether the kept (pickled) output equals the new one, field by field (dataclasses all the
    way down); anything that cannot be compared counts as changed."""
    try:
        old = pickle.loads(old) if isinstance(old, bytes) else old
        return type(old) is type(new) and bool(old == new)
    except Exception:
        return False


def _side_unchanged(side: dict) -> bool:
    try:
        return all(current_state(path, expected) == expected for path, expected in side.items())
    except Exception:
        return False


def cache_dir_for(root: Path, config: Any, explicit: Path | None = None) -> Path:
    """``--cache-dir``, else the config's ``cache-dir``, else ``.portlint_cache`` beside the config
    file (the project root), else at the scan root."""
    if explicit is not None:
        return explicit
    if getattr(config, "cache_dir", None) is not None:
        return config.cache_dir
    path = getattr(config, "path", None)
    base = Path(path).parent if path else root
    return base / CACHE_DIR
