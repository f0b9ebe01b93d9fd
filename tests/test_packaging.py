"""The installed wheel carries the built-in rules (as portlint/_rules) and finds them."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(out)],
                          capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        pytest.fail(f"wheel build failed: {proc.stderr[-2000:]}")
    return next(out.glob("portlint-*.whl"))


def test_wheel_carries_every_builtin_rule(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    for rule in sorted((ROOT / "rules").glob("PL*.py")):
        assert f"portlint/_rules/{rule.name}" in names


def test_installed_wheel_loads_rules_from_inside_the_package(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    code = "from portlint.registry import builtin_rules_dir, load_rules; print(builtin_rules_dir()); print(len(load_rules()))"
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True,
                          env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"}, timeout=60)
    assert proc.returncode == 0, proc.stderr
    rules_dir, count = proc.stdout.split()
    assert Path(rules_dir) == site / "portlint" / "_rules"
    assert int(count) == len(list((ROOT / "rules").glob("PL*.py")))


def test_wheel_carries_every_subpackage(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    for init in sorted((ROOT / "portlint").rglob("__init__.py")):
        package = init.parent.relative_to(ROOT).as_posix()
        assert f"{package}/__init__.py" in names, f"{package} is missing from [tool.setuptools] packages"
