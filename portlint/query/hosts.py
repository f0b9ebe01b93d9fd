"""Where a configured port would be bound: the question "can these two ports collide?" asks.

Two ports collide only when one network namespace would bind both. A configured value is bound:

- nowhere, when it is a **client address** (:func:`binds` is ``False``): a port beside a host
  that is another machine (``REDIS_HOST=redis`` + ``REDIS_PORT``, attr ``client_of``), or a
  client-bundle variable naming a peer (``EXPO_PUBLIC_GATE_PORT``) that no code of the scan reads
  as its own port;
- in the **containers** that listen on it, when it is written in a compose project's ``.env`` or
  in a compose service's ``env_file``: each compose service has its own network namespace
  (``network_mode: service:x`` shares x's, ``network_mode: host`` the host's). A container
  listens on a variable when its ``ports`` (container side), ``expose``, ``command`` or a local
  ``healthcheck`` interpolate it; passing the variable in ``environment`` only hands it on (a
  proxy that is told its backend's port). A variable no container listens on is bound nowhere
  the scan can tell;
- else on the one host of its **scope** (the spec's dev server runs every service of a scope on
  one machine); two scopes (two compose projects, two charts, nested configs) never share one.

A host is a string: ``scope:<scope>`` or ``container:<project>/<service>``.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field

from portlint.graph import PortGraph
from portlint.layers import Contribution
from portlint.model import Role
from portlint.readers._config_keys import LOCAL_HOSTS

COMPOSE = "compose/service"
# Roles of a compose fact that say the container listens on the value written there.
_LISTENING = (Role.TARGET, Role.EXPOSE, Role.LISTEN, Role.PROBE)


def binds(graph: PortGraph, contribution: Contribution) -> bool:
    """``False`` for a client address (see the module docstring): it names no port of its own."""
    if not contribution.client_of:
        return True
    return bool(contribution.env_var) and contribution.env_var in _own_port_variables(graph)


def hosts(graph: PortGraph, contribution: Contribution) -> frozenset[str]:
    """The hosts that would bind ``contribution``'s port (empty: none the scan can tell)."""
    bindings = _compose_bindings(graph)
    where = contribution.location
    if where.path in bindings.files:
        return frozenset(bindings.containers.get((where.path, where.line), ()))
    owner = graph.entity(contribution.owner)
    return frozenset({f"scope:{owner.attrs.get('scope', '') if owner is not None else ''}"})


@dataclass
class _Bindings:
    files: set[str] = field(default_factory=set)  # env files a compose project reads
    containers: dict[tuple[str, int], set[str]] = field(default_factory=dict)  # (file, line) -> hosts


def _compose_bindings(graph: PortGraph) -> _Bindings:
    return graph.memo("hosts:compose", lambda: _bind(graph))


def _bind(graph: PortGraph) -> _Bindings:
    out = _Bindings()
    services = list(graph.entities(COMPOSE))
    for service in services:
        out.files.add(posixpath.join(str(service.attrs.get("project_dir", "")), ".env"))
        host = _container(service)
        for fact in graph.facts(service):
            env_file = fact.attrs.get("env_file")
            if env_file:
                out.files.add(fact.location.path)
            if fact.role not in _LISTENING:
                continue
            if fact.role is Role.PROBE and str(fact.attrs.get("host", "")).lower() not in LOCAL_HOSTS:
                continue
            for origin in fact.value.defined_at:
                out.containers.setdefault((origin.path, origin.line), set()).add(host)
    return out


def _container(service) -> str:
    """The network namespace of a compose service: its own, another service's, or the host's."""
    mode = str(service.attrs.get("network_mode", "") or "")
    if mode == "host":
        return f"scope:{service.attrs.get('scope', '')}"
    name = mode[len("service:"):] if mode.startswith("service:") else service.ref.name
    return f"container:{service.ref.namespace}/{name}"


def _own_port_variables(graph: PortGraph) -> frozenset[str]:
    """Variables code of the scan reads as the port it listens on (``process.env.VITE_PORT``)."""
    def compute() -> frozenset[str]:
        return frozenset(str(f.attrs["env_var"]) for f in graph.facts()
                         if f.role in (Role.LISTEN, Role.DEFAULT) and f.attrs.get("layer") == "code"
                         and f.attrs.get("env_var"))
    return graph.memo("hosts:own-port-variables", compute)
