"""Fuzz every reader through the engine: random bytes and structure-aware mutations of our fixtures.

A reader may fail on a file (a note or an error finding) but never crash ("internal error in the
... reader"), never raise out of the scan, and never use up the per-file time budget on small
input. ``make fuzz`` runs these for ``PORTLINT_FUZZ_SECONDS`` in all (default 600: ten minutes);
``make test`` runs a few examples of each as a smoke test.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from conftest import FIXTURES
from portlint.config import Config
from portlint.engine import scan

FUZZ_SECONDS = float(os.environ.get("PORTLINT_FUZZ_SECONDS", "0"))

# one file name per reader (and per YAML flavour); the content decides the rest
TARGETS = {
    "kubernetes": "k8s/manifest.yaml",
    "helm": "chart/templates/service.yaml",
    "compose": "docker-compose.yml",
    "dockerfile": "app/Dockerfile",
    "envfile": "app/.env",
    "app-config": "config/app.yaml",
    "terraform": "infra/main.tf",
    "tfvars": "infra/prod.tfvars",
    "python": "app/main.py",
    "vite": "web/vite.config.ts",
    "parameter-store": "scripts/params.sh",
    "toml": ".portlint.toml",
}
SUFFIXES = {"kubernetes": (".yaml", ".yml"), "helm": (".yaml",), "compose": (".yml", ".yaml"),
            "dockerfile": ("Dockerfile",), "envfile": (".env",), "app-config": (".yaml",), "terraform": (".tf",),
            "tfvars": (".tfvars",), "python": (".py",), "vite": (".ts", ".js"), "parameter-store": (".sh",),
            "toml": (".toml",)}
HOSTILE = ["{{", "}}", "&a ", "*a", "<<: *a", "---\n", "[" * 50, "]", "{", "\"", "'", "\x00", "\x1b[31m", "\r",
           "9" * 5000, "-", "1-65535", "${", "${PORT:-", "$(", "\\", "\ufeff", "\u202e", "<script>", ":", "#",
           "resource \"aws_security_group\" \"x\" {", "EXPOSE ", "ports:\n  - ", "port: ", "PORT=", "\t", "  ",
           "!!python/object:os.system", "%YAML 1.1\n", "\n" * 3]


def _fixtures(kind: str) -> list[Path]:
    wanted = SUFFIXES[kind]
    return sorted(p for p in FIXTURES.rglob("*") if p.is_file() and p.name.endswith(wanted)
                  and p.stat().st_size < 20_000)


def _scan_one(kind: str, data: bytes) -> None:
    """Scan a tree holding ``data`` where the reader of ``kind`` reads it: never a crash or a hang."""
    root = Path(tempfile.mkdtemp(prefix="portlint-fuzz-"))
    try:
        target = root / TARGETS[kind]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        if kind == "helm":
            (root / "chart/Chart.yaml").write_text("apiVersion: v2\nname: c\nversion: 0.1.0\n")
            (root / "chart/values.yaml").write_bytes(data[:2000])
        if kind == "toml":
            from portlint.config import ConfigError, load_config
            try:
                load_config(root)
            except ConfigError:
                pass
            return
        config = Config()
        config.max_file_seconds = 5.0
        result = scan([root], root, config)
        crashes = [f for f in result.graph.failures if "internal error" in f.message]
        crashes += [f for f in result.findings if "failed:" in f.message and f.key == "crash"]
        assert not crashes, crashes
        over = [f for f in result.graph.failures if "max-file-seconds" in f.message]
        assert not over, over
    finally:
        shutil.rmtree(root, ignore_errors=True)


@st.composite
def mutated(draw, kind: str) -> bytes:
    """A fixture of the reader's kind, cut, repeated, spliced with hostile tokens."""
    sources = _fixtures(kind)
    data = draw(st.sampled_from(sources)).read_bytes() if sources else b""
    for _ in range(draw(st.integers(0, 6))):
        op = draw(st.sampled_from(["insert", "delete", "duplicate", "truncate", "swap"]))
        at = draw(st.integers(0, len(data)))
        if op == "insert":
            data = data[:at] + draw(st.sampled_from(HOSTILE)).encode("utf-8") * draw(st.integers(1, 20)) + data[at:]
        elif op == "delete":
            data = data[:at] + data[at + draw(st.integers(1, 40)):]
        elif op == "duplicate":
            data = data[:at] + data[at:at + draw(st.integers(1, 200))] * draw(st.integers(2, 30)) + data[at:]
        elif op == "truncate":
            data = data[:at]
        else:
            lines = data.split(b"\n")
            if len(lines) > 2:
                i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
                lines[i], lines[j] = lines[j], lines[i]
                data = b"\n".join(lines)
    return data


def _text_of_tokens() -> st.SearchStrategy[bytes]:
    tokens = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=20))
    return st.lists(tokens, max_size=60).map(lambda parts: "".join(parts).encode("utf-8", "surrogatepass"))


def inputs(kind: str) -> st.SearchStrategy[bytes]:
    return st.one_of(st.binary(max_size=2000), _text_of_tokens(), mutated(kind))


def _run(kind: str, examples: int, seconds: float) -> None:
    @settings(max_examples=examples, deadline=None, database=None, derandomize=False,
              suppress_health_check=list(HealthCheck))
    @given(inputs(kind))
    def fuzz(data: bytes) -> None:
        _scan_one(kind, data)

    if seconds <= 0:
        fuzz()
        return
    deadline = time.monotonic() + seconds
    round_ = 0
    while time.monotonic() < deadline:
        seed(int(time.time() * 1000) + round_)(fuzz)()
        round_ += 1


@pytest.mark.parametrize("kind", sorted(TARGETS))
def test_reader_survives_fuzzing(kind: str) -> None:
    if FUZZ_SECONDS > 0:
        _run(kind, 50, FUZZ_SECONDS / len(TARGETS))
    else:
        _run(kind, 5, 0)  # the make test smoke: a handful of examples per reader
