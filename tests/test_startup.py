"""Start-up costs: a warm run describes the built-in rules from the cache and imports no rule
module; the descriptions follow the rules' code, and a bad cache entry is never trusted."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, copy_tree, run_cli
from portlint.cache import ReadCache
from portlint.registry import _LazyCheck, _folder_rules, load_rules

DEMO = ROOT / "examples" / "genai-monorepo"

_RULE = '''"""A rule for the test.

## What it does
Nothing.

## Why is this bad
It is not.

## Example
None.

## Use instead
Anything.
"""
from portlint.options import Option

ID = "PL990"
NAME = "startup-test-rule"
SEVERITY = "warning"
SUMMARY = "{summary}"
OPTIONS = {{"limit": Option(int, 3, "how many", minimum=1)}}


def check(ctx):
    yield from ()
'''


@pytest.fixture
def cache_on(tmp_path: Path) -> dict[str, str]:
    return {"PORTLINT_NO_CACHE": "", "XDG_CACHE_HOME": str(tmp_path / "user-cache")}


def _rule_modules_after(args: list[str], cwd: Path, env: dict[str, str]) -> tuple[str, list[str]]:
    """The report of ``portlint ARGS`` and the rule modules that run imported."""
    code = ("import sys, io, contextlib\n"
            "from portlint.cli import main\n"
            "out = io.StringIO()\n"
            "with contextlib.redirect_stdout(out):\n"
            f"    main({args!r})\n"
            "sys.stderr.write(repr(sorted(m for m in sys.modules if m.startswith('portlint_rule_'))))\n"
            "sys.stdout.write(out.getvalue())\n")
    import os

    result = subprocess.run([sys.executable, "-c", code], cwd=cwd, env={**os.environ, "NO_COLOR": "1", **env},
                            capture_output=True, text=True, timeout=120)
    return result.stdout, eval(result.stderr.strip().splitlines()[-1])  # noqa: S307 - our own repr


def test_a_warm_run_imports_no_rule_module(tmp_path: Path, cache_on) -> None:
    tree = tmp_path / "demo"
    copy_tree(DEMO, tree)
    cold, imported = _rule_modules_after(["check", "--format", "json", "."], tree, cache_on)
    assert imported, "a cold run imports the rules it runs"
    warm, imported = _rule_modules_after(["check", "--format", "json", "."], tree, cache_on)
    assert imported == []
    assert warm == cold
    # an edit that moves a port: the rules run again, each imported when it is called
    target = next(p for p in sorted(tree.rglob("*.env*")) if p.is_file() and "PORT" in p.read_text())
    target.write_text(target.read_text().replace("PORT=", "PORT=1", 1))
    edited, imported = _rule_modules_after(["check", "--format", "json", "."], tree, cache_on)
    assert imported
    assert edited == run_cli("check", "--format", "json", "--no-cache", ".", cwd=tree, env=cache_on).stdout


def test_rule_descriptions_follow_the_rule_code(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    folder = tmp_path / "rules"
    folder.mkdir()
    rule_file = folder / "PL990_startup_test_rule.py"
    rule_file.write_text(_RULE.format(summary="first"))
    cache = ReadCache(tmp_path / "cache", "settings")
    try:
        imported = _folder_rules(folder, True, cache)
        described = _folder_rules(folder, True, cache)
        assert [r.summary for r in imported] == [r.summary for r in described] == ["first"]
        assert isinstance(described[0].check, _LazyCheck)
        fields = ("id", "name", "severity", "summary", "doc", "options", "group", "tags", "source")
        assert [getattr(described[0], f) for f in fields] == [getattr(imported[0], f) for f in fields]
        assert list(described[0].check(None)) == []

        sys.modules.pop("portlint_rule_builtin_PL990_startup_test_rule", None)
        rule_file.write_text(_RULE.format(summary="second"))
        assert [r.summary for r in _folder_rules(folder, True, cache)] == ["second"]
        assert [r.summary for r in _folder_rules(folder, True, cache)] == ["second"]

        for entry in (tmp_path / "cache").glob("rules-*.bin"):  # a forged or torn entry is not trusted
            entry.write_bytes(b"\0" * 40 + entry.read_bytes()[40:])
        sys.modules.pop("portlint_rule_builtin_PL990_startup_test_rule", None)
        again = _folder_rules(folder, True, cache)
        assert not isinstance(again[0].check, _LazyCheck) and again[0].summary == "second"
    finally:
        sys.modules.pop("portlint_rule_builtin_PL990_startup_test_rule", None)


def test_without_a_read_cache_rules_are_described_from_portlints_bytecode_folder(tmp_path: Path, monkeypatch) -> None:
    """A cold run (``--no-cache``) describes the built-in rules from what portlint kept beside its
    bytecode, imports their modules only when asked (``prefetch``, or the check), and follows an
    edit; a torn file or one Python may not write is never a problem."""
    from portlint import _rule_index
    from portlint.registry import _PackageIndex, prefetch

    index_file = tmp_path / "rule-index.pickle"
    monkeypatch.setattr(_rule_index, "_FILE", str(index_file))
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    folder = tmp_path / "rules"
    folder.mkdir()
    rule_file = folder / "PL990_startup_test_rule.py"
    rule_file.write_text(_RULE.format(summary="first"))
    module = "portlint_rule_builtin_PL990_startup_test_rule"
    try:
        imported = _folder_rules(folder, True, _PackageIndex())
        sys.modules.pop(module, None)
        described = _folder_rules(folder, True, _PackageIndex())
        assert isinstance(described[0].check, _LazyCheck) and module not in sys.modules
        assert [r.summary for r in described] == [r.summary for r in imported] == ["first"]
        prefetch(described)
        assert module in sys.modules and list(described[0].check(None)) == []

        sys.modules.pop(module, None)
        rule_file.write_text(_RULE.format(summary="second"))
        again = _folder_rules(folder, True, _PackageIndex())
        assert not isinstance(again[0].check, _LazyCheck) and again[0].summary == "second"
        sys.modules.pop(module, None)
        assert [r.summary for r in _folder_rules(folder, True, _PackageIndex())] == ["second"]

        index_file.write_bytes(index_file.read_bytes()[:100])  # torn: imported again
        sys.modules.pop(module, None)
        assert not isinstance(_folder_rules(folder, True, _PackageIndex())[0].check, _LazyCheck)

        index_file.unlink()
        monkeypatch.setattr(sys, "dont_write_bytecode", True)
        _folder_rules(folder, True, _PackageIndex())
        assert not index_file.exists()
    finally:
        sys.modules.pop(module, None)


def test_built_in_rules_described_from_the_cache_equal_the_imported_ones(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    cache = ReadCache(tmp_path / "cache", "settings")
    plain = load_rules()
    load_rules(cache=cache)
    described = load_rules(cache=cache)
    assert all(isinstance(r.check, _LazyCheck) for r in described)
    skip = {"check"}
    assert [{k: v for k, v in vars(r).items() if k not in skip} for r in described] == \
        [{k: v for k, v in vars(r).items() if k not in skip} for r in plain]


def test_code_hashes_are_trusted_by_stat_signature_only_while_it_holds(tmp_path: Path, monkeypatch) -> None:
    import os

    import portlint.cache as cache_module
    import portlint.cache_startup as startup_module
    from portlint.cache import code_fingerprint
    from portlint.cache_startup import folder_fingerprint

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    monkeypatch.setattr(cache_module, "RACY_NS", 0)  # no file is too fresh to trust (else: 2 s)
    reads: list[str] = []
    real_raw = startup_module._Source.raw
    monkeypatch.setattr(startup_module._Source, "raw", lambda self: reads.append(self.where) or real_raw(self))
    folder = tmp_path / "rules"
    folder.mkdir()
    helper = folder / "_helper.py"
    helper.write_text("LIMIT = 1\n")
    stamp = os.stat(helper).st_mtime_ns
    first = ReadCache(tmp_path / "cache", "s").folder_fingerprint(folder)
    assert reads == [str(helper)] and (tmp_path / "cache" / "code-hashes.bin").is_file()
    reads.clear()
    assert ReadCache(tmp_path / "cache", "s").folder_fingerprint(folder) == first
    assert reads == [], "an unchanged file is trusted by its stat signature"
    helper.write_text("LIMIT = 2\n")  # same size, mtime put back: the ctime still moves
    os.utime(helper, ns=(stamp, stamp))
    second = ReadCache(tmp_path / "cache", "s").folder_fingerprint(folder)
    assert reads == [str(helper)] and second != first
    assert second == folder_fingerprint(folder)  # the value of reading every file
    assert ReadCache(tmp_path / "cache", "s").code() == code_fingerprint()


@pytest.mark.parametrize("fmt", ["sarif", "text", "junit"])
def test_reports_from_described_rules_equal_those_of_imported_ones(tmp_path: Path, cache_on, fmt: str) -> None:
    """SARIF carries each rule's summary, docs and help: the same bytes whether the rules were
    imported (--no-cache) or described from the cache."""
    tree = tmp_path / "demo"
    copy_tree(DEMO, tree)
    args = ("check", "--format", fmt, "--extend-select", "hygiene", ".")
    run_cli(*args, cwd=tree, env=cache_on)  # primes the descriptions and the scan
    warm = run_cli(*args, cwd=tree, env=cache_on)
    assert warm.stdout and warm.stdout == run_cli(*args, "--no-cache", cwd=tree, env=cache_on).stdout


def _discovered(tree: Path, memo=None) -> tuple[list[str], list[str]]:
    from portlint.config import Config
    from portlint.discover import discover

    found = discover([tree], tree, Config(), memo)
    return [f.rel for f in found.files], [s.rel for s in found.skipped]


def test_gitignore_answers_are_remembered_by_the_files_bytes(tmp_path: Path, monkeypatch) -> None:
    import portlint.discover as discover_module

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    built: list[int] = []
    real = discover_module.gitignore_spec
    monkeypatch.setattr(discover_module, "gitignore_spec", lambda lines: built.append(1) or real(lines))
    tree = tmp_path / "tree"
    (tree / "app" / "build").mkdir(parents=True)
    (tree / "app" / "keep").mkdir()
    (tree / ".gitignore").write_text("*.log\nbuild/\n!important.log\n")
    (tree / "app" / ".gitignore").write_text("secret.env\n")
    for rel in ("app/a.py", "app/x.log", "app/important.log", "app/build/out.py", "app/secret.env", "app/keep/k.env"):
        (tree / rel).write_text("x\n")

    def memo() -> ReadCache:
        return ReadCache(tmp_path / "cache", "s")

    plain = _discovered(tree)
    assert plain[0] == [".gitignore", "app/.gitignore", "app/a.py", "app/important.log", "app/keep/k.env"]
    built.clear()
    assert _discovered(tree, memo()) == plain and built  # first time: the matchers answer
    built.clear()
    assert _discovered(tree, memo()) == plain and not built  # then: every answer is remembered
    (tree / "app" / "keep" / "new.log").write_text("x\n")  # a path never asked: the matcher answers
    assert _discovered(tree, memo()) == _discovered(tree) and "app/keep/new.log" not in _discovered(tree)[0]
    (tree / ".gitignore").write_text("*.py\n")  # other bytes: other answers
    assert _discovered(tree, memo()) == _discovered(tree)
    assert "app/x.log" in _discovered(tree, memo())[0] and "app/a.py" not in _discovered(tree, memo())[0]


def test_a_warm_run_over_a_gitignored_tree_imports_no_matcher(tmp_path: Path, cache_on) -> None:
    tree = tmp_path / "demo"
    copy_tree(DEMO, tree)
    (tree / ".gitignore").write_text("*.log\nbuild/\n")
    (tree / "debug.log").write_text("PORT=1\n")
    code = ("import sys\nfrom portlint.cli import main\n"
            "rc = main(['check', '--format', 'json', '-o', '../report.json', '.'])\n"
            "print('pathspec' in sys.modules)\n")
    import os

    env = {**os.environ, "NO_COLOR": "1", **cache_on}
    first = subprocess.run([sys.executable, "-c", code], cwd=tree, env=env, capture_output=True, text=True, timeout=120)
    second = subprocess.run([sys.executable, "-c", code], cwd=tree, env=env, capture_output=True, text=True, timeout=120)
    assert first.stdout.split() == ["True"] and second.stdout.split() == ["False"], (first.stderr, second.stderr)
