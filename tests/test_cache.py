"""The reader cache: warm runs give the same bytes as cold ones, edits (side files too) invalidate
it, and a corrupt, foreign or symlinked cache is never trusted."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from conftest import FIXTURES, ROOT, copy_tree, run_cli

DEMO = ROOT / "examples" / "genai-monorepo"


@pytest.fixture
def cache_on(tmp_path: Path) -> dict[str, str]:
    """Environment for a CLI run with the cache on and a signing key of the test's own."""
    return {"PORTLINT_NO_CACHE": "", "XDG_CACHE_HOME": str(tmp_path / "user-cache")}


def _entries(folder: Path) -> list[Path]:
    return sorted((folder / ".portlint_cache").glob("*.bin"))


def _compose_tree(tmp_path: Path, port: str) -> Path:
    tree = tmp_path / "tree"
    tree.mkdir(exist_ok=True)
    (tree / "docker-compose.yml").write_text('services:\n  web:\n    image: nginx\n    ports:\n      - "${WEB_PORT}:80"\n')
    (tree / ".env").write_text(f"WEB_PORT={port}\n")
    return tree


def _published(tree: Path, env: dict[str, str]) -> list[int]:
    result = run_cli("graph", "--format", "json", str(tree), env=env)
    assert result.returncode == 0, result.stderr
    graph = json.loads(result.stdout)
    return [f["value"] for n in graph["nodes"] for f in n["facts"] if f["role"] == "publish"]


def test_warm_run_is_byte_identical_to_cold(tmp_path: Path, cache_on) -> None:
    tree = tmp_path / "demo"
    copy_tree(DEMO, tree)
    cold = run_cli("check", "--format", "json", ".", cwd=tree, env=cache_on)
    assert _entries(tree), "the cold run keeps its reader results"
    assert (tree / ".portlint_cache" / ".gitignore").read_text().strip().endswith("*")
    warm = run_cli("check", "--format", "json", ".", cwd=tree, env=cache_on)
    uncached = run_cli("check", "--format", "json", "--no-cache", ".", cwd=tree, env=cache_on)
    assert cold.returncode == warm.returncode == uncached.returncode == 1
    assert cold.stdout == warm.stdout == uncached.stdout


def test_an_edited_side_file_invalidates_the_entry(tmp_path: Path, cache_on) -> None:
    tree = _compose_tree(tmp_path, "8081")
    assert _published(tree, cache_on) == [8081]
    (tree / ".env").write_text("WEB_PORT=9091\n")
    assert _published(tree, cache_on) == [9091]


def test_no_cache_writes_nothing(tmp_path: Path, cache_on) -> None:
    tree = _compose_tree(tmp_path, "8081")
    run_cli("check", "--no-cache", str(tree), env=cache_on)
    assert not (tree / ".portlint_cache").exists()


def test_cache_dir_flag_moves_it(tmp_path: Path, cache_on) -> None:
    tree = _compose_tree(tmp_path, "8081")
    elsewhere = tmp_path / "elsewhere"
    run_cli("check", "--cache-dir", str(elsewhere), str(tree), env=cache_on)
    assert list(elsewhere.glob("*.bin")) and not (tree / ".portlint_cache").exists()


def test_corrupt_and_foreign_entries_are_rebuilt_not_trusted(tmp_path: Path, cache_on) -> None:
    tree = _compose_tree(tmp_path, "8081")
    assert _published(tree, cache_on) == [8081]
    entries = _entries(tree)
    for entry in entries:  # a committed cache from elsewhere: valid pickle, wrong signature
        entry.write_bytes(b"\0" * 32 + b"cos\nsystem\n(S'touch pwned'\ntR.")
    assert _published(tree, cache_on) == [8081]
    assert not (tree / "pwned").exists()
    for entry in _entries(tree):
        entry.write_bytes(entry.read_bytes()[:40])  # torn
    assert _published(tree, cache_on) == [8081]


def test_another_users_key_does_not_validate(tmp_path: Path, cache_on) -> None:
    tree = _compose_tree(tmp_path, "8081")
    assert _published(tree, cache_on) == [8081]
    other = {**cache_on, "XDG_CACHE_HOME": str(tmp_path / "other-user")}
    (tree / ".env").write_text("WEB_PORT=8082\n")
    assert _published(tree, other) == [8082]


def test_a_symlinked_cache_folder_is_not_written_through(tmp_path: Path, cache_on) -> None:
    tree = _compose_tree(tmp_path, "8081")
    target = tmp_path / "target"
    target.mkdir()
    os.symlink(target, tree / ".portlint_cache")
    assert _published(tree, cache_on) == [8081]
    assert not list(target.iterdir())


def test_config_keys_cache_and_cache_dir(tmp_path: Path, cache_on) -> None:
    tree = _compose_tree(tmp_path, "8081")
    (tree / ".portlint.toml").write_text("cache = false\n")
    run_cli("check", str(tree), env=cache_on)
    assert not (tree / ".portlint_cache").exists()
    (tree / ".portlint.toml").write_text('cache-dir = "build/lint-cache"\n')
    run_cli("check", str(tree), env=cache_on)
    assert list((tree / "build" / "lint-cache").glob("*.bin"))
    (tree / ".portlint.toml").write_text("cache = 1\n")
    result = run_cli("check", str(tree), env=cache_on)
    assert result.returncode == 2 and "cache" in result.stderr


def test_the_tests_themselves_write_no_cache_into_fixtures() -> None:
    assert not list(FIXTURES.rglob(".portlint_cache"))


# -- the scan cache: a warm run with nothing changed skips reading, linking and checking ------------

def _conflict_tree(tmp_path: Path, second: str = "8080") -> Path:
    """Two compose services; they publish the same host port (PL406) while ``second`` is 8080."""
    tree = tmp_path / "conflict"
    tree.mkdir(exist_ok=True)
    (tree / "compose.yaml").write_text(
        "services:\n  a:\n    image: nginx\n    ports:\n      - \"8080:80\"\n"
        f"  b:\n    image: nginx\n    ports:\n      - \"${{B_PORT}}:80\"\n")
    (tree / ".env").write_text(f"B_PORT={second}\n")
    return tree


def _check(tree: Path, env: dict[str, str], *args: str):
    return run_cli("check", "--format", "json", *args, ".", cwd=tree, env=env)


def _scan_slots(tree: Path) -> list[Path]:
    return sorted((tree / ".portlint_cache").glob("scan-*.bin"))


@pytest.mark.parametrize("fmt", ["json", "text", "sarif", "concise"])
def test_scan_cache_output_is_byte_identical_to_cold(tmp_path: Path, cache_on, fmt: str) -> None:
    tree = tmp_path / "demo"
    copy_tree(DEMO, tree)
    cold = run_cli("check", "--format", fmt, "--no-cache", ".", cwd=tree, env=cache_on)
    primed = run_cli("check", "--format", fmt, ".", cwd=tree, env=cache_on)
    assert len(_scan_slots(tree)) == 1
    warm = run_cli("check", "--format", fmt, ".", cwd=tree, env=cache_on)
    assert cold.returncode == primed.returncode == warm.returncode == 1
    assert cold.stdout == primed.stdout == warm.stdout
    statistics = run_cli("check", "--statistics", ".", cwd=tree, env=cache_on).stderr
    assert "cache" in statistics and "link" not in statistics, "the warm run came from the scan cache"


def test_scan_cache_sees_an_edited_file_and_an_edited_side_file(tmp_path: Path, cache_on) -> None:
    tree = _conflict_tree(tmp_path)
    assert "PL406" in _check(tree, cache_on).stdout
    (tree / ".env").write_text("B_PORT=8081\n")
    assert "PL406" not in _check(tree, cache_on).stdout
    (tree / ".env").write_text("B_PORT=8080\n")
    assert "PL406" in _check(tree, cache_on).stdout
    (tree / "compose.yaml").write_text((tree / "compose.yaml").read_text().replace("8080:80", "8079:80"))
    assert "PL406" not in _check(tree, cache_on).stdout
    assert len(_scan_slots(tree)) == 1, "an edit overwrites the slot, it does not add one"


def test_same_size_same_mtime_rewrite_is_seen(tmp_path: Path, cache_on) -> None:
    """A rewrite that keeps the size and puts the old mtime back still changes the ctime."""
    tree = _conflict_tree(tmp_path)
    compose = tree / "compose.yaml"
    old = compose.stat()
    os.utime(compose, ns=(old.st_atime_ns, old.st_mtime_ns - 10_000_000_000))  # make it old: not "racy"
    assert "PL406" in _check(tree, cache_on).stdout
    assert "PL406" in _check(tree, cache_on).stdout
    mtime = compose.stat().st_mtime_ns
    compose.write_text(compose.read_text().replace("8080:80", "8070:80"))
    os.utime(compose, ns=(old.st_atime_ns, mtime))
    assert compose.stat().st_size == old.st_size
    assert "PL406" not in _check(tree, cache_on).stdout


def test_rule_selection_and_settings_are_part_of_the_key(tmp_path: Path, cache_on) -> None:
    tree = _conflict_tree(tmp_path)
    assert "PL406" in _check(tree, cache_on).stdout
    assert "PL406" not in _check(tree, cache_on, "--ignore", "PL406").stdout
    (tree / ".portlint.toml").write_text("[rules.PL406]\nenabled = false\n")
    assert "PL406" not in _check(tree, cache_on).stdout
    (tree / ".portlint.toml").unlink()
    assert "PL406" in _check(tree, cache_on).stdout


def test_corrupt_or_foreign_scan_slot_is_ignored(tmp_path: Path, cache_on) -> None:
    tree = _conflict_tree(tmp_path)
    expected = _check(tree, cache_on).stdout
    (slot,) = _scan_slots(tree)
    slot.write_bytes(b"\0" * 32 + b"cos\nsystem\n(S'touch pwned'\ntR.")
    assert _check(tree, cache_on).stdout == expected
    assert not (tree / "pwned").exists()
    slot.write_bytes(slot.read_bytes()[:50])
    assert _check(tree, cache_on).stdout == expected


def test_concurrent_runs_agree_and_leave_a_usable_cache(tmp_path: Path, cache_on) -> None:
    import subprocess
    import sys

    tree = tmp_path / "demo"
    copy_tree(DEMO, tree)
    expected = run_cli("check", "--format", "json", "--no-cache", ".", cwd=tree, env=cache_on).stdout
    command = [sys.executable, "-m", "portlint", "check", "--format", "json", "."]
    env = {**os.environ, **cache_on, "NO_COLOR": "1"}
    procs = [subprocess.Popen(command, cwd=tree, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(4)]
    outputs = [p.communicate(timeout=300)[0] for p in procs]
    assert outputs == [expected] * 4
    assert not list((tree / ".portlint_cache").glob(".*.tmp")), "no temporary file is left behind"
    assert run_cli("check", "--format", "json", ".", cwd=tree, env=cache_on).stdout == expected


def test_a_per_file_reader_reads_only_the_edited_file_again(tmp_path: Path, monkeypatch) -> None:
    from portlint.cache import ReadCache, settings_fingerprint
    from portlint.config import load_config
    from portlint.engine import scan
    from portlint.readers import dockerfile

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    tree = tmp_path / "tree"
    for name in ("a", "b", "c"):
        (tree / name).mkdir(parents=True)
        (tree / name / "Dockerfile").write_text(f"FROM python:3.12\nEXPOSE 80{ord(name) - 90}\n")
    config = load_config(tree, None)
    seen: list[str] = []
    real = dockerfile.read

    def spy(files, ctx):
        seen.extend(f.rel for f in files)
        return real(files, ctx)

    monkeypatch.setattr(dockerfile, "read", spy)

    def run(cached: bool):
        cache = ReadCache(tmp_path / "cache", settings_fingerprint(config)) if cached else None
        result = scan([tree], tree, config, read_cache=cache)
        return sorted((f.location, f.value.text) for f in result.graph.facts())

    run(True)
    assert sorted(seen) == ["a/Dockerfile", "b/Dockerfile", "c/Dockerfile"]
    (tree / "b" / "Dockerfile").write_text("FROM python:3.12\nEXPOSE 9000\n")
    seen.clear()
    warm = run(True)
    assert seen == ["b/Dockerfile"]
    assert warm == run(False)


def test_a_file_that_becomes_binary_is_seen(tmp_path: Path, cache_on) -> None:
    tree = _conflict_tree(tmp_path)
    compose = tree / "compose.yaml"
    old = compose.stat()
    os.utime(compose, ns=(old.st_atime_ns, old.st_mtime_ns - 10_000_000_000))
    assert "PL406" in _check(tree, cache_on).stdout
    assert "PL406" in _check(tree, cache_on).stdout
    compose.write_bytes(compose.read_bytes() + b"\0")
    warm = _check(tree, cache_on)
    assert "PL406" not in warm.stdout, "a binary file is not read"
    assert warm.stdout == _check(tree, cache_on, "--no-cache").stdout


# -- an edit that moves no fact: the links and findings of the last run still hold -----------------

def _scan_counting(tree: Path, cache_dir: Path | None, monkeypatch) -> tuple[list, int]:
    """(findings, how many times the graph was built) of one scan of ``tree``."""
    from portlint import engine
    from portlint.cache import ReadCache, settings_fingerprint
    from portlint.config import load_config

    config = load_config(tree, None)
    built: list[int] = []
    real = engine.build_graph

    def counting(output, cfg):
        built.append(1)
        return real(output, cfg)

    monkeypatch.setattr(engine, "build_graph", counting)
    cache = ReadCache(cache_dir, settings_fingerprint(config)) if cache_dir else None
    result = engine.scan([tree], tree, config, read_cache=cache, reuse=cache is not None)
    monkeypatch.setattr(engine, "build_graph", real)
    return [(f.rule_id, f.location, f.message) for f in result.findings], len(built)


def test_an_edit_that_moves_no_fact_reuses_links_and_findings(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    tree = _conflict_tree(tmp_path)
    (tree / "a").mkdir()
    (tree / "a" / "Dockerfile").write_text("FROM python:3.12\nEXPOSE 8080\n")
    (tree / "a" / "app.py").write_text("import os\nPORT = int(os.environ.get('PORT', '8080'))\n")
    cache = tmp_path / "cache"
    primed, built = _scan_counting(tree, cache, monkeypatch)
    assert built == 1 and any(f[0] == "PL406" for f in primed)

    for name in ("a/Dockerfile", "a/app.py"):  # per-file readers (a batch reader's edit links again)
        path = tree / name
        path.write_text(path.read_text() + "# a comment\n")
        findings, built = _scan_counting(tree, cache, monkeypatch)
        assert built == 0, f"an edit of {name} that moves no fact reuses the links and findings"
        assert findings == _scan_counting(tree, None, monkeypatch)[0] == primed

    # suppressions are read again: a new one applies although linking and checking were skipped
    app = tree / "a" / "app.py"
    app.write_text(app.read_text().replace("import os\n", "import os  # portlint: ignore[PL999] -- no such finding\n"))
    findings, built = _scan_counting(tree, cache, monkeypatch)
    assert built == 0 and any(f[0] == "PL003" or f[0] == "PL004" for f in findings)
    assert findings == _scan_counting(tree, None, monkeypatch)[0]

    # an edit that moves a fact links and checks again
    (tree / "a" / "Dockerfile").write_text("FROM python:3.12\nEXPOSE 9090\n")
    findings, built = _scan_counting(tree, cache, monkeypatch)
    assert built == 1 and findings == _scan_counting(tree, None, monkeypatch)[0]
    (tree / ".env").write_text("B_PORT=8081\n")  # a side file: the compose output changes
    findings, built = _scan_counting(tree, cache, monkeypatch)
    assert built == 1 and findings == _scan_counting(tree, None, monkeypatch)[0]


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_an_edited_file_gives_the_bytes_of_a_cold_run(tmp_path: Path, cache_on, fmt: str) -> None:
    tree = tmp_path / "demo"
    copy_tree(DEMO, tree)
    run_cli("check", "--format", fmt, ".", cwd=tree, env=cache_on)
    for i, path in enumerate(sorted(tree.rglob("*.py"))[:2] + sorted(tree.rglob("*.yaml"))[:2]):
        path.write_text(path.read_text() + f"\n# edited {i}\n")
        warm = run_cli("check", "--format", fmt, ".", cwd=tree, env=cache_on)
        cold = run_cli("check", "--format", fmt, "--no-cache", ".", cwd=tree, env=cache_on)
        assert warm.returncode == cold.returncode and warm.stdout == cold.stdout
