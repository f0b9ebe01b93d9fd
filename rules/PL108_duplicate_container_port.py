"""
## What it does
Reports a `containerPort` declared twice in one pod — the same number and protocol, in one
container or in two containers of the pod (native sidecars included). Plain init containers are
left out: they run to completion before the other containers start, so they may reuse a port.
The second declaration is reported, the first is shown as the other side.

## Why is this bad
All containers of a pod share one network namespace: only one of them can bind the port, the
other crashes with "address already in use" (or, if it is the same container twice, a Service
or probe addressing the port by name may resolve to the wrong entry). Kubernetes accepts the
manifest with at most a warning. One port under two *different* names in one container (an
alias, such as `http` and `https` both on 80 behind a TLS-terminating load balancer) reaches the
right port by either name; it is reported as a warning, because server-side apply keys container
ports by `containerPort` and protocol and rejects the duplicate entry.

## Example
```yaml
containers:
  - name: app
    ports:
      - containerPort: 8080
  - name: metrics-exporter
    ports:
      - containerPort: 8080
```

## Use instead
```yaml
containers:
  - name: app
    ports:
      - containerPort: 8080
  - name: metrics-exporter
    ports:
      - containerPort: 9102
```
"""

from __future__ import annotations

from collections.abc import Iterator

from portlint.describe import container_name, entity_label
from portlint.graph import PortGraph
from portlint.model import Entity, PortFact, Problem, Related, Role, Severity
from portlint.links.kubernetes import WORKLOAD_KINDS

ID = "PL108"
NAME = "duplicate-container-port"
SEVERITY = "error"
GROUP = "consistency"
SUMMARY = "The same containerPort is declared twice in one pod"
TAGS = ("kubernetes",)


def check(ctx) -> Iterator[Problem]:
    from portlint.links.kubernetes import serving_containers

    graph: PortGraph = ctx.graph
    for workload in graph.entities(WORKLOAD_KINDS):
        containers = serving_containers(graph, workload)
        ports = sorted((p for c in containers for p in graph.facts(c, Role.LISTEN)
                        if p.value.number is not None and not p.value.unresolved), key=lambda p: p.location)
        first: dict[tuple, PortFact] = {}
        for port in ports:
            # one pod definition per file and environment: overlays of the same workload are separate pods
            slot = (port.location.path, port.environment, port.value.number, port.protocol)
            if slot in first:
                yield _problem(graph, workload, first[slot], port)
            else:
                first[slot] = port


def _problem(graph: PortGraph, workload: Entity, first: PortFact, second: PortFact) -> Problem:
    one, two = container_name(graph, first), container_name(graph, second)
    port = f"{second.value.number}/{second.protocol}"
    same = one == two
    if same and first.port_name and second.port_name and first.port_name != second.port_name:
        return _alias(workload, two, port, first, second)
    where = f"twice in container {two}" if same else f"by containers {one} and {two}"
    why = ("a port name or probe may resolve to either entry" if same
           else "the containers share the pod's network, so only one of them can bind it")
    return Problem(
        location=second.location,
        message=f"containerPort {port} is declared {where} of {entity_label(workload)}: {why}",
        related=(Related(first.location, f"containerPort {port} of container {one}, declared first"),),
        fix=(f"remove the duplicate entry for {port}" if same
             else f"give container {two} another port, or remove the declaration that is not served"),
        key=f"{workload.id}|{two}|{port}",
    )


def _alias(workload: Entity, container: str, port: str, first: PortFact, second: PortFact) -> Problem:
    """One port under two names in one container: a deliberate alias, whose harm is the tooling's."""
    names = f"{first.port_name} and {second.port_name}"
    return Problem(
        location=second.location,
        message=(f"containerPort {port} is declared twice in container {container} of {entity_label(workload)}, as "
                 f"{names}: each name reaches this one port, but server-side apply (which keys container ports by "
                 f"containerPort and protocol) and some controllers reject the duplicate entry, and kubectl warns of it"),
        related=(Related(first.location, f"containerPort {port} of container {container}, named {first.port_name}"),),
        fix=f"keep one entry for {port} and point every targetPort that used the other name at it",
        severity=Severity.WARNING,
        key=f"{workload.id}|{container}|{port}",
    )
