"""`portlint audit` and `portlint graph` print paths relative to the current folder, as `check` does."""

from __future__ import annotations

import json
import re
from pathlib import Path

from conftest import FIXTURES, copy_tree, run_cli

TREE = FIXTURES / "query" / "ingress"


def _tree(tmp_path: Path) -> Path:
    target = tmp_path / "repo" / "deploy"
    copy_tree(TREE, target)
    return target


def _md_paths(text: str) -> set[str]:
    return set(re.findall(r"[\w./-]*services\.yaml(?=:\d)", text.replace("\\", "")))


def test_audit_paths_open_from_the_current_folder(tmp_path: Path) -> None:
    deploy = _tree(tmp_path)
    repo = deploy.parent
    above = run_cli("audit", "deploy", "-f", "md", "-o", "-", cwd=repo)
    inside = run_cli("audit", ".", "-f", "md", "-o", "-", cwd=deploy)
    assert above.returncode == inside.returncode == 0, above.stderr + inside.stderr
    assert _md_paths(above.stdout) == {"deploy/services.yaml"}
    assert _md_paths(inside.stdout) == {"services.yaml"}
    for path in _md_paths(above.stdout):
        assert (repo / path).is_file()
    # the same words in the HTML page (a <wbr> after each slash lets long paths wrap)
    html = run_cli("audit", "deploy", "-o", "-", cwd=repo).stdout.replace("<wbr>", "")
    assert "deploy/services.yaml:21" in html and "deploy/ingress.yaml:22" in html
    assert not re.search(r"[^/\w]services\.yaml:21", html)  # no root-relative leftover


def test_audit_from_below_the_scan_root_steps_up(tmp_path: Path) -> None:
    deploy = _tree(tmp_path)
    (deploy / "sub").mkdir()
    below = run_cli("audit", "..", "-f", "md", "-o", "-", cwd=deploy / "sub")
    assert _md_paths(below.stdout) == {"../services.yaml"}


def test_graph_json_paths_open_from_the_current_folder(tmp_path: Path) -> None:
    deploy = _tree(tmp_path)
    repo = deploy.parent
    above = json.loads(run_cli("graph", "deploy", cwd=repo).stdout)
    inside = json.loads(run_cli("graph", ".", cwd=deploy).stdout)
    paths = {node["location"]["path"] for node in above["nodes"]}
    assert paths == {"deploy/services.yaml", "deploy/ingress.yaml"}
    assert all((repo / p).is_file() for p in paths)
    assert {node["location"]["path"] for node in inside["nodes"]} == {"services.yaml", "ingress.yaml"}
    facts = {f["location"]["path"] for node in above["nodes"] for f in node["facts"]}
    edges = {loc["path"] for edge in above["edges"] for loc in edge["locations"]}
    assert facts | edges <= paths
    assert [n["id"] for n in above["nodes"]] == [n["id"] for n in inside["nodes"]]  # ids are names, not paths


def test_compose_project_id_in_messages_is_the_same_from_every_folder(tmp_path: Path) -> None:
    """A non-default compose file's project id (its root-relative path) is a name: the message
    bytes do not change with the folder portlint runs from; the location still opens from there."""
    stack = tmp_path / "repo" / "stack"
    stack.mkdir(parents=True)
    (stack / "compose.yaml").write_text("services:\n  a:\n    image: example/a:1\n", encoding="utf-8")
    (stack / "compose.alt.yml").write_text(
        "services:\n  b:\n    image: example/b:1\n    environment:\n      - B_PORT=8o8o\n", encoding="utf-8")
    repo = stack.parent
    inside = run_cli("check", ".", "--no-cache", "-f", "json", cwd=repo)
    above = run_cli("check", "repo", "--no-cache", "-f", "json", cwd=tmp_path)
    assert inside.returncode == above.returncode == 1, inside.stderr + above.stderr
    messages = [[f["message"] for f in json.loads(p.stdout)["findings"]] for p in (inside, above)]
    assert messages[0] == messages[1]
    assert any("(ns stack/compose.alt.yml)" in m for m in messages[0]), messages[0]
    assert [f["location"]["path"] for f in json.loads(above.stdout)["findings"]] == ["repo/stack/compose.alt.yml"]
