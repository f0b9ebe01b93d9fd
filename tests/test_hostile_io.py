"""Issue 16 regressions: one test per reproducer (config ones aside). Trees come from
tests/hostile_io.py generators; each test asserts the exit code, the note or error, valid output,
and that the rest of the tree was still checked (the planted PL101 of ``good_service``)."""

from __future__ import annotations

import json
import os
import re
import tomllib
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

import hostile_io as H
from conftest import run_cli
from portlint.report._escape import is_printable

pytestmark = pytest.mark.skipif(os.name != "posix", reason="FIFOs, devices and symlinks are POSIX")

_RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _json(proc) -> dict:
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr, proc.stderr
    return json.loads(proc.stdout)


def _check_json(root: Path, *args: str, cwd: Path | None = None) -> tuple[int, dict]:
    proc = run_cli("check", *args, "-f", "json", cwd=cwd or root)
    return proc.returncode, _json(proc)


def _rules(report: dict) -> list[tuple[str, str]]:
    return [(f["rule_id"], f["location"]["path"]) for f in report["findings"]]


def _notes(report: dict) -> dict[str, str]:
    return {f["location"]["path"]: f["message"] for f in report["findings"] if f["severity"] == "note"}


def _still_checked(report: dict, path: str = "k8s/web.yaml") -> None:
    assert ("PL101", path) in _rules(report), "the rest of the tree was not checked"


# -- crashes -------------------------------------------------------------------------------

def test_deeply_nested_python_is_a_note_not_a_segfault(tmp_path: Path) -> None:
    root = H.make_deep_python(tmp_path)
    code, report = _check_json(root, ".")
    assert code == 1
    notes = _notes(report)
    for name in ("app/deep_parens.py", "app/deep_sum.py", "app/deep_lists.py", "app/unclosed.py",
                 "scripts/params.py"):
        assert "nested" in notes[name], notes
    _still_checked(report)


def test_libcst_crash_is_contained_in_the_worker() -> None:
    from portlint import isolate

    with pytest.raises(isolate.IsolatedFailure, match="crashed|stopped"):
        isolate.run("libcst-parses", "x = " + "(" * 3000 + "1" + ")" * 3000 + "\n")
    assert isolate.run("libcst-parses", "x = 1\n") is True  # a fresh worker answers the next request


@pytest.fixture
def deep_tmp(tmp_path: Path):
    """A tmp folder whose deep tree is removed here: pytest's recursive clean-up cannot."""
    yield tmp_path / "tree"
    H.remove_tree(tmp_path / "tree")


def test_thousand_nested_folders_are_walked(deep_tmp: Path) -> None:
    root = H.make_deep_folders(deep_tmp)
    code, report = _check_json(root, ".")
    assert code == 1
    _still_checked(report)


def test_paths_deeper_than_path_max_are_a_note(deep_tmp: Path) -> None:
    deep_tmp.mkdir()
    root = H.make_path_max(deep_tmp)
    code, report = _check_json(root, ".")
    assert code == 1
    assert any("PATH_MAX" in m for m in _notes(report).values()), report["findings"]
    _still_checked(report)


def test_cr_only_python_is_read(tmp_path: Path) -> None:
    root = H.make_cr_only_python(tmp_path)
    code, report = _check_json(root, ".")
    assert code == 1
    assert not [f for f in report["findings"] if f["location"]["path"] == "app/main.py"]
    proc = run_cli("graph", ".", cwd=root)
    graph = _json(proc)
    listens = [(f["location"]["path"], f["location"]["line"], f["value"]) for n in graph["nodes"]
               for f in n.get("facts", []) if f["role"] == "listen" and f["location"]["path"] == "app/main.py"]
    assert [(path, line, str(value)) for path, line, value in listens] == [("app/main.py", 4, "8000")]


# -- unbounded reads -------------------------------------------------------------------------

def test_baseline_symlink_to_dev_zero_is_refused(tmp_path: Path) -> None:
    baseline = H.make_baseline_dev_zero(tmp_path)
    proc = run_cli("check", ".", "--baseline", str(baseline), cwd=tmp_path)
    assert proc.returncode == 2
    assert "baseline not read: not a regular file (character device)" in proc.stderr


def test_env_symlink_to_dev_zero_is_not_read(tmp_path: Path) -> None:
    root = H.make_env_dev_zero(tmp_path)
    code, report = _check_json(root, ".")
    assert code == 1
    assert re.search("character device|outside the scan root", _notes(report)[".env"])
    _still_checked(report)


def test_fifo_env_beside_compose_does_not_block(tmp_path: Path) -> None:
    root = H.make_env_fifo(tmp_path)
    code, report = _check_json(root, ".")  # run_cli's timeout fails the test on a hang
    assert code == 1
    notes = _notes(report)
    assert "FIFO" in notes[".env"] and "FIFO" in notes["service.yaml"]
    _still_checked(report)


# -- writes ------------------------------------------------------------------------------------

@pytest.mark.parametrize("args", [("check", ".", "-f", "sarif", "-o", "portlint.sarif"),
                                  ("check", ".", "--write-baseline", "portlint.sarif"),
                                  ("audit", ".", "-o", "portlint.sarif")])
def test_writes_never_follow_a_symlink(tmp_path: Path, args: tuple[str, ...]) -> None:
    root = tmp_path / "repo"
    H.good_service(root)
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    os.symlink(victim, root / "portlint.sarif")
    proc = run_cli(*args, cwd=root)
    assert proc.returncode == 2, proc.stderr
    assert "symlink" in proc.stderr and "Traceback" not in proc.stderr
    assert victim.read_text() == "precious\n"


def test_init_refuses_a_dangling_config_symlink(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    H.good_service(root)
    os.symlink(tmp_path / "elsewhere.toml", root / ".portlint.toml")
    proc = run_cli("init", ".", "--force", cwd=root)
    assert proc.returncode == 2 and "symlink" in proc.stderr
    assert not (tmp_path / "elsewhere.toml").exists()


def test_init_escapes_what_it_writes(tmp_path: Path) -> None:
    from portlint.commands.init import ServiceGuess, render
    from portlint.model import Location

    name = 'api\n[rules]\nPL204 = false\n"\\\x00\x1b\u202e'
    where = Location("deploy/x\n[rules]\nPL101 = false.yaml", 3)
    text = render([ServiceGuess(name, 8000, {8000: [where], 9000: [where]})], ["dev\n[rules]"])
    parsed = tomllib.loads(text)
    assert "rules" not in parsed
    assert parsed["services"] == {name: {"port": 8000}}
    assert parsed["environments"] == ["dev\n[rules]"]
    assert all(is_printable(line) for line in text.splitlines())


def test_init_end_to_end_output_parses_back(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    H.good_service(root)
    (root / "compose.yaml").write_text('services:\n  "api\\n[rules]\\nPL204 = false":\n    image: x\n'
                                       '    ports: ["8000:8000"]\n')
    proc = run_cli("init", ".", cwd=root)
    assert proc.returncode == 0, proc.stderr
    config = tomllib.loads((root / ".portlint.toml").read_text())
    assert "rules" not in config
    assert run_cli("check", ".", cwd=root).returncode in (0, 1)


# -- output injection ---------------------------------------------------------------------------

def test_text_output_shows_escapes_instead_of_obeying_them(tmp_path: Path) -> None:
    root = H.make_hostile_file_name(H.make_hostile_names(tmp_path))
    proc = run_cli("check", ".", "--no-color", cwd=root)
    assert proc.returncode == 1
    assert not _RAW_CONTROL.search(proc.stdout), "a raw control or bidi character reached the terminal"
    assert "\\x1b]0;pwned\\x07" in proc.stdout and "\\u202e" in proc.stdout
    for line in proc.stdout.splitlines():  # no forged finding line
        assert line.startswith(("    ", "portlint:", "k8s/", "odd/")), line
    assert "PL999" not in [line.split()[1] for line in proc.stdout.splitlines() if not line.startswith(" ")
                           and len(line.split()) > 1]
    assert "k8s/web.yaml:10:19  PL101" in proc.stdout


def test_github_and_gitlab_output_is_escaped(tmp_path: Path) -> None:
    root = H.make_hostile_file_name(H.make_hostile_names(tmp_path))
    github = run_cli("check", ".", "-f", "github", cwd=root)
    assert github.returncode == 1
    assert "\x1b" not in github.stdout and "\r" not in github.stdout and "\u202e" not in github.stdout
    assert all(line.startswith("::") for line in github.stdout.splitlines())
    assert len(github.stdout.splitlines()) == len(_check_json(root, ".")[1]["findings"])
    gitlab = run_cli("check", ".", "-f", "gitlab", cwd=root)
    assert {i["location"]["path"] for i in json.loads(gitlab.stdout)} >= {"k8s/web.yaml", "k8s/evil.yaml"}


def test_junit_is_well_formed_with_control_characters(tmp_path: Path) -> None:
    root = H.make_hostile_file_name(H.make_hostile_names(tmp_path))
    proc = run_cli("check", ".", "-f", "junit", cwd=root)
    assert proc.returncode == 1
    suites = ET.fromstring(proc.stdout.encode("utf-8"))
    assert len(suites.findall(".//failure")) >= 3


def test_sarif_and_json_stay_valid(tmp_path: Path) -> None:
    root = H.make_hostile_file_name(H.make_hostile_names(tmp_path))
    sarif = json.loads(run_cli("check", ".", "-f", "sarif", cwd=root).stdout)
    assert sarif["runs"][0]["results"]
    code, report = _check_json(root, ".")
    assert code == 1 and any(H.HOSTILE_NAME in f["message"] for f in report["findings"])


def test_dot_and_mermaid_labels_are_escaped(tmp_path: Path) -> None:
    root = H.make_hostile_names(tmp_path)
    dot = run_cli("graph", ".", "-f", "dot", cwd=root).stdout
    assert "\x1b" not in dot and "\r" not in dot
    body = dot.splitlines()[3:-1]
    # every statement is one line and every quoted string closes: a trailing backslash is doubled
    string = r'"(?:[^"\\]|\\.)*"'
    statement = re.compile(rf'^  n[0-9a-f]{{10}}( -> n[0-9a-f]{{10}})? \[label={string}\];$')
    assert body and all(statement.match(line) for line in body), [l for l in body if not statement.match(l)]
    mermaid = run_cli("graph", ".", "-f", "mermaid", cwd=root).stdout
    assert "<img" not in mermaid and "\x1b" not in mermaid and "onerror=alert#40;1#41;" in mermaid
    node = re.compile(r'^  n[0-9a-f]{10}\["[^"\[\]]*"\]$|^  n[0-9a-f]{10} -->\|[a-z-]+\| n[0-9a-f]{10}$')
    assert all(node.match(line) for line in mermaid.splitlines()[1:]), mermaid


def test_audit_html_escapes_hostile_names(tmp_path: Path) -> None:
    root = H.make_hostile_names(tmp_path)
    proc = run_cli("audit", ".", "-o", "audit.html", cwd=root)
    assert proc.returncode in (0, 1), proc.stderr
    html = (root / "audit.html").read_text()
    assert "<img src=x" not in html and "\x1b" not in html


# -- outside the root -----------------------------------------------------------------------------

def test_symlinks_leaving_the_root_are_not_read(tmp_path: Path) -> None:
    root = H.make_outside_symlink(tmp_path / "repo")
    proc = run_cli("check", ".", "-f", "json", cwd=root)
    assert "hunter2" not in proc.stdout and "6666" not in proc.stdout
    report = _json(proc)
    notes = _notes(report)
    assert "outside the scan root" in notes["k8s/linked.yaml"] and "outside the scan root" in notes[".env"]
    _still_checked(report)


def test_chart_templates_scan_does_not_read_values_above_the_root(tmp_path: Path) -> None:
    templates = H.make_chart_templates(tmp_path)
    proc = run_cli("check", ".", "-f", "json", cwd=templates)
    assert proc.returncode in (0, 1)
    assert "7777" not in proc.stdout and "hunter2" not in proc.stdout
    graph = run_cli("graph", ".", cwd=templates).stdout
    assert "7777" not in graph


def test_explicit_file_outside_the_root_is_never_absolute(tmp_path: Path) -> None:
    H.good_service(tmp_path / "outside")
    root = tmp_path / "repo"
    H.good_service(root)
    proc = run_cli("check", "k8s/web.yaml", "../outside/k8s/web.yaml", "-f", "sarif", cwd=root)
    assert proc.returncode == 1
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in json.loads(proc.stdout)["runs"][0]["results"]}
    assert uris == {"k8s/web.yaml", "../outside/k8s/web.yaml"}
    assert str(tmp_path) not in proc.stdout.replace(json.loads(proc.stdout)["runs"][0]["originalUriBaseIds"]
                                                    ["%SRCROOT%"]["uri"], "")


# -- paths relative to where you stand (issue 14) --------------------------------------------------

def test_paths_are_relative_to_the_current_folder(tmp_path: Path) -> None:
    H.good_service(tmp_path / "deploy")
    (tmp_path / ".git").mkdir()
    text = run_cli("check", "deploy", "--no-color", cwd=tmp_path).stdout
    assert text.startswith("deploy/k8s/web.yaml:10:19  PL101")
    assert "    deploy/k8s/web.yaml:26:" in text
    github = run_cli("check", "deploy", "-f", "github", cwd=tmp_path).stdout
    assert github.startswith("::error file=deploy/k8s/web.yaml,line=10")
    single = run_cli("check", "deploy/k8s/web.yaml", "--no-color", cwd=tmp_path).stdout
    assert single.startswith("deploy/k8s/web.yaml:10:19  PL101")
    inside = run_cli("check", ".", "--no-color", cwd=tmp_path / "deploy").stdout
    assert inside.startswith("k8s/web.yaml:10:19  PL101")


def test_sarif_uris_are_relative_to_the_repository_root(tmp_path: Path) -> None:
    H.good_service(tmp_path / "deploy")
    (tmp_path / ".git").mkdir()
    proc = run_cli("check", ".", "-f", "sarif", cwd=tmp_path / "deploy")
    run = json.loads(proc.stdout)["runs"][0]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.resolve().as_uri() + "/"
    location = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": "deploy/k8s/web.yaml", "uriBaseId": "%SRCROOT%"}
