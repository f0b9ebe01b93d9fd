"""``portlint audit``: one report of the port graph for people — the port matrix, the routes from
each entrance to the app, and the findings — as a self-contained HTML page or as Markdown.

:func:`build_report` computes the data (:mod:`portlint.audit.model`); :func:`render` turns it into
text. Renderers never read the graph, only the report.
"""

from __future__ import annotations

from portlint.audit.model import AuditReport, build_report

FORMATS = ("html", "md")


def render(report: AuditReport, fmt: str) -> str:
    """The report as ``html`` or ``md``."""
    if fmt == "md":
        from portlint.audit.markdown import render_markdown

        return render_markdown(report)
    from portlint.audit.html import render_html

    return render_html(report)


__all__ = ["FORMATS", "AuditReport", "build_report", "render"]
