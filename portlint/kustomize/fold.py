"""One finding for a line that several kustomize builds render alike, naming the overlays.

A base used by ``overlays/staging`` and ``overlays/prod`` is read once per overlay, so a fault
in the base shows up once per overlay, at the same base line. Findings of one rule at one
place with the same related places have one root cause: they become one finding, whose explain
line names the overlays (root kustomizations) that render it. A finding that rests on a patch
of one overlay only names that overlay.
"""

from __future__ import annotations

from dataclasses import replace

from portlint.kustomize import ATTR
from portlint.model import Finding, Location


def _index(graph) -> dict[Location, set[tuple[str, str]]]:
    """Location -> the (kustomization, environment) builds that read something there."""
    index: dict[Location, set[tuple[str, str]]] = {}
    for entity in graph.entities():
        render = entity.attrs.get(ATTR)
        if render:
            index.setdefault(entity.location, set()).add((render, entity.environment or ""))
    for fact in graph.facts():
        render = fact.attrs.get(ATTR)
        if render:
            index.setdefault(fact.location, set()).add((render, fact.environment or ""))
    return index


def _builds(finding: Finding, index: dict[Location, set[tuple[str, str]]], graph) -> set[tuple[str, str]]:
    """The build the finding is about: that of the entity its key starts with (rules key a
    finding by the Service, container or Ingress it is about), else the builds every rendered
    place of the finding belongs to."""
    found = index.get(finding.location)
    if not found:
        return set()
    entity = graph.entity(finding.key.split("|", 1)[0]) if finding.key else None
    if entity is not None and entity.attrs.get(ATTR):
        return {(entity.attrs[ATTR], entity.environment or "")}
    builds = set(found)
    for related in finding.related:
        there = index.get(related.location)
        if there and builds & there:
            builds &= there
    return builds


def name_overlays(findings: list[Finding], graph) -> list[Finding]:
    if not findings:
        return findings
    index = graph.memo("kustomize:builds-at", lambda: _index(graph))
    if not index:
        return findings
    out: list[Finding] = []
    groups: dict[tuple, list[tuple[Finding, set[tuple[str, str]]]]] = {}
    for finding in findings:
        builds = _builds(finding, index, graph)
        if not builds:
            out.append(finding)
            continue
        key = (finding.rule_id, finding.location, tuple(r.location for r in finding.related))
        groups.setdefault(key, []).append((finding, builds))
    for members in groups.values():
        first = min((f for f, _ in members), key=Finding.sort_key)
        builds = sorted(set().union(*(b for _, b in members)))
        out.append(replace(first, explain=(*first.explain, _line(builds))))
    return sorted(out, key=Finding.sort_key)


def _line(builds: list[tuple[str, str]]) -> str:
    named = ", ".join(f"{environment or '(no environment)'} ({rel})" for rel, environment in builds)
    if len(builds) == 1:
        return f"kustomize build: {named}"
    return f"kustomize builds that render this alike (one finding for all): {named}"
