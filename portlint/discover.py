"""Find the files of a scan: walk the tree, honour .gitignore and excludes, skip what cannot hold ports.

Discovery never reads more than a file's first bytes (to spot binaries); readers decode text
through :meth:`SourceFile.text`, which handles BOMs and reports undecodable files.
"""

from __future__ import annotations

import fnmatch
import os
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from portlint.config import Config

# Folders that hold other people's code or generated state, never the user's port facts.
SKIPPED_DIRS = frozenset({
    ".git", ".hg", ".svn", "node_modules", "vendor", "third_party", ".venv", "venv", ".tox",
    ".nox", "__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".terraform",
    ".terragrunt-cache", "site-packages", ".eggs", ".idea", ".vscode", ".hypothesis",
})
SNIFF_BYTES = 8192
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

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def suffix(self) -> str:
        return self.path.suffix.lower()

    def text(self) -> str:
        """The decoded text, BOM stripped; raises :class:`UndecodableFile`."""
        if self._text is None:
            data = self.path.read_bytes()
            if data.startswith(b"\xef\xbb\xbf"):
                data = data[3:]
            try:
                self._text = data.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise UndecodableFile(f"not UTF-8 text (byte {exc.start}: {exc.reason})") from None
        return self._text


@dataclass(frozen=True)
class Skipped:
    rel: str
    reason: str


@dataclass
class Discovery:
    root: Path
    files: list[SourceFile]
    skipped: list[Skipped]


def discover(paths: list[Path], root: Path, config: Config) -> Discovery:
    """All candidate files under ``paths`` (files or folders), sorted by relative path."""
    files: dict[str, SourceFile] = {}
    skipped: list[Skipped] = []
    excludes = [_normalise_glob(g) for g in config.exclude]
    for start in paths:
        start = start.resolve() if start.exists() else start
        if start.is_file():
            _consider(start, root, config, excludes, files, skipped, explicit=True)
            continue
        for file_path in _walk(start, root, config, excludes):
            _consider(file_path, root, config, excludes, files, skipped, explicit=False)
    ordered = [files[k] for k in sorted(files)]
    return Discovery(root=root, files=ordered, skipped=sorted(skipped, key=lambda s: s.rel))


def relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def infer_environment(rel: str, environments: tuple[str, ...]) -> str | None:
    """``config/dev.yaml`` → dev, ``overlays/prod/x.yaml`` → prod, ``.env.uat`` → uat; else None."""
    parts = PurePosixPath(rel).parts
    envs = {e.lower(): e for e in environments}
    for part in reversed(parts[:-1]):
        if part.lower() in envs:
            return envs[part.lower()]
    for token in _ENV_SPLIT.split(parts[-1].lower()):
        if token in envs:
            return envs[token]
    return None


def _normalise_glob(glob: str) -> str:
    return glob.rstrip("/")


def _excluded(rel: str, excludes: list[str]) -> bool:
    for glob in excludes:
        if fnmatch.fnmatchcase(rel, glob) or fnmatch.fnmatchcase(rel, glob + "/*"):
            return True
        if "/" not in glob and any(fnmatch.fnmatchcase(part, glob) for part in rel.split("/")):
            return True
    return False


def _walk(start: Path, root: Path, config: Config, excludes: list[str]):
    """Yield files below ``start``, never following directory symlinks (no loops)."""
    ignore_specs: list[tuple[Path, object]] = []
    for dirpath, dirnames, filenames in os.walk(start, followlinks=False):
        current = Path(dirpath)
        ignore_specs = [(base, spec) for base, spec in ignore_specs if _is_within(current, base)]
        if not config.include_ignored:
            spec = _load_gitignore(current)
            if spec is not None:
                ignore_specs.append((current, spec))
        kept = []
        for d in sorted(dirnames):
            full = current / d
            rel = relative(full, root)
            if d in SKIPPED_DIRS or (full / "pyvenv.cfg").exists() or _excluded(rel, excludes):
                continue
            if full.is_symlink() or _ignored(full, ignore_specs, is_dir=True):
                continue
            kept.append(d)
        dirnames[:] = kept
        for name in sorted(filenames):
            full = current / name
            if not _ignored(full, ignore_specs, is_dir=False):
                yield full


def _is_within(path: Path, base: Path) -> bool:
    return path == base or base in path.parents


MAX_STARS = 2  # without RE2, a pattern segment with more ``*`` backtracks polynomially: not used


def _load_gitignore(directory: Path):
    gitignore = directory / ".gitignore"
    if not gitignore.is_file():
        return None
    try:
        lines = gitignore.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    return gitignore_spec(lines)


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
    except (ValueError, TypeError):
        return None


def _ignored(path: Path, specs: list[tuple[Path, object]], is_dir: bool) -> bool:
    for base, spec in specs:
        rel = path.relative_to(base).as_posix() + ("/" if is_dir else "")
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
    try:
        if path.is_symlink():
            target = path.resolve(strict=True)
            if not target.is_file():
                skipped.append(Skipped(rel, "symlink to a non-file"))
                return
        stat = path.stat()
    except (OSError, RuntimeError):
        skipped.append(Skipped(rel, "unreadable or broken symlink"))
        return
    if not path.is_file():
        return
    env = infer_environment(rel, config.environments)
    files[rel] = SourceFile(path=path, rel=rel, size=stat.st_size, environment=env)


def is_binary(file: SourceFile) -> bool:
    """A NUL byte in the first bytes marks a binary file."""
    try:
        with file.path.open("rb") as handle:
            return b"\x00" in handle.read(SNIFF_BYTES)
    except OSError:
        return True
