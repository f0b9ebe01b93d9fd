"""JUnit XML: one test case per rule that ran, a failure per finding (CI test-report widgets)."""

from __future__ import annotations

from collections import defaultdict
from xml.etree import ElementTree as ET

from portlint.model import Finding
from portlint.report._escape import xml_text

FORMAT = "junit"


def render(result, opts) -> str:
    by_rule: dict[str, list[Finding]] = defaultdict(list)
    for finding in result.findings:
        by_rule[finding.rule_id].append(finding)
    suite = ET.Element("testsuite", name="portlint", tests=str(len(result.active)),
                       failures=str(len(result.findings)), errors="0", skipped="0")
    for rule in result.active:
        for finding in by_rule.get(rule.id, []) or [None]:
            name = f"{rule.id} {rule.name}" + (f" {xml_text(str(finding.location))}" if finding else "")
            case = ET.SubElement(suite, "testcase", classname=f"portlint.{rule.id}", name=name)
            if finding is not None:
                failure = ET.SubElement(case, "failure", type=finding.severity.value, message=xml_text(finding.message))
                failure.text = _details(finding)
    suites = ET.Element("testsuites", name="portlint", tests=suite.get("tests"), failures=suite.get("failures"))
    suites.append(suite)
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


def _details(finding: Finding) -> str:
    lines = [f"{finding.location}: {finding.message}"]
    lines += [f"{r.location.short}: {r.message}" for r in finding.related]
    if finding.fix:
        lines.append(f"fix: {finding.fix}")
    return xml_text("\n".join(lines))
