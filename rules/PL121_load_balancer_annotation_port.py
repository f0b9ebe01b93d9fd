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
  be a port name of the backend Service (with target type `ip`, one whose `targetPort` is a
  number: the controller refuses a named one); a port *number* with target type `ip` must be a
  `containerPort` of the pods behind it. Each backend Service is its own target group: a
  Service's own annotations (`healthcheck-port`, `target-type`) override the Ingress's for it.
  `traffic-port` is always fine, and a number with target type `instance` (a node port) is not
  checked.

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
from portlint.links.kubernetes import INGRESS, SERVICE
from portlint.query import target_match
from portlint.model import Entity, PortFact, Problem, Related, Role

ID = "PL121"
NAME = "load-balancer-annotation-port"
SEVERITY = "error"
GROUP = "consistency"
SUMMARY = "An AWS load balancer annotation names a port that is invalid or not served"
TAGS = ("kubernetes", "aws")
LISTEN_PORTS = "alb.ingress.kubernetes.io/listen-ports"
ALB_HEALTH = "alb.ingress.kubernetes.io/healthcheck-port"
NLB_HEALTH = "service.beta.kubernetes.io/aws-load-balancer-healthcheck-port"


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
        for fact in graph.facts(ingress, Role.PROBE):
            if fact.attrs.get("annotation") != ALB_HEALTH:
                continue
            for service in graph.targets(ingress.id, "routes-to"):
                if not _has_own(graph, service, ALB_HEALTH):  # a Service's own annotation wins for its backends
                    target_type = service.attrs.get("alb_target_type") or ingress.attrs.get("target_type", "instance")
                    yield from _health_check(graph, ingress, fact, service, target_type)
    for service in graph.entities(SERVICE):
        for fact in graph.facts(service, Role.PROBE):
            if fact.attrs.get("annotation") == ALB_HEALTH:
                routing = {i.attrs.get("target_type", "instance") for i in graph.sources(service.id, "routes-to")
                           if i.ref.kind == INGRESS}
                target_type = service.attrs.get("alb_target_type") or (routing.pop() if len(routing) == 1 else None)
                if target_type is not None:
                    yield from _health_check(graph, service, fact, service, target_type)
            elif fact.attrs.get("annotation") == NLB_HEALTH:
                yield from _health_check(graph, service, fact, service, service.attrs.get("nlb_target_type", "instance"))


def _has_own(graph: PortGraph, service: Entity, annotation: str) -> bool:
    return any(f.attrs.get("annotation") == annotation for f in graph.facts(service, Role.PROBE))


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


def _health_check(graph: PortGraph, owner: Entity, fact: PortFact, service: Entity,
                  target_type: str) -> Iterator[Problem]:
    """The health-check port of one backend Service's target group, as the controller resolves it."""
    if fact.value.unresolved:
        return
    kind = owner.ref.kind.removeprefix("k8s/")
    what = f"{fact.attrs['annotation']} of {kind} {written_name(owner)} is {fact.value.text}"
    key = f"{owner.id}|{fact.attrs['annotation']}|{written_name(service)}|{fact.value.text}"
    ports = [p for p in graph.facts(service, Role.EXPOSE) if same_environment(p, fact)]
    if fact.value.name is not None:
        if not ports or any(p.value.unresolved for p in ports):
            return
        named = [p for p in ports if p.port_name == fact.value.name]
        if not named:
            names = sorted({p.port_name for p in ports if p.port_name})
            yield Problem(
                location=fact.location,
                message=(f"{what}, a port name Service {written_name(service)} does not have (its ports: "
                         f"{', '.join(port_text(p, name_prefix='name ') for p in ports)}): the controller cannot "
                         "resolve the health-check port"),
                related=tuple(_service_port(service, p) for p in ports),
                fix=(f"use one of the Service's port names ({', '.join(names)})" if names else
                     "name the Service port, or use traffic-port"),
                key=key)
            return
        target = next((t for t in graph.facts(service, Role.TARGET) if t.slot == named[0].slot), None)
        if target_type == "ip" and target is not None and target.value.name is not None and not target.value.unresolved:
            yield Problem(
                location=fact.location,
                message=(f"{what} with target type ip, and Service {written_name(service)} port {fact.value.name} has the "
                         f"named targetPort {target.value.text}: the controller refuses a named health-check port "
                         "whose targetPort is a name"),
                related=(Related(target.location, f"Service {written_name(service)} targetPort {target.value.text}"),),
                fix="use the health containerPort's number, or traffic-port, or give that Service port a numeric targetPort",
                key=key + "|named-target")
        return
    if fact.value.number is None or target_type != "ip":
        return  # instance targets: the number is a node port
    missing = [(pod.workload, list(pod.ports or ())) for pod in target_match(graph, service, fact).missing]
    if not missing:
        return
    sides = "; ".join(f"{entity_label(w)}: {', '.join(port_text(p) for p in found)}" for w, found in missing)
    everything = sorted((p for _, found in missing for p in found), key=lambda f: f.location)
    yield Problem(
        location=fact.location,
        message=(f"{what} with target type ip, but the pods behind Service {written_name(service)} declare {sides}: the "
                 "load balancer health-checks a port no pod listens on and marks every target unhealthy"),
        related=tuple(Related(p.location, f"containerPort {port_text(p)} of container {container_name(graph, p)}")
                      for p in everything),
        fix="use traffic-port, or the pods' health containerPort",
        key=key)


def _service_port(service: Entity, port: PortFact) -> Related:
    return Related(port.location, f"Service {written_name(service)} port {port_text(port, name_prefix='name ')}")
