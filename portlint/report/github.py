"""GitHub Actions workflow commands: one ``::error file=…,line=…,col=…::`` annotation per finding."""

from __future__ import annotations

from portlint.model import Finding
from portlint.report._escape import github_data, github_property, visible

FORMAT = "github"
_LEVEL = {"error": "error", "warning": "warning", "note": "notice"}


def render(result, opts) -> str:
    return "".join(_annotation(f) + "\n" for f in result.findings)


def _annotation(finding: Finding) -> str:
    loc = finding.location
    props = (f"file={github_property(loc.path)},line={loc.line},col={loc.column},"
             f"title={github_property(f'{finding.rule_id} {finding.rule_name}')}")
    lines = [visible(finding.message)]
    lines += [f"{visible(r.location.short)}: {visible(r.message)}" for r in finding.related]
    if finding.fix:
        lines.append(f"fix: {visible(finding.fix)}")
    return f"::{_LEVEL[finding.severity.value]} {props}::{github_data(chr(10).join(lines))}"
