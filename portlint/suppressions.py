"""Inline suppressions: one comment form for every file type portlint reads.

    # portlint: ignore[PL101] -- the sidecar listens on 8001
    // portlint: ignore[PL401,PL402] until=2027-01-31 -- proxy moves with the API in January

A suppression covers findings on its own line and on the next line (so it can sit above the
line it silences). The reason after ``--`` is expected: without one the comment still suppresses, and is reported
(PL004) as a warning; ``until=YYYY-MM-DD`` is optional and, once
past, the suppression stops working and is reported. For a finding with related locations (the
other side of a cross-file mismatch), a suppression at any of its locations counts.
"""

from __future__ import annotations

import datetime as _dt
import os
import re
from dataclasses import dataclass

from portlint.model import Finding, Location

_COMMENT = re.compile(r"(?:#|//|<!--)\s*portlint:\s*ignore\[(?P<rules>[^\]]*)\](?P<rest>.*)$")
_UNTIL = re.compile(r"\buntil=(\S+)")
MARKER = "portlint:"
NO_REASON = "gives no reason: the finding is suppressed, but add '-- why this is fine'"


@dataclass(frozen=True)
class Suppression:
    location: Location
    rules: tuple[str, ...]
    reason: str
    until: _dt.date | None
    problem: str = ""  # why this comment is not a valid suppression
    honoured: bool = False  # suppresses despite its problem (a missing reason: it suppresses and is reported)

    def covers(self, finding_rule: str, finding_name: str, location: Location) -> bool:
        if location.path != self.location.path or location.line not in (self.location.line, self.location.line + 1):
            return False
        return any(r in ("ALL", finding_rule, finding_name) for r in self.rules)

    def expired(self, today: _dt.date) -> bool:
        return self.until is not None and self.until < today


def today() -> _dt.date:
    """Today, or ``PORTLINT_TODAY`` (YYYY-MM-DD) so that runs can be reproduced."""
    forced = os.environ.get("PORTLINT_TODAY")
    if forced:
        try:
            return _dt.date.fromisoformat(forced)
        except ValueError:
            pass
    return _dt.date.today()


def parse_suppressions(path: str, text: str) -> list[Suppression]:
    """Every ``portlint: ignore[...]`` comment of a file."""
    if MARKER not in text:
        return []
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        if MARKER not in line:
            continue
        match = _COMMENT.search(line)
        if match:
            found.append(_parse(Location(path, number, match.start() + 1), match))
    return found


def _parse(location: Location, match: re.Match) -> Suppression:
    rules = tuple(r.strip() for r in match.group("rules").split(",") if r.strip())
    rest = match.group("rest").strip()
    if rest.endswith("-->"):
        rest = rest[:-3].strip()
    reason = rest.split("--", 1)[1].strip() if "--" in rest else ""
    head = rest.split("--", 1)[0]
    until = None
    problem = ""
    until_match = _UNTIL.search(head)
    if until_match:
        try:
            until = _dt.date.fromisoformat(until_match.group(1))
        except ValueError:
            problem = f"until={until_match.group(1)} is not a date (YYYY-MM-DD)"
    if not rules:
        problem = "names no rule: write ignore[RULE]"
    elif not reason and not problem:
        return Suppression(location, rules, reason, until, NO_REASON, honoured=True)
    return Suppression(location, rules, reason, until, problem)


@dataclass
class Outcome:
    """Findings after suppressions, and the suppressions that need reporting."""

    kept: list[Finding]
    suppressed: list[tuple[Finding, Suppression]]
    unused: list[Suppression]
    expired: list[Suppression]
    invalid: list[Suppression]


def apply(findings: list[Finding], suppressions: list[Suppression], active_rules: set[str],
          on: _dt.date) -> Outcome:
    """Split findings into kept and suppressed; list unused, expired and invalid suppressions.

    A suppression is *unused* only when every rule it names ran (so ``--select`` never makes
    suppressions of other rules look unused).
    """
    valid = [s for s in suppressions if (not s.problem or s.honoured) and not s.expired(on)]
    used: set[Suppression] = set()
    kept: list[Finding] = []
    suppressed: list[tuple[Finding, Suppression]] = []
    for finding in findings:
        places = [finding.location, *(r.location for r in finding.related)]
        match = next((s for s in valid for place in places if s.covers(finding.rule_id, finding.rule_name, place)), None)
        if match is None:
            kept.append(finding)
        else:
            used.add(match)
            suppressed.append((finding, match))
    unused = [s for s in valid if s not in used and not s.problem and all(r in active_rules for r in s.rules)]
    expired = [s for s in suppressions if not s.problem and s.expired(on)]
    invalid = [s for s in suppressions if s.problem]
    return Outcome(kept, suppressed, unused, expired, invalid)
