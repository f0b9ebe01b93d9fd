"""Resolve Terraform expressions the way Terraform would, or say they are unknown.

:class:`Evaluator` resolves, for one module instance and one environment: literals, templates
(``"${x}"`` alone keeps ``x``'s type, as in Terraform), ``var.x`` (caller arguments, or tfvars per
environment, then ``default``), ``local.x``, ``type.name.attr`` of a resource of the same module
(its written argument), ``count.index``/``each.key``/``each.value`` when bound, attribute, index and
splat access, operators, conditionals, ``for`` expressions and the pure functions of
:mod:`portlint.terraform.functions`. Data sources, ``module.*`` outputs, remote state and
provider-computed attributes are :data:`UNKNOWN`: no value is ever guessed.

Work is bounded: nesting by :data:`MAX_DEPTH`, every evaluation step by :data:`MAX_STEPS` per
module instance, collections by :data:`MAX_ITEMS`. Past a bound the answer is unknown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from portlint.model import Location
from portlint.terraform.model import Module, Node

MAX_DEPTH = 40  # expression nesting and reference hops before we give up
MAX_STEPS = 50_000  # evaluation steps per evaluator family (a module instance)
MAX_ITEMS = 10_000  # elements of one collection we build

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

    def plain(self, budget: list[int] | None = None) -> Any:
        """The value without sites (lists and dicts of plain values); UNKNOWN anywhere, or a value
        too big to unfold (shared sub-values can make a tree exponential), → UNKNOWN."""
        budget = budget if budget is not None else [MAX_ITEMS * 10]
        budget[0] -= 1
        if not self.known or budget[0] < 0:
            return UNKNOWN
        if isinstance(self.data, list):
            items = [v.plain(budget) for v in self.data]
            return UNKNOWN if any(i is UNKNOWN for i in items) else items
        if isinstance(self.data, dict):
            pairs = {k: v.plain(budget) for k, v in self.data.items()}
            return UNKNOWN if any(v is UNKNOWN for v in pairs.values()) else pairs
        return self.data


def unknown(node: Node) -> Val:
    return Val(UNKNOWN, node.text, (node.loc,))


def wrap(data: Any, text: str, sites: tuple[Location, ...]) -> Val:
    """A plain Python value (from jsondecode, a table) as a Val tree with the same sites."""
    if isinstance(data, list):
        return Val([wrap(v, text, sites) for v in data[:MAX_ITEMS]], text, sites)
    if isinstance(data, dict):
        return Val({str(k): wrap(v, text, sites) for k, v in list(data.items())[:MAX_ITEMS]}, text, sites)
    return Val(data, text, sites)


_ROOTS_NEVER_RESOLVED = {"data", "module", "path", "terraform", "self"}


class Evaluator:
    """Resolve expressions of one module for one environment (``None``: defaults and
    always-loaded tfvars only). ``inputs`` are a caller's arguments (they win over tfvars and
    defaults); ``bindings`` name iterators (``each``, ``count``, dynamic blocks, for variables)."""

    def __init__(self, module: Module, environment: str | None = None,
                 bindings: dict[str, Val] | None = None, inputs: dict[str, Val] | None = None) -> None:
        self.module, self.environment = module, environment
        self.bindings = bindings or {}
        self.inputs = inputs
        self._memo: dict[str, Val] = {}
        self._active: set[str] = set()
        self._root = self
        self._steps = [0]

    def bind(self, name: str, value: Val) -> Evaluator:
        return self.bind_all({name: value})

    def bind_all(self, names: dict[str, Val]) -> Evaluator:
        child = Evaluator(self.module, self.environment, {**self.bindings, **names}, self.inputs)
        child._memo, child._active, child._root, child._steps = self._memo, self._active, self._root, self._steps
        return child

    def ev(self, node: Node, depth: int = 0) -> Val:
        self._steps[0] += 1
        if depth > MAX_DEPTH or self._steps[0] > MAX_STEPS:
            return unknown(node)
        kind = node.kind
        if kind in ("int", "float", "str", "bool"):
            return Val(node.value, node.text, (node.loc,))
        if kind == "null":
            return Val(None, node.text, (node.loc,))
        handler = _KINDS.get(kind)
        return handler(self, node, depth) if handler is not None else unknown(node)

    def _neg(self, node: Node, depth: int) -> Val:
        inner = self.ev(node.items[0], depth + 1)
        if inner.known and isinstance(inner.data, (int, float)) and not isinstance(inner.data, bool):
            return Val(-inner.data, node.text, (node.loc, *inner.sites[1:]))
        return unknown(node)

    def _not(self, node: Node, depth: int) -> Val:
        value = truth(self.ev(node.items[0], depth + 1))
        return unknown(node) if value is None else Val(not value, node.text, (node.loc,))

    def _tuple(self, node: Node, depth: int) -> Val:
        return Val([self.ev(item, depth + 1) for item in node.items[:MAX_ITEMS]], node.text, (node.loc,))

    def _object(self, node: Node, depth: int) -> Val:
        out: dict[str, Val] = {}
        for key, _, value in node.items:
            out[key] = self.ev(value, depth + 1)
        return Val(out, node.text, (node.loc,))

    def _binary(self, node: Node, depth: int) -> Val:
        """``var.base_port + 1``, ``var.env == "prod"``, ``a && b`` on known values."""
        left, right = (self.ev(n, depth + 1) for n in node.items)
        if str(node.value) in ("==", "!=") and left.known and right.known:
            same = left.plain() == right.plain() and _same_type(left.data, right.data)
            if left.plain() is not UNKNOWN and right.plain() is not UNKNOWN:
                return Val(same if node.value == "==" else not same, node.text, (node.loc,))
        if not (left.is_scalar and right.is_scalar):
            return unknown(node)
        result = _operate(str(node.value), left.data, right.data)
        if result is UNKNOWN:
            return unknown(node)
        return Val(result, node.text, (node.loc, *left.sites[1:], *right.sites[1:]))

    def _conditional(self, node: Node, depth: int) -> Val:
        condition = truth(self.ev(node.items[0], depth + 1))
        if condition is None:
            return unknown(node)
        return self.ev(node.items[1 if condition else 2], depth + 1).via(node.loc, node.text)

    def _template(self, node: Node, depth: int) -> Val:
        if len(node.items) == 1 and isinstance(node.items[0], Node):  # "${x}" is x itself
            return self.ev(node.items[0], depth + 1).via(node.loc, node.text)
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
            return self.walk(self.bindings[root], parts[1:], node, depth)
        if root == "var" and len(parts) >= 2 and isinstance(parts[1], str):
            return self.walk(self.variable(parts[1], depth), parts[2:], node, depth)
        if root == "local" and len(parts) >= 2 and isinstance(parts[1], str):
            return self.walk(self.local(parts[1], depth), parts[2:], node, depth)
        if root in _ROOTS_NEVER_RESOLVED or root in ("each", "count") or len(parts) < 3:
            return unknown(node)
        if not all(isinstance(p, str) for p in parts[:2]):
            return unknown(node)
        return self._resource_attr(parts, node, depth)

    def _index(self, node: Node, depth: int) -> Val:
        return self.walk(self.ev(node.items[0], depth + 1), list(node.items[1:]), node, depth)

    def _splat(self, node: Node, depth: int) -> Val:
        """``x[*].port``: the access applied to every element (a single value becomes a list)."""
        base = self.ev(node.items[0], depth + 1)
        if not base.known:
            return unknown(node)
        if base.data is None:
            return Val([], node.text, (node.loc,))
        elements = base.data if isinstance(base.data, list) else [base]
        out = [self.walk(e, list(node.items[1:]), node, depth) for e in elements[:MAX_ITEMS]]
        return Val(out, node.text, (node.loc,))

    def _for(self, node: Node, depth: int) -> Val:
        key_var, value_var, shape, grouped = node.value
        collection, key_expr, value_expr, condition = node.items
        source = self.ev(collection, depth + 1)
        pairs = iterate(source)
        if pairs is None:
            return unknown(node)
        items: list[Val] = []
        mapping: dict[str, Val] = {}
        self._steps[0] += len(pairs)
        for key, value in pairs[:MAX_ITEMS]:
            if self._steps[0] > MAX_STEPS:
                return unknown(node)
            names = {value_var: value}
            if key_var is not None:
                names[key_var] = key
            scope = self.bind_all(names)
            if condition is not None:
                keep = truth(scope.ev(condition, depth + 1))
                if keep is None:
                    return unknown(node)
                if not keep:
                    continue
            result = scope.ev(value_expr, depth + 1)
            if shape == "tuple":
                items.append(result)
                continue
            out_key = scope.ev(key_expr, depth + 1)
            if not out_key.is_scalar or out_key.data is None:
                return unknown(node)
            name = out_key.scalar_text()
            if grouped:
                group = mapping.setdefault(name, Val([], node.text, (node.loc,)))
                group.data.append(result)
            elif name in mapping:
                return unknown(node)  # Terraform rejects duplicate keys without "..."
            else:
                mapping[name] = result
        return Val(items if shape == "tuple" else mapping, node.text, (node.loc,))

    def _call(self, node: Node, depth: int) -> Val:
        from portlint.terraform.functions import call

        return call(self, node, depth)

    def walk(self, value: Val, rest: list, node: Node, depth: int) -> Val:
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
            found = _child(current, key)
            if found is None:
                return unknown(node)
            current = found
        if not current.known:
            return unknown(node)
        return current.via(node.loc, node.text)

    def variable(self, name: str, depth: int) -> Val:
        return self._memoised(f"var.{name}", lambda: self._variable(name, depth))

    def _variable(self, name: str, depth: int) -> Val:
        module = self.module
        if self.inputs is not None:
            if name in self.inputs:
                return self.inputs[name]
        else:
            env_values = module.env_vars.get(self.environment, {}) if self.environment else {}
            for source in (env_values, module.always_vars):
                if name in source:
                    return self._root.ev(source[name], depth + 1)
        declared = module.variables.get(name)
        if declared is not None and declared.default is not None:
            return self._root.ev(declared.default, depth + 1)
        return Val(UNKNOWN, f"var.{name}", ())

    def local(self, name: str, depth: int) -> Val:
        node = self.module.locals.get(name)
        if node is None:
            return Val(UNKNOWN, f"local.{name}", ())
        return self._memoised(f"local.{name}", lambda: self._root.ev(node, depth + 1))

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
        attrs = resource.block.body.attrs
        attr = attrs.get(rest[0])
        if attr is None or (("count" in attrs or "for_each" in attrs) and _mentions_instance(attr.value)):
            return unknown(node)  # not written (provider-computed), or different per instance
        key = f"{parts[0]}.{parts[1]}.{rest[0]}"
        value = self._memoised(key, lambda: self._root.ev(attr.value, depth + 1))
        return self.walk(value, rest[1:], node, depth)


def _mentions_instance(node: Node) -> bool:
    return "each." in node.text or "count." in node.text


_KINDS = {
    "neg": Evaluator._neg, "not": Evaluator._not, "tuple": Evaluator._tuple, "object": Evaluator._object,
    "binop": Evaluator._binary, "cond": Evaluator._conditional, "template": Evaluator._template,
    "ref": Evaluator._ref, "index": Evaluator._index, "splat": Evaluator._splat, "for": Evaluator._for,
    "call": Evaluator._call,
}

_NUMERIC = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
            "/": lambda a, b: a / b if b else UNKNOWN, "%": lambda a, b: a % b if b else UNKNOWN,
            "<": lambda a, b: a < b, ">": lambda a, b: a > b, "<=": lambda a, b: a <= b, ">=": lambda a, b: a >= b}


def number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _same_type(a: Any, b: Any) -> bool:
    return type(a) is type(b) or (number(a) and number(b))


def _operate(operator: str, a: Any, b: Any) -> Any:
    if operator in _NUMERIC:
        if not (number(a) and number(b)):
            return UNKNOWN
        if operator in "+-*" and max(abs(a), abs(b)) > 1e15:
            return UNKNOWN
        return _NUMERIC[operator](a, b)
    if operator in ("==", "!="):
        same = a == b and _same_type(a, b)
        return same if operator == "==" else not same
    if operator in ("&&", "||") and isinstance(a, bool) and isinstance(b, bool):
        return (a and b) if operator == "&&" else (a or b)
    return UNKNOWN


def truth(value: Val) -> bool | None:
    """A condition's value: a bool, or the strings "true"/"false" Terraform converts."""
    if value.is_scalar and isinstance(value.data, bool):
        return value.data
    if value.is_scalar and value.data in ("true", "false"):
        return value.data == "true"
    return None


def _child(value: Val, key: Any) -> Val | None:
    data = value.data
    if isinstance(data, dict):
        return data.get(value_key(key))
    if isinstance(data, list):
        if isinstance(key, str) and key.isdigit():
            key = int(key)
        if isinstance(key, float) and key.is_integer():
            key = int(key)
        if isinstance(key, int) and not isinstance(key, bool) and 0 <= key < len(data):
            return data[key]
    return None


def value_key(key: Any) -> str:
    if isinstance(key, bool):
        return "true" if key else "false"
    if isinstance(key, float) and key.is_integer():
        return str(int(key))
    return str(key)


def iterate(value: Val) -> list[tuple[Val, Val]] | None:
    """A collection → (key, value) pairs (index keys for lists); ``None`` when not known."""
    if not value.known:
        return None
    if isinstance(value.data, dict):
        return [(Val(k, k, v.sites[:1]), v) for k, v in sorted(value.data.items())]
    if isinstance(value.data, list):
        return [(Val(i, str(i), item.sites[:1]), item) for i, item in enumerate(value.data)]
    return None


def flatten(value: Val) -> list[Val]:
    """A list (of lists) of values → the leaves, unknown leaves kept."""
    if value.known and isinstance(value.data, list):
        return [leaf for item in value.data for leaf in flatten(item)]
    return [value]
