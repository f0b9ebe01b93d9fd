"""``portlint audit``: write the audit report (HTML or Markdown). Exit 0 even with findings — it is
a report, not a gate; 2 on usage or config errors."""

from __future__ import annotations

import sys
from pathlib import Path

from portlint.commands._common import add_scan_arguments, note_nested_configs, run_scan, write_output
from portlint.report import plural

NAME = "audit"
DEFAULT_OUTPUT = "portlint-audit.html"
HELP = "write a self-contained HTML (or Markdown) report: port matrix, routes, findings"


def add_arguments(parser) -> None:
    add_scan_arguments(parser)
    parser.add_argument("--output", "-o", type=Path, metavar="FILE",
                        help=f"write the report to FILE (default: {DEFAULT_OUTPUT}, or .md with --format md; "
                             "'-' for stdout)")
    parser.add_argument("--format", "-f", choices=["html", "md"],
                        help="html (default) or md; without it, an -o FILE ending in .md means md")


def output_format(args) -> str:
    if args.format:
        return args.format
    if args.output is not None and args.output.suffix.lower() in (".md", ".markdown"):
        return "md"
    return "html"


def run(args) -> int:
    from portlint.audit import build_report, render
    from portlint.audit.paths import rebased_report
    from portlint.report._paths import Rebaser, known_paths, prefix_for

    scanned = run_scan(args)
    if scanned is None:
        return 0
    root, config, result = scanned.root, scanned.config, scanned.result
    note_nested_configs(result, config)
    # paths open from where you stand, as `check` prints them
    report = rebased_report(build_report(result), Rebaser(prefix_for(root, Path.cwd()), known_paths(result), root))
    fmt = output_format(args)
    target = args.output if args.output is not None else Path(DEFAULT_OUTPUT).with_suffix(f".{fmt}")
    write_output(render(report, fmt), target)
    if str(target) != "-":
        counts = report.counts
        print(f"portlint: wrote the audit report to {target} ({plural(counts['error'], 'error')}, "
              f"{plural(counts['warning'], 'warning')}, {plural(counts['note'], 'note')}; "
              f"{plural(len(report.routes), 'route')})", file=sys.stderr)
    return 0
