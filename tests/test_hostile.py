"""Hostile trees through the real CLI: exit 0/1/2, no traceback, within 10 s and 300 MB, a note where
input was cut short. Cheap cases run in ``make test``; heavy ones with ``PORTLINT_HEAVY=1`` (``make fuzz``).

The trees come from :mod:`hostile.cases` (add a case there); the measuring from :mod:`hostile.run`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from hostile.cases import CASES, generate
from hostile.run import measure, supported

HEAVY = bool(os.environ.get("PORTLINT_HEAVY"))
TIMEOUT = 60.0  # kill a run that hangs: the budget itself is each case's ``seconds``


def _params():
    for name in sorted(CASES):
        case = CASES[name]
        marks = [pytest.mark.skipif(not supported(case), reason=f"needs {case.needs}")]
        if case.heavy:
            marks.append(pytest.mark.skipif(not HEAVY, reason="heavy: make fuzz (PORTLINT_HEAVY=1)"))
        yield pytest.param(name, marks=marks, id=name)


@pytest.mark.parametrize("name", list(_params()))
def test_hostile_case_keeps_the_promise(name: str, tmp_path: Path) -> None:
    (tree,) = generate(tmp_path, [name])
    outcome = measure(CASES[name], tree, TIMEOUT)
    assert not outcome.problems, (outcome.problems, outcome.stderr[-2000:])


def test_a_file_over_the_time_budget_is_a_note_and_the_rest_is_read(tmp_path: Path) -> None:
    (tree,) = generate(tmp_path, ["yaml-aliases-2mb"])
    outcome = measure(CASES["yaml-aliases-2mb"], tree, TIMEOUT, ("--max-file-seconds", "0.01"))
    findings = json.loads(outcome.stdout)["findings"]
    notes = [f for f in findings if "max-file-seconds" in f["message"]]
    assert notes and all(f["severity"] == "note" for f in notes)
    assert any(f["location"]["path"] == "good/service.yaml" for f in findings)  # still checked


def test_max_file_seconds_must_be_positive(tmp_path: Path) -> None:
    from conftest import run_cli

    assert run_cli("check", str(tmp_path), "--max-file-seconds", "0").returncode == 2
    (tmp_path / ".portlint.toml").write_text('max-file-seconds = "soon"\n')
    proc = run_cli("check", str(tmp_path))
    assert proc.returncode == 2 and "max-file-seconds" in proc.stderr


# hard-io (issue 16) escapes every output format; until that is merged these document the gap
PENDING_ESCAPING = pytest.mark.xfail(reason="output escaping is issue 16 (hard-io)", strict=False)


@PENDING_ESCAPING
@pytest.mark.skipif(not supported(CASES["hostile-names"]), reason="needs odd file names")
@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github", "gitlab", "junit"])
def test_hostile_names_never_reach_a_terminal_raw(fmt: str, tmp_path: Path) -> None:
    """No output format passes an escape sequence through; markup formats escape ``<script>``."""
    from conftest import run_cli

    (tree,) = generate(tmp_path, ["hostile-names"])
    proc = run_cli("check", str(tree), "--format", fmt, cwd=tree)
    assert proc.returncode in (0, 1) and "Traceback" not in proc.stderr
    assert "\x1b" not in proc.stdout + proc.stderr
    if fmt == "junit":  # XML: markup is escaped
        assert "<script>" not in proc.stdout


@PENDING_ESCAPING
@pytest.mark.skipif(not supported(CASES["hostile-names"]), reason="needs odd file names")
def test_hostile_names_are_escaped_in_the_audit_html(tmp_path: Path) -> None:
    from conftest import run_cli

    (tree,) = generate(tmp_path, ["hostile-names"])
    out = tmp_path / "audit.html"
    proc = run_cli("audit", str(tree), "-o", str(out), cwd=tree)
    assert proc.returncode in (0, 1) and "Traceback" not in proc.stderr
    html = out.read_text(encoding="utf-8")
    assert "<script>alert(1)" not in html and "<script>x</script>" not in html
    assert "\x1b" not in html
