"""
## What it does
Reports a `prometheus.io/port` annotation on a pod template (or Pod) whose port none of the
pod's containers declares as a `containerPort` (TCP), when the containers do declare their
ports. The same annotation on a Service (the usual `kubernetes-service-endpoints` job scrapes
each endpoint pod on that port) is checked against the containers of every workload the Service
selects. Pods whose containers declare no ports, or a port portlint could not resolve, are not
checked, nor is a port the containers' own settings name (`--web.listen-address=:9187` in the
args, a variable, a ConfigMap they mount or load: `portlint.query.undeclared.settings_name`).

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
from portlint.links.kubernetes import declared_ports, selected_workloads, serving_containers
from portlint.query.undeclared import settings_name
from portlint.model import Entity, PortFact, Problem, Related, Role

ID = "PL118"
NAME = "scrape-port-not-declared"
SEVERITY = "warning"
GROUP = "consistency"
SUMMARY = "A prometheus.io/port annotation names a port no container declares"
TAGS = ("kubernetes", "monitoring")
SCRAPE = "prometheus.io/port"


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
        if settings_name(graph, fact.value.number, serving_containers(graph, workload)):
            continue  # its args, env or ConfigMaps say it serves (metrics) there undeclared: unknown
        yield _problem(graph, workload, fact, ports)
    for fact in graph.facts(role=Role.PROBE):
        if fact.attrs.get("annotation") == SCRAPE and fact.owner.kind == "k8s/Service":
            problem = _service_problem(graph, fact)
            if problem is not None:
                yield problem


def _service_problem(graph: PortGraph, fact: PortFact) -> Problem | None:
    """A Service's annotation: each selected workload that declares its ports must declare it."""
    if fact.value.unresolved or fact.value.number is None:
        return None
    service = graph.entity(fact.owner.id)
    missing: list[tuple[Entity, list[PortFact]]] = []
    for workload in selected_workloads(graph, service):
        declared = declared_ports(graph, workload)
        ports = [p for p in declared or [] if same_environment(p, fact)]
        if declared is None or not ports or any(p.value.number is None or p.value.unresolved for p in ports):
            continue
        if not any(p.value.number == fact.value.number and p.protocol == "TCP" for p in ports) and not (
                settings_name(graph, fact.value.number, serving_containers(graph, workload))):
            missing.append((workload, ports))
    if not missing:
        return None
    sides = "; ".join(f"{entity_label(w)}: {', '.join(port_text(p) for p in ports)}" for w, ports in missing)
    everything = sorted((p for _, ports in missing for p in ports), key=lambda f: f.location)
    return Problem(
        location=fact.location,
        message=(f"{SCRAPE} of Service {service.attrs.get('name', service.ref.name)} is {fact.value.text}, but the pods "
                 f"it selects declare {sides}: Prometheus scrapes each endpoint pod on a port it does not listen on"),
        related=tuple(Related(p.location, f"containerPort {port_text(p)} of container {container_name(graph, p)}")
                      for p in everything),
        fix="set the annotation to the pods' metrics containerPort (it names a pod port, not the Service port)",
        key=f"{service.id}|{fact.value.text}",
    )


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
