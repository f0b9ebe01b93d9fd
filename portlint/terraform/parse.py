"""HCL text → :class:`Body` with exact positions, through tree-sitter-hcl.

tree-sitter columns count bytes; every :class:`Location` here counts characters (1-based).
Where tree-sitter marks an ERROR or MISSING node, the error is recorded (line, column, what) and
the rest of the file is still read: :func:`parse` returns a :class:`Parsed` with both.
Nesting deeper than :data:`MAX_NESTING` becomes an ``other`` node (never a RecursionError).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from portlint.model import Location
from portlint.terraform.model import Attr, Block, Body, HclError, Node, Parsed

MAX_NESTING = 120  # expression/block depth we convert; deeper parts stay ``other``
MAX_ERRORS = 3  # errors reported per file (the first usually explains the rest)

_BINARY = {"+", "-", "*", "/", "%", "==", "!=", "<", ">", "<=", ">=", "&&", "||"}
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
    top-level blocks worth converting; the others are skipped (their errors still count)."""
    src = text.encode("utf-8", "surrogatepass")
    tree = _parser().parse(src)
    walker = _Walker(src, rel, text)
    root = tree.root_node
    errors = _errors(root, walker) if root.has_error else []
    body_node = next((c for c in root.children if c.type == "body"), None)
    body = walker.body(body_node, keep, 0) if body_node is not None else Body()
    return Parsed(body, errors)


def parse_strict(text: str, rel: str) -> Body:
    """Parse, raising :class:`HclError` at the first error."""
    parsed = parse(text, rel)
    if parsed.errors:
        raise parsed.errors[0]
    return parsed.body


def _errors(root, walker: "_Walker") -> list[HclError]:
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
                found[owner] = _error(node, walker)
            continue
        if node.has_error:
            stack.extend(reversed(node.children))
    return sorted(found.values(), key=lambda e: (e.line, e.column))


def _error(node, walker: "_Walker") -> HclError:
    loc = walker.loc(node)
    rest = walker.src[node.start_byte:].decode("utf-8", "replace").lstrip()
    if node.type == "ERROR":
        rest = walker.src[node.start_byte:node.end_byte].decode("utf-8", "replace").strip()
    first = rest.splitlines()[0][:30] if rest else ""
    what = f"unexpected {first!r}" if first else "unexpected end of file"
    return HclError(f"invalid HCL: {what}", loc.line, loc.column)


class _Walker:
    """tree-sitter nodes → Body/Block/Node, positions in characters."""

    def __init__(self, src: bytes, rel: str, text: str) -> None:
        self.src, self.rel = src, rel
        self.ascii = src.isascii()
        self.chars = text if self.ascii else None  # byte offsets are character offsets
        self._line_starts: list[int] | None = None

    # -- positions and text -------------------------------------------------------------
    def loc(self, node) -> Location:
        row, column = node.start_point
        return Location(self.rel, row + 1, self._column(row, column))

    def _column(self, row: int, column: int) -> int:
        if self.ascii or column == 0:
            return column + 1
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

    # -- structure ----------------------------------------------------------------------
    def body(self, node, keep: Callable[[list[str]], bool] | None, depth: int) -> Body:
        out = Body()
        if node is None or depth > MAX_NESTING:
            return out
        for child in node.children:
            if depth == 0 and child.has_error:
                continue  # a broken block is reported, not half-read; the others still are
            if child.type == "attribute":
                attr = self.attribute(child, depth)
                if attr is not None:
                    out.attrs[attr.name] = attr
            elif child.type == "block":
                block = self.block(child, keep, depth)
                if block is not None:
                    out.blocks.append(block)
        return out

    def attribute(self, node, depth: int) -> Attr | None:
        children = node.children
        if len(children) < 3 or children[0].type != "identifier" or children[-1].type != "expression":
            return None
        expression = children[-1]
        return Attr(self.text(children[0]), None, self.loc(node), lambda: self.expr(expression, depth + 1),
                    self.text(expression))

    def block(self, node, keep: Callable[[list[str]], bool] | None, depth: int) -> Block | None:
        children = node.children
        if not children or children[0].type != "identifier":
            return None
        labels = tuple(self.label(c) for c in children[1:] if c.type in ("string_lit", "identifier"))
        kind = self.text(children[0])
        if keep is not None and not keep([kind, *labels]):
            return None
        inner = next((c for c in children if c.type == "body"), None)
        return Block(kind, labels, self.body(inner, None, depth + 1), self.loc(node))

    def label(self, node) -> str:
        text = self.text(node)
        if node.type == "identifier":
            return text
        if len(text) >= 2 and text[0] == text[-1] == '"' and "\\" not in text and "{" not in text:
            return text[1:-1]
        return "".join(p for p in self._template_parts(node) if isinstance(p, str))

    def _template_parts(self, node) -> list:
        """A quoted template's literal text (unescaped, spaces kept: the grammar drops spaces
        after an interpolation from its literal nodes) and its interpolation/directive nodes."""
        out: list = []
        pos = None
        for child in node.children:
            if child.type == "quoted_template_start":
                pos = child.end_byte
            elif child.type in ("template_interpolation", "template_directive", "quoted_template_end"):
                if pos is not None and child.start_byte > pos:
                    out.append(_unescape(self.src[pos:child.start_byte].decode("utf-8", "replace")))
                if child.type != "quoted_template_end":
                    out.append(child)
                pos = child.end_byte
        return out

    # -- expressions --------------------------------------------------------------------
    def expr(self, node, depth: int) -> Node:
        """An ``expression`` node (or any single expression-like node)."""
        if depth > MAX_NESTING:
            return Node("other", self.loc(node), self.text(node))
        if node.type == "expression":
            children = node.children
            if len(children) == 1:
                return self.primary(children[0], depth + 1)
            return self.term(children, depth)
        return self.term([node], depth)

    def term(self, children: list, depth: int) -> Node:
        """A primary followed by attribute, index and splat accesses."""
        children = [c for c in children if c.type != "comment"]
        if not children:
            return Node("other", Location(self.rel), "")
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
            if re.fullmatch(r"[0-9]+", text):
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
            value = "".join(p for p in self._template_parts(node) if isinstance(p, str))
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
        for child in self._template_parts(node):
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
        start = self.src.find(b"\n", node.start_byte)
        idents = [c for c in node.children if c.type == "heredoc_identifier"]
        end = idents[-1].start_byte if len(idents) >= 2 else node.end_byte
        end = self.src.rfind(b"\n", 0, end) + 1
        body = self.src[start + 1:end].decode("utf-8", "replace") if 0 <= start < end else ""
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


def _unescape(raw: str) -> str:
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
