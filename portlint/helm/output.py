"""The output of a render and its source map: where each output character came from, which spans
are values-file values, missing ``.Values`` keys or unknown content, and the notes of the render."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from typing import Any

from portlint.helm import parser as P

MAX_OUTPUT = 8_000_000
PLACEHOLDER = "__portlint_unknown_{}__"
_NINDENT = re.compile(r"\|\s*nindent\s+[^|]*$")  # a pipeline whose output starts a new line


class _Abort(Exception):
    """A limit was hit: the whole render stops (the output so far is kept)."""


@dataclass(frozen=True)
class Note:
    """Something the renderer could not do: in ``template`` (a source name) at ``line``."""

    template: str
    line: int
    message: str
    function: str | None = None


@dataclass
class Unknown:
    """An output span (or, when ``block`` is True, a place) whose content is unknown."""

    start: int
    end: int
    source: str
    offset: int
    expr: str
    block: bool


@dataclass
class Rendered:
    """A rendered file: its text and source map."""

    name: str
    text: str = ""
    chunks: list[tuple[int, P.Source, int, bool]] = field(default_factory=list)  # (out, source, src offset, text?)
    values: list[tuple[int, int, Any]] = field(default_factory=list)  # (start, end, origin Location)
    missing: list[tuple[int, str]] = field(default_factory=list)  # (out offset, ".Values.a.b")
    unknown: list[Unknown] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    failed: Note | None = None  # the file did not parse or the render was stopped

    def position(self, offset: int) -> tuple[str, int, int]:
        """(source name, 1-based line, 1-based column) that produced output ``offset``."""
        index = bisect.bisect_right(self.chunks, (offset, _MAX_KEY)) - 1
        if index < 0:
            return self.name, 1, 1
        start, source, src, is_text = self.chunks[index]
        line, column = source.line_col(src + (offset - start) if is_text else src)
        return source.name, line, column


class _MaxKey:
    def __lt__(self, other: object) -> bool:
        return False

    def __gt__(self, other: object) -> bool:
        return True


_MAX_KEY = _MaxKey()


class _Out:
    """The output being written, and its source map."""

    def __init__(self, result: Rendered | None) -> None:
        self.parts: list[str] = []
        self.size = 0
        self.result = result  # None while capturing an include: no source map needed
        self.unknown_seen = False  # while capturing: part of the text is unknown, so all of it is
        self.origins: list[tuple[str, Any]] = []  # values written (a capture of just one keeps its origin)

    def text(self, text: str, source: P.Source, offset: int) -> None:
        if self.result is not None:
            self.result.chunks.append((self.size, source, offset, True))
        self._write(text)

    def value(self, text: str, source: P.Source, offset: int, origin: Any, missing: str | None) -> None:
        if origin is not None and text:
            self.origins.append((text, origin))
        result = self.result
        if result is not None:
            result.chunks.append((self.size, source, offset, False))
            if origin is not None and text:
                result.values.append((self.size, self.size + len(text), origin))
            if missing is not None:
                result.missing.append((self.size, missing))
        self._write(text)

    def unknown(self, source: P.Source, offset: int, expr: str, block: bool, indent: int = 0,
                trim_right: bool = False, line_end: bool = False) -> None:
        """An unknown action: inline, a placeholder; alone on its line (``block``), a comment line
        in its place, so that readers see where unknown content would go and at which indent."""
        if self.result is None:
            self.unknown_seen = True
            return
        result = self.result
        tail = self._line_tail()
        opens_block = tail.endswith(":") or tail.rstrip(" ").endswith(":") and _NINDENT.search(expr)
        if not block and line_end and opens_block:
            # ``key: {{- include … | nindent 4 }}`` (trimmed up to the colon), or ``key: {{ … |
            # nindent 4 }}`` (whose output starts a new line): the key's whole value is unknown, and
            # a placeholder glued to the colon would not be YAML
            block, indent = True, len(tail) - len(tail.lstrip(" ")) + 2
        if block:
            lead = "" if not tail.strip(" \t") else "\n" + " " * indent
            text = lead + "#" + ("\n" if trim_right else "")
            start = self.size + len(lead)
        else:
            text = PLACEHOLDER.format(len(result.unknown))
            start = self.size
        result.chunks.append((self.size, source, offset, False))
        result.unknown.append(Unknown(start, start + (1 if block else len(text)), source.name, offset, expr, block))
        self._write(text)

    def _line_tail(self) -> str:
        """The output written so far on the current line."""
        pieces: list[str] = []
        for part in reversed(self.parts):
            cut = part.rfind("\n")
            pieces.append(part[cut + 1:])
            if cut >= 0 or len(pieces) > 50:
                break
        return "".join(reversed(pieces))

    def _write(self, text: str) -> None:
        if text:
            self.size += len(text)
            if self.size > MAX_OUTPUT:
                raise _Abort(f"output over {MAX_OUTPUT} characters")
            self.parts.append(text)

    def getvalue(self) -> str:
        return "".join(self.parts)
