"""
## What it does
Reports a port range that Docker rejects: a Dockerfile `EXPOSE` or compose `expose` range that
starts above its end (`EXPOSE 8005-8001`), and a compose `ports` mapping whose container range
is reversed or has a different length from its published range (`"8000-8001:9000-9003"`). A
published range mapped to a single container port (`"9000-9005:80"`) is valid: Docker picks one
free host port from it. Single out-of-range ports (`EXPOSE 70000`) are reported by PL002.

## Why is this bad
`docker build` or `docker compose up` stops with "invalid range" or "invalid ranges specified
for container and host Ports" — usually in CI or on a colleague's machine, far from the edit.

## Example
```yaml
services:
  media:
    ports:
      - "10000-10001:20000-20003/udp"
```

## Use instead
```yaml
services:
  media:
    ports:
      - "10000-10003:20000-20003/udp"
```
"""

from __future__ import annotations

from collections.abc import Iterator

from portlint.links.apps import entity_label
from portlint.model import Problem

ID = "PL409"
NAME = "invalid-port-range"
SEVERITY = "error"
GROUP = "consistency"
SUMMARY = "A port range in a Dockerfile or compose file is reversed or mismatched"
TAGS = ("containers", "validation")


def check(ctx) -> Iterator[Problem]:
    for fact in ctx.graph.facts():
        problem = fact.attrs.get("invalid_range")
        if not problem:
            continue
        owner = ctx.graph.entity(fact.owner.id)
        label = entity_label(owner) if owner is not None else fact.owner.label
        yield Problem(
            location=fact.location,
            message=f"{fact.field} {fact.value.text!r} of {label}: {problem}; Docker rejects it",
            fix="write the range low-high, with as many published ports as container ports",
            key=f"{fact.owner.id}|{fact.field}|{fact.value.text}",
            explain=(f"{fact.owner.id} {fact.field} {fact.value.text} at {fact.location.short}",),
        )
