"""One root cause, one finding: PL303 at the place of a PL101 or PL302 finding is folded into it."""

from __future__ import annotations

from conftest import FIXTURES, scan_tree

FOLD = FIXTURES / "fold"


def _at(findings, where: str):
    return [f for f in findings if f.location.short == where]


def test_nonstandard_target_port_that_matches_no_container_is_one_finding() -> None:
    findings = scan_tree(FOLD / "k8s", select=("PL101", "PL303")).findings
    (only,) = _at(findings, "fastapi.yaml:29")
    assert only.rule_id == "PL101"
    assert any("PL303" in line and "8001" in line for line in only.explain)


def test_overridden_nonstandard_value_is_one_finding() -> None:
    findings = scan_tree(FOLD / "layers", select=("PL302", "PL303")).findings
    (only,) = _at(findings, "config/prod.yaml:2")
    assert only.rule_id == "PL302"
    assert any("PL303" in line for line in only.explain)


def test_without_the_root_rule_the_standard_finding_still_stands() -> None:
    findings = scan_tree(FOLD / "k8s", select=("PL303",)).findings
    assert [f.rule_id for f in _at(findings, "fastapi.yaml:29")] == ["PL303"]
