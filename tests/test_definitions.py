"""A finding that rests on a resolved value shows the use and the definition site (Helm values)."""

from __future__ import annotations

import json

from conftest import FIXTURES, run_cli

HELM_CASE = FIXTURES / "rules" / "PL101" / "fire-helm-values"


def test_helm_finding_names_template_and_values_lines() -> None:
    proc = run_cli("check", ".", "--select", "PL101", "--format", "json", cwd=HELM_CASE)
    finding = json.loads(proc.stdout)["findings"][0]
    assert (finding["location"]["path"], finding["location"]["line"]) == ("chart/templates/service.yaml", 13)
    related = {(r["location"]["path"], r["location"]["line"]): r["message"] for r in finding["related"]}
    assert related[("chart/values.yaml", 3)] == "targetPort 8001 is defined here (used at chart/templates/service.yaml:13)"
    assert ("chart/templates/deployment.yaml", 18) in related
    assert ("chart/values.yaml", 5) in related  # the other side's value too
