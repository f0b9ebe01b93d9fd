"""``portlint fix``: repair the findings where exactly one side is wrong; ``--diff`` previews.

Exit codes: 0 the fixes were written (or there was nothing to fix), 1 with ``--diff`` when the
fixes would change a file (as ``ruff --diff``), 2 usage or config error, or a file that could not
be written.
"""

from __future__ import annotations

import sys
from pathlib import Path

from portlint.commands._common import add_scan_arguments, run_scan
from portlint.report import plural
from portlint.report._paths import prefix_for, rebase_path

NAME = "fix"
HELP = "fix the findings where exactly one side is wrong (--diff to preview)"


def add_arguments(parser) -> None:
    add_scan_arguments(parser)
    parser.add_argument("--diff", action="store_true",
                        help="print the changes as a unified diff and write nothing (exit 1 if there are any)")


def run(args) -> int:
    scanned = run_scan(args)
    if scanned is None:
        return 0
    return apply_fixes(scanned.result.findings, scanned.root, scanned.config.max_file_size, diff_only=args.diff)


def apply_fixes(findings, root: Path, limit: int, diff_only: bool, log=None) -> int:
    """Plan, check and apply (or, with ``diff_only``, print) the fixes of ``findings``; the exit code."""
    from portlint.fix.apply import prepare, write
    from portlint.fix.diff import unified
    from portlint.fix.plan import plan

    prefix = prefix_for(root, Path.cwd())
    planned = plan(findings)
    outcome = prepare(root, planned.edits, limit)
    log = log or (sys.stderr if diff_only else sys.stdout)
    if diff_only:
        sys.stdout.write(unified(outcome.changes, prefix))
        sys.stdout.flush()
        failed = []
    else:
        failed = write(root, outcome)
    broken = {c.path for c, _ in failed}
    verb = "would fix" if diff_only else "fixed"
    for edit in outcome.applied:
        if edit.location.path not in broken:
            print(f"{verb} {_where(edit.location, prefix)}  {', '.join(edit.rules)}  {edit.old} -> {edit.new}: "
                  f"{edit.reason}", file=log)
    for edit, reason in sorted(outcome.refused):
        print(f"not fixed {_where(edit.location, prefix)}  {', '.join(edit.rules)}  {_bare(reason)}", file=log)
    for skip in planned.skipped:
        print(f"not fixed {_where(skip.location, prefix)}  {skip.rule_id}  {_bare(skip.reason)}", file=log)
    for change, reason in failed:
        print(f"portlint: error: {reason}", file=sys.stderr)
    done = [c for c in outcome.changes if c.path not in broken]
    edits = sum(len(c.edits) for c in done)
    left = len(outcome.refused) + len(planned.skipped)
    print(f"portlint: {verb} {plural(edits, 'place')} in {plural(len(done), 'file')}; "
          f"{plural(left, 'finding')} not fixed (ambiguous or changed); "
          f"{planned.by_hand({e.location for e in outcome.applied})} to change by hand", file=sys.stderr)
    if failed:
        return 2
    return 1 if diff_only and done else 0


def _bare(reason: str) -> str:
    """The reason without its closing "not fixed" (the line already starts with it)."""
    for tail in (": not fixed", ", not fixed"):
        if reason.endswith(tail):
            return reason[: -len(tail)]
    return reason


def _where(location, prefix: str) -> str:
    return f"{rebase_path(location.path, prefix)}:{location.line}:{location.column}"
