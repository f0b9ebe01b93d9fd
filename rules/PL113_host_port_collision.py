"""
## What it does
Reports a Kubernetes `hostPort` claimed twice on the same node: twice in one pod (the same port,
protocol and host IP), or by two DaemonSets of the same folder and environment, which run on every
node (DaemonSets with a `nodeSelector` or `affinity` may run on different nodes and are not
compared).

## Why is this bad
A node binds a hostPort once. Inside one pod the API server rejects the manifest; across two
DaemonSets the second one's pods stay `Pending` on every node with "didn't have free ports".

## Example
```yaml
# agent.yaml, DaemonSet log-agent
ports:
  - containerPort: 24224
    hostPort: 24224
# exporter.yaml, DaemonSet node-exporter
ports:
  - containerPort: 9100
    hostPort: 24224
```

## Use instead
```yaml
ports:
  - containerPort: 9100
    hostPort: 9100
```
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import PurePosixPath

from portlint.describe import container_name, entity_label
from portlint.links.kubernetes import containers_of
from portlint.model import Entity, PortFact, Problem, Related, Role
from portlint.links.kubernetes import WORKLOAD_KINDS

ID = "PL113"
NAME = "host-port-collision"
SEVERITY = "error"
GROUP = "consistency"
SUMMARY = "Two containers claim the same hostPort on one node"
TAGS = ("kubernetes",)


def check(ctx) -> Iterator[Problem]:
    graph = ctx.graph
    every_node: dict[tuple, tuple[Entity, PortFact]] = {}
    for workload in graph.entities(WORKLOAD_KINDS):
        first: dict[tuple, PortFact] = {}
        for port in _host_ports(graph, workload):
            slot = (port.location.path, port.environment, port.value.number, port.protocol, port.attrs.get("host_ip", ""))
            if slot in first:
                yield _problem(graph, workload, first[slot], workload, port, "in one pod: the API server rejects it")
                continue
            first[slot] = port
            if workload.ref.kind != "k8s/DaemonSet" or workload.attrs.get("node_selected"):
                continue
            node = (str(PurePosixPath(port.location.path).parent), port.environment, port.value.number,
                    port.protocol, port.attrs.get("host_ip", ""))
            if node in every_node and every_node[node][0].id != workload.id:
                other, seen = every_node[node]
                yield _problem(graph, other, seen, workload, port,
                               "by two DaemonSets that run on every node: the second one's pods stay Pending")
            every_node.setdefault(node, (workload, port))


def _host_ports(graph, workload: Entity) -> list[PortFact]:
    ports = [p for c in containers_of(graph, workload) for p in graph.facts(c, Role.PUBLISH)
             if p.value.number is not None and not p.value.unresolved]
    return sorted(ports, key=lambda p: p.location)


def _problem(graph, one: Entity, first: PortFact, two: Entity, second: PortFact, why: str) -> Problem:
    port = f"{second.value.number}/{second.protocol}"
    return Problem(
        location=second.location,
        message=(f"hostPort {port} of container {container_name(graph, second)} in {entity_label(two)} is also "
                 f"claimed by container {container_name(graph, first)} in {entity_label(one)} ({first.location.short}) "
                 f"{why}"),
        related=(Related(first.location, f"hostPort {port} of {entity_label(one)}, claimed first"),),
        fix="give one of them another hostPort, or drop hostPort and reach the pods through a Service",
        key=f"{two.id}|{second.slot}|{port}",
    )
