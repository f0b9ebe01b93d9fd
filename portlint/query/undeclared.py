"""Is a numeric port that no container declares a mismatch, or a port the app may listen on anyway?

Kubernetes' ``ports`` list is informational: traffic to a pod IP reaches any port a process
listens on, declared or not. So an undeclared number is only a finding when the pod's own
declarations say where it listens:

- the number is declared with another protocol only (``53/UDP`` for a TCP check): a mismatch;
- the containers' ``command``/``args``/``env`` name the number (``--health-probe-addr=:8081``,
  ``GRPC_PORT=9095``), or a ConfigMap they mount or load sets it as a listen port
  (``bind_port = "8080"`` in a mounted ``server.conf``): the app may listen there, *unknown*;
- the containers declare several ports of the protocol (a multi-listener app whose list is
  often incomplete: health, gRPC, gossip ports): *unknown*;
- they declare at most one port of the protocol (a single-listener app): a leftover from a
  port change, a mismatch.

PL101 (numeric ``targetPort``, via :mod:`portlint.query.targets`) and PL103 (numeric probe port)
ask this one question, so the audit's Service → pod hop agrees with both.
"""

from __future__ import annotations

from collections.abc import Iterable

from portlint.graph import PortGraph
from portlint.links.kubernetes import nearest
from portlint.model import Entity, PortFact

CONFIG_MAP = "k8s/ConfigMap"


def may_listen_undeclared(graph: PortGraph, number: int, protocol: str, declared: Iterable[PortFact],
                          containers: Iterable[Entity]) -> bool:
    """Whether ``number``/``protocol``, declared by none of ``declared`` with that protocol, may
    still be a port the ``containers`` listen on (then a rule stays silent: unknown)."""
    protocol = protocol.upper()
    declared = list(declared)
    if any(p.value.number == number for p in declared):
        return False  # declared, with another protocol only
    containers = list(containers)
    if settings_name(graph, number, containers):
        return True
    same = {p.value.number for p in declared if p.protocol.upper() == protocol
            and p.value.number is not None and 0 < p.value.number <= 65535}  # an invalid port listens nowhere
    return len(same) >= 2


def settings_name(graph: PortGraph, number: int, containers: Iterable[Entity]) -> bool:
    """Whether the containers' own settings (args, env, ConfigMaps, a well-known image) name
    ``number``: the one piece of evidence every rule takes for "it may listen there undeclared"
    (PL118 does not take the several-ports guess: a pod that declares its metrics port among
    others says where it is scraped)."""
    return any(number in named_ports(graph, c) for c in containers)


def named_ports(graph: PortGraph, container: Entity) -> set[int]:
    """The ports a container's own settings name: its ``command``/``args``/``env`` and well-known
    image (``named_ports``), and the ConfigMaps it mounts or loads (:func:`config_map_ports`)."""
    return set(container.attrs.get("named_ports", ())) | config_map_ports(graph, container)


def config_map_ports(graph: PortGraph, container: Entity) -> set[int]:
    """The listen ports set by the ConfigMaps a container mounts or loads (``config_maps``), found in
    its namespace as a Service finds its pods (:func:`portlint.links.kubernetes.nearest`: its own
    scope and environment, the nearest folder when one ConfigMap is written in several)."""
    found: set[int] = set()
    by_name = graph.memo("query:config-maps", lambda: _config_maps(graph))
    for name in container.attrs.get("config_maps", ()):
        for config_map in nearest(container, by_name.get((container.ref.namespace, name), []), cross_scope=True):
            found.update(config_map.attrs.get("listen_ports", ()))
    return found


def _config_maps(graph: PortGraph) -> dict[tuple[str, str], list[Entity]]:
    index: dict[tuple[str, str], list[Entity]] = {}
    for config_map in graph.entities(CONFIG_MAP):
        index.setdefault((config_map.ref.namespace, str(config_map.attrs.get("name", ""))), []).append(config_map)
    return index


def undeclared_config_ports(graph: PortGraph, containers: Iterable[Entity], declared: Iterable[int]) -> list[int]:
    """The listen ports the containers' ConfigMaps set but the containers do not declare: where a
    fix that points a port at the one declared port may be wrong (the reference may mean one of
    these). A port in the container's own ``env``/``args`` is left out: rules check those values
    themselves (and may fix them to the declared port)."""
    named: set[int] = set()
    for container in containers:
        named |= config_map_ports(graph, container)
    return sorted(named - set(declared))
