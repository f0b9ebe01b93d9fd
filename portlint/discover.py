"""Find the files of a scan: walk the tree, honour .gitignore and excludes, skip what cannot hold ports.

Discovery never reads more than a file's first bytes (to spot binaries); readers decode text
through :meth:`SourceFile.text`, which handles BOMs and reports undecodable files.
"""

from __future__ import annotations

import errno
import fnmatch
import functools
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from portlint import safe_io
from portlint.config import Config

# Folders that hold other people's code or generated state, never the user's port facts.
SKIPPED_DIRS = frozenset({
    ".git", ".hg", ".svn", "node_modules", "vendor", "third_party", ".venv", "venv", ".tox",
    ".nox", "__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".terraform",
    ".terragrunt-cache", "site-packages", ".eggs", ".idea", ".vscode", ".hypothesis", ".portlint_cache",
})
SNIFF_BYTES = 8192
MAX_DEPTH = 1024  # folders below the start at which the walk stops (with a note); no real tree comes close
GITIGNORE_LIMIT = 1024 * 1024
_ENV_SPLIT = re.compile(r"[.\-]")


class UndecodableFile(Exception):
    """The file is not text in UTF-8 (with or without BOM)."""


@dataclass
class SourceFile:
    """A file of the scan: its absolute path, its path relative to the root, and its environment."""

    path: Path
    rel: str
    size: int
    environment: str | None = None
    _text: str | None = field(default=None, repr=False, compare=False)
    _raw: bytes | None = field(default=None, repr=False, compare=False)
    root: Path | None = field(default=None, repr=False, compare=False)  # reads stay inside it (None: anywhere)
    limit: int = field(default=safe_io.DEFAULT_LIMIT, repr=False, compare=False)
    # (size, mtime_ns, ctime_ns, inode, device) at discovery: lets the cache trust an unchanged file
    signature: tuple[int, ...] | None = field(default=None, repr=False, compare=False)
    _name: str | None = field(default=None, repr=False, compare=False)
    _suffix: str | None = field(default=None, repr=False, compare=False)
    _where: str | None = field(default=None, repr=False, compare=False)

    @property
    def where(self) -> str:
        """``str(path)``, known from the walk (pathlib formats a deep path in microseconds, and
        the cache asks for every file's on every run)."""
        if self._where is None:
            self._where = str(self.path)
        return self._where

    @property
    def name(self) -> str:
        if self._name is None:  # every reader's wants() asks: pathlib is slow at it
            self._name = self.path.name
        return self._name

    @property
    def suffix(self) -> str:
        if self._suffix is None:
            self._suffix = self.path.suffix.lower()
        return self._suffix

    def raw(self) -> bytes:
        """The file's bytes (read once, safely; kept until :meth:`text` decodes them)."""
        if self._raw is None:
            self._raw = safe_io.read_bytes(self.path, root=self.root, limit=self.limit)
        return self._raw

    @property
    def decoded(self) -> str | None:
        """The text if it has been decoded in this process (never reads the file)."""
        return self._text

    def text(self) -> str:
        """The decoded text, BOM stripped, newlines normalised; raises :class:`UndecodableFile`."""
        if self._text is None:
            try:
                data = self.raw()
            except OSError as exc:  # swapped for a FIFO, a device or an outside symlink since discovery
                raise UndecodableFile(f"not read: {_os_reason(exc)}") from None
            self._raw = None
            try:
                self._text = normalise_newlines(safe_io.decode(data))
            except UnicodeDecodeError as exc:
                raise UndecodableFile(f"not UTF-8 text (byte {exc.start}: {exc.reason})") from None
        return self._text


def normalise_newlines(text: str) -> str:
    """CRLF and lone CR (classic Mac) become LF, as editors and Python's own parser read them, so
    every reader counts the same lines. Columns do not move."""
    if "\r" not in text:
        return text
    return text.replace("\r\n", "\n").replace("\r", "\n")


@dataclass(frozen=True)
class Skipped:
    """A path discovery did not hand over, and why (the engine turns it into a note)."""

    rel: str
    reason: str
    path: Path | None = field(default=None, compare=False)
    quiet: bool = field(default=False, compare=False)  # nothing was there to read (a dangling symlink)


@dataclass
class Discovery:
    root: Path
    files: list[SourceFile]
    skipped: list[Skipped]


def discover(paths: list[Path], root: Path, config: Config, memo: Any = None) -> Discovery:
    """All candidate files under ``paths`` (files or folders), sorted by relative path.

    ``memo`` (a :class:`portlint.cache.ReadCache`) remembers what each ``.gitignore`` decided
    for each path, by its bytes: a run over paths decided before never builds a matcher (nor
    imports pathspec, ~20 ms)."""
    files: dict[str, SourceFile] = {}
    skipped: list[Skipped] = []
    excludes = [_normalise_glob(g) for g in config.exclude]
    for start in paths:
        start = start.resolve() if start.exists() else start
        if not start.is_dir():
            _consider(start, root, config, excludes, files, skipped, explicit=True)
            continue
        for file_path, rel, entry in _walk(start, root, config, excludes, skipped, memo):
            if not entry.is_symlink() and rel not in files:
                _consider_plain(file_path, rel, entry, config, excludes, files, skipped, root)
            else:
                _consider(file_path, root, config, excludes, files, skipped, explicit=False)
    if memo is not None:
        memo.keep_gitignore_decisions()
    ordered = [files[k] for k in sorted(files)]
    return Discovery(root=root, files=ordered, skipped=sorted(skipped, key=lambda s: s.rel))


def relative(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` (POSIX); a path outside the root gets ``../`` steps, never
    an absolute path (findings must not show where a machine keeps its files)."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        try:
            return Path(os.path.relpath(path, root)).as_posix()
        except ValueError:  # another drive on Windows
            return path.name


def infer_environment(rel: str, environments: tuple[str, ...]) -> str | None:
    """``config/dev.yaml`` → dev, ``overlays/prod/x.yaml`` → prod, ``.env.uat`` → uat; else None."""
    folder, _, name = rel.rpartition("/")
    environments = tuple(environments)
    found = _folder_environment(folder, environments)
    if found is not None:
        return found
    return _name_environment(name, environments)


@functools.lru_cache(maxsize=4096)
def _name_environment(name: str, environments: tuple[str, ...]) -> str | None:
    """The environment a file name names (``.env.uat``, ``values-prod.yaml``), once per name."""
    envs = _lowered(environments)
    for token in _ENV_SPLIT.split(name.lower()):
        if token in envs:
            return envs[token]
    return None


@functools.lru_cache(maxsize=4096)
def _folder_environment(folder: str, environments: tuple[str, ...]) -> str | None:
    """The environment a folder path names (its deepest part that is one), once per folder."""
    envs = _lowered(environments)
    for part in reversed(folder.split("/")):
        if part.lower() in envs:
            return envs[part.lower()]
    return None


@functools.lru_cache(maxsize=16)
def _lowered(environments: tuple[str, ...]) -> dict[str, str]:
    return {e.lower(): e for e in environments}


def _normalise_glob(glob: str) -> str:
    return glob.rstrip("/")


def _excluded(rel: str, excludes: list[str]) -> bool:
    for glob in excludes:
        if fnmatch.fnmatchcase(rel, glob) or fnmatch.fnmatchcase(rel, glob + "/*"):
            return True
        if "/" not in glob and any(fnmatch.fnmatchcase(part, glob) for part in rel.split("/")):
            return True
    return False


def _walk(start: Path, root: Path, config: Config, excludes: list[str], skipped: list[Skipped], memo: Any = None):
    """Yield files below ``start``, never following directory symlinks (no loops).

    Iterative (an explicit stack, not recursion): 1,000 nested folders do not exhaust the
    interpreter's stack, and a folder that cannot be listed (a path longer than PATH_MAX,
    permission denied) is recorded in ``skipped`` while the rest of the tree is still walked.

    Paths are handled as strings (``os.scandir`` gives each entry's): one listing per folder
    tells whether it holds a ``.gitignore`` or is a virtualenv (``pyvenv.cfg``), and the
    relative paths are built by joining names, not by pathlib arithmetic.
    """
    # (folder, its path as a string, its path relative to the root, .gitignore specs in force, depth)
    stack: list[tuple[Path, str, str, tuple[tuple[str, object], ...], int]] = [
        (start, str(start), relative(start, root), (), 0)]
    while stack:
        current, where, base, specs, depth = stack.pop()
        try:
            with os.scandir(where) as entries:
                listed = sorted(entries, key=_entry_name)
        except OSError as exc:
            if depth and os.path.lexists(os.path.join(where, VENV_MARKER)):
                continue  # a virtualenv that cannot be listed
            skipped.append(Skipped(base, f"folder not scanned: {_os_reason(exc)}", current))
            continue
        names = {entry.name for entry in listed} if listed else ()
        if depth and VENV_MARKER in names:
            continue  # a virtualenv: other people's code
        if depth >= MAX_DEPTH:
            skipped.append(Skipped(base, f"folder not scanned: deeper than {MAX_DEPTH} levels", current))
            continue
        if ".gitignore" in names and not config.include_ignored:
            spec = _load_gitignore(os.path.join(where, ".gitignore"), root, memo)
            if spec is not None:
                specs = (*specs, (where if where.endswith(os.sep) else where + os.sep, spec))
        folders = []
        child = getattr(current, "_make_child_relpath", current.joinpath)  # skips re-parsing the name
        for entry in listed:
            name = entry.name
            rel = name if base == "." else f"{base}/{name}"
            if entry.is_dir(follow_symlinks=False):
                if _keep_dir(name, entry.path, rel, excludes, specs):
                    folders.append((child(name), entry.path, rel))
            elif not specs or not _ignored(entry.path, specs, is_dir=False):
                yield child(name), rel, entry
        stack.extend((folder, path, rel, specs, depth + 1) for folder, path, rel in reversed(folders))


VENV_MARKER = "pyvenv.cfg"  # a folder holding it is a virtualenv


def _entry_name(entry: os.DirEntry) -> str:
    return entry.name


def _keep_dir(name: str, path: str, rel: str, excludes: list[str], specs) -> bool:
    if name in SKIPPED_DIRS or (excludes and _excluded(rel, excludes)):
        return False
    return not specs or not _ignored(path, specs, is_dir=True)


def _os_reason(exc: OSError) -> str:
    if exc.errno == errno.ENAMETOOLONG:
        return "path longer than the system allows (PATH_MAX)"
    return exc.strerror or type(exc).__name__


def _is_within(path: Path, base: Path) -> bool:
    return path == base or base in path.parents


MAX_STARS = 2  # without RE2, a pattern segment with more ``*`` backtracks polynomially: not used


def _load_gitignore(gitignore: str, root: Path, memo: Any = None):
    try:
        data = safe_io.read_bytes(gitignore, root=root, limit=GITIGNORE_LIMIT)
    except (OSError, ValueError):
        return None
    lines = data.decode("utf-8", errors="replace").splitlines()
    if memo is None:
        return gitignore_spec(lines)
    return _Remembered(lines, memo.gitignore_decisions(_matcher_identity().encode() + b"\0" + data))


class _Remembered:
    """A ``.gitignore`` whose answers are remembered (``decided``: path -> ignored, kept between
    runs by the cache under the file's bytes, portlint's code and the matcher's); the matcher is
    built only for a path not decided before."""

    __slots__ = ("lines", "decided", "spec")

    def __init__(self, lines: list[str], decided: dict[str, bool]) -> None:
        self.lines = lines
        self.decided = decided
        self.spec: Any = _UNBUILT

    def match_file(self, rel: str) -> bool:
        answer = self.decided.get(rel)
        if answer is None:
            if self.spec is _UNBUILT:
                self.spec = gitignore_spec(self.lines)  # None when no matcher can be built: ignores nothing
            answer = self.decided[rel] = bool(self.spec is not None and self.spec.match_file(rel))
        return answer


_UNBUILT = object()


@functools.lru_cache(maxsize=1)
def _matcher_identity() -> str:
    """Which matcher would answer (pathspec, re2), named by their installed files, without
    importing them: an upgrade replaces the files, so remembered answers are not reused."""
    import importlib.util

    parts = []
    for name in ("pathspec", "re2"):
        try:
            spec = importlib.util.find_spec(name)
            origin = spec.origin if spec is not None else None
            info = os.stat(origin) if origin else None
        except (ImportError, ValueError, OSError):
            origin, info = None, None
        parts.append(f"{name}={origin}:{(info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino) if info else ''}")
    return ";".join(parts)


def gitignore_spec(lines: list[str]):
    """A matcher that cannot backtrack catastrophically: RE2 (linear time) when it is installed and
    the patterns compile; else Python's ``re`` on the patterns whose segments hold at most
    :data:`MAX_STARS` wildcards (``*a*a*a*b`` on a long name takes seconds per path)."""
    import pathspec

    try:
        return pathspec.GitIgnoreSpec.from_lines(lines, backend="re2")
    except Exception:  # re2 missing, or the pattern set is too large for it
        pass
    safe = [line for line in lines if all(part.count("*") - 2 * part.count("**") <= MAX_STARS
                                          for part in line.split("/"))]
    try:
        return pathspec.GitIgnoreSpec.from_lines(safe)
    except (ValueError, TypeError, RecursionError):
        return None


def _ignored(path: str, specs: tuple[tuple[str, object], ...], is_dir: bool) -> bool:
    """Whether a .gitignore in force ignores ``path`` (a string below each spec's folder, which
    is given with its trailing ``/``)."""
    for base, spec in specs:
        rel = path[len(base):] + ("/" if is_dir else "")
        if os.sep != "/":
            rel = rel.replace(os.sep, "/")
        if spec.match_file(rel):  # type: ignore[attr-defined]
            return True
    return False


def _consider(path: Path, root: Path, config: Config, excludes: list[str],
              files: dict[str, SourceFile], skipped: list[Skipped], explicit: bool) -> None:
    rel = relative(path, root)
    if rel in files:
        return
    if not explicit and _excluded(rel, excludes):
        return
    # the walk never enters folder symlinks, so only a symlinked file (or an explicit argument) can leave
    inside = not (explicit or path.is_symlink()) or safe_io.is_inside(path, root)
    try:
        if path.is_symlink():
            target = path.resolve(strict=True)
            if target.is_dir() and not explicit:
                return  # folder symlinks are never followed (no loops, no escapes)
            if not explicit and not inside:
                skipped.append(Skipped(rel, "not read: symlink leads outside the scan root", path))
                return
            if not target.is_file():
                skipped.append(Skipped(rel, "not read: symlink to a non-file", path))
                return
        mode = path.stat().st_mode
    except (OSError, RuntimeError) as exc:
        skipped.append(Skipped(rel, f"not read: unreadable or broken symlink ({_os_reason(exc)})"
                               if isinstance(exc, OSError) else "not read: symlink loop", path, quiet=True))
        return
    if not stat.S_ISREG(mode):
        if not stat.S_ISDIR(mode):
            skipped.append(Skipped(rel, f"not read: not a regular file ({safe_io.file_kind(mode)})", path))
        return
    env = infer_environment(rel, config.environments)
    info = path.stat()
    files[rel] = SourceFile(path=path, rel=rel, size=info.st_size, environment=env,
                            root=None if explicit and not inside else root, limit=config.max_file_size,
                            signature=stat_signature(info))


def _consider_plain(path: Path, rel: str, entry: os.DirEntry, config: Config, excludes: list[str],
                    files: dict[str, SourceFile], skipped: list[Skipped], root: Path) -> None:
    """:func:`_consider` for a walked entry that is not a symlink: one ``lstat`` (from the
    directory entry), no path arithmetic."""
    if excludes and _excluded(rel, excludes):
        return
    try:
        info = entry.stat(follow_symlinks=False)
    except OSError as exc:
        skipped.append(Skipped(rel, f"not read: unreadable or broken symlink ({_os_reason(exc)})", path, quiet=True))
        return
    mode = info.st_mode
    if not stat.S_ISREG(mode):
        if not stat.S_ISDIR(mode):
            skipped.append(Skipped(rel, f"not read: not a regular file ({safe_io.file_kind(mode)})", path))
        return
    files[rel] = SourceFile(path=path, rel=rel, size=info.st_size, environment=infer_environment(rel, config.environments),
                            root=root, limit=config.max_file_size, signature=stat_signature(info), _where=entry.path,
                            _name=entry.name)


def stat_signature(info: os.stat_result) -> tuple[int, ...]:
    return (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino, info.st_dev)


def is_binary(file: SourceFile) -> bool:
    """A NUL byte in the first bytes marks a binary file (and so does a file that cannot be read).
    The bytes are kept for :meth:`SourceFile.text`, so the file is opened once."""
    try:
        return b"\x00" in file.raw()[:SNIFF_BYTES]
    except OSError:
        return True
