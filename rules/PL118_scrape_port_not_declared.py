"""
## What it does
Reports a `prometheus.io/port` annotation on a pod template (or Pod) whose port none of the
pod's containers declares as a `containerPort` (TCP), when the containers do declare their
ports. Pods whose containers declare no ports, or a port portlint could not resolve, are not
checked.

## Why is this bad
The usual Prometheus relabelling scrapes `<pod IP>:<annotation port>`. A pod that declares its
ports has said where it listens; an annotation pointing elsewhere is usually a leftover from a
port change, and the target shows as down (or, worse, silently disappears from dashboards and
alerts).

## Example
```yaml
template:
  metadata:
    annotations:
      prometheus.io/scrape: "true"
      prometheus.io/port: "9102"
  spec:
    containers:
      - name: app
        ports:
          - name: metrics
            containerPort: 9100
```

## Use instead
```yaml
    annotations:
      prometheus.io/port: "9100"
```
"""

from __future__ import annotations

from collections.abc import Iterator

from portlint.describe import container_name, entity_label, port_text, same_definition, same_environment
from portlint.graph import PortGraph
from portlint.links.kubernetes import declared_ports
from portlint.model import Entity, PortFact, Problem, Related, Role

ID = "PL118"
NAME = "scrape-port-not-declared"
SEVERITY = "warning"
GROUP = "consistency"
SUMMARY = "A prometheus.io/port annotation names a port no container declares"
TAGS = ("kubernetes", "monitoring")


def check(ctx) -> Iterator[Problem]:
    graph: PortGraph = ctx.graph
    for fact in graph.facts(role=Role.TARGET):
        if not fact.attrs.get("annotation") or fact.value.unresolved or fact.value.number is None:
            continue
        workload = graph.entity(fact.owner.id)
        declared = declared_ports(graph, workload) if workload is not None else None
        if declared is None:
            continue
        ports = [p for p in declared if same_definition(p, fact) and same_environment(p, fact)]
        if not ports or any(p.value.number is None or p.value.unresolved for p in ports):
            continue
        if any(p.value.number == fact.value.number and p.protocol == "TCP" for p in ports):
            continue
        yield _problem(graph, workload, fact, ports)


def _problem(graph: PortGraph, workload: Entity, fact: PortFact, ports: list[PortFact]) -> Problem:
    declared = ", ".join(port_text(p) for p in ports)
    return Problem(
        location=fact.location,
        message=(f"{fact.attrs['annotation']} of {entity_label(workload)} is {fact.value.text}, but its containers "
                 f"declare {declared}: Prometheus scrapes a port the pod does not say it listens on"),
        related=tuple(Related(p.location, f"containerPort {port_text(p)} of container {container_name(graph, p)}")
                      for p in sorted(ports, key=lambda f: f.location)),
        fix="set the annotation to the metrics containerPort, or declare the port the app serves metrics on",
        key=f"{workload.id}|{fact.value.text}",
    )
