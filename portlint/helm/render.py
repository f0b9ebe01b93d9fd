"""Render a chart for the readers: every environment, with failures located and notes kept.

:func:`render_chart` is what the Kubernetes reader calls (once per chart per scan). Functions come
from :mod:`portlint.helm.functions` (sprig and Helm's pure functions); until that package is
importable, a minimal stand-in set keeps the renderer working.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from portlint.helm import chart as C
from portlint.helm.split import helm_documents
from portlint.model import Location
from portlint.readers import _yaml


@dataclass
class Problem:
    """A values file or template that could not be read: an error, or a note when skipped."""

    location: Location
    message: str
    note: bool = False
    related: tuple[tuple[Location, str], ...] = ()  # what else this one cause explains


@dataclass
class ChartRenders:
    """A chart rendered once per environment."""

    info: C.ChartInfo
    renders: list[C.ChartRender] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    configured: bool = False  # values files for it are named in the config ([helm-values])

    def template_rels(self) -> set[str]:
        rels: set[str] = set()
        for render in self.renders:
            rels.update(render.files)
        return rels


def functions() -> dict[str, Any]:
    """Sprig and Helm's pure functions (:mod:`portlint.helm.functions`)."""
    from portlint.helm.functions import FUNCTIONS

    return FUNCTIONS


def render_chart(path: Path, root: Path, environments: tuple[str, ...], max_size: int,
                 namespace: str = "", extra_values: dict[str, list[Path]] | None = None) -> ChartRenders:
    """Load and render the chart at ``path`` (scan root ``root``) for each environment it has."""
    info = C.load(path, root, max_size)
    result = ChartRenders(info, configured=bool(extra_values))
    _values_problems(info, result)
    for rel, message in _all_notes(info):
        result.problems.append(Problem(Location(rel), message, note=True))
    if info.values.failure is not None:
        return result  # a broken values.yaml: nothing can be rendered truthfully
    envs = C.environments(info, root, environments, max_size, extra_values)
    fns = functions()
    for env in envs:
        for overlay in env.overlays:
            if overlay.failure is not None:
                _values_problem(overlay, result)
        if any(o.failure is not None for o in env.overlays):
            continue
        render = C.render(info, env, fns, namespace)
        render.files = {rel: helm_documents(rendered) for rel, rendered in render.files.items()}
        _fold_invalid(render)
        for note in render.notes:  # a partial (_helpers.tpl) Go would not parse fails the chart
            problem = Problem(Location(render.rels.get(note.template, info.rel), note.line), note.message)
            if problem not in result.problems:
                result.problems.append(problem)
        result.renders.append(render)
    _dependency_problems(info, result)
    return result


MAX_RELATED = 20


def _fold_invalid(render: C.ChartRender) -> None:
    """A template whose includes a missing dependency would define, and which then renders as
    invalid YAML, is not read: the dependency's note tells it, it is not an error of its own."""
    owners = {f.rel: f.dependency for f in render.folded}
    for rel in sorted(owners):
        rendered = render.files.get(rel)
        if rendered is None or rendered.failed is not None:
            continue
        try:
            _yaml.compose_documents(rendered.text)
        except _yaml.YamlError as exc:
            offset = _offset(rendered.text, exc.line, exc.column)
            name, line, _ = rendered.position(offset)
            why = exc.message.removeprefix("invalid YAML: ")
            render.folded.append(C.Folded(owners[rel], render.rels.get(name, rel), line,
                                          f"renders as invalid YAML without it ({why}): not read"))
            del render.files[rel]


def _offset(text: str, line: int, column: int) -> int:
    """The offset of 1-based ``line``/``column`` in ``text``."""
    start = 0
    for _ in range(max(line - 1, 0)):
        found = text.find("\n", start)
        if found < 0:
            break
        start = found + 1
    return min(start + max(column - 1, 0), len(text))


def _dependency_problems(info: C.ChartInfo, result: ChartRenders) -> None:
    """One note per missing dependency, with every failure it explains as a related location."""
    for name, (rel, message) in sorted(info.dependency_notes.items()):
        seen = sorted({(f.rel, f.line, f.message) for render in result.renders for f in render.folded
                       if f.dependency == name})
        related = tuple((Location(r, line or 1), text) for r, line, text in seen[:MAX_RELATED])
        if seen:
            more = f", {len(seen) - MAX_RELATED} more not listed" if len(seen) > MAX_RELATED else ""
            places = "1 place" if len(seen) == 1 else f"{len(seen)} places"
            message = f"{message}; it leaves {places} in the chart's templates unknown{more}"
        problem = Problem(Location(rel), message, note=True, related=related)
        if problem not in result.problems:
            result.problems.append(problem)
    for sub in info.subcharts:
        _dependency_problems(sub, result)


def _all_notes(info: C.ChartInfo) -> list[tuple[str, str]]:
    notes = list(info.notes)
    for sub in info.subcharts:
        notes.extend(_all_notes(sub))
    return notes


def _values_problems(info: C.ChartInfo, result: ChartRenders) -> None:
    if info.values.failure is not None:
        _values_problem(info.values, result)
    for sub in info.subcharts:
        _values_problems(sub, result)


def _values_problem(values: C.ValuesFile, result: ChartRenders) -> None:
    error = values.failure
    assert error is not None
    problem = Problem(Location(values.rel, error.line, error.column), error.message,
                      note=error.message.startswith("skipped"))
    if problem not in result.problems:
        result.problems.append(problem)


def unrendered_note(charts: list[ChartRenders]) -> Problem | None:
    """One note for a scan: templates that render no object with the values used, in charts that
    keep other values under ``ci/`` (chart-testing's convention), which are not rendered. What those
    templates would declare (a Service enabled only in a CI values file) is not checked."""
    rows: list[tuple[str, int, int, int]] = []
    for chart in charts:
        folder = chart.info.path / "ci"
        if chart.configured or not chart.renders or not folder.is_dir():
            continue
        ci = [p for p in folder.glob("*.y*ml") if p.is_file() and not p.is_symlink()]
        empty, total = _empty_templates(chart)
        if ci and empty:
            rows.append((chart.info.rel, empty, total, len(ci)))
    if not rows:
        return None
    rows.sort()
    where = [Location(f"{rel}/{C.CHART_FILE}" if rel else C.CHART_FILE) for rel, *_ in rows]
    related = tuple((loc, f"{empty} of {total} templates render no object; {_count(n, 'values file')} under "
                          "ci/ not rendered") for loc, (_, empty, total, n) in zip(where, rows))
    count = sum(row[1] for row in rows)
    verb = "renders" if count == 1 else "render"
    message = (f"{_count(count, 'template')} in {_count(len(rows), 'chart')} {verb} no object with the values "
               "used, so what they would "
               "declare is not checked; the values files under their ci/ (chart-testing) are not rendered: name "
               "one under [helm-values] to check that variant")
    return Problem(where[0], message, note=True, related=related)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _empty_templates(chart: ChartRenders) -> tuple[int, int]:
    """(templates whose every render holds no object, templates rendered)."""
    seen: dict[str, bool] = {}
    for render in chart.renders:
        for rel, rendered in render.files.items():
            empty = rendered.failed is None and not rendered.unknown and not _has_content(rendered.text)
            seen[rel] = seen.get(rel, True) and empty
    return sum(seen.values()), len(seen)


def _has_content(text: str) -> bool:
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped and not stripped.startswith("#") and stripped != "---":
            return True
    return False
