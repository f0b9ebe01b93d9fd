"""What every resource family shares: the resource being read, and values turned into facts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from portlint.model import Entity, EntityRef, PortFact, PortValue, Role
from portlint.terraform.evaluate import Evaluator, Val
from portlint.terraform.model import Attr, Body, Node, Resource

KIND_PREFIX = "tf/"


@dataclass
class Res:
    """One resource being read for one environment variant."""

    resource: Resource
    ref: EntityRef
    ev: Evaluator
    facts: list[PortFact]
    entities: dict[str, Entity]
    attrs: dict[str, Any]  # the resource entity's attrs (filled from the first variant)

    @property
    def body(self) -> Body:
        return self.resource.block.body


# -- values → facts -------------------------------------------------------------------------------


def port_value(val: Val, node: Node) -> PortValue:
    if val.is_scalar and val.data is not None:
        raw = val.data
        if isinstance(raw, float) and raw.is_integer():
            raw = int(raw)
        return PortValue.parse(raw, defined_at=val.defined_at())
    return PortValue.unresolved_expr(node.text)


def fact(res: Res, attr: Attr | None, role: Role, field_name: str, slot: str = "",
          transport: str = "TCP", owner: EntityRef | None = None, ev: Evaluator | None = None,
          **attrs: Any) -> None:
    if attr is None:
        return
    val = (ev or res.ev).ev(attr.value)
    res.facts.append(PortFact(port_value(val, attr.value), role, owner or res.ref, attr.value.loc,
                              transport, None, slot, {"field": field_name, **attrs}))


def scalar(ev: Evaluator, body: Body, key: str) -> str | None:
    attr = body.attrs.get(key)
    if attr is None:
        return None
    value = ev.ev(attr.value)
    return value.scalar_text() if value.is_scalar and value.data is not None else None


def transport(protocol: str | None) -> str:
    if protocol is None:
        return "TCP"
    upper = protocol.upper()
    return "UDP" if upper in ("UDP", "TCP_UDP") else "TCP"


# -- references between resources --------------------------------------------------------------------

_NOT_RESOURCES = {"var", "local", "data", "module", "each", "count", "path", "terraform", "self"}


def ref_of(node: Node, path: str) -> dict[str, Any] | None:
    """The resource a ``ref`` node names (``type.name.attr``), at argument ``path``; None for
    variables, locals, data sources, module outputs and the like."""
    parts = node.items
    if (len(parts) >= 3 and isinstance(parts[0], str) and isinstance(parts[1], str)
            and parts[0] not in _NOT_RESOURCES and "_" in parts[0]):
        attribute = next((p for p in parts[2:] if isinstance(p, str)), "")
        return {"path": path, "address": f"{parts[0]}.{parts[1]}", "type": parts[0], "name": parts[1],
                "attribute": attribute, "location": node.loc}
    return None


def collect_refs(node: Node, path: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if current.kind == "ref":
            parts = current.items
            ref = ref_of(current, path)
            if ref is not None:
                out.append(ref)
            stack.extend(p for p in parts if isinstance(p, Node))
        elif current.kind == "object":
            stack.extend(value for _, _, value in current.items)
        else:
            stack.extend(p for p in current.items if isinstance(p, Node))
    return out




def ref_addresses(node: Node) -> list[str]:
    return [ref["address"] for ref in collect_refs(node, "")]
