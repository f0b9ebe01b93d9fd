"""Run portlint on hostile trees and measure each run: exit code, seconds, peak memory.

    python -m hostile.run [--timeout S] [--keep DIR] [--heavy|--all] [CASE...]   # from tests/

Each case runs ``python -m portlint check TREE --format json`` in its own process; peak resident
memory and CPU time come from ``os.wait4`` (that child only). The time budget is checked on CPU
time (user + system): on a machine shared by many jobs the wall clock measures the neighbours;
the wall clock is shown, and a run that outlives ``--timeout`` is killed and fails. The table
goes to stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from hostile.cases import CASES, Case, generate


@dataclass
class Outcome:
    case: Case
    code: int | None  # None: killed at the timeout
    seconds: float  # wall clock
    megabytes: float
    cpu: float  # user + system seconds of the run: what the budget is about on a shared machine
    stdout: str
    stderr: str

    @property
    def problems(self) -> list[str]:
        """Why this run breaks the promise (empty: it kept it)."""
        found = []
        if self.code is None:
            found.append(f"no result within the timeout ({self.seconds:.0f} s)")
        elif self.code not in (0, 1, 2):
            found.append(f"exit code {self.code}")
        if "Traceback" in self.stderr or "Traceback" in self.stdout:
            found.append("a traceback")
        if "internal error" in self.stderr:
            found.append("an internal error")
        if self.cpu > self.case.seconds:
            found.append(f"{self.cpu:.1f} s of CPU is over {self.case.seconds:.0f} s")
        if self.megabytes > self.case.megabytes:
            found.append(f"{self.megabytes:.0f} MB is over {self.case.megabytes} MB")
        if self.code in (0, 1):
            try:
                json.loads(self.stdout)
            except ValueError:
                found.append("stdout is not JSON")
            if self.case.note and self.case.note not in self.stdout:
                found.append(f"no note saying {self.case.note!r}")
        return found


def measure(case: Case, tree: Path, timeout: float, extra: tuple[str, ...] = ()) -> Outcome:
    """Run portlint on ``tree``; kill it after ``timeout`` seconds."""
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("PORTLINT_DEBUG", None)
    inherited = _high_water_mb(os.getpid())  # a forked child's ru_maxrss starts at its parent's peak
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "portlint", "check", ".", "--format", "json",
                                 "--no-cache", *case.args, *extra], cwd=tree, env=env, stdout=out, stderr=err,
                                stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = started + timeout
        status, usage = None, None
        polled = 0.0
        while True:
            polled = max(polled, _high_water_mb(proc.pid))
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                os.killpg(proc.pid, signal.SIGKILL)
                pid, status, usage = os.wait4(proc.pid, 0)
                status = None
                break
            time.sleep(0.02)
        seconds = time.perf_counter() - started
        proc.returncode = 0  # reaped by wait4: keep Popen from waiting again
        out.seek(0)
        err.seek(0)
        code = os.waitstatus_to_exitcode(status) if status is not None else None
        return Outcome(case, code, seconds, _peak_mb(usage.ru_maxrss / 1024, inherited, polled),
                       usage.ru_utime + usage.ru_stime,
                       out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace"))


def _high_water_mb(pid: int) -> float:
    """VmHWM of a live process (its own memory map's peak, which exec starts afresh), else 0."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0.0


def _peak_mb(rusage_mb: float, inherited: float, polled: float) -> float:
    """The child's peak. Linux folds the forking parent's peak into the child's ``ru_maxrss``, so
    it is exact only above the parent's; below it, the peak polled while the child ran is used."""
    if rusage_mb > inherited + 1 or not polled:
        return rusage_mb
    return polled


def supported(case: Case) -> bool:
    if case.needs == "fifo":
        return hasattr(os, "mkfifo")
    if case.needs == "odd-names":
        return sys.platform != "win32"
    return True


def run_cases(names: list[str], timeout: float, keep: Path | None = None, show=None) -> list[Outcome]:
    with tempfile.TemporaryDirectory(prefix="hostile-") as scratch:
        out = keep or Path(scratch)
        outcomes = []
        for name in names:
            case = CASES[name]
            if not supported(case):
                continue
            tree = out / name
            if not tree.exists():
                generate(out, [name])
            outcomes.append(measure(case, tree, timeout))
            if show:
                show(row(outcomes[-1]))
        return outcomes


HEADER = f"{'case':32} {'exit':>4} {'wall s':>8} {'CPU s':>6} {'MB':>6}  verdict"


def row(o: Outcome) -> str:
    code = "kill" if o.code is None else str(o.code)
    verdict = "; ".join(o.problems) or "ok"
    return f"{o.case.name:32} {code:>4} {o.seconds:8.2f} {o.cpu:6.2f} {o.megabytes:6.0f}  {verdict}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hostile.run", description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="*", help="case names (default: the cheap ones)")
    parser.add_argument("--all", action="store_true", help="every case, heavy ones included")
    parser.add_argument("--heavy", action="store_true", help="only the heavy cases")
    parser.add_argument("--timeout", type=float, default=120.0, help="kill a run after this many seconds")
    parser.add_argument("--keep", type=Path, help="write (or reuse) the trees in this folder")
    args = parser.parse_args(argv)
    names = args.cases or sorted(n for n, c in CASES.items()
                                 if args.all or (c.heavy if args.heavy else not c.heavy))
    print(HEADER, flush=True)
    outcomes = run_cases(names, args.timeout, args.keep, show=lambda line: print(line, flush=True))
    return 1 if any(o.problems for o in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
