"""Every rule's fixtures: ``tests/fixtures/rules/<RULE_ID>/<case>/`` is a scan root.

- ``fire-*`` cases hold ``expected.txt``: one ``path:line`` per finding the rule must report
  (paths relative to the case folder). The rule must report exactly those lines.
- ``silent-*`` cases: the rule must report nothing.

Only the rule under test runs (engine rules: all rules run, only theirs are compared), so a case
cannot pass because another rule fired.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import FIXTURES, scan_tree
from portlint.registry import load_rules

RULE_FIXTURES = FIXTURES / "rules"
RULES = load_rules()


def _cases(prefix: str) -> list[Path]:
    return sorted(p for p in RULE_FIXTURES.glob(f"*/{prefix}-*") if p.is_dir())


def _ids(paths: list[Path]) -> list[str]:
    return [f"{p.parent.name}/{p.name}" for p in paths]


ENGINE_RULES = {r.id for r in RULES if r.engine}


def _lines(case: Path) -> list[str]:
    # engine rules (suppression checks) need every other rule to run; the rest run alone
    select = () if case.parent.name in ENGINE_RULES else (case.parent.name,)
    result = scan_tree(case, select=select)
    return sorted(f"{f.location.path}:{f.location.line}" for f in result.findings if f.rule_id == case.parent.name)


@pytest.mark.parametrize("case", _cases("fire"), ids=_ids(_cases("fire")))
def test_rule_fires_exactly_where_expected(case: Path) -> None:
    expected_file = case / "expected.txt"
    assert expected_file.is_file(), f"{case} needs expected.txt"
    expected = sorted(line.strip() for line in expected_file.read_text().splitlines()
                      if line.strip() and not line.startswith("#"))
    assert expected, f"{expected_file} lists no finding"
    assert _lines(case) == expected


@pytest.mark.parametrize("case", _cases("silent"), ids=_ids(_cases("silent")))
def test_rule_stays_silent(case: Path) -> None:
    assert _lines(case) == []


@pytest.mark.parametrize("rule", [r for r in RULES if r.builtin], ids=lambda r: r.id)
def test_every_rule_has_fixtures_both_ways(rule) -> None:
    folder = RULE_FIXTURES / rule.id
    assert list(folder.glob("fire-*")), f"{rule.id} has no fire-* fixture in {folder}"
    assert list(folder.glob("silent-*")), f"{rule.id} has no silent-* fixture in {folder}"
