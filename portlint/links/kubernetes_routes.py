"""Links of the routing and monitoring objects (see docs/model-kubernetes.md):

- ``routes-to``: a Gateway API route, an Istio ``VirtualService`` or ``DestinationRule`` → each
  Service a backend names (the backend's namespace, the route's when not written), as an Ingress does;
- ``attaches-to``: a Gateway API route → the ``Gateway`` of each ``parentRefs`` entry (when no
  namespace is written, only a Gateway in the route's folder or above it: example folders that
  each define an ``example-gateway`` do not meet);
- ``monitors``: a ``ServiceMonitor`` → the Services whose own labels match its ``selector``, a
  ``PodMonitor`` → the workloads whose pod labels match, in the monitor's namespace or those its
  ``namespaceSelector`` names (``any: true``: every namespace).

Empty or unresolved selectors link nothing (a monitor of "every Service" says nothing about one).
Rules use :func:`monitored`, :func:`routed_services` and :func:`egress_workloads`.
"""

from __future__ import annotations

import posixpath
from collections import defaultdict

from portlint.describe import same_environment
from portlint.graph import PortGraph
from portlint.links.kubernetes import SERVICE, WORKLOAD_KINDS, link_backends, nearest
from portlint.model import Entity, Link, Location

ORDER = 11
GATEWAY = "k8s/Gateway"
GATEWAY_ROUTE_KINDS = ("k8s/HTTPRoute", "k8s/GRPCRoute", "k8s/TCPRoute", "k8s/TLSRoute", "k8s/UDPRoute")
VIRTUAL_SERVICE = "k8s/VirtualService"
ROUTE_KINDS = (*GATEWAY_ROUTE_KINDS, VIRTUAL_SERVICE)  # entrances of traffic (the audit draws them)
DESTINATION_RULE = "k8s/DestinationRule"  # names Service ports too, routes nothing
SERVICE_PORT_USERS = (*ROUTE_KINDS, DESTINATION_RULE)
SERVICE_MONITOR = "k8s/ServiceMonitor"
POD_MONITOR = "k8s/PodMonitor"
NETWORK_POLICY = "k8s/NetworkPolicy"
ROUTES_TO = "routes-to"
ATTACHES_TO = "attaches-to"
MONITORS = "monitors"


def link(graph: PortGraph) -> None:
    _link_routes(graph)
    _link_parents(graph)
    _link_monitors(graph)


def routed_services(graph: PortGraph, route: Entity, backend: dict) -> list[Entity]:
    """The Services one backend of a route names (linked by ``routes-to``)."""
    return [s for s in graph.targets(route.id, ROUTES_TO)
            if s.attrs.get("name", s.ref.name) == backend.get("service") and s.ref.namespace == backend.get("namespace")]


def monitored(graph: PortGraph, monitor: Entity) -> list[Entity]:
    """The Services (ServiceMonitor) or workloads (PodMonitor) a monitor selects."""
    return graph.targets(monitor.id, MONITORS)


def egress_workloads(graph: PortGraph, policy: Entity, rule_index: int) -> list[Entity] | None:
    """The workloads the ``to`` peers of one egress rule select; None when a peer is unresolved
    (an ``ipBlock``, a namespace selected by other labels, an empty or expression selector)."""
    rule = (policy.attrs.get("egress_peers") or {}).get(str(rule_index))
    if not rule or rule.get("unresolved"):
        return None
    found: dict[str, Entity] = {}
    for peer in rule["peers"]:
        for workload in _matching_workloads(graph, policy, peer["selector"], [peer["namespace"]]):
            found[workload.id] = workload
    return [found[k] for k in sorted(found)]


# -- routes ---------------------------------------------------------------------------------------


def _link_routes(graph: PortGraph) -> None:
    link_backends(graph, graph.entities(SERVICE_PORT_USERS), lambda _, backend: backend.get("namespace", ""), ("slot",))


def _link_parents(graph: PortGraph) -> None:
    gateways: dict[tuple[str, str], list[Entity]] = defaultdict(list)
    for gateway in graph.entities(GATEWAY):
        gateways[(gateway.ref.namespace, gateway.attrs.get("name", gateway.ref.name))].append(gateway)
    for route in graph.entities(GATEWAY_ROUTE_KINDS):
        seen: set[str] = set()
        for parent in route.attrs.get("parents") or []:
            namespace = parent.get("namespace") or route.ref.namespace
            candidates = [g for g in gateways.get((namespace, parent.get("gateway")), []) if same_environment(route, g)]
            if not namespace:  # nobody says where they are applied: only a Gateway beside or above the route
                candidates = [g for g in candidates if _above(g.location.path, route.location.path)]
            for gateway in nearest(route, candidates, cross_scope=True):
                if gateway.id not in seen:
                    seen.add(gateway.id)
                    graph.add_link(Link(route.id, gateway.id, ATTACHES_TO,
                                        f"{parent['slot']} names Gateway {parent.get('gateway')}",
                                        (parent["location"], gateway.location)))


def _above(there: str, here: str) -> bool:
    """``there``'s folder is ``here``'s folder or one of its parents."""
    folder = posixpath.dirname(there)
    return not folder or posixpath.dirname(here) == folder or posixpath.dirname(here).startswith(folder + "/")


# -- monitors -------------------------------------------------------------------------------------


def _link_monitors(graph: PortGraph) -> None:
    for monitor in graph.entities((SERVICE_MONITOR, POD_MONITOR)):
        selector = monitor.attrs.get("selector")
        if not isinstance(selector, dict) or not selector or monitor.attrs.get("selector_unresolved"):
            continue
        namespaces = monitor.attrs.get("namespaces")
        wanted = None if namespaces == "any" else (namespaces or [monitor.ref.namespace])
        if monitor.ref.kind == SERVICE_MONITOR:
            targets = [s for s in graph.entities(SERVICE) if same_environment(monitor, s)
                       and (wanted is None or s.ref.namespace in wanted)
                       and all(s.labels.get(k) == v for k, v in selector.items())]
            targets = nearest(monitor, targets, cross_scope=True) if wanted is not None else targets
            what = "the Service's labels"
        else:
            targets = _matching_workloads(graph, monitor, selector, wanted)
            what = "the pod template labels"
        pairs = ", ".join(f"{k}={v}" for k, v in sorted(selector.items()))
        for target in targets:
            where = monitor.attrs.get("selector_location")
            graph.add_link(Link(monitor.id, target.id, MONITORS, f"selector {pairs} matches {what} of {target.ref.label}",
                                (where if isinstance(where, Location) else monitor.location, target.location)))


def _matching_workloads(graph: PortGraph, origin: Entity, selector: dict[str, str],
                        namespaces: list[str] | None) -> list[Entity]:
    found = [w for w in graph.entities(WORKLOAD_KINDS) if same_environment(origin, w)
             and not w.attrs.get("labels_unresolved") and (namespaces is None or w.ref.namespace in namespaces)
             and all((w.attrs.get("pod_labels") or {}).get(k) == v for k, v in selector.items())]
    return nearest(origin, found, cross_scope=True) if namespaces is not None else found
