"""
## What it does
Checks the ports Prometheus Operator monitors scrape against what their selected objects declare:

- `ServiceMonitor` `spec.endpoints[].port` must be the `name` of a port of at least one Service
  the monitor selects (`spec.selector` on the Services' own labels, in the monitor's namespace or
  those `spec.namespaceSelector` names);
- `ServiceMonitor` `endpoints[].targetPort` and `PodMonitor` `podMetricsEndpoints[].port`,
  `portNumber` or `targetPort` must be a container port (by name or number) of the pods behind
  them (the selected Services' pods, or the pods a `PodMonitor` selects).

Monitors whose selector is empty, uses `matchExpressions`, or selects nothing in the scan are
not checked; nor are pods whose containers declare no ports or ports portlint could not resolve.

## Why is this bad
The operator builds a scrape job only for endpoints whose port matches. A port name that no
selected Service (or container) has yields no target at all: no error, the metrics and the
alerts built on them silently disappear. A port renamed in the Service but not in the monitor is
the usual cause.

## Example
```yaml
kind: ServiceMonitor
spec:
  selector: {matchLabels: {app: api}}
  endpoints:
    - port: metrics
---
kind: Service
metadata: {labels: {app: api}}
spec:
  ports:
    - name: http-metrics
      port: 9100
```

## Use instead
```yaml
  endpoints:
    - port: http-metrics
```
"""

from __future__ import annotations

from collections.abc import Iterator

from portlint.describe import container_name, entity_label, port_text, same_environment, written_name
from portlint.graph import PortGraph, explain_link
from portlint.links.kubernetes import declared_ports, selected_workloads
from portlint.links.kubernetes_routes import MONITORS, POD_MONITOR, SERVICE_MONITOR, monitored
from portlint.model import Entity, PortFact, Problem, Related, Role

ID = "PL120"
NAME = "monitor-port-not-found"
SEVERITY = "warning"
GROUP = "consistency"
SUMMARY = "A ServiceMonitor or PodMonitor scrapes a port its selected Services or pods do not have"
TAGS = ("kubernetes", "monitoring")


def check(ctx) -> Iterator[Problem]:
    graph: PortGraph = ctx.graph
    for monitor in graph.entities((SERVICE_MONITOR, POD_MONITOR)):
        selected = monitored(graph, monitor)
        if not selected:
            continue
        for fact in graph.facts(monitor, Role.TARGET):
            if fact.value.unresolved or (fact.value.number is None and fact.value.name is None):
                continue
            field = fact.attrs.get("monitor_field")
            if monitor.ref.kind == SERVICE_MONITOR and field == "port":
                problem = _service_port(graph, monitor, fact, selected)
            else:
                workloads = selected if monitor.ref.kind == POD_MONITOR else _behind(graph, selected)
                problem = _pod_port(graph, monitor, fact, workloads)
            if problem is not None:
                yield problem


def _behind(graph: PortGraph, services: list[Entity]) -> list[Entity]:
    found = {w.id: w for s in services for w in selected_workloads(graph, s)}
    return [found[k] for k in sorted(found)]


def _service_port(graph: PortGraph, monitor: Entity, fact: PortFact, services: list[Entity]) -> Problem | None:
    ports = [p for s in services for p in graph.facts(s, Role.EXPOSE) if same_environment(p, fact)]
    if not ports or any(p.value.unresolved for p in ports):
        return None
    if fact.value.name is None:
        return None  # a number: the field takes a name (PL002 and the API server say so)
    if any(p.port_name == fact.value.name for p in ports):
        return None
    names = sorted({p.port_name for p in ports if p.port_name})
    sides = "; ".join(f"{written_name(s)}: {', '.join(port_text(p, name_prefix='name ') for p in ports if p.owner.id == s.id)}"
                      for s in services if any(p.owner.id == s.id for p in ports))
    fix = (f"use one of the Service port names ({', '.join(names)})" if names else
           "name the Service port (spec.ports[].name) and use that name")
    return _problem(graph, monitor, fact, f"Service port named {fact.value.name!r}", f"the Services it selects ({sides})",
                    tuple(Related(p.location, f"Service {written_name(graph.entity(p.owner.id))} port "
                                  f"{port_text(p, name_prefix='name ')}") for p in ports), fix)


def _pod_port(graph: PortGraph, monitor: Entity, fact: PortFact, workloads: list[Entity]) -> Problem | None:
    declared: list[tuple[Entity, list[PortFact]]] = []
    for workload in workloads:
        ports = declared_ports(graph, workload)
        if ports is None:
            return None
        ports = [p for p in ports if same_environment(p, fact)]
        if any(p.value.unresolved or p.attrs.get("port_name_unresolved") for p in ports):
            return None
        if ports:
            declared.append((workload, ports))
    if not declared:
        return None
    everything = [p for _, ports in declared for p in ports]
    if fact.value.name is not None and any(p.port_name == fact.value.name for p in everything):
        return None
    if fact.value.number is not None and any(p.value.number == fact.value.number for p in everything):
        return None
    kind = f"container port named {fact.value.name!r}" if fact.value.name else f"container port {fact.value.text}"
    sides = "; ".join(f"{entity_label(w)}: {', '.join(port_text(p, name_prefix='name ') for p in ports)}"
                      for w, ports in declared)
    names = sorted({p.port_name for p in everything if p.port_name})
    fix = ("use a declared container port " + ("name (" + ", ".join(names) + ")" if names and fact.value.name
                                               else "number or name") + ", or declare the metrics port on the container")
    return _problem(graph, monitor, fact, kind, f"the pods it reaches ({sides})",
                    tuple(Related(p.location, f"containerPort {port_text(p, name_prefix='name ')} of container "
                                  f"{container_name(graph, p)}") for p in sorted(everything, key=lambda f: f.location)),
                    fix)


def _problem(graph: PortGraph, monitor: Entity, fact: PortFact, wanted: str, where: str,
             related: tuple[Related, ...], fix: str) -> Problem:
    kind = monitor.ref.kind.removeprefix("k8s/")
    links = graph.outgoing(monitor.id, MONITORS)
    return Problem(
        location=fact.location,
        message=(f"{kind} {written_name(monitor)} {fact.slot}.{fact.attrs.get('monitor_field')} scrapes the {wanted}, "
                 f"which none of {where} has: the operator generates no scrape target for it"),
        related=related,
        fix=fix,
        key=f"{monitor.id}|{fact.slot}|{fact.attrs.get('monitor_field')}|{fact.value.text}",
        explain=tuple(explain_link(link) for link in links),
    )
