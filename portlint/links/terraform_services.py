"""Terraform resources join logical services where the resource name alone did not say which.

Runs after the logical-service linker (ORDER 50), for Terraform entities that are not yet a
``member`` of any service:

1. by the ``name``/``name_prefix`` argument: ``"${var.project_name}-${var.environment}-fastapi"``
   names ``fastapi`` when exactly one known service (catalog names and aliases, services other
   readers named) appears in its literal text;
2. by engine: a database or cache joins the service its engine names (``postgres``, ``redis``),
   through the catalog's names and aliases;
3. by port: a target group, or a single-port ingress rule, whose port is a port exactly one
   service listens on or is configured with (``listen``/``config`` facts of its members).

Every link says which of these it used.
"""

from __future__ import annotations

from portlint.graph import PortGraph, member_facts
from portlint.links.services import MEMBER, SERVICE_KIND, tokens
from portlint.links.terraform import DATABASE_KINDS, PREFIX, RULE_KINDS, TARGET_GROUP_KINDS
from portlint.model import Entity, EntityRef, Link, Role

ORDER = 60


def link(graph: PortGraph) -> None:
    known = _known(graph)
    # what each entity not yet a member matches by name or engine, and else the one port it
    # could match by; neither depends on the links added below (each adds a link to its own entity)
    pending = []
    for entity in list(graph.entities()):
        if not entity.ref.kind.startswith(PREFIX) or graph.incoming(entity.id, MEMBER):
            continue
        match = _by_name(entity, known) or _by_engine(entity, known)
        pending.append((entity, match, _single_port(graph, entity) if match is None else None))
    # the services' ports as they are before any link below: the whole index only when some
    # entity needs it (a pass over every service's members)
    port_index = _ports_of_services(graph, known) if any(port is not None for _, _, port in pending) else {}
    for entity, match, port in pending:
        if match is None and port is not None:
            match = _by_port(port, port_index)
        if match is not None:
            name, reason = match
            service = _service(graph, name, entity)
            graph.add_link(Link(service.id, entity.id, MEMBER, reason, (entity.location,)))


def _known(graph: PortGraph) -> dict[str, str]:
    """Lower-case name or alias → service name: the catalog and every logical service in the graph."""
    known: dict[str, str] = {}
    for policy in graph.config.services.values():
        for alias in policy.names:
            known[alias.lower()] = policy.name
    for service in graph.entities(SERVICE_KIND):
        known.setdefault(service.ref.name.lower(), service.ref.name)
    return known


def _by_name(entity: Entity, known: dict[str, str]) -> tuple[str, str] | None:
    expr = entity.attrs.get("name_expr")
    if not isinstance(expr, str):
        return None
    parts = tokens(expr)
    phrases = {sep.join(parts[i:j]) for sep in ("-", "_") for i in range(len(parts)) for j in range(i + 1, len(parts) + 1)}
    hits = {known[p] for p in phrases if p in known}
    if len(hits) != 1:
        return None
    name = hits.pop()
    return name, f"its name argument {expr!r} names the service {name!r}"


def _by_engine(entity: Entity, known: dict[str, str]) -> tuple[str, str] | None:
    kind = entity.attrs.get("engine_kind")
    if entity.ref.kind not in DATABASE_KINDS or not isinstance(kind, str):
        return None
    name = known.get(kind, kind)
    engine = entity.attrs.get("engine") or kind
    return name, f"its engine {engine!r} is a {kind} server"


def _ports_of_services(graph: PortGraph, known: dict[str, str]) -> dict[int, set[str]]:
    """Port → the services whose members listen on it or are configured with it."""
    index: dict[int, set[str]] = {}
    for name in sorted(set(known.values())):
        for fact in member_facts(graph, name, roles=[Role.LISTEN, Role.CONFIG]):
            if fact.value.number is not None:
                index.setdefault(fact.value.number, set()).add(name)
    return index


def _single_port(graph: PortGraph, entity: Entity) -> int | None:
    """The one port a target group, or a single-port ingress rule, is about; else ``None``."""
    if entity.ref.kind in TARGET_GROUP_KINDS:
        facts = graph.facts(entity, role=Role.TARGET, field="port")
    elif entity.ref.kind in RULE_KINDS and entity.attrs.get("direction") == "ingress":
        facts = graph.facts(entity, role=Role.ALLOW)
    else:
        return None
    numbers = {f.value.number for f in facts}
    if len(numbers) != 1 or None in numbers:
        return None
    return numbers.pop()


def _by_port(port: int, index: dict[int, set[str]]) -> tuple[str, str] | None:
    services = index.get(port, set())
    if len(services) != 1:
        return None
    name = next(iter(services))
    return name, f"its port {port} is a port the service {name!r} listens on or is configured with"


def _service(graph: PortGraph, name: str, first: Entity) -> Entity:
    ref = EntityRef(kind=SERVICE_KIND, name=name)
    existing = graph.entity(ref.id)
    if existing is not None:
        return existing
    return graph.add_entity(Entity(ref=ref, location=first.location,
                                   attrs={"catalog": name in graph.config.services}))
