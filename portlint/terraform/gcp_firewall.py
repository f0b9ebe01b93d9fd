"""GCP ``google_compute_firewall``: ``allow``/``deny`` blocks (protocol, ``ports`` strings),
``direction``, ``priority``, ``source_ranges``. An ingress firewall with no source at all
(no ``source_ranges``, ``source_tags`` or ``source_service_accounts``) admits 0.0.0.0/0, as GCP
documents. Rules of one network are ordered by priority (lower first; deny wins a tie)."""

from __future__ import annotations

from portlint.terraform.facts import Res, collect_refs, scalar
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
    res.attrs.update({"direction": direction, "disabled": disabled, "network": _network(res, network),
                      "target_tags": _known_words(res, "target_tags"),
                      "target_service_accounts": _known_words(res, "target_service_accounts")})
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


def _known_words(res: Res, key: str, body=None) -> list[str] | None:
    """The strings of a list argument; [] when absent; None when not known."""
    attr = (body or res.body).attrs.get(key)
    if attr is None:
        return []
    value = res.ev.ev(attr.value)
    if value.known and isinstance(value.data, list) and all(v.is_scalar for v in value.data):
        return sorted({v.scalar_text() for v in value.data})
    return None


def _network(res: Res, attr) -> str | None:
    """A network by the resource it references (``google_compute_network.vpc``), else its name."""
    if attr is None:
        return "default"  # GCP's default network
    refs = collect_refs(attr.value, "")
    if refs:
        return refs[0]["address"]
    value = res.ev.ev(attr.value)
    if value.is_scalar and value.data is not None:
        return value.scalar_text().rsplit("/", 1)[-1]
    return None


def _instance(res: Res) -> None:
    """A VM or instance template: what firewalls select it by (network tags, service accounts,
    networks); None where not known."""
    accounts: list[str] | None = []
    for block in res.body.blocks_of("service_account"):
        email = scalar(res.ev, block.body, "email")
        if email is None or accounts is None:
            accounts = None
        else:
            accounts.append(email)
    networks: list[str] | None = []
    for block in res.body.blocks_of("network_interface"):
        name = _network(res, block.body.attrs.get("network")) if "subnetwork" not in block.body.attrs \
            or "network" in block.body.attrs else None
        if name is None or networks is None:
            networks = None
        else:
            networks.append(name)
    res.attrs.update({"network_tags": _known_words(res, "tags"), "service_accounts": accounts,
                      "networks": sorted(set(networks)) if networks is not None else None})


INSTANCES = ("google_compute_instance", "google_compute_instance_template")
HANDLERS = {FIREWALL: _firewall, **{t: _instance for t in INSTANCES}}
