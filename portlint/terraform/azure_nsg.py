"""Azure network security groups: ``azurerm_network_security_group`` ``security_rule`` blocks
(or the attribute form) and ``azurerm_network_security_rule``. ``destination_port_range`` /
``destination_port_ranges`` are the ports, ``source_address_prefix(es)`` the sources (``*``,
``Internet`` and ``Any`` are the whole internet; other words are service tags). Rules of one
NSG are evaluated by ``priority``, lower first, first match wins."""

from __future__ import annotations

from portlint.terraform.evaluate import Evaluator
from portlint.terraform.facts import Res, collect_refs, scalar
from portlint.terraform.firewalls import emit_range, port_items
from portlint.terraform.model import Attr, Body, Node
from portlint.terraform.security_groups import sources

GROUP = "azurerm_network_security_group"
RULE = "azurerm_network_security_rule"
AZURE_SOURCES = (("source_address_prefix", "any"), ("source_address_prefixes", "any"))
_PROTOCOLS = {"tcp": "tcp", "udp": "udp", "*": "all", "icmp": "icmp", "esp": "esp", "ah": "ah"}
_NOT_PORTS = ("icmp", "esp", "ah")


def _group(res: Res) -> None:
    rules = [b.body for b in res.body.blocks_of("security_rule")]
    attr = res.body.attrs.get("security_rule")
    if attr is not None and attr.value.kind == "tuple":
        rules.extend(Body(attrs={k: Attr(k, v, loc) for k, loc, v in item.items}) for item in attr.value.items
                     if item.kind == "object")
    for i, body in enumerate(rules):
        _rule(res, body, res.ev, f"security_rule[{i}]", "security_rule.", res.resource.address)


def _standalone(res: Res) -> None:
    group = res.body.attrs.get("network_security_group_name")
    owners = [r["address"] for r in collect_refs(group.value, "")] if group is not None else []
    firewall = owners[0] if owners else (f"nsg {group.value.text}" if group is not None else None)
    res.attrs["direction"] = _direction(scalar(res.ev, res.body, "direction"))
    _rule(res, res.body, res.ev, "rule", "", firewall)


def _direction(text: str | None) -> str | None:
    if text is None:
        return None
    return {"inbound": "ingress", "outbound": "egress"}.get(text.lower(), text.lower())


def _rule(res: Res, body: Body, ev: Evaluator, slot: str, prefix: str, firewall: str | None) -> None:
    written = scalar(ev, body, "protocol")
    protocol = _PROTOCOLS.get(written.lower(), written.lower()) if written is not None else None
    if protocol in _NOT_PORTS:
        return
    priority_text = scalar(ev, body, "priority")
    access = scalar(ev, body, "access")
    protocol_attr = body.attrs.get("protocol")
    common = {"direction": _direction(scalar(ev, body, "direction")), "protocol": protocol,
              "action": access.lower() if access else None,
              "priority": int(priority_text) if priority_text and priority_text.isdigit() else None,
              "protocol_text": protocol_attr.value.text if protocol_attr else None,
              "protocol_location": protocol_attr.value.loc if protocol_attr else None,
              "rule_kind": "azure", "family": "azure", "ordered": True, "firewall": firewall,
              "rule_name": scalar(ev, body, "name"), **sources(body, ev, AZURE_SOURCES)}
    single, many = body.attrs.get("destination_port_range"), body.attrs.get("destination_port_ranges")
    items = []
    for attr in (single, many):
        if attr is not None:
            items.extend(port_items(_as_list(ev, attr.value), attr.value, attr.loc))
    field = f"{prefix}destination_port_range"
    if not items:
        emit_range(res, slot, None, field, common)
    for j, item in enumerate(items):
        emit_range(res, slot if len(items) == 1 else f"{slot}.ports[{j}]", item, field, common)


def _as_list(ev: Evaluator, node: Node):
    value = ev.ev(node)
    if value.is_scalar:
        from portlint.terraform.evaluate import Val

        return Val([value], value.text, value.sites)
    return value


HANDLERS = {GROUP: _group, RULE: _standalone}
# what puts a VM behind an NSG: read as entities, joined by their references (links/terraform.py)
TOPOLOGY = ("azurerm_network_interface", "azurerm_subnet", "azurerm_linux_virtual_machine",
            "azurerm_windows_virtual_machine", "azurerm_virtual_machine",
            "azurerm_subnet_network_security_group_association", "azurerm_network_interface_security_group_association")
