"""
## What it does
Checks the Service ports that Gateway API routes (`HTTPRoute`, `GRPCRoute`, `TCPRoute`,
`TLSRoute`, `UDPRoute`: `spec.rules[].backendRefs[]`) and Istio `VirtualService` destinations
(`spec.http|tcp|tls[].route[].destination`) address:

- the port must be a `spec.ports[].port` of the Service the backend names (same namespace as
  the route unless the backend gives one; an Istio host `name`, `name.ns.svc` or
  `name.ns.svc.cluster.local`), with the same protocol;
- a Gateway API `backendRef` to a Service must give a `port` at all;
- an Istio `DestinationRule`'s `trafficPolicy.portLevelSettings[].port.number` (also per
  subset) must be a port of the Service its `host` names (else the setting never applies).

Backends whose Service is not in the scan, other backend kinds, and ports portlint could not
resolve are not checked.

## Why is this bad
A route addresses the *Service* port, not the container port. A backend port the Service does
not expose resolves to no endpoints: the gateway answers 500/503 (Gateway API marks the route
`ResolvedRefs: False`), Istio returns 503 "no healthy upstream", and each manifest looks fine alone.
A Service `backendRef` without `port` is rejected by the API server.

## Example
```yaml
kind: HTTPRoute
spec:
  rules:
    - backendRefs:
        - name: api
          port: 8080      # the containerPort
---
kind: Service
metadata: {name: api}
spec:
  ports:
    - port: 80
      targetPort: 8080
```

## Use instead
```yaml
      backendRefs:
        - name: api
          port: 80
```
"""

from __future__ import annotations

from collections.abc import Iterator

from portlint.describe import port_text, same_environment, written_name
from portlint.graph import PortGraph, explain_link
from portlint.links.kubernetes_routes import (DESTINATION_RULE, GATEWAY_ROUTE_KINDS, ROUTES_TO, SERVICE_PORT_USERS,
                                              routed_services)
from portlint.model import Entity, PortFact, Problem, Related, Role

ID = "PL119"
NAME = "route-backend-port-not-exposed"
SEVERITY = "error"
GROUP = "consistency"
SUMMARY = "A Gateway API or Istio route addresses a port its Service does not expose"
TAGS = ("kubernetes", "gateway-api", "istio")


def check(ctx) -> Iterator[Problem]:
    graph: PortGraph = ctx.graph
    for route in graph.entities(SERVICE_PORT_USERS):
        facts = {f.slot: f for f in graph.facts(route, Role.TARGET)}
        for backend in route.attrs.get("backends") or []:
            fact = facts.get(backend.get("slot"))
            if fact is None:
                if route.ref.kind in GATEWAY_ROUTE_KINDS and not backend.get("name_unresolved"):
                    yield _no_port(route, backend)
                continue
            if fact.value.unresolved or fact.value.number is None:
                continue
            problem = _check_backend(graph, route, backend, fact)
            if problem is not None:
                yield problem


def _check_backend(graph: PortGraph, route: Entity, backend: dict, fact: PortFact) -> Problem | None:
    services = routed_services(graph, route, backend)
    exposed = [p for s in services for p in graph.facts(s, Role.EXPOSE) if same_environment(p, fact)]
    if not exposed or any(p.value.number is None or p.value.unresolved for p in exposed):
        return None
    if any(p.value.number == fact.value.number and p.protocol == fact.protocol for p in exposed):
        return None
    service = next(s for s in services if s.id == exposed[0].owner.id)
    listed = ", ".join(dict.fromkeys(port_text(p, name_prefix="name ") for p in exposed))
    numbers = sorted({p.value.number for p in exposed if p.protocol == fact.protocol and p.value.number is not None})
    fix = (f"set the port to {numbers[0]}" if len(numbers) == 1 else
           f"set the port to one of {', '.join(map(str, numbers))}" if numbers else
           f"expose {fact.value.text}/{fact.protocol} on the Service")
    fix += " (a route addresses the Service port; the Service's targetPort leads on to the container)"
    links = [link for link in graph.outgoing(route.id, ROUTES_TO) if link.target == service.id]
    protocol = "" if fact.protocol == "TCP" else f"/{fact.protocol}"
    if route.ref.kind == DESTINATION_RULE:
        message = (f"DestinationRule {written_name(route)} {backend['slot']} sets a policy for Service "
                   f"{written_name(service)} port {fact.value.text}, which the Service does not expose (it exposes "
                   f"{listed}): the setting never applies")
    else:
        message = (f"{route.ref.kind.removeprefix('k8s/')} {written_name(route)} sends {backend['slot']} to Service "
                   f"{written_name(service)} port {fact.value.text}{protocol}, which the Service does not expose "
                   f"(it exposes {listed}): the backend resolves to no endpoints")
    return Problem(
        location=fact.location,
        message=message,
        related=tuple(Related(p.location, f"Service {written_name(service)} port {port_text(p, name_prefix='name ')}")
                      for p in exposed),
        fix=fix,
        key=f"{route.id}|{backend['slot']}|{written_name(service)}|{fact.value.text}",
        explain=tuple(explain_link(link) for link in links),
    )


def _no_port(route: Entity, backend: dict) -> Problem:
    return Problem(
        location=backend["location"],
        message=(f"{route.ref.kind.removeprefix('k8s/')} {written_name(route)} {backend['slot']} names Service "
                 f"{backend['service']} without a port: the API server rejects a Service backendRef without one"),
        fix="add `port:` with the Service port (spec.ports[].port) this backend should reach",
        key=f"{route.id}|{backend['slot']}|{backend['service']}|no-port",
    )
