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


@dataclass
class Problem:
    """A values file or template that could not be read: an error, or a note when skipped."""

    location: Location
    message: str
    note: bool = False


@dataclass
class ChartRenders:
    """A chart rendered once per environment."""

    info: C.ChartInfo
    renders: list[C.ChartRender] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

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
    result = ChartRenders(info)
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
        for note in render.notes:  # a partial (_helpers.tpl) Go would not parse fails the chart
            problem = Problem(Location(render.rels.get(note.template, info.rel), note.line), note.message)
            if problem not in result.problems:
                result.problems.append(problem)
        result.renders.append(render)
    return result


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
