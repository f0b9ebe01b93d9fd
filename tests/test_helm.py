"""Helm: charts rendered by portlint.helm (like `helm template`), facts at template lines with the
values lines they came from, nothing guessed."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from conftest import FIXTURES, scan_tree
from portlint.engine import ScanResult
from portlint.helm.exec import Engine
from portlint.helm.render import functions
from portlint.helm.values import UNKNOWN
from portlint.model import Location, PortFact, Role

HELM = FIXTURES / "readers" / "helm"
SCAFFOLD = FIXTURES / "readers" / "helm-scaffold"
DEPLOYMENT = "shop/templates/deployment.yaml"
CONTAINER = "k8s/Deployment:release-name-shop::k8s/Container:release-name-shop/shop"


@pytest.fixture(scope="module")
def helm() -> ScanResult:
    return scan_tree(HELM, select=("PL001",))


@pytest.fixture(scope="module")
def scaffold() -> ScanResult:
    return scan_tree(SCAFFOLD)


def fact(result: ScanResult, path: str, line: int, role: Role) -> PortFact:
    found = [f for f in result.graph.facts() if f.location.path == path and f.location.line == line
             and f.role == role]
    assert len(found) == 1, found
    return found[0]


def render(text: str, values: dict | None = None, helpers: str = "") -> tuple[str, list[str]]:
    engine = Engine(functions())
    if helpers:
        engine.add("c/templates/_helpers.tpl", helpers)
    engine.add("c/templates/t.yaml", text)
    result = engine.render("c/templates/t.yaml", {"Values": values or {}, "Release": {"Name": "rel"}})
    return result.text, [n.message for n in result.notes]


# -- the reader on a chart ----------------------------------------------------------------------


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


def test_quote_and_int_keep_the_values_line(helm: ScanResult) -> None:
    env = fact(helm, DEPLOYMENT, 28, Role.CONFIG)
    assert (env.value.number, env.value.defined_at) == (8000, (Location("shop/values.yaml", 8, 9),))
    probe = fact(helm, DEPLOYMENT, 34, Role.PROBE)  # {{ .Values.app.portText | int }} of "8000"
    assert (probe.value.number, probe.value.defined_at) == (8000, (Location("shop/values.yaml", 9, 13),))


def test_text_around_a_value_renders_as_helm_does(helm: ScanResult) -> None:
    """``"{{ .Values.app.port }}1"`` is 80001 in the rendered manifest: read as that, not guessed."""
    worker = fact(helm, DEPLOYMENT, 30, Role.CONFIG)
    assert (worker.value.number, worker.value.unresolved) == (80001, False)
    assert worker.value.defined_at == (Location("shop/values.yaml", 8, 9),)


def test_missing_key_empties_a_required_port_and_is_named(helm: ScanResult) -> None:
    missing = fact(helm, DEPLOYMENT, 37, Role.PROBE)
    assert missing.value.text == "" and not missing.value.unresolved
    assert missing.attrs["missing_values_key"] == ".Values.app.missing"


def test_included_labels_link_service_and_workload(helm: ScanResult) -> None:
    deployment = helm.graph.entity("k8s/Deployment:release-name-shop")
    assert deployment.attrs["pod_labels"] == {"app": "shop"} and not deployment.attrs["labels_unresolved"]
    assert deployment.attrs["chart"] == "shop"
    [link] = helm.graph.links("selects")
    assert (link.source, link.target) == ("k8s/Service:release-name-shop", "k8s/Deployment:release-name-shop")


def test_ingress_routes_to_the_rendered_service(helm: ScanResult) -> None:
    ingress = helm.graph.entity("k8s/Ingress:release-name-shop")
    assert ingress is not None and ingress.ref.namespace == ""  # .Release.Namespace is the apply's
    [link] = helm.graph.links("routes-to")
    assert link.target == "k8s/Service:release-name-shop" and link.attr("port") == "80"
    backend = fact(helm, "shop/templates/ingress.yaml", 17, Role.TARGET)
    assert backend.value.defined_at == (Location("shop/values.yaml", 6, 9),)


def test_templates_outside_a_chart_are_read_unresolved(helm: ScanResult) -> None:
    facts = [f for f in helm.graph.facts() if f.location.path == "loose/deployment.yaml"]
    assert [(f.location.line, f.value.text, f.value.unresolved) for f in facts] == [
        (16, "{{ .Values.port }}", True), (17, "8000", False)]
    loose = helm.graph.entity("k8s/Deployment:fastapi-deployment")
    assert loose.attrs["pod_labels"] == {"app": "fastapi"} and "chart" not in loose.attrs


def test_broken_template_is_a_failure_at_its_template_line(helm: ScanResult) -> None:
    assert [(f.location, f.reader, f.severity.value) for f in helm.graph.failures] == [
        (Location("shop/templates/broken.yaml", 8, 6), "kubernetes", "error")]
    assert helm.graph.entity("k8s/Service:release-name-shop") is not None


# -- the scaffold-style chart: the done-when ------------------------------------------------


def test_scaffold_service_selects_its_deployment(scaffold: ScanResult) -> None:
    links = [(l.source, l.target) for l in scaffold.graph.links("selects")]
    assert links == [("k8s/Service:release-name-webapp", "k8s/Deployment:release-name-webapp")]


def test_values_level_target_port_mismatch_is_reported_at_the_values_line(scaffold: ScanResult) -> None:
    [finding] = [f for f in scaffold.findings if f.rule_id == "PL101"]
    assert finding.location == Location("webapp/values.yaml", 14, 15)
    related = [r.location.short for r in finding.related]
    assert related[0] == "webapp/templates/service.yaml:11"
    assert "webapp/templates/deployment.yaml:26" in related and "webapp/values.yaml:17" in related


def test_port_in_a_range_over_values_is_checked(scaffold: ScanResult) -> None:
    [finding] = [f for f in scaffold.findings if f.rule_id == "PL002" and "70000" in f.message]
    assert finding.location == Location("webapp/values.yaml", 23, 11)
    assert [r.location.short for r in finding.related] == ["webapp/templates/deployment.yaml:30"]


def test_missing_values_key_is_named(scaffold: ScanResult) -> None:
    [finding] = [f for f in scaffold.findings if f.rule_id == "PL002" and "renders empty" in f.message]
    assert ".Values.container.healthPort" in finding.message
    assert finding.location.short == "webapp/templates/deployment.yaml:35"


def test_scaffold_has_no_parse_failures(scaffold: ScanResult) -> None:
    assert scaffold.graph.failures == []


# -- environments, subcharts, unknowns ----------------------------------------------------------


def _chart(root: Path, name: str = "c", values: str = "", **templates: str) -> Path:
    chart = root / name
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text(f"apiVersion: v2\nname: {name}\nversion: 1.0.0\n")
    if values:
        (chart / "values.yaml").write_text(values)
    for file, text in templates.items():
        (chart / "templates" / file.replace("__", ".")).write_text(text)
    return chart


SERVICE = ("apiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec:\n  ports:\n"
           "    - port: {{ .Values.port }}\n")


def test_each_overlay_is_rendered_as_its_environment(tmp_path: Path) -> None:
    chart = _chart(tmp_path, values="port: 80\n", s__yaml=SERVICE)
    (chart / "values-prod.yaml").write_text("port: 8443\n")
    (chart / "values").mkdir()
    (chart / "values" / "dev.yaml").write_text("other: 1\n")
    result = scan_tree(tmp_path, select=("PL001",))
    ports = sorted((f.environment, f.value.number, f.value.defined_at[0].short) for f in result.graph.facts()
                   if f.role == Role.EXPOSE)
    assert ports == [("dev", 80, "c/values.yaml:1"), ("prod", 8443, "c/values-prod.yaml:1")]


def test_values_files_named_in_config_are_environments(tmp_path: Path) -> None:
    _chart(tmp_path, values="port: 80\n", s__yaml=SERVICE)
    (tmp_path / "envs").mkdir()
    (tmp_path / "envs" / "live.yaml").write_text("port: 8080\n")
    (tmp_path / ".portlint.toml").write_text('environments = ["live"]\n[helm-values.c]\nlive = ["envs/live.yaml"]\n')
    result = scan_tree(tmp_path, select=("PL001",))
    [port] = [f for f in result.graph.facts() if f.role == Role.EXPOSE]
    assert (port.environment, port.value.number, port.value.defined_at[0].short) == ("live", 8080, "envs/live.yaml:1")


def test_subchart_gets_parent_overrides_and_global(tmp_path: Path) -> None:
    parent = _chart(tmp_path, "app", values="db:\n  port: 6000\nglobal:\n  domain: example.test\n")
    sub = parent / "charts" / "db"
    _chart(parent / "charts", "db", values="port: 5432\nglobal:\n  domain: none\n",
           s__yaml="apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Values.global.domain }}\nspec:\n"
                   "  ports:\n    - port: {{ .Values.port }}\n")
    assert sub.is_dir()
    result = scan_tree(tmp_path, select=("PL001",))
    [port] = [f for f in result.graph.facts() if f.role == Role.EXPOSE]
    assert (port.value.number, port.value.defined_at[0].short) == (6000, "app/values.yaml:2")
    assert port.owner.name == "example.test"


def test_parent_sees_subchart_defaults(tmp_path: Path) -> None:
    """Helm coalesces a subchart's values into the parent's ``.Values.<sub>``."""
    parent = _chart(tmp_path, "app", values="db:\n  replicas: 2\n", s__yaml=(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: app\nspec:\n  ports:\n"
        "    - port: {{ .Values.db.port }}\n      targetPort: {{ (index .Subcharts \"db\").Values.port }}\n"))
    _chart(parent / "charts", "db", values="port: 5432\n")
    result = scan_tree(tmp_path, select=("PL001",))
    assert result.graph.failures == []
    assert sorted((f.role.value, f.value.number) for f in result.graph.facts()) == [("expose", 5432), ("target", 5432)]


def test_broken_partial_is_a_failure(tmp_path: Path) -> None:
    _chart(tmp_path, values="port: 80\n", s__yaml=SERVICE, _helpers__tpl='{{ define "x" }}{{ if }}{{ end }}')
    result = scan_tree(tmp_path, select=("PL001",))
    assert [(f.location.short, f.severity.value) for f in result.graph.failures] == [
        ("c/templates/_helpers.tpl:1", "error")]


def test_unknown_function_is_a_note_and_only_its_value_is_unknown(tmp_path: Path) -> None:
    _chart(tmp_path, values="port: 80\n", s__yaml=SERVICE.replace(
        "  ports:\n", "  ports:\n    - port: {{ noSuchFunction 1 }}\n"))
    result = scan_tree(tmp_path, select=("PL001",))
    values = sorted((f.value.text, f.value.unresolved) for f in result.graph.facts() if f.role == Role.EXPOSE)
    assert values == [("80", False), ("{{ noSuchFunction 1 }}", True)]
    [note] = result.graph.failures
    assert note.severity.value == "note" and "noSuchFunction" in note.message
    assert note.location == Location("c/templates/s.yaml", 7)


def test_only_the_branch_taken_is_read(tmp_path: Path) -> None:
    _chart(tmp_path, values="tls: false\nnodePort: null\n", s__yaml=(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec:\n  ports:\n"
        "    {{- if .Values.tls }}\n    - port: 443\n    {{- else }}\n    - port: 80\n    {{- end }}\n"
        "      {{- if .Values.nodePort }}\n      nodePort: {{ .Values.nodePort }}\n      {{- end }}\n"))
    result = scan_tree(tmp_path)
    assert [(f.role, f.value.number) for f in result.graph.facts() if f.role in (Role.EXPOSE, Role.PUBLISH)] == [
        (Role.EXPOSE, 80)]
    assert [f.rule_id for f in result.findings if f.rule_id in ("PL001", "PL002")] == []


def test_unknown_include_marks_labels_unresolved(tmp_path: Path) -> None:
    _chart(tmp_path, d__yaml=(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  template:\n"
        "    metadata:\n      labels:\n        {{- include \"nowhere\" . | nindent 8 }}\n    spec:\n"
        "      containers:\n        - name: a\n          ports: [{containerPort: 80}]\n"))
    result = scan_tree(tmp_path, select=("PL001",))
    deployment = result.graph.entity("k8s/Deployment:d")
    assert deployment.attrs["labels_unresolved"] is True
    assert [f.severity.value for f in result.graph.failures] == ["note"]


def test_broken_values_file_is_reported_once(tmp_path: Path) -> None:
    chart = _chart(tmp_path, a__yaml=SERVICE, b__yaml=SERVICE.replace("name: s", "name: t"))
    (chart / "values.yaml").write_text("port: [8000\n")
    result = scan_tree(tmp_path, select=("PL001",))
    assert [f.location.path for f in result.graph.failures] == ["c/values.yaml"]
    assert list(result.graph.facts()) == []


def test_huge_unclosed_template_is_quick_and_a_failure(tmp_path: Path) -> None:
    _chart(tmp_path, x__yaml="apiVersion: v1\nkind: Service\n" + "{{ " * 350_000)
    start = time.process_time()  # CPU time: a busy machine does not trip the guard
    result = scan_tree(tmp_path, select=("PL001",))
    assert time.process_time() - start < 10
    [failure] = result.graph.failures
    assert failure.message.startswith("template: c/templates/x.yaml:3:") and failure.severity.value == "error"


# -- the template language ------------------------------------------------------------------------


@pytest.mark.parametrize(("template", "values", "expected"), [
    ("a {{- \" b \" -}} c", {}, "a b c"),
    ("x\n{{/* a\nmulti-line comment */}}\ny", {}, "x\n\ny"),
    ("x\n{{- /* trimmed */ -}}\ny", {}, "xy"),
    ("{{ range $k, $v := .Values.m }}{{ $k }}={{ $v }};{{ end }}", {"m": {"b": 2.0, "a": 1.0}}, "a=1;b=2;"),
    ("{{ range $i, $v := .Values.l }}{{ $i }}{{ $v }}{{ end }}", {"l": ["x", "y"]}, "0x1y"),
    ("{{ range 3 }}{{ . }}{{ end }}", {}, "012"),
    ("{{ range .Values.l }}{{ if eq . 2 }}{{ continue }}{{ end }}{{ if eq . 4 }}{{ break }}{{ end }}{{ . }}{{ end }}",
     {"l": [1, 2, 3, 4, 5]}, "13"),
    ("{{ range .Values.none }}x{{ else }}empty{{ end }}", {}, "empty"),
    ("{{ $x := 1 }}{{ if true }}{{ $x = 2 }}{{ end }}{{ $x }}", {}, "2"),
    ("{{ with .Values.a }}{{ .b }}{{ else }}none{{ end }}", {"a": {"b": "in"}}, "in"),
    ("{{ with .Values.z }}x{{ else with .Values.a }}{{ .b }}{{ end }}", {"a": {"b": "w"}}, "w"),
    ("{{ if .Values.x }}1{{ else if .Values.y }}2{{ else }}3{{ end }}", {"y": True}, "2"),
    ("[{{ .Values.missing }}]", {}, "[]"),
    ("{{ define \"t\" }}<{{ . }}>{{ end }}{{ template \"t\" \"a\" }}{{ block \"b\" 1 }}{{ . }}{{ end }}", {}, "<a>1"),
    ("{{ include \"h\" . | upper }}", {"n": "x"}, "HI X"),
    ("{{ and 1 0 }} {{ or 0 \"\" 3 }} {{ and .Values.missing .Values.missing.boom }}", {}, "0 3 "),
    ("{{ (.Values.a).b }} {{ $.Values.a.b }} {{ index .Values.a \"b\" }}", {"a": {"b": 5.0}}, "5 5 5"),
    ("{{ .Values.big }}", {"big": 1000000.0}, "1e+06"),
    ("{{ tpl \"{{ .Values.n }}!\" . }}", {"n": "t"}, "t!"),
    ("{{ printf \"%s-%d\" \"a\" 3 }}", {}, "a-3"),
    ("[{{ (.Values.none).x }}{{ $n := .Values.none }}{{ $n.x }}{{ ((.Values.a).none).y }}]", {"a": {}}, "[]"),
])
def test_template_language(template: str, values: dict, expected: str) -> None:
    text, notes = render(template, values, helpers='{{- define "h" -}}hi {{ .Values.n }}{{- end }}')
    assert (text, notes) == (expected, [])


@pytest.mark.parametrize(("template", "note"), [
    ("a{{ .Values.a.b }}b", "nil pointer evaluating interface {}.b"),
    ("a{{ required \"port is required\" .Values.p }}b", "port is required"),
    ("a{{ fail \"no\" }}b", "no"),
    ("a{{ lookup \"v1\" \"Secret\" \"ns\" \"n\" }}b", "lookup"),
    ("a{{ include \"nope\" . }}b", "no template \"nope\""),
])
def test_errors_make_only_their_action_unknown(template: str, note: str) -> None:
    engine = Engine(functions())
    engine.add("c/templates/t.yaml", template)
    result = engine.render("c/templates/t.yaml", {"Values": {}})
    assert result.text.startswith("a") and result.text.endswith("b")
    assert len(result.unknown) == 1 and any(note in n.message for n in result.notes)


def test_unknown_is_not_passed_to_functions_but_default_can_decide() -> None:
    text, _ = render("{{ default 5 (lookup \"v1\" \"x\" \"\" \"\") }}|{{ ternary 7 (lookup \"a\" \"b\" \"\" \"\") true }}")
    assert text == "__portlint_unknown_0__|7"
    assert UNKNOWN is not None


def test_set_to_an_unknown_value_makes_the_key_unknown_not_its_old_value() -> None:
    # a chart that keeps an existing secret's value (lookup) must not render the default it replaced
    text, _ = render('{{ $d := dict "a" "old" }}{{ $_ := set $d "a" (lookup "v1" "Secret" "" "") }}'
                     'k: {{ $d.a }}|{{ toYaml $d }}|{{ get $d "b" | default "kept" }}')
    assert "old" not in text
    assert text.startswith("k: __portlint_unknown_") and text.count("__portlint_unknown_") == 2
    assert text.endswith("|kept")


def test_a_field_of_a_function_parses_as_go_does_and_fails_only_when_run() -> None:
    # `merge.Values.x` is a typo Go accepts at parse time: a dormant branch must not cost the template
    text, notes = render('a: 1\n{{- if false }}\nb: {{ merge.Values.x }}\n{{- end }}\n')
    assert text == "a: 1\n" and notes == []
    text, notes = render("b: {{ merge.Values.x }}\n")
    assert text.startswith("b: __portlint_unknown_") and any("merge" in n for n in notes)


def test_include_recursion_is_bounded() -> None:
    text, notes = render('{{ include "loop" . }}', helpers='{{- define "loop" -}}{{ include "loop" . }}{{- end }}')
    assert text == "#" and any("depth" in n for n in notes)  # alone on its line: a comment line


def test_parse_error_names_the_line() -> None:
    engine = Engine(functions())
    engine.add("c/templates/t.yaml", "a\nb {{ if }}\n")
    result = engine.render("c/templates/t.yaml", {})
    assert result.failed is not None and result.failed.line == 2


def test_exponential_recursion_stops_at_the_time_budget() -> None:
    engine = Engine(functions(), deadline=time.monotonic() + 0.3)
    engine.add("c/templates/t.yaml", '{{ define "a" }}{{ include "a" . }}{{ include "a" . }}{{ end }}{{ include "a" . }}')
    start = time.process_time()  # CPU time: a busy machine does not trip the guard
    result = engine.render("c/templates/t.yaml", {})
    assert time.process_time() - start < 3
    assert result.failed is not None and "time budget" in result.failed.message


@pytest.mark.parametrize("template", ["{{ " + "(" * 5000 + "1" + ")" * 5000 + " }}",
                                      "{{ if 1 }}" * 5000 + "{{ end }}" * 5000])
def test_deep_nesting_is_a_parse_error(template: str) -> None:
    engine = Engine(functions())
    engine.add("c/templates/t.yaml", template)
    result = engine.render("c/templates/t.yaml", {})
    assert result.failed is not None and "nested too deeply" in result.failed.message


def test_environments_of_one_chart_give_one_finding_per_root_cause(tmp_path: Path) -> None:
    chart = _chart(tmp_path, values="port: 70000\nreplicas: 1\n", s__yaml=SERVICE)
    (chart / "values-dev.yaml").write_text("replicas: 1\n")
    (chart / "values-prod.yaml").write_text("replicas: 3\n")
    result = scan_tree(tmp_path, select=("PL002",))
    messages = [f.message for f in result.findings if f.location.short == "c/values.yaml:1"]
    assert messages and all("#" not in m for m in messages) and len(set(messages)) == len(messages)
    assert all("Service s " in m for m in messages)  # port (and its implicit targetPort), once each
