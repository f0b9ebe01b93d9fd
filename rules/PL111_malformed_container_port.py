"""
## What it does
Reports an item of a container's `ports` list that declares no `containerPort`, or that holds a
key a container port does not have (`container: 8080`, `port: 8080`, `containerport: 8080`).
A container port has exactly `containerPort`, `hostPort`, `hostIP`, `name` and `protocol`.

## Why is this bad
`containerPort` is required: the API server rejects the manifest (or, with a misspelt key that a
lenient client drops, the port is silently never declared, and the Service or probe that names
it resolves to nothing). Every other port check is blind to an item without a port.

## Example
```yaml
ports:
  - name: http
    container: 8080
```

## Use instead
```yaml
ports:
  - name: http
    containerPort: 8080
```
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from portlint.describe import container_label, entity_label
from portlint.model import Problem

ID = "PL111"
NAME = "malformed-container-port"
SEVERITY = "error"
GROUP = "consistency"
SUMMARY = "A container ports[] item has no containerPort or an unknown key"
TAGS = ("kubernetes", "validation")
KEYS = ("containerPort", "hostPort", "hostIP", "name", "protocol")


def check(ctx) -> Iterator[Problem]:
    graph = ctx.graph
    for container in graph.entities("k8s/Container"):
        workload = graph.parent(container)
        owner = entity_label(workload) if workload is not None else container.ref.label
        for item in container.attrs.get("malformed_ports", ()):
            yield _problem(container_label(container), owner, container.id, item)


def _problem(name: str, owner: str, owner_id: str, item: dict) -> Problem:
    unknown = list(item.get("keys", ()))
    parts = []
    if item.get("not_a_mapping"):
        parts.append("is not a mapping")
    elif item.get("missing"):
        parts.append("has no containerPort")
    if unknown:
        parts.append("has the unknown key" + ("s " if len(unknown) > 1 else " ")
                     + ", ".join(f"{k!r}{_close(k)}" for k in unknown))
    return Problem(
        location=item["location"],
        message=(f"{item['slot']} of container {name} in {owner} {' and '.join(parts)}: the API server rejects "
                 f"it, and no Service, probe or policy can reach a port that is not declared"),
        fix="declare the port as containerPort: <number> (with name/protocol/hostPort/hostIP only)",
        key=f"{owner_id}|{item['slot']}",
    )


def _close(key: str) -> str:
    match = difflib.get_close_matches(key, KEYS, n=1, cutoff=0.5)
    if not match and key.lower().startswith("container"):
        match = ["containerPort"]
    return f" (did you mean {match[0]}?)" if match else ""
