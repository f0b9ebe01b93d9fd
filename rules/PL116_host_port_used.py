"""
## What it does
Reports every `hostPort` of a Kubernetes container, naming the port as `sensitive-ports` in the
config labels it when it is there, and every pod that runs with `hostNetwork: true` (each port its
containers listen on is then a port of the node). Part of the opt-in `hygiene` group
(`--extend-select hygiene`).

## Why is this bad
A hostPort opens the port on the node's own addresses, outside any Service, Ingress or
NetworkPolicy-aware path, and limits the pod to one replica per node (the scheduler cannot place
two pods that claim the same hostPort). A sensitive port (a database, SSH) on the node's address
is reachable by everything that can reach the node.

## Example
```yaml
ports:
  - containerPort: 8080
    hostPort: 8080
```

## Use instead
```yaml
ports:
  - containerPort: 8080   # and a Service (NodePort or LoadBalancer if it must be reached from outside)
```
"""

from __future__ import annotations

from collections.abc import Iterator

from portlint.describe import container_name, entity_label
from portlint.model import Problem, Related, Role

ID = "PL116"
NAME = "host-port-used"
SEVERITY = "warning"
GROUP = "hygiene"
SUMMARY = "A Kubernetes container publishes a hostPort"
TAGS = ("kubernetes", "security")


def check(ctx) -> Iterator[Problem]:
    sensitive = ctx.config.sensitive_ports
    for fact in ctx.graph.facts(role=Role.PUBLISH):
        if fact.owner.kind != "k8s/Container" or fact.value.unresolved:
            continue
        label = sensitive.get(fact.value.number) if fact.value.number is not None else None
        what = f", {label}," if label else ""
        yield Problem(
            location=fact.location,
            message=(f"container {container_name(ctx.graph, fact)} ({fact.owner.label}) opens hostPort "
                     f"{fact.value.text}/{fact.protocol}{what} on the node's addresses, around Services and "
                     f"NetworkPolicies"),
            fix="drop hostPort and expose the pod through a Service",
            key=f"{fact.owner.id}|{fact.slot}|{fact.value.text}/{fact.protocol}",
        )
    yield from _host_network(ctx.graph, sensitive)


def _host_network(graph, sensitive: dict) -> Iterator[Problem]:
    """A pod on the node's network: every port it listens on is opened on the node."""
    from portlint.links.kubernetes import WORKLOAD_KINDS, serving_containers

    for workload in graph.entities(WORKLOAD_KINDS):
        where = workload.attrs.get("host_network_location")
        if where is None:
            continue
        ports = [f for c in serving_containers(graph, workload) for f in graph.facts(c, Role.LISTEN)]
        named = ", ".join(f"{p.value.text}/{p.protocol}" + (f" ({sensitive[p.value.number]})"
                                                         if p.value.number in sensitive else "")
                          for p in sorted(ports, key=lambda f: f.location))
        what = f"its containerPorts {named} are" if named else "every port its containers listen on is"
        yield Problem(
            location=where,
            message=(f"{entity_label(workload)} runs on the node's network (hostNetwork: true): {what} open on "
                     f"the node's addresses, around Services and NetworkPolicies"),
            related=tuple(Related(p.location, f"containerPort {p.value.text}/{p.protocol} is a port of the node")
                          for p in sorted(ports, key=lambda f: f.location)),
            fix="drop hostNetwork and expose the pod through a Service",
            key=f"{workload.id}|hostNetwork",
        )
