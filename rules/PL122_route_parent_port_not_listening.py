"""
## What it does
Checks that a Gateway API route (`HTTPRoute`, `GRPCRoute`, `TCPRoute`, `TLSRoute`, `UDPRoute`)
can attach to the `Gateway` each `spec.parentRefs[]` entry names:

- a `port` must be the `port` of one of the Gateway's `spec.listeners[]` (the one `sectionName`
  names, when given);
- a `sectionName` must be the `name` of one of its listeners;
- at least one of those listeners must take the route's kind (`HTTPRoute`/`GRPCRoute`: HTTP or
  HTTPS; `TLSRoute`: TLS; `TCPRoute`: TCP; `UDPRoute`: UDP).

Gateways that are not in the scan, and listeners portlint could not resolve, are not checked.

## Why is this bad
A route that matches no listener is not attached: the Gateway reports it `Accepted: False`
(`NoMatchingParent` / `NotAllowedByListeners`) and serves none of its rules. Every object is valid
alone, so nothing fails until clients get 404s. A listener moved from 8080 to 80 while the routes
still name 8080 is the usual cause.

## Example
```yaml
kind: Gateway
metadata: {name: edge}
spec:
  listeners:
    - name: http
      protocol: HTTP
      port: 80
---
kind: HTTPRoute
spec:
  parentRefs:
    - name: edge
      port: 8080
```

## Use instead
```yaml
  parentRefs:
    - name: edge
      port: 80     # or sectionName: http
```
"""

from __future__ import annotations

from collections.abc import Iterator

from portlint.describe import same_environment, written_name
from portlint.graph import PortGraph, explain_link
from portlint.links.kubernetes_routes import ATTACHES_TO, GATEWAY_ROUTE_KINDS
from portlint.model import Entity, PortFact, Problem, Related, Role

ID = "PL122"
NAME = "route-parent-port-not-listening"
SEVERITY = "error"
GROUP = "consistency"
SUMMARY = "A Gateway API route names a Gateway port or listener it cannot attach to"
TAGS = ("kubernetes", "gateway-api")
# the listener protocols each route kind attaches to
ACCEPTS = {"k8s/HTTPRoute": ("HTTP", "HTTPS"), "k8s/GRPCRoute": ("HTTP", "HTTPS"), "k8s/TLSRoute": ("TLS",),
           "k8s/TCPRoute": ("TCP",), "k8s/UDPRoute": ("UDP",)}


def check(ctx) -> Iterator[Problem]:
    graph: PortGraph = ctx.graph
    for route in graph.entities(GATEWAY_ROUTE_KINDS):
        gateways = graph.targets(route.id, ATTACHES_TO)
        for parent in route.attrs.get("parents") or []:
            namespace = parent.get("namespace") or route.ref.namespace
            for gateway in gateways:
                if gateway.attrs.get("name") != parent.get("gateway") or gateway.ref.namespace != namespace:
                    continue
                problem = _check(graph, route, parent, gateway)
                if problem is not None:
                    yield problem


def _check(graph: PortGraph, route: Entity, parent: dict, gateway: Entity) -> Problem | None:
    listeners = [f for f in graph.facts(gateway, Role.EXPOSE) if same_environment(f, route)]
    if not listeners or any(f.value.unresolved or f.value.number is None or not f.attrs.get("listener_name")
                            for f in listeners):
        return None
    section, port = parent.get("section"), parent.get("port")
    kinds = ACCEPTS.get(route.ref.kind, ())
    if section is not None:
        named = [f for f in listeners if f.attrs.get("listener_name") == section]
        if not named:
            return _problem(graph, route, parent, gateway, listeners, f"sectionName {section!r}",
                            "names no listener of Gateway", "use one of the listener names")
        listeners = named
    if port is not None:
        numbered = [f for f in listeners if str(f.value.number) == str(port)]
        if not numbered:
            where = f"the listener {section!r} of" if section is not None else "any listener of"
            return _problem(graph, route, parent, gateway, listeners, f"port {port}", f"is not the port of {where} Gateway",
                            f"use the listener's port ({listeners[0].value.text})" if len(listeners) == 1 else
                            "use one of the listeners' ports (" + ", ".join(f.value.text for f in listeners) + ")")
        listeners = numbered
    if kinds and not any((f.attrs.get("listener_protocol") or "").upper() in kinds for f in listeners):
        return _problem(graph, route, parent, gateway, listeners, f"a {route.ref.kind.removeprefix('k8s/')}",
                        f"needs a {' or '.join(kinds)} listener on Gateway", "attach it to a listener of a matching protocol")
    return None


def _problem(graph: PortGraph, route: Entity, parent: dict, gateway: Entity, listeners: list[PortFact],
             what: str, why: str, fix: str) -> Problem:
    listed = ", ".join(f"{f.attrs.get('listener_name')} {f.attrs.get('listener_protocol')} :{f.value.text}"
                       for f in listeners)
    links = [link for link in graph.outgoing(route.id, ATTACHES_TO) if link.target == gateway.id]
    return Problem(
        location=parent["location"],
        message=(f"{route.ref.kind.removeprefix('k8s/')} {written_name(route)} {parent['slot']}: {what} {why} "
                 f"{written_name(gateway)} (its listeners: {listed}): the route is not attached and serves nothing"),
        related=tuple(Related(f.location, f"Gateway {written_name(gateway)} listener {f.attrs.get('listener_name')} "
                              f"{f.attrs.get('listener_protocol')} :{f.value.text}") for f in listeners),
        fix=fix,
        key=f"{route.id}|{parent['slot']}|{written_name(gateway)}|{what}",
        explain=tuple(explain_link(link) for link in links),
    )
