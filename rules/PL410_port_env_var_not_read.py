"""
## What it does
Reports a port environment variable (`PORT`, `*_PORT`) that a container sets — Kubernetes
`env`, compose `environment`, Dockerfile `ENV` — when every place the Python code that container
runs takes its port from is visible and none is that variable: a literal, or another variable
read with `os.getenv` / `os.environ`.

The code a container runs is the module its command runs (compose, Dockerfile), or for a
Kubernetes workload with a single serving container, the code of the same logical service. It
stays silent when a listen site reads a config key or a function parameter (the loader behind
`get_config()` may well read the variable: portlint does not guess), when one takes the
framework's default (`uvicorn.run(app)`; Dash's `run_server()` reads `PORT` itself), when no
code is known, and on workloads with sidecars.

## Why is this bad
The variable looks like the way to move the app to another port, so that is what people change
during an incident — and nothing happens, while the Service, probes and proxies that were
changed with it now point at a port nobody listens on.

## Example
```yaml
# the code runs uvicorn.run(app, port=int(os.getenv("FASTAPI_PORT", "8000")))
env:
  - name: PORT
    value: "8000"
```

## Use instead
```yaml
env:
  - name: FASTAPI_PORT   # the variable the code reads
    value: "8000"
```
"""

from __future__ import annotations

from collections.abc import Iterator

from portlint.graph import explain_link, members
from portlint.layers import port_key_of
from portlint.links.apps import entity_label, service_name
from portlint.links.containers import COMPOSE, IMAGE, modules_run_by
from portlint.links.kubernetes import serving_containers
from portlint.model import Entity, Link, PortFact, Problem, Related, Role
from portlint.readers._config_keys import key_for_env_var

ID = "PL410"
NAME = "port-env-var-not-read"
SEVERITY = "note"
GROUP = "consistency"
SUMMARY = "A container sets a port variable that the code it runs never reads"
TAGS = ("application", "containers")
K8S_CONTAINER = "k8s/Container"


def check(ctx) -> Iterator[Problem]:
    graph = ctx.graph
    for holder in graph.entities((K8S_CONTAINER, COMPOSE, IMAGE)):
        variables = [f for f in graph.facts(holder, Role.CONFIG) if f.attrs.get("env_var")]
        if not variables:
            continue
        modules, how = _code_of(graph, holder)
        listens = [f for m in modules for f in graph.facts(m, Role.LISTEN)]
        if not listens or not all(_visible(f) for f in listens):
            continue
        for variable in variables:
            if not _read(graph, str(variable.attrs["env_var"]), modules, listens):
                yield _problem(graph, holder, variable, listens, how)


def _code_of(graph, holder: Entity) -> tuple[list[Entity], list[Link]]:
    """The code modules a container runs, and the links that say so."""
    if holder.ref.kind in (COMPOSE, IMAGE):
        modules = modules_run_by(graph, holder)
        return modules, graph.outgoing(holder.id, "runs")
    workload = graph.parent(holder)
    siblings = serving_containers(graph, workload) if workload else []
    service = service_name(graph, holder)
    if len(siblings) != 1 or service is None:
        return [], []
    modules = [e for e in members(graph, service) if e.ref.kind == "code/python"]
    return modules, [link for e in (holder, *modules) for link in graph.incoming(e.id, "member")]


def _visible(fact: PortFact) -> bool:
    """The port's whole origin is in the code: a literal, or an env var read directly."""
    if fact.attrs.get("implicit") or fact.attrs.get("config_key") or fact.attrs.get("parameter"):
        return False
    return fact.value.number is not None or bool(fact.attrs.get("env_var"))


def _read(graph, name: str, modules: list[Entity], listens: list[PortFact]) -> bool:
    """Does the code read ``name`` — directly, or through the config key it maps to?"""
    if any(f.attrs.get("env_var") == name for m in modules for f in graph.facts(m)):
        return True
    key = key_for_env_var(name, graph.config)
    return key is not None and any(port_key_of(graph, f) == key for f in listens if f.value.unresolved)


def _problem(graph, holder: Entity, variable: PortFact, listens: list[PortFact], how: list[Link]) -> Problem:
    name = variable.attrs["env_var"]
    sources = sorted({_source(f) for f in listens})
    return Problem(
        location=variable.location,
        message=(f"{entity_label(holder)} sets {name}={variable.value.text}, but the code it runs takes its port "
                 f"from {', '.join(sources)}: changing {name} moves nothing"),
        related=tuple(Related(f.location, f"listens on {_source(f)}") for f in sorted(listens, key=lambda f: f.location)),
        fix=(f"set the variable the code reads instead of {name}, or make the code read {name}"),
        key=f"{holder.id}|{name}",
        explain=tuple(explain_link(link) for link in how),  # formatted only for a finding
    )


def _source(fact: PortFact) -> str:
    if fact.attrs.get("env_var"):
        return f"${fact.attrs['env_var']}"
    if fact.value.number is not None:
        return f"the literal {fact.value.text}"
    return fact.value.text
