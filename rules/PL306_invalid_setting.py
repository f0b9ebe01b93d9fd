"""
## What it does
Validates configuration values in every layer (YAML, Parameter Store, env files, code defaults)
against the bounds in `[validation]`, which default to the spec's `validate_parameter_store.py`:

| key | valid | `[validation]` key |
| --- | --- | --- |
| app ports (`port`, `*_port`) | an integer in 1000–65535 | `app-port` |
| `workers` | an integer in 1–16 | `workers` |
| `host` (the address an app binds to; not a datastore's `host`, option `client_host_services`) | `0.0.0.0`, `127.0.0.1`, `localhost`, or an IP address | `hosts` |
| `debug`, `reload` (option `boolean_keys`) | `true` / `false`, any case | `booleans` |
| `executor` | `LocalExecutor`, `KubernetesExecutor`, `CeleryExecutor` | `executors` |

Ports outside 1–65535 or not numbers at all are the `invalid-port` rule's (PL002); unresolved
values are skipped.

## Why is this bad
The validation script runs after the fact, against one environment's Parameter Store; a value
that fails it in the repository fails it at deploy time, or starts a service with 64 workers on a
two-core pod, or a dev server in debug mode in production.

## Example
```yaml
# config/prod.yaml
fastapi:
  port: 80
  workers: 32
  debug: "yes"
```

## Use instead
```yaml
# config/prod.yaml
fastapi:
  port: 8000
  workers: 8
  debug: false
```
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from dataclasses import dataclass, field

from portlint.graph import explain_link
from portlint.model import Location, Problem
from portlint.options import Option

ID = "PL306"
NAME = "invalid-setting"
SEVERITY = "error"
GROUP = "consistency"
SUMMARY = "A configuration value fails the [validation] bounds (ports, workers, host, debug, executor)"
TAGS = ("config", "validation")
# A datastore's `host` (DATABASE_HOST) is where clients connect, a name like db.internal, not the
# address an app binds to: the bind-host check does not apply to these services.
OPTIONS = {"boolean_keys": Option(list[str], ["debug", "reload"], "setting keys that must hold a boolean"),
           "client_host_services": Option(list[str], ["database", "db", "postgres", "postgresql", "mysql", "mariadb",
                                    "redis", "memcached", "cache", "mongodb", "elasticsearch"],
                                         "services whose host is a client address, not a bind host")}


def check(ctx) -> Iterator[Problem]:
    graph, validation = ctx.graph, ctx.config.validation
    booleans = set(ctx.options["boolean_keys"])
    clients = {s.lower() for s in ctx.options["client_host_services"]}
    hits: dict[tuple[Location, str, str], _Hit] = {}
    for setting in graph.settings():
        if setting.attrs.get("unresolved") or _client_host(setting.key, clients):
            continue
        why = _setting_problem(setting.key.rsplit(".", 1)[-1], setting.value, validation, booleans)
        if why:
            slot = (setting.location, setting.key, setting.value)
            hits.setdefault(slot, _Hit(why, setting.owner.id, setting.attrs.get("layer"))).envs.append(
                setting.environment)
    for fact in graph.facts():
        why = _port_problem(fact, validation)
        if why:
            slot = (fact.location, fact.attrs["config_key"], fact.value.text)
            hits.setdefault(slot, _Hit(why, fact.owner.id, fact.attrs.get("layer"))).envs.append(fact.environment)
    for slot in sorted(hits):
        yield _problem(graph, slot, hits[slot])


@dataclass
class _Hit:
    """Why a value is invalid, whose it is, and the environments it has that value in."""

    why: str
    owner: str
    layer: str | None
    envs: list[str | None] = field(default_factory=list)


def _client_host(key: str, clients: set[str]) -> bool:
    """``database.host``: the address clients connect to, not a bind address."""
    service, _, leaf = key.rpartition(".")
    return leaf == "host" and service.lower() in clients


def _setting_problem(leaf: str, value: str, validation: dict, booleans: set[str]) -> str | None:
    text = value.strip()
    if leaf == "workers":
        low, high = validation["workers"]
        if not (text.isascii() and text.isdigit() and low <= int(text) <= high):
            return f"workers must be an integer in {low}-{high} ([validation].workers)"
    elif leaf == "host":
        if text not in validation["hosts"] and not _is_ip(text):
            return f"host must be one of {', '.join(validation['hosts'])} or an IP address ([validation].hosts)"
    elif leaf in booleans:
        if text.lower() not in [b.lower() for b in validation["booleans"]]:
            return f"{leaf} must be one of {', '.join(validation['booleans'])} ([validation].booleans)"
    elif leaf == "executor":
        if text not in validation["executors"]:
            return f"executor must be one of {', '.join(validation['executors'])} ([validation].executors)"
    return None


def _port_problem(fact, validation: dict) -> str | None:
    """App ports in a configuration layer below the app-port bound (outside 1-65535 is PL002's)."""
    number = fact.value.number
    if not fact.attrs.get("layer") or not fact.attrs.get("config_key") or fact.value.unresolved or number is None:
        return None
    low, high = validation["app-port"]
    if 1 <= number <= 65535 and not low <= number <= high:
        return f"app ports must be in {low}-{high} ([validation].app-port)"
    return None


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _problem(graph, slot: tuple[Location, str, str], hit: _Hit) -> Problem:
    location, key, value = slot
    named = sorted({e for e in hit.envs if e})
    scope = f" in {', '.join(named)}" if named and None not in hit.envs else ""
    source = f" ({hit.layer} layer)" if hit.layer else ""
    why = hit.why
    return Problem(
        location=location,
        message=f"{key} is {value!r}{scope}{source}: {why}; the validation step rejects it at deploy time",
        fix=f"set {key} to a valid value, or widen [validation] in the config if the bound is wrong",
        key=f"{key}|{location.path}|{value}",
        explain=tuple(explain_link(link) for link in graph.incoming(hit.owner, "member")),
    )
