"""``portlint check``: scan, report, and exit 0 (clean), 1 (findings) or 2 (usage/config error)."""

from __future__ import annotations

import sys
from pathlib import Path

from portlint.commands._common import (read_cache_for, add_scan_arguments, note_nested_configs, run_scan, use_color,
                                      write_output)
from portlint.model import Severity
from portlint.report import RenderOptions, available_formats, plural, reporter
from portlint.report._paths import prefix_for, rebased, repository_root
from portlint.report.text import summary as text_summary

NAME = "check"
HELP = "check ports across the given files and folders"


def add_arguments(parser) -> None:
    add_scan_arguments(parser)
    parser.add_argument("--format", "-f", action="append", default=[], choices=available_formats(),
                        help="output format (repeatable, paired in order with -o)")
    parser.add_argument("--output", "-o", action="append", default=[], type=Path, metavar="FILE",
                        help="write the report to FILE instead of stdout (repeatable)")
    parser.add_argument("--sort", choices=["path", "severity"], default="path",
                        help="order of findings: by file and line (default), or errors first then by file")
    parser.add_argument("--fail-on", choices=["error", "warning", "note"], default="warning",
                        help="lowest severity that makes the exit code 1 (default: warning)")
    parser.add_argument("--no-color", action="store_true", help="no colour (also: NO_COLOR=1)")
    parser.add_argument("--explain", action="store_true", help="show the links and facts behind each finding")
    parser.add_argument("--statistics", action="store_true", help="print timings per stage on stderr")
    parser.add_argument("--hook", action="store_true",
                        help="pre-commit mode: scan the whole current folder, report only findings that touch "
                             "the given files (the staged files pre-commit passes)")
    parser.add_argument("--show-all", action="store_true", help="with --hook: report every finding")
    parser.add_argument("--baseline", type=Path, metavar="FILE",
                        help="report only findings that are not in this baseline file")
    parser.add_argument("--write-baseline", type=Path, metavar="FILE",
                        help="record every current finding in FILE and exit 0")
    parser.add_argument("--fix", action="store_true",
                        help="fix the findings where exactly one side is wrong, then report what is left (docs/fix.md)")
    parser.add_argument("--diff", action="store_true",
                        help="print the fixes as a unified diff, write nothing, exit 1 if there are any")


def _touches(finding, paths: set[str]) -> bool:
    return finding.location.path in paths or any(r.location.path in paths for r in finding.related)


def _needs_graph(formats: list[str]) -> bool:
    """Whether a report reads the port graph itself (then a warm run cannot skip building it)."""
    return "json-full" in formats


def _memory(result) -> str:
    """Peak memory: this process's, and each reading child's proportional share (PSS: the pages
    it shares with this process are divided between them) at its end."""
    try:
        import resource

        own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    except Exception:
        return "memory not known"
    children = getattr(result, "worker_mb", [])
    line = f"peak memory {own:.0f} MB"
    if children:
        line += (f" + {sum(children):.0f} MB in {len(children)} reading process(es) (PSS) = "
                 f"{own + sum(children):.0f} MB; read in {len(children) + 1} processes")
    return line


def run(args) -> int:
    from portlint.cli import UsageError

    formats = args.format or ["text"]
    outputs = list(args.output)
    if len(outputs) > len(formats):
        raise UsageError("more --output files than --format values")
    if len(formats) > 1 and len(outputs) < len(formats) - 1:
        raise UsageError("with several --format values, give an --output for each (the last may go to stdout)")
    touched: set[str] | None = None
    if args.hook:
        from portlint.discover import relative

        root = Path.cwd().resolve()
        touched = {relative(Path(p).resolve(), root) for p in args.paths}
        args.paths = [str(root)]
    scanned = run_scan(args, reuse=not _needs_graph(formats))
    if scanned is None:
        return 0
    paths, root, config, rules, chosen, result = (scanned.paths, scanned.root, scanned.config, scanned.rules,
                                                  scanned.chosen, scanned.result)
    note_nested_configs(result, config)
    if touched is not None and not args.show_all:
        result.findings = [f for f in result.findings if _touches(f, touched)]
    if args.baseline or args.write_baseline:  # imported only when asked for
        from portlint.baseline import BaselineError, load_baseline, split_new, write_baseline
    if args.write_baseline:
        from portlint.safe_io import UnsafeWrite

        try:
            write_baseline(result.findings, args.write_baseline)
        except OSError as exc:
            raise UsageError(exc.strerror if isinstance(exc, UnsafeWrite) else
                             f"{args.write_baseline}: cannot write: {exc.strerror or exc}") from None
        print(f"portlint: wrote {plural(len(result.findings), 'finding')} to the baseline {args.write_baseline}",
              file=sys.stderr)
        return 0
    if args.baseline:
        try:
            result.findings, result.baselined = split_new(result.findings, load_baseline(args.baseline))
        except BaselineError as exc:
            raise UsageError(str(exc)) from None
    if args.fix or args.diff:
        from portlint.commands.fix import apply_fixes

        status = apply_fixes(result.findings, root, config.max_file_size, diff_only=args.diff, log=sys.stderr)
        if args.diff or status == 2:
            return status
        from portlint.engine import scan

        result = scan(paths, root, config, rules=rules, selection=chosen, read_cache=read_cache_for(args, root, config))
        if touched is not None and not args.show_all:
            result.findings = [f for f in result.findings if _touches(f, touched)]
        if args.baseline:
            result.findings, result.baselined = split_new(result.findings, load_baseline(args.baseline))
    if args.sort == "severity":
        result.findings = sorted(result.findings, key=lambda f: -f.severity.rank)  # stable: by file within a severity
    cwd = Path.cwd()
    for i, fmt in enumerate(formats):
        target = outputs[i] if i < len(outputs) else None
        color = fmt == "text" and target is None and use_color(args, sys.stdout)
        base = repository_root(cwd) if fmt == "sarif" else cwd  # code scanning maps repository paths
        shown = rebased(result, prefix_for(root, base))
        text = reporter(fmt).render(shown, RenderOptions(color=color, explain=args.explain, source_root=base))
        write_output(text, target)
    written = [str(t) for t in outputs if str(t) != "-"]
    if written:  # the report went to files: say what it holds, in one line
        print(f"{text_summary(result)}; wrote {', '.join(written)}", file=sys.stderr)
    fixable = sum(1 for f in result.findings if f.fix_intent is not None and f.fix_intent.new is not None)
    if fixable and not (args.fix or args.diff) and {"text", "concise"} & set(formats):
        print(f"portlint: {plural(fixable, 'finding')} can be fixed with `portlint fix` "
              f"(preview: `portlint fix --diff`; docs/fix.md)", file=sys.stderr)
    if args.statistics:
        stages = ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in result.timings.items())
        print(f"portlint: {result.files_seen} files seen, {result.files_read} read in "
              f"{result.seconds * 1000:.0f} ms ({stages})", file=sys.stderr)
        print(f"portlint: {_memory(result)}", file=sys.stderr)
    threshold = Severity(args.fail_on).rank
    return 1 if any(f.severity.rank >= threshold for f in result.findings) else 0
