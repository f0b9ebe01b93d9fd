"""
## What it does
For each compose `ports` entry, checks that something in the container listens on its container
side. What the container listens on is taken from what the scan knows about it:

- the service's own `command`/`entrypoint` ports (`--port 8000`, `-b 0.0.0.0:8000`) and `expose`;
- the Dockerfile it builds: `EXPOSE`, and the `CMD`/`ENTRYPOINT` ports when the service does not
  override the command;
- the Python module its command (or its image's) runs: the literal port, or the value of the
  config key / env var it reads — the service's own `environment:` entry (or its image's `ENV`)
  for it when there is one, else the effective value in the compose file's environment (option
  `environment` when the file has none), else the code's fallback when nothing configures it.

A service about which nothing is known (an `image:` only) is skipped: no guess. When only
declarations (`expose`, `EXPOSE`) name a port, nothing says where the container really listens:
the finding is a warning at the service's own `expose` line (a declaration opens no port, so
either it or the mapping is wrong), not a claim that connections are reset.

## Why is this bad
Docker forwards the published host port to the container port whether or not anything listens
there. The container starts, the port looks open on the host, and every connection is reset.

## Example
```yaml
services:
  api:
    build: ./api          # api/Dockerfile: CMD uvicorn app:app --port 8000
    ports:
      - "8080:80"
```

## Use instead
```yaml
services:
  api:
    build: ./api
    ports:
      - "8080:8000"
```
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from portlint.graph import explain_link
from portlint.links.apps import code_ports, container_env, dev_environment
from portlint.links.containers import COMPOSE, code_listens, image_of, modules_run_by
from portlint.model import Entity, Location, PortFact, Problem, Related, Role, Severity
from portlint.options import Option

ID = "PL405"
NAME = "published-port-not-listening"
SEVERITY = "error"
GROUP = "consistency"
SUMMARY = "A compose service publishes a container port that nothing in the container listens on"
TAGS = ("application", "containers", "compose")
OPTIONS = {"environment": Option(str, "dev", "the environment a local dev server stands for")}


def check(ctx) -> Iterator[Problem]:
    graph = ctx.graph
    default_env = dev_environment(ctx.graph, ctx.options["environment"])
    for service in graph.entities(COMPOSE):
        evidence = _evidence(graph, service, service.environment or default_env)
        if not evidence:
            continue
        for fact in graph.facts(service, Role.TARGET):
            if fact.value.number is None:
                continue
            same_protocol = [e for e in evidence if e.protocol == fact.protocol]
            if not same_protocol or any(e.number == fact.value.number for e in same_protocol):
                continue
            if any(e.listens for e in same_protocol):
                yield _problem(graph, service, fact, same_protocol)
            else:
                yield _declared_only(graph, service, fact, same_protocol)


class _Evidence(NamedTuple):
    number: int
    protocol: str
    location: Location
    what: str
    listens: bool  # a listener (command, code); False: a declaration (compose expose, EXPOSE)
    own: bool = False  # written on the compose service itself


def _evidence(graph, service: Entity, env: str) -> list[_Evidence]:
    """Everything that says where the container listens (or declares that it does)."""
    out = [_Evidence(f.value.number, f.protocol, f.location, f"{_says(f)} (compose service {service.ref.name})",
                     role == Role.LISTEN, True)
           for role in (Role.LISTEN, Role.EXPOSE) for f in graph.facts(service, role) if f.value.number is not None]
    image = image_of(graph, service)
    if image is not None:
        roles = (Role.EXPOSE,) if service.attrs.get("has_command") else (Role.EXPOSE, Role.LISTEN)
        out += [_Evidence(f.value.number, f.protocol, f.location, f"{_says(f)} ({image.ref.name})", role == Role.LISTEN)
                for role in roles for f in graph.facts(image, role) if f.value.number is not None]
    env_vars = container_env(graph, [service, *([image] if image is not None else [])])
    for module in modules_run_by(graph, service):
        for listen in code_listens(graph, module, service):
            for cp in code_ports(graph, listen, [env], env_vars):
                out.append(_Evidence(cp.number, listen.protocol, cp.location or listen.location,
                                     f"{module.ref.name} listens on {cp.describe()}", True))
    return sorted(set(out), key=lambda e: (e.location, e.number))


def _says(fact: PortFact) -> str:
    if fact.role == Role.LISTEN:
        return f"{fact.field} listens on {fact.value.text}"
    return f"{fact.field} {fact.value.text}"


def _problem(graph, service: Entity, fact: PortFact, evidence: list[_Evidence]) -> Problem:
    ports = " / ".join(str(n) for n in sorted({e.number for e in evidence}))
    published = fact.attrs.get("published") or "an ephemeral host port"
    explain = [explain_link(link) for kind in ("builds", "runs") for link in graph.outgoing(service.id, kind)]
    return Problem(
        location=fact.location,
        message=(f"compose service {service.ref.name} publishes {published} to container port {fact.value.text}/"
                 f"{fact.protocol}, but the container listens on {ports}: connections to the published port "
                 f"are reset"),
        related=tuple(Related(e.location, e.what) for e in evidence),
        fix=f"map the published port to container port {ports}, or make the app listen on {fact.value.text}",
        key=f"{service.id}|{fact.slot}|{fact.value.text}",
        explain=tuple(explain),
    )


def _declared_only(graph, service: Entity, fact: PortFact, evidence: list[_Evidence]) -> Problem:
    """Only ``expose`` / ``EXPOSE`` name a port: a declaration opens nothing, so the finding is
    the disagreement between the declaration and the mapping, located at the declaration."""
    ports = " / ".join(str(n) for n in sorted({e.number for e in evidence}))
    own = [e for e in evidence if e.own]
    blamed = own[0] if own else None
    published = fact.attrs.get("published") or "an ephemeral host port"
    how = "its `expose`" if own else "its image's EXPOSE"
    related = [Related(fact.location, f"publishes {published} to container port {fact.value.text}/{fact.protocol}")
               ] if blamed is not None else []
    related += [Related(e.location, e.what) for e in evidence if e is not blamed]
    image = image_of(graph, service)
    env = container_env(graph, [service, *([image] if image is not None else [])]).get("PORT")
    if env is not None and env.value.number == fact.value.number:
        related.append(Related(env.location, f"sets PORT={env.value.text}: a server that reads PORT listens on it"))
    explain = [explain_link(link) for kind in ("builds", "runs") for link in graph.outgoing(service.id, kind)]
    return Problem(
        location=blamed.location if blamed is not None else fact.location,
        message=(f"compose service {service.ref.name} publishes {published} to container port "
                 f"{fact.value.text}/{fact.protocol}, but {how} declares {ports}: nothing in the scan says which "
                 f"port the container listens on, and a declaration opens no port, so either the declaration or "
                 f"the mapping is wrong"),
        related=tuple(related),
        fix=(f"if the app listens on {fact.value.text}, declare {fact.value.text} instead of {ports}; if it "
             f"listens on {ports}, map the published port to it"),
        severity=Severity.WARNING,
        key=f"{service.id}|{fact.slot}|{fact.value.text}",
        explain=tuple(explain),
    )
