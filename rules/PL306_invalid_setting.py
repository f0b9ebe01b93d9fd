"""
## What it does
Validates configuration values in every layer (YAML, Parameter Store, env files, code defaults)
against the bounds the repository sets in `[validation]`. Nothing is checked by default: each
check runs only when its key is configured (`portlint init` writes them when it finds a
validation script).

| key | valid | `[validation]` key |
| --- | --- | --- |
| app ports (`port`, `*_port`) of a service the repository runs | an integer in the bound | `app-port` |
| `workers` | an integer in the bound | `workers` |
| `host` when it is a bind host | one of the list, or an IP address | `hosts` |
| `debug`, `reload` (option `boolean_keys`) | one of the list, any case | `booleans` |
| `executor` | one of the list | `executors` |

A `host` is a bind host only for a service the repository runs (code, a container, a compose
service, a catalog port); a URL, the name of another service, or the host of a service known
only from configuration (`DATABASE_HOST=db`, `SMTP_HOST=smtp.example.com`) is a client address
and is not checked. Likewise `app-port` applies to ports of services the repository runs, not to
an external server's port (`SMTP_PORT=587`).

Ports outside 1–65535 or not numbers at all are the `invalid-port` rule's (PL002); unresolved
values are skipped.

## Why is this bad
The repository's own validation (a deploy script, an admission check) rejects the value at deploy
time, or a service starts with 64 workers on a two-core pod, or a dev server in debug mode in
production.

## Example
```toml
# .portlint.toml
[validation]
app-port = [1000, 65535]
workers = [1, 16]
```
```yaml
# config/prod.yaml
fastapi:
  port: 80
  workers: 32
```

## Use instead
```yaml
# config/prod.yaml
fastapi:
  port: 8000
  workers: 8
```
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from collections.abc import Iterator
from dataclasses import dataclass, field

from portlint.graph import explain_link, members, runs_in_scan
from portlint.model import Location, Problem
from portlint.options import Option

ID = "PL306"
NAME = "invalid-setting"
SEVERITY = "error"
GROUP = "consistency"
SUMMARY = "A configuration value fails the repository's [validation] bounds (ports, workers, host, debug, executor)"
TAGS = ("config", "validation")
# A datastore's `host` (DATABASE_HOST) is where clients connect, a name like db.internal, not the
# address an app binds to: the bind-host check does not apply to these services.
OPTIONS = {"boolean_keys": Option(list[str], ["debug", "reload"], "setting keys that must hold a boolean"),
           "client_host_services": Option(list[str], ["database", "db", "postgres", "postgresql", "mysql", "mariadb",
                                    "redis", "memcached", "cache", "mongodb", "elasticsearch"],
                                         "services whose host is a client address, not a bind host")}


def check(ctx) -> Iterator[Problem]:
    graph, validation = ctx.graph, ctx.config.validation
    if not validation:
        return
    booleans = set(ctx.options["boolean_keys"])
    clients = {s.lower() for s in ctx.options["client_host_services"]}
    hits: dict[tuple[Location, str, str], _Hit] = {}
    for setting in graph.settings():
        if setting.attrs.get("unresolved") or _client_host(graph, setting.key, setting.value, clients):
            continue
        why = _setting_problem(setting.key.rsplit(".", 1)[-1], setting.value, validation, booleans)
        if why:
            slot = (setting.location, setting.key, setting.value)
            hits.setdefault(slot, _Hit(why, setting.owner.id, setting.attrs.get("layer"))).envs.append(
                setting.environment)
    for fact in graph.facts():
        why = _port_problem(graph, fact, validation)
        if why:
            slot = (fact.location, fact.attrs["config_key"], fact.value.text)
            hits.setdefault(slot, _Hit(why, fact.owner.id, fact.attrs.get("layer"))).envs.append(fact.environment)
    source = Path(ctx.config.source).name if ctx.config.source else "the config"
    for slot in sorted(hits):
        yield _problem(graph, slot, hits[slot], source)


@dataclass
class _Hit:
    """Why a value is invalid, whose it is, and the environments it has that value in."""

    why: str
    owner: str
    layer: str | None
    envs: list[str | None] = field(default_factory=list)


def _client_host(graph, key: str, value: str, clients: set[str]) -> bool:
    """A ``host`` that clients connect to, not the address a service of the scan binds to: a URL,
    another service's name, or the host of a service the scan does not run."""
    service, _, leaf = key.rpartition(".")
    if leaf != "host":
        return False
    text = value.strip().lower()
    if "://" in text or service.lower() in clients or not runs_in_scan(graph, service):
        return True
    if text == service.lower():  # BACKEND_HOST=backend: how other services reach it
        return True
    head = text.split(".", 1)[0]  # another service's name (db, redis.internal)
    return bool(head) and head != service.lower() and (head in clients or bool(members(graph, head)))


def _setting_problem(leaf: str, value: str, validation: dict, booleans: set[str]) -> str | None:
    text = value.strip()
    if leaf == "workers" and "workers" in validation:
        low, high = validation["workers"]
        if not (text.isascii() and text.isdigit() and low <= int(text) <= high):
            return f"workers must be an integer in {low}-{high} ([validation].workers)"
    elif leaf == "host" and "hosts" in validation:
        if text not in validation["hosts"] and not _is_ip(text):
            return f"host must be one of {', '.join(validation['hosts'])} or an IP address ([validation].hosts)"
    elif leaf in booleans and "booleans" in validation:
        if text.lower() not in [b.lower() for b in validation["booleans"]]:
            return f"{leaf} must be one of {', '.join(validation['booleans'])} ([validation].booleans)"
    elif leaf == "executor" and "executors" in validation:
        if text not in validation["executors"]:
            return f"executor must be one of {', '.join(validation['executors'])} ([validation].executors)"
    return None


def _port_problem(graph, fact, validation: dict) -> str | None:
    """App ports in a configuration layer outside the app-port bound (outside 1-65535 is PL002's),
    for services the scan runs: an external server's port (``SMTP_PORT=587``) is not an app port."""
    number = fact.value.number
    if ("app-port" not in validation or not fact.attrs.get("layer") or not fact.attrs.get("config_key")
            or fact.value.unresolved or number is None):
        return None
    low, high = validation["app-port"]
    if 1 <= number <= 65535 and not low <= number <= high:
        service = str(fact.attrs["config_key"]).split(".", 1)[0]
        if not runs_in_scan(graph, service):
            return None
        return f"app ports must be in {low}-{high} ([validation].app-port)"
    return None


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _problem(graph, slot: tuple[Location, str, str], hit: _Hit, source: str) -> Problem:
    location, key, value = slot
    named = sorted({e for e in hit.envs if e})
    scope = f" in {', '.join(named)}" if named and None not in hit.envs else ""
    layer = f" ({hit.layer} layer)" if hit.layer else ""
    why = hit.why
    return Problem(
        location=location,
        message=f"{key} is {value!r}{scope}{layer}: {why}, the bound the repository sets in {source}",
        fix=f"set {key} to a valid value, or widen [validation] in {source} if the bound is wrong",
        key=f"{key}|{location.path}|{value}",
        explain=tuple(explain_link(link) for link in graph.incoming(hit.owner, "member")),
    )
