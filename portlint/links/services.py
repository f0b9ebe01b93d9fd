"""Logical services: one node per service of the catalog (``[services]``) or named by a reader.

Every entity whose reader named its service (``attrs["service"]``, e.g. the config key
``fastapi.port``) or whose name points at exactly one known service (``fastapi-service``,
``${var.project}-fastapi``, ``dash_access``) becomes a member of that service.

Names join within one app: when separate apps of one repository (sibling compose projects,
charts, nested configs) both have a ``web``, each gets its own service (:func:`qualify`).
"""

from __future__ import annotations

import re

from portlint.graph import PortGraph, new_link
from portlint.model import Entity, EntityRef

ORDER = 50
SERVICE_KIND = "app/service"
MEMBER = "member"
_INTERPOLATION = re.compile(r"\$\{[^}]*\}|\{\{[^}]*\}\}")
_TOKEN_SPLIT = re.compile(r"[^a-z0-9]+")


def link(graph: PortGraph) -> None:
    matches = _matches(graph)
    apps = _separate_apps(graph)  # once: adding service entities below would void a memo per link
    services: dict[str, str] = {}  # qualified name -> the service entity's id
    for entity, name, reason in matches:
        qualified = _qualified(apps, name, entity) if name in apps else name
        if qualified is None:
            continue  # several separate apps name this service: which one is unknown
        if qualified != name:
            reason = f"{reason}, in its app {scope_of(entity) or '(root)'}"
        service_id = services.get(qualified)
        if service_id is None:
            service_id = services[qualified] = _ensure_service(graph, qualified, entity).id
        graph.add_link(new_link(service_id, entity.id, MEMBER, reason, (entity.location,)))


def _matches(graph: PortGraph) -> list[tuple[Entity, str, str]]:
    """(entity, service name, why) for every entity that names a service."""
    def compute() -> list[tuple[Entity, str, str]]:
        known = _known_services(graph)
        longest = _longest(known)
        out = []
        for entity in list(graph.entities()):
            if entity.ref.kind == SERVICE_KIND:
                continue
            match = _match(entity, known, longest)
            if match is not None:
                out.append((entity, *match))
        return out
    return graph.memo_entities("services:matches", compute)  # names, attrs and the config only


# -- separate apps ------------------------------------------------------------------------------


def scope_of(entity: Entity) -> str:
    """The scope an entity was read in (a compose project's, a chart's, a nested config's folder)."""
    return str(entity.attrs.get("scope", ""))


def qualify(graph: PortGraph, name: str, entity: Entity | None) -> str | None:
    """The logical service ``name`` stands for in ``entity``'s scope.

    A name is one service repo-wide, unless two things of the same kind (two compose services,
    two charts' Deployments, two vite apps) carry it in scopes that are separate apps: sibling folders,
    neither inside the other, not one environment's and another's (``deploy/dev`` and
    ``deploy/prod`` are one app). Then each such app has its own service, named
    ``<scope>/<name>``; a scope above several of them (the scan root) names none of them: ``None``.
    A name of the ``[services]`` catalog is always one service (the config says so).
    """
    return _qualified(graph.memo_entities("services:apps", lambda: _separate_apps(graph)), name, entity)


def _qualified(apps: dict[str, list[str]], name: str, entity: Entity | None) -> str | None:
    leaves = apps.get(name)
    if not leaves or entity is None:
        return name
    scope = scope_of(entity)
    below = [leaf for leaf in leaves if _within(leaf, scope)]
    if len(below) == 1:
        return f"{below[0]}/{name}" if below[0] else name
    return None


def _separate_apps(graph: PortGraph) -> dict[str, list[str]]:
    """Service name → the scopes of its separate apps, for the names that need them."""
    claims: dict[str, list[Entity]] = {}
    for entity, name, _ in _matches(graph):
        claims.setdefault(name, []).append(entity)
    out: dict[str, list[str]] = {}
    for name in sorted(claims):
        if graph.config.services.get(name) is not None:
            continue
        scopes = {scope_of(e) for e in claims[name]}
        if len(scopes) < 2 or not _same_kind_apart(graph, claims[name]):
            continue  # one scope: no two places are apart
        out[name] = sorted(s for s in scopes if not any(o != s and _within(o, s) for o in scopes))
    return out


def _same_kind_apart(graph: PortGraph, entities: list[Entity]) -> bool:
    """Two entities of one kind, written the same way (a chart's objects are not a plain
    manifest's: one app may be deployed both ways), in sibling scopes that are not two
    environments of one app."""
    by_kind: dict[tuple[str, bool], set[tuple[str, str]]] = {}
    for entity in entities:
        parent = graph.parent(entity)
        charted = bool(entity.attrs.get("chart") or (parent is not None and parent.attrs.get("chart")))
        by_kind.setdefault((entity.ref.kind, charted), set()).add((scope_of(entity), entity.environment or ""))
    for places in by_kind.values():
        if len(places) < 2:
            continue
        ordered = sorted(places)
        for i, (sa, ea) in enumerate(ordered):
            for sb, eb in ordered[i + 1:]:
                if _within(sa, sb) or _within(sb, sa) or (ea and eb and ea != eb):
                    continue
                return True
    return False


def _within(inner: str, outer: str) -> bool:
    """``inner`` is the scope ``outer`` or inside it (``""`` is the scan root)."""
    return outer == "" or inner == outer or inner.startswith(outer + "/")


def tokens(name: str) -> list[str]:
    """``${var.p}-${var.env}-fastapi_access`` → ``['fastapi', 'access']``."""
    return [t for t in _TOKEN_SPLIT.split(_INTERPOLATION.sub("-", name.lower())) if t]


def _known_services(graph: PortGraph) -> dict[str, str]:
    """Lower-case name or alias → canonical service name."""
    known: dict[str, str] = {}
    for policy in graph.config.services.values():
        for alias in policy.names:
            known[alias.lower()] = policy.name
    for entity in graph.entities():
        hinted = entity.attrs.get("service")
        if isinstance(hinted, str) and hinted.lower() not in known:
            known[hinted.lower()] = hinted
    return known


def _match(entity: Entity, known: dict[str, str], longest: int) -> tuple[str, str] | None:
    hinted = entity.attrs.get("service")
    if isinstance(hinted, str):
        why = entity.attrs.get("service_reason", "named by its source")
        return known.get(hinted.lower(), hinted), f"{why}"
    # a container is known by its own name only: an envoy sidecar in fastapi-deployment is not fastapi
    candidates = [entity.attrs["container_name"]] if entity.attrs.get("container_name") else [entity.ref.name]
    for candidate in candidates:
        lowered = candidate.lower()
        if lowered in known:
            return known[lowered], f"its name {candidate!r} is the service's name"
        parts = tokens(candidate)
        hits = {known[t] for t in (parts if longest == 1 else _phrases(parts, longest)) if t in known}
        if len(hits) == 1:
            name = hits.pop()
            return name, f"its name {candidate!r} names the service {name!r}"
    return None


def _longest(known: dict[str, str]) -> int:
    """The most tokens any known name or alias has (``billing-api`` has 2)."""
    return max((len(tokens(name)) for name in known), default=1)


def _phrases(parts: list[str], longest: int) -> set[str]:
    """Runs of up to ``longest`` consecutive tokens, joined by '-' and '_' (aliases like 'billing-api')."""
    out: set[str] = set()
    for i in range(len(parts)):
        for j in range(i + 1, min(len(parts), i + longest) + 1):
            out.add("-".join(parts[i:j]))
            out.add("_".join(parts[i:j]))
    return out


def _ensure_service(graph: PortGraph, name: str, first: Entity) -> Entity:
    ref = EntityRef(kind=SERVICE_KIND, name=name)
    existing = graph.entity(ref.id)
    if existing is not None:
        return existing
    policy = graph.config.services.get(name)
    return graph.add_entity(Entity(ref=ref, location=first.location,
                                   attrs={"catalog": policy is not None}))
