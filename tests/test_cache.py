"""The reader cache: warm runs give the same bytes as cold ones, edits (side files too) invalidate
it, and a corrupt, foreign or symlinked cache is never trusted."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from conftest import FIXTURES, ROOT, run_cli

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
    shutil.copytree(DEMO, tree)
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
