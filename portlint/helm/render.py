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
from portlint.helm import gofmt
from portlint.helm.errors import TemplateError
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
    try:
        from portlint.helm.functions import FUNCTIONS  # type: ignore[import-not-found]
    except ImportError:
        return _STANDIN
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
        result.renders.append(C.render(info, env, fns, namespace))
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


# -- stand-in functions (until portlint.helm.functions lands) -------------------------------------


def _default(fallback: Any, *given: Any) -> Any:
    return given[0] if given and gofmt.truth(given[0]) else fallback


def _indent(width: Any, text: Any) -> str:
    pad = " " * int(width)
    return pad + str(text).replace("\n", "\n" + pad)


def _to_yaml(value: Any) -> str:
    import yaml

    if value is None:
        return "null"
    return yaml.safe_dump(value, default_flow_style=False, sort_keys=True, width=10**9).rstrip("\n")


def _eq(a: Any, *others: Any) -> bool:
    return any(a == b for b in others)


def _int(value: Any) -> int:
    try:
        return int(float(value)) if not isinstance(value, str) else int(value or 0)
    except ValueError as exc:
        raise TemplateError(str(exc), function="int") from None


_STANDIN: dict[str, Any] = {
    "default": _default, "empty": lambda v=None: not gofmt.truth(v),
    "quote": lambda *a: " ".join(gofmt.go_quote(gofmt.sprint(x)) for x in a if x is not None),
    "squote": lambda *a: " ".join(f"'{gofmt.sprint(x)}'" for x in a if x is not None),
    "indent": _indent, "nindent": lambda w, t: "\n" + _indent(w, t), "toYaml": _to_yaml,
    "printf": gofmt.sprintf, "print": gofmt.sprint_args, "println": gofmt.sprintln_args,
    "trunc": lambda n, s: s[:int(n)] if int(n) >= 0 else s[int(n):],
    "trimSuffix": lambda suffix, s: s[:-len(suffix)] if suffix and s.endswith(suffix) else s,
    "trimPrefix": lambda prefix, s: s[len(prefix):] if prefix and s.startswith(prefix) else s,
    "trim": lambda s: str(s).strip(), "upper": lambda s: str(s).upper(), "lower": lambda s: str(s).lower(),
    "contains": lambda sub, s: str(sub) in str(s), "hasPrefix": lambda p, s: str(s).startswith(p),
    "hasSuffix": lambda p, s: str(s).endswith(p), "replace": lambda old, new, s: str(s).replace(old, new),
    "eq": _eq, "ne": lambda a, b: a != b, "not": lambda v: not gofmt.truth(v),
    "lt": lambda a, b: a < b, "le": lambda a, b: a <= b, "gt": lambda a, b: a > b, "ge": lambda a, b: a >= b,
    "len": len, "int": _int, "int64": _int, "float64": float, "toString": gofmt.sprint, "atoi": _int,
    "add": lambda *a: sum(_int(x) for x in a), "sub": lambda a, b: _int(a) - _int(b),
    "mul": lambda *a: __import__("math").prod(_int(x) for x in a),
    "list": lambda *a: list(a), "dict": lambda *a: {str(a[i]): a[i + 1] if i + 1 < len(a) else "" for i in range(0, len(a), 2)},
    "hasKey": lambda d, k: k in d, "keys": lambda *ds: [k for d in ds for k in d],
    "ternary": lambda a, b, c: a if c else b, "kindIs": lambda kind, v: gofmt.go_type(v).startswith(kind[:3]),
    "toJson": lambda v: __import__("json").dumps(v, separators=(",", ":")),
    "b64enc": lambda s: __import__("base64").b64encode(str(s).encode()).decode(),
}
