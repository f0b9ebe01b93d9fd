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

A service about which nothing is known (an `image:` only) is skipped: no guess.

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

from portlint.graph import explain_link
from portlint.links.apps import code_ports, container_env, dev_environment
from portlint.links.containers import COMPOSE, code_listens, image_of, modules_run_by
from portlint.model import Entity, Location, PortFact, Problem, Related, Role
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
            same_protocol = [e for e in evidence if e[1] == fact.protocol]
            if not same_protocol or any(number == fact.value.number for number, _, _, _ in same_protocol):
                continue
            yield _problem(graph, service, fact, same_protocol)


def _evidence(graph, service: Entity, env: str) -> list[tuple[int, str, Location, str]]:
    """(port, protocol, location, what) for everything that says where the container listens."""
    out = [(f.value.number, f.protocol, f.location, f"{_says(f)} (compose service {service.ref.name})")
           for role in (Role.LISTEN, Role.EXPOSE) for f in graph.facts(service, role) if f.value.number is not None]
    image = image_of(graph, service)
    if image is not None:
        roles = (Role.EXPOSE,) if service.attrs.get("has_command") else (Role.EXPOSE, Role.LISTEN)
        out += [(f.value.number, f.protocol, f.location, f"{_says(f)} ({image.ref.name})")
                for role in roles for f in graph.facts(image, role) if f.value.number is not None]
    env_vars = container_env(graph, [service, *([image] if image is not None else [])])
    for module in modules_run_by(graph, service):
        for listen in code_listens(graph, module, service):
            for cp in code_ports(graph, listen, [env], env_vars):
                out.append((cp.number, listen.protocol, cp.location or listen.location,
                            f"{module.ref.name} listens on {cp.describe()}"))
    return sorted(set(out), key=lambda e: (e[2], e[0]))


def _says(fact: PortFact) -> str:
    if fact.role == Role.LISTEN:
        return f"{fact.field} listens on {fact.value.text}"
    return f"{fact.field} {fact.value.text}"


def _problem(graph, service: Entity, fact: PortFact, evidence) -> Problem:
    ports = " / ".join(str(n) for n in sorted({n for n, _, _, _ in evidence}))
    published = fact.attrs.get("published") or "an ephemeral host port"
    explain = [explain_link(link) for kind in ("builds", "runs") for link in graph.outgoing(service.id, kind)]
    return Problem(
        location=fact.location,
        message=(f"compose service {service.ref.name} publishes {published} to container port {fact.value.text}/"
                 f"{fact.protocol}, but the container listens on {ports}: connections to the published port "
                 f"are reset"),
        related=tuple(Related(loc, what) for _, _, loc, what in evidence),
        fix=f"map the published port to container port {ports}, or make the app listen on {fact.value.text}",
        key=f"{service.id}|{fact.slot}|{fact.value.text}",
        explain=tuple(explain),
    )
