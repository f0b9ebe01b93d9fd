"""Rendered output split into documents the way Helm splits it, as text YAML parsers agree with.

Helm does not hand a rendered template to a YAML stream parser: ``releaseutil.SplitManifests``
trims the output, cuts it with the regular expression ``(?:^|\\s*\\n)---\\s*`` and trims each
piece, then parses every piece as one document. So ``---`` glued to what follows (``---# note``,
``---apiVersion: v1``, which ``{{- if … -}}`` after a separator produces), content on the
separator's line, or an indented first line are all fine for Helm, while a YAML stream parser
reads them as a scalar or an error.

:func:`helm_documents` rewrites only those separators into the canonical ``---`` line followed
by the document at column 0, and moves the source map with the text, so every position still
names the template character that wrote it. Output that needs no rewrite is returned as is.
"""

from __future__ import annotations

import bisect
from dataclasses import replace

from portlint.helm.output import Rendered

_WS = "\t\n\f\r "  # Go's regexp \s (ASCII only)


def separators(text: str) -> list[tuple[int, int, int]]:
    """(start, dashes, end) of each match of Helm's ``(?:^|\\s*\\n)---\\s*`` in ``text``
    (trimmed as Helm trims it), leftmost first and not overlapping as Go's regexp finds them.

    A scan for ``---`` rather than the regular expression itself: the expression tries every
    white space run at every position (a tenth of a second on a long template)."""
    found: list[tuple[int, int, int]] = []
    size = len(text)
    last_end = 0
    dashes = text.find("---")
    while dashes >= 0:
        start = dashes
        while start > last_end and text[start - 1] in _WS:
            start -= 1
        if start == 0 or (dashes > last_end and text[dashes - 1] == "\n"):
            end = dashes + 3
            while end < size and text[end] in _WS:
                end += 1
            found.append((start, dashes, end))
            last_end = end
            dashes = text.find("---", end)
        else:
            dashes = text.find("---", dashes + 1)
    return found


def separator_edits(text: str) -> list[tuple[int, int, str]]:
    """(start, end, replacement) edits that make each Helm separator a YAML one.

    After each separator the next document must start on a new line at column 0 (Helm trims the
    document's leading white space); a separator not at column 0 (the output's first line,
    indented) is moved there."""
    body = text.rstrip(_WS)
    trailing = text[len(body):]
    if "---" not in text and not text.startswith(tuple(_WS)) and "\t" not in trailing and "\f" not in trailing:
        return []
    edits: list[tuple[int, int, str]] = []
    for start, dashes, tail_end in separators(text):
        head = text[start:dashes]
        line_start = text.rfind("\n", 0, dashes) + 1
        if "\t" in head or "\f" in head:  # white space YAML would not skip: Helm drops it
            edits.append((start, dashes, "\n" if start else ""))
        elif line_start < dashes:  # only at the output's start: white space before the dashes
            edits.append((line_start, dashes, ""))
        tail_start = dashes + 3
        if tail_end >= len(text):
            continue  # nothing follows: an empty document
        tail = text[tail_start:tail_end]
        newline = tail.rfind("\n")
        if newline < 0 or "\t" in tail or "\f" in tail:  # the document starts on the separator's line
            edits.append((tail_start, tail_end, "\n"))
        elif newline < len(tail) - 1:  # its first line is indented
            edits.append((tail_start + newline + 1, tail_end, ""))
    first = len(text) - len(text.lstrip(_WS))  # where the first document starts
    if body and not text.startswith("---", first):
        line_start = text.rfind("\n", 0, first) + 1
        if "\t" in text[:first] or "\f" in text[:first]:
            edits.append((0, first, ""))
        elif line_start < first:  # its first line is indented
            edits.append((line_start, first, ""))
    if "\t" in trailing or "\f" in trailing:  # Helm trims the output's end too
        edits.append((len(body), len(text), "\n" if body else ""))
    edits.sort()
    return edits


def helm_documents(rendered: Rendered) -> Rendered:
    """``rendered`` with its document separators as Helm reads them (see the module doc)."""
    if rendered.failed is not None:
        return rendered
    edits = separator_edits(rendered.text)
    if not edits:
        return rendered
    return _apply(rendered, edits)


def _apply(rendered: Rendered, edits: list[tuple[int, int, str]]) -> Rendered:
    """A copy of ``rendered`` with ``edits`` applied to its text and its source map."""
    text = rendered.text
    pieces: list[str] = []
    kept: list[tuple[int, int, int]] = []  # (old start, old end, new start) of unedited spans
    inserted: list[tuple[int, int]] = []  # (new start, old offset whose source it takes)
    old = new = 0
    for start, end, replacement in edits:
        if start < old:
            continue  # overlapping edits cannot happen; keep the first
        pieces.append(text[old:start])
        kept.append((old, start, new))
        new += start - old
        if replacement:
            inserted.append((new, end))
            pieces.append(replacement)
            new += len(replacement)
        old = end
    pieces.append(text[old:])
    kept.append((old, len(text), new))

    starts = [span[0] for span in kept]

    def moved(offset: int) -> int:
        """Where old ``offset`` is now (a deleted one: where its span was)."""
        index = max(bisect.bisect_right(starts, offset) - 1, 0)
        start, end, at = kept[index]
        return at + max(min(offset, end) - start, 0)

    out = replace(rendered, text="".join(pieces), chunks=_chunks(rendered, kept, inserted),
                  values=[(moved(s), moved(e), origin) for s, e, origin in rendered.values],
                  missing=[(moved(at), path) for at, path in rendered.missing],
                  unknown=[replace(u, start=moved(u.start), end=moved(u.end)) for u in rendered.unknown],
                  notes=list(rendered.notes))
    return out


def _chunks(rendered: Rendered, kept: list[tuple[int, int, int]],
            inserted: list[tuple[int, int]]) -> list:
    """The source map for the edited text: each kept span keeps its sources, and inserted text
    takes the source of the character that follows it (linear in the chunks)."""
    old_chunks = rendered.chunks
    count = len(old_chunks)
    out: list = []
    index = 0
    for start, end, at in kept:
        while index + 1 < count and old_chunks[index + 1][0] <= start:
            index += 1
        j = index
        while j < count:
            c_start, source, src, is_text = old_chunks[j]
            if c_start >= end and (j > index or c_start > start):
                break
            lo = max(c_start, start)
            out.append((at + lo - start, source, src + (lo - c_start) if is_text else src, is_text))
            j += 1
    starts = [c[0] for c in old_chunks]
    for at, old in inserted:
        found = bisect.bisect_right(starts, old) - 1
        if found >= 0:
            c_start, source, src, is_text = old_chunks[found]
            out.append((at, source, src + (old - c_start) if is_text else src, is_text))
    out.sort(key=lambda c: c[0])
    return out
