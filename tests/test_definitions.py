"""A finding that rests on a resolved value shows the use and the definition site (Helm values)."""

from __future__ import annotations

import json

from conftest import FIXTURES, run_cli

HELM_CASE = FIXTURES / "rules" / "PL101" / "fire-helm-values"


def test_helm_finding_names_template_and_values_lines() -> None:
    proc = run_cli("check", ".", "--select", "PL101", "--format", "json", cwd=HELM_CASE)
    finding = json.loads(proc.stdout)["findings"][0]
    # reported where the value is set (values.yaml), the template line that uses it related
    assert (finding["location"]["path"], finding["location"]["line"]) == ("chart/values.yaml", 3)
    related = {(r["location"]["path"], r["location"]["line"]): r["message"] for r in finding["related"]}
    assert related[("chart/templates/service.yaml", 13)] == "targetPort 8001 is used here"
    assert ("chart/templates/deployment.yaml", 18) in related
    assert ("chart/values.yaml", 5) in related  # the other side's value too
