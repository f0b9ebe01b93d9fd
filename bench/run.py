"""Time ``portlint check`` on synthetic trees of a few sizes and on the demo monorepo.

Each tree is checked ``--runs`` times (default 3) as a subprocess, the way a pre-commit hook
runs it; the table shows the median wall time (interpreter start-up and imports included),
portlint's own time and its per-stage times from ``--statistics``.

Usage: python bench/run.py [--sizes 50,200,800] [--runs 3] [--seed 1] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import generate  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "examples" / "genai-monorepo"
_STATS = re.compile(r"portlint: (\d+) files seen, (\d+) read in (\d+) ms \((.*)\)")
_STAGE = re.compile(r"([\w:.-]+) (\d+) ms")


@dataclass
class Run:
    wall: float
    total_ms: float
    files_seen: int
    files_read: int
    findings: int
    stages: dict[str, float] = field(default_factory=dict)


@dataclass
class Result:
    label: str
    files: int
    runs: list[Run]

    def median(self, pick) -> float:
        return statistics.median(pick(r) for r in self.runs)

    def stage(self, name: str) -> float:
        return self.median(lambda r: r.stages.get(name, 0.0))


def python() -> str:
    """The project's virtual environment if there is one, else this interpreter."""
    venv = ROOT / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


def check_once(tree: Path, report: Path) -> Run:
    env = {**os.environ, "NO_COLOR": "1"}
    command = [python(), "-m", "portlint", "check", str(tree), "--format", "json", "-o", str(report),
               "--statistics"]
    started = time.perf_counter()
    proc = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800)
    wall = time.perf_counter() - started
    if proc.returncode not in (0, 1):
        raise SystemExit(f"portlint check {tree} exited {proc.returncode}:\n{proc.stderr}")
    match = _STATS.search(proc.stderr)
    if match is None:
        raise SystemExit(f"no --statistics line in the output of portlint check {tree}:\n{proc.stderr}")
    seen, read, total, stages = match.groups()
    findings = json.loads(report.read_text(encoding="utf-8"))["summary"]["findings"]
    return Run(wall=wall, total_ms=float(total), files_seen=int(seen), files_read=int(read),
               findings=findings, stages={k: float(v) for k, v in _STAGE.findall(stages)})


def measure(label: str, tree: Path, runs: int, scratch: Path) -> Result:
    files = sum(1 for p in tree.rglob("*") if p.is_file())
    report = scratch / "report.json"
    result = Result(label, files, [check_once(tree, report) for _ in range(runs)])
    print(f"  {label}: {result.median(lambda r: r.wall):.2f} s", file=sys.stderr)
    return result


def table(results: list[Result]) -> str:
    stage_names = ["discover", "read", "link", "rules"]
    readers = sorted({k for r in results for run in r.runs for k in run.stages if k.startswith("read:")})
    head = ["tree", "files", "read", "findings", "wall s", "portlint ms", *stage_names, *readers]
    rows = [head]
    for r in results:
        rows.append([
            r.label, str(r.files), str(r.runs[0].files_read), str(r.runs[0].findings),
            f"{r.median(lambda x: x.wall):.2f}", f"{r.median(lambda x: x.total_ms):.0f}",
            *(f"{r.stage(s):.0f}" for s in stage_names + readers),
        ])
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    lines = ["  ".join(cell.rjust(w) if i else cell.ljust(w) for i, (cell, w) in enumerate(zip(row, widths)))
             for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time portlint check on synthetic trees and the demo.")
    parser.add_argument("--sizes", default="50,200,800", help="services per synthetic tree (default: 50,200,800)")
    parser.add_argument("--runs", type=int, default=3, help="runs per tree; the median is shown (default: 3)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the synthetic trees (default: 1)")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="write the trees into DIR and keep them")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]

    with tempfile.TemporaryDirectory(prefix="portlint-bench-") as tmp:
        base = args.keep or Path(tmp)
        scratch = Path(tmp)
        print(f"portlint bench: {args.runs} runs per tree, median shown; python {python()}", file=sys.stderr)
        results = [measure("demo", DEMO, args.runs, scratch)]
        for size in sizes:
            tree = base / f"services-{size}"
            generate(tree, size, seed=args.seed)
            results.append(measure(f"{size} services", tree, args.runs, scratch))
    print(table(results))
    print(f"\nmedian of {args.runs} runs; wall includes interpreter start-up; stage times in ms "
          f"(python bench/run.py --sizes {','.join(map(str, sizes))} --runs {args.runs} --seed {args.seed})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
