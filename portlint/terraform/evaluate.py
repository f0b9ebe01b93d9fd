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

from typing import Any

from portlint.model import Location
from portlint.terraform.model import Module, Node
from portlint.terraform.values import (MAX_DEPTH, MAX_ITEMS, MAX_STEPS, UNKNOWN, Val, child, flatten, iterate,
                                       number, operate, same_type, truth, unknown, value_key, wrap)

__all__ = ["MAX_DEPTH", "MAX_ITEMS", "MAX_STEPS", "UNKNOWN", "Evaluator", "Val", "flatten", "iterate", "number",
           "truth", "unknown", "value_key", "wrap"]


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
            same = left.plain() == right.plain() and same_type(left.data, right.data)
            if left.plain() is not UNKNOWN and right.plain() is not UNKNOWN:
                return Val(same if node.value == "==" else not same, node.text, (node.loc,))
        if not (left.is_scalar and right.is_scalar):
            return unknown(node)
        result = operate(str(node.value), left.data, right.data)
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
            found = child(current, key)
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

