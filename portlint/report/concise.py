"""Concise text: one line per finding (``path:line:col: RULE [severity] message``), then the summary.

For editors, grep and quick looks; the details (related locations, fix) are in the default
``text`` format. A line is always one line: control and bidi characters are shown escaped.
"""

from __future__ import annotations

import re

from portlint.report.text import summary

FORMAT = "concise"
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def _safe(text: str) -> str:
    return _UNSAFE.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}",
                       text)


def render(result, opts) -> str:
    lines = [_safe(f"{f.location}: {f.rule_id} [{f.severity.value}] {f.message}") for f in result.findings]
    lines.append(summary(result))
    return "\n".join(lines) + "\n"
