"""Hostile and malformed YAML input, end to end through the CLI: a finding or a skip, never a traceback.

Each case is its own scan root: the static inputs live in ``tests/fixtures/robustness/``; binary,
non-UTF-8, oversized, deeply nested files and symlinks are made in a temporary folder.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import FIXTURES, run_cli, scan_tree
from portlint.config import Config
from portlint.discover import SourceFile
from portlint.model import Role
from portlint.readers import ReadContext, kubernetes

ROBUSTNESS = FIXTURES / "robustness"
SERVICE = "apiVersion: v1\nkind: Service\nmetadata:\n  name: ok\nspec:\n  selector: {app: ok}\n  ports:\n    - port: 80\n"


def check(tree: Path) -> tuple[int, list[dict], str]:
    """Run ``portlint check TREE --format json``: (exit code, findings, stderr)."""
    proc = run_cli("check", str(tree), "--format", "json", cwd=tree)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode in (0, 1), (proc.returncode, proc.stderr)
    return proc.returncode, json.loads(proc.stdout)["findings"], proc.stderr


def parse_errors(findings: list[dict]) -> list[tuple[str, int, str]]:
    return [(f["location"]["path"], f["location"]["line"], f["severity"]) for f in findings if f["rule_id"] == "PL001"]


def tree_with(tmp_path: Path, *names: str) -> Path:
    """A scan root holding the named static fixtures and one good Service (read despite the rest)."""
    root = tmp_path / "tree"
    root.mkdir()
    for name in names:
        shutil.copy(ROBUSTNESS / name, root / name)
    (root / "good.yaml").write_text(SERVICE)
    return root


def test_invalid_yaml_is_a_parse_error_at_the_mark(tmp_path: Path) -> None:
    code, findings, _ = check(tree_with(tmp_path, "invalid.yaml"))
    assert code == 1
    assert parse_errors(findings) == [("invalid.yaml", 8, "error")]


def test_alias_bomb_fails_fast(tmp_path: Path) -> None:
    code, findings, _ = check(tree_with(tmp_path, "alias-bomb.yaml"))
    assert code == 1
    assert parse_errors(findings) == [("alias-bomb.yaml", 2, "error")]
    assert "alias" in next(f["message"] for f in findings if f["rule_id"] == "PL001")


def test_alias_bomb_is_handled_in_well_under_a_second(tmp_path: Path) -> None:
    root = tree_with(tmp_path, "alias-bomb.yaml")
    started = time.process_time()  # CPU time: a hang guard that a busy machine does not trip
    result = scan_tree(root, select=("PL001",))
    assert time.process_time() - started < 1.0
    assert [f.location.path for f in result.graph.failures] == ["alias-bomb.yaml"]


def test_cyclic_alias_is_a_failure_not_a_hang(tmp_path: Path) -> None:
    root = tree_with(tmp_path)
    (root / "cycle.yaml").write_text("apiVersion: v1\nkind: Service\nmetadata: &m\n  name: c\n  self: *m\n"
                                     "spec: &s {<<: *s, ports: [{port: 80}]}\n")
    _, findings, _ = check(root)
    assert parse_errors(findings) == [("cycle.yaml", 1, "error")]


def test_python_and_custom_tags_are_inert(tmp_path: Path) -> None:
    root = tree_with(tmp_path, "python-tags.yaml")
    _, findings, _ = check(root)
    assert parse_errors(findings) == []
    assert not (root / "portlint-was-here").exists()
    result = scan_tree(root, select=("PL001",))
    tagged = [f for f in result.graph.facts() if f.location.path == "python-tags.yaml"]
    # tagged scalars are never read as ports; the plain port of the second slot is
    assert [(f.role, f.value.number, f.location.line) for f in tagged] == [
        (Role.EXPOSE, 81, 14), (Role.TARGET, 81, 14)]
    assert result.graph.entity("k8s/Service:tagged").attrs["selector"] == {"app": "tagged"}


def test_bom_prefixed_file_is_read_normally(tmp_path: Path) -> None:
    root = tree_with(tmp_path, "bom.yaml")
    _, findings, _ = check(root)
    assert parse_errors(findings) == []
    result = scan_tree(root, select=("PL001",))
    [port] = [f for f in result.graph.facts(role=Role.EXPOSE) if f.location.path == "bom.yaml"]
    assert (port.location.line, port.location.column, port.value.number) == (7, 13, 80)


@pytest.mark.parametrize("name", ["empty.yaml", "comments.yaml", "not-a-mapping.yaml"])
def test_nothing_to_read_is_nothing(tmp_path: Path, name: str) -> None:
    root = tree_with(tmp_path, name)
    code, findings, _ = check(root)
    assert parse_errors(findings) == []
    assert [f for f in findings if f["location"]["path"] == name] == []
    assert code in (0, 1)


def test_deep_nesting_is_a_failure_not_a_recursion_error(tmp_path: Path) -> None:
    root = tree_with(tmp_path)
    (root / "deep.yaml").write_text("apiVersion: v1\nkind: ConfigMap\ndata:\n  x: " + "[" * 5000 + "]" * 5000 + "\n")
    _, findings, _ = check(root)
    assert parse_errors(findings) == [("deep.yaml", 4, "error")]


def test_non_utf8_manifest_is_a_failure(tmp_path: Path) -> None:
    root = tree_with(tmp_path)
    (root / "latin1.yaml").write_bytes("apiVersion: v1\nkind: Service\nmetadata:\n  name: caf\xe9\n".encode("latin-1"))
    (root / "latin1-notes.yaml").write_bytes("note: caf\xe9\n".encode("latin-1"))  # not Kubernetes: not ours
    _, findings, _ = check(root)
    assert parse_errors(findings) == [("latin1.yaml", 1, "error")]
    assert "UTF-8" in next(f["message"] for f in findings if f["rule_id"] == "PL001")


def test_binary_file_named_yaml_is_skipped_with_a_note(tmp_path: Path) -> None:
    root = tree_with(tmp_path)
    (root / "x.yaml").write_bytes(b"apiVersion\x00kind\x00\xff\xfe" * 64)
    code, findings, _ = check(root)
    assert parse_errors(findings) == [("x.yaml", 1, "note")]
    assert code == 0  # a note does not fail the run


def test_oversized_file_is_skipped_with_a_note(tmp_path: Path) -> None:
    root = tree_with(tmp_path)
    (root / ".portlint.toml").write_text("max-file-size = 400\n")
    (root / "big.yaml").write_text(SERVICE + "".join(f"# padding {i}\n" for i in range(100)))
    code, findings, _ = check(root)
    assert parse_errors(findings) == [("big.yaml", 1, "note")]
    assert code == 0


def test_symlink_loop_and_broken_symlink(tmp_path: Path) -> None:
    root = tree_with(tmp_path)
    (root / "sub").mkdir()
    os.symlink("..", root / "sub" / "loop")
    os.symlink(root / "sub", root / "sub" / "again")
    os.symlink(root / "missing.yaml", root / "dangling.yaml")
    os.symlink(root / "good.yaml", root / "alias.yaml")  # a symlink to a file is read
    code, findings, _ = check(root)
    assert parse_errors(findings) == []
    assert code in (0, 1)


def test_a_broken_file_does_not_stop_the_others(tmp_path: Path) -> None:
    root = tree_with(tmp_path, "invalid.yaml", "alias-bomb.yaml", "python-tags.yaml", "bom.yaml")
    result = scan_tree(root, select=("PL001",))
    names = sorted(e.attrs["name"] for e in result.graph.entities("k8s/Service"))
    assert names == ["bom", "ok", "tagged"]


_YAMLISH = "ab: -[]{}&*!|>'\"#%@`{{}}\n\t\r ,?.0123456789\x85\u2028é"

_PIECES = list(_YAMLISH) + ["{{ .Values.p }}", "\n  - port: ", "\n    targetPort: ", "\nspec:\n  ports:",
                            "\nmetadata:\n  labels:\n    {{- include \"x\" . }}", "\n---\n"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=st.lists(st.sampled_from(_PIECES), max_size=120).map("".join), templated=st.booleans())
def test_the_reader_never_raises(body: str, templated: bool) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        path = root / ("c/templates/x.yaml" if templated else "x.yaml")
        path.parent.mkdir(parents=True, exist_ok=True)
        if templated:
            (root / "c" / "Chart.yaml").write_text("apiVersion: v2\nname: c\nversion: 1.0.0\n")
            (root / "c" / "values.yaml").write_text("p: 80\n")
        path.write_text("apiVersion: v1\nkind: Service\n" + body, encoding="utf-8")
        rel = path.relative_to(root).as_posix()
        file = SourceFile(path=path, rel=rel, size=path.stat().st_size)
        output = kubernetes.read([file], ReadContext(root=root, config=Config()))
        assert all(f.location.path in (rel, "c/values.yaml") for f in output.failures)
