"""Issue 14's small things, end to end: audit's default file, check -o summary, reasonless ignores,
--format concise, --sort severity, -V, plurals, config -s for an unknown service, no dead links."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import FIXTURES, ROOT, copy_tree, run_cli

NUMERIC = FIXTURES / "rules" / "PL101" / "fire-numeric"
DEMO = ROOT / "examples" / "genai-monorepo"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    target = tmp_path / "tree"
    copy_tree(NUMERIC, target)
    (target / "expected.txt").unlink(missing_ok=True)
    return target


def test_audit_writes_its_file_not_the_terminal(tree: Path) -> None:
    proc = run_cli("audit", ".", cwd=tree)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    page = tree / "portlint-audit.html"
    assert page.is_file() and page.read_text().startswith("<!DOCTYPE html>")
    assert "wrote the audit report to portlint-audit.html (1 error, 0 warnings, 0 notes" in proc.stderr


def test_audit_md_default_and_dash_means_stdout(tree: Path) -> None:
    assert run_cli("audit", ".", "-f", "md", cwd=tree).returncode == 0
    assert (tree / "portlint-audit.md").is_file()
    proc = run_cli("audit", ".", "-o", "-", cwd=tree)
    assert proc.stdout.startswith("<!DOCTYPE html>") and not (tree / "portlint-audit.html").exists()


def test_audit_rule_links_land_on_the_page(tree: Path) -> None:
    html = run_cli("audit", str(DEMO), "-o", "-").stdout
    ids = set(re.findall(r'id="([^"]+)"', html))
    links = set(re.findall(r'href="#([^"]+)"', html))
    assert links and links <= ids, links - ids
    assert "docs/rules/" not in html and "portlint.dev" not in html


def test_check_output_file_prints_a_summary(tree: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.sarif"
    proc = run_cli("check", str(tree), "-f", "sarif", "-o", str(out))
    assert proc.returncode == 1 and proc.stdout == ""
    assert out.is_file()
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("portlint: 1 finding (1 error) in 2 files read; wrote ")


def test_reasonless_ignore_suppresses_and_warns(tree: Path) -> None:
    service = tree / "deploy" / "fastapi" / "service.yaml"
    lines = service.read_text().splitlines()
    number = next(i for i, line in enumerate(lines) if "targetPort" in line)
    lines[number] += "  # portlint: ignore[PL101]"
    service.write_text("\n".join(lines) + "\n")
    proc = run_cli("check", str(tree))
    assert "PL101" not in proc.stdout.replace("ignore[PL101]", "")
    assert "PL004" in proc.stdout and "gives no reason: the finding is suppressed" in proc.stdout
    assert "1 suppressed" in proc.stdout
    assert proc.returncode == 1  # the warning still fails at the default --fail-on warning


def test_concise_is_one_line_per_finding() -> None:
    proc = run_cli("check", str(DEMO), "--format", "concise")
    lines = proc.stdout.splitlines()
    findings = [line for line in lines if not line.startswith("portlint:")]
    assert proc.returncode == 1 and len(findings) > 3
    assert all(re.match(r"^\S+:\d+:\d+: PL\d{3} \[(error|warning|note)\] ", line) for line in findings)
    assert lines[-1].startswith(f"portlint: {len(findings)} findings")


def test_sort_severity_puts_errors_first() -> None:
    proc = run_cli("check", str(DEMO), "--format", "concise", "--sort", "severity")
    order = [re.search(r"\[(error|warning|note)\]", line).group(1) for line in proc.stdout.splitlines()[:-1]]
    rank = {"error": 0, "warning": 1, "note": 2}
    assert order == sorted(order, key=rank.get) and order[0] == "error"
    default = run_cli("check", str(DEMO), "--format", "concise").stdout.splitlines()
    assert sorted(default) == sorted(proc.stdout.splitlines()) and default != proc.stdout.splitlines()


@pytest.mark.parametrize("flag", ["-V", "--version"])
def test_version(flag: str) -> None:
    proc = run_cli(flag)
    assert proc.returncode == 0 and proc.stdout.startswith("portlint ")


def test_plurals(tmp_path: Path, tree: Path) -> None:
    (tmp_path / "only.yaml").write_text("a: 1\n")
    clean = run_cli("check", str(tmp_path / "only.yaml"), cwd=tmp_path)
    assert "(1 file read; no port was found in it, so nothing was compared)" in clean.stdout
    proc = run_cli("check", str(tree), "--write-baseline", str(tmp_path / "b.json"))
    assert "wrote 1 finding to the baseline" in proc.stderr


def test_config_unknown_service_exits_two() -> None:
    proc = run_cli("config", str(DEMO), "-s", "dahs")
    assert proc.returncode == 2 and "did you mean dash?" in proc.stderr
    assert run_cli("config", str(DEMO), "-s", "dash", "-k", "port").returncode == 0


def test_sarif_has_no_dead_links() -> None:
    proc = run_cli("check", str(DEMO), "--format", "sarif")
    assert "portlint.dev" not in proc.stdout and "helpUri" not in proc.stdout
