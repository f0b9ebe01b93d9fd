"""The kept code of dataclass methods (portlint._compiled): same classes, never trusted blindly."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest

from portlint import _compiled

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def kept(tmp_path, monkeypatch):
    """A fresh, empty store in ``tmp_path``, bytecode writing on."""
    monkeypatch.setattr(_compiled, "_FILE", str(tmp_path / "__pycache__" / "methods.marshal"))
    monkeypatch.setattr(_compiled, "_codes", None)
    monkeypatch.setattr(_compiled, "_used", set())
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    _compiled.install()
    return Path(_compiled._FILE)


def _make_class():
    @dataclasses.dataclass(frozen=True, order=True)
    class Point:
        x: int
        y: int = 0
        tags: tuple = dataclasses.field(default=())

    return Point


def _check(point_class) -> None:
    a, b = point_class(1, 2), point_class(1, 3)
    assert a == point_class(1, 2) and a != b and a < b
    assert hash(a) == hash(point_class(1, 2))
    assert repr(a).endswith("Point(x=1, y=2, tags=())")
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.x = 5  # type: ignore[misc]


def test_classes_from_kept_code_behave_as_compiled_ones(kept):
    _check(_make_class())  # compiled, learned
    _compiled._save()
    assert kept.is_file()
    _compiled._codes = None  # as a new process: read the file
    codes = _compiled._loaded()
    assert codes, "the learned methods were not kept"
    _check(_make_class())  # built from the kept code


def test_a_corrupt_or_foreign_file_is_ignored(kept):
    kept.parent.mkdir(parents=True)
    for junk in (b"", b"not marshal at all", _compiled._MAGIC + b"\x00garbage", b"\x00\x00\x00\x00" + b"x" * 100):
        kept.write_bytes(junk)
        _compiled._codes = None
        assert _compiled._loaded() == {}
        _check(_make_class())


def test_a_file_holding_other_objects_is_ignored(kept):
    import marshal

    kept.parent.mkdir(parents=True)
    kept.write_bytes(_compiled._MAGIC + marshal.dumps({"text": "not code"}))
    _compiled._codes = None
    assert _compiled._loaded() == {}


def test_nothing_is_written_without_bytecode_writing(kept, monkeypatch):
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    _make_class()
    _compiled._save()
    assert not kept.exists()


def test_the_cli_runs_the_same_with_and_without_the_kept_code(tmp_path):
    """Two runs of a real check, the second from the kept code, give the same bytes."""
    (tmp_path / "svc.yaml").write_text(
        "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  selector: {app: web}\n"
        "  ports: [{port: 80, targetPort: 8080}]\n---\napiVersion: apps/v1\nkind: Deployment\n"
        "metadata: {name: web}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n"
        "    metadata: {labels: {app: web}}\n    spec:\n      containers:\n      - name: web\n"
        "        image: web\n        ports: [{containerPort: 9090}]\n", encoding="utf-8")
    outputs = []
    for _ in range(2):
        run = subprocess.run([sys.executable, "-m", "portlint", "check", str(tmp_path), "--no-cache",
                              "--format", "json"], capture_output=True, text=True, cwd=ROOT,
                             env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)})
        assert run.returncode == 1, run.stderr
        outputs.append(run.stdout)
    assert outputs[0] == outputs[1]
    assert '"PL101"' in outputs[0] or "PL101" in outputs[0]
