"""Which server a client address points at, and the ports that server listens on.

A configured port with ``client_of`` (see :mod:`portlint.query.hosts`) is an address the app
calls. Its peer is found only where the scan says so; anything else is unknown (``None``):

- a host that is a compose service of the same project (``DB_HOST=db`` in the project's
  ``.env`` or ``env_file``): clients inside the project reach its **container** ports
  (``ports`` container side, ``expose``, ``command``);
- a client-bundle variable (``EXPO_PUBLIC_GATE_PORT``) naming a service the scan configures
  (``GATE_PORT``: its effective port in the same environment and scope), else a compose service
  of that name (a browser or a phone reaches its **published** host ports).

A peer whose ports are not all known numbers (unresolved, ranges) is unknown too.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

from portlint.graph import PortGraph
from portlint.layers import Contribution, effective_values
from portlint.model import Entity, Location, PortFact, Role
from portlint.query.hosts import binds
from portlint.readers._config_keys import key_for_env_var

COMPOSE = "compose/service"
_CONTAINER_ROLES = (Role.TARGET, Role.EXPOSE, Role.LISTEN)


@dataclass(frozen=True)
class Peer:
    """The server a client address names: a label for messages, its ports and where they are written."""

    label: str
    ports: tuple[tuple[int, Location, str], ...]  # (port, where, what: `GATE_PORT`, `ports`)
    verb: str = "listens on"  # "publishes" for a compose service reached from outside

    @property
    def numbers(self) -> set[int]:
        return {number for number, _, _ in self.ports}


def peer_of(graph: PortGraph, client: Contribution) -> Peer | None:
    """The peer a client address names and the ports it listens on, or ``None`` when unknown."""
    if not client.client_of or binds(graph, client):
        return None
    owner = graph.entity(client.owner)
    if owner is None:
        return None
    if client.env_var and _is_bundle(graph, client):
        return _configured(graph, client) or _compose_peer(graph, client, owner, published=True)
    return _compose_peer(graph, client, owner, published=False)


def _is_bundle(graph: PortGraph, client: Contribution) -> bool:
    fact = _fact_at(graph, client)
    return fact is not None and bool(fact.attrs.get("bundle"))


def _fact_at(graph: PortGraph, client: Contribution) -> PortFact | None:
    return next((f for f in graph.facts(client.owner) if f.location == client.location), None)


def _configured(graph: PortGraph, client: Contribution) -> Peer | None:
    """The effective port of the key the peer's own variable names (``GATE_PORT`` → gate.port)."""
    named = key_for_env_var(f"{client.client_of.upper()}_PORT", graph.config)
    if named is None:
        return None
    scope = _scope(graph, client.owner)
    for value in effective_values(graph):
        if (value.service, value.key) != named or not value.known or value.winner is None:
            continue
        winner = value.winner
        if client.environment not in (None, value.environment) or winner.number is None:
            continue
        if _scope(graph, winner.owner) != scope:
            continue  # another app's value (a client address of the peer itself counts: GATE_HOST=gate)
        return Peer(value.service, ((winner.number, winner.location, winner.env_var or value.config_key),))
    return None


def _scope(graph: PortGraph, entity_id: str) -> str:
    entity = graph.entity(entity_id)
    return str(entity.attrs.get("scope", "")) if entity is not None else ""


def _compose_peer(graph: PortGraph, client: Contribution, owner: Entity, published: bool) -> Peer | None:
    folder = posixpath.dirname(client.location.path)
    names = {client.client_of, client.client_of.replace("_", "-")}
    found = [e for e in graph.entities(COMPOSE)
             if (e.ref.name.lower() in names or str(e.attrs.get("container_name", "")).lower() in names)
             and (published or str(e.attrs.get("project_dir", "")) == folder)]
    if not found or (not published and len(found) != 1):
        return None  # no such service, or (inside a project) an ambiguous name
    roles = (Role.PUBLISH,) if published else _CONTAINER_ROLES
    facts = [f for service in found for f in graph.facts(service) if f.role in roles]
    if not facts or any(f.value.number is None for f in facts):
        return None
    # a bundle's peer in several alternative stacks: the client reaches whichever runs
    label = f"compose service {found[0].ref.name}" + (f" (in {len(found)} compose projects)" if len(found) > 1 else "")
    ports = tuple(sorted({(f.value.number, f.location, f.field) for f in facts}))  # type: ignore[misc]
    return Peer(label, ports, "publishes" if published else "listens on")  # type: ignore[arg-type]
