"""
## What it does
Reports two config keys — of two services, or two keys of one service — whose effective ports are
the same in the same environment on the same host: each environment's configuration of a scope
runs on one host (the development server runs every service of it; production's port-based
rules must tell them apart). One finding per group, at the key whose port is not its
`[services]` standard (with no standard to tell, the first), naming every other key of the group.

Only ports one network namespace would bind are compared (`portlint.query.hosts`):

- a client address is no bind: a port beside a host that is another machine
  (`REDIS_HOST=redis` + `REDIS_PORT=6379`, `smtp: {host: smtp.example.com, port: 587}`) or a
  client-bundle variable naming a peer (`EXPO_PUBLIC_API_PORT`, `VITE_API_PORT`, `NEXT_PUBLIC_`,
  `REACT_APP_`: the address a browser or phone calls);
- a compose project's `.env` (and a service's `env_file`) sets container ports: each compose
  service has its own network namespace, so equal ports of two containers do not collide (two
  services publishing one host port is `host-port-conflict`, PL406);
- two scopes (two compose projects, charts, nested configs) never share a host.

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

from portlint.layers import Effective, effective_values, env_phrase, environments, explain, precedence_line
from portlint.model import Problem, Related
from portlint.options import Option
from portlint.query.hosts import binds, hosts
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
    order = {name: i for i, name in enumerate(environments(graph))}
    claims: dict[tuple[str, str, int], list[Effective]] = defaultdict(list)
    for value in effective_values(graph):
        winner = value.winner
        if not (value.is_port and value.known and winner is not None and winner.number is not None):
            continue
        if not binds(graph, winner):
            continue  # a client address: the port of a server the app calls
        for host in sorted(hosts(graph, winner)):
            claims[(value.environment, host, winner.number)].append(value)
    collisions: dict[tuple, tuple[list[str], list[Effective]]] = {}
    for (env, _host, number), group in sorted(claims.items(), key=lambda item: (order.get(item[0][0], 0), item[0])):
        members = sorted(group, key=lambda v: v.config_key)
        if len({v.config_key for v in members}) < 2:
            continue
        signature = (number, tuple((v.config_key, v.winner.location) for v in members))
        envs, _ = collisions.setdefault(signature, ([], members))
        if env not in envs:
            envs.append(env)
    port_keys = set(ctx.options["port_keys"])
    for (number, _), (envs, members) in sorted(collisions.items(), key=lambda item: item[0]):
        offenders = _offenders(ctx.config, members, number, port_keys)
        yield _problem(graph, offenders, members, number, envs)


def _offenders(config, members: list[Effective], number: int, port_keys: set[str]) -> list[Effective]:
    rightful = [v for v in members if (p := config.services.get(v.service)) is not None and p.port == number
                and v.key.rsplit(".", 1)[-1] in port_keys]
    if rightful and len(rightful) < len(members):
        return [v for v in members if v not in rightful]
    return members[1:]


def _problem(graph, offenders: list[Effective], members: list[Effective], number: int, envs: list[str]) -> Problem:
    """One finding per group of keys that share a port on one host: at the first offender."""
    offender = offenders[0]
    others = [v for v in members if v is not offender]
    winner = offender.winner
    assert winner is not None
    moved = ", ".join(v.config_key for v in offenders)
    return Problem(
        location=winner.location,
        message=(f"{offender.config_key} gets port {number}{env_phrase(envs)} ({winner.layer} layer), the same as "
                 f"{', '.join(v.config_key for v in others)}: on a shared host the second service cannot bind it, "
                 f"and port-based rules cannot tell them apart"),
        related=tuple(Related(v.winner.location, f"{v.config_key} gets {number} from {v.winner.layer} here")
                      for v in others),
        fix=f"give {moved} a port of its own" if len(offenders) == 1 else f"give each of {moved} a port of its own",
        key=f"{number}|{offender.config_key}|{'+'.join(v.config_key for v in others)}",
        explain=(*explain(graph, winner), *(explain(graph, v.winner)[-1] for v in others),
                 precedence_line(graph.config)),
    )
