"""docs/peers.md is test-backed: every row that names a portlint rule names a fire fixture the rule
reports and a silent fixture it does not; every other row says why (another branch, or a reason)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import FIXTURES, ROOT, scan_tree

TABLE = ROOT / "docs" / "peers.md"
RULE = re.compile(r"^(PL\d{3})\b")
COLUMNS = ["peer", "check", "case class", "portlint", "fire fixture", "silent fixture"]


def _rows() -> list[dict[str, str]]:
    lines = [line for line in TABLE.read_text(encoding="utf-8").splitlines() if line.startswith("|")]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    assert header == COLUMNS
    rows = []
    for line in lines[2:]:
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        assert len(cells) == len(COLUMNS), line
        rows.append(dict(zip(COLUMNS, cells)))
    return rows


ROWS = _rows()
COVERED = [row for row in ROWS if RULE.match(row["portlint"])]


def _id(row: dict[str, str]) -> str:
    return f"{row['peer']}:{row['check'][:40]}:{row['portlint'].split()[0]}"


def test_the_table_covers_every_peer_and_says_why_for_the_rest() -> None:
    assert {row["peer"] for row in ROWS} >= {"kube-linter", "KICS", "trivy-checks", "checkov", "hadolint",
                                              "docker-compose-linter"}
    for row in ROWS:
        if RULE.match(row["portlint"]):
            continue
        assert row["portlint"].startswith(("routes: in progress", "tf: in progress", "not adopted: ")), row
        assert row["fire fixture"] == row["silent fixture"] == "—", row


@pytest.mark.parametrize("row", COVERED, ids=_id)
def test_fire_fixture_is_reported_and_silent_fixture_is_not(row: dict[str, str]) -> None:
    rule = RULE.match(row["portlint"]).group(1)
    fire, silent = FIXTURES / "rules" / row["fire fixture"], FIXTURES / "rules" / row["silent fixture"]
    assert fire.name.startswith("fire-") and fire.is_dir(), fire
    assert silent.name.startswith("silent-") and silent.is_dir(), silent
    assert [f for f in scan_tree(fire, select=(rule,)).findings if f.rule_id == rule], f"{rule} silent on {fire}"
    assert not [f for f in scan_tree(silent, select=(rule,)).findings if f.rule_id == rule], f"{rule} fires on {silent}"


def test_hygiene_rows_are_hygiene_rules() -> None:
    from portlint.registry import load_rules

    groups = {r.id: r.group for r in load_rules()}
    for row in COVERED:
        rule = RULE.match(row["portlint"]).group(1)
        assert ("(hygiene" in row["portlint"]) == (groups[rule] == "hygiene"), row
