"""Concise text: one line per finding (``path:line:col: RULE [severity] message``), then the summary.

For editors, grep and quick looks; the details (related locations, fix) are in the default
``text`` format. A line is always one line: control and bidi characters are shown escaped.
"""

from __future__ import annotations

from portlint.report._escape import visible
from portlint.report.text import summary

FORMAT = "concise"


def render(result, opts) -> str:
    lines = [visible(f"{f.location}: {f.rule_id} [{f.severity.value}] {f.message}") for f in result.findings]
    lines.append(summary(result))
    return "\n".join(lines) + "\n"
