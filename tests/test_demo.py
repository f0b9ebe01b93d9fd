"""The demo monorepo (examples/genai-monorepo): what its README promises, checked through the CLI."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

from conftest import ROOT, run_cli

DEMO = ROOT / "examples" / "genai-monorepo"
README = DEMO / "README.md"
INGRESS = "deploy/kubernetes/ingress.yaml"
# `path:line` (optionally followed by `:line2`, `:line3` on the same path) in the README's backticks
_REFERENCE = re.compile(r"`([\w./-]+\.[\w]+):(\d+)`((?:, `:\d+`)*)")


@cache
def demo_report() -> dict:
    """``portlint check examples/genai-monorepo --format json``, run once for the module."""
    proc = run_cli("check", ".", "--format", "json", cwd=DEMO)
    assert proc.returncode in (0, 1), proc.stderr
    assert "Traceback" not in proc.stderr
    return json.loads(proc.stdout)


def findings(rule_id: str) -> list[dict]:
    return [f for f in demo_report()["findings"] if f["rule_id"] == rule_id]


def where(finding: dict) -> str:
    return f"{finding['location']['path']}:{finding['location']['line']}"


def readme_rows() -> list[tuple[str, list[str]]]:
    """(rule id, ``path:line`` references of the "where" column) of each table row naming a PL id."""
    rows = []
    for line in README.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 5 or not cells[0].isdigit():
            continue
        rule = re.match(r"(PL\d{3})\b", cells[4])
        if rule:
            rows.append((rule.group(1), [f"{p}:{n}" for p, n, _ in _REFERENCE.findall(cells[2])]))
    return rows


def test_ingress_to_undefined_airflow_service_is_reported() -> None:
    airflow = [f for f in findings("PL105") if "airflow-service" in f["message"]]
    assert [where(f) for f in airflow] == [f"{INGRESS}:33"]
    assert airflow[0]["severity"] == "error"
    assert "name: airflow-service" in (DEMO / INGRESS).read_text().splitlines()[32]


def test_only_airflow_backend_is_missing() -> None:
    assert [where(f) for f in findings("PL105")] == [f"{INGRESS}:33"]


def test_services_without_selector_are_notes() -> None:
    by_file = {f["location"]["path"]: f for f in findings("PL107")}
    assert sorted(by_file) == ["deploy/kubernetes/dash/service.yaml", "deploy/kubernetes/web/service.yaml"]
    assert "web-service" in by_file["deploy/kubernetes/web/service.yaml"]["message"]
    assert "dash-service" in by_file["deploy/kubernetes/dash/service.yaml"]["message"]
    assert {f["severity"] for f in by_file.values()} == {"note"}


def test_consistent_kubernetes_ports_stay_silent() -> None:
    for rule_id in ("PL101", "PL102", "PL103", "PL104", "PL106", "PL108", "PL109"):
        assert findings(rule_id) == [], rule_id


def test_every_demo_file_parses() -> None:
    assert findings("PL001") == []
    assert [f for f in demo_report()["findings"] if "failed:" in f["message"]] == []


def test_readme_rows_with_a_rule_id_are_reported_where_it_says() -> None:
    rows = readme_rows()
    assert {rule for rule, _ in rows} >= {"PL105", "PL107"}
    for rule, places in rows:
        assert places, f"README row for {rule} names no path:line"
        reported = {where(f) for f in findings(rule)}
        assert set(places) <= reported, (rule, places, sorted(reported))


def test_readme_references_point_into_the_demo() -> None:
    """Every `path:line` in the README names a file of the demo with at least that many lines."""
    text = README.read_text(encoding="utf-8")
    references = _REFERENCE.findall(text)
    assert len(references) >= 10
    for path, line, more in references:
        file = DEMO / path
        assert file.is_file(), path
        length = len(file.read_text(encoding="utf-8").splitlines())
        for number in [int(line), *map(int, re.findall(r"\d+", more))]:
            assert 1 <= number <= length, f"{path}:{number} is past the end ({length} lines)"


def _bench_generator():
    """bench/generate.py, loaded as a module (bench/ is not a package)."""
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location("bench_generate", ROOT / "bench" / "generate.py")
    generator = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = generator  # dataclasses look their module up there
    spec.loader.exec_module(generator)
    return generator


def _check_json(tree: Path) -> list[dict]:
    proc = run_cli("check", ".", "--format", "json", cwd=tree)
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout)["findings"]


def test_bench_generator_is_deterministic(tmp_path: Path) -> None:
    generator = _bench_generator()
    first, second = tmp_path / "a", tmp_path / "b"
    generator.generate(first, 6, seed=7, mismatch_rate=0.5)
    generator.generate(second, 6, seed=7, mismatch_rate=0.5)
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    assert all((first / f).read_bytes() == (second / f).read_bytes() for f in files)


def test_bench_tree_without_mismatches_gives_no_findings(tmp_path: Path) -> None:
    generator = _bench_generator()
    planned = generator.generate(tmp_path, 5, seed=3, mismatch_rate=0.0)
    assert not any(s.mismatch for s in planned)
    assert [(f["rule_id"], f["message"]) for f in _check_json(tmp_path)] == []


def test_bench_deliberate_mismatches_are_all_found(tmp_path: Path) -> None:
    generator = _bench_generator()
    planned = generator.generate(tmp_path, 8, seed=2, mismatch_rate=1.0)
    assert {s.mismatch for s in planned} == set(generator.MISMATCHES)
    found = _check_json(tmp_path)
    assert [f for f in found if f["rule_id"] == "PL001" or "failed:" in f["message"]] == []
    for service in planned:
        mentions = [f for f in found if re.search(rf"\b{service.name}\b", f["location"]["path"] + " " + f["message"])]
        assert mentions, f"{service.name}: its {service.mismatch} mismatch was not reported"
