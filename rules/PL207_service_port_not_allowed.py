"""
## What it does
Reports a service port that the security group in front of it does not let in:

- a security-group rule that belongs to a service (`fastapi_access` → `fastapi`) but opens a
  port the service does not listen on (the rule is wrong; rules of a load balancer's group are
  left alone: they open the listener's port);
- a security group named after a service (and not a load balancer's) with no ingress rule for
  the service's port;
- a security group of an ECS service or of an instance registered in a target group, with no
  ingress rule for the port the target group sends traffic to;
- a GCP instance (or instance template) or an Azure VM of a service whose firewalls do not
  allow the service's port: the `google_compute_firewall`s whose target tags or service
  accounts select it (or that name no target in its network), the network security groups
  associated with its network interface or their subnet. Hosts whose tags, or a firewall's
  targets, are not known are skipped;
- a database or cache (`aws_db_instance`, `aws_rds_cluster`, ElastiCache, DocumentDB, Redshift,
  MemoryDB) whose security groups (`vpc_security_group_ids` / `security_group_ids`, all known)
  let no one in on the port it listens on (its `port`, or the engine's default);
- a security group listed in the `hosts` option (`hosts = { dev_server = ["fastapi", "web",
  "dash", "airflow"] }`) that lacks a rule for one of the listed services' ports (the rule is
  missing).

The service's ports are what its members listen on or are configured with (containerPort,
ECS portMappings, `fastapi.port`…). Groups whose rules are not all known (unresolved ports,
files outside the scan) are skipped.

## Why is this bad
Security groups drop traffic silently: the app is up, the load balancer or the developer's
browser times out, and nothing in the app's logs says why.

## Example
```hcl
resource "aws_security_group_rule" "dash_access" {
  type              = "ingress"
  from_port         = 8051      # Dash listens on 8050
  to_port           = 8051
  protocol          = "tcp"
  cidr_blocks       = [var.vpc_cidr]
  security_group_id = aws_security_group.dev_server.id
}
```

## Use instead
```hcl
resource "aws_security_group_rule" "dash_access" {
  type              = "ingress"
  from_port         = 8050
  to_port           = 8050
  protocol          = "tcp"
  cidr_blocks       = [var.vpc_cidr]
  security_group_id = aws_security_group.dev_server.id
}
```
"""

from __future__ import annotations

from collections.abc import Iterator

from portlint.graph import explain_link, service_of
from portlint.links.terraform import (AZURE_VM_KINDS, DATABASE_KINDS, GCP_FIREWALL_KIND, GCP_HOST_KINDS, GROUP_KIND, LOAD_BALANCER_KINDS,
                                      RULE_KINDS, TARGET_GROUP_KINDS, FirewallRule, compatible, describe_fact,
                                      firewall_rules, membership, protecting_rules, rules_by_slot, service_port_facts)
from portlint.model import Entity, PortFact, Problem, Related, Role
from portlint.options import Option

ID = "PL207"
NAME = "service-port-not-allowed"
SEVERITY = "warning"
GROUP = "consistency"
SUMMARY = "A service's port is not allowed by the firewall (security group, GCP firewall, Azure NSG) in front of it"
TAGS = ("terraform", "cross-stack")
OPTIONS = {"hosts": Option(dict[str, list[str]], {}, "security group name or address → services whose ports it must allow")}

_TCP = ("tcp", "all")


def check(ctx) -> Iterator[Problem]:
    rules = firewall_rules(ctx.graph)
    yield from _wrong_rules(ctx, rules)
    yield from _protected_hosts(ctx)
    ingress = _ingress_by_group(rules)
    yield from _databases(ctx, ingress)
    for group in ctx.graph.entities(GROUP_KIND):
        own = ingress.get(group.id, [])
        if not _fully_known(group, own):
            continue
        yield from _service_groups(ctx, group, own)
        yield from _registered_targets(ctx, group, own)
        yield from _declared_hosts(ctx, group, own)


def _ingress_by_group(rules: list[FirewallRule]) -> dict[str, list[FirewallRule]]:
    out: dict[str, list[FirewallRule]] = {}
    for rule in rules:
        if rule.group is not None and rule.direction == "ingress":
            out.setdefault(rule.group.id, []).append(rule)
    return out


def _fully_known(group: Entity, rules: list[FirewallRule]) -> bool:
    if group.attrs.get("switched_off"):
        return False
    return bool(group.attrs.get("module_complete")) and all(
        r.ports() is not None and r.protocol is not None for r in rules)


def _fronts_load_balancer(ctx, group: Entity) -> bool:
    return any(s.ref.kind in LOAD_BALANCER_KINDS for s in ctx.graph.sources(group.id, "uses"))


def _allows(rules: list[FirewallRule], port: int, environment: str | None = None) -> bool:
    return any(r.protocol in _TCP and r.opens(port) and compatible(r.environment, environment) for r in rules)


# -- a rule that belongs to a service opens the wrong port --------------------------------------------


def _wrong_rules(ctx, rules: list[FirewallRule]) -> Iterator[Problem]:
    for _, views in sorted(rules_by_slot(rules).items()):
        rule = views[0]
        if rule.owner.ref.kind not in RULE_KINDS or rule.direction != "ingress":
            continue
        service = service_of(ctx.graph, rule.owner.id)
        if service is None or any(v.ports() is None or v.protocol not in _TCP for v in views):
            continue
        if rule.group is not None and _fronts_load_balancer(ctx, rule.group):
            continue  # a load balancer's rule opens its listener port, not the service's
        wanted = [f for v in views for f in service_port_facts(ctx.graph, service.ref.name, v.environment)]
        if not wanted or any(v.opens(f.value.number) for v in views for f in wanted if compatible(v.environment, f.environment)):
            continue
        yield _wrong_rule(ctx, rule, service.ref.name, _unique(wanted))


def _wrong_rule(ctx, rule: FirewallRule, service: str, wanted: list[PortFact]) -> Problem:
    ports = ", ".join(sorted({f.value.text for f in wanted}, key=int))
    return Problem(
        location=rule.location,
        message=(f"rule {rule.label} belongs to service {service!r} but opens {rule.describe_ports()}, "
                 f"and the service listens on {ports}: its traffic is dropped"),
        related=tuple(Related(f.location, describe_fact(f)) for f in wanted),
        fix=f"set from_port and to_port to {min(f.value.number for f in wanted)}",
        key=f"{rule.owner.id}|{rule.slot}|{service}",
        explain=_explain(ctx, [rule.owner.id, *(f.owner.id for f in wanted)]),
    )


# -- a group that must let a service in ----------------------------------------------------------------


def _service_groups(ctx, group: Entity, own: list[FirewallRule]) -> Iterator[Problem]:
    service = service_of(ctx.graph, group.id)
    if service is None or _fronts_load_balancer(ctx, group):
        return
    if not own:
        return
    wanted = service_port_facts(ctx.graph, service.ref.name)
    if wanted and not any(_allows(own, f.value.number, f.environment) for f in wanted):
        yield _missing(ctx, group, own, wanted, f"is the group of service {service.ref.name!r}",
                       f"{service.ref.name}")


def _registered_targets(ctx, group: Entity, own: list[FirewallRule]) -> Iterator[Problem]:
    for host in ctx.graph.sources(group.id, "uses"):
        for target_group, port in _traffic_ports(ctx, host):
            if port.value.number is not None and not _allows(own, port.value.number, port.environment):
                address = target_group.attrs.get("address", target_group.ref.name)
                yield _missing(ctx, group, own, [port],
                               f"is used by {host.attrs.get('address', host.ref.name)}, which {address} sends traffic to",
                               f"{host.id}|{port.value.text}", extra=[host.id, target_group.id])


def _databases(ctx, ingress: dict[str, list[FirewallRule]]) -> Iterator[Problem]:
    """A database or cache whose security groups (all known) let no one in on the port it listens on."""
    graph = ctx.graph
    for database in graph.entities(DATABASE_KINDS):
        groups = [g for g in graph.targets(database.id, "uses") if g.ref.kind == GROUP_KIND]
        if not groups or not all(_fully_known(g, ingress.get(g.id, [])) for g in groups):
            continue
        own = [r for g in groups for r in ingress.get(g.id, [])]
        ports = [f for f in graph.facts(database, role=Role.LISTEN) if f.value.number is not None
                 and not f.value.unresolved]
        missing = [f for f in ports if not _allows(own, f.value.number, f.environment)]
        if missing:
            yield _database_closed(ctx, database, groups, own, missing)


def _database_closed(ctx, database: Entity, groups: list[Entity], own: list[FirewallRule],
                     missing: list[PortFact]) -> Problem:
    address = database.attrs.get("address", database.ref.name)
    names = ", ".join(g.attrs.get("address", g.ref.name) for g in groups)
    ports = ", ".join(sorted({f.value.text for f in missing}, key=int))
    written = [f for f in missing if not f.attrs.get("implicit")]
    return Problem(
        location=written[0].location if written else database.location,
        message=(f"database {address} listens on {ports}, but its security group{'s' if len(groups) > 1 else ''} "
                 f"({names}) let{'' if len(groups) > 1 else 's'} no one in on that port: its clients' connections "
                 f"are dropped"),
        related=tuple(Related(g.location, f"security group {g.attrs.get('address', g.ref.name)}") for g in groups)
        + tuple(Related(r.location, f"{r.label} opens {r.describe_ports()}") for r in own[:5]),
        fix=f"add an ingress rule for port {min(f.value.number for f in missing)} (from the app's group) to {names}",
        key=f"{database.id}|closed|{ports}",
        explain=_explain(ctx, [database.id, *(g.id for g in groups)]),
    )


def _traffic_ports(ctx, host: Entity) -> list[tuple[Entity, PortFact]]:
    """(target group, the port it sends to) for an ECS service or an instance registered in it."""
    graph = ctx.graph
    out: list[tuple[Entity, PortFact]] = []
    for target_group in graph.targets(host.id, "registers-with"):
        address = target_group.attrs.get("address")
        ports = [f for f in graph.facts(host, role=Role.TARGET) if f.attrs.get("target_group") == address]
        out += [(target_group, f) for f in ports] or [(target_group, f) for f in _group_ports(graph, target_group)]
    for attachment in graph.sources(host.id, "targets"):
        for target_group in graph.targets(attachment.id, "part-of"):
            if target_group.ref.kind in TARGET_GROUP_KINDS:
                ports = graph.facts(attachment, role=Role.TARGET) or _group_ports(graph, target_group)
                out += [(target_group, f) for f in ports]
    return out


def _group_ports(graph, target_group: Entity) -> list[PortFact]:
    return graph.facts(target_group, role=Role.TARGET, field="port")


def _protected_hosts(ctx) -> Iterator[Problem]:
    """GCP instances and Azure VMs of a service, behind firewalls that do not let its port in."""
    graph = ctx.graph
    for host in graph.entities(GCP_HOST_KINDS + AZURE_VM_KINDS):
        service = service_of(graph, host.id)
        if service is None or host.attrs.get("switched_off") or not host.attrs.get("module_complete"):
            continue
        firewalls, rules = protecting_rules(graph, host)
        if not firewalls or not _targets_known(graph, host) or not all(
                r.ports() is not None and r.protocol is not None for r in rules):
            continue
        wanted = service_port_facts(graph, service.ref.name)
        if wanted and not any(_allows(rules, f.value.number, f.environment) for f in wanted):
            yield _host_missing(ctx, host, firewalls, rules, wanted, service.ref.name)


def _targets_known(graph, host: Entity) -> bool:
    """Every firewall that could apply to the host is known to apply or not."""
    if host.ref.kind in AZURE_VM_KINDS:
        return True
    if host.attrs.get("network_tags") is None or host.attrs.get("service_accounts") is None:
        return False
    return all(f.attrs.get("target_tags") is not None and f.attrs.get("target_service_accounts") is not None
               for f in graph.entities(GCP_FIREWALL_KIND) if f.ref.namespace == host.ref.namespace)


def _host_missing(ctx, host: Entity, firewalls: list[Entity], rules: list[FirewallRule], wanted: list[PortFact],
                  service: str) -> Problem:
    address = host.attrs.get("address", host.ref.name)
    ports = ", ".join(sorted({f.value.text for f in wanted}, key=int))
    names = ", ".join(sorted(str(f.attrs.get("address", f.ref.name)) for f in firewalls))
    return Problem(
        location=host.location,
        message=(f"{address} runs service {service!r}, but no ingress rule of the firewalls in front of it "
                 f"({names}) allows port {ports}: that traffic is dropped"),
        related=tuple(Related(f.location, describe_fact(f)) for f in wanted)
        + tuple(Related(r.location, f"{r.label} opens {r.describe_ports()}") for r in rules[:5]),
        fix=f"allow port {min(f.value.number for f in wanted)} in {names.split(', ')[0]}",
        key=f"{host.id}|{service}",
        explain=tuple(explain_link(link) for link in ctx.graph.incoming(host.id, "protects"))
        + _explain(ctx, [host.id, *(f.owner.id for f in wanted)]),
    )


def _declared_hosts(ctx, group: Entity, own: list[FirewallRule]) -> Iterator[Problem]:
    hosts = ctx.options["hosts"]
    names = {group.ref.name, str(group.attrs.get("address", ""))}
    for key in sorted(k for k in hosts if k in names):
        for service in sorted(hosts[key]):
            wanted = service_port_facts(ctx.graph, service)
            if wanted and not any(_allows(own, f.value.number, f.environment) for f in wanted):
                yield _missing(ctx, group, own, wanted, f"hosts {service!r} (option hosts.{key})", service)


def _missing(ctx, group: Entity, own: list[FirewallRule], wanted: list[PortFact], why: str, key: str,
             extra: list[str] | None = None) -> Problem:
    address = group.attrs.get("address", group.ref.name)
    ports = ", ".join(sorted({f.value.text for f in wanted}, key=int))
    return Problem(
        location=group.location,
        message=f"security group {address} {why}, but no ingress rule allows port {ports}: that traffic is dropped",
        related=tuple(Related(f.location, describe_fact(f)) for f in wanted)
        + tuple(Related(r.location, f"{r.label} opens {r.describe_ports()}") for r in own[:5]),
        fix=f"add an ingress rule for port {min(f.value.number for f in wanted)} to {address}",
        key=f"{group.id}|{key}",
        explain=_explain(ctx, [group.id, *(extra or []), *(f.owner.id for f in wanted)]),
    )


def _explain(ctx, entity_ids: list[str]) -> tuple[str, ...]:
    steps: list[str] = []
    for entity_id in entity_ids:
        links = membership(ctx.graph, entity_id) + ctx.graph.incoming(entity_id, "targets") + [
            link for link in ctx.graph.outgoing(entity_id) if link.kind in ("part-of", "uses", "registers-with")]
        for link in links:
            line = explain_link(link)
            if line not in steps:
                steps.append(line)
    return tuple(steps)


def _unique(facts: list[PortFact]) -> list[PortFact]:
    seen: dict[int, PortFact] = {}
    for fact in facts:
        seen.setdefault(id(fact), fact)
    return sorted(seen.values(), key=lambda f: f.location)
