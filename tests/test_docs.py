"""Rule documentation: every rule documents itself, and docs/rules/ is in step with it."""

from __future__ import annotations

import pytest

from conftest import ROOT, run_cli
from portlint.docs import rule_markdown
from portlint.registry import REQUIRED_SECTIONS, load_rules

RULES = [r for r in load_rules() if r.builtin]


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_rule_documents_itself(rule) -> None:
    sections = rule.sections()
    for name in REQUIRED_SECTIONS:
        assert sections.get(name), f"{rule.id}: docstring lacks '## {name}'"
    assert "```" in sections["Example"] and "```" in sections["Use instead"]
    assert rule.name == rule.name.lower() and " " not in rule.name


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_docs_page_in_step(rule) -> None:
    page = ROOT / "docs" / "rules" / f"{rule.id}.md"
    assert page.is_file(), f"{page} missing: run 'make docs'"
    assert page.read_text(encoding="utf-8") == rule_markdown(rule), f"{page} is stale: run 'make docs'"


def test_docs_index_lists_every_rule() -> None:
    index = (ROOT / "docs" / "rules" / "README.md").read_text(encoding="utf-8")
    for rule in RULES:
        assert f"[{rule.id}]({rule.id}.md)" in index


def test_rule_ids_and_names_unique() -> None:
    assert len({r.id for r in RULES}) == len(RULES)
    assert len({r.name for r in RULES}) == len(RULES)


def test_explain_prints_the_page() -> None:
    rule = RULES[0]
    proc = run_cli("explain", rule.name)
    assert proc.returncode == 0
    assert proc.stdout == rule_markdown(rule)


def test_explain_unknown_rule_is_usage_error() -> None:
    proc = run_cli("explain", "PL999")
    assert proc.returncode == 2
    assert "no rule" in proc.stderr and "Traceback" not in proc.stderr
