"""``portlint audit``: the HTML and Markdown reports of the demo monorepo, their safety (no
external reference, everything escaped), determinism, and a render in a real headless browser."""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import sys
import zlib
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import FIXTURES, ROOT, copy_tree, run_cli, scan_tree
from portlint.audit import build_report, render
from portlint.audit.model import ERROR, OK, WARNING, AuditReport, Route
from portlint.audit.svg import EM, NODE_H, NODE_W, fit, layout

DEMO = ROOT / "examples" / "genai-monorepo"
SETUP_SCRIPT = "scripts/setup_environment_config.py"


@cache
def demo_report() -> AuditReport:
    return build_report(scan_tree(DEMO))


@cache
def demo_html() -> str:
    return render(demo_report(), "html")


@cache
def demo_markdown() -> str:
    return render(demo_report(), "md")


def workers_line() -> int:
    """The line of ``'workers': ...`` in the demo's Parameter Store script (where prod's value wins)."""
    lines = (DEMO / SETUP_SCRIPT).read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, start=1) if "'workers'" in line)


# -- a small HTML reader for the tests -----------------------------------------------------------------

URL_ATTRS = {"src", "href", "xlink:href", "action", "formaction", "poster", "data", "srcset", "background",
             "cite", "longdesc", "manifest", "ping", "codebase", "archive", "usemap", "icon"}


class PageScan(HTMLParser):
    """Every tag with its attributes, the CSS of ``<style>`` elements, and the matrix as text cells."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.css: list[str] = []
        self._in_style = False
        self.matrix: list[list[str]] = []
        self.matrix_html: list[list[str]] = []
        self._in_matrix = False
        self._cell: list[str] | None = None
        self._cell_raw: list[str] | None = None

    def handle_starttag(self, tag: str, attrs) -> None:
        values = {k: v or "" for k, v in attrs}
        self.tags.append((tag, values))
        if tag == "style":
            self._in_style = True
        if tag == "table" and "matrix" in values.get("class", ""):
            self._in_matrix = True
        if self._in_matrix and tag == "tr":
            self.matrix.append([])
            self.matrix_html.append([])
        if self._in_matrix and tag in ("td", "th"):
            self._cell, self._cell_raw = [], []
        elif self._cell_raw is not None and self._cell is not None:
            if tag != "wbr":
                self._cell_raw.append(f"<{tag}>")
                self._cell.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False
        if tag == "table":
            self._in_matrix = False
        if self._in_matrix and tag in ("td", "th") and self._cell is not None:
            self.matrix[-1].append(" ".join("".join(self._cell).split()))
            self.matrix_html[-1].append("".join(self._cell_raw or []))
            self._cell = self._cell_raw = None
        elif self._cell_raw is not None and self._cell is not None:
            self._cell_raw.append(f"</{tag}>")
            self._cell.append(" ")

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.css.append(data)
        if self._cell is not None:
            self._cell.append(data)
        if self._cell_raw is not None:
            self._cell_raw.append(data)


def scan_page(text: str) -> PageScan:
    page = PageScan()
    page.feed(text)
    page.close()
    return page


def external_references(text: str) -> list[str]:
    """Every reference that would make the browser fetch something or leave the page."""
    page = scan_page(text)
    found = []
    for tag, attrs in page.tags:
        if tag in ("script", "link", "iframe", "object", "embed", "base", "img", "frame", "audio", "video", "source"):
            found.append(f"<{tag}>")
        if tag == "meta" and attrs.get("http-equiv", "").lower() == "refresh":
            found.append("<meta refresh>")
        for name, value in attrs.items():
            if name in URL_ATTRS and value and not value.startswith("#"):
                found.append(f"{tag}[{name}]={value}")
            if name.startswith("on"):
                found.append(f"{tag}[{name}]")
            if name == "style":
                found.extend(_css_references(value))
            if re.match(r"(?i)\s*(https?:|ftp:|javascript:|data:|//)", value):
                found.append(f"{tag}[{name}]={value}")
    for css in page.css:
        found.extend(_css_references(css))
    return found


def _css_references(css: str) -> list[str]:
    found = [f"@import in {css[:40]!r}" for _ in re.finditer(r"(?i)@import", css)]
    found += [f"@font-face in {css[:40]!r}" for _ in re.finditer(r"(?i)@font-face", css)]
    for match in re.finditer(r"(?i)url\(\s*(['\"]?)(.*?)\1\s*\)", css):
        if not match.group(2).startswith("#"):
            found.append(f"url({match.group(2)})")
    return found


def matrix_cell(text: str, key: str, environment: str) -> tuple[str, str]:
    """(text, inner HTML) of the matrix cell for ``key`` (``workers``) in ``environment``."""
    page = scan_page(text)
    header = page.matrix[0]
    envs = header[2:]
    for row, raw in zip(page.matrix[1:], page.matrix_html[1:]):
        cells = row[-len(envs) - 1:]
        if cells[0].split()[0] == key:
            i = envs.index(environment)
            return cells[1 + i], raw[-len(envs):][i]
    raise AssertionError(f"no matrix row {key}")


# -- the checker itself must catch what it looks for ------------------------------------------------------


@pytest.mark.parametrize("snippet", [
    '<img src="https://cdn.example/x.png">', '<a href="http://example.com">x</a>',
    '<style>@import "x.css";</style>', '<div style="background:url(https://x/y.png)"></div>',
    "<script>1</script>", '<link rel="stylesheet" href="x.css">', '<svg><image href="x.png"/></svg>',
    '<style>@font-face{font-family:x;src:url(x.woff)}</style>', '<svg><a xlink:href="//evil/x">x</a></svg>',
])
def test_reference_checker_catches_external_references(snippet: str) -> None:
    assert external_references(f"<html><body>{snippet}</body></html>")


def test_reference_checker_allows_fragments() -> None:
    assert external_references('<a href="#x">x</a><svg><line marker-end="url(#arrow-ok)"/></svg>') == []


# -- the demo report -------------------------------------------------------------------------------------


def test_html_has_no_external_references() -> None:
    assert external_references(demo_html()) == []
    assert "<svg" in demo_html()


def test_html_names_the_demo_services_and_environments() -> None:
    page = scan_page(demo_html())
    header = page.matrix[0]
    assert header[2:] == ["dev", "uat", "prod"]
    services = {row[0] for row in page.matrix[1:] if row and len(row) == 5}
    assert {"airflow", "dash", "fastapi", "web"} <= services
    for name in ("fastapi-service", "dash-service", "mono-repo-ingress", "aws_lb_target_group.webapp"):
        assert name in demo_html()


def test_prod_workers_cell_shows_the_winner_and_its_source() -> None:
    text, raw = matrix_cell(demo_html(), "workers", "prod")
    assert text.startswith("4 parameter-store")
    assert f"{SETUP_SCRIPT}:{workers_line()}" in text
    assert "<s>8</s>" in raw  # prod.yaml's 8 is overridden: struck through
    assert "config/prod.yaml:4" in text
    assert "PL302" in text


def test_dev_workers_cell_has_its_own_winner() -> None:
    text, _ = matrix_cell(demo_html(), "workers", "dev")
    assert text.startswith("1 parameter-store")


def test_html_lists_the_airflow_ingress_finding_with_file_and_line() -> None:
    html = demo_html().replace("<wbr>", "")
    rows = dict(re.findall(r'<tr id="(finding-\d+)"[^>]*>(.*?)</tr>', html, re.S))
    airflow = [body for body in rows.values() if "PL105" in body and "airflow-service" in body]
    assert len(airflow) == 1
    assert "deploy/kubernetes/ingress.yaml:33" in airflow[0]
    assert 'href="#rule-PL105"' in airflow[0]
    assert 'id="rule-PL105"' in html


def test_routes_follow_the_demo_ingress_to_the_apps() -> None:
    routes = {route.name: route for route in demo_report().routes}
    api = routes["/api/* → fastapi-service"]
    assert [n.title for n in api.nodes] == ["Ingress mono-repo-ingress", "/api/*", "Service fastapi-service",
                                           "fastapi-deployment/fastapi", "fastapi"]
    entrance, to_service, to_pod, to_app = api.hops
    assert [entrance.status, to_service.status, to_pod.status] == [OK, OK, OK]
    assert to_app.status == OK or to_app.findings  # amber only where a finding (PORT env, say) sits on it
    assert {a.label for a in entrance.allowed_by} == {"aws_security_group.alb ingress[0]",
                                                      "aws_security_group.alb ingress[1]"}
    assert [a.label for a in to_pod.allowed_by] == ["aws_security_group_rule.fastapi_access"]
    assert to_app.label == ":8000"


def test_missing_airflow_service_is_a_red_hop_linked_to_its_finding() -> None:
    route = next(r for r in demo_report().routes if r.name == "/airflow/* → airflow-service")
    assert route.status == ERROR
    assert route.nodes[-1].missing
    assert [row.finding.rule_id for row in route.hops[-1].findings] == ["PL105"]


def test_services_without_selector_end_at_no_pods() -> None:
    route = next(r for r in demo_report().routes if r.name == "/dash/* → dash-service")
    assert route.status == WARNING
    assert any(n.missing and n.title == "no pods selected" for n in route.nodes)
    assert "PL107" in {row.finding.rule_id for hop in route.hops for row in hop.findings}


def test_unused_target_groups_start_at_a_missing_listener() -> None:
    groups = [r for r in demo_report().routes if r.name.startswith("aws_lb_target_group.")]
    assert len(groups) == 4
    for route in groups:
        assert route.nodes[0].missing and route.nodes[0].title == "no listener"
        assert [row.finding.rule_id for row in route.hops[0].findings] == ["PL209"]
        assert route.hops[-1].allowed_by  # the dev server's rule opens the target group's port


def test_svg_boxes_never_overlap_and_text_fits() -> None:
    boxes = layout(demo_report().routes)
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            apart = (a.x + NODE_W <= b.x or b.x + NODE_W <= a.x or a.y + a.height <= b.y or b.y + b.height <= a.y)
            assert apart, (a.node.id, b.node.id)
    assert boxes and all(box.height >= NODE_H for box in boxes)


@pytest.mark.parametrize("text", ["short", "scripts/setup_environment_config.py:42", "x" * 90,
                                  "aws_lb_target_group.fastapi_canary_blue"])
def test_text_fits_its_room_or_is_squeezed_into_it(text: str) -> None:
    room, size = 184, 11
    shown, squeeze = fit(text, room, size)
    if squeeze is None:
        assert len(shown) * size * EM <= room
    else:
        assert squeeze == room and len(shown) < len(text)
    if "/" in text and shown != text:
        assert shown.startswith("…/") and shown.endswith("setup_environment_config.py:42")


def test_markdown_report_has_the_same_facts() -> None:
    md = demo_markdown()
    assert md.startswith("# Port audit: genai-monorepo\n")
    assert "| Service | Key | dev | uat | prod |" in md
    workers = next(line for line in md.splitlines() if line.startswith("| fastapi | workers |"))
    prod = workers.split(" | ")[-1]
    assert prod.startswith(f"**4** parameter-store {SETUP_SCRIPT.replace('_', chr(92) + '_')}:{workers_line()}")
    assert "~~8~~" in prod
    pl105 = next(line for line in md.splitlines() if "PL105 ingress-backend-missing-service" in line)
    assert "deploy/kubernetes/ingress.yaml:33" in pl105 and "airflow-service" in pl105
    assert "```mermaid\nflowchart LR\n" in md
    for service in ("airflow", "dash", "fastapi", "web"):
        assert f"| {service} |" in md


# -- the command -----------------------------------------------------------------------------------------


def test_audit_writes_html_and_exits_zero_despite_findings(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    proc = run_cli("audit", str(DEMO), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert f"wrote the audit report to {out}" in proc.stderr


def test_output_ending_in_md_is_markdown_and_format_wins(tmp_path: Path) -> None:
    assert run_cli("audit", str(DEMO), "-o", str(tmp_path / "r.md")).returncode == 0
    assert (tmp_path / "r.md").read_text(encoding="utf-8").startswith("# Port audit")
    assert run_cli("audit", str(DEMO), "-o", str(tmp_path / "r.md"), "--format", "html").returncode == 0
    assert (tmp_path / "r.md").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_same_tree_same_bytes_without_absolute_paths(tmp_path: Path) -> None:
    # paths are relative to where you stand: the same tree seen from the same place, wherever it lies
    here, there = tmp_path / "a" / "demo", tmp_path / "b" / "c" / "demo"
    copy_tree(DEMO, here)
    copy_tree(DEMO, there)
    for fmt in ("html", "md"):
        first = run_cli("audit", "demo", "--format", fmt, "-o", "-", cwd=here.parent)
        second = run_cli("audit", "demo", "--format", fmt, "-o", "-", cwd=there.parent)
        assert first.returncode == second.returncode == 0 and first.stdout
        assert first.stdout == second.stdout
        assert str(ROOT) not in first.stdout and str(tmp_path) not in first.stdout
        assert not re.search(r"\b20\d\d-\d\d-\d\d[T ]\d\d:\d\d", first.stdout)


@pytest.mark.parametrize("args", [["no-such-folder"], ["--format", "pdf"], ["--select"]])
def test_usage_errors_exit_two(args: list[str], tmp_path: Path) -> None:
    assert run_cli("audit", *args, cwd=tmp_path).returncode == 2


def test_config_error_exits_two(tmp_path: Path) -> None:
    (tmp_path / ".portlint.toml").write_text("[ranges\n")
    proc = run_cli("audit", str(tmp_path))
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr


def test_empty_tree_gives_a_report_that_says_so(tmp_path: Path) -> None:
    report = build_report(scan_tree(tmp_path))
    html = render(report, "html")
    assert "No routes" in html and "No configuration values" in html and "No findings" in html
    assert external_references(html) == []
    assert "No routes" in render(report, "md")


@pytest.mark.parametrize("tree", sorted(p for p in (FIXTURES / "readers").iterdir() if p.is_dir())
                         + sorted(p for p in (FIXTURES / "consistent").iterdir() if p.is_dir()),
                         ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_reader_fixture_tree_renders(tree: Path) -> None:
    report = build_report(scan_tree(tree))
    html = render(report, "html")
    assert external_references(html) == []
    assert render(report, "md").startswith("# Port audit")


def test_mismatched_target_port_colours_the_hop(tmp_path: Path) -> None:
    (tmp_path / "svc.yaml").write_text(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: api\nspec:\n  selector:\n    app: api\n"
        "  ports:\n  - port: 80\n    targetPort: 8080\n", encoding="utf-8")
    (tmp_path / "deploy.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  template:\n    metadata:\n"
        "      labels:\n        app: api\n    spec:\n      containers:\n      - name: api\n        ports:\n"
        "        - containerPort: 8000\n", encoding="utf-8")
    route: Route = build_report(scan_tree(tmp_path)).routes[0]
    to_pod = route.hops[0]
    assert to_pod.label == "→ 8080"
    assert to_pod.status in (WARNING, ERROR)
    assert "8080 vs 8000" in to_pod.why or to_pod.findings


def test_alb_listen_ports_and_gateway_listeners_are_the_entrances() -> None:
    """The consistent tree's Ingress enters on its listen-ports; its HTTPRoute on the Gateway's
    listener; its VirtualService in the mesh."""
    routes = build_report(scan_tree(FIXTURES / "consistent" / "kubernetes")).routes
    ingress = next(r for r in routes if r.name == "/api/* → fastapi-service")
    assert ingress.nodes[0].lines[-1] == "HTTP :80 · HTTPS :443 (listen-ports)"
    assert ingress.hops[0].label == ":80/:443"
    gateway = next(r for r in routes if r.name.startswith("HTTPRoute "))
    assert [n.title for n in gateway.nodes[:3]] == ["Gateway edge", "HTTPRoute api-route rules[0].backendRefs[0]",
                                                  "Service fastapi-service"]
    assert gateway.nodes[0].lines == ("HTTP :80",) and gateway.status == OK
    mesh = next(r for r in routes if r.name.startswith("VirtualService "))
    assert mesh.nodes[2].title == "Service web-internal" and mesh.status == OK


def test_listen_ports_other_than_80_443_are_drawn(tmp_path: Path) -> None:
    (tmp_path / "ingress.yaml").write_text(
        "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: api\n  annotations:\n"
        "    alb.ingress.kubernetes.io/listen-ports: '[{\"HTTPS\": 8443}]'\nspec:\n  defaultBackend:\n"
        "    service:\n      name: api\n      port:\n        number: 80\n", encoding="utf-8")
    route: Route = build_report(scan_tree(tmp_path)).routes[0]
    assert route.nodes[0].lines[-1] == "HTTPS :8443 (listen-ports)"
    assert route.hops[0].label == ":8443"


# -- hostile input ---------------------------------------------------------------------------------------

HOSTILE_CONFIG = """\
fastapi:
  port: 8000
  host: "<script>alert(1)</script>"
  workers: "</td></tr></table><script>alert(2)</script>"
"<img src=x onerror=alert(3)>":
  port: 8100
web:
  port: "<script>alert(1)</script>"
"""

HOSTILE_INGRESS = """\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: "evil"
spec:
  rules:
  - http:
      paths:
      - path: "/x<script>alert(4)</script>"
        pathType: Prefix
        backend:
          service:
            name: "svc-https://evil.example/x.js"
            port:
              number: 80
"""


def _hostile_tree(root: Path) -> Path:
    (root / "config").mkdir()
    (root / "config" / "dev.yaml").write_text(HOSTILE_CONFIG, encoding="utf-8")
    (root / "config" / "prod.yaml").write_text("fastapi:\n  port: 8000\n", encoding="utf-8")
    (root / "ingress.yaml").write_text(HOSTILE_INGRESS, encoding="utf-8")
    return root


def test_values_from_scanned_files_are_escaped(tmp_path: Path) -> None:
    report = build_report(scan_tree(_hostile_tree(tmp_path)))
    html = render(report, "html")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # shown, as text
    assert "alert(4)" in html
    assert not re.search(r"(?i)<script|<img|<table>[^<]*<script", html)
    assert external_references(html) == []
    md = render(report, "md")
    assert "&lt;script&gt;" in md
    assert not re.search(r"(?i)<script|<img", md)


# -- a real browser --------------------------------------------------------------------------------------


def _browser() -> str | None:
    for name in ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _chromium(browser: str, profile: Path, *args: str) -> subprocess.CompletedProcess:
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={profile}", "--hide-scrollbars"]
    return subprocess.run([browser, *flags, *args], capture_output=True, text=True, timeout=180)


def png_pixels(data: bytes, max_rows: int | None = None) -> tuple[int, int, list[bytes]]:
    """(width, height, the first ``max_rows`` rows of RGB(A) bytes) of an 8-bit, non-interlaced PNG,
    with the standard library only."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    assert header is not None
    width, height, depth, color, _, _, interlace = header
    assert depth == 8 and interlace == 0 and color in (2, 6)
    bpp = 3 if color == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows: list[bytes] = []
    previous = bytearray(stride)
    for y in range(min(height, max_rows or height)):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - bpp] if i >= bpp else 0
            up = previous[i]
            corner = previous[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 0xFF
        rows.append(bytes(line))
        previous = line
    return width, height, rows


def has_color(rows: list[bytes], bpp: int, hex_rgb: str) -> bool:
    """Some pixel is exactly this colour."""
    color = bytes.fromhex(hex_rgb)
    for row in rows:
        start = row.find(color)
        while start != -1:
            if start % bpp == 0:
                return True
            start = row.find(color, start + 1)
    return False


def test_png_reader_decodes_a_known_image() -> None:
    width, height = 3, 2
    raw = b"".join(b"\x01" + bytes([10, 20, 30] * width) for _ in range(height))  # Sub filter
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
    _, _, rows = png_pixels(png)
    assert rows[0][:9] == bytes([10, 20, 30, 20, 40, 60, 30, 60, 90])
    assert has_color(rows, 3, "1e3c5a") and not has_color(rows, 3, "3c5a1e")


@pytest.mark.skipif(_browser() is None, reason="no Chromium installed")
def test_headless_browser_renders_the_report(tmp_path: Path) -> None:
    browser = _browser()
    assert browser is not None
    page = tmp_path / "report.html"
    page.write_text(demo_html(), encoding="utf-8")
    shot = tmp_path / "shot.png"
    proc = _chromium(browser, tmp_path / "profile", f"--screenshot={shot}", "--window-size=1400,2000", page.as_uri())
    assert shot.exists(), proc.stderr[-2000:]
    data = shot.read_bytes()
    assert len(data) > 20_000
    width, height, rows = png_pixels(data, max_rows=1300)  # the header and the routing picture
    assert (width, height) == (1400, 2000)
    bpp = len(rows[0]) // width
    colors = {row[x * bpp:x * bpp + 3] for row in rows[::7] for x in range(0, width, 7)}
    assert len(colors) > 50  # not a blank page
    assert has_color(rows, bpp, "15803d")  # a green hop of the routing picture
    assert has_color(rows, bpp, "dc2626")  # the red hop to the missing airflow-service
    dom = _chromium(browser, tmp_path / "profile2", "--dump-dom", page.as_uri())
    assert "<svg" in dom.stdout and "aws_lb_target_group.fastapi" in dom.stdout


def test_the_wheel_lists_the_audit_package() -> None:
    import tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"])
    packages = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "portlint").rglob("__init__.py")}
    assert "portlint.audit" in packages
    assert packages <= listed


def test_matrix_marks_drift_and_the_off_standard_port(tmp_path: Path) -> None:
    (tmp_path / ".portlint.toml").write_text("[services]\nfastapi = { port = 8000 }\n", encoding="utf-8")
    (tmp_path / "config").mkdir()
    for env, port in (("dev", 8000), ("uat", 8000), ("prod", 8001)):
        (tmp_path / "config" / f"{env}.yaml").write_text(f"fastapi:\n  port: {port}\n", encoding="utf-8")
    report = build_report(scan_tree(tmp_path))
    row = next(r for r in report.matrix.rows if r.config_key == "fastapi.port")
    assert row.standard == 8000
    cells = dict(zip(report.matrix.environments, row.cells))
    assert cells["prod"].drift and cells["prod"].off_catalog and cells["prod"].status != OK
    assert not cells["dev"].drift and not cells["dev"].off_catalog
    text, _ = matrix_cell(render(report, "html"), "port", "prod")
    assert "drifts from other environments" in text and "not the standard port" in text
    dev, _ = matrix_cell(render(report, "html"), "port", "dev")
    assert "drifts" not in dev


def test_matrix_folds_all_green_services_and_keeps_drift_and_findings(tmp_path: Path) -> None:
    (tmp_path / "config").mkdir()
    for env, ports in (("dev", (8000, 9000, 7000)), ("uat", (8000, 9000, 7000)), ("prod", (8001, 9000, 7000))):
        text = "".join(f"{name}:\n  port: {port}\n" for name, port in zip(("drifty", "steady", "calm"), ports))
        (tmp_path / "config" / f"{env}.yaml").write_text(text, encoding="utf-8")
    report = build_report(scan_tree(tmp_path))
    assert [row.service for row in report.matrix.problem_rows()] == ["drifty"]
    assert [row.service for row in report.matrix.green_rows()] == ["calm", "steady"]
    html = render(report, "html")
    section = html[html.index('id="matrix"'):]
    folded = section[section.index('<details class="green">'):]
    assert "2 all-green services" in folded
    assert ">drifty<" in section[:section.index('<details class="green">')] and ">drifty<" not in folded
    assert ">steady<" in folded and ">calm<" in folded
    md = render(report, "md")
    assert "<summary>2 all-green services</summary>" in md
    assert md.index("| drifty |") < md.index("<summary>2 all-green services") < md.index("| steady |")


# -- problems first, port rows only, rule docs in the page -------------------------------------------------


def test_problem_strip_lists_broken_routes_first_and_folds_the_green_ones() -> None:
    html = demo_html()
    strip = html[html.index('id="problems"'):html.index('id="findings"')]
    report = demo_report()
    problems = report.problem_routes()
    assert problems and problems[0].status == ERROR and all(r.status != OK for r in problems)
    assert len(problems) + len(report.green_routes()) == len(report.routes)
    assert "/airflow/* → airflow-service" in strip and "PL105" in strip
    assert strip.index("/airflow/*") < strip.index("/dash/*")  # broken before warning
    assert f"{len(report.green_routes())} all-green route" in html
    assert html.index('id="findings"') < html.index('id="routes"') < html.index('id="matrix"')


def test_matrix_keeps_settings_only_where_a_finding_sits() -> None:
    matrix = demo_report().matrix
    settings = [row for row in matrix.rows if not row.is_port]
    assert settings and all(any(c is not None and c.findings for c in row.cells) for row in settings)
    assert matrix.hidden_settings > 0
    assert f"{matrix.hidden_settings} other setting" in demo_html()


def test_rule_links_open_the_explain_text_embedded_in_the_page() -> None:
    html = demo_html()
    assert "docs/rules/" not in html
    for rule in demo_report().rules:
        assert f'href="#rule-{rule.id}"' in html
        section = html[html.index(f'<div class="explain" id="rule-{rule.id}">'):]
        section = section[:section.index("</details>")]
        assert "<h4>What it does</h4>" in section and "<h4>Why is this bad</h4>" in section
        assert f"portlint explain {rule.id}" in section
    pl105 = run_cli("explain", "PL105").stdout
    first_line = next(line for line in pl105.splitlines()[2:] if line.startswith("Default severity"))
    assert "ingress" in first_line.lower()


def test_explain_html_escapes_rule_text() -> None:
    from portlint.audit.explain import explain_html

    out = explain_html("# X\n\n## What it does\nSays `<b>` and **<script>x</script>**.\n\n```yaml\n<img src=x>\n```\n"
                       "- a <i>\n- b\n\n| o | t |\n| <s> | x |\n")
    assert "<script" not in out and "<img" not in out and "<i>" not in out and "<s>" not in out
    assert "<code>&lt;b&gt;</code>" in out and "<b>&lt;script&gt;" in out
    assert "<pre><code>&lt;img src=x&gt;</code></pre>" in out and "<ul><li>a &lt;i&gt;</li><li>b</li></ul>" in out


# -- readable at 200 services ------------------------------------------------------------------------------

FIRST_SCREEN = (1440, 900)


def _generate(out: Path, count: int) -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_generate", ROOT / "bench" / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    module.generate(out, count, seed=1)


MEASURE = """<script>(function(){var out={vh:innerHeight,items:{}};%s.forEach(function(s){
out.items[s]=Array.prototype.map.call(document.querySelectorAll(s),function(e){var r=e.getBoundingClientRect();
return [Math.round(r.top),Math.round(r.bottom)];});});var p=document.createElement('pre');p.id='measure';
p.textContent=JSON.stringify(out);document.body.appendChild(p);})();</script>"""


def measure(browser: str, html: str, tmp_path: Path, selectors: list[str], size: tuple[int, int]) -> dict:
    """Where the elements matching each selector lie in a window of ``size`` (top, bottom in CSS px),
    and the viewport's height: a copy of the page with a measuring script (the page itself has none)."""
    import json

    page = tmp_path / "measured.html"
    page.write_text(html.replace("</body>", MEASURE % json.dumps(selectors) + "</body>"), encoding="utf-8")
    dom = _chromium(browser, tmp_path / "profile-measure", f"--window-size={size[0]},{size[1]}", "--dump-dom",
                    page.as_uri())
    found = re.search(r'<pre id="measure">(.*?)</pre>', dom.stdout, re.S)
    assert found, dom.stderr[-2000:]
    return json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))


@pytest.mark.skipif(_browser() is None, reason="no Chromium installed")
def test_a_rule_link_opens_its_embedded_documentation(tmp_path: Path) -> None:
    browser = _browser()
    assert browser is not None
    page = tmp_path / "report.html"
    page.write_text(demo_html(), encoding="utf-8")
    dom = _chromium(browser, tmp_path / "profile", "--dump-dom", page.as_uri() + "#rule-PL105").stdout
    opened = re.findall(r'<details class="rule"( open="")?><summary><b>(PL\d+)</b>', dom)
    assert ("open" in dict((rule, flag) for flag, rule in opened)["PL105"])
    assert not dict((rule, flag) for flag, rule in opened)["PL206"]


@pytest.mark.skipif(_browser() is None, reason="no Chromium installed")
def test_every_error_is_on_the_first_screen_at_200_services(tmp_path: Path) -> None:
    browser = _browser()
    assert browser is not None
    tree = tmp_path / "tree"
    _generate(tree, 200)
    report = build_report(scan_tree(tree))
    assert len(report.services) == 200 and report.counts["error"] >= 5  # the generator's injected faults
    html = render(report, "html")
    assert external_references(html) == []
    broken = [r for r in report.routes if r.status == ERROR]
    found = measure(browser, html, tmp_path, ["tr.f-error", "a.chip.s-error", "#findings", "#routes", "#matrix"],
                    FIRST_SCREEN)
    screen = found["vh"]
    assert screen >= 600
    errors, chips = found["items"]["tr.f-error"], found["items"]["a.chip.s-error"]
    assert len(errors) == report.counts["error"] and len(chips) == len(broken)
    assert all(0 <= top and bottom <= screen for top, bottom in errors + chips), (screen, errors, chips)
    assert found["items"]["#findings"][0][0] < found["items"]["#routes"][0][0]
    top, bottom = found["items"]["#matrix"][0]
    assert bottom - top < 2 * screen  # all-green services are folded: was 22,000 px at 200 services
    page, shot = tmp_path / "report.html", tmp_path / "first-screen.png"
    page.write_text(html, encoding="utf-8")
    proc = _chromium(browser, tmp_path / "profile-shot", f"--screenshot={shot}",
                     f"--window-size={FIRST_SCREEN[0]},{FIRST_SCREEN[1]}", page.as_uri())
    assert shot.exists(), proc.stderr[-2000:]
    width, _, rows = png_pixels(shot.read_bytes(), max_rows=screen)
    assert has_color(rows, len(rows[0]) // width, "dc2626")  # the red error badges are painted there
    keep = Path(os.environ.get("PORTLINT_AUDIT_SHOT", ""))
    if keep.name:
        shutil.copyfile(shot, keep)
