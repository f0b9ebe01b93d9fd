"""
## What it does
Reports a Kubernetes `containerPort`, or the container side of a compose `ports` mapping, below
`below` (1024 by default): a privileged port, which a process may bind only as root or with the
`NET_BIND_SERVICE` capability. Part of the opt-in `hygiene` group (`--extend-select hygiene`).
The host side of a compose mapping is not reported: the Docker daemon binds it, not the app.

## Why is this bad
A container that must bind port 80 must run as root or keep a capability most hardened pod
security policies drop; it fails to start under `runAsNonRoot` with "permission denied". Listening
on 8080 and letting the Service map port 80 to it needs neither.

## Example
```yaml
ports:
  - containerPort: 80
```

## Use instead
```yaml
ports:
  - containerPort: 8080   # and in the Service: port: 80, targetPort: 8080
```
"""

from __future__ import annotations

from collections.abc import Iterator

from portlint.describe import container_name
from portlint.model import Problem, Role
from portlint.options import Option

ID = "PL114"
NAME = "privileged-container-port"
SEVERITY = "warning"
GROUP = "hygiene"
SUMMARY = "A containerPort is a privileged port (below 1024)"
TAGS = ("kubernetes", "compose", "security")
OPTIONS = {"below": Option(int, 1024, "container ports below this number are privileged", minimum=1)}


def check(ctx) -> Iterator[Problem]:
    below = ctx.options["below"]
    for fact in ctx.graph.facts(role=Role.LISTEN):
        number = fact.value.number
        if fact.owner.kind != "k8s/Container" or fact.value.unresolved or number is None or not 1 <= number < below:
            continue
        yield Problem(
            location=fact.location,
            message=(f"container {container_name(ctx.graph, fact)} ({fact.owner.label}) listens on privileged port "
                     f"{number}/{fact.protocol}: binding it needs root or NET_BIND_SERVICE"),
            fix=f"listen on an unprivileged port (for example {_unprivileged(number)}) and map the Service port to it",
            key=f"{fact.owner.id}|{fact.slot}|{number}/{fact.protocol}",
        )
    for fact in ctx.graph.facts(role=Role.TARGET):
        number = fact.value.number
        if (fact.owner.kind != "compose/service" or fact.attrs.get("field") != "ports.target"
                or fact.value.unresolved or number is None or not 1 <= number < below):
            continue
        yield Problem(
            location=fact.location,
            message=(f"compose service {fact.owner.name} maps to container port {number}/{fact.protocol}, a "
                     f"privileged port: the process inside binds it only as root or with NET_BIND_SERVICE"),
            fix=f"have the app listen on an unprivileged port (for example {_unprivileged(number)}) and publish that",
            key=f"{fact.owner.id}|{fact.slot}|{number}/{fact.protocol}",
        )


def _unprivileged(number: int) -> int:
    return number + 8000 if number + 8000 < 65536 else 8080
