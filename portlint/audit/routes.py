"""Routes: from an entrance to the port the application listens on, hop by hop.

Four kinds of route, each read from graph links only (nothing is matched by guessing):

- **Ingress**: each backend of a ``k8s/Ingress`` → the Service it names (``routes-to``) → the
  Service port the backend uses and its ``targetPort`` → the containers of the workloads the
  Service ``selects`` that listen there → the logical service's effective listen port.
- **Load balancer**: an ``aws_lb_listener`` (or listener rule) that ``forwards-to`` a target group
  → the target group's port → its logical service's listen port. A target group no listener
  forwards to starts at a "no listener" placeholder.
- **Compose**: a published host port → the container port of the same ``ports`` entry → the app.
- **Gateway API / Istio**: each backend of an ``HTTPRoute`` (…) or ``VirtualService`` → the Service
  it names, entering at the listeners of the Gateways the route ``attaches-to`` (a mesh route
  without one starts at the route itself); then as for an Ingress.
- **Cluster-internal**: one route per Service port no entrance reaches (a Service no Ingress or
  route routes to, or a port no backend of it names).

An Ingress enters on its AWS Load Balancer Controller ``listen-ports`` when written, else on 80/443.

Each hop compares the ports on its two sides (per environment), lists the ingress security-group
rules that open its port (matched by port: the scan does not say which group a pod or node uses),
and is coloured by the findings whose primary location is one of its facts.
"""

from __future__ import annotations

from dataclasses import dataclass

from portlint.audit.model import (APP, ENTRANCE, ERROR, OK, POD, ROUTE, SERVICE, UNKNOWN, WARNING, Allowance,
                                  FindingIndex, FindingRow, Hop, Node, Route, worst)
from portlint.graph import PortGraph, member_facts, service_of
from portlint.layers import by_key, effective_values, owner_service
from portlint.links.kubernetes import INGRESS, WORKLOAD_KINDS, selected_workloads, serving_containers
from portlint.links.kubernetes_routes import ATTACHES_TO, ROUTE_KINDS, routed_services
from portlint.links.terraform import (LISTENER_KINDS, LISTENER_RULE_KINDS, TARGET_GROUP_KINDS, FirewallRule,
                                      compatible, firewall_rules)
from portlint.model import Entity, Location, PortFact, Role
from portlint import query
from portlint.query import Backend, backends, target_match
from portlint.query import backend_port as service_port_match

# Where an ingress controller takes client traffic unless its own configuration says otherwise.
INGRESS_PORTS = (80, 443)
K8S_SERVICE = "k8s/Service"
COMPOSE = "compose/service"
MAX_WORKLOADS_PER_SERVICE = 50  # routes drawn per Service: 1,500 equal Deployments are not 1,500 routes each


@dataclass(frozen=True)
class Port:
    """One side of a comparison: a port value in an environment (None: every environment)."""

    text: str
    number: int | None
    environment: str | None
    location: Location


def _port(fact: PortFact) -> Port:
    number = None if fact.value.unresolved else fact.value.number
    return Port(fact.value.text, number, fact.environment, fact.location)


def compare(left: list[Port], right: list[Port]) -> tuple[str, str]:
    """(``ok`` | ``differs`` | ``unknown``, what differs) over the pairs of compatible environments."""
    pairs = [(a, b) for a in left for b in right
             if a.number is not None and b.number is not None and compatible(a.environment, b.environment)]
    if not pairs:
        return "unknown", ""
    for a, b in pairs:
        if a.number != b.number:
            env = a.environment or b.environment
            return "differs", f"{a.text} vs {b.text}" + (f" in {env}" if env else "")
    return "ok", ""


@dataclass(frozen=True)
class _App:
    node: Node
    ports: list[Port]
    locations: tuple[Location, ...]


class RouteBuilder:
    """Walks the graph once per entrance; shares nodes (same id) between routes."""

    def __init__(self, graph: PortGraph, index: FindingIndex) -> None:
        self.graph = graph
        self.index = index
        self.firewall = FirewallIndex(graph)
        self.values = by_key(effective_values(graph))
        self.port_keys: dict[str, list[str]] = {}
        for (service, key), per_env in sorted(self.values.items()):
            if any(v.is_port for v in per_env.values()):
                self.port_keys.setdefault(service, []).append(key)
        self._apps: dict[str, _App | None] = {}
        self._reached: set[tuple[str, str]] = set()
        self._backends: dict[str, dict[int, Backend]] = {}  # Ingress id -> its backends by position  # (Service id, port slot) some entrance's route goes through
        self.routes: list[tuple[tuple, Route]] = []

    def build(self) -> list[Route]:
        routed: set[str] = set()
        for ingress in self.graph.entities(INGRESS):
            for position, backend in enumerate(ingress.attrs.get("backends") or []):
                routed |= self._ingress_routes(ingress, position, backend)
        for route in self.graph.entities(ROUTE_KINDS):
            for position, backend in enumerate(route.attrs.get("backends") or []):
                routed |= self._mesh_routes(route, position, backend)
        for group in self.graph.entities(TARGET_GROUP_KINDS):
            self._target_group_routes(group)
        for service in self.graph.entities(COMPOSE):
            self._compose_routes(service)
        for service in self.graph.entities(K8S_SERVICE):
            if service.id not in routed:
                self._internal_routes(service)
        return [route for _, route in sorted(self.routes, key=lambda kr: kr[0])]

    # -- hops ------------------------------------------------------------------------------------

    def hop(self, source: Node, target: Node, label: str, why: str, locations, state: str = "ok",
            firewall: tuple[list[int], str | None] | None = None) -> Hop:
        locs = tuple(sorted({loc for loc in locations if loc is not None}))
        found = self.index.touching(locs)
        allowed: tuple[Allowance, ...] = ()
        firewall_port = ""
        if firewall is not None and firewall[0]:
            allowed = self.allowances(firewall[0], firewall[1])
            firewall_port = ", ".join(str(p) for p in firewall[0])
        return Hop(source.id, target.id, label, _status(found, state), why, locs, allowed, firewall_port, found)

    def allowances(self, ports: list[int], environment: str | None) -> tuple[Allowance, ...]:
        return self.firewall.opening(ports, environment)

    def add(self, sort_key: tuple, name: str, service: str | None, environment: str | None,
            nodes: list[Node], hops: list[Hop]) -> None:
        self.routes.append((sort_key, Route(name, service, environment, tuple(nodes), tuple(hops))))

    # -- the application end ---------------------------------------------------------------------

    def app(self, service: str | None) -> _App | None:
        """The logical service's node: its effective listen port per environment."""
        if service is None:
            return None
        if service not in self._apps:
            self._apps[service] = self._make_app(service)
        return self._apps[service]

    def _make_app(self, service: str) -> _App:
        keys = self.port_keys.get(service, [])
        key = "port" if "port" in keys else keys[0] if len(keys) == 1 else None
        node_id = f"app:{service}"
        if key is None:
            return self._listening_app(service, node_id)
        title = service if key == "port" else f"{service} ({key})"
        per_env = self.values[(service, key)]
        ports, locations, by_text = [], [], {}
        for env, value in per_env.items():
            # a documented value (a runbook) is not what runs: the matrix shows it, the route does not
            locations.extend(c.location for c in value.contributions if not c.documented)
            if value.winner is None:
                continue
            winner = value.winner
            number = None if winner.unresolved else winner.number
            ports.append(Port(winner.text, number, env, winner.location))
            by_text.setdefault((winner.text, winner.layer, winner.location), []).append(env)
        lines = [f":{text}" + ("" if len(by_text) == 1 else f" in {', '.join(envs)}") + f" from {layer}"
                 for (text, layer, _), envs in by_text.items()]
        if len(by_text) == 1:
            (_, _, where), = by_text
            lines.append(where.short)
        first = next(iter(by_text), None)
        return _App(Node(node_id, APP, title, tuple(lines), first[2] if first else None), ports, tuple(locations))

    def _listening_app(self, service: str, node_id: str) -> _App:
        """A service without configured port keys: what its members (containers, code) listen on."""
        facts = member_facts(self.graph, service, roles=[Role.LISTEN])
        if not facts:
            return _App(Node(node_id, APP, service, ("listen port unknown",)), [], ())
        texts = list(dict.fromkeys(f.value.text for f in facts))
        lines = [f":{' / '.join(texts)} from {facts[0].field}", facts[0].location.short]
        return _App(Node(node_id, APP, service, tuple(lines), facts[0].location), [_port(f) for f in facts],
                    tuple(f.location for f in facts))

    def app_hop(self, source: Node, left: list[Port], app: _App, environment: str | None,
                extra: tuple = ()) -> Hop:
        right = [p for p in app.ports if compatible(p.environment, environment)]
        state, detail = compare(left, right)
        listens = ", ".join(sorted({p.text for p in right})) or "an unknown port"
        if state == "ok":
            why = f"the app listens on {listens}, the port traffic arrives on"
        elif state == "differs":
            why = f"traffic arrives on a port the app does not listen on ({detail})"
        else:
            why = "the app's listen port or the arriving port is unknown"
        label = ":" + "/".join(dict.fromkeys(p.text for p in left)) if left else ""
        locations = (*[p.location for p in left], *app.locations, *extra)
        return self.hop(source, app.node, label, why, locations, state)

    # -- ingress ---------------------------------------------------------------------------------

    def _ingress_routes(self, ingress: Entity, position: int, backend: dict) -> set[str]:
        if ingress.id not in self._backends:
            self._backends[ingress.id] = {b.position: b for b in backends(self.graph, ingress)}
        found = self._backends[ingress.id].get(position)
        return self._backend_routes(found) if found is not None else set()

    def _backend_routes(self, backend: Backend) -> set[str]:
        ingress = backend.ingress
        name = ingress.attrs.get("name", ingress.ref.name)
        listen_line, listen_label, listen_ports = _listen_ports(self.graph, ingress)
        entrance = Node(f"ingress:{ingress.id}", ENTRANCE, f"Ingress {name}",
                        tuple(x for x in (_class_line(ingress), listen_line) if x), ingress.location)
        slot = backend.slot
        where = f"{backend.host or ''}{backend.path or ''}" or ("default backend" if slot == "defaultBackend" else slot)
        backend_name, port_text = backend.service_name, backend.port_text
        path = Node(f"path:{ingress.id}:{slot}", ROUTE, where, (f"→ {backend_name}" + (f":{port_text}" if port_text else ""),),
                    backend.location)
        first = self.hop(entrance, path, listen_label, "clients reach the ingress controller on its listen ports",
                         (ingress.location, *[f.location for f in self.graph.facts(ingress, Role.EXPOSE)]),
                         firewall=(listen_ports, ingress.environment))
        sort_key = (0, ingress.id, backend.position)
        backend_locs = (path.location, *([backend.port.location] if backend.port is not None else []))
        if not backend.services:
            self.add(sort_key, f"{where} → {backend_name}", None, ingress.environment,
                     *self._unjoined(backend, entrance, path, first, backend_locs))
            return set()
        for service in backend.services:
            self._service_route(sort_key + (service.id,), f"{where} → {backend_name}", [entrance, path], [first],
                                service, [backend.port] if backend.port is not None else [], backend_locs,
                                ingress.environment)
        return set()  # a Service port no entrance reaches still gets its own route (_internal_routes)

    def _unjoined(self, backend: Backend, entrance: Node, path: Node, first: Hop,
                  backend_locs: tuple) -> tuple[list[Node], list[Hop]]:
        """A backend that reaches no Service: a template name, none defined, or several candidates elsewhere."""
        name, ingress = backend.service_name, backend.ingress
        if backend.name_unresolved:
            lines, why = ("name not resolved",), f"the Service name {name} is not resolved (a template)"
        elif backend.missing:
            lines, why = ("not in the scan",), (f"no Service {name} is defined in the scan: the ingress has nowhere "
                                                "to send these requests")
        else:
            lines, why = ("in another scope",), (f"Service {name} is defined only in other scopes (charts, "
                                                 "kustomizations, folders): the scan cannot tell which one is meant")
        prefix = "missing" if backend.missing else "unjoined"
        missing = Node(f"{prefix}:{ingress.ref.namespace}/{name}", SERVICE, f"Service {name}", lines, None, missing=True)
        label = f":{backend.port_text}" if backend.port_text else ""
        hop = self.hop(path, missing, label, why, backend_locs, "unknown")
        return [entrance, path, missing], [first, hop]

    def _mesh_routes(self, route: Entity, position: int, backend: dict) -> set[str]:
        """A Gateway API route (entering at its Gateways' listeners) or an Istio VirtualService."""
        kind = route.ref.kind.removeprefix("k8s/")
        gateways = self.graph.targets(route.id, ATTACHES_TO)
        listeners = [f for g in gateways for f in self.graph.facts(g, Role.EXPOSE)]
        lines = tuple(dict.fromkeys(f"{f.attrs.get('listener_protocol') or f.protocol} :{f.value.text}" for f in listeners))
        title = (f"Gateway {', '.join(g.attrs.get('name', g.ref.name) for g in gateways)}" if gateways
                 else f"{kind} {route.attrs.get('name', route.ref.name)}")
        entrance = Node(f"gateway:{route.id}" if gateways else f"route:{route.id}", ENTRANCE, title,
                        (" · ".join(lines),) if lines else (f"{kind} (mesh)" if not gateways else "no listener",),
                        gateways[0].location if gateways else route.location)
        slot = str(backend.get("slot", ""))
        backend_name = str(backend.get("service"))
        port_facts = [f for f in self.graph.facts(route, Role.TARGET) if f.slot == slot]
        port_text = port_facts[0].value.text if port_facts else ""
        path = Node(f"path:{route.id}:{slot}", ROUTE, f"{kind} {route.attrs.get('name', route.ref.name)} {slot}",
                    (f"→ {backend_name}" + (f":{port_text}" if port_text else ""),), _loc(backend.get("location")))
        numbers = sorted({f.value.number for f in listeners if f.value.number is not None and not f.value.unresolved})
        first = self.hop(entrance, path, ":" + "/:".join(map(str, numbers)) if numbers else "",
                         "clients reach the gateway on its listeners" if gateways else "the route applies in the mesh",
                         (route.location, *[f.location for f in listeners]),
                         firewall=(numbers, route.environment) if numbers else None)
        services = routed_services(self.graph, route, backend)
        sort_key = (1, route.id, position)
        if not services:
            missing = Node(f"missing:{backend.get('namespace', '')}/{backend_name}", SERVICE, f"Service {backend_name}",
                           ("not in the scan",), None, missing=True)
            hop = self.hop(path, missing, f":{port_text}" if port_text else "", f"no Service {backend_name} is defined "
                           "in the scan", (path.location, *[f.location for f in port_facts]), "unknown")
            self.add(sort_key, f"{slot} → {backend_name}", None, route.environment, [entrance, path, missing], [first, hop])
            return set()
        for service in services:
            self._service_route(sort_key + (service.id,), f"{kind} {slot} → {backend_name}", [entrance, path], [first],
                                service, port_facts, (path.location, *[f.location for f in port_facts]),
                                route.environment)
        return set()  # a Service port no entrance reaches still gets its own route (_internal_routes)

    def _service_route(self, sort_key: tuple, name: str, nodes: list[Node], hops: list[Hop], service: Entity,
                       backend_ports: list[PortFact] | None, backend_locs: tuple, environment: str | None,
                       slot: str | None = None) -> None:
        """From an entrance's backend (``backend_ports``: the port facts it names, maybe none) or, with
        ``backend_ports=None``, from the Service port of ``slot`` itself."""
        exposes = self.graph.facts(service, Role.EXPOSE)
        targets = {f.slot: f for f in self.graph.facts(service, Role.TARGET)}
        environment = environment or service.environment
        svc_name = service.attrs.get("name", service.ref.name)
        lines = tuple(f"{f.value.text} → {targets[f.slot].value.text}" if f.slot in targets else f.value.text
                      for f in exposes)
        svc_node = Node(f"svc:{service.id}", SERVICE, f"Service {svc_name}", lines or ("no ports",), service.location)
        if backend_ports is not None:
            backend_port = backend_ports[0] if backend_ports else None
            match = service_port_match(self.graph, backend_port, [service])
            state = {"ok": "ok", "differs": "differs"}.get(match.verdict, "unknown")
            matched = list(match.matched)
            self._reached.update((service.id, f.slot) for f in matched)
            wanted = backend_port.value.text if backend_port is not None else "?"
            why = (f"the backend port {wanted} is a port of Service {svc_name}" if state == "ok" else
                   f"the backend port {wanted} is not a port of Service {svc_name}" if state == "differs" else
                   "the backend port is not known")
            hops.append(self.hop(nodes[-1], svc_node, f":{wanted}", why,
                                 (*backend_locs, *[f.location for f in matched]), state))
        else:
            matched = [f for f in exposes if f.slot == slot]
        nodes.append(svc_node)
        target = targets.get(matched[0].slot) if matched else None
        self._pods(sort_key, name, nodes, hops, service, target, environment)

    def _pods(self, sort_key: tuple, name: str, nodes: list[Node], hops: list[Hop], service: Entity,
              target: PortFact | None, environment: str | None) -> None:
        svc_node = nodes[-1]
        logical = _service_name(self.graph, service)
        candidates = self._listeners(service, target)
        firewall = ([target.value.number] if target is not None and target.value.number is not None else [], environment)
        base_locs = (service.location, service.attrs.get("selector_location"),
                     target.location if target is not None else None)
        if not candidates:
            pods = Node(f"nopods:{service.id}", POD, "no pods selected",
                        ("the selector matches no workload",), None, missing=True)
            hop = self.hop(svc_node, pods, f"→ {target.value.text}" if target else "",
                           "the Service selects no workload in the scan: its port leads nowhere", base_locs,
                           "unknown", firewall)
            app = self.app(logical)
            route_nodes, route_hops = [*nodes, pods], [*hops, hop]
            if app is not None:
                route_nodes.append(app.node)
                route_hops.append(self.hop(pods, app.node, "", "no pod to compare with the app's port", (), "unknown"))
            self.add(sort_key, name, logical, environment, route_nodes, route_hops)
            return
        for workload, container, listens, verdict in candidates:
            label = container.attrs.get("container_name", container.ref.name)
            lines = tuple(f"containerPort {f.value.text}" for f in listens) or ("no containerPort",)
            pod = Node(f"pod:{container.id}", POD, f"{workload.attrs.get('name', workload.ref.name)}/{label}", lines,
                       container.location)
            state, why = _pod_state(target, verdict, label, listens)
            links = [link for link in self.graph.outgoing(service.id, "selects") if link.target == workload.id]
            link_locs = [loc for link in links for loc in link.locations]
            hop = self.hop(svc_node, pod, f"→ {target.value.text}" if target else "", why,
                           (*base_locs, *link_locs, *[f.location for f in listens]), state, firewall)
            app = self.app(logical or owner_service(self.graph, container.id))
            route_nodes, route_hops = [*nodes, pod], [*hops, hop]
            if app is not None:
                env_ports = [f.location for f in self.graph.facts(container, Role.CONFIG)]
                route_nodes.append(app.node)
                route_hops.append(self.app_hop(pod, [_port(f) for f in listens], app, environment, tuple(env_ports)))
            self.add(sort_key + (container.id,), name, app.node.title if app else logical, environment,
                     route_nodes, route_hops)

    def _listeners(self, service: Entity, target: PortFact | None) -> list[tuple[Entity, Entity, list[PortFact], str]]:
        """(workload, container, the listen facts shown, the pod's verdict) of every selected workload:
        the containers the targetPort reaches, else the pod's first serving container."""
        workloads = selected_workloads(self.graph, service)[:MAX_WORKLOADS_PER_SERVICE]
        verdicts = {}
        if target is not None:
            verdicts = {pod.workload.id: pod for pod in target_match(self.graph, service, target).pods}
        found = []
        for workload in workloads:
            if workload.ref.kind not in WORKLOAD_KINDS:
                continue
            containers = serving_containers(self.graph, workload)
            pod = verdicts.get(workload.id)
            reached = {f.location for f in pod.reached} if pod is not None else set()
            hits = [(c, [f for f in self.graph.facts(c, Role.LISTEN) if f.location in reached]) for c in containers]
            hits = [(c, facts) for c, facts in hits if facts]
            verdict = pod.verdict if pod is not None else UNKNOWN
            if hits:
                found.extend((workload, c, facts, verdict) for c, facts in hits)
            elif containers:
                first = containers[0]
                found.append((workload, first, self.graph.facts(first, Role.LISTEN), verdict))
        return found

    def _internal_routes(self, service: Entity) -> None:
        for position, fact in enumerate(self.graph.facts(service, Role.EXPOSE)):
            if (service.id, fact.slot) in self._reached:
                continue
            name = f"Service {service.attrs.get('name', service.ref.name)}:{fact.value.text}"
            self._service_route((3, service.id, position), name, [], [], service, None, (), service.environment,
                                slot=fact.slot)

    # -- load balancer target groups -------------------------------------------------------------

    def _target_group_routes(self, group: Entity) -> None:
        ports = [f for f in self.graph.facts(group, Role.TARGET) if f.field == "port"]
        probes = [f.location for f in self.graph.facts(group, Role.PROBE)]
        address = group.attrs.get("address", group.ref.name)
        port_text = " / ".join(dict.fromkeys(f.value.text for f in ports)) or "?"
        protocol = group.attrs.get("protocol")
        tg = Node(f"tg:{group.id}", ROUTE, str(address), (f"port {port_text}" + (f" {protocol}" if protocol else ""),),
                  group.location)
        logical = _service_name(self.graph, group)
        entrances = self._listeners_of(group) or [(None, ())]
        for listener, link_locs in entrances:
            if listener is None:
                entrance = Node(f"nolistener:{group.id}", ENTRANCE, "no listener", ("forwards to this target group",),
                                None, missing=True)
                first = self.hop(entrance, tg, "", "no listener or listener rule in the scan forwards here",
                                 (group.location,), "unknown")
            else:
                lports = self.graph.facts(listener, Role.EXPOSE)
                ltext = "/".join(f.value.text for f in lports) or "?"
                entrance = Node(f"listener:{listener.id}", ENTRANCE, str(listener.attrs.get("address", listener.ref.name)),
                                (f":{ltext}" + (f" {listener.attrs['protocol']}" if listener.attrs.get("protocol") else ""),),
                                listener.location)
                numbers = [f.value.number for f in lports if f.value.number is not None and not f.value.unresolved]
                first = self.hop(entrance, tg, f":{ltext}", f"{entrance.title} forwards to {address}",
                                 (listener.location, group.location, *link_locs, *[f.location for f in lports]),
                                 firewall=(numbers, group.environment))
            nodes, hops = [entrance, tg], [first]
            app = self.app(logical)
            numbers = sorted({f.value.number for f in ports if f.value.number is not None and not f.value.unresolved})
            if app is not None:
                hop = self.app_hop(tg, [_port(f) for f in ports], app, group.environment, tuple(probes))
                if numbers:
                    hop = self._with_firewall(hop, numbers, group.environment)
                nodes.append(app.node)
                hops.append(hop)
            self.add((1, group.id, entrance.id), str(address), logical, group.environment, nodes, hops)

    def _with_firewall(self, hop: Hop, ports: list[int], environment: str | None) -> Hop:
        return Hop(hop.source, hop.target, hop.label, hop.status, hop.why, hop.locations,
                   self.allowances(ports, environment), ", ".join(str(p) for p in ports), hop.findings)

    def _listeners_of(self, group: Entity) -> list[tuple[Entity, tuple[Location, ...]]]:
        out: dict[str, tuple[Entity, tuple[Location, ...]]] = {}
        for link in self.graph.incoming(group.id, "forwards-to"):
            source = self.graph.entity(link.source)
            if source is None:
                continue
            if source.ref.kind in LISTENER_RULE_KINDS:
                parents = [e for e in self.graph.targets(source.id, "part-of") if e.ref.kind in LISTENER_KINDS]
                source = parents[0] if parents else source
            if source.id not in out:
                out[source.id] = (source, link.locations)
        return [out[k] for k in sorted(out)]

    # -- compose ---------------------------------------------------------------------------------

    def _compose_routes(self, service: Entity) -> None:
        published = [f for f in self.graph.facts(service, Role.PUBLISH)]
        targets = {f.slot: f for f in self.graph.facts(service, Role.TARGET)}
        name = service.attrs.get("name", service.ref.name)
        logical = _service_name(self.graph, service)
        listens = [_port(f) for f in self.graph.facts(service, Role.LISTEN)]
        for position, host in enumerate(published):
            target = targets.get(host.slot)
            host_ip = host.attrs.get("host_ip")
            entrance = Node(f"host:{service.id}:{host.slot}", ENTRANCE, "host port",
                            (f"{host_ip + ':' if host_ip else ''}{host.value.text}",), host.location)
            container = Node(f"compose:{service.id}", POD, f"compose {name}",
                             tuple(dict.fromkeys(f"container :{f.value.text}" for f in targets.values())), service.location)
            state, detail = ("ok", "") if target is not None else ("unknown", "")
            first = self.hop(entrance, container, f"{host.value.text} → {target.value.text if target else '?'}",
                             "the host port is published to this container port" if target else
                             "the container side of this mapping is unknown",
                             (host.location, target.location if target else None), state)
            nodes, hops = [entrance, container], [first]
            app = self.app(logical)
            arriving = [_port(target)] if target is not None else []
            if app is not None:
                nodes.append(app.node)
                hops.append(self.app_hop(container, arriving, app, service.environment,
                                         tuple(p.location for p in listens)))
            elif listens and target is not None:
                state, detail = compare(arriving, listens)
                hops[-1] = Hop(first.source, first.target, first.label, _status(first.findings, state),
                               first.why + (f"; the command listens elsewhere ({detail})" if detail else ""),
                               first.locations, first.allowed_by, first.firewall_port, first.findings)
            self.add((2, service.id, position), f"host {host.value.text} → {name}", logical, service.environment,
                     nodes, hops)


class FirewallIndex:
    """Ingress TCP security-group rules by the ports they open: a lookup per hop, not a scan."""

    def __init__(self, graph: PortGraph) -> None:
        self._single: dict[int, list[tuple[int, Allowance]]] = {}
        self._ranges: list[tuple[int, int, int, Allowance]] = []
        rules = [r for r in firewall_rules(graph)
                 if r.direction == "ingress" and r.action == "allow" and r.protocol in ("tcp", "all")]
        for order, rule in enumerate(rules):
            span = rule.ports()
            if span is None:
                continue
            allowance = Allowance(rule.label, rule.describe_ports(), _sources(rule), rule.location, rule.environment)
            if span[0] == span[1]:
                self._single.setdefault(span[0], []).append((order, allowance))
            else:
                self._ranges.append((span[0], span[1], order, allowance))

    def opening(self, ports: list[int], environment: str | None) -> tuple[Allowance, ...]:
        """The rules (in source order) that open any of ``ports`` in an environment compatible with it."""
        found: dict[int, Allowance] = {}
        for port in ports:
            for order, allowance in self._single.get(port, ()):
                found[order] = allowance
            for low, high, order, allowance in self._ranges:
                if low <= port <= high:
                    found[order] = allowance
        return tuple(found[o] for o in sorted(found) if compatible(found[o].environment, environment))


# -- helpers -------------------------------------------------------------------------------------------


def build_routes(graph: PortGraph, index: FindingIndex) -> list[Route]:
    return RouteBuilder(graph, index).build()


def _status(found: tuple[FindingRow, ...], state: str) -> str:
    if found:
        return worst(row.status for row in found)
    return {"ok": OK, "differs": WARNING, "unknown": UNKNOWN}.get(state, ERROR)


def _service_name(graph: PortGraph, entity: Entity) -> str | None:
    logical = service_of(graph, entity.id)
    return logical.ref.name if logical is not None else owner_service(graph, entity.id)


def _pod_state(target: PortFact | None, verdict: str, label: str, listens: list[PortFact]) -> tuple[str, str]:
    """The Service → pod hop's state and sentence, from the pod's verdict (:func:`portlint.query.target_match`)."""
    text = target.value.text if target is not None else ""
    if verdict == query.OK:
        return "ok", f"targetPort {text} is a containerPort of {label}"
    if verdict in (query.MISSING, query.UNDECLARED):
        shown = ", ".join(f.value.text for f in listens) or "none"
        return "differs", f"targetPort {text} is not a containerPort of {label} (it declares {shown})"
    if verdict == query.EXCLUDED:
        return "unknown", (f"{label} declares no port named {text}: Kubernetes leaves this pod out of the "
                           "Service's endpoints for that port")
    if target is not None and target.value.number is not None and listens and all(
            f.value.number is not None and not f.value.unresolved for f in listens):
        shown = ", ".join(f.value.text for f in listens)
        return "unknown", (f"targetPort {text} is not a declared containerPort of {label} (it declares {shown}), "
                           "but the pod may listen there undeclared (several ports, or its args name it)")
    return "unknown", "the targetPort or the containerPort is unknown"


def _sources(rule: FirewallRule) -> str:
    attrs = rule.attrs
    parts = [*rule.cidrs, *attrs.get("cidrs_unresolved", []), *attrs.get("source_groups", [])]
    if attrs.get("self"):
        parts.append("itself")
    return ", ".join(str(p) for p in parts) or "unknown sources"


def _listen_ports(graph: PortGraph, ingress: Entity) -> tuple[str, str, list[int]]:
    """(node line, hop label, ports): the ALB ``listen-ports`` when written, else 80/443."""
    facts = [f for f in graph.facts(ingress, Role.EXPOSE) if f.attrs.get("listener_protocol")]
    numbers = [f.value.number for f in facts if f.value.number is not None and not f.value.unresolved]
    if not facts or len(numbers) != len(facts):
        return "HTTP :80 · HTTPS :443", ":80/:443", list(INGRESS_PORTS)
    line = " · ".join(dict.fromkeys(f"{f.attrs['listener_protocol']} :{f.value.text}" for f in facts))
    ordered = list(dict.fromkeys(numbers))
    return line + " (listen-ports)", ":" + "/:".join(map(str, ordered)), ordered


def _class_line(ingress: Entity) -> str:
    cls = ingress.attrs.get("ingress_class")
    return f"class {cls}" if cls else ""


def _loc(value) -> Location | None:
    return value if isinstance(value, Location) else None
