"""Which findings become edits: one edit per place, conflicting intents refused, reasons kept."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from portlint.model import Finding, Location


@dataclass(frozen=True, order=True)
class Edit:
    """Replace ``old`` by ``new`` at ``location`` (a fact's exact place), for ``rules``."""

    location: Location
    old: str
    new: str
    rules: tuple[str, ...]
    reason: str


@dataclass(frozen=True, order=True)
class Skip:
    """A finding ``portlint fix`` leaves alone, and why."""

    location: Location
    rule_id: str
    reason: str


@dataclass
class Plan:
    edits: list[Edit]
    skipped: list[Skip]
    manual: list[Finding]  # findings no rule knows how to fix (no intent at all)

    def by_hand(self, edited: set[Location]) -> int:
        """Findings left for a person: no intent, and not at a place an edit changes."""
        return sum(1 for f in self.manual if f.location not in edited)


def plan(findings: Iterable[Finding]) -> Plan:
    """Edits for the findings whose intent names a new value; two intents at one place must agree."""
    wanted: dict[Location, list[tuple[Finding, str]]] = {}
    skipped: list[Skip] = []
    manual: list[Finding] = []
    for finding in findings:
        intent = finding.fix_intent
        if intent is None:
            manual.append(finding)
        elif intent.new is None:
            skipped.append(Skip(finding.location, finding.rule_id, intent.reason))
        elif intent.new == intent.old:
            skipped.append(Skip(finding.location, finding.rule_id,
                                f"{intent.old} is already the value: nothing to change"))
        else:
            wanted.setdefault(intent.location, []).append((finding, intent.new))
    edits = []
    for location, group in wanted.items():
        olds = {f.fix_intent.old for f, _ in group}
        news = sorted({new for _, new in group})
        if len(news) > 1 or len(olds) > 1:
            reason = f"findings here want {' and '.join(news)}: not fixed"
            skipped.extend(Skip(f.location, f.rule_id, reason) for f, _ in group)
            continue
        first = group[0][0].fix_intent
        edits.append(Edit(location, first.old, news[0], tuple(sorted({f.rule_id for f, _ in group})), first.reason))
    return Plan(sorted(edits), sorted(set(skipped)), manual)
