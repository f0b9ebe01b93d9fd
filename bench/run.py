"""Time ``portlint check`` on synthetic trees of a few sizes and on the demo monorepo.

Each tree is checked ``--runs`` times (default 3) as a subprocess, the way a pre-commit hook
runs it; the table shows the median wall time (interpreter start-up and imports included),
portlint's own time and its per-stage times from ``--statistics``. Three kinds of run per tree:

- ``cold``: ``--no-cache``, every file read afresh;
- ``warm``: the reader cache primed by an earlier run, nothing changed;
- ``edit``: the cache primed, then one file edited before each run (a pre-commit after a change).

Then the peak memory of a cold run, ``portlint --version``, and checkov on the same tree when a
``checkov`` command is found (``--checkov PATH``; skipped otherwise), with the ratios.

Usage: python bench/run.py [--sizes 50,200,800] [--runs 3] [--seed 1] [--keep DIR] [--checkov PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
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


@dataclass
class Timed:
    returncode: int
    stdout: str
    stderr: str
    wall: float
    peak_mb: float


def timed(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> Timed:
    """Run ``command``; its wall time and its own peak memory (``wait4``'s rusage of that child)."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(command, cwd=cwd, env=env or {**os.environ, "NO_COLOR": "1"},
                                stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Timed(proc.returncode, out.read().decode(errors="replace"), err.read().decode(errors="replace"),
                     wall, usage.ru_maxrss / 1024)


def check_once(tree: Path, report: Path, *extra: str) -> Run:
    env = {**os.environ, "NO_COLOR": "1", "PORTLINT_NO_CACHE": ""}
    command = [python(), "-m", "portlint", "check", str(tree), "--format", "json", "-o", str(report),
               "--statistics", *extra]
    proc = timed(command, ROOT, env)
    wall = proc.wall
    if proc.returncode not in (0, 1):
        raise SystemExit(f"portlint check {tree} exited {proc.returncode}:\n{proc.stderr}")
    match = _STATS.search(proc.stderr)
    if match is None:
        raise SystemExit(f"no --statistics line in the output of portlint check {tree}:\n{proc.stderr}")
    seen, read, total, stages = match.groups()
    findings = json.loads(report.read_text(encoding="utf-8"))["summary"]["findings"]
    return Run(wall=wall, total_ms=float(total), files_seen=int(seen), files_read=int(read),
               findings=findings, stages={k: float(v) for k, v in _STAGE.findall(stages)})


def measure(label: str, tree: Path, runs: int, scratch: Path, mode: str = "cold") -> Result:
    """``runs`` checks of ``tree``: cold (no cache), warm (cache primed) or edit (one file changed
    before each run, cache primed)."""
    files = sum(1 for p in tree.rglob("*") if p.is_file() and ".portlint_cache" not in p.parts)
    report = scratch / "report.json"
    cache = ["--cache-dir", str(scratch / f"cache-{tree.name}")]
    if mode == "cold":
        result = Result(f"{label} cold", files, [check_once(tree, report, "--no-cache") for _ in range(runs)])
    else:
        check_once(tree, report, *cache)  # prime
        edited = _edit_target(tree) if mode == "edit" else None
        original = edited.read_text(encoding="utf-8") if edited else ""
        outcome = []
        try:
            for i in range(runs):
                if edited:
                    edited.write_text(original + f"\n# edited {i}\n", encoding="utf-8")
                outcome.append(check_once(tree, report, *cache))
        finally:
            if edited:
                edited.write_text(original, encoding="utf-8")
        result = Result(f"{label} {mode}", files, outcome)
    print(f"  {result.label}: {result.median(lambda r: r.wall):.2f} s", file=sys.stderr)
    return result


def _edit_target(tree: Path) -> Path | None:
    """The file an ``edit`` run changes: the first Python file, else the first YAML file."""
    for pattern in ("*.py", "*.yaml"):
        found = sorted(p for p in tree.rglob(pattern) if ".portlint_cache" not in p.parts)
        if found:
            return found[0]
    return None


def peak_memory_mb(tree: Path, scratch: Path) -> float:
    proc = timed([python(), "-m", "portlint", "check", str(tree), "--no-cache", "--format", "json",
                  "-o", str(scratch / "mem.json")], ROOT)
    return proc.peak_mb


def version_seconds(runs: int) -> float:
    return statistics.median(timed([python(), "-m", "portlint", "--version"], ROOT).wall for _ in range(runs))


def checkov_seconds(checkov: str, tree: Path, runs: int) -> float | None:
    """checkov on the same tree (Terraform and Kubernetes frameworks), median wall time."""
    walls = []
    for _ in range(runs):
        proc = timed([checkov, "-d", str(tree), "--framework", "terraform", "kubernetes", "--quiet",
                      "--compact", "-o", "json"], tree)
        if proc.returncode not in (0, 1):
            print(f"  checkov exited {proc.returncode}: {proc.stderr[-500:]}", file=sys.stderr)
            return None
        walls.append(proc.wall)
    return statistics.median(walls)


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
    parser.add_argument("--checkov", default=shutil.which("checkov"), metavar="PATH",
                        help="the checkov command to compare with (default: checkov on PATH; skipped when absent)")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]

    with tempfile.TemporaryDirectory(prefix="portlint-bench-") as tmp:
        base = args.keep or Path(tmp)
        scratch = Path(tmp)
        print(f"portlint bench: {args.runs} runs per tree, median shown; python {python()}", file=sys.stderr)
        results = [measure("demo", DEMO, args.runs, scratch)]
        summary: list[str] = [f"portlint --version: {version_seconds(args.runs):.3f} s"]
        for size in sizes:
            tree = base / f"services-{size}"
            generate(tree, size, seed=args.seed)
            label = f"{size} services"
            runs = [measure(label, tree, args.runs, scratch, mode) for mode in ("cold", "warm", "edit")]
            results.extend(runs)
            cold, warm, edit = (r.median(lambda x: x.wall) for r in runs)
            line = (f"{label}: cold {cold:.2f} s, warm {warm:.2f} s ({warm / cold:.2f}x cold), "
                    f"one edited file {edit:.2f} s; peak memory (cold) {peak_memory_mb(tree, scratch):.0f} MB")
            if args.checkov:
                checkov = checkov_seconds(args.checkov, tree, 1)
                if checkov:
                    line += (f"; checkov {checkov:.2f} s: cold {cold / checkov:.3f}x, warm {warm / checkov:.3f}x, "
                             f"edit {edit / checkov:.3f}x checkov")
            else:
                line += "; checkov not installed (skipped)"
            summary.append(line)
        colds = {int(r.label.split()[0]): r.median(lambda x: x.wall) for r in results
                 if r.label.endswith("services cold")}
        if len(colds) > 1:
            small, large = min(colds), max(colds)
            summary.append(f"{large} services / {small} services (cold): {colds[large] / colds[small]:.1f}x")
    print(table(results))
    print()
    print("\n".join(summary))
    print(f"\nmedian of {args.runs} runs; wall includes interpreter start-up; stage times in ms "
          f"(python bench/run.py --sizes {','.join(map(str, sizes))} --runs {args.runs} --seed {args.seed})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
