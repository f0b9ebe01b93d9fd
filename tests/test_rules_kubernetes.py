"""Kubernetes rules (PL101-PL109) beyond the fixture harness.

- a realistic, consistent tree on which every rule stays silent, and which each rule notices as
  soon as one line of it is broken;
- findings name both sides with path:line, in the finding itself, the text report and SARIF;
- keys survive line moves, output is deterministic.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import FIXTURES, ROOT, SCHEMA, copy_tree, run_cli, scan_tree
from portlint.model import Role

CONSISTENT = FIXTURES / "consistent" / "kubernetes"
RULES = FIXTURES / "rules"
KUBERNETES_RULES = ("PL101", "PL102", "PL103", "PL104", "PL105", "PL106", "PL107", "PL108", "PL109")


def _copy(source: Path, tmp_path: Path) -> Path:
    target = tmp_path / source.name
    copy_tree(source, target)
    return target


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} must occur once in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


# -- the consistent tree --------------------------------------------------------------------------


def test_consistent_tree_every_rule_silent() -> None:
    result = scan_tree(CONSISTENT, select=("ALL",))  # hygiene rules too
    shown = [f"{f.location} {f.rule_id} {f.message}" for f in result.findings]
    assert shown == []


def test_consistent_tree_is_really_read() -> None:
    """Silence must come from lined-up ports, not from files nobody read."""
    graph = scan_tree(CONSISTENT).graph
    assert graph.failures == []
    assert len(list(graph.entities("k8s/Service"))) == 7
    assert len(list(graph.links("selects"))) == 8  # 6 from Services, 2 from the NetworkPolicies (PL117 compares them)
    assert sorted(f.value.text for f in graph.facts(role=Role.ALLOW) if f.owner.kind == "k8s/NetworkPolicy") == [
        "8000", "8000", "http"]
    assert [f.value.number for f in graph.facts(role=Role.TARGET) if f.attrs.get("annotation")] == [8000]
    assert len(list(graph.links("routes-to"))) == 6  # 4 from the Ingress, 1 HTTPRoute, 1 VirtualService
    assert [(link.source.split("/")[1], link.target) for link in graph.links("attaches-to")] == [
        ("HTTPRoute:api-route", "k8s/Gateway:edge")]
    assert [graph.entity(link.target).attrs["name"] for link in graph.links("monitors")] == ["fastapi-service"]
    ingress = next(iter(graph.entities("k8s/Ingress")))
    assert [(f.attrs["listener_protocol"], f.value.number) for f in graph.facts(ingress, Role.EXPOSE)] == [
        ("HTTP", 80), ("HTTPS", 443)]
    assert [f.value.number for f in graph.facts(role=Role.PROBE) if f.owner.kind == "k8s/Service"] == [8000]
    helm_port = next(f for f in graph.facts() if f.location.path.endswith("airflow/templates/deployment.yaml")
                     and f.field == "containerPort")
    assert helm_port.value.number == 8080 and helm_port.value.defined_at[0].path.endswith("values.yaml")


BREAKS = [
    ("PL101", "deploy/kubernetes/fastapi/service.yaml", "targetPort: http   #", "targetPort: 8001   #"),
    ("PL101", "deploy/kubernetes/dns/resolver.yaml", "        - name: dns\n          containerPort: 1053\n"
     "          protocol: TCP", "        - name: dns-tcp\n          containerPort: 1053\n          protocol: TCP"),
    ("PL102", "deploy/kubernetes/fastapi/deployment.yaml", "port: http\n", "port: https\n"),
    ("PL103", "deploy/kubernetes/fastapi/deployment.yaml", "port: 8000\n", "port: 8080\n"),
    ("PL104", "deploy/kubernetes/dash/dash.yaml", 'value: "8050"', 'value: "8000"'),
    ("PL105", "deploy/kubernetes/ingress.yaml", "name: airflow-service", "name: airflow-svc"),
    ("PL106", "deploy/charts/airflow/values.yaml", "name: http", "name: www"),
    ("PL107", "deploy/kubernetes/fastapi/service.yaml", "app: fastapi", "app: fast-api"),
    ("PL108", "deploy/kubernetes/dns/resolver.yaml", "1053\n          protocol: TCP", "1053\n          protocol: UDP"),
    ("PL109", "deploy/kubernetes/dns/resolver.yaml", "port: 9153", "port: 1053"),
    ("PL117", "deploy/kubernetes/fastapi/networkpolicy.yaml", "- port: 8000   #", "- port: 80   #"),
    ("PL118", "deploy/kubernetes/fastapi/service.yaml", 'prometheus.io/port: "8000"', 'prometheus.io/port: "80"'),
    ("PL119", "deploy/kubernetes/routing.yaml", "          port: 80\n", "          port: 8000\n"),
    ("PL119", "deploy/kubernetes/routing.yaml", "number: 3000", "number: 80"),
    ("PL120", "deploy/kubernetes/routing.yaml", "- port: http", "- port: metrics"),
    ("PL121", "deploy/kubernetes/ingress.yaml", 'ssl-redirect: "443"', 'ssl-redirect: "8443"'),
    ("PL121", "deploy/kubernetes/ingress.yaml", "healthcheck-port: traffic-port", "healthcheck-port: health"),
    ("PL122", "deploy/kubernetes/routing.yaml", "    - name: edge\n", "    - name: edge\n      port: 8080\n"),
]


@pytest.mark.parametrize(("rule", "path", "old", "new"), BREAKS, ids=[f"{b[0]}-{i}" for i, b in enumerate(BREAKS)])
def test_consistent_tree_noticed_when_one_line_breaks(tmp_path: Path, rule: str, path: str, old: str, new: str) -> None:
    tree = _copy(CONSISTENT, tmp_path)
    _edit(tree / path, old, new)
    fired = {f.rule_id for f in scan_tree(tree).findings}
    assert rule in fired


# -- both sides, with path:line -------------------------------------------------------------------


def test_target_port_mismatch_names_both_sides() -> None:
    result = scan_tree(RULES / "PL101" / "fire-numeric", select=("PL101",))
    [finding] = result.findings
    assert str(finding.location) == "deploy/fastapi/service.yaml:12:19"
    assert finding.message.startswith("Service fastapi-service targetPort 8001/TCP matches no containerPort "
                                      "of the pods it selects (Deployment fastapi-deployment: 8000/TCP (http))")
    [related] = finding.related
    assert related.location.short == "deploy/fastapi/deployment.yaml:18"
    assert related.message == "containerPort 8000/TCP (http) of container fastapi"
    assert finding.fix == "set targetPort to 8000 or add containerPort 8001/TCP"
    assert any("-selects->" in step for step in finding.explain)


def test_named_target_port_protocol_is_part_of_the_name() -> None:
    [finding] = scan_tree(RULES / "PL101" / "fire-named-wrong-protocol", select=("PL101",)).findings
    assert "targetPort dns/TCP" in finding.message and "53/UDP (dns)" in finding.message
    assert "protocol: UDP" in finding.fix


def test_helm_finding_points_at_template_and_values() -> None:
    graph = scan_tree(RULES / "PL101" / "fire-helm-values", select=("PL101",)).graph
    target = next(f for f in graph.facts() if f.field == "targetPort")
    assert target.location.short == "chart/templates/service.yaml:13"
    assert target.value.defined_at[0].short == "chart/values.yaml:3"


def test_no_selector_and_selects_nothing_are_worded_apart() -> None:
    [none] = scan_tree(RULES / "PL107" / "fire-no-selector", select=("PL107",)).findings
    [miss] = scan_tree(RULES / "PL107" / "fire-selector-near-miss", select=("PL107",)).findings
    assert "has no selector" in none.message and "Endpoints" in none.message
    assert "matches no workload" in miss.message and "may live elsewhere" in miss.message
    assert miss.related[0].message == "Deployment web-deployment has pod labels app=web"
    assert none.severity.value == miss.severity.value == "note"


def test_duplicate_container_port_points_back_at_the_first() -> None:
    [finding] = scan_tree(RULES / "PL108" / "fire-native-sidecar", select=("PL108",)).findings
    assert finding.location.short == "cronjob.yaml:22"
    assert [r.location.short for r in finding.related] == ["cronjob.yaml:17"]
    assert "proxy" in finding.message and "report" in finding.message


def test_text_report_names_the_other_side() -> None:
    proc = run_cli("check", ".", "--select", "PL101", "--format", "text", cwd=RULES / "PL101" / "fire-numeric")
    assert proc.returncode == 1, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("deploy/fastapi/service.yaml:12:19  PL101  [error] Service fastapi-service "
                               "targetPort 8001/TCP matches no containerPort")
    assert "    deploy/fastapi/deployment.yaml:18: containerPort 8000/TCP (http) of container fastapi" in lines
    assert "    fix: set targetPort to 8000 or add containerPort 8001/TCP" in lines


def test_sarif_result_has_related_location() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    proc = run_cli("check", ".", "--select", "PL106", "--format", "sarif", cwd=RULES / "PL106" / "fire-port-name")
    assert proc.returncode == 1, proc.stderr
    document = json.loads(proc.stdout)
    jsonschema.validate(document, json.loads(SCHEMA.read_text(encoding="utf-8")))
    [result] = document["runs"][0]["results"]
    assert result["ruleId"] == "PL106" and result["level"] == "error"
    primary = result["locations"][0]["physicalLocation"]
    # SARIF paths are relative to the repository root (code scanning maps them from there)
    here = (RULES / "PL106" / "fire-port-name").relative_to(ROOT).as_posix()
    assert primary["artifactLocation"]["uri"] == f"{here}/ingress.yaml" and primary["region"]["startLine"] == 15
    related = [(r["physicalLocation"]["artifactLocation"]["uri"], r["physicalLocation"]["region"]["startLine"])
               for r in result["relatedLocations"]]
    assert related == [(f"{here}/service.yaml", 11), (f"{here}/service.yaml", 14)]


# -- stable keys, deterministic output ------------------------------------------------------------


def _fire_cases() -> list[Path]:
    return sorted(p for rule in KUBERNETES_RULES for p in (RULES / rule).glob("fire-*"))


@pytest.mark.parametrize("case", _fire_cases(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_keys_survive_line_moves(tmp_path: Path, case: Path) -> None:
    rule = case.parent.name
    before = scan_tree(case, select=(rule,)).findings
    moved = _copy(case, tmp_path)
    for path in moved.rglob("*.yaml"):
        path.write_text("# moved\n# down\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    after = scan_tree(moved, select=(rule,)).findings
    assert [f.key for f in before] == [f.key for f in after]
    assert all(f.key for f in before)
    assert [f.location.line + 2 for f in before] == [f.location.line for f in after]


def test_output_is_deterministic() -> None:
    first = run_cli("check", str(RULES / "PL102" / "fire-probe-name"), "--format", "json")
    second = run_cli("check", str(RULES / "PL102" / "fire-probe-name"), "--format", "json")
    assert first.returncode == second.returncode == 1
    assert first.stdout == second.stdout


def test_missing_service_suggests_a_near_name() -> None:
    [finding] = scan_tree(RULES / "PL105" / "fire-typo", select=("PL105",)).findings
    assert [(r.location.short, r.message) for r in finding.related] == [
        ("service.yaml:4", "Service fastapi-service is defined here, in the default namespace")]
    assert "similar: fastapi-service" in finding.fix
    [spec] = scan_tree(RULES / "PL105" / "fire-spec-airflow-service", select=("PL105",)).findings
    assert spec.related == ()  # web-service is not a near name of airflow-service


def test_selector_matched_in_another_deployment_unit_names_the_workload() -> None:
    [note] = scan_tree(RULES / "PL107" / "fire-matched-in-another-unit", select=("PL107",)).findings
    assert "matches no workload of its own deployment unit (addons/public-lb)" in note.message
    assert "Deployment storefront (ns shop) in app matches it" in note.message
    assert [r.location.short for r in note.related] == ["app/deployment.yaml:10"]


def test_one_port_under_two_names_is_a_warning_with_the_tooling_reason() -> None:
    [alias] = scan_tree(RULES / "PL108" / "fire-aliased-port-names", select=("PL108",)).findings
    [two] = scan_tree(RULES / "PL108" / "fire-two-containers", select=("PL108",)).findings
    assert alias.severity.value == "warning" and "server-side apply" in alias.message
    assert two.severity.value == "error" and "only one of them can bind it" in two.message


def test_missing_service_in_a_cluster_namespace_is_a_note_and_configurable(tmp_path: Path) -> None:
    [note] = scan_tree(RULES / "PL105" / "fire-cluster-namespace-note", select=("PL105",)).findings
    assert note.severity.value == "note" and "installed apart from the repository" in note.message
    copy_tree(RULES / "PL105" / "fire-cluster-namespace-note", tmp_path / "tree")
    (tmp_path / "tree" / ".portlint.toml").write_text("[rules.PL105]\ncluster_namespaces = []\n")
    [error] = scan_tree(tmp_path / "tree", select=("PL105",)).findings
    assert error.severity.value == "error"
