"""The preview of ``--diff``: a unified diff per changed file, paths as the user sees them."""

from __future__ import annotations

import difflib

from portlint.fix.apply import FileChange
from portlint.report._paths import rebase_path


def unified(changes: list[FileChange], prefix: str = "") -> str:
    """``--- a/path`` / ``+++ b/path`` hunks with 3 lines of context, files in path order."""
    out: list[str] = []
    for change in sorted(changes, key=lambda c: c.path):
        shown = rebase_path(change.path, prefix)
        lines = difflib.unified_diff(change.before.splitlines(keepends=True), change.after.splitlines(keepends=True),
                                     fromfile=f"a/{shown}", tofile=f"b/{shown}")
        for line in lines:
            out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out)
