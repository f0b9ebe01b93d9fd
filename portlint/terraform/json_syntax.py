"""Terraform's JSON syntax (``*.tf.json``, ``*.tfvars.json``) → the same model as HCL text.

A small positioned JSON parser (line and character column of every value and key), then the
JSON syntax mapping: top-level ``resource``/``variable``/``locals``/``output``/``module`` objects
become blocks; inside a block, an object (or a list of objects) under a nested-block name
(``ingress``, ``health_check``, ``dynamic``…) becomes blocks, anything else an attribute. A
string is an HCL template (``"${var.port}"``): it is parsed by the HCL parser and every node of
it is placed at the string. Invalid JSON is an error with its position; nesting is bounded.
"""

from __future__ import annotations

import json
import re
from typing import Any

from portlint.model import Location
from portlint.terraform.model import Attr, Block, Body, HclError, Node, Parsed

MAX_NESTING = 100
NESTED_BLOCKS = frozenset({
    "ingress", "egress", "health_check", "default_action", "action", "forward", "target_group", "stickiness",
    "condition", "security_rule", "allow", "deny", "load_balancer", "network_configuration", "dynamic", "content",
    "load_balancer_info", "target_group_pair_info", "prod_traffic_route", "test_traffic_route", "lifecycle",
    "redirect", "fixed_response", "authenticate_oidc", "container_definitions_block",
})
_LABELS = {"resource": 2, "data": 2, "variable": 1, "output": 1, "module": 1, "provider": 1}
_NUMBER = re.compile(r"-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?")
_STRING = re.compile(r'"((?:[^"\\\x00-\x1f]|\\.)*)"', re.S)


class _Obj(list):
    """A JSON object: (key, key location, (value, value location)) entries in order."""


class _Json:
    """JSON text → (value, Location) trees: objects are lists of (key, key location, child)."""

    def __init__(self, text: str, rel: str) -> None:
        self.text, self.rel, self.pos = text, rel, 0
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def loc(self, pos: int) -> Location:
        import bisect

        line = bisect.bisect_right(self.line_starts, pos) - 1
        return Location(self.rel, line + 1, pos - self.line_starts[line] + 1)

    def fail(self, what: str) -> HclError:
        loc = self.loc(min(self.pos, len(self.text)))
        return HclError(f"invalid JSON: {what}", loc.line, loc.column)

    def skip(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] in " \t\r\n":
            self.pos += 1

    def value(self, depth: int = 0) -> tuple[Any, Location]:
        if depth > MAX_NESTING:
            raise self.fail("nesting too deep")
        self.skip()
        start = self.pos
        char = self.text[start:start + 1]
        if char == "{":
            return self.object(depth), self.loc(start)
        if char == "[":
            return self.array(depth), self.loc(start)
        if char == '"':
            return self.string(), self.loc(start)
        for word, data in (("true", True), ("false", False), ("null", None)):
            if self.text.startswith(word, start):
                self.pos += len(word)
                return data, self.loc(start)
        match = _NUMBER.match(self.text, start)
        if match is None:
            raise self.fail(f"unexpected {char!r}" if char else "unexpected end of file")
        self.pos = match.end()
        number = match.group(0)
        return (float(number) if match.group(2) or match.group(3) else int(number)), self.loc(start)

    def string(self) -> str:
        match = _STRING.match(self.text, self.pos)
        if match is None:
            raise self.fail("unterminated string")
        self.pos = match.end()
        try:
            return json.loads(match.group(0))
        except ValueError:
            raise self.fail("bad string escape") from None

    def object(self, depth: int) -> _Obj:
        self.pos += 1
        out: _Obj = _Obj()
        self.skip()
        if self.text.startswith("}", self.pos):
            self.pos += 1
            return out
        while True:
            self.skip()
            if not self.text.startswith('"', self.pos):
                raise self.fail("expected a key")
            key_loc = self.loc(self.pos)
            key = self.string()
            self.skip()
            if not self.text.startswith(":", self.pos):
                raise self.fail("expected ':'")
            self.pos += 1
            out.append((key, key_loc, self.value(depth + 1)))
            self.skip()
            if self.text.startswith(",", self.pos):
                self.pos += 1
                continue
            if self.text.startswith("}", self.pos):
                self.pos += 1
                return out
            raise self.fail("expected ',' or '}'")

    def array(self, depth: int) -> list[tuple[Any, Location]]:
        self.pos += 1
        out: list[tuple[Any, Location]] = []
        self.skip()
        if self.text.startswith("]", self.pos):
            self.pos += 1
            return out
        while True:
            out.append(self.value(depth + 1))
            self.skip()
            if self.text.startswith(",", self.pos):
                self.pos += 1
                continue
            if self.text.startswith("]", self.pos):
                self.pos += 1
                return out
            raise self.fail("expected ',' or ']'")


def parse_json(text: str, rel: str, tfvars: bool = False) -> Parsed:
    reader = _Json(text.lstrip("\ufeff"), rel)
    try:
        data, loc = reader.value()
        reader.skip()
        if reader.pos != len(reader.text):
            raise reader.fail("text after the value")
    except HclError as exc:
        return Parsed(Body(), [exc])
    except RecursionError:
        return Parsed(Body(), [HclError("invalid JSON: nesting too deep")])
    if not _is_object(data):
        return Parsed(Body(), [HclError("invalid JSON: the top level must be an object", loc.line, loc.column)])
    if tfvars:
        return Parsed(Body(attrs={k: Attr(k, _expr(v, vloc, 0), kloc) for k, kloc, (v, vloc) in data}))
    body = Body()
    for kind, kloc, (value, vloc) in data:
        body.blocks.extend(_top_blocks(kind, kloc, value))
    return Parsed(body)


def _is_object(value: Any) -> bool:
    return isinstance(value, _Obj)


def _top_blocks(kind: str, loc: Location, value: Any) -> list[Block]:
    if not _is_object(value):
        return []
    if kind == "locals":
        return [Block("locals", (), _body(value, 0, attributes_only=True), loc)]
    return _labelled(kind, loc, value, _LABELS.get(kind, 0), ())


def _labelled(kind: str, loc: Location, value: Any, labels_left: int, labels: tuple[str, ...]) -> list[Block]:
    if labels_left == 0:
        items = value if isinstance(value, list) and not _is_object(value) else [(value, loc)]
        return [Block(kind, labels, _body(item, 1), loc) for item, _ in items if _is_object(item)]
    out: list[Block] = []
    if _is_object(value):
        for label, label_loc, (child, _) in value:
            out.extend(_labelled(kind, label_loc, child, labels_left - 1, (*labels, label)))
    return out


def _body(value: Any, depth: int, attributes_only: bool = False) -> Body:
    body = Body()
    for key, key_loc, (child, child_loc) in value:
        if not attributes_only and key in NESTED_BLOCKS and depth < MAX_NESTING:
            if key == "dynamic" and _is_object(child):
                for label, label_loc, (inner, _) in child:
                    if _is_object(inner):
                        body.blocks.append(Block("dynamic", (label,), _body(inner, depth + 1), label_loc))
                continue
            items = [(child, child_loc)] if _is_object(child) else child if isinstance(child, list) else []
            blocks = [Block(key, (), _body(item, depth + 1), item_loc) for item, item_loc in items if _is_object(item)]
            if blocks:
                body.blocks.extend(blocks)
                continue
        body.attrs[key] = Attr(key, _expr(child, child_loc, depth + 1), key_loc)
    return body


def _expr(value: Any, loc: Location, depth: int) -> Node:
    text = json.dumps(_plain(value), ensure_ascii=False) if depth < MAX_NESTING else "…"
    if depth > MAX_NESTING:
        return Node("other", loc, text)
    if value is None:
        return Node("null", loc, "null")
    if isinstance(value, bool):
        return Node("bool", loc, text, value)
    if isinstance(value, int):
        return Node("int", loc, text, value)
    if isinstance(value, float):
        return Node("float", loc, text, value)
    if isinstance(value, str):
        return _template(value, loc, text)
    if _is_object(value):
        return Node("object", loc, text, items=tuple((k, kloc, _expr(v, vloc, depth + 1)) for k, kloc, (v, vloc) in value))
    return Node("tuple", loc, text, items=tuple(_expr(v, vloc, depth + 1) for v, vloc in value))


def _template(value: str, loc: Location, text: str) -> Node:
    """A JSON string is an HCL template: ``"${var.port}"`` is the variable itself."""
    if "${" not in value and "%{" not in value:
        return Node("str", loc, text, value)
    from portlint.terraform.parse import parse

    parsed = parse(f"x = {json.dumps(value)}\n", loc.path)
    attr = parsed.body.attrs.get("x")
    if parsed.errors or attr is None:
        return Node("other", loc, text)
    return _placed(attr.value, loc)


def _placed(node: Node, loc: Location) -> Node:
    """Every part of a template parsed out of a JSON string, placed at the string."""
    items = tuple(_placed(i, loc) if isinstance(i, Node) else
                  (i[0], loc, _placed(i[2], loc)) if isinstance(i, tuple) else i for i in node.items)
    return Node(node.kind, loc, node.text, node.value, items)


def _plain(value: Any) -> Any:
    if _is_object(value):
        return {k: _plain(v) for k, _, (v, _) in value}
    if isinstance(value, list):
        return [_plain(v) for v, _ in value]
    return value
