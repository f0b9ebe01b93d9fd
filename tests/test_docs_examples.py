"""Every example in the README, docs/configuration.md, docs/ci.md and docs/fix.md runs (issue 14): each TOML block
is a valid config for the real rules, each `portlint ...` command runs on a copy of the demo without
a usage or config error, the suppression example suppresses, and the error example is what portlint
prints."""

from __future__ import annotations

import re
import shlex
import tomllib
from pathlib import Path

import pytest

from conftest import ROOT, copy_tree, run_cli
from portlint.config import parse_config
from portlint.registry import load_rules
from portlint.suppressions import parse_suppressions
from portlint.validate import check_rule_settings

DOCS = [ROOT / "README.md", ROOT / "docs" / "configuration.md", ROOT / "docs" / "ci.md", ROOT / "docs" / "fix.md"]
DEMO = ROOT / "examples" / "genai-monorepo"
_FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)


def blocks(lang: str) -> list[tuple[str, str]]:
    """(id, body) of every fenced block in the docs with this language tag."""
    out = []
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")
        for match in _FENCE.finditer(text):
            if match.group(1) == lang:
                line = text[:match.start()].count("\n") + 1
                out.append((f"{doc.relative_to(ROOT)}:{line}", match.group(2)))
    return out


def commands() -> list[tuple[str, str]]:
    """Every `portlint ...` command line in sh blocks and in CI yaml (`run:` or a script item)."""
    out = []
    for where, body in blocks("sh") + blocks("yaml"):
        for line in body.splitlines():
            match = re.match(r"^\s*(?:run:\s*|-\s+)?(portlint\s.*)$", line)
            if match and "portlint:" not in line:
                command = re.sub(r"\s+#.*$", "", match.group(1)).replace("[PATH ...]", "").strip()
                out.append((where, command))
    return out


def test_the_docs_hold_examples() -> None:
    assert len(blocks("toml")) >= 4 and len(commands()) >= 15


@pytest.mark.parametrize(("where", "body"), blocks("toml"), ids=[w for w, _ in blocks("toml")])
def test_toml_example_is_a_valid_config(where: str, body: str, tmp_path: Path) -> None:
    config = parse_config(tomllib.loads(body), where)
    check_rule_settings(config, load_rules())
    (tmp_path / ".portlint.toml").write_text(body, encoding="utf-8")
    proc = run_cli("check", str(tmp_path))
    assert proc.returncode == 0, proc.stderr


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    tree = tmp_path_factory.mktemp("docs") / "demo"
    copy_tree(DEMO, tree)
    (tree / "ci" / "portlint-rules").mkdir(parents=True)  # the folder docs/ci.md names with --rules-dir
    return tree


@pytest.mark.parametrize(("where", "command"), commands(), ids=[f"{w} {c}" for w, c in commands()])
def test_command_example_runs(where: str, command: str, demo: Path, tmp_path: Path) -> None:
    args = shlex.split(command)[1:]
    cwd = demo
    if args[0] == "init":  # init writes a new config: give it a tree without one
        cwd = tmp_path / "fresh"
        copy_tree(DEMO, cwd)
        (cwd / ".portlint.toml").unlink()
    if "--baseline" in args and not (cwd / args[args.index("--baseline") + 1]).exists():  # run alone (-k)
        run_cli("check", "--write-baseline", args[args.index("--baseline") + 1], cwd=cwd)
    proc = run_cli(*args, cwd=cwd)
    assert proc.returncode in (0, 1), f"{where}: {command}\n{proc.stderr}"
    assert "error:" not in proc.stderr, proc.stderr


def test_suppression_examples_are_valid() -> None:
    found = [s for _, body in blocks("yaml") for s in parse_suppressions("x.yaml", body)]
    assert found and all(not s.problem for s in found)


def test_error_example_is_what_portlint_prints(tmp_path: Path) -> None:
    shown = [body for _, body in blocks("") if body.startswith("portlint: error:")]
    assert shown
    for body in shown:
        match = re.search(r"\.portlint\.toml: rules\.(\w+)\.(\w+):", body)
        (tmp_path / ".portlint.toml").write_text(f"[rules.{match.group(1)}]\n{match.group(2)} = 3\n")
        proc = run_cli("check", ".", cwd=tmp_path)
        assert proc.returncode == 2
        assert proc.stderr.strip().endswith(body.strip().split(".portlint.toml")[1]), proc.stderr


def test_text_output_example_has_the_reporter_shape() -> None:
    example = next(body for _, body in blocks("") if "  PL101  [error]" in body)
    lines = example.strip().splitlines()
    assert re.match(r"^\S+:\d+:\d+  PL\d{3}  \[(error|warning|note)\] \S", lines[0])
    assert all(line.startswith("    ") for line in lines[1:-1])
    assert re.match(r"^portlint: 1 finding \(1 error\) in \d+ files read$", lines[-1])
