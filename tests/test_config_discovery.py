"""Which config applies (issue 14): found in the scan root or a folder above it, as ruff does; shown
with --show-settings; a nested config is never ignored in silence."""

from __future__ import annotations

import tomllib
from pathlib import Path

from conftest import run_cli
from portlint.config import parse_config
from portlint.registry import load_rules
from portlint.validate import check_rule_settings


def test_config_in_a_parent_folder_is_found(tmp_path: Path) -> None:
    (tmp_path / ".portlint.toml").write_text('[rules.PL101]\nseverity = "note"\n')
    (tmp_path / "deploy" / "k8s").mkdir(parents=True)
    proc = run_cli("check", str(tmp_path / "deploy" / "k8s"), "--show-settings")
    assert proc.returncode == 0, proc.stderr
    assert ".portlint.toml (found in a folder above the scan root" in proc.stdout
    assert '[rules.PL101]  # service-target-port-mismatch (consistency)\nenabled = true' in proc.stdout
    assert 'severity = "note"' in proc.stdout


def test_pyproject_in_a_parent_folder_is_found(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n[tool.portlint]\nexclude = ["legacy"]\n')
    (tmp_path / "sub").mkdir()
    proc = run_cli("check", str(tmp_path / "sub"), "--show-settings")
    assert "pyproject.toml (found in a folder above" in proc.stdout and 'exclude = ["legacy"]' in proc.stdout


def test_pyproject_without_portlint_table_is_passed_over(tmp_path: Path) -> None:
    (tmp_path / ".portlint.toml").write_text('exclude = ["outer"]\n')
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "pyproject.toml").write_text('[project]\nname = "portlint-plugin"\n')
    proc = run_cli("check", str(tmp_path / "sub"), "--show-settings")
    assert 'exclude = ["outer"]' in proc.stdout


def test_nearest_config_wins(tmp_path: Path) -> None:
    (tmp_path / ".portlint.toml").write_text('exclude = ["outer"]\n')
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / ".portlint.toml").write_text('exclude = ["inner"]\n')
    proc = run_cli("check", str(tmp_path / "sub"), "--show-settings")
    assert "found in the scan root" in proc.stdout and 'exclude = ["inner"]' in proc.stdout


def test_show_settings_without_config_says_defaults(tmp_path: Path) -> None:
    proc = run_cli("check", str(tmp_path), "--show-settings", "--ignore", "PL101")
    assert proc.returncode == 0
    assert "config: none found (defaults)" in proc.stdout
    assert "[rules.PL101]  # service-target-port-mismatch (consistency)\nenabled = false" in proc.stdout


def test_show_settings_is_valid_config(tmp_path: Path) -> None:
    (tmp_path / ".portlint.toml").write_text(
        '[ranges]\napi = [8000, 8999]\n[services]\napi = { port = 8000, range = "api", aliases = ["x"] }\n'
        '[rules.PL205]\nwide_range = 10\n')
    proc = run_cli("check", str(tmp_path), "--show-settings")
    data = tomllib.loads(proc.stdout)
    assert data["rules"]["PL205"]["wide_range"] == 10
    config = parse_config(data, "shown")
    check_rule_settings(config, load_rules())
    assert config.services["api"].port == 8000


def test_nested_config_is_reported(tmp_path: Path) -> None:
    (tmp_path / "team").mkdir()
    (tmp_path / "team" / ".portlint.toml").write_text('exclude = ["x"]\nenvironments = ["qa"]\n')
    proc = run_cli("check", str(tmp_path))
    assert proc.returncode == 0
    assert "team/.portlint.toml sets environments: global settings" in proc.stderr
    shown = run_cli("check", str(tmp_path), "--show-settings")
    assert "# nested config: team/.portlint.toml applies to team/" in shown.stdout
    assert "#   not applied (global): environments" in shown.stdout


def test_root_config_is_not_reported_as_nested(tmp_path: Path) -> None:
    (tmp_path / ".portlint.toml").write_text('exclude = ["x"]\n')
    proc = run_cli("check", str(tmp_path))
    assert "nested" not in proc.stderr
