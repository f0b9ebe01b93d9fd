"""python-hcl2 as a differential oracle for portlint's tree-sitter HCL parser (tests only).

The converter turns python-hcl2's raw Lark tree (which has positions) into the same
Body/Block/Node model as :mod:`portlint.terraform.parse`, so both can be compared value by value
and position by position. It is slow (Lark) and lives here, not in the product.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from portlint.model import Location
from portlint.terraform.model import Attr, Block, Body, HclError, Node

# -- the parser and its grammar cache ----------------------------------------------------------

_PARSER_READY = False


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "portlint"


def _hcl2():
    """Import python-hcl2 lazily and point its grammar cache at a user folder (once)."""
    global _PARSER_READY
    import hcl2
    import hcl2.parser

    if not _PARSER_READY:
        _PARSER_READY = True
        version = getattr(hcl2, "__version__", "unknown")
        folder = _cache_dir()
        try:
            folder.mkdir(parents=True, exist_ok=True)
            if os.access(folder, os.W_OK):
                hcl2.parser.PARSER_FILE = folder / f"hcl2-{version}-grammar.lark.bin"
        except OSError:
            pass  # keep the library's default; Lark rebuilds the grammar if it cannot cache it
    return hcl2


def parse(text: str, rel: str) -> Body:
    """Parse HCL ``text`` of the file ``rel``; raises :class:`HclError`."""
    hcl2 = _hcl2()
    from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

    try:
        tree = hcl2.parses_to_tree(text)
    except UnexpectedCharacters as exc:
        raise HclError(f"invalid HCL: unexpected character {exc.char!r}", exc.line, exc.column) from None
    except UnexpectedToken as exc:
        lines = str(exc.token).strip().splitlines()
        token = lines[0][:30] if lines else exc.token.type
        raise HclError(f"invalid HCL: unexpected {token!r}", max(exc.line, 1), max(exc.column, 1)) from None
    except UnexpectedEOF:
        raise HclError("invalid HCL: unexpected end of file", text.count("\n") + 1, 1) from None
    except UnexpectedInput as exc:
        raise HclError(f"invalid HCL: {str(exc).splitlines()[0]}", max(exc.line, 1), max(exc.column, 1)) from None
    except LarkError as exc:
        raise HclError(f"invalid HCL: {str(exc).splitlines()[0]}") from None
    except RecursionError:
        raise HclError("invalid HCL: nesting too deep") from None
    try:
        return _Converter(text, rel).body(tree.children[0])
    except RecursionError:
        raise HclError("HCL nesting too deep to read") from None


class _Converter:
    """Raw Lark tree → Body/Block/Node, keeping positions and source text."""

    def __init__(self, text: str, rel: str) -> None:
        self.src, self.rel = text, rel

    def loc(self, tree) -> Location:
        meta = tree.meta if hasattr(tree, "meta") else None
        if meta is not None and not getattr(meta, "empty", True):
            return Location(self.rel, meta.line, meta.column)
        if hasattr(tree, "line") and tree.line is not None:  # a Token
            return Location(self.rel, tree.line, tree.column)
        return Location(self.rel)

    def text(self, tree) -> str:
        meta = getattr(tree, "meta", None)
        if meta is None or getattr(meta, "empty", True):
            return str(tree)
        return _TRAILING_COMMENT.sub("", self.src[meta.start_pos:meta.end_pos].rstrip())

    def body(self, tree) -> Body:
        out = Body()
        for child in _trees(tree):
            if child.data == "attribute":
                name = _name(child.children[0])
                out.attrs[name] = Attr(name, self.expr(child.children[-1]), self.loc(child))
            elif child.data == "block":
                out.blocks.append(self.block(child))
        return out

    def block(self, tree) -> Block:
        parts = _trees(tree)
        kind = _name(parts[0])
        labels = tuple(self.string_value(p) if p.data == "string" else _name(p)
                       for p in parts[1:] if p.data in ("string", "identifier", "keyword", "literal_value"))
        body = next((p for p in parts if p.data == "body"), None)
        return Block(kind, labels, self.body(body) if body is not None else Body(), self.loc(tree))

    def string_value(self, tree) -> str:
        node = self.expr(tree)
        return node.value if node.kind == "str" else node.text.strip('"')

    # -- expressions --------------------------------------------------------------------
    def expr(self, tree) -> Node:
        data = tree.data
        loc, text = self.loc(tree), self.text(tree)
        if data == "expr_term":
            inner = _trees(tree)
            if len(inner) == 1 and len(tree.children) == 1:
                return self.expr(inner[0])
            return self.expr(inner[0]) if inner else Node("other", loc, text)  # parentheses
        if data == "int_lit":
            return Node("int", loc, text, int(str(tree.children[0])))
        if data == "float_lit":
            return Node("float", loc, text, float(str(tree.children[0])))
        if data == "literal_value":
            word = str(tree.children[0])
            return Node("null", loc, text) if word == "null" else Node("bool", loc, text, word == "true")
        if data == "string":
            return self.string(tree, loc, text)
        if data in ("heredoc_template", "heredoc_template_trim"):
            return self.heredoc(tree, loc, text)
        if data == "tuple":
            return Node("tuple", loc, text, items=tuple(self.expr(c) for c in _trees(tree) if c.data != "new_line_or_comment"))
        if data == "object":
            return Node("object", loc, text, items=tuple(self.object_elem(c) for c in _trees(tree) if c.data == "object_elem"))
        if data == "function_call":
            parts = _trees(tree)
            name = "::".join(_name(p) for p in parts if p.data == "identifier")
            args = next((p for p in parts if p.data == "arguments"), None)
            items = tuple(self.expr(a) for a in _trees(args) if a.data != "new_line_or_comment") if args is not None else ()
            return Node("call", loc, text, name, items)
        if data in ("identifier", "get_attr_expr_term", "index_expr_term"):
            parts = self.traversal(tree)
            if parts is not None:
                return Node("ref", loc, text, items=tuple(parts))
        if data == "binary_op":
            term = next(c for c in _trees(tree) if c.data == "binary_term")
            operator = str(_trees(term)[0].children[0]).strip()
            right = next(c for c in _trees(term)[1:] if c.data != "new_line_or_comment")
            return Node("binop", loc, text, operator, (self.expr(tree.children[0]), self.expr(right)))
        if data == "unary_op":
            kind = "neg" if str(tree.children[0]) == "-" else "not"
            return Node(kind, loc, text, items=(self.expr(tree.children[1]),))
        if data == "conditional":
            parts = [c for c in _trees(tree) if c.data != "new_line_or_comment"]
            return Node("cond", loc, text, items=tuple(self.expr(p) for p in parts[:3]))
        return Node("other", loc, text)

    def traversal(self, tree) -> list | None:
        """``aws_lb.main.arn`` → ['aws_lb', 'main', 'arn']; an index becomes its Node."""
        if tree.data == "identifier":
            return [_name(tree)]
        if tree.data == "expr_term":
            inner = _trees(tree)
            return self.traversal(inner[0]) if len(inner) == 1 and len(tree.children) == 1 else None
        if tree.data == "get_attr_expr_term":
            base = self.traversal(tree.children[0])
            get_attr = tree.children[1]
            return None if base is None else [*base, _name(_trees(get_attr)[0])]
        if tree.data == "index_expr_term":
            base = self.traversal(tree.children[0])
            index = tree.children[1]
            if base is None:
                return None
            if index.data == "short_index":
                token = index.children[-1]
                return [*base, Node("int", self.loc(token), str(token), int(str(token)))]
            key = next(c for c in _trees(index) if c.data != "new_line_or_comment")
            return [*base, self.expr(key)]
        return None

    def object_elem(self, tree) -> tuple[str, Location, Node]:
        key_tree, value_tree = tree.children[0], tree.children[-1]
        key_inner = _trees(key_tree)[0]
        key_node = self.expr(key_inner) if key_inner.data != "keyword" else None
        if key_node is None:
            key = str(key_inner.children[0])
        elif key_node.kind == "ref" and len(key_node.items) == 1:
            key = key_node.items[0]
        elif key_node.kind == "str":
            key = key_node.value
        else:
            key = key_node.text
        return key, self.loc(key_tree), self.expr(value_tree)

    def string(self, tree, loc: Location, text: str) -> Node:
        parts: list = []
        literal = True
        for part in _trees(tree):
            child = part.children[0]
            if not hasattr(child, "data"):  # a token
                kind = child.type
                raw = str(child)
                chunk = _unescape(raw) if kind == "STRING_CHARS" else raw[1:]  # $${ → ${, %%{ → %{
                if parts and isinstance(parts[-1], str):
                    parts[-1] += chunk
                else:
                    parts.append(chunk)
            elif child.data == "interpolation":
                literal = False
                parts.append(self.expr(next(c for c in _trees(child))))
            else:  # template directives: %{ if } … never resolved
                return Node("other", loc, text)
        if literal:
            return Node("str", loc, text, "".join(parts))
        return Node("template", loc, text, items=tuple(parts))

    def heredoc(self, tree, loc: Location, text: str) -> Node:
        raw = str(tree.children[0])
        first_newline = raw.index("\n")
        body = raw[first_newline + 1:]
        body = body[:body.rstrip().rfind("\n") + 1] if "\n" in body.rstrip() else ""
        body_loc = Location(loc.path, loc.line + 1, 1)
        return Node("heredoc", body_loc, text, body)


def _trees(tree) -> list:
    return [c for c in tree.children if hasattr(c, "data")]


def _name(tree) -> str:
    if hasattr(tree, "data"):
        return str(tree.children[0])
    return str(tree)


_TRAILING_COMMENT = re.compile(r'[ \t]*(#|//)[^"\n]*$')
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}
_ESCAPE = re.compile(r"\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)")


def _unescape(raw: str) -> str:
    def one(match: re.Match) -> str:
        code = match.group(1)
        if code[0] in "uU" and len(code) > 1:
            return chr(int(code[1:], 16))
        return _ESCAPES.get(code, code)

    return _ESCAPE.sub(one, raw) if "\\" in raw else raw


