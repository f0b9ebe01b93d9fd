"""Findings that real repositories showed to be false or misleading, each with its twin."""

from __future__ import annotations

from conftest import FIXTURES, scan_tree
from portlint.model import Severity

RULES = FIXTURES / "rules"


def test_published_port_against_expose_only_blames_the_declaration() -> None:
    findings = scan_tree(RULES / "PL405" / "fire-expose-declares-other-port", select=("PL405",)).findings
    assert [(f.location.short, f.severity) for f in findings] == [("compose.yaml:13", Severity.WARNING)]
    message = findings[0].message
    assert "`expose` declares 5432" in message and "listens on 5432" not in message and "reset" not in message
    assert any("PORT=8080" in r.message for r in findings[0].related)


def test_published_port_against_a_listener_is_still_an_error_at_the_mapping() -> None:
    findings = scan_tree(RULES / "PL405" / "fire-dockerfile-cmd", select=("PL405",)).findings
    assert [(f.location.short, f.severity) for f in findings] == [("docker-compose.yml:5", Severity.ERROR)]
    assert "listens on 8000" in findings[0].message


def test_vite_fallback_live_in_development_is_not_compared_with_another_mode() -> None:
    assert scan_tree(RULES / "PL401" / "silent-vite-mode-file", select=("PL401",)).findings == []
    findings = scan_tree(RULES / "PL401" / "fire-vite-mode-file-fallback-never-live", select=("PL401",)).findings
    assert [f.location.short for f in findings] == ["ui/vite.config.ts:7"]
    assert "ci: 5200" in findings[0].message and "development: 5200" in findings[0].message
