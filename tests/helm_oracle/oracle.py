"""Run the Go oracle (tests/helm_oracle/helm_oracle), building it on first use where Go and
Debian's sprig sources are installed; tests skip with the reason when it cannot be built."""

from __future__ import annotations

import json
import os
import subprocess
from functools import lru_cache
from pathlib import Path

HERE = Path(__file__).resolve().parent
BINARY = HERE / "helm_oracle"


@lru_cache(maxsize=1)
def oracle() -> tuple[Path | None, str]:
    """(path to the built oracle, "") or (None, why it is not available)."""
    sources = [HERE / "main.go", HERE / "build.sh"]
    fresh = BINARY.exists() and all(BINARY.stat().st_mtime >= s.stat().st_mtime for s in sources)
    if fresh:
        return BINARY, ""
    if os.environ.get("PORTLINT_NO_ORACLE"):
        return None, "PORTLINT_NO_ORACLE is set"
    try:
        done = subprocess.run(["bash", str(HERE / "build.sh")], capture_output=True, text=True, timeout=600)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, f"the Go oracle could not be built: {exc}"
    if done.returncode != 0 or not BINARY.exists():
        reason = (done.stderr.strip().splitlines() or ["build.sh failed"])[-1]
        return None, f"the Go oracle could not be built: {reason}"
    return BINARY, ""


def _run(args: list[str]) -> dict:
    binary, reason = oracle()
    if binary is None:
        raise RuntimeError(reason)
    done = subprocess.run([str(binary), *args], capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(done.stderr)
    return json.loads(done.stdout)


def render_expr(template: str, data: object | None = None) -> dict:
    """{"output": text} or {"error": message, ...} for one template text (numbers in ``data``
    arrive as float64, as Helm values do)."""
    return _run(["-expr", template, "-data", json.dumps(data if data is not None else {})])


def render_exprs(cases: list[tuple[str, object]]) -> list[dict]:
    """Many templates, one oracle process."""
    binary, reason = oracle()
    if binary is None:
        raise RuntimeError(reason)
    payload = json.dumps([{"template": t, "data": d if d is not None else {}} for t, d in cases])
    done = subprocess.run([str(binary), "-batch"], input=payload, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise RuntimeError(done.stderr)
    return json.loads(done.stdout)


def render_chart(chart: Path, values: list[Path] = (), name: str = "release-name",
                 namespace: str = "default") -> dict:
    args: list[str] = []
    for v in values:
        args += ["-f", str(v)]
    args += ["-name", name, "-namespace", namespace, str(chart)]
    return _run(args)
