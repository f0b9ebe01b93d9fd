"""tree-sitter-hcl expression nodes → :class:`Node`, with exact positions.

:class:`Source` turns tree-sitter's byte positions into character :class:`Location` objects and
slices the text; :class:`Expressions` converts one expression (recursively, bounded by
:data:`MAX_NESTING`: deeper parts stay ``other``). The forms most arguments are written in (a
number, a plain string, ``true``, a dotted reference) are recognised from their text alone,
without walking their syntax tree.
"""

from __future__ import annotations

import re

from portlint.model import Location
from portlint.terraform.model import Node

MAX_NESTING = 120  # expression/block depth we convert; deeper parts stay ``other``

_BINARY = {"+", "-", "*", "/", "%", "==", "!=", "<", ">", "<=", ">=", "&&", "||"}
# forms read from the text alone (the same nodes the tree walk gives)
_INT = re.compile(r"[0-9]+")
_PLAIN_STRING = re.compile(r'"[^"\\{}\n]*"')
_DOTTED = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z_][A-Za-z0-9_-]*)*")
_LITERAL_WORDS = {"true": ("bool", True), "false": ("bool", False), "null": ("null", None)}
# one-line forms read from the text when the file is ASCII (columns are offsets): a template whose
# interpolations are dotted references, a tuple of numbers, plain strings and dotted references
_DOTTED_TEXT = r"[A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z_][A-Za-z0-9_-]*)*"
_SIMPLE_TEMPLATE = re.compile(r'"(?:[^"\\$%{}\n]|[$%](?![{$%])|\$\{' + _DOTTED_TEXT + r'\})*"')
_INTERPOLATION = re.compile(r"\$\{(" + _DOTTED_TEXT + r")\}")
_ITEM_TEXT = r'(?:[0-9]+|"[^"\\{}\n]*"|' + _DOTTED_TEXT + ")"
# possessive: adjacent blank runs made a tuple with thousands of spaces before a non-item quadratic
_SIMPLE_TUPLE = re.compile(r"\[[ \t]*+(?:" + _ITEM_TEXT + r"(?:[ \t]*+,[ \t]*+" + _ITEM_TEXT + r")*+[ \t]*+,?[ \t]*+)?\]")
_ITEM = re.compile(_ITEM_TEXT)


class Source:
    """One file's bytes: positions in characters (1-based) and text slices."""

    __slots__ = ("src", "rel", "chars", "_line_starts")

    def __init__(self, src: bytes, rel: str, text: str) -> None:
        self.src, self.rel = src, rel
        self.chars = text if src.isascii() else None  # byte offsets are character offsets
        self._line_starts: list[int] | None = None

    def loc(self, node) -> Location:
        row, column = node.start_point
        if self.chars is not None or column == 0:
            return Location(self.rel, row + 1, column + 1)
        return Location(self.rel, row + 1, self._column(row, column))

    def _column(self, row: int, column: int) -> int:
        if self._line_starts is None:
            starts = [0]
            starts.extend(m.end() for m in re.finditer(b"\n", self.src))
            self._line_starts = starts
        start = self._line_starts[row] if row < len(self._line_starts) else 0
        return len(self.src[start:start + column].decode("utf-8", "replace")) + 1

    def text(self, first, last=None) -> str:
        if self.chars is not None:
            return self.chars[first.start_byte:(last or first).end_byte]
        return self.src[first.start_byte:(last or first).end_byte].decode("utf-8", "replace")

    def template_parts(self, node) -> list:
        """A quoted template's literal text (unescaped, spaces kept: the grammar drops spaces
        after an interpolation from its literal nodes) and its interpolation/directive nodes."""
        out: list = []
        pos = None
        for child in node.children:
            if child.type == "quoted_template_start":
                pos = child.end_byte
            elif child.type in ("template_interpolation", "template_directive", "quoted_template_end"):
                if pos is not None and child.start_byte > pos:
                    out.append(unescape(self.src[pos:child.start_byte].decode("utf-8", "replace")))
                if child.type != "quoted_template_end":
                    out.append(child)
                pos = child.end_byte
        return out


class Expressions:
    """Converts expression nodes of one file."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.loc, self.text = source.loc, source.text

    def expr(self, node, depth: int) -> Node:
        """An ``expression`` node (or any single expression-like node)."""
        if depth > MAX_NESTING:
            return Node("other", self.loc(node), self.text(node))
        if node.type == "expression":
            quick = self.quick(node)
            if quick is not None:
                return quick
            children = node.children
            if len(children) == 1:
                return self.primary(children[0], depth + 1)
            return self.term(children, depth)
        return self.term([node], depth)

    def quick(self, node) -> Node | None:
        """A number, a plain string, a literal word or a dotted reference, from its text (and on
        one line of an ASCII file, a simple template or tuple of those)."""
        return self.quick_text(self.text(node), None, node)

    def quick_text(self, text: str, loc: Location | None, node=None) -> Node | None:
        """:meth:`quick` on the expression ``text`` written at ``loc`` (or at ``node``)."""
        first = text[:1]
        if first == '"':
            if _PLAIN_STRING.fullmatch(text):
                return Node("str", loc or self.loc(node), text, text[1:-1])
            if self.source.chars is not None and _SIMPLE_TEMPLATE.fullmatch(text):
                return self._template_text(loc or self.loc(node), text)
        elif first == "[":
            if self.source.chars is not None and _SIMPLE_TUPLE.fullmatch(text):
                return self._tuple_text(loc or self.loc(node), text)
        elif first.isdigit():
            if _INT.fullmatch(text):
                return Node("int", loc or self.loc(node), text, int(text))
        elif text in _LITERAL_WORDS:
            kind, value = _LITERAL_WORDS[text]
            return Node(kind, loc or self.loc(node), text, value)
        elif _DOTTED.fullmatch(text):
            return Node("ref", loc or self.loc(node), text, items=tuple(text.split(".")))
        return None

    def _template_text(self, loc: Location, text: str) -> Node:
        parts: list = []
        pos = 1
        for match in _INTERPOLATION.finditer(text, 1, len(text) - 1):
            if match.start() > pos:
                parts.append(text[pos:match.start()])
            ref = match.group(1)
            parts.append(Node("ref", Location(loc.path, loc.line, loc.column + match.start(1)), ref,
                              items=tuple(ref.split("."))))
            pos = match.end()
        if pos < len(text) - 1:
            parts.append(text[pos:len(text) - 1])
        return Node("template", loc, text, items=tuple(parts))

    def _tuple_text(self, loc: Location, text: str) -> Node:
        items = []
        for match in _ITEM.finditer(text, 1, len(text) - 1):
            item = match.group()
            at = Location(loc.path, loc.line, loc.column + match.start())
            if item[0] == '"':
                items.append(Node("str", at, item, item[1:-1]))
            elif item[0].isdigit():
                items.append(Node("int", at, item, int(item)))
            elif item in _LITERAL_WORDS:
                kind, value = _LITERAL_WORDS[item]
                items.append(Node(kind, at, item, value))
            else:
                items.append(Node("ref", at, item, items=tuple(item.split("."))))
        return Node("tuple", loc, text, items=tuple(items))

    def term(self, children: list, depth: int) -> Node:
        """A primary followed by attribute, index and splat accesses."""
        children = [c for c in children if c.type != "comment"]
        if not children:
            return Node("other", Location(self.source.rel), "")
        first = children[0]
        if first.type == "(":
            close = next((i for i, c in enumerate(children) if c.type == ")"), len(children))
            inner = next((c for c in children[1:close] if c.is_named), None)
            base = self.expr(inner, depth + 1) if inner is not None else Node("other", self.loc(first), "")
            rest = children[close + 1:]
            if not rest:
                return base
        else:
            base = self.primary(first, depth + 1)
            rest = children[1:]
        if not rest:
            return base
        return self.postfix(base, rest, children, depth)

    def postfix(self, base: Node, rest: list, children: list, depth: int) -> Node:
        """Accesses before a splat extend the base; the ones after it apply to every element."""
        loc = self.loc(children[0])
        before: list = []
        after: list = []
        splat_at = None
        for i, child in enumerate(rest):
            if child.type == "splat":
                splat_at = i if splat_at is None else splat_at
                for inner in child.children[0].children if child.children else ():
                    after.extend(self.access(inner, depth))
            elif splat_at is None:
                before.extend(self.access(child, depth))
            else:
                after.extend(self.access(child, depth))
        end = rest[splat_at - 1] if splat_at else None
        head = base
        if before:
            text = self.text(children[0], end or children[-1])
            if base.kind == "ref":
                head = Node("ref", loc, text, items=(*base.items, *before))
            else:
                head = Node("index", loc, text, items=(base, *before))
        if splat_at is None:
            return head
        return Node("splat", loc, self.text(children[0], children[-1]), items=(head, *after))

    def access(self, node, depth: int) -> list:
        if node.type == "get_attr":
            name = next((c for c in node.children if c.type == "identifier"), None)
            return [self.text(name)] if name is not None else []
        if node.type == "index":
            inner = node.children[0] if node.children else None
            if inner is None:
                return []
            if inner.type == "legacy_index":
                digits = self.text(inner).lstrip(".")
                value = int(digits) if digits.isdigit() else digits
                return [Node("int", self.loc(inner), digits, value)]
            key = next((c for c in inner.children if c.type == "expression"), None)
            return [self.expr(key, depth + 1)] if key is not None else []
        return []

    def primary(self, node, depth: int) -> Node:
        kind = node.type
        loc = self.loc(node)
        if kind == "literal_value":
            return self.literal(node.children[0] if node.children else node, loc)
        if kind == "variable_expr":
            return Node("ref", loc, self.text(node), items=(self.text(node),))
        if kind == "collection_value":
            return self.collection(node.children[0], depth) if node.children else Node("other", loc, self.text(node))
        if kind == "template_expr":
            return self.template(node.children[0], loc, depth) if node.children else Node("other", loc, "")
        if kind == "function_call":
            return self.call(node, loc, depth)
        if kind == "operation":
            return self.operation(node.children[0], depth) if node.children else Node("other", loc, "")
        if kind == "conditional":
            return self.conditional(node, depth)
        if kind == "for_expr":
            return self.for_expr(node.children[0], loc, depth) if node.children else Node("other", loc, "")
        if kind == "expression":
            return self.expr(node, depth)
        if kind in ("string_lit", "numeric_lit", "bool_lit", "null_lit"):
            return self.literal(node, loc)
        return Node("other", loc, self.text(node))

    def conditional(self, node, depth: int) -> Node:
        """``a ? b : c ? d : e`` is ``a ? b : (c ? d : e)``; the grammar nests it to the left, so
        the chain is flattened and rebuilt to the right."""
        chain: list = []  # condition, result, condition, result, …, otherwise
        current = node
        while True:
            parts = [c for c in current.children if c.type == "expression"]
            if len(parts) != 3:
                return Node("other", self.loc(node), self.text(node))
            head = [c for c in parts[0].children if c.type != "comment"]
            chain[:0] = [parts[1], parts[2]]
            if len(head) == 1 and head[0].type == "conditional":
                current = head[0]
                continue
            chain.insert(0, parts[0])
            break
        result = self.expr(chain[-1], depth + 1)
        for i in range(len(chain) - 3, -1, -2):
            start = chain[i]
            result = Node("cond", self.loc(start), self.text(start, chain[-1]),
                          items=(self.expr(start, depth + 1), self.expr(chain[i + 1], depth + 1), result))
        return result

    def literal(self, node, loc: Location) -> Node:
        text = self.text(node)
        kind = node.type
        if kind == "numeric_lit":
            if _INT.fullmatch(text):
                return Node("int", loc, text, int(text))
            try:
                return Node("float", loc, text, float(text))
            except ValueError:
                return Node("other", loc, text)
        if kind == "bool_lit":
            return Node("bool", loc, text, text == "true")
        if kind == "null_lit":
            return Node("null", loc, text)
        if kind == "string_lit":
            if len(text) >= 2 and text[0] == text[-1] == '"' and "\\" not in text and "{" not in text:
                return Node("str", loc, text, text[1:-1])  # the common case, without walking the children
            value = "".join(p for p in self.source.template_parts(node) if isinstance(p, str))
            return Node("str", loc, text, value)
        return Node("other", loc, text)

    def collection(self, node, depth: int) -> Node:
        loc, text = self.loc(node), self.text(node)
        if node.type == "tuple":
            return Node("tuple", loc, text, items=tuple(self.expr(c, depth + 1) for c in node.children if c.type == "expression"))
        if node.type == "object":
            items = []
            for elem in node.children:
                if elem.type != "object_elem":
                    continue
                exprs = [c for c in elem.children if c.type == "expression"]
                if len(exprs) == 2:
                    items.append(self.object_elem(exprs[0], exprs[1], depth))
            return Node("object", loc, text, items=tuple(items))
        return Node("other", loc, text)

    def object_elem(self, key_node, value_node, depth: int) -> tuple[str, Location, Node]:
        key_expr = self.expr(key_node, depth + 1)
        if key_expr.kind == "ref" and len(key_expr.items) == 1:
            key = key_expr.items[0]
        elif key_expr.kind == "str":
            key = key_expr.value
        else:
            key = key_expr.text
        return key, self.loc(key_node), self.expr(value_node, depth + 1)

    def call(self, node, loc: Location, depth: int) -> Node:
        name_node = next((c for c in node.children if c.type == "identifier"), None)
        args = next((c for c in node.children if c.type == "function_arguments"), None)
        items = tuple(self.expr(a, depth + 1) for a in args.children if a.type == "expression") if args is not None else ()
        expanded = args is not None and any(a.type == "ellipsis" for a in args.children)
        return Node("call", loc, self.text(node), self.text(name_node) if name_node is not None else "",
                    items + (("...",) if expanded else ()))

    def operation(self, node, depth: int) -> Node:
        loc, text = self.loc(node), self.text(node)
        children = [c for c in node.children if c.type != "comment"]
        if node.type == "unary_operation" and children:
            kind = "neg" if children[0].type == "-" else "not"
            return Node(kind, loc, text, items=(self.term(children[1:], depth + 1),))
        if node.type == "binary_operation":
            split = _operator_index(children)
            if split is not None:
                left = self.term(children[:split], depth + 1)
                right = self.term(children[split + 1:], depth + 1)
                return Node("binop", loc, text, children[split].type, (left, right))
        return Node("other", loc, text)

    def template(self, node, loc: Location, depth: int) -> Node:
        text = self.text(node)
        if node.type == "heredoc_template":
            return self.heredoc(node, loc, text)
        parts: list = []
        for child in self.source.template_parts(node):
            if isinstance(child, str):
                if parts and isinstance(parts[-1], str):
                    parts[-1] += child
                else:
                    parts.append(child)
            elif child.type == "template_interpolation":
                inner = next((c for c in child.children if c.type == "expression"), None)
                if inner is None:
                    return Node("other", loc, text)
                parts.append(self.expr(inner, depth + 1))
            else:
                return Node("other", loc, text)  # %{ if } … never resolved
        if all(isinstance(p, str) for p in parts):
            return Node("str", loc, text, "".join(parts))
        return Node("template", loc, text, items=tuple(parts))

    def heredoc(self, node, loc: Location, text: str) -> Node:
        """The body between the opening line and the closing marker's line, as written."""
        src = self.source.src
        start = src.find(b"\n", node.start_byte)
        idents = [c for c in node.children if c.type == "heredoc_identifier"]
        end = idents[-1].start_byte if len(idents) >= 2 else node.end_byte
        end = src.rfind(b"\n", 0, end) + 1
        body = src[start + 1:end].decode("utf-8", "replace") if 0 <= start < end else ""
        return Node("heredoc", Location(loc.path, loc.line + 1, 1), text, body)

    def for_expr(self, node, loc: Location, depth: int) -> Node:
        text = self.text(node)
        intro = next((c for c in node.children if c.type == "for_intro"), None)
        if intro is None:
            return Node("other", loc, text)
        names = [self.text(c) for c in intro.children if c.type == "identifier"]
        collection = next((c for c in intro.children if c.type == "expression"), None)
        exprs = [c for c in node.children if c.type == "expression"]
        cond_node = next((c for c in node.children if c.type == "for_cond"), None)
        cond_expr = next((c for c in cond_node.children if c.type == "expression"), None) if cond_node else None
        is_object = node.type == "for_object_expr"
        if collection is None or not names or len(exprs) != (2 if is_object else 1):
            return Node("other", loc, text)
        key_var, value_var = (names[0], names[1]) if len(names) > 1 else (None, names[0])
        grouped = any(c.type == "ellipsis" for c in node.children)
        key_expr = self.expr(exprs[0], depth + 1) if is_object else None
        value_expr = self.expr(exprs[-1], depth + 1)
        condition = self.expr(cond_expr, depth + 1) if cond_expr is not None else None
        return Node("for", loc, text, (key_var, value_var, "object" if is_object else "tuple", grouped),
                    (self.expr(collection, depth + 1), key_expr, value_expr, condition))


def _operator_index(children: list) -> int | None:
    """Where the binary operator sits among a binary_operation's children (not inside parentheses)."""
    depth = 0
    for i, child in enumerate(children):
        if child.type == "(":
            depth += 1
        elif child.type == ")":
            depth -= 1
        elif depth == 0 and i > 0 and not child.is_named and child.type in _BINARY:
            return i
    return None


_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}
_ESCAPE = re.compile(r"\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)|\$\$\{|%%\{")


def unescape(raw: str) -> str:
    """A quoted template literal's text: backslash escapes, ``$${`` → ``${``, ``%%{`` → ``%{``."""
    if "\\" not in raw and "{" not in raw:
        return raw

    def one(match: re.Match) -> str:
        whole = match.group(0)
        if whole in ("$${", "%%{"):
            return whole[1:]
        code = match.group(1)
        if code[0] in "uU" and len(code) > 1:
            try:
                return chr(int(code[1:], 16))
            except ValueError:
                return whole
        return _ESCAPES.get(code, code)

    return _ESCAPE.sub(one, raw)
