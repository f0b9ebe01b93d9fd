"""Plain text: ``path:line:col  RULE  message`` with the other side(s) indented below, then a summary.

Readable without colour; colour (via rich) only marks severities and rule ids.
"""

from __future__ import annotations

from collections import Counter

from portlint.model import Finding
from portlint.report import plural
from portlint.report._escape import visible

FORMAT = "text"


def render(result, opts) -> str:
    lines: list[str] = []
    for finding in result.findings:
        lines.extend(_finding_lines(finding, opts))
    lines.append(summary(result))
    text = "\n".join(lines) + "\n"
    return _colorize(text) if opts.color else text


def _finding_lines(finding: Finding, opts) -> list[str]:
    """Every scanned piece (paths, names, values in messages) goes through :func:`visible`: an
    ESC, a CR/LF or a bidi override in a Service name is shown, never obeyed by the terminal."""
    head = f"{visible(str(finding.location))}  {finding.rule_id}  [{finding.severity.value}] {visible(finding.message)}"
    out = [head]
    for related in finding.related:
        out.append(f"    {visible(related.location.short)}: {visible(related.message)}")
    if finding.fix:
        out.append(f"    fix: {visible(finding.fix)}")
    if opts.explain:
        for step in finding.explain:
            out.append(f"    because: {visible(step)}")
    return out


def summary(result) -> str:
    counts = Counter(f.severity.value for f in result.findings)
    hidden = [f"{n} {what}" for n, what in ((len(result.suppressed), "suppressed"), (len(result.baselined), "in baseline")) if n]
    tail = f"; {', '.join(hidden)}" if hidden else ""
    if not result.findings:
        where = "it" if result.files_read == 1 else "them"
        nothing = f"; no port was found in {where}, so nothing was compared" if (
            result.files_read and getattr(result, "ports_read", None) == 0) else ""
        return f"portlint: no findings ({plural(result.files_read, 'file')} read{nothing}{tail})"
    parts = [f"{counts[s]} {s}{'s' if counts[s] != 1 else ''}" for s in ("error", "warning", "note") if counts[s]]
    total = len(result.findings)
    return (f"portlint: {total} finding{'s' if total != 1 else ''} ({', '.join(parts)}) "
            f"in {plural(result.files_read, 'file')} read{tail}")


def _colorize(text: str) -> str:
    from io import StringIO

    from rich.console import Console
    from rich.text import Text

    buffer = StringIO()
    console = Console(file=buffer, force_terminal=True, color_system="standard", width=10_000,
                      highlight=False, soft_wrap=True)
    styles = {"[error]": "bold red", "[warning]": "yellow", "[note]": "cyan"}
    for line in text.splitlines():
        rich_line = Text(line)
        for word, style in styles.items():
            rich_line.highlight_words([word], style=style)
        rich_line.highlight_regex(r"\bPL\d{3}\b", style="bold")
        console.print(rich_line)
    return buffer.getvalue()
