"""AWS security groups: inline ``ingress``/``egress`` blocks (static and dynamic),
``aws_security_group_rule`` and ``aws_vpc_security_group_ingress_rule``/``egress_rule``."""

from __future__ import annotations

from typing import Any

from portlint.model import Location, PortFact, PortValue, Role
from portlint.terraform.evaluate import UNKNOWN, Evaluator, Val, flatten, iterate
from portlint.terraform.facts import Res, port_value, ref_addresses, scalar
from portlint.terraform.model import Attr, Block, Body, Module, Node, Variable

SG_RULE = "aws_security_group_rule"
VPC_RULES = {"aws_vpc_security_group_ingress_rule": "ingress", "aws_vpc_security_group_egress_rule": "egress"}
PROTOCOLS = {"tcp": "tcp", "6": "tcp", "udp": "udp", "17": "udp", "icmp": "icmp", "1": "icmp",
              "icmpv6": "icmpv6", "58": "icmpv6", "-1": "all", "all": "all"}
_NOT_PORTS = ("icmp", "icmpv6")


def _security_group(res: Res) -> None:
    res.attrs["description"] = scalar(res.ev, res.body, "description")
    for direction in ("ingress", "egress"):
        for i, body in enumerate(_inline_rules(res.body, direction)):
            allow_rule(res, body, res.ev, direction, f"{direction}[{i}]", f"{direction}.", "inline")
        for block in res.body.blocks:
            if block.type == "dynamic" and block.labels == (direction,):
                _dynamic_rules(res, block, direction)


def _inline_rules(body: Body, direction: str) -> list[Body]:
    """``ingress { … }`` blocks, or the attribute form ``ingress = [{ … }]``."""
    found = [b.body for b in body.blocks_of(direction)]
    attr = body.attrs.get(direction)
    if attr is not None and attr.value.kind == "tuple":
        found.extend(_object_body(item) for item in attr.value.items if item.kind == "object")
    return found


def _object_body(node: Node) -> Body:
    return Body(attrs={key: Attr(key, value, key_loc) for key, key_loc, value in node.items})


def _dynamic_rules(res: Res, block: Block, direction: str) -> None:
    """A ``dynamic`` block adds rules beside the static ones; one slot per ``for_each`` element."""
    content = block.body.first("content")
    if content is None:
        return
    iterator = _iterator_name(block, direction)
    for_each = block.body.attrs.get("for_each")
    pairs = iterate(res.ev.ev(for_each.value)) if for_each is not None else None
    if pairs is None:
        unknown = Val(UNKNOWN, iterator, ())
        ev = res.ev.bind(iterator, unknown)
        allow_rule(res, content.body, ev, direction, f"dynamic.{direction}[*]", f"{direction}.", "dynamic")
        return
    for key, value in pairs:
        element = Val({"key": key, "value": value}, iterator, value.sites[:1])
        ev = res.ev.bind(iterator, element)
        allow_rule(res, content.body, ev, direction, f"dynamic.{direction}[{key.scalar_text()}]", f"{direction}.", "dynamic")


def _iterator_name(block: Block, default: str) -> str:
    attr = block.body.attrs.get("iterator")
    if attr is not None and attr.value.kind == "ref" and len(attr.value.items) == 1:
        return attr.value.items[0]
    return default


def _sg_rule(res: Res) -> None:
    direction = scalar(res.ev, res.body, "type")
    type_attr = res.body.attrs.get("type")
    res.attrs.update({"direction": direction, "type_location": type_attr.value.loc if type_attr else None})
    allow_rule(res, res.body, res.ev, direction, "rule", "", "rule")


def _vpc_rule(res: Res) -> None:
    direction = VPC_RULES[res.resource.type]
    res.attrs["direction"] = direction
    allow_rule(res, res.body, res.ev, direction, "rule", "", "vpc-rule")


AWS_SOURCES = (("cidr_blocks", "v4"), ("ipv6_cidr_blocks", "v6"), ("cidr_ipv4", "v4"), ("cidr_ipv6", "v6"))


def allow_rule(res: Res, body: Body, ev: Evaluator, direction: str | None, slot: str, prefix: str, kind: str,
           extra: dict[str, Any] | None = None, source_keys: tuple = AWS_SOURCES) -> None:
    """The from_port/to_port pair of one firewall rule, with its protocol and sources. ``extra``
    adds attributes (action, priority, firewall) for ordered firewalls such as network ACLs."""
    attrs = body.attrs
    protocol_attr = attrs.get("protocol") or attrs.get("ip_protocol")
    protocol_val = ev.ev(protocol_attr.value) if protocol_attr is not None else None
    written = protocol_val.scalar_text().lower() if protocol_val is not None and protocol_val.is_scalar else None
    protocol = PROTOCOLS.get(written, written) if written is not None else None
    if protocol in _NOT_PORTS:
        return  # ICMP: from_port/to_port are a type and a code, not ports
    common = {"direction": direction, "protocol": protocol,
              "protocol_text": protocol_attr.value.text if protocol_attr is not None else None,
              "protocol_location": protocol_attr.value.loc if protocol_attr is not None else None,
              "rule_kind": kind, "allows_zero": True, "family": "aws", "action": "allow",
              **sources(body, ev, source_keys), **(extra or {})}
    transport = {"tcp": "TCP", "udp": "UDP", "all": "ALL"}.get(protocol or "", (protocol or "TCP").upper())
    ports = {"from": attrs.get("from_port"), "to": attrs.get("to_port")}
    if protocol == "all" and _all_marker(ports, ev):
        # -1/-1 or 0/0 with protocol -1: the usual way to write "every port" (EC2 ignores them)
        anchor = protocol_attr.value if protocol_attr is not None else None
        for bound, number in (("from", 0), ("to", 65535)):
            written = ports[bound]
            location = written.value.loc if written is not None else anchor.loc if anchor is not None else res.resource.block.loc
            res.facts.append(PortFact(PortValue.parse(number), Role.ALLOW, res.ref, location, transport, None, slot,
                                      {"field": f"{prefix}{bound}_port", "bound": bound, "implicit": True, **common}))
        return
    for bound, attr in ports.items():
        if attr is not None:  # as facts.fact, without copying ``common`` twice per bound
            res.facts.append(PortFact(port_value(ev.ev(attr.value), attr.value), Role.ALLOW, res.ref, attr.value.loc,
                                      transport, None, slot, {"field": f"{prefix}{bound}_port", "bound": bound, **common}))


# Azure service tags and wildcards that mean "any source on the internet"
WORLD_TAGS = {"*": "*", "internet": "Internet", "any": "Any"}


def _all_marker(ports: dict[str, Attr | None], ev: Evaluator) -> bool:
    """Both ports absent, or both written as -1 or 0."""
    values = [ev.ev(a.value) if a is not None else None for a in ports.values()]
    if all(v is None for v in values):
        return True
    return all(v is not None and v.is_scalar and v.data in (-1, 0, "-1", "0") for v in values)


def sources(body: Body, ev: Evaluator, keys: tuple = AWS_SOURCES) -> dict[str, Any]:
    """CIDRs (resolved, unresolved, nested lists) and source groups of one rule. A key's family
    is v4, v6, or "any" (sorted by the value; Azure's ``*``/``Internet`` are world sources, other
    words are service tags)."""
    v4, v6, unresolved, nested, sites, world, tags = [], [], [], [], [], [], []
    for key, family in keys:
        attr = body.attrs.get(key)
        if attr is None:
            continue
        value = ev.ev(attr.value)
        nested.extend(_nested_lists(attr.value, value, ev))
        for leaf in flatten(value):
            if leaf.is_scalar and isinstance(leaf.data, str):
                text = leaf.data
                if family == "any" and text.strip().lower() in WORLD_TAGS:
                    world.append(WORLD_TAGS[text.strip().lower()])
                    continue
                if family == "any" and text.strip()[:1].isalpha() and ":" not in text:
                    tags.append(text)
                    continue
                bucket = v6 if family == "v6" or (family == "any" and ":" in text) else v4
                bucket.append(text)
                sites.append((text, key, leaf.sites[-1], not _written_in(leaf.sites[-1], attr.value)))
            elif not (leaf.known and leaf.data is None):
                unresolved.append(leaf.text)
    groups = []
    for key in ("security_groups", "source_security_group_id", "referenced_security_group_id"):
        attr = body.attrs.get(key)
        if attr is not None:
            groups.extend(ref_addresses(attr.value))
    self_attr = body.attrs.get("self")
    return {"cidr_blocks": v4, "ipv6_cidr_blocks": v6, "cidrs_unresolved": unresolved, "cidr_nested": nested,
            "cidr_sites": sites, "source_groups": sorted(set(groups)), "world_sources": world, "source_tags": tags,
            "self": bool(self_attr is not None and ev.ev(self_attr.value).data is True),
            "prefix_lists": bool(body.attrs.get("prefix_list_ids") or body.attrs.get("prefix_list_id"))}


def _written_in(site: Location, node: Node) -> bool:
    """Whether ``site`` lies inside the expression ``node`` (same file, within its lines)."""
    last = node.loc.line + node.text.count("\n")
    return site.path == node.loc.path and node.loc.line <= site.line <= last


def _nested_lists(node: Node, evaluated: Val, ev: Evaluator) -> list[dict[str, Any]]:
    """Elements of a CIDR list that are lists themselves (``[var.list]``), by value or by declared type."""
    if node.kind != "tuple":
        return []
    found = []
    values = evaluated.data if isinstance(evaluated.data, list) and len(evaluated.data) == len(node.items) else None
    for i, item in enumerate(node.items):
        declared = _declared_list(item, ev.module)
        value = values[i] if values is not None else ev.ev(item)
        if declared is not None or (value.known and isinstance(value.data, list)):
            found.append({"text": item.text, "location": item.loc,
                          "declared_at": declared.loc if declared else None,
                          "declared_type": declared.type_text if declared else None})
    return found


def _declared_list(node: Node, module: Module) -> Variable | None:
    """The declaration of ``var.x`` when its type is a list, set or tuple."""
    if node.kind != "ref" or len(node.items) != 2 or node.items[0] != "var":
        return None
    variable = module.variables.get(node.items[1])
    if variable is None or not variable.type_text:
        return None
    return variable if variable.type_text.split("(")[0].strip() in ("list", "set", "tuple") else None



HANDLERS = {"aws_security_group": _security_group, SG_RULE: _sg_rule, **{t: _vpc_rule for t in VPC_RULES}}
