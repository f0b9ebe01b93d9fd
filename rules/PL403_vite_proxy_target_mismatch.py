"""
## What it does
Follows each `server.proxy` / `preview.proxy` entry of a vite config to the logical service it
forwards to — named by the proxy host (a compose service or a catalog name), else by an Ingress
path equal to the proxy path (`/api` ↔ `/api/*` → `fastapi-service` → fastapi) — and reports a
target port on which that service does not listen in the dev environment (option
`environment`): its effective configured port there, a literal port in its code, or, for a
`localhost` target, a port its compose services publish (for a compose host name, their
container ports).

A proxy whose target is only known by its port is linked to the one service listening there
and is consistent by construction. Unresolved targets are skipped.

## Why is this bad
The dev proxy is how the web app reaches its API during development. A wrong port makes every
`/api` call fail with a proxy error (ECONNREFUSED) or, worse, reach another service that happens
to listen there.

## Example
```ts
// config/dev.yaml: fastapi.port 8000; the Ingress routes /api/* to fastapi-service
server: { proxy: { '/api': { target: 'http://localhost:8080' } } }
```

## Use instead
```ts
server: { proxy: { '/api': { target: 'http://localhost:8000' } } }
```
"""

from __future__ import annotations

from collections.abc import Iterator

from portlint.fix.intent import standard_for, to_the_only_value
from portlint.graph import explain_link, members
from portlint.links.apps import PROXIES_TO, dev_environment, proxy_route, service_ports
from portlint.links.containers import COMPOSE
from portlint.model import PortFact, Problem, Related, Role
from portlint.options import Option

ID = "PL403"
NAME = "vite-proxy-target-mismatch"
SEVERITY = "error"
GROUP = "consistency"
SUMMARY = "A vite proxy target port is not the port its service listens on in dev"
TAGS = ("application", "web")
FIX = ("the proxy target's port is set to the one port the routed service listens on in the dev environment, "
       "when every place agrees on it and the allocation standard does not give the proxy's value.")
OPTIONS = {"environment": Option(str, "dev", "the environment a local dev server stands for")}
CODE_KINDS = ("code/python", "code/vite")


def check(ctx) -> Iterator[Problem]:
    graph = ctx.graph
    env = dev_environment(ctx.graph, ctx.options["environment"])
    for vite in graph.entities("code/vite"):
        links = {link.target: link for link in graph.outgoing(vite.id, PROXIES_TO)}
        for fact in graph.facts(vite, Role.TARGET):
            if fact.value.number is None:
                continue
            route = proxy_route(graph, vite, fact)
            if route is None or route.how == "port":
                continue
            listening = _listening(graph, route, vite.id, env, local=not route.compose_service)
            if not listening or any(number == fact.value.number for number, _, _ in listening):
                continue
            yield _problem(graph, fact, route, listening, env, links.get(route.target_id))


def _listening(graph, route, vite_id: str, env: str, local: bool) -> list[tuple[int, object, str]]:
    """(port, location, what) for every port the routed service listens on in ``env``."""
    out: list[tuple[int, object, str]] = []
    if route.compose_service:
        compose = graph.entity(route.compose_service)
        out += [(f.value.number, f.location, f"compose service {compose.ref.name} {f.field} {f.value.text}")
                for role in (Role.TARGET, Role.LISTEN, Role.EXPOSE) for f in graph.facts(compose, role)
                if f.value.number is not None]
    if not route.service:
        return sorted(set(out), key=lambda item: (item[1], item[0]))
    out += [(c.number, c.location, f"{c.layer} sets {c.config_key} to {c.number} in {env}")
            for c in service_ports(graph, route.service, env, exclude_owner=vite_id)]
    for entity in members(graph, route.service):
        if entity.ref.kind in CODE_KINDS and entity.id != vite_id:
            out += [(f.value.number, f.location, f"{entity.ref.name} listens on {f.value.text}")
                    for f in graph.facts(entity, Role.LISTEN) if f.value.number is not None]
        if entity.ref.kind == COMPOSE and (local or entity.id == route.compose_service):
            role = Role.PUBLISH if local else Role.TARGET
            out += [(f.value.number, f.location, f"compose service {entity.ref.name} {f.field} {f.value.text}")
                    for f in graph.facts(entity, role) if f.value.number is not None and not f.attrs.get("pool")]
    return sorted(set(out), key=lambda item: (item[1], item[0]))


def _problem(graph, fact: PortFact, route, listening, env: str, link) -> Problem:
    ports = sorted({number for number, _, _ in listening})
    shown = " / ".join(map(str, ports))
    related = tuple(Related(loc, what) for _, loc, what in listening)
    related += tuple(Related(loc, "the route is named here") for loc in route.locations)
    explain = (explain_link(link),) if link is not None else (f"proxy {fact.attrs.get('proxy_path')}: {route.reason}",)
    return Problem(
        location=fact.location,
        message=(f"vite proxy {fact.attrs.get('proxy_path')!r} → {fact.attrs.get('url')} targets port "
                 f"{fact.value.text}, but {route.label} listens on {shown} in {env} ({route.reason}): "
                 f"requests through the proxy fail or reach another service"),
        related=related,
        fix=f"point the proxy target at port {shown}",
        key=f"{fact.owner.id}|{fact.attrs.get('proxy_path')}|{route.target_id}",
        explain=explain,
        fix_intent=to_the_only_value(fact, fact.value.text, ports, None,
                                     f"{route.label} listens only on {{}}", standard_for(graph, route.service)),
    )
