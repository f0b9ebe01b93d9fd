"""
## What it does
Reports a port *name* that nothing declares:

- a Service `targetPort: http` when no container of the pods the Service selects declares a port
  named `http` (native sidecars count, plain init containers do not);
- a probe `port: http` (`httpGet` or `tcpSocket`) when its own container declares no port named
  `http` — the kubelet looks the name up in that container only.

A Service that selects nothing is left to PL107. A name declared with another protocol than the
Service port's is a mismatch reported by PL101.

## Why is this bad
A name is only a reference. If nothing declares it, the Service gets no endpoints at all, and a
probe that cannot resolve its port fails: the pod is restarted (liveness) or never becomes ready
(readiness) although the application is fine.

## Example
```yaml
containers:
  - name: api
    ports:
      - containerPort: 8000
        name: web
    readinessProbe:
      httpGet:
        path: /health
        port: http
```

## Use instead
```yaml
containers:
  - name: api
    ports:
      - containerPort: 8000
        name: http
    readinessProbe:
      httpGet:
        path: /health
        port: http
```
"""

from __future__ import annotations

from collections.abc import Iterator

from portlint.describe import container_label, entity_label, port_text, same_definition, same_environment, written_name
from portlint.graph import PortGraph, explain_link
from portlint.model import Entity, PortFact, PortValue, Problem, Related, Role

ID = "PL102"
NAME = "undeclared-port-name"
SEVERITY = "error"
GROUP = "consistency"
SUMMARY = "A named targetPort or probe port is declared by no container"
TAGS = ("kubernetes",)

MAX_NAMED = 10  # workloads and ports a finding names one by one; more are counted


def check(ctx) -> Iterator[Problem]:
    yield from _service_targets(ctx.graph)
    yield from _probes(ctx.graph)


# -- Service targetPort -------------------------------------------------------------------------

def _service_targets(graph: PortGraph) -> Iterator[Problem]:
    from portlint.query import UNDECLARED, target_match

    for service in graph.entities("k8s/Service"):
        for target in graph.facts(service, Role.TARGET):
            if not target.value.name or target.value.unresolved:
                continue
            match = target_match(graph, service, target)
            if match.verdict == UNDECLARED:
                ports = [p for pod in match.pods for p in pod.ports or ()]
                yield _service_problem(graph, service, target, [pod.workload for pod in match.pods], ports)


def _service_problem(graph: PortGraph, service: Entity, target: PortFact, workloads: list[Entity],
                     ports: list[PortFact]) -> Problem:
    name = target.value.name
    names = sorted({p.port_name for p in ports if p.port_name})
    pods = ", ".join(entity_label(w) for w in workloads[:MAX_NAMED])
    if len(workloads) > MAX_NAMED:
        pods += f" and {len(workloads) - MAX_NAMED:,} more"
    declared = f"they declare {', '.join(names)}" if names else "they declare no named port"
    related = [Related(p.location,
                       f"containerPort {port_text(p, unnamed='unnamed')} of container {_container_name(graph, p)}")
               for p in sorted(ports, key=lambda f: f.location)][:MAX_NAMED]
    if not related:
        related = [Related(w.location, f"{entity_label(w)} declares no named containerPort")
                   for w in workloads[:MAX_NAMED]]
    fix = (f"use one of the declared names ({', '.join(names)}) or a number, or name a containerPort {name!r}"
           if names else f"name the containerPort the Service should reach {name!r} (ports[].name)")
    links = graph.outgoing(service.id, "selects")[:MAX_NAMED]
    return Problem(
        location=target.location,
        message=(f"Service {written_name(service)} targetPort {name!r} names a port that no container of the pods "
                 f"it selects declares ({pods}; {declared}): the Service gets no endpoints"),
        related=tuple(related),
        fix=fix,
        key=f"{service.id}|{target.slot}|targetPort|{name}",
        explain=tuple(explain_link(link) for link in links),
    )


# -- probes -------------------------------------------------------------------------------------

def _probes(graph: PortGraph) -> Iterator[Problem]:
    for container in graph.entities("k8s/Container"):
        if container.attrs.get("ports_unresolved"):
            continue
        probes = [f for f in graph.facts(container, Role.PROBE) if f.value.name and not f.value.unresolved]
        for probe in probes:
            ports = [p for p in graph.facts(container, Role.LISTEN)
                     if same_definition(p, probe) and same_environment(p, probe)]
            if any(_uncertain_name(p) for p in ports):
                continue
            if probe.value.name in {p.port_name for p in ports}:
                continue
            yield _probe_problem(graph, container, probe, ports)


def _probe_problem(graph: PortGraph, container: Entity, probe: PortFact, ports: list[PortFact]) -> Problem:
    name = probe.value.name
    cname = container_label(container)
    names = sorted({p.port_name for p in ports if p.port_name})
    declared = f"it declares {', '.join(names)}" if names else "it declares no named port"
    related = [Related(p.location, f"containerPort {port_text(p, unnamed='unnamed')} of container {cname}")
               for p in sorted(ports, key=lambda f: f.location)]
    if not related:
        related = [Related(container.location, f"container {cname} declares no named containerPort")]
    kind = probe.attrs.get("probe", "")
    probe_text = f"{kind} probe" if kind else "probe"
    fix = (f"use one of the container's port names ({', '.join(names)}) or a number, or name its containerPort {name!r}"
           if names else f"declare the port with ports[].name: {name!r} on container {cname}, or use the number")
    parent = graph.parent(container)
    owner = f" of {entity_label(parent)}" if parent else ""
    siblings = _siblings_naming(graph, container, probe)
    related += [Related(p.location,
                        f"containerPort {port_text(p, unnamed='unnamed')} of container {_container_name(graph, p)}")
                for p in siblings]
    elsewhere = (f"; container {_container_name(graph, siblings[0])} of the same pod declares it, but the kubelet "
                 f"looks the name up in the probe's own container") if siblings else ""
    return Problem(
        location=probe.location,
        message=(f"{probe.field} {name!r} of container {cname}{owner}: the {probe_text} names a port its container "
                 f"does not declare ({declared}){elsewhere}, so the kubelet cannot resolve it and the probe fails"),
        related=tuple(related),
        fix=fix,
        key=f"{container.id}|{probe.field}|{name}",
    )


def _siblings_naming(graph: PortGraph, container: Entity, probe: PortFact) -> list[PortFact]:
    parent = graph.parent(container)
    if parent is None:
        return []
    return [p for sibling in graph.children(parent.id) if sibling.id != container.id
            for p in graph.facts(sibling, Role.LISTEN)
            if p.port_name == probe.value.name and same_definition(p, probe)]


# -- shared -------------------------------------------------------------------------------------

def _uncertain_name(port: PortFact) -> bool:
    """A port name portlint could not read (a template) might be the one referenced."""
    name = port.port_name
    return name is not None and PortValue.parse(name).name != name


def _container_name(graph: PortGraph, port: PortFact) -> str:
    owner = graph.entity(port.owner.id)
    return container_label(owner) if owner is not None else port.owner.name.rsplit("/", 1)[-1]
