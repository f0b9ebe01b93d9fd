"""Suppression comments and baselines, at the unit level (end-to-end cases live in rule fixtures)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from portlint.baseline import fingerprint, load_baseline, split_new, write_baseline
from portlint.model import Finding, Location, Related, Severity
from portlint.suppressions import apply, parse_suppressions

TODAY = dt.date(2026, 11, 28)


def _finding(path="a.yaml", line=3, rule="PL101", message="targetPort 8001 matches nothing (b.yaml:7)", key="",
             related=()) -> Finding:
    return Finding(rule, "service-target-port-mismatch", Severity.ERROR, Location(path, line, 5), message,
                   related=related, key=key)


def test_comment_forms() -> None:
    text = "\n".join([
        "port: 80  # portlint: ignore[PL101] -- sidecar",
        "// portlint: ignore[PL401, PL402] until=2027-01-31 -- moves in January",
        "# portlint: ignore[PL101]",
        "# portlint: ignore[PL101] until=someday -- x",
        "x = 1  # portlint: ignore[] -- nothing",
        "# portlint is great",
    ])
    found = parse_suppressions("f", text)
    assert [(s.location.line, s.rules, s.reason, bool(s.problem)) for s in found] == [
        (1, ("PL101",), "sidecar", False),
        (2, ("PL401", "PL402"), "moves in January", False),
        (3, ("PL101",), "", True),
        (4, ("PL101",), "x", True),
        (5, (), "nothing", True),
    ]
    assert found[1].until == dt.date(2027, 1, 31)
    assert found[0].location.column == 11


def test_same_line_and_line_above_and_other_side() -> None:
    comments = parse_suppressions("a.yaml", "\n# portlint: ignore[PL101] -- known\nport: 1\n")
    assert apply([_finding(line=3)], comments, {"PL101"}, TODAY).suppressed
    assert not apply([_finding(line=4)], comments, {"PL101"}, TODAY).suppressed
    other_side = _finding(path="b.yaml", line=9, related=(Related(Location("a.yaml", 2, 1), "other"),))
    assert apply([other_side], comments, {"PL101"}, TODAY).suppressed


def test_unused_only_when_its_rules_ran() -> None:
    comments = parse_suppressions("a.yaml", "port: 1  # portlint: ignore[PL101] -- stale\n")
    assert apply([], comments, {"PL101"}, TODAY).unused == comments
    assert apply([], comments, {"PL999"}, TODAY).unused == []


def test_expired_suppression_stops_working() -> None:
    comments = parse_suppressions("a.yaml", "\n\nport: 1  # portlint: ignore[PL101] until=2026-11-27 -- old\n")
    outcome = apply([_finding(line=3)], comments, {"PL101"}, TODAY)
    assert outcome.kept and not outcome.suppressed and outcome.expired == comments
    outcome = apply([_finding(line=3)], comments, {"PL101"}, dt.date(2026, 11, 27))
    assert outcome.suppressed and not outcome.expired


def test_fingerprint_ignores_line_moves() -> None:
    moved = _finding(line=30, message="targetPort 8001 matches nothing (b.yaml:70)")
    assert fingerprint(_finding()) == fingerprint(moved)
    assert fingerprint(_finding()) != fingerprint(_finding(message="targetPort 8002 matches nothing (b.yaml:7)"))
    assert fingerprint(_finding(key="k")) == fingerprint(_finding(key="k", message="other text"))


def test_baseline_roundtrip_counts_duplicates(tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    write_baseline([_finding(), _finding()], path)
    new, known = split_new([_finding(line=40), _finding(line=41), _finding(line=42)], load_baseline(path))
    assert len(known) == 2 and len(new) == 1
