"""The data of the audit report, computed from a :class:`~portlint.engine.ScanResult`.

Renderers (:mod:`portlint.audit.html`, :mod:`portlint.audit.markdown`, :mod:`portlint.audit.svg`)
only read an :class:`AuditReport`; they never look at the graph. Everything here is sorted, so
the same tree gives the same report.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from portlint import __version__
from portlint.model import Finding, Location, Severity

if TYPE_CHECKING:
    from portlint.engine import ScanResult

# hop and node statuses, worst last
OK, UNKNOWN, WARNING, ERROR = "ok", "unknown", "warning", "error"
STATUS_RANK = {OK: 0, UNKNOWN: 1, WARNING: 2, ERROR: 3}


def worst(statuses) -> str:
    """The worst of some statuses (``ok`` when there are none)."""
    return max(statuses, key=STATUS_RANK.__getitem__, default=OK)


# -- findings --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FindingRow:
    """A finding as the report numbers it: ``number`` is its row in the findings table."""

    number: int
    finding: Finding

    @property
    def anchor(self) -> str:
        return f"finding-{self.number}"

    @property
    def status(self) -> str:
        return ERROR if self.finding.severity == Severity.ERROR else WARNING


class FindingIndex:
    """Findings by the (path, line) of their primary location: what touches a cell or a hop."""

    def __init__(self, rows: list[FindingRow]) -> None:
        self._by_line: dict[tuple[str, int], list[FindingRow]] = defaultdict(list)
        for row in rows:
            loc = row.finding.location
            self._by_line[(loc.path, loc.line)].append(row)

    def touching(self, locations) -> tuple[FindingRow, ...]:
        """The findings whose primary location is on one of these lines, by number."""
        found: dict[int, FindingRow] = {}
        for loc in locations:
            if loc is None:
                continue
            for row in self._by_line.get((loc.path, loc.line), ()):
                found[row.number] = row
        return tuple(found[n] for n in sorted(found))


@dataclass(frozen=True)
class RuleInfo:
    """A rule that has findings in the report: the anchor its id links to."""

    id: str
    name: str
    severity: str
    summary: str
    doc: str = ""  # what `portlint explain` prints (Markdown), embedded in the HTML page

    @property
    def anchor(self) -> str:
        return f"rule-{self.id}"


# -- the port matrix ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shown:
    """One layer's value in a matrix cell."""

    text: str
    layer: str
    location: Location
    status: str  # wins, overridden, shadowed, documented
    differs: bool  # known and different from the winning value
    unresolved: bool = False
    shared: bool = False  # written for every environment (base.yaml, .env, a script constant)
    example: bool = False  # from a template file (.env.example)
    env_var: str | None = None


@dataclass(frozen=True)
class Cell:
    """The value of one key in one environment: the winner, the others, and what is off."""

    environment: str
    winner: Shown | None
    others: tuple[Shown, ...]
    drift: bool  # a port that differs from the other environments' value
    off_catalog: bool  # a port that differs from the [services] standard
    findings: tuple[FindingRow, ...]

    @property
    def status(self) -> str:
        if self.findings:
            return worst(row.status for row in self.findings)
        if self.drift or self.off_catalog:
            return WARNING
        if self.winner is None or self.winner.unresolved:
            return UNKNOWN
        return OK


@dataclass(frozen=True)
class MatrixRow:
    service: str
    key: str
    is_port: bool
    standard: int | None  # the [services] port this key is held to, if any
    cells: tuple[Cell | None, ...]  # one per environment of the matrix

    @property
    def config_key(self) -> str:
        return f"{self.service}.{self.key}"


@dataclass(frozen=True)
class Matrix:
    environments: tuple[str, ...]
    precedence: tuple[str, ...]
    rows: tuple[MatrixRow, ...]
    hidden_settings: int = 0  # non-port settings left out because no finding sits on them

    def green_services(self) -> frozenset[str]:
        """Services whose every cell is green: no finding, no drift, no off-standard or unknown value."""
        bad = {row.service for row in self.rows
               if any(cell is not None and cell.status != OK for cell in row.cells)}
        return frozenset(row.service for row in self.rows if row.service not in bad)

    def problem_rows(self) -> tuple[MatrixRow, ...]:
        """The rows of the services that need a look (a finding, drift, an off-standard or unknown value)."""
        green = self.green_services()
        return tuple(row for row in self.rows if row.service not in green)

    def green_rows(self) -> tuple[MatrixRow, ...]:
        green = self.green_services()
        return tuple(row for row in self.rows if row.service in green)


# -- routes ------------------------------------------------------------------------------------------

# the columns of the routing picture
ENTRANCE, ROUTE, SERVICE, POD, APP = range(5)
COLUMN_TITLES = ("Entrance", "Route", "Kubernetes Service", "Pod / container", "Application")


@dataclass(frozen=True)
class Node:
    """A box of the routing picture; ``id`` is stable and shared by routes through the same thing."""

    id: str
    column: int
    title: str
    lines: tuple[str, ...] = ()
    location: Location | None = None
    missing: bool = False  # named but not in the scan, or nothing there (no listener, no pods)


@dataclass(frozen=True)
class Allowance:
    """A security-group rule that opens the port of a hop."""

    label: str
    ports: str
    sources: str
    location: Location
    environment: str | None = None


@dataclass(frozen=True)
class Hop:
    """One step of a route, with what it compares, the rules allowing it, and what touches it."""

    source: str  # node id
    target: str  # node id
    label: str  # the port this hop carries: ':8000', '80 → 8000'
    status: str
    why: str  # one sentence: what agrees, differs or is unknown
    locations: tuple[Location, ...] = ()
    allowed_by: tuple[Allowance, ...] = ()
    firewall_port: str = ""  # the port the allowances were looked up for, '' when none apply
    findings: tuple[FindingRow, ...] = ()


@dataclass(frozen=True)
class Route:
    """From an entrance (ingress, load balancer listener, published host port) to the app."""

    name: str
    service: str | None
    environment: str | None
    nodes: tuple[Node, ...]
    hops: tuple[Hop, ...]

    @property
    def status(self) -> str:
        return worst(h.status for h in self.hops)


# -- the report --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditReport:
    tree: str
    version: str
    files_read: int
    files_seen: int
    counts: dict[str, int]  # severity → number of findings
    suppressed: int
    services: tuple[str, ...]
    matrix: Matrix
    routes: tuple[Route, ...]
    findings: tuple[FindingRow, ...]
    rules: tuple[RuleInfo, ...]

    @property
    def total(self) -> int:
        return len(self.findings)

    def problem_routes(self) -> tuple[Route, ...]:
        """The routes that are not all green, worst first (then in their usual order)."""
        ranked = sorted(enumerate(self.routes), key=lambda ir: (-STATUS_RANK[ir[1].status], ir[0]))
        return tuple(route for _, route in ranked if route.status != OK)

    def green_routes(self) -> tuple[Route, ...]:
        return tuple(route for route in self.routes if route.status == OK)

    def route_counts(self) -> dict[str, int]:
        counts = {OK: 0, UNKNOWN: 0, WARNING: 0, ERROR: 0}
        for route in self.routes:
            counts[route.status] += 1
        return counts


def build_report(result: ScanResult) -> AuditReport:
    """The whole report: header counts, the matrix, the routes and the numbered findings."""
    from portlint.audit.matrix import build_matrix
    from portlint.audit.routes import build_routes

    ordered = sorted(result.findings, key=lambda f: (-f.severity.rank, *f.sort_key()))
    rows = [FindingRow(i, f) for i, f in enumerate(ordered, start=1)]
    index = FindingIndex(rows)
    counts = {s.value: 0 for s in (Severity.ERROR, Severity.WARNING, Severity.NOTE)}
    for row in rows:
        counts[row.finding.severity.value] += 1
    graph = result.graph
    services = tuple(sorted(e.ref.name for e in graph.entities("app/service") if graph.outgoing(e.id, "member")))
    return AuditReport(
        tree=result.root.name or ".",
        version=__version__,
        files_read=result.files_read,
        files_seen=result.files_seen,
        counts=counts,
        suppressed=len(result.suppressed),
        services=services,
        matrix=build_matrix(graph, index),
        routes=tuple(build_routes(graph, index)),
        findings=tuple(rows),
        rules=_rules_with_findings(result, rows),
    )


def _rules_with_findings(result: ScanResult, rows: list[FindingRow]) -> tuple[RuleInfo, ...]:
    from portlint.docs import rule_markdown

    ids = {row.finding.rule_id for row in rows}
    known = {rule.id: rule for rule in result.rules}
    out = []
    for rule_id in sorted(ids):
        rule = known.get(rule_id)
        if rule is None:
            name = next(r.finding.rule_name for r in rows if r.finding.rule_id == rule_id)
            out.append(RuleInfo(rule_id, name, "", ""))
        else:
            out.append(RuleInfo(rule.id, rule.name, rule.severity.value, rule.summary, rule_markdown(rule)))
    return tuple(out)
