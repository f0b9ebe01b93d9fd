"""Differential test: every fixture chart rendered by portlint's renderer and by the Go oracle
(text/template + sprig + Helm's functions) must give the same YAML documents, template by
template, for the chart's own values and for each values-<env>.yaml overlay.

Charts whose render fails in Go (deliberately broken fixtures) must fail or be marked unknown in
portlint too: never a clean render of something Helm refuses."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from portlint.helm import chart as C
from portlint.helm.render import functions
from tests.helm_oracle import oracle as O

ROOT = Path(__file__).resolve().parent
FIXTURES = ROOT / "fixtures"
MAX_SIZE = 1 << 20


def _charts() -> list[Path]:
    """Top-level charts under tests/fixtures (a chart inside another's charts/ is its subchart)."""
    found = []
    for chart_yaml in sorted(FIXTURES.rglob("Chart.yaml")):
        chart = chart_yaml.parent
        if any(p.name == "charts" and (p.parent / "Chart.yaml").exists() for p in chart.parents):
            continue
        found.append(chart)
    return found


def _overlays(chart: Path) -> dict[str, Path]:
    out = {}
    for path in sorted(chart.glob("values-*.yaml")):
        out[path.stem.removeprefix("values-")] = path
    return out


# Differences found by this test and not fixed yet: (chart folder under fixtures) -> why.
KNOWN: dict[str, str] = {}  # chart folder -> why portlint's render is known to differ from Go's

CASES = [(chart, env) for chart in _charts() for env in [None, *_overlays(chart)]]


def _docs(text: str) -> list:
    return [d for d in yaml.safe_load_all(text) if d is not None]


def _python_render(chart: Path, env: str | None) -> dict:
    """portlint's render, with lookup returning an empty map as `helm template` does (the reader
    itself keeps lookup's result unknown)."""
    info = C.load(chart, FIXTURES, MAX_SIZE)
    envs = [e for e in C.environments(info, FIXTURES, (env,) if env else (), MAX_SIZE) if e.name == env]
    assert envs, f"portlint finds no environment {env!r} in {chart}"
    render = C.render(info, envs[0], functions(), "default", lookup_empty=True)
    by_rel = {rel: name for name, rel in render.rels.items()}
    return {by_rel.get(rel, rel): rendered for rel, rendered in render.files.items()}


def _packed_prefixes(chart: Path) -> tuple[str, ...]:
    """Template-name prefixes of packed subcharts (charts/*.tgz): portlint renders only their
    partials (the parent's includes), not the objects of their own templates."""
    def walk(info: C.ChartInfo) -> list[str]:
        own = [f"{info.prefix}/"] if info.packed is not None else []
        return own + [p for sub in info.subcharts for p in walk(sub)]

    return tuple(walk(C.load(chart, FIXTURES, MAX_SIZE)))


@pytest.mark.parametrize(("chart", "env"), CASES,
                         ids=[f"{c.relative_to(FIXTURES)}[{e or 'default'}]" for c, e in CASES])
def test_renderer_matches_go(chart: Path, env: str | None, request: pytest.FixtureRequest) -> None:
    known = KNOWN.get(chart.relative_to(FIXTURES).as_posix())
    if known:
        request.applymarker(pytest.mark.xfail(reason=known, strict=False))
    binary, reason = O.oracle()
    if binary is None:
        pytest.skip(reason)
    values = [_overlays(chart)[env]] if env else []
    expected = O.render_chart(chart, values, namespace="default")
    ours = _python_render(chart, env)
    if expected.get("error"):
        broken = [r for r in ours.values() if r.failed or r.unknown or r.notes]
        assert broken, f"Go refuses this chart ({expected['error']}) but portlint rendered it cleanly"
        return
    packed = _packed_prefixes(chart)
    theirs = {name: text for name, text in expected["templates"].items()
              if name.endswith((".yaml", ".yml")) and not (packed and name.startswith(packed))}
    assert sorted(ours) == sorted(theirs)
    for name, text in sorted(theirs.items()):
        rendered = ours[name]
        assert not rendered.failed, f"{name}: {rendered.failed}"
        assert not rendered.unknown, f"{name}: unknown parts {rendered.unknown}"
        try:
            want = _docs(text)
        except yaml.YAMLError:  # Go's output is not YAML either (a deliberately broken fixture)
            assert rendered.text == text, name
            continue
        assert _docs(rendered.text) == want, name
