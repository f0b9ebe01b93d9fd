"""Terraform references become graph edges; firewall rules become one view per rule.

The reader records every ``type.name.attr`` reference of a resource (``attrs["refs"]``: the
argument path, the address, where it is written). This linker turns the ones that carry port
traffic into links inside the same module:

- ``forwards-to``: listener or listener rule → target group (``target_group_arn``);
- ``part-of``: listener rule → listener, listener → load balancer, security-group rule → group
  (``security_group_id``), target-group attachment → target group;
- ``allows-from``: rule or group → the group it admits (``source_security_group_id``,
  ``referenced_security_group_id``, inline ``security_groups``);
- ``uses``: load balancer, instance, launch template or ECS service → its security groups;
- ``registers-with``: ECS service → target group; ``targets``: attachment → instance;
  ``runs``: ECS service → task definition;
- ``switches``: CodeDeploy deployment group → the target groups of its blue/green
  ``target_group_pair_info`` (traffic moves between them on every deployment).

:func:`firewall_rules` gives rules one object per firewall rule and environment (its from/to
facts, protocol, sources, group) so that no rule re-derives them from facts.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from dataclasses import dataclass, replace
from operator import attrgetter
from typing import Any

from portlint.graph import PortGraph, explain_link, member_facts, new_link, service_of
from portlint.model import Entity, EntityRef, Link, Location, PortFact, Role

ORDER = 20
PREFIX = "tf/"

TARGET_GROUP_KINDS = ("tf/aws_lb_target_group", "tf/aws_alb_target_group")
LISTENER_KINDS = ("tf/aws_lb_listener", "tf/aws_alb_listener")
LISTENER_RULE_KINDS = ("tf/aws_lb_listener_rule", "tf/aws_alb_listener_rule")
LOAD_BALANCER_KINDS = ("tf/aws_lb", "tf/aws_alb")
GROUP_KIND = "tf/aws_security_group"
INLINE_FIREWALL_KINDS = ("tf/aws_security_group", "tf/aws_network_acl", "tf/aws_default_network_acl",
                         "tf/google_compute_firewall", "tf/azurerm_network_security_group")
NACL_KINDS = ("nacl", "nacl-rule")  # FirewallRule.attrs["rule_kind"] of network ACL entries
RULE_KINDS = ("tf/aws_security_group_rule", "tf/aws_vpc_security_group_ingress_rule",
              "tf/aws_vpc_security_group_egress_rule")
DATABASE_KINDS = tuple(PREFIX + t for t in (
    "aws_db_instance", "aws_rds_cluster", "aws_elasticache_cluster", "aws_elasticache_replication_group",
    "aws_docdb_cluster", "aws_redshift_cluster", "aws_memorydb_cluster"))
CODEDEPLOY_GROUP_KIND = "tf/aws_codedeploy_deployment_group"
HOST_KINDS = ("tf/aws_instance", "tf/aws_launch_template", "tf/aws_ecs_service")
_SOURCE_PATHS = ("source_security_group_id", "referenced_security_group_id")
_USES_PATHS = ("security_groups", "vpc_security_group_ids", "network_configuration.security_groups",
               "network_interfaces.security_groups")


def link(graph: PortGraph) -> None:
    for entity in list(graph.entities()):
        if not entity.ref.kind.startswith(PREFIX):
            continue
        for ref in entity.attrs.get("refs", ()):
            kind = link_kind(entity.ref.kind, ref["path"], PREFIX + ref["type"])
            if kind is None:
                continue
            target = EntityRef(PREFIX + ref["type"], ref["name"], namespace=entity.ref.namespace).id
            if graph.entity(target) is None:
                continue  # a resource the scan does not model (a VPC, a certificate): no link, no reason
            reason = f"{ref['path']} = {ref['address']}.{ref['attribute']}".rstrip(".")
            graph.add_link(new_link(entity.id, target, kind, reason, (ref["location"],)))


    _protects(graph)


GCP_FIREWALL_KIND = "tf/google_compute_firewall"
GCP_HOST_KINDS = ("tf/google_compute_instance", "tf/google_compute_instance_template")
AZURE_NSG_KIND = "tf/azurerm_network_security_group"
AZURE_VM_KINDS = ("tf/azurerm_linux_virtual_machine", "tf/azurerm_windows_virtual_machine",
                  "tf/azurerm_virtual_machine")
_AZURE_ASSOCIATIONS = ("tf/azurerm_subnet_network_security_group_association",
                       "tf/azurerm_network_interface_security_group_association")


def _protects(graph: PortGraph) -> None:
    """``protects`` firewall → host: a GCP firewall → the instances (templates) its target tags
    or service accounts select (all of its network's when it names none); an Azure NSG → the VMs
    whose network interface, or its subnet, is associated with it."""
    for firewall in graph.entities(GCP_FIREWALL_KIND):
        for host, reason in _gcp_hosts(graph, firewall):
            graph.add_link(Link(firewall.id, host.id, "protects", reason, (firewall.location,)))
    for association in graph.entities(_AZURE_ASSOCIATIONS):
        refs = association.attrs.get("refs", ())
        nsgs = [r for r in refs if r["type"] == AZURE_NSG_KIND[3:]]
        targets = [r for r in refs if r["type"] in ("azurerm_subnet", "azurerm_network_interface")]
        if len(nsgs) != 1 or len(targets) != 1:
            continue
        nsg = graph.entity(EntityRef(AZURE_NSG_KIND, nsgs[0]["name"], association.ref.namespace).id)
        if nsg is None:
            continue
        for vm in _azure_vms(graph, association.ref.namespace, targets[0]):
            reason = f"{association.attrs.get('address')} associates {nsg.attrs.get('address')} with {targets[0]['address']}"
            graph.add_link(Link(nsg.id, vm.id, "protects", reason, (nsgs[0]["location"],)))


def _gcp_hosts(graph: PortGraph, firewall: Entity) -> list[tuple[Entity, str]]:
    attrs = firewall.attrs
    tags, accounts = attrs.get("target_tags"), attrs.get("target_service_accounts")
    if attrs.get("direction") != "ingress" or attrs.get("disabled") or tags is None or accounts is None:
        return []
    out = []
    for host in graph.entities(GCP_HOST_KINDS):
        if host.ref.namespace != firewall.ref.namespace:
            continue
        networks = host.attrs.get("networks")
        if networks is not None and attrs.get("network") is not None and attrs["network"] not in networks:
            continue
        shared_tags = sorted(set(tags) & set(host.attrs.get("network_tags") or ()))
        shared_accounts = sorted(set(accounts) & set(host.attrs.get("service_accounts") or ()))
        if shared_tags:
            out.append((host, f"its target tags select {host.attrs.get('address')} (tags {', '.join(shared_tags)})"))
        elif shared_accounts:
            out.append((host, f"its target service accounts select {host.attrs.get('address')}"))
        elif not tags and not accounts and networks is not None:
            out.append((host, f"it names no target: it applies to every instance of network {attrs.get('network')}"))
    return out


def _azure_vms(graph: PortGraph, namespace: str, target: dict) -> list[Entity]:
    """The VMs behind a network interface, or behind every interface in a subnet."""
    nics = []
    for nic in graph.entities("tf/azurerm_network_interface"):
        if nic.ref.namespace != namespace:
            continue
        named = {r["address"] for r in nic.attrs.get("refs", ())}
        if f"azurerm_network_interface.{nic.ref.name}" == target["address"] or target["address"] in named:
            nics.append(nic.ref.name)
    vms = []
    for vm in graph.entities(AZURE_VM_KINDS):
        if vm.ref.namespace == namespace and any(
                r["type"] == "azurerm_network_interface" and r["name"] in nics for r in vm.attrs.get("refs", ())):
            vms.append(vm)
    return vms


def link_kind(source: str, path: str, target: str) -> str | None:
    """The link a reference at argument ``path`` of a ``source`` resource to a ``target`` makes."""
    leaf = path.rsplit(".", 1)[-1]
    if target in TARGET_GROUP_KINDS:
        if source in LISTENER_KINDS + LISTENER_RULE_KINDS and ("target_group_arn" in path or path.endswith("target_group.arn")):
            return "forwards-to"
        if source == "tf/aws_ecs_service" and path.endswith("target_group_arn"):
            return "registers-with"
        if source == "tf/aws_lb_target_group_attachment":
            return "part-of"
        if source == CODEDEPLOY_GROUP_KIND and "target_group_pair_info" in path:
            return "switches"
    if source in LISTENER_RULE_KINDS and target in LISTENER_KINDS:
        return "part-of"
    if source in LISTENER_KINDS and target in LOAD_BALANCER_KINDS:
        return "part-of"
    if target == GROUP_KIND:
        if source in RULE_KINDS and path == "security_group_id":
            return "part-of"
        if leaf in _SOURCE_PATHS or (source == GROUP_KIND and leaf == "security_groups"):
            return "allows-from"
        if source in LOAD_BALANCER_KINDS + HOST_KINDS and path in _USES_PATHS:
            return "uses"
        if source in DATABASE_KINDS and path in ("vpc_security_group_ids", "security_group_ids"):
            return "uses"  # RDS, DocumentDB, Redshift: vpc_security_group_ids; ElastiCache, MemoryDB: security_group_ids
    if source == "tf/aws_lb_target_group_attachment" and path == "target_id":
        return "targets"
    if source == "tf/aws_ecs_service" and target == "tf/aws_ecs_task_definition":
        return "runs"
    return None


# -- firewall rules as rules see them ----------------------------------------------------------------


@dataclass(frozen=True)
class FirewallRule:
    """One firewall rule in one environment: an AWS security-group rule (inline block, separate
    rule or VPC rule), a network ACL entry, a GCP firewall allow/deny port, an Azure NSG rule.

    Ordered firewalls (network ACLs, GCP, Azure) carry ``priority`` (rule number) and
    ``firewall`` (the ACL, network or NSG whose rules are evaluated together, first match wins):
    ``denied`` holds the port spans an earlier world-wide deny of the same firewall takes away,
    and ``shadowed_by`` names, for a deny, the earlier allow that already admits everything it
    denies."""

    owner: Entity  # the security group (inline rules) or the rule resource
    group: Entity | None  # the security group the rule belongs to
    slot: str
    environment: str | None
    low: PortFact | None  # from_port
    high: PortFact | None  # to_port
    denied: tuple[tuple[int, int], ...] = ()
    shadowed_by: "FirewallRule | None" = None

    @property
    def attrs(self) -> dict[str, Any]:
        fact = self.low or self.high
        return fact.attrs if fact is not None else {}

    @property
    def action(self) -> str:
        """allow or deny (security groups only allow); another word is what was written."""
        return str(self.attrs.get("action") or "allow")

    @property
    def priority(self) -> int | None:
        return self.attrs.get("priority")

    @property
    def family(self) -> str:
        return str(self.attrs.get("family") or "aws")

    @property
    def direction(self) -> str:
        return str(self.attrs.get("direction") or "")

    @property
    def protocol(self) -> str | None:
        """tcp, udp, all, a protocol number, or None when unresolved."""
        return self.attrs.get("protocol")

    @property
    def location(self) -> Location:
        fact = self.low or self.high
        return fact.location if fact is not None else self.owner.location

    @property
    def label(self) -> str:
        address = str(self.owner.attrs.get("address", self.owner.ref.name))
        if self.owner.ref.kind in INLINE_FIREWALL_KINDS:
            name = self.attrs.get("rule_name")
            return f"{address} {self.slot}" + (f" ({name})" if name else "")
        instance = self.attrs.get("instance")
        if instance is None:
            return address
        return f"{address}[{instance}]" if isinstance(instance, int) else f'{address}["{instance}"]'

    @property
    def cidrs(self) -> list[str]:
        return [*self.attrs.get("cidr_blocks", []), *self.attrs.get("ipv6_cidr_blocks", [])]

    @property
    def world_cidrs(self) -> list[str]:
        """Sources that mean the whole internet. AWS rejects a CIDR with host bits set
        (``1.2.3.4/0``): that is invalid (PL206), not open to the world."""
        strict = self.family == "aws"
        return [c for c in self.cidrs if is_world(c, strict)] + list(self.attrs.get("world_sources", []))

    @property
    def public_cidrs(self) -> list[str]:
        """Sources wider than one address that reach into the public internet without being all
        of it (``8.8.0.0/16``); private, shared (CGNAT), link-local, loopback, unique-local and
        documentation ranges are not public."""
        strict = self.family == "aws"
        return [c for c in self.cidrs if is_public_range(c, strict)]

    def ports(self) -> tuple[int, int] | None:
        """The port range it opens, all ports for AWS protocol all/-1 (which ignores the ports);
        None when not known."""
        if self.protocol == "all" and self.family == "aws":
            return 0, 65535
        if self.protocol is None or self.low is None or self.high is None:
            return None
        low, high = self.low.value.number, self.high.value.number
        if low is None or high is None:
            return None
        return low, high

    def opens(self, port: int) -> bool:
        """Whether the rule lets ``port`` in: an allow covering it that no earlier deny of an
        ordered firewall takes away."""
        span = self.ports()
        if self.action != "allow" or span is None or not span[0] <= port <= span[1]:
            return False
        return not any(low <= port <= high for low, high in self.denied)

    def describe_ports(self) -> str:
        span = self.ports()
        if self.protocol == "all" and self.family == "aws":
            return "all ports (protocol all)"
        if span is None:
            return "unresolved ports"
        if span == (0, 65535):
            return "all ports"
        return f"port {span[0]}" if span[0] == span[1] else f"ports {span[0]}-{span[1]}"

    def facts(self) -> list[PortFact]:
        return [f for f in (self.low, self.high) if f is not None]


def is_world(cidr: str, strict: bool = False) -> bool:
    """``0.0.0.0/0`` or ``::/0`` (any network with prefix length 0); with ``strict``, a CIDR with
    host bits set is not a network at all."""
    try:
        return ipaddress.ip_network(cidr.strip(), strict=strict).prefixlen == 0
    except ValueError:
        return False


# address blocks that are not reachable from the internet (IANA special-purpose registries)
_NOT_PUBLIC = tuple(ipaddress.ip_network(n) for n in (
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24",
    "192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4",
    "240.0.0.0/4", "::/128", "::1/128", "fc00::/7", "fe80::/10", "ff00::/8", "2001:db8::/32"))


def is_public_range(cidr: str, strict: bool = False) -> bool:
    """A network of more than one address, not the whole internet, with public addresses in it."""
    try:
        network = ipaddress.ip_network(cidr.strip(), strict=strict)
    except ValueError:
        return False
    if network.prefixlen == 0 or network.num_addresses < 2:
        return False
    return not any(network.version == block.version and network.subnet_of(block)  # type: ignore[arg-type]
                   for block in _NOT_PUBLIC)


def firewall_rules(graph: PortGraph) -> list[FirewallRule]:
    """Every firewall rule of the scan, one per (owner, slot, environment), in source order.
    Computed once per graph (several rules ask)."""
    return graph.memo("terraform:firewall-rules", lambda: _firewall_rules(graph))


def _firewall_rules(graph: PortGraph) -> list[FirewallRule]:
    grouped: dict[tuple[str, str, str], dict[str, PortFact]] = {}
    for fact in graph.facts(role=Role.ALLOW):
        if not fact.owner.kind.startswith(PREFIX):
            continue
        key = (fact.owner.id, fact.slot, fact.environment or "")
        grouped.setdefault(key, {})[fact.attrs.get("bound", "from")] = fact
    rules = []
    for (owner_id, slot, env), bounds in grouped.items():
        owner = graph.entity(owner_id)
        if owner is None:
            continue
        rules.append(FirewallRule(owner, group_of(graph, owner), slot, env or None, bounds.get("from"), bounds.get("to")))
    return sorted(_ordered(rules), key=lambda r: (r.location, r.environment or ""))


def _ordered(rules: list[FirewallRule]) -> list[FirewallRule]:
    """Rules of ordered firewalls (network ACLs, GCP networks, Azure NSGs) evaluated in priority
    order: an allow loses the ports an earlier world-wide deny covers; a deny whose ports an
    earlier world-wide allow already admits is shadowed."""
    groups: dict[tuple, list[FirewallRule]] = {}
    out = []
    for rule in rules:
        firewall = rule.attrs.get("firewall")
        if not rule.attrs.get("ordered") or firewall is None or rule.priority is None:
            out.append(rule)
            continue
        key = (rule.owner.ref.namespace, firewall, rule.direction, rule.environment or "")
        groups.setdefault(key, []).append(rule)
    for members in groups.values():
        members.sort(key=lambda r: (r.priority, r.action != "deny", r.location))
        earlier: list[FirewallRule] = []
        for rule in members:
            out.append(_with_order(rule, earlier))
            earlier.append(rule)
    return out


def _with_order(rule: FirewallRule, earlier: list[FirewallRule]) -> FirewallRule:
    wide = [r for r in earlier if r.world_cidrs and r.ports() is not None and _same_traffic(r, rule)]
    if rule.action == "allow":
        denied = tuple(r.ports() for r in wide if r.action == "deny")
        return replace(rule, denied=denied) if denied else rule
    span = rule.ports()
    if rule.action == "deny" and span is not None:
        cover = next((r for r in wide if r.action == "allow" and r.ports()[0] <= span[0] and span[1] <= r.ports()[1]
                      and not r.denied), None)
        if cover is not None:
            return replace(rule, shadowed_by=cover)
    return rule


def _same_traffic(a: FirewallRule, b: FirewallRule) -> bool:
    """Whether rule ``a`` matches the protocol of ``b`` (``all`` matches every protocol)."""
    return a.protocol == "all" or (a.protocol is not None and a.protocol == b.protocol)


def protecting_rules(graph: PortGraph, host: Entity) -> tuple[list[Entity], list[FirewallRule]]:
    """The GCP firewalls / Azure NSGs that protect a host, and their ingress rules."""
    firewalls = graph.sources(host.id, "protects")
    owners = {f.id for f in firewalls}
    names = {(f.ref.namespace, f"{f.ref.kind[3:]}.{f.ref.name}") for f in firewalls}
    rules = [r for r in firewall_rules(graph) if r.direction == "ingress" and (
        r.owner.id in owners or (r.owner.ref.namespace, r.attrs.get("firewall")) in names)]
    return firewalls, rules


def group_of(graph: PortGraph, owner: Entity) -> Entity | None:
    if owner.ref.kind == GROUP_KIND:
        return owner
    groups = graph.targets(owner.id, "part-of")
    return next((g for g in groups if g.ref.kind == GROUP_KIND), None)


def rules_by_slot(rules: list[FirewallRule]) -> dict[tuple[str, str], list[FirewallRule]]:
    """Rules of every environment grouped by (owner, slot): report a rule once, name its environments."""
    out: dict[tuple[str, str], list[FirewallRule]] = {}
    for rule in rules:
        out.setdefault((rule.owner.id, rule.slot), []).append(rule)
    return out


def environments_note(rules: list[FirewallRule]) -> str:
    envs = sorted({r.environment for r in rules if r.environment})
    return f" (in {', '.join(envs)})" if envs else ""


def value_origin(fact: PortFact) -> str:
    """`` (from variables.tf:3)`` when the value was resolved through a definition."""
    if not fact.value.defined_at:
        return ""
    return f" (from {', '.join(loc.short for loc in fact.value.defined_at)})"


# -- what rules compare Terraform with ---------------------------------------------------------------


def compatible(a: str | None, b: str | None) -> bool:
    """Two environments can describe the same deployment (``None`` is every environment)."""
    return a is None or b is None or a == b


def service_port_facts(graph: PortGraph, service: str, environment: str | None = None,
                       roles: tuple[Role, ...] = (Role.LISTEN, Role.CONFIG)) -> list[PortFact]:
    """Numeric ports the members of ``service`` listen on or are configured with (not Terraform's
    own target groups, listeners or firewall rules), for an environment."""
    wanted = set(roles)
    every = graph.memo(f"terraform:service-facts:{service}", lambda: _numbered_member_facts(graph, service))
    if environment is None:  # every environment is compatible with it
        return [f for f in every if f.role in wanted]
    return [f for f in every if f.role in wanted and (f.environment is None or f.environment == environment)]


def _numbered_member_facts(graph: PortGraph, service: str) -> list[PortFact]:
    """Every numeric fact of a service's members, sorted (one computation per service and graph)."""
    found = [f for f in member_facts(graph, service) if f.value.number is not None]
    found.sort(key=_AT)
    if len(set(map(_AT, found))) < len(found):  # one location holds several facts: then by environment
        found.sort(key=lambda f: (f.location.path, f.location.line, f.location.column, f.environment or ""))
    return found


_AT = attrgetter("location.path", "location.line", "location.column")


def membership(graph: PortGraph, entity_id: str) -> list[Link]:
    """The ``member`` links that make an entity (or the workload holding it) part of a service."""
    links = graph.incoming(entity_id, "member")
    if links:
        return links
    entity = graph.entity(entity_id)
    parent = graph.parent(entity) if entity is not None else None
    return graph.incoming(parent.id, "member") if parent is not None else []


def served_target_groups(graph: PortGraph) -> Iterator[tuple[Entity, str]]:
    """(target group, service name) for every target group that forwards to a service's app.

    An ``alb`` target group forwards to a load balancer's listener, not to the app: skipped.
    """
    for group in graph.entities(TARGET_GROUP_KINDS):
        service = service_of(graph, group.id)
        if service is not None and group.attrs.get("target_type") != "alb":
            yield group, service.ref.name


def membership_steps(graph: PortGraph, entity_id: str, facts: list[PortFact]) -> tuple[str, ...]:
    """``--explain`` lines: how an entity and the owners of ``facts`` belong to their service."""
    steps = [explain_link(link) for link in membership(graph, entity_id)]
    for fact in facts:
        steps += [s for s in (explain_link(link) for link in membership(graph, fact.owner.id)) if s not in steps]
    return tuple(steps)


def describe_fact(fact: PortFact) -> str:
    """``containerPort 8000 of container fastapi-deployment/fastapi (prod)``."""
    env = f" ({fact.environment})" if fact.environment else ""
    return f"{fact.field} {fact.value.text} of {fact.owner.label}{env}{value_origin(fact)}"


def module_label(entity: Entity) -> str:
    """``module infrastructure/terraform``, or ``the root module`` for the scan root."""
    folder = entity.attrs.get("module") or ""
    return f"module {folder}" if folder else "the root module"
