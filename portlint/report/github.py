"""GitHub Actions workflow commands: one ``::error file=…,line=…,col=…::`` annotation per finding."""

from __future__ import annotations

from portlint.model import Finding

FORMAT = "github"
_LEVEL = {"error": "error", "warning": "warning", "note": "notice"}


def render(result, opts) -> str:
    return "".join(_annotation(f) + "\n" for f in result.findings)


def _annotation(finding: Finding) -> str:
    loc = finding.location
    props = f"file={_prop(loc.path)},line={loc.line},col={loc.column},title={_prop(f'{finding.rule_id} {finding.rule_name}')}"
    message = finding.message
    if finding.related:
        message += "\n" + "\n".join(f"{r.location.short}: {r.message}" for r in finding.related)
    if finding.fix:
        message += f"\nfix: {finding.fix}"
    return f"::{_LEVEL[finding.severity.value]} {props}::{_data(message)}"


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")
