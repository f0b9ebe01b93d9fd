"""The routing picture as inline SVG: one row per route, five fixed columns, hops coloured by status.

The layout is a pure function of the routes (no measuring, no randomness): columns at fixed x,
rows at fixed pitch, and a node shared by consecutive rows (the same Ingress) drawn once across
them. Text never leaves its box: a text longer than its box is cut with an ellipsis and the rest
squeezed with ``textLength``; the full text is in a ``<title>`` tooltip.
"""

from __future__ import annotations

from dataclasses import dataclass
from portlint.report._escape import html_text as escape

from portlint.audit.model import COLUMN_TITLES, ERROR, OK, UNKNOWN, WARNING, Hop, Node, Route

MARGIN = 16
NODE_W = 204
GAP = 76
NODE_H = 60
PITCH = 78
HEAD = 34
LEGEND_H = 84
FONT = "DejaVu Sans, Liberation Sans, Arial, Helvetica, sans-serif"
EM = 0.62  # a generous average glyph width, in em, for the fonts above

COLORS = {OK: "#15803d", WARNING: "#d97706", ERROR: "#dc2626", UNKNOWN: "#9ca3af"}
LABELS = {OK: "all sides agree", WARNING: "warning, note or ports differ", ERROR: "error",
          UNKNOWN: "unknown or nothing to compare"}
COLUMNS = len(COLUMN_TITLES)


def width() -> int:
    return 2 * MARGIN + COLUMNS * NODE_W + (COLUMNS - 1) * GAP


def column_x(column: int) -> int:
    return MARGIN + column * (NODE_W + GAP)


def row_y(row: int) -> int:
    """Top of a row's box."""
    return HEAD + row * PITCH


@dataclass(frozen=True)
class Placed:
    node: Node
    first: int
    last: int

    @property
    def x(self) -> int:
        return column_x(self.node.column)

    @property
    def y(self) -> int:
        return row_y(self.first)

    @property
    def height(self) -> int:
        return (self.last - self.first) * PITCH + NODE_H


def layout(routes: list[Route] | tuple[Route, ...]) -> list[Placed]:
    """Every node box: a node on consecutive rows in the same column is one tall box."""
    placed: list[Placed] = []
    open_boxes: dict[int, Placed] = {}
    for row, route in enumerate(routes):
        seen_columns = set()
        for node in route.nodes:
            seen_columns.add(node.column)
            current = open_boxes.get(node.column)
            if current is not None and current.node.id == node.id and current.last == row - 1:
                open_boxes[node.column] = Placed(node, current.first, row)
                continue
            if current is not None:
                placed.append(current)
            open_boxes[node.column] = Placed(node, row, row)
        for column in [c for c in open_boxes if c not in seen_columns]:
            placed.append(open_boxes.pop(column))
    placed.extend(open_boxes.values())
    return sorted(placed, key=lambda p: (p.node.column, p.first))


def render_svg(routes: list[Route] | tuple[Route, ...], finding_href=lambda number: f"#finding-{number}") -> str:
    """The whole picture; an empty list of routes gives a small picture that says so."""
    total_w = width()
    rows = len(routes)
    body_h = max(rows, 1) * PITCH
    total_h = HEAD + body_h + LEGEND_H
    out = [f'<svg class="routes" viewBox="0 0 {total_w} {total_h}" '
           f'width="{total_w}" height="{total_h}" role="img" aria-labelledby="routes-title" '
           f'font-family="{FONT}">',
           '<title id="routes-title">Routes from each entrance to the port the application listens on</title>',
           _defs()]
    for column, title in enumerate(COLUMN_TITLES):
        x = column_x(column) + NODE_W // 2
        out.append(f'<text x="{x}" y="20" text-anchor="middle" font-size="12" font-weight="700" '
                   f'fill="#475569" letter-spacing="0.5">{escape(title.upper())}</text>')
    if not routes:
        out.append(f'<text x="{total_w // 2}" y="{HEAD + 34}" text-anchor="middle" font-size="14" fill="#64748b">'
                   'No routes: the scan has no Ingress, load balancer target group, Service or published port.</text>')
    for row in range(1, rows):
        y = row_y(row) - (PITCH - NODE_H) // 2
        out.append(f'<line x1="{MARGIN}" y1="{y}" x2="{total_w - MARGIN}" y2="{y}" stroke="#eef2f7" stroke-width="1"/>')
    boxes = layout(routes)
    for box in boxes:
        out.append(_node(box))
    by_row = {(p.node.id, r): p for p in boxes for r in range(p.first, p.last + 1)}
    for row, route in enumerate(routes):
        for hop in route.hops:
            source = by_row.get((hop.source, row))
            target = by_row.get((hop.target, row))
            if source is not None and target is not None:
                out.append(_hop(hop, source, target, row, finding_href))
    out.append(_legend(HEAD + body_h + 14, total_w))
    out.append("</svg>")
    return "\n".join(out)


def _defs() -> str:
    markers = "".join(
        f'<marker id="arrow-{status}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        f'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{color}"/></marker>'
        for status, color in COLORS.items())
    return f"<defs>{markers}</defs>"


def _node(box: Placed) -> str:
    node = box.node
    app = node.column == len(COLUMN_TITLES) - 1
    fill = "#fff7ed" if node.missing else "#f0f9ff" if app else "#ffffff"
    stroke = "#f59e0b" if node.missing else "#94a3b8"
    dash = ' stroke-dasharray="5 4"' if node.missing else ""
    tip = " — ".join(x for x in (node.title, *node.lines, node.location.short if node.location else "") if x)
    parts = [f'<g class="node"><title>{escape(tip)}</title>',
             f'<rect x="{box.x}" y="{box.y}" width="{NODE_W}" height="{box.height}" rx="8" fill="{fill}" '
             f'stroke="{stroke}" stroke-width="1.4"{dash}/>']
    top = box.y + box.height // 2 - (7 * len(node.lines[:2])) + 4
    parts.append(_text(node.title, box.x + 10, top, 12.5, bold=True, color="#0f172a"))
    for i, line in enumerate(node.lines[:2]):
        parts.append(_text(line, box.x + 10, top + 16 + i * 15, 11, color="#334155"))
    parts.append("</g>")
    return "".join(parts)


def _hop(hop: Hop, source: Placed, target: Placed, row: int, finding_href) -> str:
    color = COLORS[hop.status]
    y = row_y(row) + NODE_H // 2
    x1 = source.x + NODE_W
    x2 = target.x - 2
    dash = ' stroke-dasharray="5 4"' if hop.status == UNKNOWN else ""
    mid = (x1 + x2) // 2
    room = min(x2 - x1 - 8, 160)
    tip = (hop.why + "".join(f"; allowed by {a.label} ({a.ports} from {a.sources})" for a in hop.allowed_by)
           + "".join(f"; #{row.number} {row.finding.rule_id}: {row.finding.message}" for row in hop.findings))
    parts = [f'<g class="hop hop-{hop.status}"><title>{escape(tip)}</title>',
             f'<line x1="{x1}" y1="{y}" x2="{x2}" y2="{y}" stroke="{color}" stroke-width="2.4"{dash} '
             f'marker-end="url(#arrow-{hop.status})"/>']
    if hop.label:
        parts.append(_pill(hop.label, mid, y - 9, room, color))
    if hop.findings:
        rules = " ".join(dict.fromkeys(row.finding.rule_id for row in hop.findings))
        href = escape(finding_href(hop.findings[0].number))
        parts.append(f'<a href="{href}">{_text(rules, mid, y + 17, 10.5, bold=True, color=color, anchor="middle", room=room)}</a>')
    elif hop.allowed_by:
        parts.append(_text(f"SG ✓ {len(hop.allowed_by)}", mid, y + 17, 10, color="#15803d", anchor="middle", room=room))
    elif hop.firewall_port:
        parts.append(_text("no SG rule", mid, y + 17, 10, color="#64748b", anchor="middle", room=room))
    parts.append("</g>")
    return "".join(parts)


def _pill(label: str, mid: int, y: int, room: int, color: str) -> str:
    w = min(_width(label, 10.5) + 10, room)
    return (f'<rect x="{mid - w // 2}" y="{y - 9}" width="{w}" height="15" rx="7" fill="#ffffff" '
            f'stroke="{color}" stroke-width="1"/>'
            + _text(label, mid, y + 2, 10.5, bold=True, color=color, anchor="middle", room=w - 8))


def fit(text: str, room: float, size: float) -> tuple[str, int | None]:
    """The text to show in ``room`` pixels, and a ``textLength`` when it must be squeezed.

    A path (``a/b/c.py:12``) loses its head, not its file name: ``…/c.py:12``.
    """
    natural = len(text) * size * EM
    if natural <= room:
        return text, None
    limit = max(int(room * 1.3 / (size * EM)), 2)
    if len(text) > limit:
        text = _clip_path(text, limit) if _is_path(text) else text[: limit - 1] + "…"
    return text, int(room) if len(text) * size * EM > room else None


def _clip_path(text: str, limit: int) -> str:
    """``…/file.py:12``: whole folder names dropped from the head until it fits."""
    parts = text.split("/")
    for start in range(1, len(parts)):
        tail = "/".join(parts[start:])
        if len(tail) + 2 <= limit:
            return "…/" + tail
    return "…" + text[len(text) - limit + 1:]


def _is_path(text: str) -> bool:
    return "/" in text and " " not in text


def _text(text: str, x: int, y: int, size: float, bold: bool = False, color: str = "#0f172a",
          anchor: str = "start", room: int | None = None) -> str:
    room = room if room is not None else NODE_W - 20
    shown, squeeze = fit(text, room, size)
    weight = ' font-weight="700"' if bold else ""
    stretch = f' textLength="{squeeze}" lengthAdjust="spacingAndGlyphs"' if squeeze else ""
    return (f'<text x="{x}" y="{y}" font-size="{size}" fill="{color}" text-anchor="{anchor}"{weight}{stretch}>'
            f"{escape(shown)}</text>")


def _legend(y: int, total_w: int) -> str:
    parts = [f'<g class="legend"><rect x="{MARGIN}" y="{y}" width="{total_w - 2 * MARGIN}" height="{LEGEND_H - 20}" '
             'rx="8" fill="#f8fafc" stroke="#e2e8f0"/>']
    x, cy = MARGIN + 14, y + 20
    for status in (OK, WARNING, ERROR, UNKNOWN):
        dash = ' stroke-dasharray="5 4"' if status == UNKNOWN else ""
        parts.append(f'<line x1="{x}" y1="{cy}" x2="{x + 34}" y2="{cy}" stroke="{COLORS[status]}" stroke-width="2.4"{dash} '
                     f'marker-end="url(#arrow-{status})"/>')
        room = _width(LABELS[status], 11.5)
        parts.append(_text(LABELS[status], x + 42, cy + 4, 11.5, color="#334155", room=room))
        x += 42 + room + 28
    cy += 24
    x = MARGIN + 14
    parts.append(f'<rect x="{x + 4}" y="{cy - 8}" width="26" height="16" rx="4" fill="#fff7ed" stroke="#f59e0b" '
                 'stroke-dasharray="5 4"/>')
    x += 42
    for text, color in (("missing: named but not in the scan", "#334155"),
                        ("SG ✓ n: n security-group rules open the hop's port", "#15803d"),
                        ("PLnnn: a finding on this hop (click to jump to it)", "#d97706")):
        room = _width(text, 11.5)
        parts.append(_text(text, x, cy + 4, 11.5, color=color, room=room))
        x += room + 34
    parts.append("</g>")
    return "".join(parts)


def _width(text: str, size: float) -> int:
    return int(len(text) * size * EM) + 2
