"""Cross-stack application links, after the logical services (ORDER 60).

- ``member``: a module run by a container, and the container running it, share a logical service
  (so does a compose service and the Dockerfile it builds): whichever side names its service
  lends it to the other.
- ``proxies-to``: a vite app → the logical service its dev proxy forwards to. The target is
  named by the proxy host (a compose service or a catalog name), else by an Ingress path equal to
  the proxy path (``/api`` ↔ ``/api/*`` → ``fastapi-service`` → fastapi), else by the one service
  that listens on the target port in the dev environment. Link attrs: ``proxies``, a tuple of
  ``(slot, path, how)`` per proxy entry.

Rules use :func:`code_ports`, :func:`container_env`, :func:`proxy_route`, :func:`dev_environment`,
:func:`service_name`, :func:`service_ports` and :func:`entity_label`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from portlint.graph import PortGraph, service_of
from portlint.layers import Contribution, effective_by_key, environments, owner_service, port_key_of
from portlint.links.containers import BUILDS, COMPOSE, RUNS
from portlint.model import Entity, EntityRef, Link, Location, PortFact, Role
from portlint.readers._config_keys import LOCAL_ENVIRONMENT, key_for_env_var

ORDER = 60
VITE = "code/vite"
PROXIES_TO = "proxies-to"
MEMBER = "member"
SERVICE_KIND = "app/service"
LOCAL_HOSTS = frozenset({"", "localhost", "127.0.0.1", "0.0.0.0", "::1", "::"})
_PATH_TAIL = re.compile(r"(\.\*|/\*|/)+$")


def link(graph: PortGraph) -> None:
    _share_membership(graph)
    for vite in graph.entities(VITE):
        _link_proxies(graph, vite)


# -- membership ---------------------------------------------------------------------------------


def _share_membership(graph: PortGraph) -> None:
    pairs = [(link.source, link.target, link) for kind in (BUILDS, RUNS) for link in graph.links(kind)]
    changed = True
    while changed:
        changed = False
        for a, b, via in pairs:
            for giver, taker in ((a, b), (b, a)):
                if graph.has_incoming(taker, MEMBER):
                    continue
                service = service_of(graph, giver)
                if service is None:
                    continue
                giver_label = graph.entity(giver).ref.label  # type: ignore[union-attr]
                graph.add_link(Link(service.id, taker, MEMBER,
                                    f"{via.kind} link with {giver_label}, a member of {service.ref.name}",
                                    via.locations))
                changed = True


def entity_label(entity: Entity) -> str:
    """``compose service api``, ``image api/Dockerfile``, ``module services/orders_api.py``, else the ref's label."""
    prefix = {COMPOSE: "compose service", "docker/image": "image", "code/python": "module",
              VITE: "vite config"}.get(entity.ref.kind)
    return f"{prefix} {entity.ref.name}" if prefix else entity.ref.label


def service_name(graph: PortGraph, entity: Entity | str) -> str | None:
    """The logical service of an entity or of the entity it is declared in."""
    return owner_service(graph, entity if isinstance(entity, str) else entity.id)


# -- environments and effective ports -------------------------------------------------------------


def dev_environment(graph: PortGraph, preferred: str = "dev") -> str:
    """The environment a dev server runs in: ``preferred`` when the repository has it, else a
    developer's machine (``local``), else the only or the first environment the repository names."""
    names = environments(graph)
    for candidate in (preferred, LOCAL_ENVIRONMENT):
        if candidate in names:
            return candidate
    return names[0]


def _effective_by_key(graph: PortGraph):
    return effective_by_key(graph)


@dataclass(frozen=True)
class CodePort:
    """The port code listens on in one environment (``None``: every environment) and why."""

    number: int
    environment: str | None
    source: Contribution | None = None  # the winning config layer
    override: PortFact | None = None  # the container's own environment variable
    fallback: PortFact | None = None  # the code's own default, when nothing configures the key

    @property
    def location(self) -> Location | None:
        for origin in (self.override, self.source, self.fallback):
            if origin is not None:
                return origin.location
        return None

    def describe(self) -> str:
        if self.override is not None:
            return f"{self.number} ({self.override.field} at {self.override.location.short})"
        if self.source is not None and self.source.layer == "code":
            return f"{self.number} (its fallback at {self.source.location.short}: nothing configures it)"
        if self.source is not None:
            where = f" in {self.environment}" if self.environment else ""
            return f"{self.number} ({self.source.layer} {self.source.config_key} at {self.source.location.short}{where})"
        if self.fallback is not None:
            return f"{self.number} (its fallback at {self.fallback.location.short}: nothing configures it)"
        return f"{self.number}"


def container_env(graph: PortGraph, entities: list[Entity]) -> dict[str, PortFact]:
    """Port environment variables a container sets (compose ``environment``, Dockerfile ``ENV``,
    Kubernetes ``env``), by name; the first entity's value wins."""
    out: dict[str, PortFact] = {}
    for entity in entities:
        for fact in graph.facts(entity, Role.CONFIG):
            name = fact.attrs.get("env_var")
            if name and fact.value.number is not None:
                out.setdefault(str(name), fact)
    return out


def code_ports(graph: PortGraph, fact: PortFact, environments: list[str] | None = None,
               env: dict[str, PortFact] | None = None) -> list[CodePort]:
    """What a ``listen`` fact of code binds: its literal; else the container's own value for the
    env var it reads (``env``, from :func:`container_env`); else the effective value of its config
    key or env var per environment (all environments with a value unless narrowed); else, when
    nothing configures it, its own fallback."""
    if fact.value.number is not None:
        return [CodePort(fact.value.number, None)]
    if not fact.value.unresolved:
        return []
    named = port_key_of(graph, fact)
    override = _override(graph, fact, named, env or {})
    if override is not None:
        return [CodePort(override.value.number, None, override=override)]  # type: ignore[arg-type]
    out = []
    if named is not None and named[1] is not None:
        for name, effective in sorted(_effective_by_key(graph).get((named[0], named[1]), {}).items()):
            if environments is not None and name not in environments:
                continue
            winner = effective.winner
            if effective.known and winner is not None and winner.number is not None:
                out.append(CodePort(winner.number, name, source=winner))
    if len({(p.number, p.source.location) for p in out if p.source is not None}) == 1 and len(out) > 1:
        return [CodePort(out[0].number, None, source=out[0].source)]  # one value for every environment
    if out:
        return out
    return [CodePort(d.value.number, None, fallback=d) for d in graph.facts(fact.owner, Role.DEFAULT)  # type: ignore[misc]
            if d.slot == fact.slot and d.value.number is not None][:1]


def _override(graph: PortGraph, fact: PortFact, named, env: dict[str, PortFact]) -> PortFact | None:
    var = fact.attrs.get("env_var")
    if var and var in env:
        return env[var]
    if named is None or named[1] is None:
        return None
    for name, candidate in sorted(env.items()):
        if key_for_env_var(name, graph.config) == named:  # FASTAPI_PORT sets fastapi.port; bare PORT names no key
            return candidate
    return None


def service_ports(graph: PortGraph, service: str, environment: str, exclude_owner: str = "") -> list[Contribution]:
    """The effective values of a service's port keys (``port``, ``*_port``) in one environment;
    contributions owned by ``exclude_owner`` are skipped (a vite app is not its own reference)."""
    out = []
    for (name, key), per_env in _effective_by_key(graph).items():
        if name != service or not (key == "port" or key.endswith("_port")):
            continue
        effective = per_env.get(environment)
        if effective is None:
            continue
        for contribution in effective.contributions:
            if contribution.documented or contribution.owner == exclude_owner:
                continue
            if not contribution.unresolved and contribution.number is not None:
                out.append(contribution)
            break
    return out


# -- vite proxy ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProxyRoute:
    """Where a proxy entry goes: a logical service (or ``""``), how that was decided, the evidence."""

    service: str
    how: str  # host, ingress, port
    reason: str
    locations: tuple[Location, ...]
    compose_service: str = ""  # the id of the compose service the host names, if any

    @property
    def target_id(self) -> str:
        """The entity a ``proxies-to`` link points at: the logical service, else the compose service."""
        return EntityRef(SERVICE_KIND, self.service).id if self.service else self.compose_service

    @property
    def label(self) -> str:
        return self.service or f"compose service {self.compose_service.split(':', 1)[-1].rsplit('/', 1)[-1]}"


def _link_proxies(graph: PortGraph, vite: Entity) -> None:
    routes: dict[str, list[tuple[ProxyRoute, PortFact]]] = {}
    for fact in graph.facts(vite, Role.TARGET):
        route = proxy_route(graph, vite, fact)
        if route is not None:
            routes.setdefault(route.target_id, []).append((route, fact))
    for target in sorted(routes):
        entries = routes[target]
        reason = "; ".join(f"{fact.attrs.get('proxy_path')}: {route.reason}" for route, fact in entries)
        locations = tuple(loc for route, fact in entries for loc in (fact.location, *route.locations))
        proxies = tuple((fact.slot, fact.attrs.get("proxy_path", ""), route.how) for route, fact in entries)
        graph.add_link(Link(vite.id, target, PROXIES_TO, reason, locations, (("proxies", proxies),)))


def proxy_route(graph: PortGraph, vite: Entity, fact: PortFact) -> ProxyRoute | None:
    """The logical service a proxy target fact forwards to, or None when nothing names it."""
    host = str(fact.attrs.get("host", "")).lower()
    if host not in LOCAL_HOSTS:
        return _by_host(graph, host, vite)
    own = service_name(graph, vite)
    route = _by_ingress(graph, str(fact.attrs.get("proxy_path", "")))
    if route is not None and route.service != own:
        return route
    if fact.value.number is None:
        return None
    env = dev_environment(graph)
    listening = sorted({c.service for name in _service_names(graph) if name != own
                        for c in service_ports(graph, name, env) if c.number == fact.value.number})
    if len(listening) == 1:
        return ProxyRoute(listening[0], "port", f"{listening[0]} listens on {fact.value.number} in {env}", ())
    return None


def _service_names(graph: PortGraph) -> list[str]:
    return sorted({name for (name, _key) in _effective_by_key(graph)})


def _by_host(graph: PortGraph, host: str, origin: Entity) -> ProxyRoute | None:
    from portlint.links.kubernetes import nearest

    named = [e for e in graph.entities(COMPOSE)
             if host in (e.ref.name.lower(), str(e.attrs.get("container_name", "")).lower())]
    # the compose service of the project the vite app lives in (its scope, nearest folder)
    for entity in nearest(origin, named, cross_scope=True)[:1]:
        return ProxyRoute(service_name(graph, entity) or "", "host",
                          f"the host {host} is compose service {entity.ref.name}", (entity.location,),
                          compose_service=entity.id)
    policy = graph.config.service_for_name(host)
    if policy is not None:
        return ProxyRoute(policy.name, "host", f"the host {host} names the service {policy.name}", ())
    return None


def _by_ingress(graph: PortGraph, proxy_path: str) -> ProxyRoute | None:
    wanted = normalise_path(proxy_path)
    if not wanted:
        return None
    hits: dict[str, ProxyRoute] = {}
    for ingress in graph.entities("k8s/Ingress"):
        for fact in graph.facts(ingress, Role.TARGET):
            if normalise_path(str(fact.attrs.get("path") or "")) != wanted:
                continue
            backend = EntityRef("k8s/Service", str(fact.attrs.get("service", "")), ingress.ref.namespace)
            service = service_of(graph, backend.id)
            if service is not None:
                hits.setdefault(service.ref.name, ProxyRoute(
                    service.ref.name, "ingress",
                    f"Ingress {ingress.ref.name} routes {fact.attrs.get('path')} to Service {backend.name}",
                    (fact.location,)))
    return next(iter(hits.values())) if len(hits) == 1 else None


def normalise_path(path: str) -> str:
    """``^/api/.*`` / ``/api/*`` / ``/api/`` → ``/api``; ``/`` → ``""``."""
    return _PATH_TAIL.sub("", path.strip().lstrip("^"))
