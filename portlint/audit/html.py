"""The audit report as one self-contained HTML page: inline CSS and SVG, no script, no external
reference of any kind (no fonts, no CDN, no links out). Every scanned value is escaped."""

from __future__ import annotations

from portlint.report._escape import html_text as escape

from portlint.audit.model import (ERROR, OK, UNKNOWN, WARNING, AuditReport, Cell, FindingRow, Hop, Matrix,
                                  MatrixRow, Route, Shown)
from portlint.audit.explain import explain_html
from portlint.audit.svg import render_svg
from portlint.model import Location

STATUS_WORDS = {OK: "ok", WARNING: "warning", ERROR: "error", UNKNOWN: "unknown"}

CSS = """
:root{--ok:#15803d;--warn:#b45309;--err:#dc2626;--unk:#64748b;--ink:#0f172a;--muted:#64748b;--line:#e2e8f0;
--bg:#f8fafc;--card:#ffffff;--mono:"DejaVu Sans Mono","Liberation Mono",Menlo,Consolas,monospace}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);
font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans","Liberation Sans",Arial,sans-serif}
main{max-width:1380px;margin:0 auto;padding:0 28px 48px}
header.top{background:#0f172a;color:#f8fafc;padding:14px 28px 10px}
header.top .inner{max-width:1380px;margin:0 auto;padding:0 28px}
header.top h1{margin:0;font-size:22px;letter-spacing:.2px}
header.top h1 small{font-weight:400;color:#94a3b8;font-size:15px;margin-left:10px}
header.top p{margin:6px 0 0;color:#cbd5e1}
.cards{display:flex;gap:10px;flex-wrap:wrap;margin:10px 0 0}
.card{background:#1e293b;border-radius:8px;padding:5px 12px;min-width:120px}
.card b{display:block;font-size:20px;line-height:1.2}
.card span{color:#94a3b8;font-size:12.5px}
.card.error b{color:#f87171}.card.warning b{color:#fbbf24}.card.note b{color:#93c5fd}.card.ok b{color:#4ade80}
nav{margin-top:8px;font-size:13px}nav a{color:#93c5fd;margin-right:16px;text-decoration:none}
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
.findings td.msg .fix{color:var(--muted);font-size:12px;margin-top:2px}
.findings td{padding:4px 8px;line-height:1.35}
.findings td.rule{white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.findings td.msg summary{display:block;white-space:nowrap;overflow:hidden;text-overflow:ellipsis;margin:0;
color:var(--ink);font-weight:400}
.findings td.msg summary::before{content:"▸ ";color:var(--muted)}
.findings td.msg details[open] summary::before{content:"▾ "}
.findings td.msg details[open] summary{color:var(--muted)}
.findings .full{margin:2px 0}.findings .other{font-size:12px;color:var(--muted);margin-top:3px}
#findings{margin-top:14px}
.findings{table-layout:fixed}.findings td.where{font-family:var(--mono);font-size:12px;overflow-wrap:anywhere}
.findings td{overflow-wrap:anywhere}
.findings ul{margin:0;padding-left:16px;font-size:12.5px}
.findings ul li .mono{font-size:11.5px}
.findings tr:target td{background:#fef9c3}
dl.rules dt{font-weight:700;margin-top:8px}dl.rules dd{margin:2px 0 0 0;color:#334155}
dl.rules dt:target,dl.rules dt:target+dd{background:#fef9c3}
details summary{cursor:pointer;color:#1e40af;margin:12px 0 6px;font-weight:600}
.strip{background:#fff;border:1px solid var(--line);border-left:4px solid var(--err);border-radius:10px;
padding:8px 14px;margin:14px 0 0;font-size:13px}
.strip.clean{border-left-color:var(--ok)}
.chips{display:flex;flex-wrap:wrap;gap:6px;margin-top:6px}
a.chip{font-size:12px;border:1px solid var(--line);border-radius:6px;padding:2px 8px;text-decoration:none;
color:var(--ink);background:#f8fafc;white-space:nowrap;max-width:100%;overflow:hidden;text-overflow:ellipsis}
a.chip.s-error{background:#fef2f2;border-color:#fecaca}a.chip.s-warning{background:#fffbeb;border-color:#fde68a}
a.chip .rules{color:var(--muted);font-weight:600}
details.rule{border-top:1px solid var(--line);padding:2px 0}details.rule summary{margin:6px 0;color:var(--ink);font-weight:400}
.explain:target{background:#fefce8;scroll-margin-top:48px}
.explain{font-size:13px;padding:0 12px 8px;max-width:980px}.explain h4{margin:10px 0 2px;font-size:14px}
.explain pre{background:#f1f5f9;border-radius:6px;padding:8px 10px;overflow-x:auto;font-family:var(--mono);font-size:12px}
.explain p{margin:4px 0}
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
        _problems_strip(report),
        _findings_section(report),
        _routes_section(report),
        _matrix_section(report.matrix),
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
        '<nav><a href="#findings">Findings</a><a href="#routes">Routing</a><a href="#matrix">Port matrix</a>'
        '<a href="#rules">Rules</a></nav>'
        "</div></header>"
    )


def _plural(n: int, word: str) -> str:
    return word if n == 1 else word + "s"


# -- routes ---------------------------------------------------------------------------------------


def _problems_strip(report: AuditReport) -> str:
    """Under the header: every broken, warning or unknown route, worst first, each linked to its
    first finding (or to its row in the hop table)."""
    problems = report.problem_routes()
    green = len(report.routes) - len(problems)
    if not report.routes:
        return ""
    if not problems:
        return (f'<div class="strip clean" id="problems"><span class="status ok">all {green} routes agree '
                "end to end</span></div>")
    chips = []
    for route in problems:
        rows = [row for hop in route.hops for row in hop.findings]
        env = f" ({escape(route.environment)})" if route.environment else ""
        rules = " ".join(dict.fromkeys(row.finding.rule_id for row in rows))
        label = (f'<span class="status {route.status}">{STATUS_WORDS[route.status]}</span> '
                 f"{escape(route.name)}{env}" + (f' <b class="rules">{escape(rules)}</b>' if rules else ""))
        href = f"#{rows[0].anchor}" if rows else "#routes"
        where = next((node.location.short for node in route.nodes if node.location is not None), "")
        title = f' title="{escape(where)}"' if where else ""
        chips.append(f'<a class="chip s-{route.status}" href="{href}"{title}>{label}</a>')
    return (f'<div class="strip" id="problems"><b>{len(problems)} of {len(report.routes)} routes need a look</b>'
            f'<span class="none"> · {green} all green (folded under Routing)</span>'
            f'<div class="chips">{"".join(chips)}</div></div>')


def _routes_section(report: AuditReport) -> str:
    hop_count = sum(len(r.hops) for r in report.routes)
    problems = report.problem_routes()
    green = report.green_routes()
    if problems or not report.routes:
        picture = f'<div class="picture">{render_svg(problems)}</div>'
    else:
        picture = '<p class="none">Every route agrees end to end.</p>'
    folded = ""
    if green:
        folded = (f'<details class="green"><summary>{len(green)} all-green {_plural(len(green), "route")} '
                  f'(every hop agrees)</summary><div class="picture">{render_svg(green, prefix="green-")}</div>'
                  "</details>")
    return (
        '<section id="routes"><h2>Routing</h2>'
        '<p class="lead">From each entrance (Ingress, load balancer listener, published host port) to the port '
        "the application listens on, routes that need a look first (broken, then warning, then unknown); the "
        "all-green ones are folded below. Each arrow is a hop: green where both sides agree, amber or red where "
        "a finding sits on it or the ports differ, grey where a side is unknown. Hover a box or an arrow for "
        "details; rule ids link to the finding.</p>"
        f"{picture}{folded}"
        f"<details><summary>Hop by hop: ports, security-group rules and findings ({hop_count} hops)</summary>"
        f"{_hops_table(problems + green)}</details></section>"
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
    head = f"<thead><tr><th>Service</th><th>Key</th>{''.join(f'<th>{escape(env)}</th>' for env in matrix.environments)}</tr></thead>"
    problems, green = matrix.problem_rows(), matrix.green_rows()
    if problems or not green:
        table = f'<table class="matrix">{head}<tbody>{_matrix_rows(matrix, problems)}</tbody></table>'
    else:
        table = '<p class="none">Every service gets the same port in every environment, with no finding.</p>'
    folded = ""
    if green:
        count = len({row.service for row in green})
        folded = (f'<details class="green"><summary>{count} all-green {_plural(count, "service")} '
                  f"(same port everywhere, no finding)</summary>"
                  f'<table class="matrix">{head}<tbody>{_matrix_rows(matrix, green)}</tbody></table></details>')
    return (
        '<section id="matrix"><h2>Port matrix</h2>'
        '<p class="lead">The value each service gets in each environment, the layer it comes from '
        f"(precedence {escape(' > '.join(matrix.precedence))}) and where it is written. Below it, what the "
        "other layers say: <s>struck</s> where a value differs from the winner and never takes effect, muted "
        "where it agrees. Amber cells drift from the other environments or the standard, or hold a finding; "
        "services whose every cell is green are folded below. "
        f"{_hidden_note(matrix)}</p>{table}{folded}</section>"
    )


def _matrix_rows(matrix: Matrix, rows: tuple[MatrixRow, ...]) -> str:
    spans: dict[str, int] = {}
    for row in rows:
        spans[row.service] = spans.get(row.service, 0) + 1
    body = []
    seen: set[str] = set()
    for row in rows:
        service_cell = ""
        if row.service not in seen:
            seen.add(row.service)
            service_cell = f'<td class="svc" rowspan="{spans[row.service]}">{escape(row.service)}</td>'
        cells = "".join(_cell(cell) for cell in row.cells)
        body.append(f"<tr>{service_cell}{_key_cell(row)}{cells}</tr>")
    if not body:
        body.append(f'<tr><td colspan="{2 + len(matrix.environments)}" class="none">No configuration values '
                    "found (app config, Parameter Store, env files, code defaults).</td></tr>")
    return "".join(body)


def _hidden_note(matrix: Matrix) -> str:
    if not matrix.hidden_settings:
        return "Port keys only (a setting shows up here when a finding sits on it)."
    return (f"Port keys only: {matrix.hidden_settings} other {_plural(matrix.hidden_settings, 'setting')} with no "
            "finding are left out (<code>portlint config</code> lists them).")


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
        other = f'<div class="other">other side(s):<ul>{related}</ul></div>' if related else ""
        rows.append(
            f'<tr id="{row.anchor}" class="f-{f.severity.value}"><td>{row.number}</td>'
            f'<td class="rule"><span class="sev {f.severity.value}">{f.severity.value}</span> '
            f'<a href="#rule-{escape(f.rule_id)}" title="{summary}">{escape(f.rule_id)}</a> '
            f'<span class="none">{escape(f.rule_name)}</span></td>'
            f'<td class="msg"><details><summary title="{escape(f.message)}">{escape(f.message)}</summary>'
            f'<div class="full">{escape(f.message)}</div>{fix}'
            f"{other}</details></td>"
            f'<td class="where" title="{escape(str(f.location))}">{_where(f.location)}</td></tr>')
    return (
        '<section id="findings"><h2>Findings</h2>'
        f'<p class="lead">{report.total} findings: errors first, then warnings and notes, each by file and '
        "line. Open a message for the whole text, the fix and the other side(s).</p>"
        '<table class="findings"><colgroup><col style="width:36px"><col style="width:255px">'
        '<col><col style="width:340px"></colgroup><thead><tr><th>#</th><th>Rule</th><th>Message</th>'
        f"<th>Where</th></tr></thead><tbody>{''.join(rows)}</tbody></table></section>"
    )


def _rules_section(report: AuditReport) -> str:
    """One ``<details>`` per rule with findings, holding what ``portlint explain`` prints."""
    if not report.rules:
        return ""
    items = []
    for rule in report.rules:
        severity = f' <span class="sev {escape(rule.severity)}">{escape(rule.severity)}</span>' if rule.severity else ""
        body = explain_html(rule.doc) if rule.doc else f"<p>{escape(rule.summary)}</p>"
        # the anchor is inside the <details>: following a link to it opens it (a link to the <details>
        # itself would not)
        items.append(f'<details class="rule"><summary><b>{escape(rule.id)}</b> '
                     f"{escape(rule.name)}{severity} <span class=\"none\">{escape(rule.summary)}</span></summary>"
                     f'<div class="explain" id="{escape(rule.anchor)}">{body}<p class="none">The same text: <code>portlint explain '
                     f"{escape(rule.id)}</code></p></div></details>")
    return ('<section id="rules"><h2>Rules with findings</h2><p class="lead">What each rule checks, why it '
            f'matters and what to write instead (open one).</p>{"".join(items)}</section>')
