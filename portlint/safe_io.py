"""Safe file access: every file portlint reads from a scanned tree, or writes, goes through here.

A scanned repository is untrusted input. A committed ``.env`` may be a FIFO (reading blocks
forever), a symlink to ``/dev/zero`` (reading never ends) or a symlink to ``~/.aws/credentials``
(its values would land in every report). A checked-out ``portlint.sarif`` may be a symlink that
makes ``check -o`` overwrite a file elsewhere. So:

Reading — :func:`read_bytes` / :func:`read_text`:

- only **regular files** are read: the file is opened with ``O_NONBLOCK`` (a FIFO does not block
  the open) and checked with ``fstat`` on the open descriptor before a byte is read;
- only files **inside the root** (when a root is given): a symlink whose target leaves the root is
  not followed;
- never more than ``limit`` bytes: at most ``limit + 1`` bytes are read, whatever the file claims.

Each refusal raises a subclass of :class:`UnsafeFile`, itself an :class:`OSError`, so code that
already handles ``OSError`` keeps working; ``exc.reason`` is a short phrase for a note
("not a regular file (FIFO)").

Writing — :func:`write_text`: never through a symlink (refuses with :class:`UnsafeWrite`), and
atomic: the text goes to a temporary file in the same folder, which is then renamed over the
target.

Usage from a reader's side lookup (``.env`` beside a compose file, ``values.yaml`` of a chart,
a Terraform module source)::

    from portlint import safe_io
    try:
        text = safe_io.read_text(path, root=ctx.root, limit=ctx.config.max_file_size)
    except safe_io.UnsafeFile as exc:
        out.fail(Location(rel), f"{rel} not read: {exc.reason}", NAME)   # a note, not a crash
    except OSError: ...            # missing, permission denied
    except UnicodeDecodeError: ... # not UTF-8

or simply ``ctx.read_text(path)`` inside a reader, which passes the scan root and size limit.
"""

from __future__ import annotations

import errno
import functools
import os
import stat
from collections.abc import Callable
from contextvars import ContextVar
from pathlib import Path

DEFAULT_LIMIT = 2 * 1024 * 1024
_CHUNK = 1 << 16
_BOM = b"\xef\xbb\xbf"


class UnsafeFile(OSError):
    """A file portlint refuses to read; ``reason`` says why in a few words."""

    def __init__(self, path: os.PathLike | str, reason: str) -> None:
        super().__init__(errno.EPERM, reason, str(path))
        self.reason = reason

    def __str__(self) -> str:
        return self.reason


class NotRegularFile(UnsafeFile):
    """A FIFO, socket, device or folder where a file was expected."""


class OutsideRoot(UnsafeFile):
    """A path, or a symlink target, outside the scan root."""


class TooLarge(UnsafeFile):
    """More bytes than the limit."""


class UnsafeWrite(OSError):
    """A write portlint refuses (the target is a symlink or not a regular file)."""


def file_kind(mode: int) -> str:
    """A human name for a file type: ``FIFO``, ``socket``, ``character device``…"""
    for test, name in ((stat.S_ISFIFO, "FIFO"), (stat.S_ISSOCK, "socket"), (stat.S_ISCHR, "character device"),
                       (stat.S_ISBLK, "block device"), (stat.S_ISDIR, "folder"), (stat.S_ISLNK, "symlink")):
        if test(mode):
            return name
    return "special file"


@functools.lru_cache(maxsize=64)
def _real_root(root: str) -> str:
    return os.path.realpath(root)


def _within(real: str, root: os.PathLike | str) -> bool:
    return _below(real, _real_root(os.fspath(root)))


def _below(real: str, base: str) -> bool:
    return real == base or real.startswith(base.rstrip(os.sep) + os.sep)


def is_inside(path: os.PathLike | str, root: os.PathLike | str) -> bool:
    """Whether ``path``, with every symlink resolved, is ``root`` or below it."""
    return _within(os.path.realpath(path), root)


def check_inside(path: os.PathLike | str, root: os.PathLike | str | None) -> str:
    """The real path of ``path``; raises :class:`OutsideRoot` when it resolves outside ``root``."""
    real = os.path.realpath(path)
    if root is not None and not _within(real, root):
        reason = "symlink leads outside the scan root" if os.path.islink(path) else "outside the scan root"
        raise OutsideRoot(path, reason)
    return real


# Who is told of each read (the reader cache records a reader's side files): set by
# :func:`watch_reads`, called with (path, bytes) after a read, (path, None) after a failed one and
# (path, True/False) after an existence test.
_read_watcher: ContextVar[Callable[[str, bytes | bool | None], None] | None] = ContextVar(
    "portlint_read_watcher", default=None)


def watch_reads(callback: Callable[[str, bytes | bool | None], None] | None):
    """Send every read and existence test in this context to ``callback``; returns a token for
    :func:`unwatch_reads`."""
    return _read_watcher.set(callback)


def unwatch_reads(token) -> None:
    _read_watcher.reset(token)


def _tell(path: os.PathLike | str, what: bytes | bool | None) -> None:
    callback = _read_watcher.get()
    if callback is not None:
        callback(os.path.abspath(os.fspath(path)), what)


def is_regular_file(path: os.PathLike | str, root: os.PathLike | str | None = None) -> bool:
    """A cheap test (no open): a regular file (after symlinks), inside ``root`` when given."""
    try:
        real = check_inside(path, root)
        found = stat.S_ISREG(os.stat(real).st_mode)
    except (OSError, ValueError):
        found = False
    _tell(path, found)
    return found


_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_SYMLINK_ERRNOS = {errno.ELOOP, getattr(errno, "EMLINK", errno.ELOOP)}


def _open(path: os.PathLike | str, root: os.PathLike | str | None) -> int:
    """Open for reading without blocking (a FIFO opens at once); inside ``root`` when given.

    With a root, the last component is opened ``O_NOFOLLOW``: a plain file needs no path
    resolution (cheap even 1,000 folders deep), a symlink is resolved once and checked. The
    opened file's real path is then checked too (a symlinked folder on the way)."""
    if root is None:
        return os.open(path, _FLAGS)
    try:
        fd = os.open(path, _FLAGS | _NOFOLLOW)
    except OSError as exc:
        if exc.errno not in _SYMLINK_ERRNOS:
            raise
        fd = os.open(check_inside(path, root), _FLAGS | _NOFOLLOW)
    try:
        real = _fd_path(fd) or os.path.realpath(path)
        if not _within(real, root):
            raise OutsideRoot(path, "outside the scan root")
    except BaseException:
        os.close(fd)
        raise
    return fd


def _fd_path(fd: int) -> str | None:
    """The kernel's real path of an open file (Linux ``/proc``), else ``None``."""
    try:
        return os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return None


def read_bytes(path: os.PathLike | str, *, root: os.PathLike | str | None = None,
               limit: int = DEFAULT_LIMIT, truncate: bool = False) -> bytes:
    """The bytes of a regular file inside ``root`` (when given), at most ``limit`` of them.

    With ``truncate``, a longer file gives its first ``limit`` bytes instead of :class:`TooLarge`.
    Raises :class:`NotRegularFile`, :class:`OutsideRoot`, :class:`TooLarge` (all
    :class:`UnsafeFile`, an :class:`OSError`), or the ``OSError`` of a missing/unreadable file.
    """
    try:
        data = _read_bytes(path, root, limit, truncate)
    except (OSError, ValueError):
        _tell(path, None)
        raise
    _tell(path, data)
    return data


def _read_bytes(path: os.PathLike | str, root: os.PathLike | str | None, limit: int, truncate: bool) -> bytes:
    try:
        fd = _open(path, root)
    except UnsafeFile:
        raise
    except OSError as exc:
        if exc.errno in (errno.ENXIO, errno.EOPNOTSUPP) or exc.errno in _SYMLINK_ERRNOS:  # a socket; a swapped link
            raise NotRegularFile(path, "not a regular file") from None
        raise
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotRegularFile(path, f"not a regular file ({file_kind(mode)})")
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, min(_CHUNK, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            if truncate:
                return b"".join(chunks)[:limit]
            raise TooLarge(path, f"over the size limit ({limit} bytes)")
        return b"".join(chunks)
    finally:
        os.close(fd)


def decode(data: bytes) -> str:
    """UTF-8 text with a leading BOM dropped; raises :class:`UnicodeDecodeError`."""
    return (data[3:] if data.startswith(_BOM) else data).decode("utf-8")


def read_text(path: os.PathLike | str, *, root: os.PathLike | str | None = None,
              limit: int = DEFAULT_LIMIT) -> str:
    """:func:`read_bytes` decoded as UTF-8 (BOM dropped); raises ``UnicodeDecodeError`` too."""
    return decode(read_bytes(path, root=root, limit=limit))


def write_text(path: os.PathLike | str, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically, never through a symlink.

    Refuses with :class:`UnsafeWrite` when ``path`` is a symlink (even a dangling one) or exists
    and is not a regular file. The text goes to a temporary file in the same folder, which is
    renamed over ``path``: a reader never sees half a report, and a symlink planted in the
    meantime is replaced, not followed.
    """
    target = Path(path)
    if target.is_symlink():
        raise UnsafeWrite(errno.EPERM, f"{target}: refusing to write through a symlink", str(target))
    if target.exists() and not target.is_file():
        raise UnsafeWrite(errno.EPERM, f"{target}: refusing to write, not a regular file", str(target))
    folder = target.parent
    folder.mkdir(parents=True, exist_ok=True)
    mode = _mode_of(target)
    fd, temp = _temporary_beside(target)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.chmod(temp, mode)
        os.replace(temp, target)
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise


def _temporary_beside(target: Path) -> tuple[int, str]:
    """A new file (mode 0600, created exclusively: never an existing file or a planted symlink)
    next to ``target``, as ``tempfile.mkstemp`` makes it, without importing tempfile (and the
    shutil, random and compression modules it pulls in)."""
    flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    for _ in range(100):
        temp = str(target.parent / f".{target.name}.{os.urandom(6).hex()}.tmp")
        try:
            return os.open(temp, flags, 0o600), temp
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no usable temporary name", str(target.parent))


def _mode_of(target: Path) -> int:
    """Keep an existing file's permissions; a new file gets 0666 minus the umask, like open()."""
    try:
        return stat.S_IMODE(os.stat(target, follow_symlinks=False).st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
