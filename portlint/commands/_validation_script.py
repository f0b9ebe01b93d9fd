"""Find the bounds a repository's own validation script enforces, for ``portlint init``.

A validation script maps config keys to checks, e.g. ``{'port': lambda x: 1000 <= int(x) <= 65535,
'host': lambda x: x in ['0.0.0.0', 'localhost']}``. The script is read with ``ast``, never run.
Only a file whose name or a function's name says ``valid`` counts, so that ordinary code with a
range check is not taken for the organisation's policy.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

from portlint.readers._config_keys import is_port_key

BOOLEAN_KEYS = ("debug", "reload")
_LIST_KEYS = {"host": "hosts", "executor": "executors", **{k: "booleans" for k in BOOLEAN_KEYS}}
_RANGE_KEYS = {"workers": "workers"}


@dataclass
class FoundBounds:
    """``[validation]`` values found in scripts, and the script each came from."""

    values: dict[str, list] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)


def find_bounds(files: list[tuple[str, str]]) -> FoundBounds:
    """``files``: (relative path, text) of Python files. Ranges of several keys are joined."""
    found = FoundBounds()
    for rel, text in files:
        if "valid" not in Path(rel).name.lower() and "def valid" not in text and "_valid" not in text:
            continue
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        if "valid" not in Path(rel).name.lower() and not _has_validation_function(tree):
            continue
        for key, check in _dict_entries(tree):
            _take(found, rel, key, check)
    return found


def _has_validation_function(tree: ast.AST) -> bool:
    return any(isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and "valid" in n.name.lower()
               for n in ast.walk(tree))


def _dict_entries(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values):
                if isinstance(key, ast.Constant) and isinstance(key.value, str) and isinstance(value, ast.Lambda):
                    yield key.value, value.body


def _take(found: FoundBounds, rel: str, key: str, check: ast.AST) -> None:
    lowered = key.lower()
    target = "app-port" if is_port_key(lowered) else _RANGE_KEYS.get(lowered) or _LIST_KEYS.get(lowered)
    if target is None:
        return
    if target in ("app-port", "workers"):
        bounds = _range(check)
        if bounds is None:
            return
        old = found.values.get(target)
        found.values[target] = [min(old[0], bounds[0]), max(old[1], bounds[1])] if old else list(bounds)
    else:
        items = _string_list(check)
        if not items:
            return
        old = found.values.get(target, [])
        found.values[target] = old + [i for i in items if i not in old]
    found.sources.setdefault(target, rel)


def _range(node: ast.AST) -> tuple[int, int] | None:
    for compare in ast.walk(node):
        if (isinstance(compare, ast.Compare) and len(compare.ops) == 2
                and all(isinstance(op, (ast.LtE, ast.Lt)) for op in compare.ops)):
            low, high = compare.left, compare.comparators[1]
            if _is_int(low) and _is_int(high):
                lo = low.value + (1 if isinstance(compare.ops[0], ast.Lt) else 0)
                hi = high.value - (1 if isinstance(compare.ops[1], ast.Lt) else 0)
                return (lo, hi) if lo <= hi else None
    return None


def _string_list(node: ast.AST) -> list[str]:
    for compare in ast.walk(node):
        if isinstance(compare, ast.Compare) and len(compare.ops) == 1 and isinstance(compare.ops[0], ast.In):
            values = compare.comparators[0]
            if isinstance(values, (ast.List, ast.Tuple, ast.Set)):
                items = [e.value for e in values.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
                if items and len(items) == len(values.elts):
                    return items
    return []


def _is_int(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, int) and not isinstance(node.value, bool)
