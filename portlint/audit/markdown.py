"""The audit report as Markdown for a pull request: routes as a Mermaid block and a list, the
matrix as a table, the findings with file:line. Scanned text is escaped for Markdown, for the
HTML a Markdown renderer lets through, and for Mermaid labels."""

from __future__ import annotations

import re
from portlint.report._escape import html_text as escape

from portlint.audit.model import ERROR, OK, UNKNOWN, WARNING, AuditReport, Cell, Matrix, Route, Shown
from portlint.audit.svg import COLORS

ICONS = {OK: "🟢 ok", WARNING: "🟠 warning", ERROR: "🔴 error", UNKNOWN: "⚪ unknown"}
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")


def md(text: str) -> str:
    """Text safe in Markdown (tables included): HTML escaped, Markdown punctuation backslashed."""
    flat = " ".join(str(text).split())
    return _MD_SPECIAL.sub(r"\\\1", escape(flat, quote=False))


def mermaid_label(text: str) -> str:
    """Text safe inside a quoted Mermaid label (entity codes for the characters Mermaid treats specially)."""
    flat = " ".join(str(text).split())
    for char, code in (("&", "#amp;"), ('"', "#quot;"), ("<", "#lt;"), (">", "#gt;"), ("|", "#124;"),
                       ("`", "#96;"), ("[", "#91;"), ("]", "#93;"), ("{", "#123;"), ("}", "#125;")):
        flat = flat.replace(char, code)
    return flat


def render_markdown(report: AuditReport) -> str:
    parts = [_header(report), _findings(report), _routes(report), _matrix(report.matrix)]
    return "\n\n".join(p for p in parts if p).rstrip() + "\n"


def _header(report: AuditReport) -> str:
    counts = report.counts
    routes = report.route_counts()
    envs = ", ".join(report.matrix.environments) or "none"
    suppressed = f", {report.suppressed} suppressed" if report.suppressed else ""
    return (
        f"# Port audit: {md(report.tree)}\n\n"
        f"**{counts['error']} errors**, **{counts['warning']} warnings**, {counts['note']} notes{suppressed} · "
        f"{len(report.routes)} routes ({routes[OK]} ok, {routes[WARNING]} warning, {routes[UNKNOWN]} unknown, "
        f"{routes[ERROR]} broken) · {len(report.services)} services · environments: {md(envs)}\n\n"
        f"portlint {md(report.version)} · {report.files_read} files read of {report.files_seen} · precedence "
        f"{md(' > '.join(report.matrix.precedence))}"
    )


# -- routes ---------------------------------------------------------------------------------------


def _routes(report: AuditReport) -> str:
    """Routes that need a look (worst first) drawn and listed; the all-green ones folded."""
    if not report.routes:
        return "## Routing\n\nNo routes: the scan has no Ingress, load balancer target group, Service or published port."
    problems, green = report.problem_routes(), report.green_routes()
    text = "## Routing\n\n"
    text += _mermaid(problems) + "\n\n" + _route_list(problems) if problems else "Every route agrees end to end."
    if green:
        text += (f"\n\n<details><summary>{len(green)} all-green route{'' if len(green) == 1 else 's'}</summary>\n\n"
                 f"{_route_list(green)}\n\n</details>")
    return text


def _mermaid(routes: tuple[Route, ...]) -> str:
    ids: dict[str, str] = {}
    nodes: list[str] = []
    edges: list[str] = []
    styles: list[str] = []
    seen: set[tuple[str, str, str]] = set()
    for route in routes:
        for node in route.nodes:
            if node.id not in ids:
                ids[node.id] = f"n{len(ids) + 1}"
                text = " · ".join((node.title, *node.lines[:1]))
                shape = f'["{mermaid_label(text)}"]'
                nodes.append(f"  {ids[node.id]}{shape}" + (":::missing" if node.missing else ""))
        for hop in route.hops:
            mark = (hop.source, hop.target, hop.label)
            if mark in seen or hop.source not in ids or hop.target not in ids:
                continue
            seen.add(mark)
            rules = " ".join(dict.fromkeys(row.finding.rule_id for row in hop.findings))
            label = " ".join(x for x in (hop.label, rules) if x)
            arrow = "-.->" if hop.status == UNKNOWN else "-->"
            text = f'|"{mermaid_label(label)}"|' if label else ""
            edges.append(f"  {ids[hop.source]} {arrow}{text} {ids[hop.target]}")
            styles.append(f"  linkStyle {len(edges) - 1} stroke:{COLORS[hop.status]},stroke-width:2px")
    lines = ["```mermaid", "flowchart LR", *nodes, *edges, *styles,
             "  classDef missing stroke:#f59e0b,stroke-dasharray:5 4,fill:#fff7ed", "```"]
    return "\n".join(lines)


def _route_list(routes: tuple[Route, ...]) -> str:
    lines = []
    for route in routes:
        env = f" ({md(route.environment)})" if route.environment else ""
        lines.append(f"- **{md(route.name)}**{env}: {ICONS[route.status]}")
        titles = {node.id: node.title for node in route.nodes}
        for hop in route.hops:
            port = f" {md(hop.label)}" if hop.label else ""
            text = (f"  - {md(titles.get(hop.source, ''))} → {md(titles.get(hop.target, ''))}{port}: "
                    f"{ICONS[hop.status]}, {md(hop.why)}")
            if hop.allowed_by:
                text += "; allowed by " + ", ".join(
                    f"{md(a.label)} ({md(a.ports)} from {md(a.sources)}, {md(a.location.short)})" for a in hop.allowed_by)
            elif hop.firewall_port:
                text += f"; no security-group rule in the scan opens {md(hop.firewall_port)}"
            if hop.findings:
                text += "; findings " + ", ".join(f"#{row.number} {md(row.finding.rule_id)}" for row in hop.findings)
            lines.append(text)
    return "\n".join(lines)


# -- matrix ---------------------------------------------------------------------------------------


def _matrix(matrix: Matrix) -> str:
    if not matrix.rows:
        return "## Port matrix\n\nNo configuration values found."
    head = "| Service | Key | " + " | ".join(md(e) for e in matrix.environments) + " |"
    rule = "|---|---|" + "---|" * len(matrix.environments)
    problems, green = matrix.problem_rows(), matrix.green_rows()
    table = "\n".join([head, rule, *_matrix_rows(problems)]) if problems else (
        "Every service gets the same port in every environment, with no finding.")
    if green:
        count = len({row.service for row in green})
        table += (f"\n\n<details><summary>{count} all-green {'service' if count == 1 else 'services'}</summary>\n\n"
                  + "\n".join([head, rule, *_matrix_rows(green)]) + "\n\n</details>")
    return ("## Port matrix\n\n"
            f"Winning value, its layer (precedence {md(' > '.join(matrix.precedence))}) and source; below it the "
            "other layers (~~struck~~: differs and never takes effect). ⚠️ marks drift, a non-standard port or a "
            "finding; services whose every cell is green are folded. Port keys only"
            + (f"; {matrix.hidden_settings} other settings with no finding are left out"
               if matrix.hidden_settings else "") + ".\n\n" + table)


def _matrix_rows(rows) -> list[str]:
    out = []
    for row in rows:
        key = md(row.key) + (f" (standard {row.standard})" if row.standard is not None else "")
        cells = " | ".join(_cell(c) for c in row.cells)
        out.append(f"| {md(row.service)} | {key} | {cells} |")
    return out


def _cell(cell: Cell | None) -> str:
    if cell is None:
        return "—"
    if cell.winner is None:
        head = "— documented only"
    else:
        head = f"**{md(cell.winner.text)}** {md(cell.winner.layer)} {md(cell.winner.location.short)}"
    others = [_other(s) for s in cell.others]
    flags = []
    if cell.drift:
        flags.append("drifts from other environments")
    if cell.off_catalog:
        flags.append("not the standard port")
    flags.extend(f"#{row.number} {md(row.finding.rule_id)}" for row in cell.findings)
    warn = ["⚠️ " + ", ".join(flags)] if flags else []
    return "<br>".join([head, *others, *warn])


def _other(shown: Shown) -> str:
    value = md(shown.text)
    value = f"~~{value}~~" if shown.differs else value
    tag = "documented" if shown.status == "documented" else shown.layer
    return f"{value} {md(tag)} {md(shown.location.short)}"


# -- findings ---------------------------------------------------------------------------------------


def _findings(report: AuditReport) -> str:
    if not report.findings:
        return "## Findings\n\nNo findings."
    summaries = {rule.id: rule.summary for rule in report.rules}
    rows = ["| # | Severity | Rule | Message | Where | Other side(s) |", "|---|---|---|---|---|---|"]
    for row in report.findings:
        f = row.finding
        related = "<br>".join(f"{md(r.location.short)}: {md(r.message)}" for r in f.related)
        fix = f"<br>fix: {md(f.fix)}" if f.fix else ""
        rows.append(f"| {row.number} | {f.severity.value} | {md(f.rule_id)} {md(f.rule_name)} | {md(f.message)}{fix} "
                    f"| {md(f.location.short)} | {related} |")
    rules = "\n".join(f"- **{md(rule_id)}**: {md(summary)}" for rule_id, summary in sorted(summaries.items()))
    return "## Findings\n\n" + "\n".join(rows) + ("\n\n### Rules\n\n" + rules if rules else "")
