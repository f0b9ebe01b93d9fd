"""The shared query layer: ``portlint check`` (rules) and ``portlint audit`` give one answer.

Each fixture under tests/fixtures/query/ is scanned once with the real readers; the rules'
findings and the audit's matrix cells and route hops must say the same thing about drift,
Ingress → Service and targetPort → containerPort.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import FIXTURES, scan_tree
from portlint.audit import build_report
from portlint.audit.model import ERROR, OK, POD, ROUTE, SERVICE, UNKNOWN, AuditReport
from portlint.query import EXCLUDED, MISSING, UNDECLARED, port_drift, target_match
from portlint.query import UNKNOWN as UNKNOWN_VERDICT
from portlint.readers._k8s_args import named_ports
from portlint.model import Role

HERE = FIXTURES / "query"


def _scan(name: str):
    result = scan_tree(HERE / name)
    return result, build_report(result)


def _by_rule(result, *rule_ids: str):
    return [f for f in result.findings if f.rule_id in rule_ids]


def _lines(locations) -> set[tuple[str, int]]:
    return {(loc.path, loc.line) for loc in locations if loc is not None}


# -- drift ------------------------------------------------------------------------------------------


def test_port_drift_semantics() -> None:
    assert port_drift({"dev": 8000, "uat": 8000, "prod": 8001}).outliers == ("prod",)
    tie = port_drift({"dev": 8000, "prod": 8001})
    assert tie.reference is None and tie.outliers == ("dev", "prod")
    assert port_drift({"dev": 8000, "prod": 8001}, standard=8001).outliers == ("dev",)
    assert port_drift({"dev": 8000, "prod": 8001}, standard=9000).outliers == ("dev", "prod")
    assert not port_drift({"dev": 8000, "prod": 8000}).drifts


@pytest.mark.parametrize("fixture, drifting", [
    ("drift-tie", {"dev", "prod"}),  # no majority, no standard: both sides are marked
    ("drift-majority", {"prod"}),
    ("drift-standard", {"dev"}),  # a tie the [services] standard decides
])
def test_pl301_and_the_audit_matrix_mark_the_same_environments(fixture: str, drifting: set[str]) -> None:
    result, report = _scan(fixture)
    row = next(r for r in report.matrix.rows if r.config_key == "web.port")
    cells = dict(zip(report.matrix.environments, row.cells))
    marked = {env for env, cell in cells.items() if cell is not None and cell.drift}
    assert marked == drifting
    findings = _by_rule(result, "PL301")
    assert len(findings) == 1  # one root cause, one finding
    named = _lines([findings[0].location])
    if len(drifting) == len(cells):  # no side is right: the finding names every environment
        named |= _lines(r.location for r in findings[0].related)
    assert named == _lines(cells[env].winner.location for env in drifting)
    for env in marked:
        assert cells[env].status != OK


# -- Ingress -> Service -----------------------------------------------------------------------------


def _backend_hops(report: AuditReport):
    for route in report.routes:
        nodes = {n.id: n for n in route.nodes}
        for hop in route.hops:
            if nodes[hop.source].column == ROUTE and nodes[hop.target].column == SERVICE:
                yield route, hop, nodes[hop.target]


def test_ingress_backends_agree_with_pl105_and_pl106() -> None:
    result, report = _scan("ingress")
    hops = {route.name.split(" ")[0]: (hop, node) for route, hop, node in _backend_hops(report)}
    assert set(hops) == {"/shop", "/cart", "/search", "/admin"}
    flagged = _by_rule(result, "PL105", "PL106")
    assert {f.rule_id for f in flagged} == {"PL105", "PL106"}
    for name, (hop, node) in hops.items():
        mine = [f for f in flagged if (f.location.path, f.location.line) in _lines(hop.locations)]
        assert (hop.status == OK) == (not mine), name
        assert bool(hop.findings) == bool(mine), name
    assert hops["/search"][1].missing and hops["/search"][1].lines == ("not in the scan",)
    assert [row.finding.rule_id for row in hops["/search"][0].findings] == ["PL105"]
    assert [row.finding.rule_id for row in hops["/cart"][0].findings] == ["PL106"]
    assert [row.finding.rule_id for row in hops["/admin"][0].findings] == ["PL106"]
    assert "is a port of Service shop" in hops["/shop"][0].why


# -- targetPort -> containerPort --------------------------------------------------------------------


def _pod_hops(report: AuditReport):
    for route in report.routes:
        nodes = {n.id: n for n in route.nodes}
        for hop in route.hops:
            if nodes[hop.source].column == SERVICE and nodes[hop.target].column == POD:
                yield route, hop, nodes[hop.target]


@pytest.mark.parametrize("fixture", ["ingress", "named-port", "undeclared-port"])
def test_target_ports_agree_with_pl101_and_pl102(fixture: str) -> None:
    result, report = _scan(fixture)
    flagged = _by_rule(result, "PL101", "PL102")
    assert flagged
    seen = set()
    for route, hop, pod in _pod_hops(report):
        mine = [f for f in flagged if (f.location.path, f.location.line) in _lines(hop.locations)]
        seen.update(id(f) for f in mine)
        assert (hop.status == ERROR) == bool(mine), (route.name, pod.title, hop.why)
    assert seen == {id(f) for f in flagged}  # every finding is on a hop of the picture


def test_named_target_port_per_pod() -> None:
    result, report = _scan("named-port")
    graph = result.graph
    verdicts = {}
    for service in graph.entities("k8s/Service"):
        target = graph.facts(service, Role.TARGET)[0]
        match = target_match(graph, service, target)
        verdicts[service.ref.name] = (match.verdict, {p.workload.ref.name: p.verdict for p in match.pods})
    assert verdicts["api"] == ("ok", {"api-v1": "ok", "api-v2": EXCLUDED})
    assert verdicts["dns"] == (MISSING, {"dns": MISSING})
    assert verdicts["metrics"][0] == UNDECLARED
    hops = {(route.name, pod.title): hop for route, hop, pod in _pod_hops(report)}
    v1 = hops[("Service api:80", "api-v1/api")]
    v2 = hops[("Service api:80", "api-v2/api")]
    assert v1.status == OK and "is a containerPort of api" in v1.why
    # a pod without the name is left out of the endpoints: neither fine nor a finding
    assert v2.status == UNKNOWN and "declares no port named http" in v2.why and not v2.findings
    assert not [f for f in result.findings if "Service api " in f.message]


def test_undeclared_numeric_target_is_unknown_unless_the_pod_listens_on_one_port() -> None:
    result, report = _scan("undeclared-port")
    graph = result.graph
    verdicts = {}
    for service in graph.entities("k8s/Service"):
        target = graph.facts(service, Role.TARGET)[0]
        verdicts[service.ref.name] = target_match(graph, service, target).verdict
    # one declared port (its args name 8080 only as a remote address): a leftover, a finding
    assert verdicts == {"single": MISSING, "multi": UNKNOWN_VERDICT, "flagged": UNKNOWN_VERDICT}
    assert [f.message.split(" targetPort")[0] for f in _by_rule(result, "PL101")] == ["Service single"]
    hops = {route.name: hop for route, hop, _ in _pod_hops(report)}
    assert hops["Service single:80"].status == ERROR
    for name in ("Service multi:9195", "Service flagged:80"):
        assert hops[name].status == UNKNOWN and "may listen there undeclared" in hops[name].why, hops[name].why


@pytest.mark.parametrize(("text", "ports"), [
    ("--health-probe-addr=:8081", {8081}), ("--metrics-addr=0.0.0.0:8443", {8443}), ("[::]:7946", {7946}),
    ("9095", {9095}), ("--port=9095", {9095}), ("$(POD_IP):8080", {8080}), ("a,8081", {8081}),
    ("http://otel:4317", set()), ("db:5432", set()), ("127.0.0.1:9000", set()), ("GOMEMLIMIT=3276MiB", set()),
    ("image:0.158.0", set()), ("--config=/conf/relay.yaml", set()), ("99999", set()),
])
def test_named_ports_are_listen_numbers_not_remote_addresses(text: str, ports: set[int]) -> None:
    assert named_ports(text) == ports


def test_the_audit_has_no_matching_code_of_its_own() -> None:
    source = (Path(__file__).parent.parent / "portlint" / "audit" / "routes.py").read_text(encoding="utf-8")
    assert "port_name" not in source  # names are matched by portlint.query only
    matrix = (Path(__file__).parent.parent / "portlint" / "audit" / "matrix.py").read_text(encoding="utf-8")
    assert "Counter" not in matrix
