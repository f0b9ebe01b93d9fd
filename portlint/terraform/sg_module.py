"""A terraform-aws-modules/security-group call, read from its arguments (the module's code is
not in the tree): the security group it makes and its ingress and egress rules, as facts of an
``aws_security_group`` entity in the call's namespace.

Shapes read, for ``ingress`` and ``egress`` alike (docs of the module's variables):

- ``<dir>_rules`` / ``computed_<dir>_rules`` (named rules → ports from
  :mod:`portlint.terraform.known_modules`) with ``<dir>_cidr_blocks`` /
  ``<dir>_ipv6_cidr_blocks`` / ``<dir>_prefix_list_ids`` (egress CIDRs default to the world, as
  in the module);
- ``<dir>_with_cidr_blocks`` / ``<dir>_with_ipv6_cidr_blocks`` (and ``computed_`` forms): lists
  of maps with ``rule`` or ``from_port``/``to_port``/``protocol`` and a comma-separated
  ``cidr_blocks`` string (else the module-wide CIDRs);
- ``<dir>_with_source_security_group_id``, ``<dir>_with_self``, ``<dir>_with_prefix_list_ids``:
  the same maps, admitting a peer security group, the group itself or a prefix list (no CIDR);
- a ``//modules/<preset>`` source opens its preset's ingress rules when ``ingress_rules`` is
  not given.
"""

from __future__ import annotations

import re
from typing import Any

from portlint.model import Entity, EntityRef, Location, PortFact, PortValue, Role
from portlint.readers import ReadOutput
from portlint.terraform.evaluate import Val, flatten
from portlint.terraform.known_modules import SECURITY_GROUP_PRESETS, SECURITY_GROUP_RULES
from portlint.terraform.model import ModuleCall

_SOURCE = re.compile(r"(^|/)terraform-aws-modules/security-group/aws(//modules/([\w-]+))?$"
                     r"|terraform-aws-security-group(\.git)?(//modules/([\w-]+))?(\?|$)")
_PROTOCOLS = {"tcp": "tcp", "6": "tcp", "udp": "udp", "17": "udp", "icmp": "icmp", "1": "icmp",
              "icmpv6": "icmpv6", "58": "icmpv6", "-1": "all", "all": "all"}


def is_security_group_module(source: str | None) -> bool:
    return bool(source and _SOURCE.search(source))


def _preset(source: str) -> str | None:
    match = _SOURCE.search(source)
    if match is None:
        return None
    return match.group(3) or match.group(6)


def read_security_group_call(call: ModuleCall, inputs: dict[str | None, dict[str, Val]], namespace: str,
                             prefix: str, chain: list[dict[str, Any]], environments: list[str | None],
                             environment: str | None, out: ReadOutput, label: str | None = None) -> None:
    """``label``: the call's instance (``module.x["a"]`` for a ``for_each`` key)."""
    from portlint.terraform.extract import _collapse

    ref = EntityRef("tf/aws_security_group", "this", namespace=namespace)
    attrs = {"address": f"{prefix}{label or 'module.' + call.name}", "module": namespace, "module_complete": False,
             "exported": False, "refs": [], "module_chain": chain, "remote_module": call.source}
    per_variant = {env: _facts(ref, call, args) for env, args in inputs.items()}
    out.entities.append(Entity(ref, call.block.loc, environment, attrs=attrs))
    out.facts.extend(_collapse(per_variant, environments, environment))


_WORLD = {4: "0.0.0.0/0", 6: "::/0"}
_PEERS = {"with_source_security_group_id": "source_security_group_id", "with_self": "self",
          "with_prefix_list_ids": "prefix_list_ids"}


def _facts(ref: EntityRef, call: ModuleCall, args: dict[str, Val]) -> list[PortFact]:
    facts: list[PortFact] = []
    for direction in ("ingress", "egress"):
        _direction(facts, ref, call, args, direction)
    return facts


def _direction(facts: list[PortFact], ref: EntityRef, call: ModuleCall, args: dict[str, Val], direction: str) -> None:
    v4, v6 = args.get(f"{direction}_cidr_blocks"), args.get(f"{direction}_ipv6_cidr_blocks")
    if direction == "egress":  # the module's defaults: egress to anywhere
        v4 = v4 if v4 is not None else Val([Val(_WORLD[4], "default", (call.block.loc,))], "default", (call.block.loc,))
        v6 = v6 if v6 is not None else Val([Val(_WORLD[6], "default", (call.block.loc,))], "default", (call.block.loc,))
    prefix_lists = _non_empty(args.get(f"{direction}_prefix_list_ids"))
    named = [leaf for key in (f"{direction}_rules", f"computed_{direction}_rules") if key in args
             for leaf in flatten(args[key])]
    if direction == "ingress" and "ingress_rules" not in args and call.source:
        preset = _preset(call.source)
        named = [Val(name, name, (call.block.loc,)) for name in SECURITY_GROUP_PRESETS.get(preset or "", ())]
    for i, leaf in enumerate(named):
        site = leaf.sites[0] if leaf.sites else call.block.loc
        rule = SECURITY_GROUP_RULES.get(str(leaf.data)) if leaf.is_scalar else None
        ports = (rule[0], rule[1], rule[2]) if rule else None
        _emit(facts, ref, f"{direction}_rules[{i}]", site, leaf.text, ports,
              _sources(_cidr_leaves(v4), _cidr_leaves(v6), prefix_lists=prefix_lists), direction)
    for computed in ("", "computed_"):
        for kind, family in (("with_cidr_blocks", 4), ("with_ipv6_cidr_blocks", 6), *((k, 0) for k in _PEERS)):
            key = f"{computed}{direction}_{kind}"
            value = args.get(key)
            if value is None or not value.known or not isinstance(value.data, list):
                continue
            for i, item in enumerate(value.data):
                if item.known and isinstance(item.data, dict):
                    default = v4 if family == 4 else v6 if family == 6 else None
                    _mapped(facts, ref, f"{key}[{i}]", item, family, default, direction, _PEERS.get(kind))


def _non_empty(value: Val | None) -> bool:
    return bool(value is not None and value.known and value.data not in (None, [], ""))


def _mapped(facts: list[PortFact], ref: EntityRef, slot: str, item: Val, family: int, default: Val | None,
            direction: str, peer: str | None) -> None:
    """One ``<dir>_with_…`` map: a named ``rule`` or explicit ports; its own comma-separated
    CIDRs, else the module-wide list (family 4/6), or its peer (family 0: a source security
    group, the group itself, a prefix list)."""
    data = item.data
    site = item.sites[0] if item.sites else Location("")
    rule_name = data.get("rule")
    if rule_name is not None and rule_name.is_scalar:
        rule = SECURITY_GROUP_RULES.get(str(rule_name.data))
        ports = (rule[0], rule[1], rule[2]) if rule else None
        site, text = (rule_name.sites[0] if rule_name.sites else site), rule_name.text
    else:
        low, high, protocol = data.get("from_port"), data.get("to_port"), data.get("protocol")
        known = all(v is not None and v.is_scalar for v in (low, high, protocol))
        ports = (low.data, high.data, protocol.scalar_text()) if known else None
        if low is not None and low.sites:
            site = low.sites[0]
        text = low.text if low is not None else item.text
    if family == 0:
        peer_value = data.get(peer or "")
        groups = [_group_name(peer_value)] if peer == "source_security_group_id" and peer_value is not None else []
        sources = _sources([], [], groups=groups, self_=peer == "self",
                           prefix_lists=peer == "prefix_list_ids" and _non_empty(peer_value))
        _emit(facts, ref, slot, site, text, ports, sources, direction)
        return
    key = "cidr_blocks" if family == 4 else "ipv6_cidr_blocks"
    own = data.get(key)
    leaves = _comma_cidrs(own) if own is not None else _cidr_leaves(default)
    _emit(facts, ref, slot, site, text, ports, _sources(leaves if family == 4 else [], leaves if family == 6 else []),
          direction)


_GROUP_REF = re.compile(r"\b(aws_security_group\.[A-Za-z0-9_-]+)\b")


def _group_name(value: Val) -> str:
    """A peer group: the resource it names (``aws_security_group.app``), a literal id, or the
    expression as written."""
    match = _GROUP_REF.search(value.text)
    if match:
        return match.group(1)
    return value.scalar_text() if value.is_scalar else value.text


def _cidr_leaves(value: Val | None) -> list[Val]:
    if value is None:
        return []
    out: list[Val] = []
    for leaf in flatten(value):
        out.extend(_comma_cidrs(leaf) if leaf.is_scalar else [leaf])
    return out


def _comma_cidrs(value: Val) -> list[Val]:
    """``"10.0.0.0/8,0.0.0.0/0"`` → one value per CIDR, at the string."""
    if not value.is_scalar or not isinstance(value.data, str):
        return flatten(value) if value.known and isinstance(value.data, list) else [value]
    return [Val(part.strip(), part.strip(), value.sites) for part in value.data.split(",") if part.strip()]


def _emit(facts: list[PortFact], ref: EntityRef, slot: str, site: Location, text: str,
          ports: tuple[Any, Any, str] | None, sources: dict[str, Any], direction: str) -> None:
    protocol = _PROTOCOLS.get(str(ports[2]).lower(), str(ports[2]).lower()) if ports else None
    common = {"direction": direction, "protocol": protocol, "protocol_text": str(ports[2]) if ports else None,
              "protocol_location": site, "rule_kind": "module", "allows_zero": True, "family": "aws",
              "action": "allow", **sources}
    transport = {"tcp": "TCP", "udp": "UDP", "all": "ALL"}.get(protocol or "", "TCP")
    if protocol in ("icmp", "icmpv6"):
        return
    for bound, index in (("from", 0), ("to", 1)):
        implicit = protocol == "all"
        if ports is None:
            value = PortValue.unresolved_expr(text)
        else:
            value = PortValue.parse((0, 65535)[index] if implicit else ports[index])
        facts.append(PortFact(value, Role.ALLOW, ref, site, transport, None, slot,
                              {"field": f"{direction}.{bound}_port", "bound": bound, "implicit": implicit, **common}))


def _sources(v4: list[Val], v6: list[Val], groups: list[str] | None = None, self_: bool = False,
             prefix_lists: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {"cidr_blocks": [], "ipv6_cidr_blocks": [], "cidrs_unresolved": [], "cidr_nested": [],
                           "cidr_sites": [], "source_groups": sorted(set(groups or [])), "world_sources": [],
                           "source_tags": [], "self": self_, "prefix_lists": prefix_lists}
    for key, leaves in (("cidr_blocks", v4), ("ipv6_cidr_blocks", v6)):
        for leaf in leaves:
            if leaf.is_scalar and isinstance(leaf.data, str):
                out[key].append(leaf.data)
                site = leaf.sites[0] if leaf.sites else Location("")
                out["cidr_sites"].append((leaf.data, key, site, len(leaf.sites) > 1))
            elif not (leaf.known and leaf.data is None):
                out["cidrs_unresolved"].append(leaf.text)
    return out
