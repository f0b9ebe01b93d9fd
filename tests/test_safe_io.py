"""portlint.safe_io: regular files only, inside the root, under the limit; writes never follow symlinks."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from portlint import safe_io


def test_reads_a_regular_file_and_strips_the_bom(tmp_path: Path) -> None:
    (tmp_path / "a.env").write_bytes(b"\xef\xbb\xbfPORT=1\n")
    assert safe_io.read_text(tmp_path / "a.env", root=tmp_path) == "PORT=1\n"


def test_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / ".env")
    done: list[BaseException] = []

    def attempt() -> None:
        try:
            safe_io.read_bytes(tmp_path / ".env", root=tmp_path)
        except BaseException as exc:  # noqa: BLE001 - recorded for the assertion
            done.append(exc)

    worker = threading.Thread(target=attempt, daemon=True)
    worker.start()
    worker.join(5)
    assert not worker.is_alive(), "reading a FIFO blocked"
    assert isinstance(done[0], safe_io.NotRegularFile) and "FIFO" in done[0].reason


def test_device_behind_a_symlink_is_refused(tmp_path: Path) -> None:
    os.symlink("/dev/zero", tmp_path / "baseline.json")
    with pytest.raises(safe_io.NotRegularFile, match="character device"):
        safe_io.read_bytes(tmp_path / "baseline.json")


def test_symlink_leaving_the_root_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "secret"
    outside.write_text("TOKEN=x\n")
    root = tmp_path / "repo"
    root.mkdir()
    os.symlink(outside, root / ".env")
    with pytest.raises(safe_io.OutsideRoot, match="outside the scan root"):
        safe_io.read_text(root / ".env", root=root)
    assert safe_io.read_text(root / ".env") == "TOKEN=x\n"  # no root: the caller named it
    os.symlink("../repo/inner", root / "ok.env")
    (root / "inner").write_text("A=1\n")
    assert safe_io.read_text(root / "ok.env", root=root) == "A=1\n"


def test_limit_reads_at_most_limit_plus_one(tmp_path: Path) -> None:
    (tmp_path / "big").write_bytes(b"x" * 101)
    with pytest.raises(safe_io.TooLarge):
        safe_io.read_bytes(tmp_path / "big", limit=100)
    assert safe_io.read_bytes(tmp_path / "big", limit=10, truncate=True) == b"x" * 10
    assert isinstance(safe_io.TooLarge("p", "r"), OSError)


def test_write_is_atomic_and_refuses_symlinks(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_text("keep\n")
    os.symlink(victim, tmp_path / "portlint.sarif")
    with pytest.raises(safe_io.UnsafeWrite, match="symlink"):
        safe_io.write_text(tmp_path / "portlint.sarif", "{}")
    assert victim.read_text() == "keep\n"
    os.symlink(tmp_path / "nowhere", tmp_path / "dangling")
    with pytest.raises(safe_io.UnsafeWrite):
        safe_io.write_text(tmp_path / "dangling", "x")
    assert not (tmp_path / "nowhere").exists()
    safe_io.write_text(tmp_path / "out" / "r.txt", "ok\n")
    assert (tmp_path / "out" / "r.txt").read_text() == "ok\n"
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["r.txt"]  # no temp file left


def test_is_regular_file(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "f").write_text("")
    assert safe_io.is_regular_file(tmp_path / "f", tmp_path)
    assert not safe_io.is_regular_file(tmp_path / "fifo", tmp_path)
    assert not safe_io.is_regular_file(tmp_path / "f", tmp_path / "sub")
