"""Rule groups, ruff-style: ``consistency`` runs by default, ``hygiene`` only when selected."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import FIXTURES, run_cli
from portlint.config import parse_config
from portlint.engine import RuleSelection
from portlint.registry import GROUPS, load_rules

TREE = FIXTURES / "groups"  # a dev compose file publishing PostgreSQL on all interfaces (PL407)
RULES = {r.id: r for r in load_rules()}


def _ids(*args: str, cwd: Path | None = None) -> set[str]:
    proc = run_cli("check", str(TREE), "--format", "json", *args, cwd=cwd)
    assert proc.returncode in (0, 1), proc.stderr
    import json

    return {f["rule_id"] for f in json.loads(proc.stdout)["findings"]}


def test_every_rule_declares_a_known_group() -> None:
    for rule in RULES.values():
        assert rule.group in GROUPS
    hygiene = sorted(r.id for r in RULES.values() if r.group == "hygiene")
    assert hygiene == ["PL114", "PL115", "PL116", "PL123", "PL204", "PL205", "PL407"]


def test_hygiene_is_off_by_default_and_on_with_extend_select() -> None:
    assert "PL407" not in _ids()
    assert "PL407" in _ids("--extend-select", "hygiene")
    assert "PL407" in _ids("--extend-select", "PL407")


def test_select_a_group_runs_only_that_group() -> None:
    assert _ids("--select", "hygiene") == {"PL407"}
    assert "PL407" not in _ids("--select", "consistency")


@pytest.mark.parametrize("table", [{"extend-select": ["hygiene"]}, {"rules": {"PL407": True}},
                                   {"select": ["ALL"]}])
def test_config_turns_hygiene_on(table: dict) -> None:
    config = parse_config(table, "x.toml")
    assert RuleSelection().active(RULES["PL407"], config)
    assert RuleSelection().active(RULES["PL101"], config)


def test_config_select_replaces_default_group_and_ignore_wins() -> None:
    config = parse_config({"select": ["hygiene"]}, "x.toml")
    assert not RuleSelection().active(RULES["PL101"], config)
    assert RuleSelection().active(RULES["PL407"], config)
    assert not RuleSelection(ignore=("PL407",)).active(RULES["PL407"], config)
    # a rule switched off in [rules] stays off unless the command line names it
    off = parse_config({"extend-select": ["hygiene"], "rules": {"PL407": False}}, "x.toml")
    assert not RuleSelection().active(RULES["PL407"], off)
    assert RuleSelection(extend_select=("PL407",)).active(RULES["PL407"], off)


def test_config_file_extend_select(tmp_path: Path) -> None:
    (tmp_path / "docker-compose.yml").write_text((TREE / "docker-compose.yml").read_text())
    (tmp_path / ".portlint.toml").write_text('extend-select = ["hygiene"]\n')
    proc = run_cli("check", str(tmp_path), "--format", "json")
    assert proc.returncode == 1 and '"PL407"' in proc.stdout


def test_rules_command_shows_group() -> None:
    proc = run_cli("rules")
    line = next(line for line in proc.stdout.splitlines() if line.startswith("PL407"))
    assert "hygiene" in line
