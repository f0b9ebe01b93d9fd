"""Suppressions and baselines through the CLI, on real Kubernetes files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import FIXTURES, SCHEMA, copy_tree, run_cli

USED = FIXTURES / "rules" / "PL003" / "silent-used"
OTHER_SIDE = FIXTURES / "rules" / "PL003" / "silent-other-side"


@pytest.fixture
def mismatch(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    copy_tree(OTHER_SIDE, tree)
    deployment = tree / "deployment.yaml"
    deployment.write_text(deployment.read_text().replace("  # portlint: ignore[PL101] -- Service is wrong on purpose in this test", ""))
    return tree


def test_suppressed_finding_is_hidden_and_counted() -> None:
    proc = run_cli("check", str(USED))
    assert proc.returncode == 0, proc.stdout
    assert "PL101" not in proc.stdout and "1 suppressed" in proc.stdout


def test_suppressed_finding_is_kept_in_sarif_as_suppressed() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    document = json.loads(run_cli("check", str(USED), "--format", "sarif").stdout)
    jsonschema.validate(document, json.loads(SCHEMA.read_text(encoding="utf-8")))
    results = [r for r in document["runs"][0]["results"] if r["ruleId"] == "PL101"]
    assert len(results) == 1
    suppression = results[0]["suppressions"][0]
    assert suppression["kind"] == "inSource" and suppression["justification"] == "metrics port, scraped directly"


def test_suppression_on_the_other_side_counts() -> None:
    proc = run_cli("check", str(OTHER_SIDE), "--format", "json")
    data = json.loads(proc.stdout)
    assert [f["rule_id"] for f in data["findings"]] == []
    assert [s["rule_id"] for s in data["suppressed"]] == ["PL101"]


def test_expired_suppression_stops_working(mismatch: Path) -> None:
    service = mismatch / "service.yaml"
    service.write_text(service.read_text().replace("targetPort: 8001", "targetPort: 8001  # portlint: ignore[PL101] until=2026-06-30 -- temporary"))
    before = run_cli("check", str(mismatch), env={"PORTLINT_TODAY": "2026-06-30"})
    after = run_cli("check", str(mismatch), env={"PORTLINT_TODAY": "2026-07-01"})
    assert before.returncode == 0
    assert after.returncode == 1 and "PL101" in after.stdout and "PL004" in after.stdout


def test_baseline_survives_line_moves_and_catches_new_findings(mismatch: Path, tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.json"
    wrote = run_cli("check", str(mismatch), "--write-baseline", str(baseline))
    assert wrote.returncode == 0 and baseline.is_file()
    assert run_cli("check", str(mismatch), "--baseline", str(baseline)).returncode == 0

    # unrelated edits move every line of both files
    for name in ("service.yaml", "deployment.yaml"):
        path = mismatch / name
        path.write_text("# moved down\n# by an unrelated edit\n\n" + path.read_text())
    moved = run_cli("check", str(mismatch), "--baseline", str(baseline))
    assert moved.returncode == 0, moved.stdout
    assert "1 in baseline" in moved.stdout

    # a new mismatch is still reported
    service = mismatch / "service.yaml"
    service.write_text(service.read_text() + "    - port: 81\n      targetPort: 9000\n")
    new = run_cli("check", str(mismatch), "--baseline", str(baseline))
    assert new.returncode == 1 and "targetPort 9000" in new.stdout and "targetPort 8001" not in new.stdout


def test_unreadable_baseline_is_usage_error(mismatch: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    proc = run_cli("check", str(mismatch), "--baseline", str(bad))
    assert proc.returncode == 2 and "baseline" in proc.stderr and "Traceback" not in proc.stderr
