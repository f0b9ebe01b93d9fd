"""Same tree, same bytes: also across Python's per-process string hashing (PYTHONHASHSEED)."""

from __future__ import annotations

import pytest

from conftest import FIXTURES, run_cli

# every fixture tree at once: many services of the same names, so findings tie on place and message
TREE = FIXTURES


@pytest.mark.parametrize("args", [
    ("check", str(TREE), "--format", "json"),
    ("check", str(TREE), "--format", "sarif"),
    ("graph", str(TREE), "--format", "json"),
], ids=["json", "sarif", "graph"])
def test_output_does_not_depend_on_hash_seed(args: tuple[str, ...]) -> None:
    outputs = {run_cli(*args, env={"PYTHONHASHSEED": seed}).stdout for seed in ("1", "2", "3")}
    assert len(outputs) == 1
    assert next(iter(outputs)).strip()
