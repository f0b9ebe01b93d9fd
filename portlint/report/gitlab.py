"""GitLab Code Quality report (a JSON array of issues, CodeClimate subset)."""

from __future__ import annotations

import json

from portlint.baseline import fingerprint
from portlint.model import Finding

FORMAT = "gitlab"
_SEVERITY = {"error": "major", "warning": "minor", "note": "info"}


def render(result, opts) -> str:
    return json.dumps([_issue(f) for f in result.findings], indent=2, ensure_ascii=False) + "\n"


def _issue(finding: Finding) -> dict:
    description = f"{finding.rule_id} {finding.message}"
    if finding.related:
        description += " (" + "; ".join(f"{r.location.short}: {r.message}" for r in finding.related) + ")"
    return {
        "description": description,
        "check_name": finding.rule_name,
        "fingerprint": fingerprint(finding),
        "severity": _SEVERITY[finding.severity.value],
        "location": {"path": finding.location.path, "lines": {"begin": finding.location.line}},
    }
