"""Nested ``.portlint.toml``: the closest config wins for its files (per-scope keys only)."""

from __future__ import annotations

import tomllib
from pathlib import Path

from conftest import run_cli, scan_tree

COMPOSE = ("services:\n  db:\n    image: postgres:16\n    ports: [\"5432:5432\"]\n"
           "  api:\n    image: example/api\n    ports: [\"70000:80\"]\n")


def _tree(root: Path, team_config: str) -> Path:
    for folder in ("team", "other"):
        (root / folder).mkdir(parents=True, exist_ok=True)
        (root / folder / "compose.yaml").write_text(COMPOSE)
    (root / "team" / ".portlint.toml").write_text(team_config)
    return root


def _found(root: Path) -> list[tuple[str, str, str]]:
    return sorted((f.location.path, f.rule_id, f.severity.value) for f in scan_tree(root).findings)


def test_rule_selection_and_severity_apply_to_the_nested_folder_only(tmp_path: Path) -> None:
    _tree(tmp_path, 'extend-select = ["hygiene"]\n[rules.PL002]\nseverity = "warning"\n')
    assert _found(tmp_path) == [("other/compose.yaml", "PL002", "error"),
                                ("team/compose.yaml", "PL002", "warning"),
                                ("team/compose.yaml", "PL114", "warning"),  # hygiene: container port 80
                                ("team/compose.yaml", "PL407", "warning")]


def test_without_nested_settings_both_folders_are_judged_alike(tmp_path: Path) -> None:
    _tree(tmp_path, "")
    assert _found(tmp_path) == [("other/compose.yaml", "PL002", "error"), ("team/compose.yaml", "PL002", "error")]


def test_a_nested_config_turns_a_rule_off_for_its_folder(tmp_path: Path) -> None:
    _tree(tmp_path, "[rules.PL002]\nenabled = false\n")
    assert _found(tmp_path) == [("other/compose.yaml", "PL002", "error")]


def test_nested_exclude_is_relative_to_its_folder(tmp_path: Path) -> None:
    _tree(tmp_path, 'exclude = ["compose.yaml"]\n')
    assert _found(tmp_path) == [("other/compose.yaml", "PL002", "error")]


def test_the_closest_of_two_nested_configs_wins(tmp_path: Path) -> None:
    _tree(tmp_path, "[rules.PL002]\nenabled = false\n")
    (tmp_path / "team" / "sub").mkdir()
    (tmp_path / "team" / "sub" / "compose.yaml").write_text(COMPOSE)
    (tmp_path / "team" / "sub" / ".portlint.toml").write_text('[rules.PL002]\nseverity = "note"\n')
    assert _found(tmp_path) == [("other/compose.yaml", "PL002", "error"), ("team/sub/compose.yaml", "PL002", "note")]


def test_global_keys_of_a_nested_config_are_named_and_not_applied(tmp_path: Path) -> None:
    _tree(tmp_path, 'precedence = ["env", "yaml", "code", "parameter-store"]\n')
    proc = run_cli("check", str(tmp_path))
    assert proc.returncode == 1
    assert "team/.portlint.toml sets precedence: global settings come from the defaults only" in proc.stderr
    shown = run_cli("check", str(tmp_path), "--show-settings")
    data = tomllib.loads(shown.stdout)  # still valid TOML
    assert data["precedence"] == ["parameter-store", "env", "yaml", "code"]
    assert "#   not applied (global): precedence" in shown.stdout


def test_a_typo_in_a_nested_config_is_a_config_error(tmp_path: Path) -> None:
    _tree(tmp_path, "[rules.PL002]\nseverty = \"warning\"\n")
    proc = run_cli("check", str(tmp_path))
    assert proc.returncode == 2 and "team/.portlint.toml" in proc.stderr and "Traceback" not in proc.stderr
    _tree(tmp_path, "extnd-select = []\n")
    proc = run_cli("check", str(tmp_path))
    assert proc.returncode == 2 and "extnd-select" in proc.stderr


def test_the_roots_own_config_under_explicit_config_is_noted_not_nested(tmp_path: Path) -> None:
    _tree(tmp_path, "")
    (tmp_path / ".portlint.toml").write_text("[rules.PL002]\nenabled = false\n")
    other = tmp_path.parent / f"{tmp_path.name}-other.toml"
    other.write_text("")
    proc = run_cli("check", str(tmp_path), "--config", str(other))
    assert proc.returncode == 1  # the root's file is not applied: PL002 still fires
    assert ".portlint.toml is a nested config and is not applied" in proc.stderr


def test_a_nested_pyproject_table_is_a_nested_config(tmp_path: Path) -> None:
    """As ruff reads a folder's pyproject.toml: its [tool.portlint] table applies to its folder."""
    _tree(tmp_path, "")
    (tmp_path / "team" / ".portlint.toml").unlink()
    (tmp_path / "team" / "pyproject.toml").write_text(
        '[project]\nname = "team"\n[tool.portlint.rules.PL002]\nseverity = "warning"\n')
    assert _found(tmp_path) == [("other/compose.yaml", "PL002", "error"), ("team/compose.yaml", "PL002", "warning")]
    (tmp_path / "team" / "pyproject.toml").write_text('[tool.portlint.rules.PL002]\nseverty = "warning"\n')
    typo = run_cli("check", str(tmp_path))
    assert typo.returncode == 2 and "tool.portlint.rules.PL002" in typo.stderr and "Traceback" not in typo.stderr


def test_a_portlint_toml_beside_a_pyproject_table_wins(tmp_path: Path) -> None:
    _tree(tmp_path, "[rules.PL002]\nenabled = false\n")
    (tmp_path / "team" / "pyproject.toml").write_text('[tool.portlint.rules.PL002]\nseverity = "note"\n')
    assert _found(tmp_path) == [("other/compose.yaml", "PL002", "error")]
