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
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from portlint import __version__

CACHE_DIR = ".portlint_cache"
FORMAT = 1  # bump when what an entry holds changes shape
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
        fresh = secrets.token_bytes(_KEY_BYTES)
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
    even at the same version number (a checkout between releases), is never used."""
    package = Path(__file__).resolve().parent
    h = hashlib.blake2b(digest_size=16)
    for path in sorted(package.rglob("*.py")):
        try:
            h.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
        except OSError:
            h.update(b"?")
    return h.hexdigest()


def digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


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


class ReadCache:
    """Signed reader results under ``directory``; every failure means "not cached"."""

    def __init__(self, directory: Path, settings_fingerprint: str) -> None:
        self.directory = directory
        self.settings = settings_fingerprint
        self.key = _signing_key()
        self.hits = 0
        self.misses = 0

    @property
    def usable(self) -> bool:
        return self.key is not None

    def entry_key(self, reader: str, inputs: Iterable[tuple[str, str]]) -> str:
        """The entry's name: version, portlint's own code, settings, reader and each (path, content
        hash) of its input."""
        h = hashlib.sha256()
        for part in (str(FORMAT), __version__, code_fingerprint(), self.settings, reader):
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
        return output

    def store(self, key: str, side: SideReads, output: Any) -> None:
        """Write the entry atomically; a cache that cannot be written is simply not written."""
        if not self.usable:
            return
        try:
            payload = pickle.dumps((dict(side.seen), output), protocol=pickle.HIGHEST_PROTOCOL)
            self._ensure_dir()
            target = self.directory / f"{key}.bin"
            tmp = self.directory / f".{key}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(self._sign(payload) + payload)
            os.replace(tmp, target)
        except (OSError, pickle.PicklingError, TypeError, AttributeError, RecursionError):
            return

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
    skip = {"rule_settings", "select", "extend_select", "rules_dirs", "source", "path", "found_by"}
    items = sorted((k, repr(v)) for k, v in vars(config).items() if k not in skip and not k.startswith("_"))
    return digest(repr(items).encode("utf-8", "surrogatepass"))


def read_through(cache: ReadCache, reader: str, files: list, read, context: str = "") -> Any:
    """``read()`` for ``reader`` over ``files`` (SourceFiles), or its cached result when none of
    the files, nor any side file it read last time, nor the ``context`` (what else the reader is
    handed, such as the scan's scopes), has changed."""
    from portlint import safe_io

    inputs = [(f.rel, _content_hash(f)) for f in files]
    key = cache.entry_key(f"{reader}\0{digest(context.encode('utf-8', 'surrogatepass'))}", inputs)
    hit = cache.load(key)
    if hit is not None:
        return hit
    side = SideReads(inputs=frozenset(os.path.abspath(f.path) for f in files))
    token = safe_io.watch_reads(side)
    try:
        output = read()
    finally:
        safe_io.unwatch_reads(token)
    cache.store(key, side, output)
    return output


def _content_hash(file) -> str:
    try:
        return digest(file.text().encode("utf-8", "surrogatepass"))
    except Exception:  # undecodable or gone: the reader reports it; the key still differs by name
        return "unreadable"


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
