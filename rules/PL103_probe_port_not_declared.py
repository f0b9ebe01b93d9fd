"""
## What it does
Reports a numeric probe port (`httpGet`, `tcpSocket` or `grpc` of a liveness, readiness or
startup probe) that is not one of the TCP `containerPort`s its container declares.

Kubernetes' `ports` list is informational: a probe reaches any port the app listens on,
declared or not. So the rule only speaks when the declarations say where the container listens:

- it declares **one** TCP port (a single-listener app) and probes another;
- another container of the same pod declares the port: the probe checks that container instead
  (one network namespace), which may be deliberate (a sidecar that reports the app's health), so
  this case is a **note** that names the container;
- it declares the port for UDP only (probes connect over TCP).

It is unknown, not reported, when the container declares several TCP ports (multi-listener apps
often probe a health port they leave out of the list), when its `command`, `args` or `env` name
the number as its own (`--health-probe-addr=:8081`, `--health-port 8081`, `HEALTH_PORT=8081`;
not a remote `host:8081`), when a ConfigMap it mounts or loads sets the number as a listen port
(`bind_port = "8081"` in a mounted file), when the port is a documented default of a well-known
image (the table in `portlint/readers/_well_known.py`, with its sources), when it has no `ports:` list at all, or a port portlint could not
resolve (a Helm expression).

## Why is this bad
A single-listener container that declares its port has said where it listens, and nothing else
names the probe's port. A probe on another port is then usually a leftover from a port change:
it fails, and the kubelet restarts a healthy container (liveness) or keeps it out of its Service
(readiness).

## Example
```yaml
containers:
  - name: fastapi
    ports:
      - containerPort: 8000
    livenessProbe:
      httpGet:
        path: /health
        port: 8080
```

## Use instead
```yaml
containers:
  - name: fastapi
    ports:
      - containerPort: 8000
        name: http
    livenessProbe:
      httpGet:
        path: /health
        port: http    # or 8000; declare a separate health port if the app really has one
```
"""

from __future__ import annotations

from collections.abc import Iterator

from portlint.describe import container_label, entity_label, port_text, same_definition, same_environment
from portlint.graph import PortGraph
from portlint.model import Entity, PortFact, Problem, Related, Role, Severity
from portlint.query import may_listen_undeclared
from portlint.query.undeclared import undeclared_config_ports

ID = "PL103"
NAME = "probe-port-not-declared"
SEVERITY = "warning"
GROUP = "consistency"
SUMMARY = "A probe checks a port its container does not declare"
TAGS = ("kubernetes",)
FIX = ("the probe port is set to the container's only TCP containerPort, when no other place of the container "
       "says the probe's port. Not fixed: several declared ports, a port of another container, a value from a "
       "Helm values file.")


def check(ctx) -> Iterator[Problem]:
    graph: PortGraph = ctx.graph
    for container in graph.entities("k8s/Container"):
        if container.attrs.get("ports_unresolved"):
            continue  # a template fills in the ports
        for probe in graph.facts(container, Role.PROBE):
            if probe.value.number is None or probe.value.unresolved:
                continue
            own = _ports_beside(graph, container, probe)
            if not own or any(p.value.number is None for p in own):
                continue
            if any(p.value.number == probe.value.number and p.protocol == "TCP" for p in own):
                continue
            siblings = _siblings_declaring(graph, container, probe)
            if siblings:
                yield _sibling_problem(graph, container, probe, own, siblings)
            elif not may_listen_undeclared(graph, probe.value.number, "TCP", own, [container]):
                yield _problem(graph, container, probe, own)  # else it may listen there undeclared: unknown


def _ports_beside(graph: PortGraph, container: Entity, probe: PortFact) -> list[PortFact]:
    """The container's declared ports written in the same file (one definition of the container)."""
    return [p for p in graph.facts(container, Role.LISTEN)
            if same_definition(p, probe) and same_environment(p, probe)]


def _siblings_declaring(graph: PortGraph, container: Entity, probe: PortFact) -> list[tuple[Entity, PortFact]]:
    parent = graph.parent(container)
    if parent is None:
        return []
    return [(sibling, p) for sibling in graph.children(parent.id)
            if sibling.id != container.id and sibling.ref.kind == "k8s/Container"
            for p in graph.facts(sibling, Role.LISTEN)
            if p.value.number == probe.value.number and p.protocol == "TCP" and same_definition(p, probe)]


def _related(container: Entity, own: list[PortFact], siblings: list[tuple[Entity, PortFact]]) -> tuple[Related, ...]:
    """The container's declared ports, and the siblings' that declare the probed number."""
    related = [Related(p.location, f"containerPort {port_text(p)} of container {container_label(container)}")
               for p in own]
    related += [Related(p.location, f"containerPort {port_text(p)} of container {container_label(s)}")
                for s, p in siblings]
    return tuple(sorted(related, key=lambda r: r.location))


def _problem(graph: PortGraph, container: Entity, probe: PortFact, own: list[PortFact]) -> Problem:
    name = container_label(container)
    number = probe.value.number
    declared = ", ".join(port_text(p) for p in own)
    udp_only = any(p.value.number == number for p in own)
    why = f"it declares {number} only for {_protocols(own, number)}, probes connect over TCP" if udp_only else (
        f"it declares {declared}")
    tcp = sorted({p.value.number for p in own if p.protocol == "TCP"})
    if not tcp:
        fix = f"declare containerPort {number} (TCP) if the app serves its health check there, or use an exec probe"
    else:
        fix = (f"point the probe at {tcp[0]}" if len(tcp) == 1 else "point the probe at a declared port") + (
            f", or declare containerPort {number} if the app really serves its health check there")
    kind = probe.attrs.get("probe")
    return Problem(
        location=probe.location,
        message=(f"{probe.field} {number} of container {name}{_owner(graph, container)} is not a port the "
                 f"container declares ({why}): the {kind + ' ' if kind else ''}probe fails while the app "
                 f"is healthy, unless the app also listens there undeclared (then Services and policies "
                 f"cannot name that port)"),
        related=_related(container, own, []),
        fix=fix,
        key=f"{container.id}|{probe.field}|{number}",
        fix_intent=_intent(graph, container, probe, tcp, []),
    )


def _sibling_problem(graph: PortGraph, container: Entity, probe: PortFact, own: list[PortFact],
                     siblings: list[tuple[Entity, PortFact]]) -> Problem:
    """The probed port is another container's of the pod: the probe succeeds or fails with that
    container (one network namespace), which may be deliberate (a health sidecar): a note."""
    name, number, sibling = container_label(container), probe.value.number, siblings[0][0]
    return Problem(
        location=probe.location,
        message=(f"{probe.field} {number} of container {name}{_owner(graph, container)} is served by container "
                 f"{container_label(sibling)} of the same pod: the probe checks {container_label(sibling)}, so "
                 f"{name} is restarted or taken out of service by that container's health, not its own"),
        related=_related(container, own, siblings),
        fix=(f"keep it if {container_label(sibling)} reports {name}'s health on purpose; otherwise point the probe "
             f"at a port {name} serves"),
        severity=Severity.NOTE,
        key=f"{container.id}|{probe.field}|{number}",
        fix_intent=_intent(graph, container, probe, [], siblings),
    )


def _intent(graph: PortGraph, container: Entity, probe: PortFact, tcp: list[int], siblings: list):
    """Point the probe at the container's one TCP port, when no other place says the probe's port."""
    from portlint.fix.intent import by_agreement, not_fixed, standard_of

    if siblings or len(tcp) != 1:
        why = "another container of the pod declares it" if siblings else f"the container declares {len(tcp)} TCP ports"
        return not_fixed(probe, f"{why}: which port the probe means is not known, not fixed")
    undeclared = undeclared_config_ports(graph, [container], tcp)
    if undeclared:  # a ConfigMap the app reads sets another listen port: the probe may mean that one
        return not_fixed(probe, f"the container's ConfigMaps set port(s) {', '.join(map(str, undeclared))}: "
                                f"which port the probe means is not known, not fixed")
    return by_agreement(probe, tcp[0], graph.facts(container), f"the container declares only containerPort {tcp[0]}",
                        standard_of(graph, container.id))


def _protocols(ports: list[PortFact], number: int) -> str:
    return "/".join(sorted({p.protocol for p in ports if p.value.number == number}))


def _owner(graph: PortGraph, container: Entity) -> str:
    parent = graph.parent(container)
    return f" of {entity_label(parent)}" if parent else ""
