"""A terraform-aws-modules/security-group call, read from its arguments (the module's code is
not in the tree): the security group it makes and its ingress rules, as facts of an
``aws_security_group`` entity in the call's namespace.

Shapes read (docs of the module's variables): ``ingress_rules`` / ``computed_ingress_rules``
(named rules → ports from :mod:`portlint.terraform.known_modules`) with ``ingress_cidr_blocks`` /
``ingress_ipv6_cidr_blocks``; ``ingress_with_cidr_blocks`` / ``ingress_with_ipv6_cidr_blocks``
(and ``computed_`` forms): lists of maps with ``rule`` or ``from_port``/``to_port``/``protocol``
and a comma-separated ``cidr_blocks`` string (else the module-wide CIDRs); a
``//modules/<preset>`` source opens its preset's rules when ``ingress_rules`` is not given.
Rules from source security groups, ``self`` or prefix lists admit no CIDR and are not read.
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
                             environment: str | None, out: ReadOutput) -> None:
    from portlint.terraform.extract import _collapse

    ref = EntityRef("tf/aws_security_group", "this", namespace=namespace)
    attrs = {"address": f"{prefix}module.{call.name}", "module": namespace, "module_complete": False,
             "exported": False, "refs": [], "module_chain": chain, "remote_module": call.source}
    per_variant = {env: _facts(ref, call, args) for env, args in inputs.items()}
    out.entities.append(Entity(ref, call.block.loc, environment, attrs=attrs))
    out.facts.extend(_collapse(per_variant, environments, environment))


def _facts(ref: EntityRef, call: ModuleCall, args: dict[str, Val]) -> list[PortFact]:
    facts: list[PortFact] = []
    v4, v6 = args.get("ingress_cidr_blocks"), args.get("ingress_ipv6_cidr_blocks")
    named = [leaf for key in ("ingress_rules", "computed_ingress_rules") if key in args for leaf in flatten(args[key])]
    if "ingress_rules" not in args and call.source:
        preset = _preset(call.source)
        named = [Val(name, name, (call.block.loc,)) for name in SECURITY_GROUP_PRESETS.get(preset or "", ())]
    for i, leaf in enumerate(named):
        site = leaf.sites[0] if leaf.sites else call.block.loc
        rule = SECURITY_GROUP_RULES.get(str(leaf.data)) if leaf.is_scalar else None
        ports = (rule[0], rule[1], rule[2]) if rule else None
        _emit(facts, ref, f"ingress_rules[{i}]", site, leaf.text, ports, _cidr_leaves(v4), _cidr_leaves(v6))
    for key, family in (("ingress_with_cidr_blocks", 4), ("computed_ingress_with_cidr_blocks", 4),
                        ("ingress_with_ipv6_cidr_blocks", 6), ("computed_ingress_with_ipv6_cidr_blocks", 6)):
        value = args.get(key)
        if value is None or not value.known or not isinstance(value.data, list):
            continue
        for i, item in enumerate(value.data):
            if item.known and isinstance(item.data, dict):
                _mapped(facts, ref, f"{key}[{i}]", item, family, v4 if family == 4 else v6)
    return facts


def _mapped(facts: list[PortFact], ref: EntityRef, slot: str, item: Val, family: int, default: Val | None) -> None:
    """One ``ingress_with_cidr_blocks`` map: a named ``rule`` or explicit ports; its own
    comma-separated CIDRs, else the module-wide list."""
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
    key = "cidr_blocks" if family == 4 else "ipv6_cidr_blocks"
    own = data.get(key)
    leaves = _comma_cidrs(own) if own is not None else _cidr_leaves(default)
    _emit(facts, ref, slot, site, text, ports, leaves if family == 4 else [], leaves if family == 6 else [])


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
          ports: tuple[Any, Any, str] | None, v4: list[Val], v6: list[Val]) -> None:
    protocol = _PROTOCOLS.get(str(ports[2]).lower(), str(ports[2]).lower()) if ports else None
    sources = _sources(v4, v6)
    common = {"direction": "ingress", "protocol": protocol, "protocol_text": str(ports[2]) if ports else None,
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
                              {"field": f"ingress.{bound}_port", "bound": bound, "implicit": implicit, **common}))


def _sources(v4: list[Val], v6: list[Val]) -> dict[str, Any]:
    out: dict[str, Any] = {"cidr_blocks": [], "ipv6_cidr_blocks": [], "cidrs_unresolved": [], "cidr_nested": [],
                           "cidr_sites": [], "source_groups": [], "world_sources": [], "source_tags": [],
                           "self": False, "prefix_lists": False}
    for key, leaves in (("cidr_blocks", v4), ("ipv6_cidr_blocks", v6)):
        for leaf in leaves:
            if leaf.is_scalar and isinstance(leaf.data, str):
                out[key].append(leaf.data)
                site = leaf.sites[0] if leaf.sites else Location("")
                out["cidr_sites"].append((leaf.data, key, site, len(leaf.sites) > 1))
            elif not (leaf.known and leaf.data is None):
                out["cidrs_unresolved"].append(leaf.text)
    return out
