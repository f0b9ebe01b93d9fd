"""``portlint fix``: each fixable fixture is repaired, re-checked clean, minimally, idempotently;
ambiguous cases stay untouched and say why; ``--diff`` writes nothing.

``tests/fixtures/fix/<case>/before/`` is a scan root; ``after/`` is what ``portlint fix`` must make
of it, byte for byte (no ``after/``: the tree must stay as it is).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import FIXTURES, ROOT, copy_tree, run_cli, scan_tree
from portlint.fix.apply import prepare, write
from portlint.fix.plan import plan
from portlint.registry import load_rules

FIX_CASES = sorted(p for p in (FIXTURES / "fix").iterdir() if p.is_dir())
FIXABLE = [r for r in load_rules() if r.fix]


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and ".portlint_cache" not in p.parts}


def _copy(source: Path, tmp_path: Path) -> Path:
    target = tmp_path / "tree"
    copy_tree(source, target)
    return target


def _fix(root: Path, select: tuple[str, ...] = ()):
    """One ``portlint fix`` in-process: (the plan, the outcome)."""
    result = scan_tree(root, select=select)
    planned = plan(result.findings)
    outcome = prepare(root, planned.edits)
    assert write(root, outcome) == []
    return planned, outcome


@pytest.mark.parametrize("case", FIX_CASES, ids=[c.name for c in FIX_CASES])
def test_fix_makes_the_expected_tree(case: Path, tmp_path: Path) -> None:
    root = _copy(case / "before", tmp_path)
    _fix(root)
    expected = _tree(case / "after") if (case / "after").is_dir() else _tree(case / "before")
    assert _tree(root) == expected


@pytest.mark.parametrize("case", FIX_CASES, ids=[c.name for c in FIX_CASES])
def test_fix_is_idempotent_and_leaves_nothing_fixable(case: Path, tmp_path: Path) -> None:
    root = _copy(case / "before", tmp_path)
    _fix(root)
    once = _tree(root)
    planned, outcome = _fix(root)
    assert _tree(root) == once
    assert outcome.changes == [] and planned.edits == []


def test_every_format_is_repaired_and_rechecks_clean(tmp_path: Path) -> None:
    root = _copy(FIXTURES / "fix" / "every-format" / "before", tmp_path)
    before = {f.rule_id for f in scan_tree(root).findings}
    assert {"PL101", "PL103", "PL104", "PL301", "PL303"} <= before
    _, outcome = _fix(root)
    assert {Path(c.path).suffix or Path(c.path).name for c in outcome.changes} == {
        ".example", "Dockerfile", ".py", ".yaml", ".md", ".tf", ".ts"}
    left = scan_tree(root).findings
    assert [f.rule_id for f in left] == ["PL209"]  # a target group no listener uses: nothing to set


def _changed_lines(before: str, after: str) -> list[tuple[str, str]]:
    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
    assert len(old) == len(new)
    return [(a, b) for a, b in zip(old, new) if a != b]


def _one_value_replaced(old_line: str, new_line: str, edits) -> bool:
    for edit in edits:
        for start in range(len(old_line)):
            if old_line.startswith(edit.old, start) and \
                    old_line[:start] + edit.new + old_line[start + len(edit.old):] == new_line:
                return True
    return False


def _fire_cases() -> list[Path]:
    return sorted(case for rule in FIXABLE for case in (FIXTURES / "rules" / rule.id).glob("fire-*"))


@pytest.mark.parametrize("case", _fire_cases(), ids=lambda c: f"{c.parent.name}/{c.name}")
def test_rule_fixture_fixed_minimally_and_rechecked(case: Path, tmp_path: Path) -> None:
    """Every fire fixture of a fixable rule: what has a fix is fixed and gone; only value bytes change."""
    rule = case.parent.name
    root = _copy(case, tmp_path)
    planned, outcome = _fix(root, select=(rule,))
    for change in outcome.changes:
        lines = _changed_lines(change.before, change.after)
        assert len(lines) == len(change.edits)
        assert all(_one_value_replaced(a, b, change.edits) for a, b in lines), lines
    fixed = {(e.location, e.old) for e in outcome.applied}
    left = scan_tree(root, select=(rule,)).findings
    assert not [f for f in left if f.fix_intent and (f.fix_intent.location, f.fix_intent.old) in fixed]
    assert not [f for f in left if f.fix_intent and f.fix_intent.new is not None]
    assert _fix(root, select=(rule,))[1].changes == []


def test_each_fixable_rule_fixes_some_fixture_and_only_those_rules_fix() -> None:
    fixing: set[str] = set()
    for case in sorted((FIXTURES / "rules").glob("*/fire-*")):
        for finding in scan_tree(case, select=(case.parent.name,)).findings:
            if finding.fix_intent is not None and finding.fix_intent.new is not None:
                fixing.add(finding.rule_id)
    assert fixing == {r.id for r in FIXABLE}


def test_ambiguous_cases_say_why(tmp_path: Path) -> None:
    drift = run_cli("fix", "--no-cache", str(FIXTURES / "fix" / "ambiguous-drift" / "before"))
    assert drift.returncode == 0, drift.stderr
    assert "environments are split (2 say 8000, 2 say 8001)" in drift.stdout
    probes = run_cli("fix", "--no-cache", str(FIXTURES / "fix" / "ambiguous-probes" / "before"))
    assert "1 place says 8000, 2 places say 8080" in probes.stdout
    assert "fixed 0 places in 0 files; 2 findings not fixed" in probes.stderr
    fallback = run_cli("fix", "--no-cache", str(FIXTURES / "fix" / "one-environment-fallback" / "before"))
    assert "fixed 0 places in 0 files" in fallback.stderr  # a CI-only value: PL401 is silent, or not fixed


def test_stale_file_is_refused(tmp_path: Path) -> None:
    root = _copy(FIXTURES / "fix" / "standard-decides" / "before", tmp_path)
    planned = plan(scan_tree(root).findings)
    deployment = root / "api.yaml"
    deployment.write_text(deployment.read_text().replace("containerPort: 8001", "containerPort: 8002"))
    outcome = prepare(root, planned.edits)
    assert outcome.changes == []
    assert ["8001 is no longer written at line 16 (the file changed since the scan): not fixed"] == [
        reason for _, reason in outcome.refused]


def test_conflicting_intents_at_one_place_are_refused() -> None:
    from portlint.model import Finding, FixIntent, Location, Severity

    here = Location("a.yaml", 2, 9)
    findings = [Finding(rule_id=r, rule_name=r, severity=Severity.WARNING, location=here, message=r,
                        fix_intent=FixIntent(here, "8001", new, "why")) for r, new in (("PL1", "8000"), ("PL2", "8002"))]
    planned = plan(findings)
    assert planned.edits == []
    assert {s.reason for s in planned.skipped} == {"findings here want 8000 and 8002: not fixed"}


def test_crlf_bom_and_comments_are_kept(tmp_path: Path) -> None:
    root = tmp_path / "tree"
    (root / "config").mkdir(parents=True)
    (root / "config" / "dev.yaml").write_bytes(b"api:\r\n  port: 8000\r\n")
    (root / "config" / "uat.yaml").write_bytes(b"api:\r\n  port: 8000\r\n")
    (root / "config" / "prod.yaml").write_bytes(b"\xef\xbb\xbfapi:\r\n  port: \"8001\"  # prod \xc3\xa9\r\n")
    _fix(root)
    assert (root / "config" / "prod.yaml").read_bytes() == b"\xef\xbb\xbfapi:\r\n  port: \"8000\"  # prod \xc3\xa9\r\n"


def test_symlinked_file_is_not_written_through(tmp_path: Path) -> None:
    root = _copy(FIXTURES / "fix" / "standard-decides" / "before", tmp_path)
    real = root / "real.txt"  # not a file portlint reads: only the link is scanned
    (root / "api.yaml").rename(real)
    (root / "api.yaml").symlink_to(real)
    done = run_cli("fix", "--no-cache", str(root))
    assert done.returncode == 2
    assert "refusing to write through a symlink" in done.stderr
    assert "containerPort: 8001" in real.read_text()


def test_diff_writes_nothing_and_exits_1(tmp_path: Path) -> None:
    root = _copy(FIXTURES / "fix" / "every-format" / "before", tmp_path)
    before = _tree(root)
    shown = run_cli("fix", "--no-cache", "--diff", ".", cwd=root)
    assert shown.returncode == 1
    assert _tree(root) == before
    assert "--- a/web/vite.config.ts\n+++ b/web/vite.config.ts\n" in shown.stdout
    assert "-    port: 3001, // the dev server\n+    port: 3000, // the dev server\n" in shown.stdout
    assert "would fix 10 places in 8 files" in shown.stderr
    same = run_cli("check", "--no-cache", "--diff", ".", cwd=root)
    assert same.returncode == 1 and same.stdout == shown.stdout


def test_diff_paths_open_from_the_current_folder(tmp_path: Path) -> None:
    root = _copy(FIXTURES / "fix" / "standard-decides" / "before", tmp_path)
    shown = run_cli("fix", "--no-cache", "--diff", "tree", cwd=tmp_path)
    assert "--- a/tree/api.yaml\n+++ b/tree/api.yaml\n" in shown.stdout
    assert "would fix tree/api.yaml:16:30  PL303  8001 -> 8000" in shown.stderr
    clean = run_cli("fix", "--no-cache", "--diff", str(root))
    assert clean.returncode == 1


def test_nothing_to_fix_exits_0_and_diff_is_empty(tmp_path: Path) -> None:
    root = _copy(FIXTURES / "fix" / "ambiguous-probes" / "before", tmp_path)
    shown = run_cli("fix", "--no-cache", "--diff", str(root))
    assert shown.returncode == 0 and shown.stdout == ""


def test_check_fix_writes_then_reports_what_is_left(tmp_path: Path) -> None:
    root = _copy(FIXTURES / "fix" / "every-format" / "before", tmp_path)
    done = run_cli("check", "--no-cache", "--fix", "--format", "json", ".", cwd=root)
    assert done.returncode == 1  # PL209 is left
    import json

    assert [f["rule_id"] for f in json.loads(done.stdout)["findings"]] == ["PL209"]
    assert "fixed 10 places in 8 files" in done.stderr
    assert _tree(root) == _tree(FIXTURES / "fix" / "every-format" / "after")


def test_demo_fixable_findings_are_repaired(tmp_path: Path) -> None:
    """``portlint fix`` on a copy of the demo repairs its fixable findings; a re-check no longer reports them."""
    root = _copy(ROOT / "examples" / "genai-monorepo", tmp_path)
    before = scan_tree(root).findings
    fixable = [f for f in before if f.fix_intent is not None and f.fix_intent.new is not None]
    assert [(f.rule_id, f.location.path, f.location.line) for f in fixable] == [("PL303", "docs/runbook.md", 15)]
    done = run_cli("fix", "--no-cache", str(root))
    assert done.returncode == 0, done.stderr
    after = scan_tree(root).findings
    assert not [f for f in after if f.fix_intent is not None and f.fix_intent.new is not None]
    assert {(f.rule_id, f.location) for f in after} == {(f.rule_id, f.location) for f in before} - {
        (f.rule_id, f.location) for f in fixable}
    assert '--value "8000"' in (root / "docs" / "runbook.md").read_text().splitlines()[14]
    again = run_cli("fix", "--no-cache", "--diff", str(root))
    assert again.returncode == 0 and again.stdout == ""


def test_docs_fix_example_is_what_fix_prints_on_the_demo(tmp_path: Path) -> None:
    """docs/fix.md shows the demo's diff and summary as `portlint fix --diff` prints them."""
    root = _copy(ROOT / "examples" / "genai-monorepo", tmp_path)
    shown = run_cli("fix", "--no-cache", "--diff", ".", cwd=root)
    doc = (ROOT / "docs" / "fix.md").read_text(encoding="utf-8")
    assert shown.stdout.strip() in doc
    assert shown.stderr.strip() in doc


def test_docs_fix_table_lists_exactly_the_fixable_rules() -> None:
    doc = (ROOT / "docs" / "fix.md").read_text(encoding="utf-8")
    table = {line.split()[1] for line in doc.splitlines() if line.startswith("| PL")}
    assert table == {r.id for r in FIXABLE}


from hypothesis import given, settings, strategies as st  # noqa: E402


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet=st.sampled_from("0123456789 :=\"'`#-ab\n\r\t"), max_size=120),
       line=st.integers(-1, 12), column=st.integers(-1, 40),
       old=st.text(alphabet="0123456789ab", min_size=0, max_size=5))
def test_value_span_finds_the_old_value_or_refuses(text: str, line: int, column: int, old: str) -> None:
    from portlint.fix.edits_text import Refused, line_starts, value_span

    try:
        start, end = value_span(text, line_starts(text), line, column, old)
    except Refused:
        return
    assert text[start:end] == old and old
    assert "\n" not in text[start:end]


def test_a_crashed_libcst_worker_refuses_the_python_edit(tmp_path: Path, monkeypatch) -> None:
    from portlint import isolate

    root = _copy(FIXTURES / "fix" / "every-format" / "before", tmp_path)
    planned = plan(scan_tree(root).findings)

    def crash(op, argument, timeout=isolate.TIMEOUT):
        raise isolate.IsolatedFailure("the parser crashed (SIGSEGV)")

    monkeypatch.setattr(isolate, "run", crash)
    outcome = prepare(root, planned.edits)
    assert [(e.location.path, reason) for e, reason in outcome.refused] == [
        ("app/main.py", "libcst: the parser crashed (SIGSEGV): not fixed")]
    assert "app/main.py" not in {c.path for c in outcome.changes} and len(outcome.changes) == 7


def test_python_edit_keeps_quotes_and_refuses_a_repeated_literal() -> None:
    from portlint.fix.edits_python import replace_literals

    text = "import os\nPORT = int(os.getenv('PORT', r'8001'))\nBOTH = pick('8001', '8001')\n"
    answer = replace_literals({"text": text, "edits": [[2, 8, "8001", "8000"], [3, 8, "8001", "8000"]]})
    assert answer["text"] == text.replace("r'8001'", "r'8000'")
    assert answer["refused"] == {"1": "8001 is written 2 times in the expression at line 3: not fixed"}


def test_check_says_how_many_findings_fix_can_repair() -> None:
    shown = run_cli("check", "--no-cache", str(FIXTURES / "fix" / "every-format" / "before"))
    assert "portlint: 12 findings can be fixed with `portlint fix` (preview: `portlint fix --diff`" in shown.stderr
    machine = run_cli("check", "--no-cache", "--format", "json", str(FIXTURES / "fix" / "every-format" / "before"))
    assert "portlint fix" not in machine.stderr
    none = run_cli("check", "--no-cache", str(FIXTURES / "fix" / "ambiguous-drift" / "before"))
    assert "portlint fix" not in none.stderr


@pytest.mark.parametrize("case", ["PL101/fire-target-config-map-sets-no-listen", "PL103/fire-mounted-config-map-sets-other-port"])
def test_a_port_set_in_a_config_map_the_pod_reads_makes_the_fix_ambiguous(case: str) -> None:
    """The one declared port is not the only place the app may listen: its ConfigMap sets another."""
    findings = scan_tree(FIXTURES / "rules" / case, select=(case.split("/")[0],)).findings
    assert findings and all(f.fix_intent is not None and f.fix_intent.new is None for f in findings)
    assert all("ConfigMaps set port(s)" in f.fix_intent.reason for f in findings)
