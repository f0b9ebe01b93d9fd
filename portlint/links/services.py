"""Logical services: one node per service of the catalog (``[services]``) or named by a reader.

Every entity whose reader named its service (``attrs["service"]``, e.g. the config key
``fastapi.port``) or whose name points at exactly one known service (``fastapi-service``,
``${var.project}-fastapi``, ``dash_access``) becomes a member of that service.
"""

from __future__ import annotations

import re

from portlint.graph import PortGraph
from portlint.model import Entity, EntityRef, Link

ORDER = 50
SERVICE_KIND = "app/service"
MEMBER = "member"
_INTERPOLATION = re.compile(r"\$\{[^}]*\}|\{\{[^}]*\}\}")
_TOKEN_SPLIT = re.compile(r"[^a-z0-9]+")


def link(graph: PortGraph) -> None:
    known = _known_services(graph)
    longest = _longest(known)
    for entity in list(graph.entities()):
        if entity.ref.kind == SERVICE_KIND:
            continue
        match = _match(entity, known, longest)
        if match is None:
            continue
        name, reason = match
        service = _ensure_service(graph, name, entity)
        graph.add_link(Link(service.id, entity.id, MEMBER, reason, (entity.location,)))


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
        hits = {known[t] for t in _phrases(tokens(candidate), longest) if t in known}
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
