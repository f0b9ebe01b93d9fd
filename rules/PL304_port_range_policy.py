"""
## What it does
Checks listen and config ports against the port ranges in `[ranges]`:

- a service whose catalog entry names a range (`fastapi = { port = 8000, range = "api" }`) has
  a port outside that range;
- a catalog service without a range of its own has a port inside a range reserved for another
  kind of service (the `reserved` option, by default the spec's `system` range 1000–2999).

A port counts for the service its key names (`DATABASE_PORT` → the database), else for the
service its owner belongs to; keys other than the main port (option `port_keys`) are not checked.
Services not in the catalog are not checked: portlint does not guess what kind they are.

## Why is this bad
Ranges per kind of service are how the port plan avoids conflicts: web apps in 3000–3999, APIs in
8000–8999, system services in 1000–2999. A port outside its range is where the next collision
comes from, and firewall rules written per range miss it.

## Example
```toml
[ranges]
api = [8000, 8999]
[services]
dash = { port = 8050, range = "api" }
```
```yaml
# config/dev.yaml
dash:
  port: 9050
```

## Use instead
```yaml
# config/dev.yaml
dash:
  port: 8050
```
"""

from __future__ import annotations

from collections.abc import Iterator

from portlint.graph import explain_link
from portlint.layers import port_key_of
from portlint.model import PortFact, Problem
from portlint.model import ROLE_NAMES as ROLES
from portlint.options import Option
from portlint.readers._config_keys import MAIN_PORT_KEYS

ID = "PL304"
NAME = "port-range-policy"
SEVERITY = "warning"
GROUP = "consistency"
SUMMARY = "A service's port is outside its configured range, or inside a reserved range"
TAGS = ("config", "policy")
OPTIONS = {"roles": Option(list[str], ["listen", "config", "default"], "port roles checked against the ranges", choices=ROLES),
           "reserved": Option(list[str], ["system"], "[ranges] names no app port may use"),
           "port_keys": Option(list[str], list(MAIN_PORT_KEYS), "config keys that hold a service's main port (default: the vocabulary's MAIN_PORT_KEYS)")}


def check(ctx) -> Iterator[Problem]:
    graph, config = ctx.graph, ctx.config
    if not config.ranges:
        return
    roles = set(ctx.options["roles"])
    reserved = [r for r in ctx.options["reserved"] if r in config.ranges]
    port_keys = set(ctx.options["port_keys"])
    for fact in graph.facts():
        number = fact.value.number
        if fact.role.value not in roles or fact.value.unresolved or number is None or not 1 <= number <= 65535:
            continue
        named = port_key_of(graph, fact)
        if named is None or named[0] not in config.services:
            continue
        service, key = named
        if key is not None and key.rsplit(".", 1)[-1] not in port_keys:
            continue
        policy = config.services[service]
        problem = (_outside(config, policy, fact) if policy.range
                   else _reserved(config, service, reserved, fact))
        if problem is not None:
            yield _with_context(graph, problem, service, fact)


def _outside(config, policy, fact: PortFact) -> Problem | None:
    low, high = config.ranges[policy.range]
    number = fact.value.number
    if low <= number <= high:
        return None
    inside = config.range_of(number)
    where = f", inside the {inside!r} range {_bounds(config, inside)}" if inside else ""
    return Problem(
        location=fact.location,
        message=(f"{_what(fact)} is {number}, outside {policy.name}'s range {policy.range!r} "
                 f"{_bounds(config, policy.range)}{where}: ports outside their kind's range are where "
                 f"collisions and missed firewall rules come from"),
        fix=(f"use a port in {_bounds(config, policy.range)}"
             + (f" (the standard is {policy.port})" if policy.port else "")
             + f", or change [services].{policy.name}.range"),
        key=f"{policy.name}|{fact.owner.id}|{fact.field}|{number}|outside",
    )


def _reserved(config, service: str, reserved: list[str], fact: PortFact) -> Problem | None:
    number = fact.value.number
    for name in reserved:
        low, high = config.ranges[name]
        if low <= number <= high:
            return Problem(
                location=fact.location,
                message=(f"{_what(fact)} is {number}, inside the {name!r} range {_bounds(config, name)} "
                         f"reserved for another kind of service, but {service} is not one of them"),
                fix=(f"move {service} out of {_bounds(config, name)}, or give it range = {name!r} "
                     f"in [services].{service} if it belongs there"),
                key=f"{service}|{fact.owner.id}|{fact.field}|{number}|reserved",
            )
    return None


def _with_context(graph, problem: Problem, service: str, fact: PortFact) -> Problem:
    links = [explain_link(link) for link in graph.incoming(fact.owner.id, "member")]
    entity = graph.entity(fact.owner.id)
    parent = graph.parent(entity) if entity is not None else None
    if not links and parent is not None:
        links = [explain_link(link) for link in graph.incoming(parent.id, "member")]
    return Problem(location=problem.location, message=problem.message, fix=problem.fix, key=problem.key,
                   explain=(*links, f"{fact.describe()} counts for {service}"))


def _what(fact: PortFact) -> str:
    env = f" in {fact.environment}" if fact.environment else ""
    return f"{fact.attrs.get('config_key') or fact.field} of {fact.owner.label}{env}"


def _bounds(config, name: str | None) -> str:
    if name is None:
        return ""
    low, high = config.ranges[name]
    return f"{low}-{high}"
