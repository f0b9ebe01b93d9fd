"""
## What it does
Reports a Kubernetes Service whose `type` is one of `types` (`NodePort` and `LoadBalancer` by
default): a Service that opens its ports outside the cluster network. Part of the opt-in
`hygiene` group (`--extend-select hygiene`).

## Why is this bad
A `NodePort` Service opens a port on every node's addresses; a `LoadBalancer` Service asks the
cloud for a public address that forwards to it. Either bypasses the Ingress or Gateway where TLS,
authentication and rate limits usually live, and each one is an entrance to audit. Teams that
route all outside traffic through one entrance forbid these types.

## Example
```yaml
kind: Service
spec:
  type: NodePort
  ports:
    - port: 80
      nodePort: 30080
```

## Use instead
```yaml
kind: Service
spec:
  type: ClusterIP     # and an Ingress or Gateway route to it
  ports:
    - port: 80
```
"""

from __future__ import annotations

from collections.abc import Iterator

from portlint.describe import entity_label
from portlint.model import Problem, Role
from portlint.options import Option

ID = "PL123"
NAME = "exposed-service-type"
SEVERITY = "warning"
GROUP = "hygiene"
SUMMARY = "A Service of a type that opens its ports outside the cluster (NodePort, LoadBalancer)"
TAGS = ("kubernetes", "security")
OPTIONS = {"types": Option(list[str], ["NodePort", "LoadBalancer"], "Service types that must not be used")}


def check(ctx) -> Iterator[Problem]:
    forbidden = {t.lower(): t for t in ctx.options["types"]}
    for service in ctx.graph.entities("k8s/Service"):
        kind = str(service.attrs.get("type") or "ClusterIP")
        if kind.lower() not in forbidden:
            continue
        ports = sorted(ctx.graph.facts(service, Role.EXPOSE), key=lambda f: f.location)
        opened = ", ".join(f"{p.value.text}/{p.protocol}" for p in ports) or "no port written"
        if kind.lower() == "nodeport":
            node_ports = [f.value.text for f in ctx.graph.facts(service, Role.PUBLISH)]
            chosen = f"nodePort {', '.join(node_ports)}" if node_ports else "a nodePort Kubernetes picks"
            where = f"opens {chosen} on every node's addresses for port {opened}"
        else:
            where = f"puts port {opened} on an external load balancer"
        yield Problem(
            location=service.attrs.get("type_location") or service.location,
            message=(f"{entity_label(service)} is type {kind}: it {where}, around the cluster's Ingress or Gateway"),
            fix="make it type ClusterIP and route outside traffic to it through the Ingress or Gateway, or allow "
                f"the type with [rules.{ID}] types",
            key=f"{service.id}|type|{kind}",
        )
