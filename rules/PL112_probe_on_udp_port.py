"""
## What it does
Reports an `httpGet` or `tcpSocket` probe that names a container port (`port: dns`) which the
container declares only with `protocol: UDP` (or SCTP). The kubelet resolves the name to the
port's number and connects over TCP. A numeric probe port declared only for UDP is reported by
PL103 (probe-port-not-declared).

## Why is this bad
Nothing accepts a TCP connection on a UDP-only port: the probe can never pass. A liveness probe
restarts the container forever, a readiness probe keeps it out of every Service.

## Example
```yaml
ports:
  - name: dns
    containerPort: 53
    protocol: UDP
livenessProbe:
  tcpSocket:
    port: dns
```

## Use instead
```yaml
ports:
  - name: dns
    containerPort: 53
    protocol: UDP
  - name: dns-tcp
    containerPort: 53
    protocol: TCP
livenessProbe:
  tcpSocket:
    port: dns-tcp     # or an exec probe that sends a real query
```
"""

from __future__ import annotations

from collections.abc import Iterator

from portlint.describe import container_label, entity_label, port_text, same_definition, same_environment
from portlint.model import Entity, PortFact, Problem, Related, Role

ID = "PL112"
NAME = "probe-on-udp-port"
SEVERITY = "error"
GROUP = "consistency"
SUMMARY = "An httpGet/tcpSocket probe names a port declared only for UDP"
TAGS = ("kubernetes",)
TCP_PROBES = ("httpGet", "tcpSocket")


def check(ctx) -> Iterator[Problem]:
    graph = ctx.graph
    for container in graph.entities("k8s/Container"):
        for probe in graph.facts(container, Role.PROBE):
            name = probe.value.name
            if name is None or probe.value.unresolved or probe.attrs.get("probe_type") not in TCP_PROBES:
                continue
            ports = [p for p in graph.facts(container, Role.LISTEN) if p.port_name == name
                     and same_definition(p, probe) and same_environment(p, probe)]
            if ports and all(p.protocol not in ("TCP",) and not p.value.unresolved for p in ports):
                yield _problem(graph, container, probe, ports)


def _problem(graph, container: Entity, probe: PortFact, ports: list[PortFact]) -> Problem:
    cname = container_label(container)
    parent = graph.parent(container)
    owner = f" of {entity_label(parent)}" if parent else ""
    declared = ", ".join(port_text(p) for p in ports)
    kind = probe.attrs.get("probe", "")
    return Problem(
        location=probe.location,
        message=(f"{probe.field} {probe.value.name!r} of container {cname}{owner} resolves to {declared}: the "
                 f"{kind + ' ' if kind else ''}probe connects over TCP to a port declared only for "
                 f"{'/'.join(sorted({p.protocol for p in ports}))}, so it can never pass"),
        related=tuple(Related(p.location, f"containerPort {port_text(p)} of container {cname}") for p in ports),
        fix="declare a TCP port for the health check and probe that one, or use an exec probe",
        key=f"{container.id}|{probe.field}|{probe.value.name}",
    )
