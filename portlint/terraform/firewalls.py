"""What firewall families that write ports as strings share: ``"22"``, ``"8000-8080"``, ``"*"``
(GCP ``ports``, Azure ``destination_port_range(s)``) become a from/to pair of ALLOW facts with the
attributes every firewall rule carries (docs/model-terraform.md, "Firewall rules")."""

from __future__ import annotations

import re
from typing import Any

from portlint.model import Location, PortFact, PortValue, Role
from portlint.terraform.evaluate import Val
from portlint.terraform.facts import Res
from portlint.terraform.model import Node

_RANGE = re.compile(r"\s*(\d+)\s*(?:-\s*(\d+)\s*)?")
_TRANSPORT = {"tcp": "TCP", "udp": "UDP", "all": "ALL", "sctp": "SCTP"}


def transport_of(protocol: str | None) -> str:
    return _TRANSPORT.get(protocol or "", (protocol or "TCP").upper())


def port_items(value: Val, node: Node | None, fallback: Location) -> list[tuple[Val | None, str, Location]]:
    """The port strings of a ``ports``/``destination_port_ranges`` value: (value, text, location);
    one unknown item when the list itself is not known."""
    if node is None:
        return []
    if value.known and isinstance(value.data, list):
        out = []
        for item in value.data:
            site = item.sites[0] if item.sites else fallback
            if not _inside(site, node):  # from a variable or local: report at the use, say where it came from
                item, site = item.via(node.loc, node.text), node.loc
            out.append((item, item.text, site))
        return out
    return [(value if value.is_scalar else None, node.text, node.loc)]


def _inside(site: Location, node: Node) -> bool:
    last = node.loc.line + node.text.count("\n")
    return site.path == node.loc.path and node.loc.line <= site.line <= last


def emit_range(res: Res, slot: str, item: tuple[Val | None, str, Location] | None, field: str,
               common: dict[str, Any], where: Location | None = None) -> None:
    """One rule's from/to facts: a written port or range, ``*`` (or no ports at all: ``item`` is
    None) for every port, or unresolved text."""
    transport = transport_of(common.get("protocol"))
    if item is None or (item[0] is not None and item[0].is_scalar and str(item[0].data).strip() == "*"):
        location = item[2] if item is not None else (where or res.resource.block.loc)
        for bound, number in (("from", 0), ("to", 65535)):
            res.facts.append(PortFact(PortValue.parse(number), Role.ALLOW, res.ref, location, transport, None, slot,
                                      {"field": field, "bound": bound, "implicit": True, "allows_zero": True, **common}))
        return
    value, text, location = item
    match = _RANGE.fullmatch(str(value.data)) if value is not None and value.is_scalar else None
    for bound in ("from", "to"):
        if match is None:
            port = PortValue.unresolved_expr(text) if value is None or not value.is_scalar else PortValue.parse(str(value.data))
        else:
            number = match.group(1) if bound == "from" or match.group(2) is None else match.group(2)
            port = PortValue.parse(int(number), defined_at=value.defined_at())
        res.facts.append(PortFact(port, Role.ALLOW, res.ref, location, transport, None, slot,
                                  {"field": field, "bound": bound, "allows_zero": True, **common}))
