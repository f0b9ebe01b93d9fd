"""Issue 15's trust boundary: a config inside the scanned tree never loads rule code on its own."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import FIXTURES, run_cli

MARKER_RULES = FIXTURES / "cli" / "marker-rules"


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A checkout whose .portlint.toml (written by a PR, say) points rules-dir at code."""
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "svc").mkdir()
    (repo / ".portlint.toml").write_text(f'rules-dir = ["{MARKER_RULES.as_posix()}"]\n')
    return repo


def _run(*args: str, marker: Path, cwd: Path | None = None):
    return run_cli(*args, cwd=cwd, env={"PORTLINT_MARKER": str(marker)})


def test_in_tree_rules_dir_is_refused_and_no_code_runs(checkout: Path, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    proc = _run("check", str(checkout), marker=marker)
    assert proc.returncode == 2
    assert "rules-dir" in proc.stderr and "--trust-config" in proc.stderr and ".portlint.toml" in proc.stderr
    assert not marker.exists()


def test_config_in_parent_of_the_same_checkout_is_in_tree(checkout: Path, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    proc = _run("check", str(checkout / "svc"), marker=marker)
    assert proc.returncode == 2 and "--trust-config" in proc.stderr
    assert not marker.exists()


@pytest.mark.parametrize("command", [["rules"], ["explain", "PL101"]])
def test_rules_and_explain_refuse_too(checkout: Path, tmp_path: Path, command: list[str]) -> None:
    marker = tmp_path / "ran"
    proc = _run(*command, marker=marker, cwd=checkout)
    assert proc.returncode == 2 and "--trust-config" in proc.stderr
    assert not marker.exists()


def test_trust_config_opts_in(checkout: Path, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    proc = _run("check", str(checkout), "--trust-config", marker=marker)
    assert proc.returncode == 0, proc.stderr
    assert marker.exists()


def test_rules_dir_on_the_command_line_opts_in(checkout: Path, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    proc = _run("check", str(checkout), "--rules-dir", str(MARKER_RULES), marker=marker)
    assert proc.returncode == 0, proc.stderr
    assert marker.exists()


def test_config_outside_the_checkout_is_trusted(checkout: Path, tmp_path: Path) -> None:
    (checkout / ".portlint.toml").unlink()
    outside = tmp_path / "ci" / "portlint.toml"
    outside.parent.mkdir()
    outside.write_text(f'rules-dir = ["{MARKER_RULES.as_posix()}"]\n')
    marker = tmp_path / "ran"
    proc = _run("check", str(checkout), "--config", str(outside), marker=marker)
    assert proc.returncode == 0, proc.stderr
    assert marker.exists()


def test_explicit_config_inside_the_checkout_is_not_trusted(checkout: Path, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    proc = _run("check", str(checkout / "svc"), "--config", str(checkout / ".portlint.toml"), marker=marker)
    assert proc.returncode == 2 and not marker.exists()


def test_config_subcommand_never_loads_rules(checkout: Path, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    proc = _run("config", str(checkout), marker=marker)
    assert proc.returncode == 0, proc.stderr
    assert not marker.exists()


def test_ci_doc_explains_the_trust_boundary() -> None:
    text = (Path(__file__).resolve().parent.parent / "docs" / "ci.md").read_text(encoding="utf-8")
    assert "--trust-config" in text and "rules-dir" in text


def test_discovered_parent_config_without_git_is_not_trusted(tmp_path: Path) -> None:
    """An archive has no .git to mark the checkout: a config found above the scan root still counts."""
    (tmp_path / "app").mkdir()
    (tmp_path / ".portlint.toml").write_text(f'rules-dir = ["{MARKER_RULES.as_posix()}"]\n')
    marker = tmp_path / "ran"
    proc = _run("check", str(tmp_path / "app"), marker=marker)
    assert proc.returncode == 2 and "--trust-config" in proc.stderr
    assert not marker.exists()
