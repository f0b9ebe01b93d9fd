"""The progress bar appears on a terminal's stderr, and never in piped or machine-readable output."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys

from conftest import ROOT

DEMO = ROOT / "examples" / "genai-monorepo"


def _run(stderr_is_terminal: bool) -> tuple[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "PORTLINT_NO_PROGRESS")}
    env["PORTLINT_PROGRESS_DELAY"] = "0"
    args = [sys.executable, "-m", "portlint", "check", str(DEMO), "--format", "json"]
    if not stderr_is_terminal:
        proc = subprocess.run(args, env=env, capture_output=True, text=True, timeout=120)
        return proc.stdout, proc.stderr
    leader, follower = pty.openpty()
    proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=follower, text=True)
    os.close(follower)
    stdout, _ = proc.communicate(timeout=120)
    chunks = []
    while select.select([leader], [], [], 0.2)[0]:
        try:
            data = os.read(leader, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    os.close(leader)
    return stdout, b"".join(chunks).decode("utf-8", "replace")


def test_progress_on_a_terminal_stays_out_of_stdout() -> None:
    stdout, terminal = _run(stderr_is_terminal=True)
    assert "reading" in terminal or "checking" in terminal
    assert stdout.lstrip().startswith("{") and "reading" not in stdout


def test_no_progress_when_piped() -> None:
    stdout, stderr = _run(stderr_is_terminal=False)
    assert stderr == ""
    assert stdout.lstrip().startswith("{")
