"""Helm: chart detection, values.yaml resolution with both locations, and nothing guessed."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import FIXTURES, scan_tree
from portlint.engine import ScanResult
from portlint.model import Location, PortFact, Role
from portlint.readers import _helm, _yaml

HELM = FIXTURES / "readers" / "helm"
DEPLOYMENT = "shop/templates/deployment.yaml"
FULLNAME = '{{ include "shop.fullname" . }}'
CONTAINER = f"k8s/Deployment:{FULLNAME}::k8s/Container:{FULLNAME}/{{{{ .Chart.Name }}}}"


@pytest.fixture(scope="module")
def helm() -> ScanResult:
    return scan_tree(HELM, select=("PL001",))


def fact(result: ScanResult, path: str, line: int, role: Role) -> PortFact:
    found = [f for f in result.graph.facts() if f.location.path == path and f.location.line == line
             and f.role == role]
    assert len(found) == 1, found
    return found[0]


def test_values_reference_resolves_with_template_and_values_lines(helm: ScanResult) -> None:
    port = fact(helm, DEPLOYMENT, 22, Role.LISTEN)
    assert (port.owner.id, port.value.number, port.value.unresolved) == (CONTAINER, 8000, False)
    assert port.location == Location(DEPLOYMENT, 22, 30)
    assert port.value.defined_at == (Location("shop/values.yaml", 8, 9),)


def test_default_applies_when_values_lack_the_key(helm: ScanResult) -> None:
    admin = fact(helm, DEPLOYMENT, 25, Role.LISTEN)
    assert (admin.value.number, admin.value.defined_at) == (8001, ())
    prefix_form = fact(helm, "shop/templates/service.yaml", 12, Role.EXPOSE)  # {{ default 9000 .Values.x }}
    assert (prefix_form.value.number, prefix_form.value.defined_at) == (9000, ())


def test_quote_and_int(helm: ScanResult) -> None:
    env = fact(helm, DEPLOYMENT, 28, Role.CONFIG)
    assert (env.value.number, env.value.defined_at) == (8000, (Location("shop/values.yaml", 8, 9),))
    probe = fact(helm, DEPLOYMENT, 34, Role.PROBE)  # {{ .Values.app.portText | int }} of "8000"
    assert (probe.value.number, probe.value.defined_at) == (8000, (Location("shop/values.yaml", 9, 13),))


def test_partial_and_unresolvable_templates_stay_unresolved(helm: ScanResult) -> None:
    partial = fact(helm, DEPLOYMENT, 30, Role.CONFIG)
    assert partial.value.unresolved and partial.value.text == "{{ .Values.app.port }}1"
    missing = fact(helm, DEPLOYMENT, 37, Role.PROBE)
    assert missing.value.unresolved and missing.value.text == "{{ .Values.app.missing }}"
    assert missing.value.number is None and missing.value.defined_at == ()


def test_templated_labels_and_selectors_link_nothing(helm: ScanResult) -> None:
    deployment = helm.graph.entity(f"k8s/Deployment:{FULLNAME}")
    assert deployment.attrs["labels_unresolved"] is True and deployment.attrs["name_unresolved"] is True
    assert deployment.attrs["chart"] == "shop"
    service = helm.graph.entity(f"k8s/Service:{FULLNAME}")
    assert service.attrs["selector_unresolved"] is True
    assert list(helm.graph.links("selects")) == []
    assert "ports_unresolved" not in helm.graph.entity(CONTAINER).attrs  # `with` around resources only


def test_same_template_name_routes_within_the_chart(helm: ScanResult) -> None:
    """The backend names the Service as {{ include "shop.fullname"  $ }}: the same name, spelt differently."""
    ingress = helm.graph.entity(f"k8s/Ingress:{FULLNAME}")  # {{ .Release.Namespace }} is the default namespace
    assert ingress is not None and ingress.ref.namespace == ""
    assert ingress.attrs["backends"][0]["name_unresolved"] is True
    assert ingress.attrs["backends"][0]["service"] == FULLNAME
    [link] = helm.graph.links("routes-to")
    assert link.target == f"k8s/Service:{FULLNAME}" and link.attr("port") == "80"
    backend = fact(helm, "shop/templates/ingress.yaml", 17, Role.TARGET)
    assert backend.value.defined_at == (Location("shop/values.yaml", 6, 9),)


def test_templates_outside_a_chart_are_read_unresolved(helm: ScanResult) -> None:
    facts = [f for f in helm.graph.facts() if f.location.path == "loose/deployment.yaml"]
    assert [(f.location.line, f.value.text, f.value.unresolved) for f in facts] == [
        (16, "{{ .Values.port }}", True), (17, "8000", False)]
    loose = helm.graph.entity("k8s/Deployment:fastapi-deployment")
    assert loose.attrs["pod_labels"] == {"app": "fastapi"} and "chart" not in loose.attrs


def test_broken_template_is_a_failure_and_the_rest_is_read(helm: ScanResult) -> None:
    assert [(f.location, f.reader) for f in helm.graph.failures] == [
        (Location("shop/templates/broken.yaml", 8, 6), "kubernetes")]
    assert helm.graph.entity(f"k8s/Service:{FULLNAME}") is not None


def test_templated_ports_list_marks_the_container(tmp_path: Path) -> None:
    """Template-only lines inside (or able to insert) a list mark it unresolved; others do not."""
    chart = tmp_path / "c"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: c\nversion: 1.0.0\n")
    (chart / "templates" / "d.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  template:\n"
        "    metadata:\n      labels:\n        app: {{ .Values.app }}\n    spec:\n      containers:\n"
        "        - name: a\n          ports:\n            {{- toYaml .Values.ports | nindent 12 }}\n"
        "        - name: b\n          image: b\n          {{- include \"c.ports\" . | nindent 10 }}\n"
        "        - name: c\n          ports: [{containerPort: 80}]\n          {{- with .Values.env }}\n"
        "          env: {{- toYaml . | nindent 12 }}\n          {{- end }}\n"
        "        {{- include \"c.extraContainers\" . | nindent 8 }}\n"
        "      {{- with .Values.nodeSelector }}\n      nodeSelector: {}\n      {{- end }}\n")
    result = scan_tree(tmp_path, select=("PL001",))
    deployment = result.graph.entity("k8s/Deployment:d")
    assert result.graph.failures == []
    assert deployment.attrs["labels_unresolved"] is True  # values.yaml is missing: app is unknown
    assert deployment.attrs.get("containers_unresolved") is True  # extraContainers, not nodeSelector
    containers = {c.attrs["container_name"]: c.attrs for c in result.graph.children(deployment.id)}
    assert "ports_unresolved" not in containers["c"]  # declares its ports; the templates are elsewhere
    assert containers["a"].get("ports_unresolved") is True
    assert containers["b"].get("ports_unresolved") is True  # an include at key level may add ports


# -- the resolver itself ------------------------------------------------------------------------


def _chart(values: str) -> _helm.Chart:
    return _helm.Chart("c", _yaml.compose_documents(values)[0], "c/values.yaml")


@pytest.mark.parametrize(("action", "raw"), [
    ("{{ .Values.a.b }}", 8080),
    ("{{- .Values.a.b -}}", 8080),
    ("{{ $.Values.a.b }}", 8080),
    ("{{ .Values.a.b | quote }}", "8080"),
    ("{{ .Values.a.b | toString }}", "8080"),
    ("{{ .Values.a.s | int }}", 9000),
    ("{{ .Values.a.missing | default 7000 }}", 7000),
    ("{{ .Values.a.zero | default 7000 }}", 7000),
    ("{{ .Values.a.b | default 7000 }}", 8080),
    ("{{ default 7000 .Values.a.missing }}", 7000),
    ("{{ .Values.a.missing | default \"http\" }}", "http"),
    ("{{ quote .Values.a.b }}", "8080"),
])
def test_resolve(action: str, raw) -> None:
    chart = _chart("a:\n  b: 8080\n  s: \"9000\"\n  zero: 0\n  map: {x: 1}\n")
    resolved = _helm.resolve(action, chart)
    assert resolved is not None and resolved.raw == raw


@pytest.mark.parametrize("action", [
    "{{ .Values.a.missing }}",
    "{{ .Values.a.map }}",
    "{{ .Values.a.s | int | add 1 }}",
    "{{ include \"x\" . }}",
    "{{ .Release.Name }}",
    "{{ $port := .Values.a.b }}",
    "{{ (.Values.a.b) }}",
    "{{ .Values.a.name | int }}",
    "{{ .Values.a.missing | quote }}",
])
def test_unresolvable(action: str) -> None:
    chart = _chart("a:\n  b: 8080\n  s: \"9000\"\n  name: http\n  map: {x: 1}\n")
    assert _helm.resolve(action, chart) is None


def test_defined_at_is_the_values_line() -> None:
    resolved = _helm.resolve("{{ .Values.a.b }}", _chart("x: 1\na:\n  b: 8080\n"))
    assert resolved.defined_at == (Location("c/values.yaml", 3, 6),)


def test_without_values_file_only_defaults_resolve(tmp_path: Path) -> None:
    chart = _helm.load_chart(tmp_path, "c", "c/values.yaml", 1000)
    assert (chart.values, chart.failure) == (None, None)
    assert _helm.resolve("{{ .Values.a }}", chart) is None
    assert _helm.resolve("{{ .Values.a | default 5 }}", chart) == _helm.Resolved(5, ())


def test_unreadable_values_file_resolves_nothing(tmp_path: Path) -> None:
    (tmp_path / "values.yaml").write_text("- a list\n- is not values\n")
    chart = _helm.load_chart(tmp_path, "c", "c/values.yaml", 1000)
    assert chart.failure is not None and chart.failure.line == 1
    assert _helm.resolve("{{ .Values.a | default 5 }}", chart) is None


def test_broken_values_file_is_reported_once(tmp_path: Path) -> None:
    chart = tmp_path / "c"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: c\nversion: 1.0.0\n")
    (chart / "values.yaml").write_text("port: [8000\n")
    for name in ("a", "b"):
        (chart / "templates" / f"{name}.yaml").write_text(
            f"apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\nspec:\n"
            "  ports:\n    - port: {{ .Values.port }}\n")
    result = scan_tree(tmp_path, select=("PL001",))
    assert [f.location.path for f in result.graph.failures] == ["c/values.yaml"]
    assert all(f.value.unresolved for f in result.graph.facts())


def test_templates_beside_the_containers_do_not_mark_them(tmp_path: Path) -> None:
    chart = tmp_path / "c"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: c\nversion: 1.0.0\n")
    (chart / "templates" / "d.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  template:\n"
        "    metadata:\n      labels:\n        app: d\n    spec:\n      containers:\n        - name: a\n"
        "          ports: [{containerPort: 80}]\n      {{- with .Values.nodeSelector }}\n"
        "      nodeSelector: {{- toYaml . | nindent 8 }}\n      {{- end }}\n")
    result = scan_tree(tmp_path, select=("PL001",))
    deployment = result.graph.entity("k8s/Deployment:d")
    assert deployment.attrs["labels_unresolved"] is False and deployment.attrs["pod_labels"] == {"app": "d"}
    assert "containers_unresolved" not in deployment.attrs
    assert ["ports_unresolved" in c.attrs for c in result.graph.children(deployment.id)] == [False]
