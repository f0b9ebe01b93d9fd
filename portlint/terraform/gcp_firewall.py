"""GCP ``google_compute_firewall``: ``allow``/``deny`` blocks (protocol, ``ports`` strings),
``direction``, ``priority``, ``source_ranges``. An ingress firewall with no source at all
(no ``source_ranges``, ``source_tags`` or ``source_service_accounts``) admits 0.0.0.0/0, as GCP
documents. Rules of one network are ordered by priority (lower first; deny wins a tie)."""

from __future__ import annotations

from portlint.terraform.facts import Res, scalar
from portlint.terraform.firewalls import emit_range, port_items
from portlint.terraform.security_groups import PROTOCOLS, sources

FIREWALL = "google_compute_firewall"
GCP_SOURCES = (("source_ranges", "any"), ("destination_ranges", "any"))
_NOT_PORTS = ("icmp", "esp", "ah", "ipip", "1", "50", "51", "4")


def _firewall(res: Res) -> None:
    body = res.body
    direction = (scalar(res.ev, body, "direction") or "INGRESS").lower()
    disabled = scalar(res.ev, body, "disabled") == "true"
    priority_text = scalar(res.ev, body, "priority")
    priority = int(priority_text) if priority_text and priority_text.isdigit() else (1000 if "priority" not in body.attrs else None)
    network = body.attrs.get("network")
    keys = GCP_SOURCES if direction == "ingress" else ()
    found = sources(body, res.ev, keys)
    if direction == "ingress" and not any(k in body.attrs for k in ("source_ranges", "source_tags", "source_service_accounts")):
        found["world_sources"] = ["0.0.0.0/0 (no source given)"]
    found["source_tags"] = found["source_tags"] + [t for k in ("source_tags", "source_service_accounts") for t in _words(res, k)]
    res.attrs.update({"direction": direction, "disabled": disabled})
    if disabled:
        return
    for action in ("allow", "deny"):
        for i, block in enumerate(body.blocks_of(action)):
            protocol_attr = block.body.attrs.get("protocol")
            written = scalar(res.ev, block.body, "protocol")
            protocol = PROTOCOLS.get(written.lower(), written.lower()) if written is not None else None
            if protocol in _NOT_PORTS:
                continue
            common = {"direction": direction, "protocol": protocol, "action": action, "priority": priority,
                      "protocol_text": protocol_attr.value.text if protocol_attr else None,
                      "protocol_location": protocol_attr.value.loc if protocol_attr else None,
                      "rule_kind": "gcp", "family": "gcp", "ordered": True,
                      "firewall": f"network {network.value.text}" if network is not None else None, **found}
            ports_attr = block.body.attrs.get("ports")
            items = port_items(res.ev.ev(ports_attr.value), ports_attr.value, block.loc) if ports_attr else []
            if not items or protocol == "all":
                emit_range(res, f"{action}[{i}]", None, f"{action}.ports", common, block.loc)
                continue
            for j, item in enumerate(items):
                emit_range(res, f"{action}[{i}].ports[{j}]", item, f"{action}.ports", common)


def _words(res: Res, key: str) -> list[str]:
    attr = res.body.attrs.get(key)
    if attr is None:
        return []
    value = res.ev.ev(attr.value)
    if value.known and isinstance(value.data, list):
        return [v.scalar_text() for v in value.data if v.is_scalar]
    return [attr.value.text]


HANDLERS = {FIREWALL: _firewall}
