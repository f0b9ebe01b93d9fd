"""
## What it does
Reports two config keys — of two services, or two keys of one service — whose effective ports are
the same in the same environment: each environment's configuration is one scope (the
development server runs every service on one host; production's port-based rules must tell them
apart). The key whose port is not its `[services]` standard is reported, with the one it
collides with; with no standard to tell, every key but the first.

Effective values come from the configured precedence (Parameter Store > environment variables >
YAML > code defaults by default); unresolved values are skipped.

## Why is this bad
On a shared host the second service fails to bind (`address already in use`), and only in the
environment where the values meet. In a cluster the collision survives, but security-group rules,
target groups and dashboards keyed by port can no longer tell the two services apart.

## Example
```yaml
# config/dev.yaml
fastapi:
  port: 8000
airflow:
  webserver_port: 8000
```

## Use instead
```yaml
# config/dev.yaml
fastapi:
  port: 8000
airflow:
  webserver_port: 8080
```
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from portlint.layers import Effective, effective_values, explain, precedence_line
from portlint.model import Problem, Related
from portlint.options import Option
from portlint.readers._config_keys import MAIN_PORT_KEYS

ID = "PL305"
NAME = "port-collision"
SEVERITY = "warning"
GROUP = "consistency"
SUMMARY = "Two services (or two keys) get the same port in the same environment"
TAGS = ("config",)
OPTIONS = {"port_keys": Option(list[str], list(MAIN_PORT_KEYS), "config keys that hold a service's main port (default: the vocabulary's MAIN_PORT_KEYS)")}


def check(ctx) -> Iterator[Problem]:
    graph = ctx.graph
    collisions: dict[tuple, list[str]] = defaultdict(list)
    claims: dict[tuple[str, int], list[Effective]] = defaultdict(list)
    for value in effective_values(graph):
        if value.is_port and value.known and value.winner.number is not None:
            claims[(value.environment, value.winner.number)].append(value)
    for (env, number), group in claims.items():
        keys = sorted({v.config_key for v in group})
        if len(keys) < 2:
            continue
        members = tuple(sorted(group, key=lambda v: v.config_key))
        signature = (number, tuple((v.config_key, v.winner.location) for v in members))
        collisions[signature].append(env)
    for (number, _), envs in sorted(collisions.items(), key=lambda item: item[0]):
        members = _claims_in(claims, envs[0], number)
        port_keys = set(ctx.options["port_keys"])
        for offender in _offenders(ctx.config, members, number, port_keys):
            yield _problem(graph, offender, members, number, envs)


def _claims_in(claims, env: str, number: int) -> list[Effective]:
    return sorted(claims[(env, number)], key=lambda v: v.config_key)


def _offenders(config, members: list[Effective], number: int, port_keys: set[str]) -> list[Effective]:
    rightful = [v for v in members if (p := config.services.get(v.service)) is not None and p.port == number
                and v.key.rsplit(".", 1)[-1] in port_keys]
    if rightful and len(rightful) < len(members):
        return [v for v in members if v not in rightful]
    return members[1:]


def _problem(graph, offender: Effective, members: list[Effective], number: int, envs: list[str]) -> Problem:
    others = [v for v in members if v is not offender]
    names = ", ".join(envs)
    winner = offender.winner
    return Problem(
        location=winner.location,
        message=(f"{offender.config_key} gets port {number} in {names} ({winner.layer} layer), the same as "
                 f"{', '.join(v.config_key for v in others)}: on a shared host the second service cannot bind it, "
                 f"and port-based rules cannot tell them apart"),
        related=tuple(Related(v.winner.location, f"{v.config_key} gets {number} from {v.winner.layer} here")
                      for v in others),
        fix=f"give {offender.config_key} a port of its own",
        key=f"{number}|{offender.config_key}|{'+'.join(v.config_key for v in others)}",
        explain=(*explain(graph, winner), *(explain(graph, v.winner)[-1] for v in others),
                 precedence_line(graph.config)),
    )
