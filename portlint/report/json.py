"""JSON output, schema version 1 (documented in docs/json-output.md).

``json`` holds the findings; ``json-full`` (:mod:`portlint.report.json_full`) adds the
``services`` model, which is larger than the findings and costs more to write.
"""

from __future__ import annotations

from collections import Counter

from portlint import __version__
from portlint.graph import members
from portlint.model import Finding, Location, PortFact
from portlint.report._json import dumps

FORMAT = "json"
SCHEMA_VERSION = 2  # 2: `services` moved to --format json-full


def render(result, opts, with_services: bool = False) -> str:
    document = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "portlint", "version": __version__},
        "summary": summary(result),
        "findings": [finding_dict(f) for f in result.findings],
        "suppressed": [{**finding_dict(f), "suppression": {"reason": s.reason, "until": s.until.isoformat() if s.until else None,
                                                           "location": location_dict(s.location)}}
                       for f, s in result.suppressed],
        "baselined": len(result.baselined),
    }
    if with_services:
        document["services"] = services(result.graph)
    return dumps(document) + "\n"


def summary(result) -> dict:
    counts = Counter(f.severity.value for f in result.findings)
    return {"files_read": result.files_read, "ports_read": getattr(result, "ports_read", None),
            "findings": len(result.findings),
            "suppressed": len(result.suppressed), "baselined": len(result.baselined),
            "error": counts["error"], "warning": counts["warning"], "note": counts["note"]}


def location_dict(location: Location) -> dict:
    return {"path": location.path, "line": location.line, "column": location.column}


def finding_dict(finding: Finding) -> dict:
    return {
        "rule_id": finding.rule_id,
        "rule_name": finding.rule_name,
        "severity": finding.severity.value,
        "message": finding.message,
        "location": location_dict(finding.location),
        "related": [{"message": r.message, "location": location_dict(r.location)} for r in finding.related],
        "fix": finding.fix,
        "explain": list(finding.explain),
    }


def fact_dict(fact: PortFact) -> dict:
    return {
        "value": fact.value.number if fact.value.number is not None else fact.value.text,
        "text": fact.value.text,
        "unresolved": fact.value.unresolved,
        "role": fact.role.value,
        "field": fact.field,
        "protocol": fact.protocol,
        "environment": fact.environment,
        "owner": fact.owner.id,
        "location": location_dict(fact.location),
        "defined_at": [location_dict(loc) for loc in fact.value.defined_at],
    }


def services(graph) -> list[dict]:
    out = []
    for service in graph.entities("app/service"):
        entities = members(graph, service.ref.name)
        owners = {e.id: e for e in entities}
        owners.update({c.id: c for e in entities for c in graph.children(e.id)})
        facts = [fact for owner_id in sorted(owners) for fact in graph.facts(owner_id)]
        out.append({
            "name": service.ref.name,
            "in_catalog": bool(service.attrs.get("catalog")),
            "members": [{"id": e.id, "kind": e.ref.kind, "reason": link.reason, "location": location_dict(e.location)}
                        for e, link in zip(entities, graph.outgoing(service.id, "member"))],
            "facts": [fact_dict(f) for f in sorted(facts, key=lambda f: (f.location, f.role.value))],
        })
    return out
