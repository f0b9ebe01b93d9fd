"""The audit's paths as the user sees them: relative to the current folder, as ``check`` prints them.

The report is built with scan-root-relative locations (findings are matched to facts by them);
just before rendering, every :class:`~portlint.model.Location` in it, every finding (locations,
and the words of its message, fix and explain that are paths, see
:class:`portlint.report._paths.Rebaser`) and the text of route boxes and hops that cite a
``file:line`` are rebased. Node ids and anchors are not: they are names, not paths.
"""

from __future__ import annotations

from dataclasses import fields, is_dataclass, replace
from typing import Any

from portlint.audit.model import AuditReport, Hop, Node
from portlint.model import Finding, Location
from portlint.report._paths import Rebaser

_TEXT_FIELDS = {Node: ("lines",), Hop: ("why",)}  # sentences that name a file:line


def rebased_report(report: AuditReport, rebaser: Rebaser) -> AuditReport:
    """A copy of ``report`` whose paths are relative to the rebaser's folder."""
    if not rebaser.prefix:
        return report
    return _walk(report, rebaser)


def _walk(value: Any, rebaser: Rebaser) -> Any:
    if isinstance(value, Location):
        return rebaser.location(value)
    if isinstance(value, Finding):
        return rebaser.finding(value)
    if isinstance(value, tuple):
        return tuple(_walk(item, rebaser) for item in value)
    if is_dataclass(value) and not isinstance(value, type):
        texts = _TEXT_FIELDS.get(type(value), ())
        changes = {}
        for field in fields(value):
            if not field.init:
                continue
            current = getattr(value, field.name)
            if field.name in texts:
                changes[field.name] = (tuple(rebaser.text(t) for t in current) if isinstance(current, tuple)
                                       else rebaser.text(current))
            else:
                changes[field.name] = _walk(current, rebaser)
        return replace(value, **changes)
    return value
