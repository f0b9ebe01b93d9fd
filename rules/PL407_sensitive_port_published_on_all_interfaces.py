"""
## What it does
Reports a compose `ports` entry that publishes a sensitive port — a database, cache, admin or
remote-access port from `sensitive-ports` in the config (PostgreSQL 5432, Redis 6379, SSH 22, …)
on either side of the mapping — on all host interfaces: no host IP, `0.0.0.0` or `::`.

The port number names the product only when the repository does not say what the service is: a
service the repository builds (`build:`) from its own code is not "Hadoop NameNode" because it
listens on 8020, and is not reported; one whose image (or whose Dockerfile's base image) is a
well-known product is named after the product.

With the option `all_ports = true` every published port bound to all interfaces is reported,
sensitive or not, own code included (the docker-compose-linter policy "bind every published port
to an interface").

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

from portlint.links.containers import image_of
from portlint.model import Entity, PortFact, Problem, Related, Role
from portlint.options import Option
from portlint.readers._well_known import WellKnownImage, well_known

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
    all_ports = ctx.options["all_ports"]
    for service in graph.entities(COMPOSE):
        product = _stated_product(graph, service)
        if product == "" and not all_ports:
            continue  # the repository's own code: its port number names nothing
        targets = {(f.slot, f.value.text): f for f in graph.facts(service, Role.TARGET)}
        for fact in graph.facts(service, Role.PUBLISH):
            if fact.value.bounds is None or str(fact.attrs.get("host_ip", "")) not in ALL_INTERFACES:
                continue
            target = _target_of(fact, targets)
            label, port = _sensitive(fact, target, sensitive) if product != "" else (None, 0)
            if label is None:
                if all_ports:
                    yield _problem(fact, target, "a port", _any_port(fact, target))
                continue
            named = label if product is None or port in product.ports else product.product
            yield _problem(fact, target, named, port)


def _stated_product(graph, service: Entity) -> WellKnownImage | str | None:
    """The product a compose service runs, as the repository states it: a well-known image's
    product; ``""`` for a service built from the repository's own code; ``None``: not stated."""
    images = [service.attrs.get("image")]
    if service.attrs.get("build_context") is not None or service.attrs.get("build_remote"):
        built = image_of(graph, service)
        base = built.attrs.get("base_image") if built is not None else None
        known = well_known(str(base)) if base else None
        return known if known is not None else ""
    for image in images:
        known = well_known(str(image)) if image else None
        if known is not None:
            return known
    return None


def _any_port(fact: PortFact, target: PortFact | None) -> int | str:
    if target is not None and target.value.number is not None:
        return target.value.number
    return fact.value.number if fact.value.number is not None else fact.value.text


def _target_of(fact: PortFact, targets: dict[tuple[str, str], PortFact]) -> PortFact | None:
    """The container side written in the same ``ports`` entry."""
    return targets.get((fact.slot, str(fact.attrs.get("target", ""))))


def _sensitive(fact: PortFact, target: PortFact | None, sensitive: dict[int, str]) -> tuple[str | None, int]:
    for value in (target.value if target is not None else None, fact.value):
        for port in sorted(sensitive):  # a range holds a sensitive port: the first one is named
            if value is not None and value.covers(port):
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
                 f"{fact.attrs.get('host_ip')!r}; sensitive-ports lists {port} as {label}",),
    )
