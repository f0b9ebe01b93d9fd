"""Gateway API, Istio, Prometheus Operator objects and load balancer annotations (readers/_k8s_routes.py)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from conftest import scan_tree
from portlint.links.kubernetes_routes import egress_workloads, monitored
from portlint.model import Role
from portlint.readers._k8s_routes import parse_listen_ports, service_of_host


@pytest.mark.parametrize(("host", "expected"), [
    ("reviews", ("shop", "reviews")),
    ("reviews.prod.svc.cluster.local", ("prod", "reviews")),
    ("reviews.prod.svc", ("prod", "reviews")),
    ("reviews.prod.svc.corp.internal", ("prod", "reviews")),
    ("reviews.prod", None),  # Istio takes a dotted host as written: no registry Service
    ("www.example.com", None),
    ("*.example.com", None),
    ("", None),
])
def test_istio_host_names_a_service_as_istio_resolves_it(host: str, expected) -> None:
    assert service_of_host(host, "shop") == expected


@pytest.mark.parametrize(("text", "problem", "pairs"), [
    ('[{"HTTP": 80}, {"HTTPS": 443}]', None, [("HTTP", 80), ("HTTPS", 443)]),
    ('[{"HTTP": 8080, "HTTPS": 8443}]', None, [("HTTP", 8080), ("HTTPS", 8443)]),
    ('[{"HTTP": 80},]', "is not valid JSON", []),
    ('{"HTTP": 80}', "is not a non-empty JSON list", []),
    ("[]", "is not a non-empty JSON list", []),
    ('[{"TCP": 80}]', "names protocol 'TCP'", []),
    ('[{"HTTPS": "443"}]', 'gives port "443"', []),
    ('[{"HTTPS": true}]', "gives port true", []),
    ("[" * 100_000, "is not valid JSON", []),
])
def test_listen_ports_parse_like_the_controller(text: str, problem, pairs) -> None:
    found, read = parse_listen_ports(text)
    assert (found is None) == (problem is None)
    if problem is not None:
        assert problem in found
    assert read == pairs


def test_deeply_nested_listen_ports_is_quick() -> None:
    start = time.process_time()
    parse_listen_ports("[" * 1_000_000)
    assert time.process_time() - start < 2


def _write(tmp_path: Path, name: str, text: str) -> Path:
    (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


ROUTE = """\
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: web
  namespace: shop
spec:
  parentRefs:
    - name: edge
      namespace: infra
      sectionName: https
  rules:
    - backendRefs:
        - name: web
          port: 8080
        - name: web
          namespace: {{ .Values.ns }}
          port: 80
        - name: mirror
          kind: ServiceImport
          group: multicluster.x-k8s.io
          port: 80
        - name: legacy
          port: {{ .Values.port }}
"""


def test_gateway_route_backends_parents_and_templates(tmp_path: Path) -> None:
    graph = scan_tree(_write(tmp_path, "route.yaml", ROUTE)).graph
    route = next(iter(graph.entities("k8s/HTTPRoute")))
    assert route.ref.namespace == "shop"
    assert [(b["service"], b["namespace"], b["port"]) for b in route.attrs["backends"]] == [
        ("web", "shop", "8080"), ("legacy", "shop", "{{ .Values.port }}")]
    assert [(p["gateway"], p["namespace"], p["section"]) for p in route.attrs["parents"]] == [("edge", "infra", "https")]
    facts = graph.facts(route, Role.TARGET)
    assert [(f.value.text, f.value.unresolved, f.location.line) for f in facts] == [
        ("8080", False, 14), ("{{ .Values.port }}", True, 23)]


def test_monitors_link_by_service_labels_and_namespaces(tmp_path: Path) -> None:
    text = """\
apiVersion: v1
kind: Service
metadata: {name: api, namespace: prod, labels: {team: core}}
spec:
  selector: {app: api}
  ports: [{name: metrics, port: 9100}]
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: stage, labels: {team: core}}
spec:
  selector: {app: api}
  ports: [{name: metrics, port: 9100}]
---
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata: {name: core, namespace: monitoring}
spec:
  namespaceSelector: {matchNames: [prod]}
  selector: {matchLabels: {team: core}}
  endpoints: [{port: metrics}]
---
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata: {name: everywhere, namespace: monitoring}
spec:
  namespaceSelector: {any: true}
  selector: {matchLabels: {team: core}}
  endpoints: [{port: metrics}]
---
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata: {name: all-services, namespace: monitoring}
spec:
  namespaceSelector: {any: true}
  selector: {}
  endpoints: [{port: metrics}]
"""
    graph = scan_tree(_write(tmp_path, "monitors.yaml", text)).graph
    by_name = {m.attrs["name"]: m for m in graph.entities("k8s/ServiceMonitor")}
    assert [s.ref.namespace for s in monitored(graph, by_name["core"])] == ["prod"]
    assert sorted(s.ref.namespace for s in monitored(graph, by_name["everywhere"])) == ["prod", "stage"]
    assert monitored(graph, by_name["all-services"]) == []  # an empty selector says nothing about one Service
    assert [f.attrs["monitor_field"] for f in graph.facts(by_name["core"], Role.TARGET)] == ["port"]


def test_egress_peers_resolve_only_pod_selectors(tmp_path: Path) -> None:
    text = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: db, namespace: data}
spec:
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: db, ports: [{containerPort: 5432}]}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: out, namespace: shop}
spec:
  podSelector: {matchLabels: {app: api}}
  egress:
    - to:
        - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: data}}
          podSelector: {matchLabels: {app: db}}
      ports: [{port: 5432}]
    - to:
        - namespaceSelector: {matchLabels: {team: data}}
          podSelector: {matchLabels: {app: db}}
    - to:
        - podSelector: {matchLabels: {app: db}}
    - ports: [{port: 53, protocol: UDP}]
"""
    graph = scan_tree(_write(tmp_path, "policy.yaml", text)).graph
    policy = next(iter(graph.entities("k8s/NetworkPolicy")))
    assert [w.attrs["name"] for w in egress_workloads(graph, policy, 0)] == ["db"]
    assert egress_workloads(graph, policy, 1) is None  # namespaces by another label: unknown
    assert egress_workloads(graph, policy, 2) == []  # no db pods in shop
    assert egress_workloads(graph, policy, 3) is None  # no peers: everywhere
    assert [f.attrs["rule_index"] for f in graph.facts(policy, Role.ALLOW)] == [0, 3]


def test_annotations_that_are_not_strings_or_are_templates_are_not_guessed(tmp_path: Path) -> None:
    text = """\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  annotations:
    alb.ingress.kubernetes.io/listen-ports: {{ .Values.listen | quote }}
    alb.ingress.kubernetes.io/healthcheck-port: traffic-port
spec:
  defaultBackend: {service: {name: web, port: {number: 80}}}
"""
    graph = scan_tree(_write(tmp_path, "ingress.yaml", text)).graph
    ingress = next(iter(graph.entities("k8s/Ingress")))
    assert ingress.attrs.get("listen_ports_unresolved") is True
    assert graph.facts(ingress, Role.EXPOSE) == [] and graph.facts(ingress, Role.PROBE) == []


def test_routes_without_namespace_attach_only_to_gateways_beside_or_above(tmp_path: Path) -> None:
    gateway = ("apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: gw}\nspec:\n"
               "  listeners: [{name: tls, protocol: TLS, port: 443}]\n")
    route = ("apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: web}\nspec:\n"
             "  parentRefs: [{name: gw}]\n")
    for folder in ("examples/tls", "examples/http", "apps"):
        (tmp_path / folder).mkdir(parents=True)
    (tmp_path / "examples/tls/gateway.yaml").write_text(gateway, encoding="utf-8")
    (tmp_path / "examples/http/route.yaml").write_text(route, encoding="utf-8")  # a sibling's Gateway: no
    (tmp_path / "gateway.yaml").write_text(gateway.replace("TLS", "HTTP"), encoding="utf-8")
    (tmp_path / "apps/route.yaml").write_text(route.replace("web", "app"), encoding="utf-8")  # the root's: yes
    graph = scan_tree(tmp_path).graph
    assert sorted((graph.entity(link.source).location.path, graph.entity(link.target).location.path)
                  for link in graph.links("attaches-to")) == [("apps/route.yaml", "gateway.yaml"),
                                                              ("examples/http/route.yaml", "gateway.yaml")]


def test_service_port_names_may_be_63_characters(tmp_path: Path) -> None:
    """Ingress ``port.name``, ServiceMonitor ``port`` and named health-check ports name *Service*
    ports (DNS labels up to 63 characters), not 15-character container port names."""
    name = "https-metrics-secure-long"
    text = f"""\
apiVersion: v1
kind: Service
metadata: {{name: s, labels: {{a: b}}}}
spec:
  selector: {{a: b}}
  ports: [{{name: {name}, port: 9443}}]
---
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata: {{name: sm}}
spec:
  selector: {{matchLabels: {{a: b}}}}
  endpoints: [{{port: {name}}}, {{port: Not_A_Label}}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: i
  annotations:
    alb.ingress.kubernetes.io/healthcheck-port: {name}
spec:
  defaultBackend: {{service: {{name: s, port: {{name: {name}}}}}}}
"""
    result = scan_tree(_write(tmp_path, "m.yaml", text), select=("ALL",))
    assert [(f.rule_id, f.location.line) for f in result.findings if f.rule_id != "PL107"] == [("PL002", 13)]
    names = [f.value.name for f in result.graph.facts() if f.value.text == name]
    assert names == [name] * 3
