"""
## What it does
Compares a container's `PORT` environment variable (the names in the `env_names` option) with
the `containerPort`s the same container declares, and reports it when none of them is equal —
with a single declared port, whenever the two differ.

A container that declares no ports, a `PORT` set from `valueFrom`, and values portlint could not
resolve (a Helm expression, `$(OTHER_VAR)`) are not checked.

## Why is this bad
The application listens where `PORT` tells it to; the Service and the probes go to the
`containerPort`. When the two disagree, the pod starts, the port Kubernetes knows about is
closed, and the probes restart the container in a loop.

## Example
```yaml
containers:
  - name: dash
    ports:
      - containerPort: 8050
    env:
      - name: PORT
        value: "8000"
```

## Use instead
```yaml
containers:
  - name: dash
    ports:
      - containerPort: 8050
    env:
      - name: PORT
        value: "8050"
```
"""

from __future__ import annotations

from collections.abc import Iterator

from portlint.describe import entity_label, same_definition, same_environment
from portlint.graph import PortGraph
from portlint.model import Entity, PortFact, Problem, Related, Role
from portlint.options import Option

ID = "PL104"
NAME = "env-port-mismatch"
SEVERITY = "warning"
GROUP = "consistency"
SUMMARY = "A container's PORT environment variable differs from its containerPort"
TAGS = ("kubernetes",)
FIX = ("the variable is set to the container's only containerPort, when no other place of the container says the"
       " variable's value.")
OPTIONS = {"env_names": Option(list[str], ["PORT"], "environment variables that carry the container's own listening port")}


def check(ctx) -> Iterator[Problem]:
    graph: PortGraph = ctx.graph
    names = set(ctx.options["env_names"])
    for container in graph.entities("k8s/Container"):
        if container.attrs.get("ports_unresolved"):
            continue  # a template fills in the ports
        for env in graph.facts(container, Role.CONFIG):
            if env.attrs.get("env_var") not in names or env.value.unresolved or env.value.number is None:
                continue
            ports = [p for p in graph.facts(container, Role.LISTEN)
                     if same_definition(p, env) and same_environment(p, env)]
            if not ports or any(p.value.number is None for p in ports):
                continue
            if any(p.value.number == env.value.number for p in ports):
                continue
            yield _problem(graph, container, env, ports)


def _problem(graph: PortGraph, container: Entity, env: PortFact, ports: list[PortFact]) -> Problem:
    name = str(container.attrs.get("container_name") or container.ref.name.rsplit("/", 1)[-1])
    var = env.attrs.get("env_var", "PORT")
    parent = graph.parent(container)
    owner = f" of {entity_label(parent)}" if parent else ""
    declared = ", ".join(f"{p.value.text}/{p.protocol}" for p in ports)
    fix = (f"set {var} to {ports[0].value.text} or change containerPort to {env.value.text}" if len(ports) == 1
           else f"set {var} to the port the container serves, or declare containerPort {env.value.text}")
    return Problem(
        location=env.location,
        message=(f"env {var}={env.value.text} of container {name}{owner} is not a containerPort of that "
                 f"container ({declared}): the app listens on {env.value.text} while Services and probes "
                 f"use the declared port"),
        related=tuple(Related(p.location, f"containerPort {p.value.text}/{p.protocol} of container {name}")
                      for p in ports),
        fix=fix,
        key=f"{container.id}|env.{var}|{env.value.text}",
        fix_intent=_intent(graph, container, env, ports),
    )


def _intent(graph: PortGraph, container: Entity, env: PortFact, ports: list[PortFact]):
    """Set the variable to the container's one declared port, when no other place says the variable's value."""
    from portlint.fix.intent import by_agreement, not_fixed, standard_of

    numbers = sorted({p.value.number for p in ports})
    if len(numbers) != 1:
        return not_fixed(env, f"the container declares {len(numbers)} ports: which one is meant is not known, not fixed")
    return by_agreement(env, numbers[0], graph.facts(container), f"the container declares only containerPort {numbers[0]}",
                        standard_of(graph, container.id))
