"""Compare portlint's Helm renderer with the Go oracle on chart folders (public charts, say).

    python -m tests.helm_oracle.compare DIR...    (each DIR: a chart, or a folder of charts)

For every chart: renders with both (chart values only, namespace "default", lookup empty) and
compares, template by template, the YAML documents. Prints one line per chart and a summary:
templates equal / different / failing in one of them. Not a test: a measuring tool."""

from __future__ import annotations

import sys
import time
from collections import Counter
from pathlib import Path

import yaml

from portlint.helm import chart as C
from portlint.helm.render import functions
from tests.helm_oracle import oracle as O

MAX_SIZE = 1 << 20


def charts_under(path: Path) -> list[Path]:
    found = []
    for chart_yaml in sorted(path.rglob("Chart.yaml")):
        chart = chart_yaml.parent
        if any(p.name == "charts" and (p.parent / "Chart.yaml").exists() for p in chart.parents):
            continue
        if "/tests/" in chart.as_posix() or "/ci/" in chart.as_posix():
            continue
        found.append(chart)
    return found


def docs(text: str) -> list | None:
    try:
        return [d for d in yaml.safe_load_all(text) if d is not None]
    except yaml.YAMLError:
        return None


def compare(chart: Path, stats: Counter, examples: list) -> str:
    try:
        theirs = O.render_chart(chart, [], namespace="default")
    except Exception as exc:  # noqa: BLE001 - a measuring tool reports and goes on
        stats["oracle crashed"] += 1
        return f"oracle crashed: {str(exc)[:80]}"
    started = time.monotonic()
    info = C.load(chart, chart.parent, MAX_SIZE)
    envs = C.environments(info, chart.parent, (), MAX_SIZE)
    render = C.render(info, envs[0], functions(), "default", lookup_empty=True)
    stats["python seconds"] += time.monotonic() - started
    if theirs.get("error"):
        stats["charts Go refuses"] += 1
        marked = any(r.failed or r.unknown or r.notes for r in render.files.values()) or render.notes
        stats["... and portlint marks failed/unknown" if marked else "... but portlint renders cleanly"] += 1
        return f"Go error: {theirs['error'][-120:]}"
    by_rel = {rel: name for name, rel in render.rels.items()}
    ours = {by_rel.get(rel, rel): r for rel, r in render.files.items()}
    outcome = Counter()
    for name, text in theirs["templates"].items():
        if not name.endswith((".yaml", ".yml")):
            continue
        mine = ours.get(name)
        if mine is None:
            outcome["missing in portlint"] += 1
            continue
        if mine.failed:
            outcome["portlint failed"] += 1
            examples.append((chart.name, name, str(mine.failed.message)[:160]))
            continue
        if mine.unknown:
            outcome["portlint unknown parts"] += 1
            examples.append((chart.name, name, "unknown: " + "; ".join(
                f"{n.message}" for n in mine.notes[:2])[:160]))
            continue
        want = docs(text)
        got = docs(mine.text)
        if want == got and want is not None:
            outcome["equal"] += 1
        elif want is None and mine.text == text:
            outcome["equal (both not YAML)"] += 1
        else:
            outcome["different"] += 1
            examples.append((chart.name, name, _first_diff(text, mine.text)))
    stats.update(outcome)
    stats["charts"] += 1
    if set(outcome) <= {"equal", "equal (both not YAML)"}:
        stats["charts fully equal"] += 1
    return ", ".join(f"{k}={v}" for k, v in sorted(outcome.items()))


def _first_diff(a: str, b: str) -> str:
    for i, (x, y) in enumerate(zip(a.splitlines(), b.splitlines())):
        if x != y:
            return f"line {i + 1}: go={x.strip()[:70]!r} portlint={y.strip()[:70]!r}"
    return f"lengths differ: go {len(a)} portlint {len(b)}"


def main(argv: list[str]) -> int:
    stats: Counter = Counter()
    examples: list = []
    for arg in argv:
        for chart in charts_under(Path(arg)):
            print(f"{chart}: {compare(chart, stats, examples)}", flush=True)
    print("\n== summary")
    for key, value in sorted(stats.items()):
        print(f"{key}: {value:.2f}" if isinstance(value, float) else f"{key}: {value}")
    print("\n== first differences")
    for chart, name, what in examples:
        print(f"{chart} {name}: {what}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
