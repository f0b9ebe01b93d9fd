"""Routing and monitoring objects that point at Service and pod ports (see docs/model-kubernetes.md).

- Gateway API: ``Gateway`` listeners (``expose`` facts) and ``HTTPRoute``/``GRPCRoute``/``TCPRoute``/
  ``TLSRoute``/``UDPRoute`` ``backendRefs`` to Services (``target`` facts, ``backends`` attr);
- Istio ``VirtualService`` ``http``/``tcp``/``tls`` route destinations (``target`` facts, ``backends``);
- Prometheus Operator ``ServiceMonitor``/``PodMonitor`` endpoints (``target`` facts) and their
  selectors;
- port annotations: ``prometheus.io/port`` on a Service, the AWS Load Balancer Controller's
  ``listen-ports``, ``ssl-redirect`` and health-check ports on Ingresses and Services.

Functions take the reader's ``_Doc`` (the object being read); nothing here knows a rule.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any

from portlint.model import Entity, PortFact, PortValue, Role
from portlint.readers import _yaml
from portlint.readers._k8s_source import canonical_namespace, get

GATEWAY_GROUPS = frozenset({"gateway.networking.k8s.io"})
GATEWAY_ROUTES = ("HTTPRoute", "GRPCRoute", "TCPRoute", "TLSRoute", "UDPRoute")
ISTIO_GROUPS = frozenset({"networking.istio.io"})
MONITORING_GROUPS = frozenset({"monitoring.coreos.com"})
MONITORS = {"ServiceMonitor": "endpoints", "PodMonitor": "podMetricsEndpoints"}
ISTIO_ROUTE_LISTS = ("http", "tcp", "tls")
SCRAPE_PORT = "prometheus.io/port"
ALB = "alb.ingress.kubernetes.io/"
LISTEN_PORTS = ALB + "listen-ports"
SSL_REDIRECT = ALB + "ssl-redirect"
GROUP_NAME = ALB + "group.name"
ALB_HEALTH = ALB + "healthcheck-port"
ALB_TARGET_TYPE = ALB + "target-type"
NLB_HEALTH = "service.beta.kubernetes.io/aws-load-balancer-healthcheck-port"
NLB_TARGET_TYPE = "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type"
LISTENER_PROTOCOLS = ("HTTP", "HTTPS")
MAX_LISTEN_PORTS = 64
_DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")


def service_port_name(fact: PortFact | None) -> None:
    """A reference to a *Service* port name (Ingress ``port.name``, ServiceMonitor ``port``, a named
    health-check port) is a DNS label of up to 63 characters, not a 15-character container port name."""
    if fact is None or fact.value.unresolved or fact.value.number is not None or fact.value.name is not None:
        return
    text = fact.value.text
    if _DNS_LABEL.fullmatch(text) and not text.isdigit():
        fact.value = replace(fact.value, name=text)


def _path(node: Any, *keys: str) -> Any:
    for key in keys:
        node = get(node, key)
        if node is None:
            return None
    return node


def _text(doc, node: Any) -> str | None:
    text = doc.source.string(node)
    return text.value if text is not None and text.resolved else None


def _selector(doc, node: Any) -> tuple[dict[str, str], bool]:
    """A LabelSelector's ``matchLabels`` and whether it is unresolved (templates, matchExpressions)."""
    labels, unresolved = doc.source.labels(node, "matchLabels")
    expressions = get(node, "matchExpressions")
    if _yaml.seq(expressions):
        unresolved = True
    return labels or {}, bool(unresolved)


# -- Gateway API --------------------------------------------------------------------------------


def read_gateway(doc) -> None:
    """``spec.listeners[i].port`` → ``expose`` facts (``listener_protocol``, ``listener_name``)."""
    spec = get(doc.node, "spec")
    gateway = doc.entity("k8s/Gateway", {"gateway_class": _text(doc, get(spec, "gatewayClassName"))})
    for i, listener in enumerate(_yaml.seq(get(spec, "listeners"))):
        protocol = (_text(doc, get(listener, "protocol")) or "").upper()
        doc.fact(gateway.ref, Role.EXPOSE, get(listener, "port"), "listeners.port", f"listeners[{i}]",
                 "UDP" if protocol == "UDP" else "TCP", required=True, listener_protocol=protocol or None,
                 listener_name=_text(doc, get(listener, "name")), hostname=_text(doc, get(listener, "hostname")))


def read_gateway_route(doc) -> None:
    """``spec.rules[i].backendRefs[j]`` naming a Service (kind ``Service``, core group: the defaults)."""
    spec = get(doc.node, "spec")
    route = doc.entity(f"k8s/{doc.kind}", {"backends": [], "parents": []})
    for i, parent in enumerate(_yaml.seq(get(spec, "parentRefs"))):
        port = doc.source.port(get(parent, "port"))
        route.attrs["parents"].append({
            "gateway": _text(doc, get(parent, "name")), "namespace": _namespace(_text(doc, get(parent, "namespace"))),
            "section": _text(doc, get(parent, "sectionName")), "port": port.text if port is not None else None,
            "slot": f"parentRefs[{i}]", "location": doc.source.loc(parent)})
    protocol = "UDP" if doc.kind == "UDPRoute" else "TCP"
    for i, rule in enumerate(_yaml.seq(get(spec, "rules"))):
        for j, ref in enumerate(_yaml.seq(get(rule, "backendRefs"))):
            kind = _text(doc, get(ref, "kind")) or "Service"
            group = _text(doc, get(ref, "group"))
            if kind != "Service" or group not in (None, "", "core"):
                continue  # another backend kind (ServiceImport, a CRD): not a Service port
            _backend(doc, route, get(ref, "name"), get(ref, "namespace"), get(ref, "port"),
                     f"rules[{i}].backendRefs[{j}]", "backendRefs.port", protocol)


def _backend(doc, route: Entity, name_node: Any, namespace_node: Any, port_node: Any, slot: str,
             field_name: str, protocol: str, **extra: Any) -> None:
    name = doc.source.string(name_node)
    if name is None:
        return
    namespace = doc.source.string(namespace_node) if namespace_node is not None else None
    if namespace is not None and not namespace.resolved:
        return  # a templated namespace: the Service it names is unknown
    if namespace is not None:
        namespace = replace(namespace, value=canonical_namespace(namespace.value))
    port = doc.source.port(port_node)
    route.attrs["backends"].append({
        "service": name.value, "namespace": namespace.value if namespace is not None else route.ref.namespace,
        "slot": slot, "location": doc.source.loc(name_node), "port": port.text if port is not None else None,
        "port_location": doc.source.loc(port_node) if port_node is not None else None,
        "name_unresolved": not name.resolved, **extra})
    doc.fact(route.ref, Role.TARGET, port_node, field_name, slot, protocol, service=name.value,
             service_namespace=namespace.value if namespace is not None else None, **extra)


# -- Istio ----------------------------------------------------------------------------------------


def service_of_host(host: str, namespace: str) -> tuple[str, str] | None:
    """(namespace, Service name) an Istio destination host names, or None (not a cluster Service).

    Istio expands a host without a dot to ``<host>.<namespace of the VirtualService>.svc.<domain>``
    and takes any host with a dot as written: only ``name.ns.svc`` and ``name.ns.svc.<domain>``
    name a Service then."""
    if not host or "*" in host:
        return None
    if "." not in host:
        return namespace, host
    parts = host.split(".")
    if len(parts) >= 3 and parts[2] == "svc" and parts[0] and parts[1]:
        return canonical_namespace(parts[1]), parts[0]
    return None


def read_virtual_service(doc) -> None:
    spec = get(doc.node, "spec")
    route = doc.entity("k8s/VirtualService", {"backends": []})
    for list_key in ISTIO_ROUTE_LISTS:
        for i, rule in enumerate(_yaml.seq(get(spec, list_key))):
            for j, destination_route in enumerate(_yaml.seq(get(rule, "route"))):
                destination = get(destination_route, "destination")
                host_node = get(destination, "host")
                host = _text(doc, host_node)
                found = service_of_host(host, route.ref.namespace) if host is not None else None
                if found is None:
                    continue
                namespace, name = found
                port_node = _path(destination, "port", "number")
                backend = {"service": name, "namespace": namespace, "slot": f"{list_key}[{i}].route[{j}]",
                           "location": doc.source.loc(host_node), "name_unresolved": False, "host": host,
                           "port": None, "port_location": None}
                port = doc.source.port(port_node)
                if port is not None:
                    backend.update(port=port.text, port_location=doc.source.loc(port_node))
                route.attrs["backends"].append(backend)
                doc.fact(route.ref, Role.TARGET, port_node, "destination.port.number", backend["slot"],
                         service=name, service_namespace=namespace, host=host)


def read_destination_rule(doc) -> None:
    """``spec.trafficPolicy.portLevelSettings[i].port.number`` (also per subset) of the Service its
    ``host`` names: ``target`` facts, listed in ``backends`` like a route's (slot says where)."""
    spec = get(doc.node, "spec")
    rule = doc.entity("k8s/DestinationRule", {"backends": []})
    host_node = get(spec, "host")
    host = _text(doc, host_node)
    found = service_of_host(host, rule.ref.namespace) if host is not None else None
    if found is None:
        return
    namespace, name = found
    policies = [("trafficPolicy", get(spec, "trafficPolicy"))]
    for k, subset in enumerate(_yaml.seq(get(spec, "subsets"))):
        policies.append((f"subsets[{k}].trafficPolicy", get(subset, "trafficPolicy")))
    for where, policy in policies:
        for i, setting in enumerate(_yaml.seq(get(policy, "portLevelSettings"))):
            port_node = _path(setting, "port", "number")
            port = doc.source.port(port_node)
            if port is None:
                continue
            slot = f"{where}.portLevelSettings[{i}]"
            rule.attrs["backends"].append({"service": name, "namespace": namespace, "slot": slot,
                                           "location": doc.source.loc(host_node), "name_unresolved": False,
                                           "host": host, "port": port.text, "port_location": doc.source.loc(port_node)})
            doc.fact(rule.ref, Role.TARGET, port_node, "portLevelSettings.port.number", slot, service=name,
                     service_namespace=namespace, host=host)


# -- Prometheus Operator --------------------------------------------------------------------------


def read_monitor(doc) -> None:
    """``spec.selector`` (Service labels, or pod labels for a PodMonitor), ``spec.namespaceSelector``
    and each endpoint's ``port`` (a name), ``targetPort`` and ``portNumber`` as ``target`` facts."""
    spec = get(doc.node, "spec")
    selector_node = get(spec, "selector")
    selector, unresolved = _selector(doc, selector_node)
    namespaces: list[str] | str | None = None  # None: the monitor's own namespace
    namespace_selector = get(spec, "namespaceSelector")
    if _text(doc, get(namespace_selector, "any")) == "true":
        namespaces = "any"
    elif get(namespace_selector, "matchNames") is not None:
        names = [doc.source.string(n) for n in _yaml.seq(get(namespace_selector, "matchNames"))]
        if any(n is None or not n.resolved for n in names):
            unresolved = True
        namespaces = sorted({canonical_namespace(n.value) for n in names if n is not None})
    attrs: dict[str, Any] = {"selector": selector, "selector_unresolved": unresolved, "namespaces": namespaces}
    if selector_node is not None:
        attrs["selector_location"] = doc.source.loc(selector_node)
    monitor = doc.entity(f"k8s/{doc.kind}", attrs)
    list_key = MONITORS[doc.kind]
    for i, endpoint in enumerate(_yaml.seq(get(spec, list_key))):
        slot = f"{list_key}[{i}]"
        for key in ("port", "targetPort", "portNumber"):
            fact = doc.fact(monitor.ref, Role.TARGET, get(endpoint, key), f"{list_key}.{key}", slot,
                            accepts_name=True if key != "portNumber" else None, monitor_field=key)
            if doc.kind == "ServiceMonitor" and key == "port":
                service_port_name(fact)


# -- annotations ----------------------------------------------------------------------------------


def _annotation(doc, key: str) -> Any:
    return get(_path(doc.node, "metadata", "annotations"), key)


def read_service_annotations(doc, service: Entity) -> None:
    """``prometheus.io/port`` and the load balancer controllers' health-check ports on a Service:
    ``probe`` facts with ``annotation`` (they connect to pods, not to the Service port)."""
    for key in (SCRAPE_PORT, ALB_HEALTH, NLB_HEALTH):
        _probe_annotation(doc, service, key)
    for attr, key in (("alb_target_type", ALB_TARGET_TYPE), ("nlb_target_type", NLB_TARGET_TYPE)):
        target_type = _text(doc, _annotation(doc, key))
        if target_type:
            service.attrs[attr] = target_type.strip().lower()


def _probe_annotation(doc, owner: Entity, key: str) -> None:
    node = _annotation(doc, key)
    text = _text(doc, node)
    if node is None or (text is not None and text.strip().lower() == "traffic-port"):
        return  # the traffic port: no port of its own
    fact = doc.fact(owner.ref, Role.PROBE, node, f"annotations.{key}", key, annotation=key,
                    accepts_name=True if key != SCRAPE_PORT else None)
    if key != SCRAPE_PORT:
        service_port_name(fact)


def read_ingress_annotations(doc, ingress: Entity) -> None:
    """The AWS Load Balancer Controller's ``listen-ports`` (``expose`` facts, ``listener_protocol``),
    ``group.name`` (``alb_group``), ``ssl-redirect`` (attr) and ``healthcheck-port`` (a ``probe``
    fact) on an Ingress. Without ``listen-ports`` the listeners are HTTP 80, or HTTPS 443 when a
    certificate is found (also from an IngressClassParams the scan does not see): no fact."""
    node = _annotation(doc, LISTEN_PORTS)
    if node is not None:
        _listen_ports(doc, ingress, node)
    group = _text(doc, _annotation(doc, GROUP_NAME))
    if group:
        ingress.attrs["alb_group"] = group
    redirect = _annotation(doc, SSL_REDIRECT)
    if redirect is not None:
        value = doc.source.port(redirect)
        if value is not None:
            ingress.attrs["ssl_redirect"] = {"port": value.text, "number": None if value.unresolved else value.number,
                                             "location": doc.source.loc(redirect)}
    _probe_annotation(doc, ingress, ALB_HEALTH)
    target_type = _text(doc, _annotation(doc, ALB_TARGET_TYPE))
    if target_type:
        ingress.attrs["target_type"] = target_type.strip().lower()


def _listen_ports(doc, ingress: Entity, node: Any) -> None:
    text = doc.source.string(node)
    location = doc.source.loc(node)
    if text is None or not text.resolved:
        ingress.attrs["listen_ports_unresolved"] = True
        return
    problem, pairs = parse_listen_ports(text.value)
    if problem is not None:
        ingress.attrs["listen_ports_invalid"] = {"message": problem, "location": location, "text": text.value}
        return
    for index, (protocol, port) in enumerate(pairs):
        doc.out.facts.append(PortFact(
            value=PortValue.parse(str(port)), role=Role.EXPOSE, owner=ingress.ref, location=location,
            environment=doc.source.environment, slot=f"listen-ports[{index}]",
            attrs={"field": f"annotations.{LISTEN_PORTS}", "listener_protocol": protocol, "annotation": LISTEN_PORTS}))


def parse_listen_ports(text: str) -> tuple[str | None, list[tuple[str, Any]]]:
    """(problem or None, [(``HTTP``/``HTTPS``, port)]) of a ``listen-ports`` annotation value."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return "is not valid JSON", []
    if not isinstance(data, list) or not data:
        return "is not a non-empty JSON list", []
    pairs: list[tuple[str, Any]] = []
    for item in data[:MAX_LISTEN_PORTS]:
        if not isinstance(item, dict) or not item:
            return f"has an item that is not a {{\"PROTOCOL\": port}} object: {json.dumps(item)[:60]}", []
        for protocol, port in item.items():
            if protocol not in LISTENER_PROTOCOLS:
                return f"names protocol {protocol!r} (the controller takes HTTP or HTTPS)", []
            if isinstance(port, bool) or not isinstance(port, int):
                return f"gives port {json.dumps(port)[:30]} for {protocol}: it must be a JSON integer", []
            pairs.append((protocol, port))
    return None, pairs


# -- NetworkPolicy egress peers -------------------------------------------------------------------

NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"  # every Namespace carries it (Kubernetes >= 1.21)


def read_egress_peers(doc, policy: Entity, spec: Any) -> None:
    """``egress[i].to``: the pods each rule lets traffic reach, as ``egress_peers[i]`` =
    ``{"peers": [{"selector", "namespace", "location"}], "unresolved": bool}``. A peer is resolved
    when it selects pods by ``matchLabels`` in the policy's namespace, or in one namespace named by
    ``kubernetes.io/metadata.name``; an ``ipBlock``, an empty or expression selector, or a namespace
    selector on other labels makes the rule unresolved (its ports are not compared)."""
    rules: dict[str, dict[str, Any]] = {}
    for i, rule in enumerate(_yaml.seq(get(spec, "egress"))):
        peers, unresolved = [], False
        for peer in _yaml.seq(get(rule, "to")):
            found = _peer(doc, peer, policy.ref.namespace)
            if found is None:
                unresolved = True
            else:
                peers.append(found)
        rules[str(i)] = {"peers": peers, "unresolved": unresolved or not peers}
    if rules:
        policy.attrs["egress_peers"] = rules


def _peer(doc, peer: Any, namespace: str) -> dict[str, Any] | None:
    pod_selector = get(peer, "podSelector")
    if get(peer, "ipBlock") is not None or pod_selector is None:
        return None
    selector, unresolved = _selector(doc, pod_selector)
    if unresolved or not selector:
        return None
    namespace_selector = get(peer, "namespaceSelector")
    if namespace_selector is not None:
        labels, ns_unresolved = _selector(doc, namespace_selector)
        if ns_unresolved or set(labels) != {NAMESPACE_NAME_LABEL}:
            return None
        namespace = canonical_namespace(labels[NAMESPACE_NAME_LABEL])
    return {"selector": selector, "namespace": namespace, "location": doc.source.loc(pod_selector)}


def _namespace(name: str | None) -> str | None:
    return canonical_namespace(name) if name is not None else None
