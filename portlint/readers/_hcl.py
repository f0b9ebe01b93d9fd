"""HCL for the Terraform reader: parse with exact positions, then resolve values the way Terraform would.

- :func:`parse` turns HCL text into :class:`Body` / :class:`Block` / :class:`Node` trees that keep a
  1-based line and *character* column for every expression (python-hcl2's raw Lark tree, which
  has positions; its dict API loses them). The Lark grammar cache goes to a user cache folder, not
  to site-packages.
- :class:`Module` collects what a Terraform module defines (variables, locals, resources, tfvars
  per environment); :class:`Evaluator` resolves ``var.x``, ``local.x``, ``aws_x.y.attr``,
  literals, string templates and a few pure functions. Anything else (module outputs, data
  sources, ``count.index``, most functions) stays :data:`UNKNOWN`: no value is ever guessed.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from portlint.model import Location

MAX_DEPTH = 40  # reference hops before we call it a cycle


class HclError(Exception):
    """Text that is not valid HCL; ``line``/``column`` are 1-based."""

    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.message, self.line, self.column = message, line, column


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


# -- skipping blocks that cannot matter -----------------------------------------------------------

_INTERESTING = re.compile(r'[#"{}<]|//|/\*')
_HEREDOC = re.compile(r"<<-?([A-Za-z_][A-Za-z0-9_-]*)\r?\n")
_HEADER_WORD = re.compile(r'"([^"]*)"|([A-Za-z_][A-Za-z0-9_-]*)')


def blank_blocks(text: str, keep) -> str:
    """``text`` with every top-level block for which ``keep(words)`` is false turned into spaces
    (newlines kept, so every position stays exact). ``words`` are the block's type and labels.
    Text that cannot be scanned comes back unchanged: the parser then sees all of it."""
    blocks = top_level_blocks(text)
    if not blocks:
        return text
    out: list[str] = []
    last = 0
    for start, end, words in blocks:
        if not words or keep(words):
            continue
        out.append(text[last:start])
        out.append(re.sub(r"[^\n]", " ", text[start:end]))
        last = end
    if not out:
        return text  # nothing blanked: the very same string, so callers can tell
    out.append(text[last:])
    return "".join(out)


def top_level_blocks(text: str) -> list[tuple[int, int, list[str]]] | None:
    """(start, end, header words) of every top-level ``type "label" … { … }`` block; a block
    header is the line its ``{`` opens on. ``None`` when braces, strings or comments do not close."""
    blocks: list[tuple[int, int, list[str]]] = []
    depth, header, pos = 0, 0, 0
    while True:
        match = _INTERESTING.search(text, pos)
        if match is None:
            return blocks if depth == 0 else None
        token, at = match.group(0), match.start()
        if token in ("#", "//"):
            pos = _line_end(text, at)
        elif token == "/*":
            close = text.find("*/", at + 2)
            pos = close + 2 if close >= 0 else -1
        elif token == '"':
            pos = _skip_string(text, at)
        elif token == "<":
            pos = _skip_heredoc(text, at)
        elif token == "{":
            if depth == 0:
                line = text.rfind("\n", 0, at) + 1
                header = line + len(text[line:at]) - len(text[line:at].lstrip())
            depth, pos = depth + 1, at + 1
        else:  # "}"
            depth, pos = depth - 1, at + 1
            if depth < 0:
                return None
            if depth == 0:
                head = text[header:text.find("{", header)]
                blocks.append((header, pos, [a or b for a, b in _HEADER_WORD.findall(head)] if "=" not in head else []))
        if pos < 0:
            return None


def _line_end(text: str, at: int) -> int:
    end = text.find("\n", at)
    return len(text) if end < 0 else end


def _skip_string(text: str, at: int) -> int:
    """Index after the string opening at ``at`` (nested ``${ … }`` included); -1 if unterminated."""
    i = at + 1
    while i < len(text):
        char = text[i]
        if char == "\\":
            i += 2
        elif char == '"':
            return i + 1
        elif char == "\n":
            return -1
        elif char in "$%" and text.startswith("{", i + 1) and not text.startswith(char, i - 1):
            i = _skip_template(text, i + 2)
            if i < 0:
                return -1
        else:
            i += 1
    return -1


def _skip_template(text: str, i: int) -> int:
    depth = 1
    while i < len(text):
        char = text[i]
        if char == '"':
            i = _skip_string(text, i)
            if i < 0:
                return -1
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return -1


def _skip_heredoc(text: str, at: int) -> int:
    match = _HEREDOC.match(text, at)
    if match is None:
        return at + 1
    end = re.compile(rf"^[ \t]*{re.escape(match.group(1))}[ \t]*\r?$", re.MULTILINE).search(text, match.end())
    return -1 if end is None else end.end()


# -- the tree ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Node:
    """One expression. ``kind``: int, float, str, bool, null, template, heredoc, ref, call, tuple,
    object, neg, not, cond, binop (``value`` is the operator) or other. ``value`` holds the literal (or the call's name); ``items`` the
    children: template parts (str or Node), ref traversal parts (str or index Node), call
    arguments, tuple elements, object entries ``(key, key location, Node)``."""

    kind: str
    loc: Location
    text: str
    value: Any = None
    items: tuple = ()


@dataclass(frozen=True)
class Attr:
    name: str
    value: Node
    loc: Location  # where the name is written


@dataclass
class Body:
    attrs: dict[str, Attr] = field(default_factory=dict)
    blocks: list["Block"] = field(default_factory=list)

    def blocks_of(self, block_type: str) -> list["Block"]:
        return [b for b in self.blocks if b.type == block_type]

    def first(self, block_type: str) -> "Block | None":
        found = self.blocks_of(block_type)
        return found[0] if found else None


@dataclass
class Block:
    type: str
    labels: tuple[str, ...]
    body: Body
    loc: Location  # where the block type is written


def parse(text: str, rel: str) -> Body:
    """Parse HCL ``text`` of the file ``rel``; raises :class:`HclError`."""
    deepest = nesting_depth(text)
    if deepest > MAX_NESTING:
        raise HclError(f"not read: brackets and blocks nest {deepest} levels deep, over the limit of {MAX_NESTING} "
                       "(the parser's time grows with depth)")
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


MAX_NESTING = 100  # HCL deeper than this is not parsed (real configurations stay under ten)
_NESTING_TOKENS = re.compile(r'"(?:[^"\\\n]|\\.)*"?|#[^\n]*|//[^\n]*|/\*(?:[^*]|\*(?!/))*(?:\*/)?|[{\[(]|[}\])]')


def nesting_depth(text: str) -> int:
    """The deepest nesting of ``{ [ (`` outside strings and comments: one linear pass, no parser."""
    depth = deepest = 0
    for match in _NESTING_TOKENS.finditer(text):
        token = match.group()
        if token in "{[(":
            depth += 1
            if depth > deepest:
                deepest = depth
        elif token in "}])":
            depth = max(depth - 1, 0)
    return deepest


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


# -- what a module defines ------------------------------------------------------------------


@dataclass
class Variable:
    name: str
    loc: Location
    default: Node | None = None
    type_text: str | None = None


@dataclass
class Resource:
    type: str
    name: str
    block: Block
    rel: str  # the file it is declared in

    @property
    def address(self) -> str:
        return f"{self.type}.{self.name}"


@dataclass
class Module:
    """Everything the files of one Terraform module folder define."""

    path: str  # folder relative to the scan root ("" for the root)
    variables: dict[str, Variable] = field(default_factory=dict)
    locals: dict[str, Node] = field(default_factory=dict)
    resources: dict[tuple[str, str], Resource] = field(default_factory=dict)
    always_vars: dict[str, Node] = field(default_factory=dict)  # terraform.tfvars, *.auto.tfvars
    env_vars: dict[str, dict[str, Node]] = field(default_factory=dict)  # dev.tfvars → {"dev": …}
    addresses: set[str] = field(default_factory=set)  # every resource address, parsed or not
    outputs: list[Node] = field(default_factory=list)  # the values of ``output`` blocks

    def add_file(self, body: Body, rel: str) -> None:
        for block in body.blocks:
            if block.type == "variable" and block.labels:
                self._add_variable(block)
            elif block.type == "locals":
                for name, attr in block.body.attrs.items():
                    self.locals[name] = attr.value
            elif block.type == "output" and "value" in block.body.attrs:
                self.outputs.append(block.body.attrs["value"].value)
            elif block.type == "resource" and len(block.labels) == 2:
                resource = Resource(block.labels[0], block.labels[1], block, rel)
                self.resources[(resource.type, resource.name)] = resource
                self.addresses.add(resource.address)

    def _add_variable(self, block: Block) -> None:
        attrs = block.body.attrs
        type_node = attrs["type"].value if "type" in attrs else None
        self.variables[block.labels[0]] = Variable(
            block.labels[0], block.loc, attrs["default"].value if "default" in attrs else None,
            type_node.text if type_node is not None else None)

    def add_tfvars(self, body: Body, environment: str | None) -> None:
        target = self.always_vars if environment is None else self.env_vars.setdefault(environment, {})
        for name, attr in body.attrs.items():
            target[name] = attr.value

    @property
    def environments(self) -> list[str]:
        return sorted(self.env_vars)


# -- values -----------------------------------------------------------------------------------

UNKNOWN: Any = type("Unknown", (), {"__repr__": lambda self: "UNKNOWN"})()


@dataclass(frozen=True)
class Val:
    """A value and where it comes from: ``sites[0]`` is where it is written at the use, the rest
    the definitions followed to get it (a local, a variable default, a tfvars line), nearest
    first. ``data`` is a scalar, a list of Val, a dict of str → Val, or :data:`UNKNOWN`."""

    data: Any
    text: str
    sites: tuple[Location, ...]

    @property
    def known(self) -> bool:
        return self.data is not UNKNOWN

    @property
    def is_scalar(self) -> bool:
        return self.known and not isinstance(self.data, (list, dict))

    def defined_at(self) -> tuple[Location, ...]:
        seen: list[Location] = []
        for site in self.sites[1:]:
            if site != self.sites[0] and site not in seen:
                seen.append(site)
        return tuple(seen)

    def via(self, site: Location, text: str) -> Val:
        return Val(self.data, text if not self.known else self.text, (site, *self.sites))

    def scalar_text(self) -> str:
        if isinstance(self.data, bool):
            return "true" if self.data else "false"
        if isinstance(self.data, float) and self.data.is_integer():
            return str(int(self.data))
        return str(self.data)


def unknown(node: Node) -> Val:
    return Val(UNKNOWN, node.text, (node.loc,))


_ROOTS_NEVER_RESOLVED = {"data", "module", "each", "count", "path", "terraform", "self"}


class Evaluator:
    """Resolve expressions of one module for one environment (``None``: defaults and
    always-loaded tfvars only). ``bindings`` names dynamic-block iterators."""

    def __init__(self, module: Module, environment: str | None = None,
                 bindings: dict[str, Val] | None = None) -> None:
        self.module, self.environment = module, environment
        self.bindings = bindings or {}
        self._memo: dict[str, Val] = {}
        self._active: set[str] = set()
        self._root = self

    def bind(self, name: str, value: Val) -> Evaluator:
        child = Evaluator(self.module, self.environment, {**self.bindings, name: value})
        child._memo, child._active, child._root = self._memo, self._active, self._root  # bindings never reach these
        return child

    def ev(self, node: Node, depth: int = 0) -> Val:
        if depth > MAX_DEPTH:
            return unknown(node)
        kind = node.kind
        if kind in ("int", "float", "str", "bool"):
            return Val(node.value, node.text, (node.loc,))
        if kind == "null":
            return Val(None, node.text, (node.loc,))
        if kind == "neg":
            inner = self.ev(node.items[0], depth + 1)
            if inner.known and isinstance(inner.data, (int, float)) and not isinstance(inner.data, bool):
                return Val(-inner.data, node.text, (node.loc, *inner.sites[1:]))
            return unknown(node)
        if kind == "binop":
            return self._binary(node, depth)
        if kind == "cond":
            return self._conditional(node, depth)
        if kind == "not":
            value = _truth(self.ev(node.items[0], depth + 1))
            return unknown(node) if value is None else Val(not value, node.text, (node.loc,))
        if kind == "tuple":
            return Val([self.ev(item, depth + 1) for item in node.items], node.text, (node.loc,))
        if kind == "object":
            return Val({key: self.ev(value, depth + 1) for key, _, value in node.items}, node.text, (node.loc,))
        if kind == "template":
            return self._template(node, depth)
        if kind == "ref":
            return self._ref(node, depth)
        if kind == "call":
            return self._call(node, depth)
        return unknown(node)

    def _binary(self, node: Node, depth: int) -> Val:
        """``var.base_port + 1``, ``var.env == "prod"``, ``a && b`` on known values."""
        left, right = (self.ev(n, depth + 1) for n in node.items)
        if not (left.is_scalar and right.is_scalar):
            return unknown(node)
        result = _operate(str(node.value), left.data, right.data)
        if result is UNKNOWN:
            return unknown(node)
        return Val(result, node.text, (node.loc, *left.sites[1:], *right.sites[1:]))

    def _conditional(self, node: Node, depth: int) -> Val:
        condition = _truth(self.ev(node.items[0], depth + 1))
        if condition is None:
            return unknown(node)
        return self.ev(node.items[1 if condition else 2], depth + 1).via(node.loc, node.text)

    def _template(self, node: Node, depth: int) -> Val:
        out: list[str] = []
        sites: list[Location] = [node.loc]
        for part in node.items:
            if isinstance(part, str):
                out.append(part)
                continue
            value = self.ev(part, depth + 1)
            if not value.is_scalar or value.data is None:
                return unknown(node)
            out.append(value.scalar_text())
            sites.extend(value.sites[1:])
        return Val("".join(out), node.text, tuple(sites))

    def _ref(self, node: Node, depth: int) -> Val:
        parts = list(node.items)
        root = parts[0]
        if root in self.bindings:
            return self._walk(self.bindings[root], parts[1:], node, depth)
        if root == "var" and len(parts) >= 2 and isinstance(parts[1], str):
            return self._walk(self.variable(parts[1], depth), parts[2:], node, depth)
        if root == "local" and len(parts) >= 2 and isinstance(parts[1], str):
            return self._walk(self.local(parts[1], depth), parts[2:], node, depth)
        if root in _ROOTS_NEVER_RESOLVED or len(parts) < 3 or not all(isinstance(p, str) for p in parts[:2]):
            return unknown(node)
        return self._resource_attr(parts, node, depth)

    def _walk(self, value: Val, rest: list, node: Node, depth: int) -> Val:
        current = value
        for part in rest:
            if not current.known:
                return unknown(node)
            key: Any = part
            if isinstance(part, Node):
                index = self.ev(part, depth + 1)
                if not index.is_scalar:
                    return unknown(node)
                key = index.data
            current = _child(current, key)
            if current is None:
                return unknown(node)
        if not current.known:
            return unknown(node)
        return current.via(node.loc, node.text)

    def variable(self, name: str, depth: int) -> Val:
        return self._memoised(f"var.{name}", lambda: self._variable(name, depth))

    def _variable(self, name: str, depth: int) -> Val:
        module = self.module
        env_values = module.env_vars.get(self.environment, {}) if self.environment else {}
        for source in (env_values, module.always_vars):
            if name in source:
                return self.ev(source[name], depth + 1)
        declared = module.variables.get(name)
        if declared is not None and declared.default is not None:
            return self.ev(declared.default, depth + 1)
        return Val(UNKNOWN, f"var.{name}", ())

    def local(self, name: str, depth: int) -> Val:
        node = self.module.locals.get(name)
        if node is None:
            return Val(UNKNOWN, f"local.{name}", ())
        return self._memoised(f"local.{name}", lambda: self.ev(node, depth + 1))

    def _memoised(self, key: str, make) -> Val:
        if key in self._memo:
            return self._memo[key]
        if key in self._active:  # a reference cycle
            return Val(UNKNOWN, key, ())
        self._active.add(key)
        try:
            value = make()
        finally:
            self._active.discard(key)
        self._memo[key] = value
        return value

    def _resource_attr(self, parts: list, node: Node, depth: int) -> Val:
        resource = self.module.resources.get((parts[0], parts[1]))
        rest = parts[2:]
        if rest and isinstance(rest[0], Node):  # aws_x.y[0].port: every instance has the same arguments
            rest = rest[1:]
        if resource is None or not rest or not isinstance(rest[0], str):
            return unknown(node)
        attr = resource.block.body.attrs.get(rest[0])
        if attr is None:
            return unknown(node)
        key = f"{parts[0]}.{parts[1]}.{rest[0]}"
        value = self._memoised(key, lambda: self._root.ev(attr.value, depth + 1))
        return self._walk(value, rest[1:], node, depth)

    def _call(self, node: Node, depth: int) -> Val:
        name, args = node.value, node.items
        if name in ("jsonencode", "tolist", "toset", "tomap", "tonumber", "tostring") and len(args) == 1:
            value = self.ev(args[0], depth + 1)
            if not value.known:
                return unknown(node)
            converted = _convert(name, value.data)
            if converted is UNKNOWN:
                return unknown(node)
            return Val(converted, node.text, (node.loc, *value.sites))
        if name == "concat":
            items: list[Val] = []
            for arg in args:
                value = self.ev(arg, depth + 1)
                if not value.known or not isinstance(value.data, list):
                    return unknown(node)
                items.extend(value.data)
            return Val(items, node.text, (node.loc,))
        if name == "lookup" and len(args) in (2, 3):
            return self._lookup(node, args, depth)
        if name == "length" and len(args) == 1:
            value = self.ev(args[0], depth + 1)
            if value.known and isinstance(value.data, (list, dict, str)):
                return Val(len(value.data), node.text, (node.loc,))
        return unknown(node)

    def _lookup(self, node: Node, args: tuple, depth: int) -> Val:
        mapping, key = self.ev(args[0], depth + 1), self.ev(args[1], depth + 1)
        if not mapping.known or not isinstance(mapping.data, dict) or not key.is_scalar:
            return unknown(node)
        if str(key.data) in mapping.data:
            return mapping.data[str(key.data)].via(node.loc, node.text)
        return self.ev(args[2], depth + 1).via(node.loc, node.text) if len(args) == 3 else unknown(node)


_NUMERIC = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
            "<": lambda a, b: a < b, ">": lambda a, b: a > b, "<=": lambda a, b: a <= b, ">=": lambda a, b: a >= b}


def _operate(operator: str, a: Any, b: Any) -> Any:
    def number(x: Any) -> bool:
        return isinstance(x, (int, float)) and not isinstance(x, bool)

    if operator in _NUMERIC:
        return _NUMERIC[operator](a, b) if number(a) and number(b) else UNKNOWN
    if operator in ("==", "!="):
        same = a == b and type(a) is type(b) or (number(a) and number(b) and a == b)
        return same if operator == "==" else not same
    if operator in ("&&", "||") and isinstance(a, bool) and isinstance(b, bool):
        return (a and b) if operator == "&&" else (a or b)
    return UNKNOWN


def _truth(value: Val) -> bool | None:
    """A condition's value: a bool, or the strings "true"/"false" Terraform converts."""
    if value.is_scalar and isinstance(value.data, bool):
        return value.data
    if value.is_scalar and value.data in ("true", "false"):
        return value.data == "true"
    return None


def _child(value: Val, key: Any) -> Val | None:
    data = value.data
    if isinstance(data, dict):
        return data.get(str(key))
    if isinstance(data, list) and isinstance(key, int) and not isinstance(key, bool) and 0 <= key < len(data):
        return data[key]
    return None


def _convert(name: str, data: Any) -> Any:
    if name == "tonumber":
        if isinstance(data, bool):
            return UNKNOWN
        if isinstance(data, (int, float)):
            return data
        text = str(data).strip()
        return int(text) if text.lstrip("-").isdigit() else UNKNOWN
    if name == "tostring":
        if isinstance(data, (list, dict)):
            return UNKNOWN
        return "true" if data is True else "false" if data is False else str(data)
    return data  # jsonencode, tolist, toset, tomap keep the structure we walk


def iterate(value: Val) -> list[tuple[Val, Val]] | None:
    """``for_each`` of a dynamic block → (key, value) pairs; ``None`` when not known."""
    if not value.known:
        return None
    if isinstance(value.data, dict):
        return [(Val(k, k, v.sites[:1]), v) for k, v in value.data.items()]
    if isinstance(value.data, list):
        return [(Val(i, str(i), item.sites[:1]), item) for i, item in enumerate(value.data)]
    return None


def flatten(value: Val) -> list[Val]:
    """A list (of lists) of values → the leaves, unknown leaves kept."""
    if value.known and isinstance(value.data, list):
        return [leaf for item in value.data for leaf in flatten(item)]
    return [value]
