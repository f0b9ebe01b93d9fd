"""Shared test helpers: run the real CLI, scan a fixture tree in-process."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from portlint.commands._common import scan_root
from portlint.config import load_config
from portlint.engine import RuleSelection, ScanResult, scan

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
RUN_ARTIFACTS = (".portlint_cache", "__pycache__")  # what running portlint leaves in a tree


def copy_tree(source: Path, target: Path, ignore=None) -> Path:
    """``shutil.copytree`` without what earlier runs left in ``source`` (``make demo`` caches its
    scan in examples/: a copy must start as a fresh checkout does)."""
    def skipped(folder, names):
        extra = set(ignore(folder, names)) if ignore is not None else set()
        return extra | {name for name in names if name in RUN_ARTIFACTS}

    shutil.copytree(source, target, ignore=skipped)
    return target
# The tests scan fixtures in place: no reader cache is written among them (tests of the cache
# turn it back on for their own temporary trees).
os.environ["PORTLINT_NO_CACHE"] = "1"

SCHEMA = ROOT / "tests" / "schemas" / "sarif-schema-2.1.0.json"  # vendored: a bare clone has no sibling folders


def scan_tree(path: Path, select: tuple[str, ...] = ()) -> ScanResult:
    """Scan a folder the way ``portlint check PATH`` does, in-process."""
    root = scan_root([path])
    config = load_config(root)
    return scan([root], root, config, selection=RuleSelection(select=select))


def run_cli(*args: str, cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run ``python -m portlint ARGS`` as a user would; never raises on a non-zero exit."""
    full_env = {**os.environ, "NO_COLOR": "1", **(env or {})}
    full_env.pop("PORTLINT_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "portlint", *args], cwd=cwd or ROOT, env=full_env,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES
