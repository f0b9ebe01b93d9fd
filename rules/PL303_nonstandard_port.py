"""
## What it does
Compares every port of a service in the `[services]` catalog — in any layer and any stack:
app config, Parameter Store, env files, code defaults, Kubernetes containers and Services,
Terraform target groups (roles in the `roles` option) — with the port the catalog gives it
(`[services].<name>.port`), and reports each one that differs.

A port counts for the service its key names (`fastapi.port`, `DATABASE_PORT` → the service
aliased `database`), else for the service its owner belongs to. Keys other than the service's
main port (option `port_keys`) are not compared. Where an owner writes several ports of the same
kind and one of them is the standard one, the others are extra ports (metrics, admin) and are not
reported; a `target` that equals another catalog service's port points at that service (a
proxy) and is not reported either. Unresolved values are skipped.

## Why is this bad
The allocation standard exists so that every place that needs a service's port can rely on it:
manifests, load balancer target groups, security groups, proxies, runbooks. One place that
drifts from it sends traffic to a closed port.

## Example
```toml
# .portlint.toml
[services]
fastapi = { port = 8000 }
```
```yaml
# config/prod.yaml
fastapi:
  port: 8001
```

## Use instead
```yaml
# config/prod.yaml
fastapi:
  port: 8000
```
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

from portlint.fix.intent import not_fixed, set_value
from portlint.layers import owner_service, port_key_of
from portlint.graph import explain_link
from portlint.model import PortFact, Problem, Related
from portlint.model import ROLE_NAMES as ROLES
from portlint.options import Option
from portlint.readers._config_keys import MAIN_PORT_KEYS

ID = "PL303"
NAME = "nonstandard-port"
SEVERITY = "warning"
GROUP = "consistency"
# the same value at the same place: a targetPort that matches no container (PL101) or a value a
# higher layer overrides (PL302) is the root cause; the standard is said in its explain lines
FOLDS_INTO = ("PL101", "PL302")
SUMMARY = "A service's port differs from the allocation standard in [services]"
TAGS = ("config", "policy")
FIX = ("the value is set to the port of the allocation standard. Not fixed: a place of the same owner that this "
       "rule does not check (a probe) says the old value too.")
OPTIONS = {"roles": Option(list[str], ["listen", "config", "default", "target"], "port roles checked against the standard",
                     choices=ROLES),
           "port_keys": Option(list[str], list(MAIN_PORT_KEYS), "config keys that hold a service's main port (default: the vocabulary's MAIN_PORT_KEYS)")}


def check(ctx) -> Iterator[Problem]:
    graph, config = ctx.graph, ctx.config
    standard = {name: p.port for name, p in config.services.items() if p.port is not None}
    if not standard:
        return
    roles = set(ctx.options["roles"])
    port_keys = set(ctx.options["port_keys"])
    matching: dict[str, list[PortFact]] = defaultdict(list)
    candidates: list[tuple[str, PortFact, bool]] = []
    owners_with_standard: set[tuple[str, str]] = set()
    for fact in graph.facts():
        number = fact.value.number
        if fact.role.value not in roles or fact.value.unresolved or number is None or not 1 <= number <= 65535:
            continue
        named = port_key_of(graph, fact)
        if named is None or named[0] not in standard:
            continue
        service, key = named
        if key is not None and key.rsplit(".", 1)[-1] not in port_keys:
            continue
        if number == standard[service]:
            matching[service].append(fact)
            owners_with_standard.add((fact.owner.id, fact.role.value))
            continue
        candidates.append((service, fact, key is None))
    others = {port: name for name, port in standard.items()}
    for service, fact, keyless in candidates:
        if keyless and (fact.owner.id, fact.role.value) in owners_with_standard:
            continue  # an extra port beside the standard one
        if fact.role.value == "target" and others.get(fact.value.number, service) != service:
            continue  # points at another service
        yield _problem(graph, config, service, standard[service], fact, matching[service], roles)


def _problem(graph, config, service: str, port: int, fact: PortFact, matching: list[PortFact],
             roles: set[str]) -> Problem:
    source = Path(config.source).name if config.source else ".portlint.toml"
    what = f"{fact.attrs.get('config_key') or fact.field} of {fact.owner.label}"
    if fact.attrs.get("documented") and fact.attrs.get("parameter"):
        what = f"the documented procedure setting parameter {fact.attrs['parameter']}"
    layer = f" ({fact.attrs['layer']} layer)" if fact.attrs.get("layer") else ""
    env = f" in {fact.environment}" if fact.environment else ""
    sample = sorted(matching, key=lambda f: f.location)[:3]
    links = [explain_link(link) for link in graph.incoming(fact.owner.id, "member")]
    if not links and owner_service(graph, fact.owner.id):
        entity = graph.entity(fact.owner.id)
        parent = graph.parent(entity) if entity is not None else None
        links = [explain_link(link) for link in graph.incoming(parent.id, "member")] if parent else []
    return Problem(
        location=fact.location,
        message=(f"{what}{env}{layer} is {fact.value.text}, but the allocation standard "
                 f"gives {service} port {port} ([services].{service} in {source}): every other place written "
                 f"for {port} misses this one"),
        related=tuple(Related(f.location, f"{f.field} {port} follows the standard here") for f in sample),
        fix=f"use {port} here, or change [services].{service}.port (and every place) if the standard moved",
        key=f"{service}|{fact.owner.id}|{fact.field}|{fact.value.text}",
        explain=(*links, f"[services].{service}.port = {port}",
                 f"{fact.describe()} counts for {service} ({_why(fact)})"),
        fix_intent=_intent(graph, fact, service, port, roles),
    )


def _intent(graph, fact: PortFact, service: str, port: int, roles: set[str]):
    """Fix to the standard, unless a place of the same owner this rule does not check says the same
    (a probe on the old containerPort): those change together, by hand."""
    tied = [f for f in graph.facts(fact.owner) if f is not fact and f.role.value not in roles
            and f.value.number == fact.value.number]
    if tied:
        return not_fixed(fact, f"{tied[0].describe()} says {fact.value.text} too: change them together")
    return set_value(fact, port, f"the allocation standard gives {service} port {port}")


def _why(fact: PortFact) -> str:
    if fact.attrs.get("config_key"):
        return f"its config key {fact.attrs['config_key']}"
    if fact.attrs.get("env_var"):
        return f"its variable {fact.attrs['env_var']}"
    return "its owner is a member of the service"
