"""
## What it does
Reports a remote-access port — the `ports` option, SSH's 22 by default — that an image `EXPOSE`s,
a Kubernetes container declares as `containerPort` or `hostPort`, or a compose service publishes.
The message names the port as `sensitive-ports` in the config labels it. Part of the opt-in
`hygiene` group (`--extend-select hygiene`).

## Why is this bad
An SSH daemon in a container is a second way in that bypasses the orchestrator's access control
and audit log, and usually carries long-lived keys or passwords baked into the image.
`kubectl exec` / `docker exec` do the same job without it.

## Example
```dockerfile
EXPOSE 22 8080
```

## Use instead
```dockerfile
EXPOSE 8080
```
"""

from __future__ import annotations

from collections.abc import Iterator

from portlint.model import PortFact, Problem, Role
from portlint.options import Option

ID = "PL115"
NAME = "remote-access-port-declared"
SEVERITY = "warning"
GROUP = "hygiene"
SUMMARY = "A container or image declares a remote-access port (SSH 22)"
TAGS = ("security", "kubernetes", "docker", "compose")
OPTIONS = {"ports": Option(list[int], [22], "remote-access ports no container should declare")}
WHERE = {
    ("docker/image", Role.EXPOSE): "EXPOSE",
    ("k8s/Container", Role.LISTEN): "containerPort",
    ("k8s/Container", Role.PUBLISH): "hostPort",
    ("compose/service", Role.PUBLISH): "published port",
    ("compose/service", Role.TARGET): "container port",
}


def check(ctx) -> Iterator[Problem]:
    ports = set(ctx.options["ports"])
    labels = ctx.config.sensitive_ports
    seen: set[tuple] = set()
    for fact in ctx.graph.facts():
        what = WHERE.get((fact.owner.kind, fact.role))
        if what is None or fact.value.unresolved or fact.value.number not in ports:
            continue
        entry = (fact.owner.id, fact.slot, fact.value.number)
        if entry in seen:  # "22:22" in compose, or containerPort+hostPort 22: one entry, one finding
            continue
        seen.add(entry)
        yield _problem(fact, what, labels.get(fact.value.number, "a remote-access port"))


def _problem(fact: PortFact, what: str, label: str) -> Problem:
    return Problem(
        location=fact.location,
        message=(f"{fact.owner.label} declares {label} (port {fact.value.number}/{fact.protocol}) as {what}: "
                 f"a way into the container around the orchestrator's access control"),
        fix="remove the SSH daemon and the port; use kubectl exec / docker exec to get a shell",
        key=f"{fact.owner.id}|{fact.slot}|{fact.value.number}",
    )
