"""Plain HCL files read from their lines, without a syntax tree.

Most files of a Terraform module are written in four line shapes: a block header ending in ``{``,
``name = value`` where the value is one of the forms :meth:`Expressions.quick_text` reads from
text (a number, a plain string, a word, a dotted reference, a one-line template or tuple of
those), a lone ``}``, and blank or comment lines. tree-sitter spends ~1.6 M instructions on such
a file of 800 bytes; reading its lines costs a tenth of that. :func:`read` returns the same
:class:`Body` the tree walk of :mod:`portlint.terraform.parse` gives, or ``None`` as soon as a
line has any other shape (a multi-line value, a heredoc, a one-line block, a block comment, a
non-ASCII character, a control character…): the file is then parsed by tree-sitter, which also
reports the errors. A file read here has none: every line is valid HCL and the braces balance.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from portlint.model import Location
from portlint.terraform.expressions import Expressions, Source
from portlint.terraform.model import Attr, Block, Body, Node

MAX_DEPTH = 32  # deeper files are left to the tree walk (it bounds its own nesting)

# Only ASCII text is matched: \w is [A-Za-z0-9_] there (and compiles in half the time). Every
# repetition is possessive and the value's forms are one atomic choice (they are told apart by
# their first character, and a string and a template end at the same quote): a line is matched
# in one pass, never backtracked into, whatever its length (a line of 2,000 spaces and a stray
# word took 40 s with plain repetitions).
_WORD = r"[^\W\d][\w-]*+"
_DOTTED_WORDS = rf"{_WORD}(?:\.{_WORD})*+"
_STRING = r'"[^"\\{}\n]*+"'
_TEMPLATE = r'"(?:[^"\\$%{}\n]++|[$%](?![{$%])|\$\{' + _DOTTED_WORDS + r'\})*+"'
_ITEM = r'(?:[0-9]++|"[^"\\{}\n]*+"|' + _DOTTED_WORDS + ")"
_TUPLE = r"\[[ \t]*+(?:" + _ITEM + r"(?:[ \t]*+,[ \t]*+" + _ITEM + r")*+[ \t]*+,?[ \t]*+)?\]"
# a value :meth:`Expressions.quick_text` reads (the same expressions)
_VALUE = f"(?>{_STRING}|{_TEMPLATE}|{_TUPLE}|[0-9]++|{_DOTTED_WORDS})"
# one line: an argument, a block header, a lone "}", or nothing (the shapes exclude each other);
# then an optional comment after a space or tab (or alone on its line)
_LINE = re.compile(
    r"([ \t]*+)(?:(" + _WORD + r")[ \t]*+=[ \t]*+(" + _VALUE + r")"
    r"|(\})"
    r"|(" + _WORD + r")((?:[ \t]++(?:" + _STRING + "|" + _WORD + r"))*+)[ \t]*+\{)?"
    r"[ \t]*+(?:\n|\Z|(?:(?<=[ \t])|(?<![^\n]))(?:#|//)[^\n]*+(?:\n|\Z))")
_ARGUMENT, _CLOSE, _HEADER = 3, 4, 6  # the line's last matched group (1: nothing but a comment)
_LABEL = re.compile(r'"([^"]*)"|(' + _WORD + ")")
# words the grammar reads as keywords: a file using one as a name or a value goes to tree-sitter
_KEYWORDS = frozenset({"for", "in", "if", "else", "endif", "endfor"})
_UNUSUAL = re.compile(r"[^\t\n\x20-\x7e]")  # control characters, non-ASCII


class _LineAttr(Attr):
    """An argument read from its line: value and location made on first read."""

    __slots__ = ("_expressions", "_line", "_column", "_at")

    def __init__(self, name: str, raw: str, expressions: Expressions, line: int, column: int, at: int) -> None:
        self.name, self._raw, self._expressions, self._line, self._column, self._at = \
            name, raw, expressions, line, column, at
        self._value = self._loc = None

    @property
    def value(self) -> Node:
        if self._value is None:
            expressions = self._expressions
            self._value = expressions.quick_text(self._raw, Location(expressions.source.rel, self._line, self._at))
        return self._value  # type: ignore[return-value]

    @property
    def loc(self) -> Location:
        if self._loc is None:
            self._loc = Location(self._expressions.source.rel, self._line, self._column)
        return self._loc


def read(text: str, rel: str, keep: Callable[[list[str]], bool] | None = None) -> Body | None:
    """The body of an ASCII file written only in the plain line shapes, else ``None``."""
    if not text.isascii() or _UNUSUAL.search(text) is not None:
        return None
    expressions = Expressions(Source(text.encode("ascii"), rel, text))
    root = Body()
    stack: list[Body | None] = [root]  # None: inside a top-level block ``keep`` refused
    pos, end, line = 0, len(text), 0
    match_line = _LINE.match
    while True:
        match = match_line(text, pos)
        if match is None:
            return None
        line += 1
        pos = match.end()
        shape = match.lastindex
        if shape == _ARGUMENT:
            name, raw = match.group(2, 3)
            if name in _KEYWORDS or raw in _KEYWORDS:
                return None
            parent = stack[-1]
            if parent is not None:
                parent.attrs[name] = _LineAttr(name, raw, expressions, line, len(match.group(1)) + 1,
                                               match.start(3) - match.start() + 1)
        elif shape == _HEADER:
            kind, written = match.group(5, 6)
            if kind in _KEYWORDS or len(stack) > MAX_DEPTH:
                return None
            found = _LABEL.findall(written) if written else ()
            if any(word in _KEYWORDS for _, word in found):
                return None
            labels = tuple(a or b for a, b in found)
            parent = stack[-1]
            if parent is None or (len(stack) == 1 and keep is not None and not keep([kind, *labels])):
                stack.append(None)
                continue
            body = Body()
            parent.blocks.append(Block(kind, labels, body, Location(rel, line, len(match.group(1)) + 1)))
            stack.append(body)
        elif shape == _CLOSE:
            if len(stack) == 1:
                return None
            stack.pop()
        if pos >= end:
            break
    if pos != end or len(stack) != 1:
        return None
    return root
