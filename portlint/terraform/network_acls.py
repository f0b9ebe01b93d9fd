"""AWS network ACLs: ``aws_network_acl``/``aws_default_network_acl`` inline ``ingress``/``egress``
blocks and ``aws_network_acl_rule``. Rules are evaluated in ``rule_no`` order, first match wins,
so every rule carries its number, its action and the ACL it belongs to."""

from __future__ import annotations

from portlint.terraform.evaluate import Val
from portlint.terraform.facts import Res, collect_refs, scalar
from portlint.terraform.security_groups import allow_rule

ACLS = ("aws_network_acl", "aws_default_network_acl")
ACL_RULE = "aws_network_acl_rule"
NACL_SOURCES = (("cidr_block", "v4"), ("ipv6_cidr_block", "v6"))


def _acl(res: Res) -> None:
    for direction in ("ingress", "egress"):
        for i, block in enumerate(res.body.blocks_of(direction)):
            body = block.body
            extra = {"action": _action(scalar(res.ev, body, "action")), "priority": _number(res, body, "rule_no"),
                     "firewall": res.resource.address, "ordered": True}
            allow_rule(res, body, res.ev, direction, f"{direction}[{i}]", f"{direction}.", "nacl", extra, NACL_SOURCES)


def _acl_rule(res: Res) -> None:
    egress = scalar(res.ev, res.body, "egress")
    direction = "egress" if egress == "true" else "ingress"
    acl = res.body.attrs.get("network_acl_id")
    owners = [r["address"] for r in collect_refs(acl.value, "")] if acl is not None else []
    res.attrs["direction"] = direction
    extra = {"action": _action(scalar(res.ev, res.body, "rule_action")), "priority": _number(res, res.body, "rule_number"),
             "firewall": owners[0] if owners else None, "ordered": True}
    allow_rule(res, res.body, res.ev, direction, "rule", "", "nacl-rule", extra, NACL_SOURCES)


def _action(text: str | None) -> str | None:
    if text is None:
        return None
    lowered = text.lower()
    return lowered if lowered in ("allow", "deny") else lowered


def _number(res: Res, body, key: str) -> int | None:
    attr = body.attrs.get(key)
    if attr is None:
        return None
    value: Val = res.ev.ev(attr.value)
    if value.is_scalar and isinstance(value.data, (int, float)) and not isinstance(value.data, bool):
        return int(value.data)
    if value.is_scalar and isinstance(value.data, str) and value.data.isdigit():
        return int(value.data)
    return None


HANDLERS = {**{t: _acl for t in ACLS}, ACL_RULE: _acl_rule}
