"""SARIF 2.1.0 for code scanning: rules with help, results with primary and related locations."""

from __future__ import annotations

from portlint import __version__
from portlint.baseline import fingerprint
from portlint.model import Finding, Location
from portlint.report._json import dumps

FORMAT = "sarif"
SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def render(result, opts) -> str:
    rules = list(result.rules)
    index = {rule.id: i for i, rule in enumerate(rules)}
    run = {
        "tool": {"driver": {
            "name": "portlint",
            "version": __version__,
            "rules": [_rule(rule) for rule in rules],
        }},
        "results": [_result(f, index) for f in result.findings]
                   + [_suppressed(f, s, index) for f, s in result.suppressed]
                   + [_baselined(f, index) for f in result.baselined],
        "columnKind": "unicodeCodePoints",
    }
    if opts.source_root is not None:
        run["originalUriBaseIds"] = {"%SRCROOT%": {
            "uri": opts.source_root.resolve().as_uri().rstrip("/") + "/",
            "description": {"text": "The repository root: every artifact uri is relative to it."}}}
    document = {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}
    return dumps(document) + "\n"


def _rule(rule) -> dict:
    sections = rule.sections()
    markdown = f"# {rule.id} {rule.name}\n\n{rule.doc}"
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": sections.get("What it does", rule.summary)},
        "help": {"text": sections.get("Why is this bad", rule.summary), "markdown": markdown},
        **({"helpUri": rule.help_uri} if rule.help_uri else {}),  # only a page that exists
        "defaultConfiguration": {"level": rule.severity.value},
        "properties": {"tags": list(rule.tags) or ["ports"]},
    }


def _physical(location: Location) -> dict:
    return {
        "artifactLocation": {"uri": location.path, "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": max(location.line, 1), "startColumn": max(location.column, 1)},
    }


def _result(finding: Finding, index: dict[str, int]) -> dict:
    out = {
        "ruleId": finding.rule_id,
        "level": finding.severity.value,
        "message": {"text": _message(finding)},
        "locations": [{"physicalLocation": _physical(finding.location)}],
        "partialFingerprints": {"portlint/v1": fingerprint(finding)},
    }
    if finding.rule_id in index:
        out["ruleIndex"] = index[finding.rule_id]
    if finding.related:
        out["relatedLocations"] = [
            {"id": i, "physicalLocation": _physical(r.location), "message": {"text": r.message}}
            for i, r in enumerate(finding.related, start=1)
        ]
    return out


def _suppressed(finding: Finding, suppression, index: dict[str, int]) -> dict:
    out = _result(finding, index)
    out["suppressions"] = [{
        "kind": "inSource",
        "status": "accepted",
        "justification": suppression.reason,
        "location": {"physicalLocation": _physical(suppression.location)},
    }]
    return out


def _baselined(finding: Finding, index: dict[str, int]) -> dict:
    out = _result(finding, index)
    out["baselineState"] = "unchanged"
    out["suppressions"] = [{"kind": "external", "status": "accepted", "justification": "in the baseline"}]
    return out


def _message(finding: Finding) -> str:
    text = finding.message
    if finding.fix:
        text += f" Fix: {finding.fix}"
    return text
