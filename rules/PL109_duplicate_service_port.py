"""
## What it does
Reports a Service that lists the same `port` twice with the same protocol, or gives two of its
ports the same `name`. The second entry is reported, the first is shown as the other side. The
same number with two protocols (`53/UDP` and `53/TCP`) is fine.

## Why is this bad
The API server rejects the Service ("Duplicate value"), so the whole manifest fails to apply —
usually discovered in the deploy pipeline, long after the edit. Where a tool merges ports
instead (Helm values, kustomize patches), one entry silently wins.

## Example
```yaml
kind: Service
spec:
  ports:
    - name: http
      port: 80
      targetPort: 8000
    - name: http
      port: 80
      targetPort: 8080
```

## Use instead
```yaml
kind: Service
spec:
  ports:
    - name: http
      port: 80
      targetPort: 8000
    - name: admin
      port: 8080
      targetPort: 8080
```
"""

from __future__ import annotations

from collections.abc import Iterator

from portlint.describe import port_text, written_name
from portlint.graph import PortGraph
from portlint.model import Entity, PortFact, Problem, Related, Role

ID = "PL109"
NAME = "duplicate-service-port"
SEVERITY = "error"
GROUP = "consistency"
SUMMARY = "A Service lists the same port, or the same port name, twice"
TAGS = ("kubernetes",)


def check(ctx) -> Iterator[Problem]:
    graph: PortGraph = ctx.graph
    for service in graph.entities("k8s/Service"):
        by_number: dict[tuple, PortFact] = {}
        by_name: dict[tuple, PortFact] = {}
        for port in sorted(graph.facts(service, Role.EXPOSE), key=lambda p: p.location):
            number_twin = _remember(by_number, _number_slot(port), port)
            name_twin = _remember(by_name, _name_slot(port), port)
            if number_twin or name_twin:
                yield _problem(service, port, number_twin, name_twin)


def _definition(port: PortFact) -> tuple:
    """One Service definition per file and environment: overlays of the same Service are separate."""
    return (port.location.path, port.environment)


def _number_slot(port: PortFact) -> tuple | None:
    if port.value.number is None or port.value.unresolved:
        return None
    return (*_definition(port), port.value.number, port.protocol)


def _name_slot(port: PortFact) -> tuple | None:
    return (*_definition(port), port.port_name) if port.port_name else None


def _remember(seen: dict[tuple, PortFact], slot: tuple | None, port: PortFact) -> PortFact | None:
    """The earlier port with the same slot, or None (and remember this one)."""
    if slot is None:
        return None
    if slot in seen:
        return seen[slot]
    seen[slot] = port
    return None


def _problem(service: Entity, port: PortFact, number_twin: PortFact | None, name_twin: PortFact | None) -> Problem:
    text = f"{port.value.text}/{port.protocol}"
    what, related, fixes, keys = [], [], [], []
    if number_twin:
        what.append(f"lists port {text} twice")
        twin = port_text(number_twin, name_prefix="name ")
        related.append(Related(number_twin.location, f"port {twin} listed first"))
        fixes.append(f"remove one of the entries for {text} or give it another port number")
        keys.append(f"port {text}")
    if name_twin:
        twin = port_text(name_twin, name_prefix="name ")
        what.append(f"gives the name {port.port_name!r} to two ports ({twin} and {text})")
        if name_twin is not number_twin:
            related.append(Related(name_twin.location, f"port {twin} named first"))
        fixes.append(f"give each Service port its own name (e.g. {port.port_name}-{port.protocol.lower()})")
        keys.append(f"name {port.port_name}")
    return Problem(
        location=port.location,
        message=(f"Service {written_name(service)} {' and '.join(what)}: the API server rejects a Service whose "
                 f"ports repeat a port/protocol or a name"),
        related=tuple(related),
        fix="; ".join(fixes),
        key=f"{service.id}|" + "|".join(keys),
    )
