"""
## What it does
Reports an Ingress backend port — `port.number`, `port.name` or the older `servicePort` — that
the backend Service does not expose: no `spec.ports[].port` with that number, or no
`spec.ports[].name` with that name. Backends whose Service is not in the scan are PL105's;
ports portlint could not resolve (Helm expressions) are skipped.

## Why is this bad
An Ingress addresses the *Service* port, not the container port. Pointing it at the container
port (8000) of a Service that exposes 80, or at a port name the Service never declares, leaves
the route without endpoints: the controller answers 503 for every request on that path.

## Example
```yaml
# Service fastapi-service exposes port 80 (name: http)
backend:
  service:
    name: fastapi-service
    port:
      number: 8000
```

## Use instead
```yaml
backend:
  service:
    name: fastapi-service
    port:
      number: 80      # or name: http
```
"""

from __future__ import annotations

from collections.abc import Iterator

from portlint.describe import port_text, written_name
from portlint.graph import PortGraph, explain_link
from portlint.model import Entity, PortFact, Problem, Related
from portlint.query import backend_port, backends

ID = "PL106"
NAME = "ingress-backend-port-not-exposed"
SEVERITY = "error"
GROUP = "consistency"
SUMMARY = "An Ingress backend port is not a port its Service exposes"
TAGS = ("kubernetes",)


def check(ctx) -> Iterator[Problem]:
    graph: PortGraph = ctx.graph
    for ingress in graph.entities("k8s/Ingress"):
        for backend in backends(graph, ingress):  # Services: same namespace, nearest scope and folder
            if backend.port is None:
                continue
            match = backend_port(graph, backend.port, backend.services)
            if match.verdict != "differs":
                continue
            service = next(s for s in backend.services if s.id == match.exposed[0].owner.id)
            yield _problem(graph, ingress, service, backend.port, list(match.exposed))


def _problem(graph: PortGraph, ingress: Entity, service: Entity, backend: PortFact,
             exposed: list[PortFact]) -> Problem:
    by_name = backend.value.number is None
    what = f"port name {backend.value.text!r}" if by_name else f"port {backend.value.text}"
    listed = ", ".join(port_text(p, name_prefix='name ') for p in exposed)
    names = [p.port_name for p in exposed if p.port_name]
    if by_name:
        fix = (f"use one of the Service's port names ({', '.join(names)}) or its port number"
               if names else f"use the Service port number ({exposed[0].value.text}) or name that port {backend.value.text!r}")
    else:
        numbers = sorted({p.value.number for p in exposed if p.value.number is not None})
        fix = (f"set the backend port to {numbers[0]}" if len(numbers) == 1 else
               "set the backend port to one of " + ", ".join(map(str, numbers)))
        fix += " (an Ingress addresses the Service port, not the containerPort)"
    owners = {p.owner.id for p in exposed}
    links = [link for link in graph.outgoing(ingress.id, "routes-to") if link.target in owners]
    path = backend.attrs.get("path")
    route = f" for {path}" if path else ""
    return Problem(
        location=backend.location,
        message=(f"Ingress {written_name(ingress)} routes{route} to Service {written_name(service)} {what}, "
                 f"which the Service does not expose (it exposes {listed}): the route has no endpoints"),
        related=tuple(Related(p.location, f"Service {written_name(service)} port {port_text(p, name_prefix='name ')}")
                      for p in exposed),
        fix=fix,
        key=f"{ingress.id}|{backend.slot}|{written_name(service)}|{backend.value.text}",
        explain=tuple(explain_link(link) for link in links),
    )
