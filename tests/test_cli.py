"""End-to-end tests of the CLI: exit codes, formats, config errors, user rule folders."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import FIXTURES, SCHEMA, run_cli

USER_RULES = FIXTURES / "cli" / "user-rules"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "probe.txt").write_text("a\nb\n")
    return tmp_path


def _check(tree: Path, *args: str, env: dict | None = None):
    # run from the tree, so that paths print relative to it (they are relative to where you stand)
    return run_cli("check", ".", "--rules-dir", str(USER_RULES), "--select", "XU001", *args, env=env, cwd=tree)


def test_clean_tree_exits_zero(tmp_path: Path) -> None:
    proc = run_cli("check", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert "no findings" in proc.stdout


def test_findings_exit_one_and_text_names_both_sides(tree: Path) -> None:
    proc = _check(tree)
    assert proc.returncode == 1, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "probe.txt:2:3  XU001  [warning] planted finding"
    assert "    other.txt:7: the other side" in lines
    assert lines[-1].startswith("portlint: 1 finding (1 warning)")
    assert "\x1b[" not in proc.stdout


def test_fail_on_error_ignores_warnings(tree: Path) -> None:
    assert _check(tree, "--fail-on", "error").returncode == 0


def test_config_severity_override(tree: Path) -> None:
    (tree / ".portlint.toml").write_text('[rules.always-one]\nseverity = "note"\n')
    proc = _check(tree)
    assert proc.returncode == 0
    assert "[note] planted finding" in proc.stdout


def test_config_can_disable_rule(tree: Path) -> None:
    (tree / ".portlint.toml").write_text("[rules]\nXU001 = false\n")
    proc = run_cli("check", str(tree), "--rules-dir", str(USER_RULES))
    assert "XU001" not in proc.stdout


def test_ignore_beats_select(tree: Path) -> None:
    proc = _check(tree, "--ignore", "XU")
    assert proc.returncode == 0 and "XU001" not in proc.stdout


def test_rules_dir_from_config(tree: Path) -> None:
    """A config inside the scanned tree loads rule code only with --trust-config (tests/test_trust.py)."""
    (tree / ".portlint.toml").write_text(f'rules-dir = ["{USER_RULES.as_posix()}"]\n')
    proc = run_cli("check", str(tree), "--select", "XU001", "--trust-config")
    assert proc.returncode == 1 and "planted finding" in proc.stdout


def test_json_output_schema(tree: Path) -> None:
    proc = _check(tree, "--format", "json")
    data = json.loads(proc.stdout)
    assert data["schema_version"] == 2
    assert data["summary"]["findings"] == 1 and data["summary"]["warning"] == 1
    finding = data["findings"][0]
    assert finding["rule_id"] == "XU001" and finding["rule_name"] == "always-one"
    assert finding["location"] == {"path": "probe.txt", "line": 2, "column": 3}
    assert finding["related"][0]["location"]["path"] == "other.txt"


def test_sarif_validates_against_schema(tree: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    proc = _check(tree, "--format", "sarif")
    document = json.loads(proc.stdout)
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.validate(document, schema)
    result = document["runs"][0]["results"][0]
    assert result["ruleId"] == "XU001" and result["level"] == "warning"
    region = result["locations"][0]["physicalLocation"]["region"]
    assert (region["startLine"], region["startColumn"]) == (2, 3)
    assert result["relatedLocations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "other.txt"
    rules = document["runs"][0]["tool"]["driver"]["rules"]
    assert rules[result["ruleIndex"]]["id"] == "XU001"
    assert all(r["help"]["markdown"] and r["shortDescription"]["text"] for r in rules)
    assert not any("helpUri" in r for r in rules)  # no link to a page that does not exist; the help is embedded
    assert "informationUri" not in document["runs"][0]["tool"]["driver"]


def test_several_formats_in_one_run(tree: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = _check(tree, "--format", "sarif", "-o", str(out / "r.sarif"), "--format", "json", "-o", str(out / "r.json"))
    assert proc.returncode == 1 and proc.stdout == ""
    assert json.loads((out / "r.sarif").read_text())["version"] == "2.1.0"
    assert json.loads((out / "r.json").read_text())["summary"]["findings"] == 1


def test_output_is_deterministic(tree: Path) -> None:
    first = _check(tree, "--format", "sarif").stdout
    assert first == _check(tree, "--format", "sarif").stdout


def test_bad_config_is_exit_two_naming_key(tree: Path) -> None:
    (tree / ".portlint.toml").write_text('[services]\nfastapi = { port = 99999 }\n')
    proc = run_cli("check", str(tree))
    assert proc.returncode == 2
    assert "services.fastapi.port" in proc.stderr and ".portlint.toml" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_invalid_toml_is_exit_two(tree: Path) -> None:
    (tree / ".portlint.toml").write_text("[ranges\n")
    proc = run_cli("check", str(tree))
    assert proc.returncode == 2 and "not valid TOML" in proc.stderr


def test_pyproject_tool_table(tree: Path) -> None:
    (tree / "pyproject.toml").write_text('[tool.portlint.ranges]\nweb = [3000, 2000]\n')
    proc = run_cli("check", str(tree))
    assert proc.returncode == 2 and "tool.portlint.ranges.web" in proc.stderr


def test_missing_path_is_usage_error(tmp_path: Path) -> None:
    proc = run_cli("check", str(tmp_path / "nope"))
    assert proc.returncode == 2 and "no such file" in proc.stderr


def test_unknown_format_is_usage_error(tree: Path) -> None:
    assert run_cli("check", str(tree), "--format", "xml").returncode == 2


def test_broken_user_rule_is_usage_error(tree: Path) -> None:
    proc = run_cli("check", str(tree), "--rules-dir", str(FIXTURES / "cli" / "bad-rules"))
    assert proc.returncode == 2 and "SEVERITY" in proc.stderr and "Traceback" not in proc.stderr


def test_no_color_env_and_flag(tree: Path) -> None:
    proc = _check(tree, env={"FORCE_COLOR": "1"})
    assert "\x1b[" not in proc.stdout  # NO_COLOR (set by run_cli) wins
    proc = _check(tree, "--no-color", env={"FORCE_COLOR": "1", "NO_COLOR": ""})
    assert "\x1b[" not in proc.stdout


def test_force_color_colours(tree: Path) -> None:
    proc = run_cli("check", str(tree), "--rules-dir", str(USER_RULES), "--select", "XU001",
                   env={"FORCE_COLOR": "1", "NO_COLOR": ""})
    assert "\x1b[" in proc.stdout
    assert "planted finding" in proc.stdout


def test_rules_lists_builtin_rules() -> None:
    proc = run_cli("rules")
    assert proc.returncode == 0
    assert "PL001  parse-error" in proc.stdout


def test_no_command_is_usage_error() -> None:
    assert run_cli().returncode == 2


def test_github_annotations(tree: Path) -> None:
    proc = _check(tree, "--format", "github")
    line = proc.stdout.splitlines()[0]
    assert line.startswith("::warning file=probe.txt,line=2,col=3,title=XU001 always-one::planted finding%0A")
    assert "other.txt:7: the other side" in line


def test_gitlab_code_quality(tree: Path) -> None:
    issues = json.loads(_check(tree, "--format", "gitlab").stdout)
    assert issues[0]["location"] == {"path": "probe.txt", "lines": {"begin": 2}}
    assert issues[0]["severity"] == "minor" and len(issues[0]["fingerprint"]) == 32
    assert issues[0]["check_name"] == "always-one"


def test_junit_xml(tree: Path) -> None:
    from xml.etree import ElementTree as ET

    root = ET.fromstring(_check(tree, "--format", "junit").stdout)
    failures = root.findall(".//failure")
    assert len(failures) == 1 and failures[0].get("message") == "planted finding"
    assert "other.txt:7" in failures[0].text


def test_a_clean_tree_without_ports_says_nothing_was_compared(tmp_path: Path) -> None:
    """A clean result on files that hold no port is not 'checked and fine'."""
    (tmp_path / "main.tf").write_text('resource "aws_s3_bucket" "logs" {\n  bucket = "logs"\n}\n')
    for args in (("--no-cache",), (), ()):  # cold, cold writing the scan cache, from the scan cache
        proc = run_cli("check", str(tmp_path), *args)
        assert proc.returncode == 0
        assert "no findings (1 file read; no port was found in it, so nothing was compared)" in proc.stdout
    data = json.loads(run_cli("check", str(tmp_path), "--format", "json").stdout)
    assert data["summary"]["ports_read"] == 0
    (tmp_path / "compose.yaml").write_text('services:\n  web:\n    image: nginx\n    ports: ["8080:80"]\n')
    proc = run_cli("check", str(tmp_path))
    assert "nothing was compared" not in proc.stdout


def test_a_run_ends_without_teardown_but_with_all_its_output(tmp_path) -> None:
    """The CLI leaves with ``os._exit`` (no heap teardown): everything it printed, however long,
    reaches the pipe, exit handlers still run, and the exit code is kept."""
    import json

    from conftest import ROOT

    run = run_cli("check", str(ROOT / "examples" / "genai-monorepo"), "--no-cache", "--format", "json-full")
    assert run.returncode == 1, run.stderr
    document = json.loads(run.stdout)  # complete: a cut-off document does not parse
    assert len(run.stdout) > 50_000 and document["findings"]  # a long document, whole
    clean = tmp_path / "clean"
    clean.mkdir()
    assert run_cli("check", str(clean), "--no-cache").returncode == 0
