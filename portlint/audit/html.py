"""The audit report as one self-contained HTML page: inline CSS and SVG, no script, no external
reference of any kind (no fonts, no CDN, no links out). Every scanned value is escaped."""

from __future__ import annotations

from portlint.report._escape import html_text as escape

from portlint.audit.model import (ERROR, OK, UNKNOWN, WARNING, AuditReport, Cell, FindingRow, Hop, Matrix,
                                  MatrixRow, Route, Shown)
from portlint.audit.svg import render_svg
from portlint.model import Location

STATUS_WORDS = {OK: "ok", WARNING: "warning", ERROR: "error", UNKNOWN: "unknown"}

CSS = """
:root{--ok:#15803d;--warn:#b45309;--err:#dc2626;--unk:#64748b;--ink:#0f172a;--muted:#64748b;--line:#e2e8f0;
--bg:#f8fafc;--card:#ffffff;--mono:"DejaVu Sans Mono","Liberation Mono",Menlo,Consolas,monospace}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);
font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans","Liberation Sans",Arial,sans-serif}
main{max-width:1380px;margin:0 auto;padding:24px 28px 48px}
header.top{background:#0f172a;color:#f8fafc;padding:22px 28px}
header.top .inner{max-width:1380px;margin:0 auto;padding:0 28px}
header.top h1{margin:0;font-size:26px;letter-spacing:.2px}
header.top h1 small{font-weight:400;color:#94a3b8;font-size:15px;margin-left:10px}
header.top p{margin:6px 0 0;color:#cbd5e1}
.cards{display:flex;gap:14px;flex-wrap:wrap;margin:18px 0 0}
.card{background:#1e293b;border-radius:10px;padding:10px 16px;min-width:150px}
.card b{display:block;font-size:24px;line-height:1.2}
.card span{color:#94a3b8;font-size:12.5px}
.card.error b{color:#f87171}.card.warning b{color:#fbbf24}.card.note b{color:#93c5fd}.card.ok b{color:#4ade80}
nav{margin-top:14px;font-size:13px}nav a{color:#93c5fd;margin-right:16px;text-decoration:none}
section{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:18px 20px;margin:22px 0}
h2{margin:0 0 4px;font-size:19px}
p.lead{margin:0 0 14px;color:var(--muted)}
code,.mono{font-family:var(--mono);font-size:12.5px}
table{border-collapse:collapse;width:100%}
th{font-size:12px;text-transform:uppercase;letter-spacing:.5px;color:var(--muted);text-align:left;
padding:8px 10px;border-bottom:2px solid var(--line);background:#f8fafc}
td{padding:8px 10px;border-bottom:1px solid var(--line);vertical-align:top}
.matrix td.svc{font-weight:700;background:#f8fafc;border-right:1px solid var(--line)}
.matrix td.key{font-family:var(--mono);font-size:13px;white-space:nowrap}
.matrix td.key .std{display:block;font-family:inherit;color:var(--muted);font-size:11.5px}
.matrix td.cell{border-left:1px solid var(--line);min-width:220px}
.cell .win{display:flex;align-items:baseline;gap:8px;flex-wrap:wrap}
.cell .val{font-family:var(--mono);font-size:15px;font-weight:700}
.layer{font-size:11px;border-radius:9px;padding:1px 7px;background:#e2e8f0;color:#334155;white-space:nowrap}
.layer-parameter-store{background:#ede9fe;color:#5b21b6}.layer-env{background:#dcfce7;color:#166534}
.layer-yaml{background:#dbeafe;color:#1e40af}.layer-code{background:#f1f5f9;color:#475569}
.src{font-family:var(--mono);font-size:11.5px;color:var(--muted);overflow-wrap:anywhere}
ul.others{list-style:none;margin:4px 0 0;padding:0;font-size:11.5px;color:var(--muted)}
ul.others li{font-family:var(--mono);overflow-wrap:anywhere}
ul.others li.differs s{color:var(--warn);text-decoration-thickness:1.5px}
ul.others li.documented{font-style:italic}
td.cell.s-warning{background:#fffbeb;box-shadow:inset 3px 0 0 #f59e0b}
td.cell.s-error{background:#fef2f2;box-shadow:inset 3px 0 0 var(--err)}
td.cell.s-unknown .val{color:var(--unk)}
td.cell.empty{color:#cbd5e1;text-align:center}
.flags{margin-top:4px;display:flex;gap:6px;flex-wrap:wrap}
.flag{font-size:11px;border-radius:4px;padding:0 6px;background:#fef3c7;color:#92400e;font-weight:600}
a.badge{font-size:11px;border-radius:4px;padding:0 6px;font-weight:700;text-decoration:none;color:#fff}
.badge.error,.sev.error{background:var(--err)}.badge.warning,.sev.warning{background:#d97706}
.badge.note,.sev.note{background:#2563eb}
.sev{display:inline-block;white-space:nowrap;color:#fff;border-radius:4px;padding:1px 7px;font-size:11.5px;font-weight:700}
.picture{overflow-x:auto;border:1px solid var(--line);border-radius:10px;padding:8px;background:#fff}
.picture svg{display:block;max-width:100%;height:auto}
.picture a text{text-decoration:underline}
.status{font-weight:700;font-size:12px}
.status.ok{color:var(--ok)}.status.warning{color:var(--warn)}.status.error{color:var(--err)}.status.unknown{color:var(--unk)}
tr.route td{background:#f1f5f9;font-weight:700}
.hops td{font-size:13px}.hops .fix{color:var(--muted);font-size:12px;margin-top:3px}
.allow{font-family:var(--mono);font-size:11.5px;color:#166534}
.none{color:var(--muted);font-size:12px}
.findings td.msg .fix{color:var(--muted);font-size:12.5px;margin-top:3px}
.findings{table-layout:fixed}.findings td.where{font-family:var(--mono);font-size:12px;overflow-wrap:anywhere}
.findings td{overflow-wrap:anywhere}
.findings ul{margin:0;padding-left:16px;font-size:12.5px}
.findings ul li .mono{font-size:11.5px}
.findings tr:target td{background:#fef9c3}
dl.rules dt{font-weight:700;margin-top:8px}dl.rules dd{margin:2px 0 0 0;color:#334155}
dl.rules dt:target,dl.rules dt:target+dd{background:#fef9c3}
details summary{cursor:pointer;color:#1e40af;margin:12px 0 6px;font-weight:600}
footer{color:var(--muted);font-size:12px;text-align:center;margin-top:28px}
@media print{body{background:#fff}section{break-inside:avoid-page}}
"""


def render_html(report: AuditReport) -> str:
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Port audit — {escape(report.tree)}</title>",
        f"<style>{CSS}</style></head><body>",
        _header(report),
        "<main>",
        _routes_section(report),
        _matrix_section(report.matrix),
        _findings_section(report),
        _rules_section(report),
        f"<footer>portlint {escape(report.version)} · a self-contained page: no scripts, no external "
        "resources</footer>",
        "</main></body></html>",
    ]
    return "\n".join(parts) + "\n"


# -- header ---------------------------------------------------------------------------------------


def _header(report: AuditReport) -> str:
    counts = report.counts
    routes = report.route_counts()
    broken = routes[ERROR]
    cards = [
        ("error", counts["error"], _plural(counts["error"], "error")),
        ("warning", counts["warning"], _plural(counts["warning"], "warning")),
        ("note", counts["note"], _plural(counts["note"], "note")),
        ("ok" if not broken else "error", len(report.routes),
         f"routes · {routes[OK]} ok, {routes[WARNING]} warn, {broken} broken"),
        ("", len(report.services), "services"),
        ("", len(report.matrix.environments), "environments: " + ", ".join(report.matrix.environments)),
    ]
    card_html = "".join(f'<div class="card {cls}"><b>{n}</b><span>{escape(label)}</span></div>'
                        for cls, n, label in cards)
    suppressed = f" · {report.suppressed} suppressed" if report.suppressed else ""
    return (
        '<header class="top"><div class="inner">'
        f"<h1>Port audit <small>{escape(report.tree)}</small></h1>"
        f"<p>{report.files_read} files read of {report.files_seen} seen · {report.total} findings{suppressed} · "
        f"precedence {escape(' > '.join(report.matrix.precedence))}</p>"
        f'<div class="cards">{card_html}</div>'
        '<nav><a href="#routes">Routing</a><a href="#matrix">Port matrix</a><a href="#findings">Findings</a>'
        '<a href="#rules">Rules</a></nav>'
        "</div></header>"
    )


def _plural(n: int, word: str) -> str:
    return word if n == 1 else word + "s"


# -- routes ---------------------------------------------------------------------------------------


def _routes_section(report: AuditReport) -> str:
    hop_count = sum(len(r.hops) for r in report.routes)
    return (
        '<section id="routes"><h2>Routing</h2>'
        '<p class="lead">From each entrance (Ingress, load balancer listener, published host port) to the port '
        "the application listens on. Each arrow is a hop: green where both sides agree, amber or red where a "
        "finding sits on it or the ports differ, grey where a side is unknown. Hover a box or an arrow for "
        "details; rule ids link to the finding.</p>"
        f'<div class="picture">{render_svg(report.routes)}</div>'
        f"<details><summary>Hop by hop: ports, security-group rules and findings ({hop_count} hops)</summary>"
        f"{_hops_table(report.routes)}</details></section>"
    )


def _hops_table(routes: tuple[Route, ...]) -> str:
    if not routes:
        return '<p class="none">No routes.</p>'
    rows = ['<table class="hops"><thead><tr><th>Hop</th><th>Port</th><th>Status</th><th>Why</th>'
            "<th>Security-group rules</th><th>Findings</th></tr></thead><tbody>"]
    for route in routes:
        env = f" ({escape(route.environment)})" if route.environment else ""
        rows.append(f'<tr class="route"><td colspan="6">{escape(route.name)}{env} '
                    f'<span class="status {route.status}">{STATUS_WORDS[route.status]}</span></td></tr>')
        titles = {node.id: node.title for node in route.nodes}
        for hop in route.hops:
            rows.append(
                f"<tr><td>{escape(titles.get(hop.source, ''))} → {escape(titles.get(hop.target, ''))}</td>"
                f'<td class="mono">{escape(hop.label)}</td>'
                f'<td><span class="status {hop.status}">{STATUS_WORDS[hop.status]}</span></td>'
                f"<td>{escape(hop.why)}{_finding_lines(hop.findings)}</td><td>{_allowances(hop)}</td>"
                f"<td>{_badges(hop.findings)}</td></tr>")
    rows.append("</tbody></table>")
    return "".join(rows)


def _finding_lines(rows: tuple[FindingRow, ...]) -> str:
    return "".join(f'<div class="fix">#{row.number} {escape(row.finding.rule_id)}: {escape(_clip(row.finding.message, 160))}</div>'
                   for row in rows)


def _allowances(hop: Hop) -> str:
    if not hop.allowed_by:
        return f'<span class="none">none in the scan opens {escape(hop.firewall_port)}</span>' if hop.firewall_port else ""
    items = []
    for allow in hop.allowed_by:
        env = f" [{allow.environment}]" if allow.environment else ""
        items.append(f'<div class="allow" title="{escape(str(allow.location))}">{escape(allow.label)}: '
                     f"{escape(allow.ports)} from {escape(allow.sources)}{escape(env)} "
                     f"({_where(allow.location)})</div>")
    return "".join(items)


def _badges(rows: tuple[FindingRow, ...]) -> str:
    return " ".join(f'<a class="badge {row.finding.severity.value}" href="#{row.anchor}" '
                    f'title="{escape(row.finding.message)}">{escape(row.finding.rule_id)}</a>' for row in rows)


# -- matrix ---------------------------------------------------------------------------------------


def _matrix_section(matrix: Matrix) -> str:
    head = "".join(f"<th>{escape(env)}</th>" for env in matrix.environments)
    body = []
    spans: dict[str, int] = {}
    for row in matrix.rows:
        spans[row.service] = spans.get(row.service, 0) + 1
    seen: set[str] = set()
    for row in matrix.rows:
        service_cell = ""
        if row.service not in seen:
            seen.add(row.service)
            service_cell = f'<td class="svc" rowspan="{spans[row.service]}">{escape(row.service)}</td>'
        cells = "".join(_cell(cell) for cell in row.cells)
        body.append(f"<tr>{service_cell}{_key_cell(row)}{cells}</tr>")
    if not body:
        body.append(f'<tr><td colspan="{2 + len(matrix.environments)}" class="none">No configuration values '
                    "found (app config, Parameter Store, env files, code defaults).</td></tr>")
    return (
        '<section id="matrix"><h2>Port matrix</h2>'
        '<p class="lead">The value each service gets in each environment, the layer it comes from '
        f"(precedence {escape(' > '.join(matrix.precedence))}) and where it is written. Below it, what the "
        "other layers say: <s>struck</s> where a value differs from the winner and never takes effect, muted "
        "where it agrees. Amber cells drift from the other environments or the standard, or hold a finding.</p>"
        f'<table class="matrix"><thead><tr><th>Service</th><th>Key</th>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></section>"
    )


def _key_cell(row: MatrixRow) -> str:
    std = f'<span class="std">standard {row.standard}</span>' if row.standard is not None else ""
    kind = "" if row.is_port else '<span class="std">setting</span>'
    return f'<td class="key">{escape(row.key)}{std}{kind}</td>'


def _cell(cell: Cell | None) -> str:
    if cell is None:
        return '<td class="cell empty">—</td>'
    status = cell.status
    winner = cell.winner
    if winner is None:
        win = '<div class="win"><span class="val">—</span><span class="layer">documented only</span></div>'
    else:
        win = (f'<div class="win"><span class="val">{escape(_clip(winner.text))}</span>'
               f'<span class="layer layer-{escape(winner.layer)}">{escape(winner.layer)}</span></div>'
               f'<div class="src" title="{escape(str(winner.location))}">{_where(winner.location)}{_notes(winner)}</div>')
    others = "".join(_other(shown) for shown in cell.others)
    others_html = f'<ul class="others">{others}</ul>' if others else ""
    flags = []
    if cell.drift:
        flags.append('<span class="flag">drifts from other environments</span>')
    if cell.off_catalog:
        flags.append('<span class="flag">not the standard port</span>')
    flags_html = f'<div class="flags">{"".join(flags)}{_badges(cell.findings)}</div>' if flags or cell.findings else ""
    return f'<td class="cell s-{status}">{win}{others_html}{flags_html}</td>'


def _other(shown: Shown) -> str:
    value = escape(_clip(shown.text))
    value = f"<s>{value}</s>" if shown.differs else value
    cls = "documented" if shown.status == "documented" else "differs" if shown.differs else "same"
    tag = "documented" if shown.status == "documented" else shown.layer
    return (f'<li class="{cls}" title="{escape(shown.status)}: {escape(str(shown.location))}">{value} '
            f"{escape(tag)} · {_where(shown.location)}{_notes(shown)}</li>")


def _notes(shown: Shown) -> str:
    notes = []
    if shown.env_var and shown.layer != "env":
        notes.append(f"unless {shown.env_var} is set")
    if shown.example:
        notes.append("template")
    return escape(f" ({'; '.join(notes)})") if notes else ""


def _where(location: Location) -> str:
    """``path:line``, escaped, with a line-break opportunity after each ``/``."""
    return escape(location.short).replace("/", "/<wbr>")


def _clip(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- findings and rules ------------------------------------------------------------------------------


def _findings_section(report: AuditReport) -> str:
    if not report.findings:
        return '<section id="findings"><h2>Findings</h2><p class="lead">No findings.</p></section>'
    rules = {rule.id: rule for rule in report.rules}
    rows = []
    for row in report.findings:
        f = row.finding
        rule = rules.get(f.rule_id)
        summary = escape(rule.summary) if rule else ""
        related = "".join(f'<li><span class="mono">{_where(r.location)}</span> {escape(r.message)}</li>'
                          for r in f.related)
        fix = f'<div class="fix">fix: {escape(f.fix)}</div>' if f.fix else ""
        rows.append(
            f'<tr id="{row.anchor}"><td>{row.number}</td>'
            f'<td><span class="sev {f.severity.value}">{f.severity.value}</span></td>'
            f'<td><a href="#rule-{escape(f.rule_id)}" title="{summary}">{escape(f.rule_id)}</a><br>'
            f'<span class="none">{escape(f.rule_name)}</span></td>'
            f'<td class="msg">{escape(f.message)}{fix}</td>'
            f'<td class="where" title="{escape(str(f.location))}">{_where(f.location)}</td>'
            f"<td>{f'<ul>{related}</ul>' if related else ''}</td></tr>")
    return (
        '<section id="findings"><h2>Findings</h2>'
        f'<p class="lead">{report.total} findings: errors first, then warnings and notes, each by file and '
        "line.</p>"
        '<table class="findings"><colgroup><col style="width:40px"><col style="width:96px"><col style="width:150px">'
        '<col><col style="width:270px"><col style="width:24%"></colgroup><thead><tr><th>#</th><th>Severity</th><th>Rule</th><th>Message</th>'
        f"<th>Where</th><th>Other side(s)</th></tr></thead><tbody>{''.join(rows)}</tbody></table></section>"
    )


def _rules_section(report: AuditReport) -> str:
    if not report.rules:
        return ""
    items = []
    for rule in report.rules:
        severity = f' <span class="sev {escape(rule.severity)}">{escape(rule.severity)}</span>' if rule.severity else ""
        items.append(f'<dt id="{rule.anchor}">{escape(rule.id)} {escape(rule.name)}{severity}</dt>'
                     f"<dd>{escape(rule.summary)} · docs/rules/{escape(rule.id)}.md</dd>")
    return f'<section id="rules"><h2>Rules with findings</h2><dl class="rules">{"".join(items)}</dl></section>'
