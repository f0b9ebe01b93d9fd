"""Discovery: gitignore, vendored folders, excludes, symlinks, environments."""

from __future__ import annotations

import os
from pathlib import Path

from portlint.config import Config
from portlint.discover import discover, infer_environment


def _rels(root: Path, config: Config | None = None) -> list[str]:
    return [f.rel for f in discover([root], root, config or Config()).files]


def test_skips_vendored_and_gitignored(tmp_path: Path) -> None:
    for rel in ["a.yaml", "node_modules/x/b.yaml", ".git/c.yaml", "vendor/d.yaml", "env/e.yaml",
                "build/f.yaml", "keep/g.yaml"]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x: 1\n")
    (tmp_path / "env" / "pyvenv.cfg").write_text("home = /usr\n")
    (tmp_path / ".gitignore").write_text("build/\n")
    (tmp_path / "keep" / ".gitignore").write_text("*.yaml\n!g.yaml\n")
    assert _rels(tmp_path) == [".gitignore", "a.yaml", "keep/.gitignore", "keep/g.yaml"]


def test_include_ignored_and_excludes(tmp_path: Path) -> None:
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "f.yaml").write_text("x: 1\n")
    (tmp_path / "legacy").mkdir()
    (tmp_path / "legacy" / "old.yaml").write_text("x: 1\n")
    (tmp_path / ".gitignore").write_text("build/\n")
    cfg = Config(include_ignored=True, exclude=["legacy"])
    assert _rels(tmp_path, cfg) == [".gitignore", "build/f.yaml"]


def test_symlink_loops_and_broken_links(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "a.yaml").write_text("x: 1\n")
    os.symlink(tmp_path, tmp_path / "real" / "loop")
    os.symlink(tmp_path / "missing.yaml", tmp_path / "broken.yaml")
    os.symlink("self.yaml", tmp_path / "self.yaml")
    found = discover([tmp_path], tmp_path, Config())
    assert [f.rel for f in found.files] == ["real/a.yaml"]
    assert {s.rel for s in found.skipped} == {"broken.yaml", "self.yaml"}


def test_environment_inference() -> None:
    envs = ("dev", "uat", "prod")
    assert infer_environment("config/dev.yaml", envs) == "dev"
    assert infer_environment("deploy/overlays/prod/svc.yaml", envs) == "prod"
    assert infer_environment(".env.uat", envs) == "uat"
    assert infer_environment("charts/x/values-prod.yaml", envs) == "prod"
    assert infer_environment("infrastructure/terraform/dev_server.tf", envs) is None
    assert infer_environment("config/base.yaml", envs) is None


def test_bom_and_non_utf8(tmp_path: Path) -> None:
    (tmp_path / "bom.yaml").write_bytes(b"\xef\xbb\xbfkind: x\n")
    (tmp_path / "latin.yaml").write_bytes(b"name: caf\xe9\n")
    files = {f.rel: f for f in discover([tmp_path], tmp_path, Config()).files}
    assert files["bom.yaml"].text() == "kind: x\n"
    try:
        files["latin.yaml"].text()
    except Exception as exc:  # UndecodableFile
        assert "not UTF-8" in str(exc)
    else:
        raise AssertionError("latin-1 text decoded as UTF-8")
