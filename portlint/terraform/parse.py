"""HCL text → :class:`Body` with exact positions, through tree-sitter-hcl.

tree-sitter columns count bytes; every :class:`Location` here counts characters (1-based).
Where tree-sitter marks an ERROR or MISSING node, the error is recorded (line, column, what) and
the rest of the file is still read: :func:`parse` returns a :class:`Parsed` with both.

A file written only in plain line shapes (most of a module) is read from its lines instead
(:mod:`portlint.terraform.lines`), without tree-sitter.

This module reads the structure (blocks, labels, arguments); an argument's value, location and
source text are taken from the tree only when first read (:class:`_TreeAttr`), and converted by
:mod:`portlint.terraform.expressions`. Nesting deeper than :data:`MAX_NESTING` is not read.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from portlint.model import Location
from portlint.terraform import lines
from portlint.terraform.expressions import MAX_NESTING, Expressions, Source
from portlint.terraform.model import Attr, Block, Body, HclError, Node, Parsed

MAX_ERRORS = 3  # errors reported per file (the first usually explains the rest)

_PARSER = None


def _parser():
    global _PARSER
    if _PARSER is None:
        import tree_sitter
        import tree_sitter_hcl

        _PARSER = tree_sitter.Parser(tree_sitter.Language(tree_sitter_hcl.language()))
    return _PARSER


def parse(text: str, rel: str, keep: Callable[[list[str]], bool] | None = None) -> Parsed:
    """Parse HCL ``text`` of the file ``rel``. ``keep(words)`` (block type and labels) chooses the
    top-level blocks worth converting; the others are skipped (their errors still count).
    A file written only in plain line shapes is read from its lines (:mod:`portlint.terraform.lines`)."""
    plain = lines.read(text, rel, keep)
    if plain is not None:
        return Parsed(plain, [])
    return parse_tree(text, rel, keep)


def parse_tree(text: str, rel: str, keep: Callable[[list[str]], bool] | None = None) -> Parsed:
    """:func:`parse` through the syntax tree, whatever the file's shape."""
    src = text.encode("utf-8", "surrogatepass")
    tree = _parser().parse(src)
    source = Source(src, rel, text)
    root = tree.root_node
    errors = _errors(root, source) if root.has_error else []
    body_node = next((c for c in root.children if c.type == "body"), None)
    walker = _Walker(source)
    body = walker.body(body_node, keep, 0) if body_node is not None else Body()
    return Parsed(body, errors)


def parse_strict(text: str, rel: str) -> Body:
    """Parse, raising :class:`HclError` at the first error."""
    parsed = parse(text, rel)
    if parsed.errors:
        raise parsed.errors[0]
    return parsed.body


def _errors(root, source: Source) -> list[HclError]:
    """One error per top-level block (or stray text): the first one there, which usually
    explains the cascade that follows it."""
    found: dict[int, HclError] = {}
    tops = [c for c in root.children if c.type == "body"]
    spans = [(c.start_byte, c.end_byte) for t in tops for c in t.children] + [(c.start_byte, c.end_byte) for c in root.children if c.type != "body"]
    stack = [root]
    while stack and len(found) < MAX_ERRORS:
        node = stack.pop()
        if node.is_missing or node.type == "ERROR":
            owner = next((i for i, (a, b) in enumerate(spans) if a <= node.start_byte <= b), -1)
            if owner not in found:
                found[owner] = _error(node, source)
            continue
        if node.has_error:
            stack.extend(reversed(node.children))
    return sorted(found.values(), key=lambda e: (e.line, e.column))


def _error(node, source: Source) -> HclError:
    loc = source.loc(node)
    rest = source.src[node.start_byte:].decode("utf-8", "replace").lstrip()
    if node.type == "ERROR":
        rest = source.src[node.start_byte:node.end_byte].decode("utf-8", "replace").strip()
    first = rest.splitlines()[0][:30] if rest else ""
    what = f"unexpected {first!r}" if first else "unexpected end of file"
    return HclError(f"invalid HCL: {what}", loc.line, loc.column)


class _TreeAttr(Attr):
    """An argument read from the tree: ``node`` is the ``attribute`` node (name = expression).
    ``at``: where the expression starts in an ASCII file's text when the name, ``=`` and the
    expression share a line (-1 otherwise); a value in one of the quick forms is then read from
    the text without visiting the expression's syntax tree."""

    __slots__ = ("_node", "_expressions", "_depth", "_at")

    def __init__(self, name: str, node, expressions: Expressions, depth: int, at: int = -1) -> None:
        self.name, self._node, self._expressions, self._depth, self._at = name, node, expressions, depth, at
        self._value = self._loc = self._raw = None

    def _expression(self):
        node = self._node
        return node.child(node.child_count - 1)

    def _quick(self) -> bool:
        """Value and text from the text alone (tried once)."""
        at, self._at = self._at, -1
        if at < 0 or self._depth >= MAX_NESTING:
            return False
        node, expressions = self._node, self._expressions
        text = self._raw if self._raw is not None else expressions.source.chars[at:node.end_byte]  # type: ignore[index]
        row, column = node.start_point
        value = expressions.quick_text(text, Location(expressions.source.rel, row + 1, column + 1 + at - node.start_byte))
        if value is None:
            return False
        self._value, self._raw = value, text
        return True

    @property
    def value(self) -> Node:
        if self._value is None and not self._quick():
            self._value = self._expressions.expr(self._expression(), self._depth + 1)
        return self._value  # type: ignore[return-value]

    @property
    def loc(self) -> Location:
        if self._loc is None:
            self._loc = self._expressions.loc(self._node)
        return self._loc

    @property
    def raw(self) -> str:
        if self._raw is None:
            if self._at >= 0:
                self._raw = self._expressions.source.chars[self._at:self._node.end_byte]  # type: ignore[index]
            else:
                self._raw = self._expressions.text(self._expression())
        return self._raw  # type: ignore[return-value]


# an argument's name, and a block's type and labels, read from the text at the node's start
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_ATTR_HEAD = re.compile(r"([A-Za-z_][A-Za-z0-9_-]*)[ \t]*=[ \t]*(?=[^#/\s])")  # no comment before the value
_HEADER = re.compile(r'([A-Za-z_][A-Za-z0-9_-]*)((?:[ \t]+(?:"[^"\\{}\n]*"|[A-Za-z_][A-Za-z0-9_-]*))*)[ \t]*\{')
_LABEL = re.compile(r'"([^"]*)"|([A-Za-z_][A-Za-z0-9_-]*)')


class _Walker:
    """Blocks and arguments of one file."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.expressions = Expressions(source)
        self.chars = source.chars  # None unless byte offsets are character offsets

    def body(self, node, keep: Callable[[list[str]], bool] | None, depth: int) -> Body:
        out = Body()
        if node is None or depth > MAX_NESTING:
            return out
        chars, text = self.chars, self.source.text
        for child in node.children:
            kind = child.type
            if depth == 0 and child.has_error:
                continue  # a broken block is reported, not half-read; the others still are
            if kind == "attribute":
                at = -1
                head = _ATTR_HEAD.match(chars, child.start_byte) if chars is not None else None
                if head is not None:
                    attr_name, at = head.group(1), head.end()
                elif chars is not None and (name := _NAME.match(chars, child.start_byte)) is not None:
                    attr_name = name.group()
                elif child.child_count >= 3 and child.child(0).type == "identifier":
                    attr_name = text(child.child(0))
                else:
                    continue
                # inside a block read at all there is no error: an argument is name = expression
                if depth > 0 or child.child(child.child_count - 1).type == "expression":
                    out.attrs[attr_name] = _TreeAttr(attr_name, child, self.expressions, depth, at)
            elif kind == "block":
                block = self.block(child, keep, depth)
                if block is not None:
                    out.blocks.append(block)
        return out

    def block(self, node, keep: Callable[[list[str]], bool] | None, depth: int) -> Block | None:
        header = _HEADER.match(self.chars, node.start_byte) if self.chars is not None else None
        if header is not None:
            kind = header.group(1)
            written = header.group(2)
            labels = tuple(a or b for a, b in _LABEL.findall(written)) if written else ()
            if keep is not None and not keep([kind, *labels]):
                return None
            inner = node.child(node.child_count - 2) if node.child_count >= 2 else None
            if inner is None or inner.type != "body":  # an empty block, or a comment before "}"
                inner = next((c for c in node.children if c.type == "body"), None)
        else:
            children = node.children
            if not children or children[0].type != "identifier":
                return None
            labels = tuple(self.label(c) for c in children[1:] if c.type in ("string_lit", "identifier"))
            kind = self.source.text(children[0])
            if keep is not None and not keep([kind, *labels]):
                return None
            inner = next((c for c in children if c.type == "body"), None)
        return Block(kind, labels, self.body(inner, None, depth + 1), self.source.loc(node))

    def label(self, node) -> str:
        text = self.source.text(node)
        if node.type == "identifier":
            return text
        if len(text) >= 2 and text[0] == text[-1] == '"' and "\\" not in text and "{" not in text:
            return text[1:-1]
        return "".join(p for p in self.source.template_parts(node) if isinstance(p, str))
