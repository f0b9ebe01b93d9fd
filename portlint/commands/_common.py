"""What several subcommands share: scan arguments, root and config resolution, rule loading."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from portlint.config import Config, load_config
from portlint.engine import RuleSelection
from portlint.registry import Rule, load_rules


def add_scan_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", metavar="PATH", help="files or folders to scan (default: .)")
    parser.add_argument("--config", type=Path, metavar="FILE",
                        help="config file (default: .portlint.toml or [tool.portlint] in pyproject.toml at the scan root)")
    parser.add_argument("--rules-dir", action="append", type=Path, default=[], metavar="DIR",
                        help="load extra rules from DIR (repeatable)")
    parser.add_argument("--max-file-seconds", type=_seconds, metavar="S",
                        help="CPU time a reader may spend on one file before it is skipped with a note "
                             "(default: 5, or max-file-seconds in the config)")
    parser.add_argument("--select", action="append", default=[], metavar="RULE",
                        help="run only these rules: id, name or id prefix (repeatable, comma-separated)")
    parser.add_argument("--ignore", action="append", default=[], metavar="RULE",
                        help="do not run these rules (repeatable, comma-separated)")


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value <= 86_400:
        raise argparse.ArgumentTypeError(f"must be a number of seconds above 0, not {text!r}")
    return value


def scan_root(paths: list[Path]) -> Path:
    """One folder given: it is the root. Otherwise the current folder."""
    if len(paths) == 1 and paths[0].is_dir():
        return paths[0].resolve()
    return Path.cwd().resolve()


def resolve_scan(args) -> tuple[list[Path], Path, Config]:
    from portlint.cli import UsageError

    paths = [Path(p) for p in (args.paths or ["."])]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise UsageError(f"no such file or folder: {', '.join(missing)}")
    root = scan_root(paths)
    config = load_config(root, args.config)
    config.rules_dirs = [*config.rules_dirs, *args.rules_dir]
    if getattr(args, "max_file_seconds", None):
        config.max_file_seconds = args.max_file_seconds
    return [p.resolve() for p in paths], root, config


def split_selectors(values: list[str]) -> tuple[str, ...]:
    return tuple(s.strip() for v in values for s in v.split(",") if s.strip())


def selection(args) -> RuleSelection:
    return RuleSelection(select=split_selectors(args.select), ignore=split_selectors(args.ignore))


def rules_for(config: Config) -> list[Rule]:
    return load_rules(config.rules_dirs)


def use_color(args, stream) -> bool:
    if getattr(args, "no_color", False) or os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return hasattr(stream, "isatty") and stream.isatty()


def write_output(text: str, path: Path | None) -> None:
    if path is None or str(path) == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


class ProgressBar:
    """A rich progress bar on stderr, shown only on a terminal and only after the first half second."""

    DELAY = 0.5

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._bar = None
        self._task = None
        self._started = None

    def __enter__(self):
        import time

        self._started = time.perf_counter()
        return self.update if self.enabled else None

    def update(self, what: str, done: int, total: int) -> None:
        import time

        if self._bar is None:
            if time.perf_counter() - self._started < float(os.environ.get("PORTLINT_PROGRESS_DELAY", self.DELAY)):
                return
            from rich.console import Console
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

            self._bar = Progress(TextColumn("{task.description:<28}"), BarColumn(), TimeElapsedColumn(),
                                 console=Console(file=sys.stderr), transient=True)
            self._bar.start()
            self._task = self._bar.add_task(what, total=total)
        self._bar.update(self._task, description=what, completed=done, total=max(total, 1))

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            self._bar.stop()


def progress_bar(args) -> ProgressBar:
    """Progress on stderr when it is a terminal, never in CI or with ``PORTLINT_NO_PROGRESS``."""
    enabled = sys.stderr.isatty() and not os.environ.get("PORTLINT_NO_PROGRESS") and not os.environ.get("CI")
    return ProgressBar(enabled)
