"""
## What it does
Reports a compose `ports` entry that publishes a sensitive port — a database, cache, admin or
remote-access port from `sensitive-ports` in the config (PostgreSQL 5432, Redis 6379, SSH 22, …)
on either side of the mapping — on all host interfaces: no host IP, `0.0.0.0` or `::`.

With the option `all_ports = true` every published port bound to all interfaces is reported,
sensitive or not (the docker-compose-linter policy "bind every published port to an interface").

## Why is this bad
Docker publishes ports by writing its own firewall rules, ahead of the host's firewall (ufw,
firewalld). A database published on all interfaces is reachable from every network the host is
on — a laptop on café Wi-Fi, a cloud VM with a public address — usually with the default
development password.

## Example
```yaml
services:
  db:
    image: postgres:16
    ports:
      - "5432:5432"
```

## Use instead
```yaml
services:
  db:
    image: postgres:16
    ports:
      - "127.0.0.1:5432:5432"   # or no ports at all: other services reach it as db:5432
```
"""

from __future__ import annotations

from collections.abc import Iterator

from portlint.model import PortFact, Problem, Related, Role
from portlint.options import Option

ID = "PL407"
NAME = "sensitive-port-published-on-all-interfaces"
SEVERITY = "warning"
GROUP = "hygiene"
SUMMARY = "A compose service publishes a sensitive port on all host interfaces"
TAGS = ("security", "compose")
COMPOSE = "compose/service"
ALL_INTERFACES = ("", "0.0.0.0", "::", "[::]")
OPTIONS = {"all_ports": Option(bool, False, "report every published port on all interfaces, not only sensitive ones")}


def check(ctx) -> Iterator[Problem]:
    graph = ctx.graph
    sensitive = ctx.config.sensitive_ports
    for service in graph.entities(COMPOSE):
        targets = {(f.slot, f.value.text): f for f in graph.facts(service, Role.TARGET)}
        for fact in graph.facts(service, Role.PUBLISH):
            if fact.value.number is None or str(fact.attrs.get("host_ip", "")) not in ALL_INTERFACES:
                continue
            target = _target_of(fact, targets)
            label, port = _sensitive(fact, target, sensitive)
            if label is None:
                if not ctx.options["all_ports"]:
                    continue
                label, port = "a port", target.value.number if target is not None and target.value.number else fact.value.number
            yield _problem(fact, target, label, port)


def _target_of(fact: PortFact, targets: dict[tuple[str, str], PortFact]) -> PortFact | None:
    """The container side written in the same ``ports`` entry."""
    return targets.get((fact.slot, str(fact.attrs.get("target", ""))))


def _sensitive(fact: PortFact, target: PortFact | None, sensitive: dict[int, str]) -> tuple[str | None, int]:
    container = target.value.number if target is not None else None
    for port in (container, fact.value.number):
        if port is not None and port in sensitive:
            return sensitive[port], port
    return None, 0


def _problem(fact: PortFact, target: PortFact | None, label: str, port: int) -> Problem:
    where = fact.attrs.get("host_ip") or "all interfaces (0.0.0.0 and ::)"
    related = (Related(target.location, f"container port {target.value.text} ({label})"),) if target else ()
    return Problem(
        location=fact.location,
        message=(f"compose service {fact.owner.name} publishes {label} (port {port}) on host port "
                 f"{fact.value.text}/{fact.protocol} on {where}: Docker opens it to every network the host "
                 f"is on, ahead of the host firewall"),
        related=related,
        fix=f"bind it to loopback (\"127.0.0.1:{fact.value.text}:{fact.attrs.get('target', port)}\"), or drop the "
            f"published port and reach the service over the compose network",
        key=f"{fact.owner.id}|{fact.value.text}/{fact.protocol}|{port}",
        explain=(f"{fact.owner.id} publishes {fact.value.text}/{fact.protocol} with host_ip "
                 f"{fact.attrs.get('host_ip')!r}; " + (f"sensitive-ports lists {port} as {label}" if label != "a port"
                                                  else "all_ports reports every published port"),),
    )
