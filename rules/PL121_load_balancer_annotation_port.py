"""
## What it does
Checks the ports the AWS Load Balancer Controller reads from annotations:

- `alb.ingress.kubernetes.io/listen-ports` on an Ingress must be a JSON list of
  `{"HTTP": port}` / `{"HTTPS": port}` pairs;
- `alb.ingress.kubernetes.io/ssl-redirect` must name an HTTPS port of the listen ports (those of
  every Ingress of the same `group.name`: one load balancer); when a listen-ports annotation is
  absent (HTTP 80, or HTTPS 443 when a certificate is found) the check is skipped;
- `alb.ingress.kubernetes.io/healthcheck-port` (Ingress or Service) and
  `service.beta.kubernetes.io/aws-load-balancer-healthcheck-port` (Service): a port *name* must
  be a port name of the backend Service; a port *number* with target type `ip` must be a
  `containerPort` of the pods behind it. `traffic-port` is always fine, and a number with target
  type `instance` (a node port) is not checked.

## Why is this bad
An annotation the controller cannot parse stops it from reconciling the Ingress: the load
balancer keeps its old listeners or is never created. A redirect to a port with no HTTPS listener
sends every HTTP client to a closed port. A health check on a port the pods do not serve marks
every target unhealthy, and the load balancer answers 502/503 while the pods are fine.

## Example
```yaml
kind: Ingress
metadata:
  annotations:
    alb.ingress.kubernetes.io/listen-ports: '[{"HTTP": 80}, {"HTTPS": 8443}]'
    alb.ingress.kubernetes.io/ssl-redirect: '443'
```

## Use instead
```yaml
    alb.ingress.kubernetes.io/listen-ports: '[{"HTTP": 80}, {"HTTPS": 443}]'
    alb.ingress.kubernetes.io/ssl-redirect: '443'
```
"""

from __future__ import annotations

from collections.abc import Iterator

from portlint.describe import container_name, entity_label, port_text, same_environment, written_name
from portlint.graph import PortGraph
from portlint.links.kubernetes import INGRESS, SERVICE, declared_ports, selected_workloads
from portlint.model import Entity, PortFact, Problem, Related, Role

ID = "PL121"
NAME = "load-balancer-annotation-port"
SEVERITY = "error"
GROUP = "consistency"
SUMMARY = "An AWS load balancer annotation names a port that is invalid or not served"
TAGS = ("kubernetes", "aws")
LISTEN_PORTS = "alb.ingress.kubernetes.io/listen-ports"
HEALTH_CHECKS = ("alb.ingress.kubernetes.io/healthcheck-port",
                 "service.beta.kubernetes.io/aws-load-balancer-healthcheck-port")


def check(ctx) -> Iterator[Problem]:
    graph: PortGraph = ctx.graph
    for ingress in graph.entities(INGRESS):
        invalid = ingress.attrs.get("listen_ports_invalid")
        if isinstance(invalid, dict):
            yield Problem(
                location=invalid["location"],
                message=(f"{LISTEN_PORTS} of Ingress {written_name(ingress)} {invalid['message']} "
                         f"({invalid['text'][:80]!r}): the controller rejects the Ingress and builds no listeners"),
                fix='write a JSON list of one-key objects, e.g. \'[{"HTTP": 80}, {"HTTPS": 443}]\'',
                key=f"{ingress.id}|listen-ports")
        problem = _redirect(graph, ingress)
        if problem is not None:
            yield problem
        services = graph.targets(ingress.id, "routes-to")
        for fact in graph.facts(ingress, Role.PROBE):
            if fact.attrs.get("annotation") in HEALTH_CHECKS:
                yield from _health_check(graph, ingress, fact, services, ingress.attrs.get("target_type", "instance"))
    for service in graph.entities(SERVICE):
        for fact in graph.facts(service, Role.PROBE):
            if fact.attrs.get("annotation") in HEALTH_CHECKS:
                yield from _health_check(graph, service, fact, [service], service.attrs.get("target_type", "instance"))


def _redirect(graph: PortGraph, ingress: Entity) -> Problem | None:
    """The redirect port must be an HTTPS listener of the load balancer: the listen ports of every
    Ingress of its IngressGroup. A member whose listen ports are implicit or unknown makes it unknown."""
    redirect = ingress.attrs.get("ssl_redirect")
    if not isinstance(redirect, dict) or redirect.get("number") is None:
        return None
    group = ingress.attrs.get("alb_group")
    members = [i for i in graph.entities(INGRESS) if i.attrs.get("alb_group") == group and same_environment(i, ingress)
               ] if group else [ingress]
    listeners: list[PortFact] = []
    for member in members:
        found = [f for f in graph.facts(member, Role.EXPOSE) if f.attrs.get("annotation") == LISTEN_PORTS]
        if not found or any(f.value.number is None for f in found):
            return None
        listeners.extend(found)
    if any(f.value.number == redirect["number"] and f.attrs.get("listener_protocol") == "HTTPS" for f in listeners):
        return None
    https = sorted({f.value.number for f in listeners if f.attrs.get("listener_protocol") == "HTTPS"})
    listed = ", ".join(f"{f.attrs.get('listener_protocol')} {f.value.text}" for f in listeners)
    where = f"IngressGroup {group}" if group else "the load balancer"
    return Problem(
        location=redirect["location"],
        message=(f"ssl-redirect of Ingress {written_name(ingress)} sends HTTP clients to HTTPS port {redirect['port']}, "
                 f"but {where} listens on {listed}: the redirect leads to a port with no HTTPS listener"),
        related=tuple(Related(f.location, f"{LISTEN_PORTS} of Ingress {graph.entity(f.owner.id).attrs.get('name')}: "
                              f"{f.attrs.get('listener_protocol')} {f.value.text}") for f in listeners),
        fix=(f"set ssl-redirect to {https[0]}" if len(https) == 1 else
             f'add {{"HTTPS": {redirect["port"]}}} to {LISTEN_PORTS} (with a certificate)'),
        key=f"{ingress.id}|ssl-redirect|{redirect['port']}")


def _health_check(graph: PortGraph, owner: Entity, fact: PortFact, services: list[Entity],
                  target_type: str) -> Iterator[Problem]:
    if fact.value.unresolved:
        return
    kind = owner.ref.kind.removeprefix("k8s/")
    what = f"{fact.attrs['annotation']} of {kind} {written_name(owner)} is {fact.value.text}"
    if fact.value.name is not None:
        for service in services:
            ports = [p for p in graph.facts(service, Role.EXPOSE) if same_environment(p, fact)]
            if not ports or any(p.value.unresolved for p in ports) or any(p.port_name == fact.value.name for p in ports):
                continue
            names = sorted({p.port_name for p in ports if p.port_name})
            yield Problem(
                location=fact.location,
                message=(f"{what}, a port name Service {written_name(service)} does not have (its ports: "
                         f"{', '.join(port_text(p, name_prefix='name ') for p in ports)}): the controller cannot "
                         "resolve the health-check port"),
                related=tuple(Related(p.location, f"Service {written_name(service)} port "
                                      f"{port_text(p, name_prefix='name ')}") for p in ports),
                fix=(f"use one of the Service's port names ({', '.join(names)})" if names else
                     "name the Service port, or use traffic-port"),
                key=f"{owner.id}|{fact.attrs['annotation']}|{written_name(service)}|{fact.value.text}")
        return
    if fact.value.number is None or target_type != "ip":
        return  # instance targets: the number is a node port
    missing: list[tuple[Entity, list[PortFact]]] = []
    for service in services:
        for workload in selected_workloads(graph, service):
            declared = declared_ports(graph, workload)
            ports = [p for p in declared or [] if same_environment(p, fact)]
            if declared is None or not ports or any(p.value.number is None or p.value.unresolved for p in ports):
                return
            if any(p.value.number == fact.value.number and p.protocol == "TCP" for p in ports):
                return  # one backend serves it: per-Service overrides are the Service annotation's job
            missing.append((workload, ports))
    if not missing:
        return
    sides = "; ".join(f"{entity_label(w)}: {', '.join(port_text(p) for p in ports)}" for w, ports in missing)
    everything = sorted((p for _, ports in missing for p in ports), key=lambda f: f.location)
    yield Problem(
        location=fact.location,
        message=(f"{what} with target type ip, but the pods behind it declare {sides}: the load balancer health-checks "
                 "a port no pod listens on and marks every target unhealthy"),
        related=tuple(Related(p.location, f"containerPort {port_text(p)} of container {container_name(graph, p)}")
                      for p in everything),
        fix="use traffic-port, or the pods' health containerPort",
        key=f"{owner.id}|{fact.attrs['annotation']}|{fact.value.text}")
