"""Edit YAML, HCL, .env, Dockerfile, TypeScript, Markdown: replace exactly the characters of a value.

A fact's location is a line and a character column. The value must still be written there: as it
is (``8001``), inside quotes (``"8001"``), or once on the rest of that line (``--port 8001`` of a
command, ``http://localhost:8001`` of a URL). Anything else is refused (the file changed since the
scan, or the place is ambiguous). Comments, quotes and layout are kept: nothing outside the value's
characters changes.
"""

from __future__ import annotations

import re

QUOTES = "\"'`"
_WORD = r"[\w-]"


class Refused(Exception):
    """An edit that cannot be applied safely; the message says why."""


def line_starts(text: str) -> list[int]:
    """Offset of each line's first character (lines end at ``\\n``; a ``\\r`` before it stays in the line)."""
    starts = [0]
    starts.extend(m.end() for m in re.finditer("\n", text))
    return starts


def value_span(text: str, starts: list[int], line: int, column: int, old: str) -> tuple[int, int]:
    """The ``(start, end)`` character offsets of ``old`` written at ``line:column``; raises :class:`Refused`."""
    if not 1 <= line <= len(starts) or not old:
        raise Refused(f"line {line} is not in the file any more: not fixed")
    end_of_line = starts[line] - 1 if line < len(starts) else len(text)
    at = starts[line - 1] + column - 1
    if column < 1 or at > end_of_line:
        raise Refused(f"column {column} is past the end of line {line}: not fixed")
    if _token_at(text, at, old):
        return at, at + len(old)
    quoted = at < len(text) and text[at] in QUOTES
    if quoted and _token_at(text, at + 1, old) and text[at + 1 + len(old):at + 2 + len(old)] == text[at]:
        return at + 1, at + 1 + len(old)
    hits = [m.start() for m in re.finditer(rf"(?<!{_WORD}){re.escape(old)}(?!{_WORD})", text[at:end_of_line])]
    if len(hits) == 1:
        return at + hits[0], at + hits[0] + len(old)
    if not hits:
        raise Refused(f"{old} is no longer written at line {line} (the file changed since the scan): not fixed")
    raise Refused(f"{old} is written {len(hits)} times on line {line}: which one is meant is not known, not fixed")


def _token_at(text: str, at: int, old: str) -> bool:
    if not text.startswith(old, at):
        return False
    before = text[at - 1] if at > 0 else ""
    after = text[at + len(old)] if at + len(old) < len(text) else ""
    return not any(c and re.fullmatch(_WORD, c) for c in (before, after))


def apply_text(text: str, edits: list) -> tuple[str, list, list[tuple[object, str]]]:
    """Apply ``edits`` (objects with ``location``, ``old``, ``new``): ``(new text, applied, refused)``."""
    starts = line_starts(text)
    spans: list[tuple[int, int, object]] = []
    refused: list[tuple[object, str]] = []
    for edit in edits:
        try:
            start, end = value_span(text, starts, edit.location.line, edit.location.column, edit.old)
        except Refused as exc:
            refused.append((edit, str(exc)))
            continue
        spans.append((start, end, edit))
    spans.sort(key=lambda s: s[0])
    kept: list[tuple[int, int, object]] = []
    for span in spans:
        if kept and span[0] < kept[-1][1]:
            refused.append((span[2], "two edits overlap here: not fixed"))
            refused.append((kept.pop()[2], "two edits overlap here: not fixed"))
            continue
        kept.append(span)
    for start, end, edit in reversed(kept):
        text = text[:start] + edit.new + text[end:]
    return text, [s[2] for s in kept], refused
