"""The real pre-commit tool runs our hook (.pre-commit-hooks.yaml) on a small monorepo.

Slow (pre-commit builds portlint into its own environment once), so one module-scoped
repository serves all cases.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: api
spec:
  selector:
    app: api
  ports:
    - port: 80
      targetPort: {target}
"""
DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  selector:
    matchLabels:
      app: api
  template:
    metadata:
      labels:
        app: api
    spec:
      containers:
        - name: api
          image: api:1
          ports:
            - containerPort: 8000
"""

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def _pre_commit() -> list[str]:
    exe = Path(sys.executable).with_name("pre-commit")
    if not exe.exists():
        pytest.skip("pre-commit is not installed (pip install -e '.[test]')")
    return [str(exe)]


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True,
                   env={**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
                        "GIT_COMMITTER_EMAIL": "t@t"})


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    repo = tmp_path_factory.mktemp("monorepo")
    _git(repo, "init", "-q")
    (repo / "deploy").mkdir()
    (repo / "deploy" / "service.yaml").write_text(SERVICE.format(target=8001))
    (repo / "deploy" / "deployment.yaml").write_text(DEPLOYMENT)
    (repo / "README.md").write_text("demo\n")
    (repo / "notes.yaml").write_text("just: data\n")
    _git(repo, "add", "-A")
    return repo


def _try_repo(repo: Path, *args: str) -> subprocess.CompletedProcess:
    home = ROOT / ".venv" / "pre-commit-home"
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "NO_COLOR": "1"}
    return subprocess.run([*_pre_commit(), "try-repo", str(ROOT), "portlint", "--color", "never", *args],
                          cwd=repo, env=env, capture_output=True, text=True, timeout=900)


def test_hook_fails_on_planted_mismatch_then_passes_when_fixed(repo: Path) -> None:
    proc = _try_repo(repo, "--all-files")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "PL101" in proc.stdout and "deploy/service.yaml" in proc.stdout

    (repo / "deploy" / "service.yaml").write_text(SERVICE.format(target=8000))
    _git(repo, "add", "-A")
    proc = _try_repo(repo, "--all-files")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (repo / "deploy" / "service.yaml").write_text(SERVICE.format(target=8001))
    _git(repo, "add", "-A")


def test_hook_reports_only_findings_touching_the_given_files(repo: Path) -> None:
    assert _try_repo(repo, "--files", "notes.yaml").returncode == 0
    touching = _try_repo(repo, "--files", "deploy/deployment.yaml")
    assert touching.returncode == 1, touching.stdout  # the other side of the mismatch counts
