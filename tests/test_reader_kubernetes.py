"""The Kubernetes reader and linker on real manifests: exact facts, entities and links."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import FIXTURES, scan_tree
from portlint.config import Config
from portlint.discover import SourceFile
from portlint.engine import ScanResult
from portlint.links.kubernetes import containers_of, selected_workloads
from portlint.model import Location, PortFact, Role
from portlint.readers import ReadContext, kubernetes

FORMS = FIXTURES / "readers" / "kubernetes" / "forms"
NOT_K8S = FIXTURES / "readers" / "kubernetes" / "not-kubernetes"


@pytest.fixture(scope="module")
def forms() -> ScanResult:
    return scan_tree(FORMS, select=("PL001",))


def facts_at(result: ScanResult, path: str, line: int) -> list[PortFact]:
    return [f for f in result.graph.facts() if f.location.path == path and f.location.line == line]


def one_fact(result: ScanResult, path: str, line: int, role: Role) -> PortFact:
    found = [f for f in facts_at(result, path, line) if f.role == role]
    assert len(found) == 1, f"{path}:{line} {role}: {found}"
    return found[0]


def summary(fact: PortFact) -> tuple:
    """Everything a rule may rely on, in one comparable tuple."""
    return (fact.owner.id, fact.role.value, fact.value.text, fact.value.number, fact.value.name,
            fact.value.unresolved, fact.protocol, fact.slot, fact.location.line, fact.location.column,
            dict(fact.attrs))


# -- Services -----------------------------------------------------------------------------------


def test_service_numeric_target_port_and_node_port(forms: ScanResult) -> None:
    svc = "k8s/Service:shop/api"
    port = {"field": "port", "port_name": "http"}
    assert summary(one_fact(forms, "service.yaml", 14, Role.EXPOSE)) == (
        svc, "expose", "80", 80, None, False, "TCP", "ports[0]", 14, 13, port)
    assert summary(one_fact(forms, "service.yaml", 15, Role.TARGET)) == (
        svc, "target", "8000", 8000, None, False, "TCP", "ports[0]", 15, 19,
        {"field": "targetPort", "port_name": "http", "accepts_name": True})
    assert summary(one_fact(forms, "service.yaml", 16, Role.PUBLISH)) == (
        svc, "publish", "30080", 30080, None, False, "TCP", "ports[0]", 16, 17,
        {"field": "nodePort", "port_name": "http"})


def test_service_named_target_port(forms: ScanResult) -> None:
    fact = one_fact(forms, "service.yaml", 19, Role.TARGET)
    assert summary(fact) == ("k8s/Service:shop/api", "target", "metrics", None, "metrics", False, "TCP",
                             "ports[1]", 19, 19,
                             {"field": "targetPort", "port_name": "metrics", "accepts_name": True})


def test_omitted_target_port_is_the_port_at_the_port_value(forms: ScanResult) -> None:
    fact = one_fact(forms, "service.yaml", 21, Role.TARGET)
    assert summary(fact) == ("k8s/Service:shop/api", "target", "53", 53, None, False, "UDP", "ports[2]",
                             21, 13, {"field": "targetPort", "port_name": "dns", "accepts_name": True,
                                      "implicit": True})
    exposed = one_fact(forms, "service.yaml", 21, Role.EXPOSE)
    assert exposed.location == fact.location and exposed.protocol == "UDP"


def test_quoted_digits_are_numbers(forms: ScanResult) -> None:
    assert one_fact(forms, "service.yaml", 23, Role.EXPOSE).value.number == 8443
    target = one_fact(forms, "service.yaml", 24, Role.TARGET)
    assert (target.value.number, target.value.text, target.attrs.get("implicit")) == (8443, "8443", None)


def test_service_entities(forms: ScanResult) -> None:
    api = forms.graph.entity("k8s/Service:shop/api")
    assert api is not None and api.location == Location("service.yaml", 5, 9)
    assert api.attrs["selector"] == {"app": "api", "tier": "backend"}
    assert api.attrs["selector_unresolved"] is False
    assert api.attrs["type"] == "NodePort"
    external = forms.graph.entity("k8s/Service:external-db")
    assert external.attrs["selector"] is None
    assert external.attrs["type"] == "ExternalName" and external.attrs["external_name"] == "db.example.com"
    assert forms.graph.entity("k8s/Service:db").attrs["type"] == "ClusterIP"  # the default


# -- workloads and containers -------------------------------------------------------------------

API = "k8s/Deployment:shop/api::k8s/Container:shop/api/api"


def test_container_ports_names_protocols_and_host_port(forms: ScanResult) -> None:
    assert summary(one_fact(forms, "workloads.yaml", 34, Role.LISTEN)) == (
        API, "listen", "8000", 8000, None, False, "TCP", "ports[0]", 34, 30,
        {"field": "containerPort", "port_name": "http",
         "port_name_location": Location("workloads.yaml", 33, 21)})  # where PL110 reports an invalid name
    assert summary(one_fact(forms, "workloads.yaml", 37, Role.PUBLISH)) == (
        API, "publish", "19090", 19090, None, False, "TCP", "ports[1]", 37, 25,
        {"field": "hostPort", "port_name": "metrics", "host_ip": ""})
    # protocol: udp is normalised to upper case
    assert summary(one_fact(forms, "workloads.yaml", 39, Role.LISTEN))[6] == "UDP"


def test_probes_of_every_kind(forms: ScanResult) -> None:
    liveness = one_fact(forms, "workloads.yaml", 58, Role.PROBE)
    assert summary(liveness) == (API, "probe", "http", None, "http", False, "TCP", "livenessProbe", 58, 21,
                                 {"field": "livenessProbe.httpGet.port", "probe": "liveness",
                                  "probe_type": "httpGet", "accepts_name": True})
    readiness = one_fact(forms, "workloads.yaml", 61, Role.PROBE)
    assert (readiness.field, readiness.value.number, readiness.attrs["probe_type"], readiness.slot) == (
        "readinessProbe.tcpSocket.port", 8000, "tcpSocket", "readinessProbe")
    startup = one_fact(forms, "workloads.yaml", 64, Role.PROBE)
    assert (startup.field, startup.value.number, startup.attrs["probe"]) == ("startupProbe.grpc.port", 9090, "startup")
    assert "accepts_name" not in startup.attrs  # a gRPC probe port must be a number


def test_env_port_variables(forms: ScanResult) -> None:
    port = one_fact(forms, "workloads.yaml", 43, Role.CONFIG)
    assert summary(port) == (API, "config", "8000", 8000, None, False, "TCP", "env[0]", 43, 22,
                             {"field": "env.PORT", "env_var": "PORT"})
    admin = one_fact(forms, "workloads.yaml", 45, Role.CONFIG)
    assert (admin.field, admin.attrs["env_var"], admin.value.number) == ("env.ADMIN_PORT", "ADMIN_PORT", 8001)
    expanded = one_fact(forms, "workloads.yaml", 52, Role.CONFIG)
    assert expanded.value.unresolved and expanded.value.text == "$(ENVOY_PORT)"
    config_vars = {f.attrs["env_var"] for f in forms.graph.facts(API, Role.CONFIG)}
    assert config_vars == {"PORT", "ADMIN_PORT", "PROXY_PORT"}  # not valueFrom, not a URL, not HOST


def test_containers_init_sidecar_and_no_ephemeral(forms: ScanResult) -> None:
    workload = forms.graph.entity("k8s/Deployment:shop/api")
    kinds = {c.attrs["container_name"]: c.attrs["container_kind"] for c in containers_of(forms.graph, workload)}
    assert kinds == {"api": "container", "migrate": "init", "proxy": "sidecar"}
    assert workload.attrs["pod_labels"] == {"app": "api", "tier": "backend"}
    assert workload.labels == {"team": "core"}
    assert workload.attrs["labels_unresolved"] is False
    assert not [f for f in forms.graph.facts() if f.value.number == 7777]  # ephemeral container


@pytest.mark.parametrize(("entity_id", "path", "line", "port"), [
    ("k8s/CronJob:report::k8s/Container:report/run", "jobs.yaml", 15, 8080),
    ("k8s/Job:once::k8s/Container:once/run", "jobs.yaml", 27, 8081),
    ("k8s/Pod:solo::k8s/Container:solo/main", "jobs.yaml", 39, 8082),
    ("k8s/StatefulSet:db::k8s/Container:db/postgres", "lists.yaml", 17, 5432),
    ("k8s/DaemonSet:agent::k8s/Container:agent/agent", "lists.yaml", 44, 8126),
    ("k8s/ReplicaSet:rs::k8s/Container:rs/c", "lists.yaml", 59, 8083),
    ("k8s/ReplicationController:rc::k8s/Container:rc/c", "lists.yaml", 74, 8084),
])
def test_every_workload_kind_and_list(forms: ScanResult, entity_id: str, path: str, line: int, port: int) -> None:
    fact = one_fact(forms, path, line, Role.LISTEN)
    assert (fact.owner.id, fact.value.number) == (entity_id, port)
    assert forms.graph.entity(entity_id).ref.parent  # contained in its workload


def test_pod_labels_of_a_pod_and_a_cron_job(forms: ScanResult) -> None:
    assert forms.graph.entity("k8s/Pod:solo").attrs["pod_labels"] == {"app": "solo"}
    assert forms.graph.entity("k8s/CronJob:report").attrs["pod_labels"] == {"app": "report"}
    assert forms.graph.entity("k8s/Job:once").attrs["pod_labels"] == {}


# -- Ingresses ----------------------------------------------------------------------------------


def test_ingress_v1_backends(forms: ScanResult) -> None:
    ingress = forms.graph.entity("k8s/Ingress:shop/web")
    assert ingress.attrs["ingress_class"] == "nginx"
    default = one_fact(forms, "ingress.yaml", 12, Role.TARGET)
    assert summary(default) == ("k8s/Ingress:shop/web", "target", "80", 80, None, False, "TCP", "defaultBackend",
                                12, 17, {"field": "backend.service.port.number", "service": "web"})
    named = one_fact(forms, "ingress.yaml", 23, Role.TARGET)
    assert summary(named) == ("k8s/Ingress:shop/web", "target", "http", None, "http", False, "TCP",
                              "rules[0].paths[0]", 23, 25,
                              {"field": "backend.service.port.name", "service": "api", "path": "/api",
                               "host": "shop.example.com", "accepts_name": True})
    backends = [(b["service"], b["slot"], b["location"]) for b in ingress.attrs["backends"]]
    assert backends == [("web", "defaultBackend", Location("ingress.yaml", 10, 13)),
                        ("api", "rules[0].paths[0]", Location("ingress.yaml", 21, 23))]  # resource backend ignored


def test_ingress_v1beta1_backends(forms: ScanResult) -> None:
    ingress = forms.graph.entity("k8s/Ingress:legacy")
    assert ingress.attrs["ingress_class"] == "alb"
    default = one_fact(forms, "ingress.yaml", 41, Role.TARGET)
    assert (default.field, default.slot, default.value.number, default.attrs["service"]) == (
        "backend.servicePort", "defaultBackend", 80, "web")
    named = one_fact(forms, "ingress.yaml", 48, Role.TARGET)
    assert (named.value.name, named.attrs["service"], named.attrs["path"], named.attrs["accepts_name"]) == (
        "http", "api", "/old", True)


# -- links --------------------------------------------------------------------------------------


def test_selects_within_namespace_by_every_selector_pair(forms: ScanResult) -> None:
    links = {(link.source, link.target): link for link in forms.graph.links("selects")}
    assert set(links) == {("k8s/Service:shop/api", "k8s/Deployment:shop/api"),
                          ("k8s/Service:db", "k8s/StatefulSet:db")}
    link = links[("k8s/Service:shop/api", "k8s/Deployment:shop/api")]
    assert link.reason == ("selector app=api, tier=backend matches the pod template labels of "
                           "Deployment api (ns shop)")
    assert link.locations == (Location("service.yaml", 10, 5), Location("workloads.yaml", 15, 9))
    api = forms.graph.entity("k8s/Service:shop/api")
    assert [w.id for w in selected_workloads(forms.graph, api)] == ["k8s/Deployment:shop/api"]


def test_routes_to_same_namespace_only(forms: ScanResult) -> None:
    links = list(forms.graph.links("routes-to"))
    assert [(link.source, link.target, link.attr("port")) for link in links] == [
        ("k8s/Ingress:shop/web", "k8s/Service:shop/api", "http")]
    assert links[0].reason == "backend /api names Service api port http"
    assert Location("ingress.yaml", 21, 23) in links[0].locations


def test_named_target_port_by_name_and_protocol(forms: ScanResult) -> None:
    from dataclasses import replace

    from portlint.model import PortValue, Role
    from portlint.query import target_match

    api = forms.graph.entity("k8s/Service:shop/api")
    written = forms.graph.facts(api, Role.TARGET)[0]

    def reached(name: str, protocol: str) -> list[tuple[int | None, str]]:
        target = replace(written, value=PortValue.parse(name), protocol=protocol)
        match = target_match(forms.graph, api, target)
        return [(f.value.number, f.protocol) for pod in match.pods for f in pod.reached]

    assert reached("metrics", "TCP") == [(9090, "TCP")]
    assert reached("dns", "UDP") == [(53, "UDP")]
    assert reached("dns", "TCP") == []  # the name exists, over UDP only
    assert reached("envoy", "TCP") == [(15001, "TCP")]  # a native sidecar
    assert reached("nope", "TCP") == []


def test_environment_comes_from_the_path(tmp_path: Path) -> None:
    for env in ("dev", "prod"):
        (tmp_path / env).mkdir()
        (tmp_path / env / "app.yaml").write_text((FORMS / "service.yaml").read_text() + "---\n"
                                                 + (FORMS / "workloads.yaml").read_text())
    result = scan_tree(tmp_path, select=("PL001",))
    services = {s.id: s for s in result.graph.entities("k8s/Service")}
    assert {s.attrs["name"] for s in services.values()} == {"api", "external-db"}
    assert services["k8s/Service:shop/api"].environment == "dev"
    assert services["k8s/Service:shop/api#2"].environment == "prod"  # the same name twice stays two entities
    pairs = {(link.source, link.target) for link in result.graph.links("selects")}
    assert pairs == {("k8s/Service:shop/api", "k8s/Deployment:shop/api"),
                     ("k8s/Service:shop/api#2", "k8s/Deployment:shop/api#2")}  # never across environments
    facts = result.graph.facts("k8s/Service:shop/api#2")
    assert facts and {f.environment for f in facts} == {"prod"}


# -- what is not Kubernetes ---------------------------------------------------------------------


def test_non_kubernetes_yaml_is_never_read() -> None:
    result = scan_tree(NOT_K8S, select=("PL001",))
    assert [e for e in result.graph.entities() if e.ref.kind.startswith("k8s/")] == []
    assert [f for f in result.graph.failures if f.reader == kubernetes.NAME] == []


def test_wants_yaml_only() -> None:
    ctx = ReadContext(root=Path("."), config=Config())

    def source(name: str) -> SourceFile:
        return SourceFile(path=Path(name), rel=name, size=1)

    assert [n for n in ("a.yaml", "b.YML", "c.json", "d.tpl", "e.txt") if kubernetes.wants(source(n), ctx)] == [
        "a.yaml", "b.YML"]


def test_text_without_api_version_and_kind_is_not_parsed(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "plain.yaml").write_text("a: [unclosed\n")
    calls = []
    monkeypatch.setattr(kubernetes, "compose", lambda text: calls.append(text) or ([], []))
    scan_tree(tmp_path, select=("PL001",))
    assert calls == []


def test_broken_document_does_not_hide_the_others(tmp_path: Path) -> None:
    (tmp_path / "multi.yaml").write_text(
        "apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec: {ports: [{port: 80}]}\n"
        "---\napiVersion: v1\nkind: Service\nmetadata: {name: b\n"
        "---\napiVersion: v1\nkind: Service\nmetadata: {name: c}\nspec: {ports: [{port: 82}]}\n")
    result = scan_tree(tmp_path, select=("PL001",))
    assert sorted(e.attrs["name"] for e in result.graph.entities("k8s/Service")) == ["a", "c"]
    assert [(f.location.path, f.location.line) for f in result.graph.failures] == [("multi.yaml", 9)]
    assert one_fact(result, "multi.yaml", 13, Role.EXPOSE).value.number == 82  # lines stay exact


def test_columns_count_characters_not_bytes(tmp_path: Path) -> None:
    (tmp_path / "svc.yaml").write_text(
        "apiVersion: v1\nkind: Service\nmetadata: {name: café, labels: {zoé: é}}\n"
        "spec: {selector: {ü: x}, ports: [{name: ünï, port: 80}]}\n", encoding="utf-8")
    result = scan_tree(tmp_path, select=("PL001",))
    fact = one_fact(result, "svc.yaml", 4, Role.EXPOSE)
    assert fact.location.column == len("spec: {selector: {ü: x}, ports: [{name: ünï, port: ") + 1


def test_anchors_and_merge_keys(tmp_path: Path) -> None:
    (tmp_path / "merge.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: m\n  labels: &labels {app: m}\nspec:\n  containers:\n"
        "    - &base\n      name: a\n      ports: [{containerPort: 8000, name: http}]\n"
        "    - <<: *base\n      name: b\n")
    result = scan_tree(tmp_path, select=("PL001",))
    owners = sorted(f.owner.id for f in result.graph.facts(role=Role.LISTEN))
    assert owners == ["k8s/Pod:m::k8s/Container:m/a", "k8s/Pod:m::k8s/Container:m/b"]  # b merges a's ports
    assert result.graph.entity("k8s/Pod:m").attrs["pod_labels"] == {"app": "m"}


def test_a_parse_shared_by_another_reader_is_reused(tmp_path: Path, monkeypatch) -> None:
    from portlint.readers import _yaml

    path = tmp_path / "svc.yaml"
    path.write_text("apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {ports: [{port: 80}]}\n")
    ctx = ReadContext(root=tmp_path, config=Config())
    ctx.cache["yaml:svc.yaml"] = _yaml.compose_documents(path.read_text())
    monkeypatch.setattr(kubernetes, "compose", lambda text: pytest.fail("parsed twice"))
    output = kubernetes.read([SourceFile(path=path, rel="svc.yaml", size=path.stat().st_size)], ctx)
    assert [e.attrs["name"] for e in output.entities] == ["s"]


def test_own_parses_are_not_pinned_in_the_scan_cache(tmp_path: Path) -> None:
    """Node trees kept until the end of the scan make every GC pass slower: not ours to keep."""
    path = tmp_path / "svc.yaml"
    path.write_text("apiVersion: v1\nkind: Service\nmetadata: {name: s}\n")
    ctx = ReadContext(root=tmp_path, config=Config())
    kubernetes.read([SourceFile(path=path, rel="svc.yaml", size=path.stat().st_size)], ctx)
    assert not [key for key in ctx.cache if key.startswith("yaml")]


@pytest.mark.parametrize(("text", "ports"), [
    ('health {\n  bind_address = "0.0.0.0"\n  bind_port = "7080"\n}\n', {7080}),
    ("server {\n    listen 8443 ssl;\n    keepalive_timeout 65;\n}\n", {8443}),
    ('{"http_port": 3000, "timeout": 3001}', set()),  # one line: the key is `{"http_port"`, not a setting
    ('{\n  "http_port": 3000,\n  "timeout": 3001\n}', {3000}),
    ("METRICS_PORT: 9102\nFLUSH_INTERVAL: 9101\n", {9102}),
    ("address: 0.0.0.0:8080\nupstream: http://db:5432\n", {8080}),
    ("listen_addr=:9090\ncache_size=4096\n", {9090}),
    ("backend_url: http://orders:8081/api\n", set()),  # a client address: where it connects
])
def test_config_listen_ports(text: str, ports: set[int]) -> None:
    from portlint.readers._k8s_args import config_listen_ports

    assert config_listen_ports(text) == ports


def test_container_reads_config_maps_from_volumes_env_from_and_key_refs(tmp_path: Path) -> None:
    (tmp_path / "pod.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: c\n"
        "      image: i\n      volumeMounts: [{name: conf, mountPath: /etc/c}, {name: other, mountPath: /x}]\n"
        "      envFrom: [{configMapRef: {name: env-a}}, {secretRef: {name: s}}]\n"
        "      env: [{name: X, valueFrom: {configMapKeyRef: {name: env-b, key: X}}}]\n"
        "  volumes:\n    - name: conf\n      configMap: {name: files}\n"
        "    - name: other\n      projected: {sources: [{configMap: {name: projected-c}}, {secret: {name: t}}]}\n"
        "    - name: unused\n      configMap: {name: not-mounted}\n")
    result = scan_tree(tmp_path, select=("PL001",))
    container = next(result.graph.entities("k8s/Container"))
    assert container.attrs["config_maps"] == ["env-a", "env-b", "files", "projected-c"]


def test_admission_policy_test_inputs_are_dropped_with_one_note() -> None:
    result = scan_tree(FIXTURES / "rules" / "PL105" / "silent-admission-policy-test-inputs")
    assert [e.ref.kind for e in result.graph.entities("k8s/Ingress")] == []
    [note] = [f for f in result.findings if f.rule_id == "PL001"]
    assert note.severity.value == "note" and note.location.short.endswith("require-tls/tests/plain-http.yaml:1")
    assert "tests/ beside the admission policy policy.yaml holds its test inputs (1 file(s))" in note.message


_CRD = """apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  names: {kind: Widget, plural: widgets}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          port: {type: integer, description: "kind: Service is only text here"}
"""
_SERVICE = """apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports:
  - port: 80
    targetPort: 8080
"""


def test_crd_documents_are_not_composed_and_the_rest_keeps_its_lines(tmp_path: Path, monkeypatch) -> None:
    """A CRD declares a schema, never a port: a bundle's CRDs are skipped, and the Service after
    them is read at its own line; a broken document beside them is still an error at its line."""
    from portlint.readers import _yaml

    composed: list[str] = []
    real = _yaml.compose_documents
    monkeypatch.setattr(_yaml, "compose_documents", lambda text: composed.append(text) or real(text))
    (tmp_path / "install.yaml").write_text(f"{_CRD}---\n{_CRD}---\n{_SERVICE}", encoding="utf-8")
    result = scan_tree(tmp_path)
    assert composed and not [text for text in composed if "CustomResourceDefinition" in text]
    facts = [f for f in result.graph.facts() if f.location.path == "install.yaml"]
    crd_lines = _CRD.count("\n")
    assert sorted((f.location.line, f.value.number) for f in facts) == [(2 * (crd_lines + 1) + 7, 80),
                                                                        (2 * (crd_lines + 1) + 8, 8080)]
    assert not [e for e in result.graph.entities() if "widgets" in e.id]
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "install.yaml").write_text(f"{_CRD}---\nkind: [unclosed\n---\n{_SERVICE}", encoding="utf-8")
    result = scan_tree(broken)
    errors = [f for f in result.graph.failures if "invalid YAML" in f.message]
    assert [e.location.line for e in errors] == [crd_lines + 3]
    assert any(f.value.number == 8080 for f in result.graph.facts())
