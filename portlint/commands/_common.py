"""What several subcommands share: scan arguments, root and config resolution, rule loading."""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from portlint import safe_io
from portlint.config import Config, load_config
from portlint.registry import Rule, load_rules
from portlint.trust import check_trust
if TYPE_CHECKING:
    from portlint.engine import RuleSelection
from portlint.validate import check_config_selectors, check_rule_settings, check_selectors


def add_scan_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", metavar="PATH", help="files or folders to scan (default: .)")
    parser.add_argument("--config", type=Path, metavar="FILE",
                        help="config file (default: .portlint.toml or [tool.portlint] in pyproject.toml at the scan root)")
    parser.add_argument("--rules-dir", action="append", type=Path, default=[], metavar="DIR",
                        help="load extra rules from DIR (repeatable); this runs the Python code in DIR")
    parser.add_argument("--trust-config", action="store_true",
                        help="let a config inside the scanned tree load rule code through rules-dir")
    parser.add_argument("--show-settings", action="store_true",
                        help="print the config in effect and where it came from, then exit")
    parser.add_argument("--no-cache", action="store_true",
                        help="read every file afresh, and keep no reader results (also PORTLINT_NO_CACHE=1)")
    parser.add_argument("--cache-dir", type=Path, metavar="DIR",
                        help="where reader results are kept between runs (default: .portlint_cache at the project root)")
    parser.add_argument("--max-file-seconds", type=_seconds, metavar="S",
                        help="CPU time a reader may spend on one file before it is skipped with a note "
                             "(default: 5, or max-file-seconds in the config)")
    parser.add_argument("--jobs", "-j", type=_jobs, metavar="N",
                        help="processes that read the files: 1 reads in this one; default: as many as the cores "
                             "when the tree is large enough to gain from it (or jobs in the config)")
    parser.add_argument("--select", action="append", default=[], metavar="RULE",
                        help="run only these rules: id, name, id prefix or group (consistency, hygiene); "
                             "repeatable, comma-separated")
    parser.add_argument("--extend-select", action="append", default=[], metavar="RULE",
                        help="run these rules or groups too, e.g. --extend-select hygiene (repeatable, comma-separated)")
    parser.add_argument("--ignore", action="append", default=[], metavar="RULE",
                        help="do not run these rules (repeatable, comma-separated)")


def _jobs(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= 256:
        raise argparse.ArgumentTypeError(f"must be a number of processes in 0-256 (0: automatic), not {text!r}")
    return value


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


def resolve_scan(args, load_code: bool = True) -> tuple[list[Path], Path, Config]:
    from portlint.cli import UsageError

    paths = [Path(p) for p in (args.paths or ["."])]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise UsageError(f"no such file or folder: {', '.join(missing)}")
    root = scan_root(paths)
    config = load_config(root, args.config)
    if load_code:
        check_trust(config, root, list(args.rules_dir), getattr(args, "trust_config", False))
        config.rules_dirs = unique_dirs([*config.rules_dirs, *args.rules_dir])
    else:
        config.rules_dirs = []
    if getattr(args, "max_file_seconds", None):
        config.max_file_seconds = args.max_file_seconds
    if getattr(args, "jobs", None) is not None:
        config.jobs = args.jobs
    return [p.resolve() for p in paths], root, config


def unique_dirs(dirs: list[Path]) -> list[Path]:
    """Each folder once (the config and the command line may name the same one)."""
    seen: set[Path] = set()
    out = []
    for directory in dirs:
        if directory.resolve() not in seen:
            seen.add(directory.resolve())
            out.append(directory)
    return out


def read_cache_for(args, root: Path, config: Config):
    """The reader cache of this run, or ``None`` with --no-cache / PORTLINT_NO_CACHE."""
    if getattr(args, "no_cache", False) or os.environ.get("PORTLINT_NO_CACHE") or not config.cache:
        return None
    from portlint.cache import ReadCache, cache_dir_for, settings_fingerprint

    explicit = getattr(args, "cache_dir", None)
    return ReadCache(cache_dir_for(root, config, explicit.resolve() if explicit else None),
                     settings_fingerprint(config))


def split_selectors(values: list[str]) -> tuple[str, ...]:
    return tuple(s.strip() for v in values for s in v.split(",") if s.strip())


def selection(args, rules: list[Rule]) -> RuleSelection:
    """The --select/--extend-select/--ignore selectors, each checked to name a rule, a rule name or a group."""
    from portlint.engine import RuleSelection

    chosen = RuleSelection(select=split_selectors(args.select), ignore=split_selectors(args.ignore),
                           extend_select=split_selectors(getattr(args, "extend_select", [])))
    check_selectors(chosen.select, rules, "--select")
    check_selectors(chosen.extend_select, rules, "--extend-select")
    check_selectors(chosen.ignore, rules, "--ignore")
    return chosen


def rules_for(config: Config, read_cache=None) -> list[Rule]:
    """The rules of a run; the config's [rules] tables are checked against them (names, options, types).
    With the run's ``read_cache``, built-in rule modules are imported only when a rule runs."""
    rules = load_rules(config.rules_dirs, cache=read_cache)
    check_rule_settings(config, rules)
    check_config_selectors(config, rules)
    return rules


def show_settings(args, paths: list[Path], root: Path, config: Config, rules: list[Rule],
                  chosen: RuleSelection) -> bool:
    """With --show-settings: print the config in effect and where it came from; True when printed."""
    if not getattr(args, "show_settings", False):
        return False
    from portlint.discover import discover
    from portlint.settings import nested_configs, render_settings

    from portlint.nested import load_nested

    active = {r.id for r in rules if chosen.active(r, config)}
    files = discover(paths, root, config).files
    nested = nested_configs(files, config)
    sys.stdout.write(render_settings(config, root, rules, active, nested, load_nested(files, config)))
    return True


def note_nested_configs(result, config: Config) -> None:
    """Say so on stderr when the tree holds configs that this scan does not apply."""
    if result.nested_configs:
        from portlint.settings import nested_note

        sys.stderr.write(nested_note(result.nested_configs, config, getattr(result, "scoped_configs", [])))


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
    write_file(path, text)


def write_file(path: Path, text: str) -> None:
    """Write a report/baseline/config safely (atomic, never through a symlink); exit 2 on refusal."""
    from portlint.cli import UsageError

    try:
        safe_io.write_text(path, text)
    except safe_io.UnsafeWrite as exc:
        raise UsageError(exc.strerror) from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot write: {exc.strerror or exc}") from None


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


@dataclass
class Scanned:
    """One scan as a subcommand runs it: what it resolved, and the result."""

    paths: list[Path]
    root: Path
    config: Config
    rules: list[Rule]
    chosen: RuleSelection
    result: object


def run_scan(args, reuse: bool = False) -> Scanned | None:
    """Resolve paths, config and rules from ``args`` and scan, with progress and the read cache;
    ``None`` when ``--show-settings`` printed the settings instead."""
    from portlint.engine import scan

    paths, root, config = resolve_scan(args)
    # --show-settings only prints: it keeps nothing in the cache
    read_cache = None if getattr(args, "show_settings", False) else read_cache_for(args, root, config)
    rules = rules_for(config, read_cache)
    chosen = selection(args, rules)
    if show_settings(args, paths, root, config, rules, chosen):
        return None
    with progress_bar(args) as progress:
        result = scan(paths, root, config, rules=rules, selection=chosen, progress=progress,
                      read_cache=read_cache, reuse=reuse)
    return Scanned(paths, root, config, rules, chosen, result)
