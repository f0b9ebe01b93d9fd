"""Terraform: read time with tree-sitter-hcl vs python-hcl2, and the whole check vs checkov.

On the generated tree (bench/generate.py, 200 services by default):

1. the Terraform reader on the whole tree (CPU time: read, parse, evaluate, facts; discovery excluded; the
   garbage collector set as a scan sets it), once with
   tree-sitter-hcl (the product) and once with python-hcl2 (the test oracle,
   tests/hcl2_oracle.py) patched in as its parser; median of ``--runs``;
2. parse and convert every expression of every file with each parser (no laziness);
3. ``portlint check`` on the tree as a subprocess, and ``checkov -d <tree> --framework
   terraform`` when ``--checkov`` names its executable (install it in a separate venv:
   ``python -m venv /tmp/checkov-venv && /tmp/checkov-venv/bin/pip install checkov``).

Usage: python bench/terraform.py [--services 200] [--runs 3] [--checkov /tmp/checkov-venv/bin/checkov]
"""

from __future__ import annotations

import argparse
import gc
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT / "tests"))
from generate import generate  # noqa: E402


def _median(runs: int, work, clock=time.process_time) -> float:
    """Median time of ``work``; in process the CPU time (the machine may be shared), for
    subprocesses the wall time."""
    times = []
    for _ in range(runs):
        start = clock()
        work()
        times.append(clock() - start)
    return statistics.median(times)


def _parse_all(texts: list[tuple[str, str]], parse) -> None:
    for rel, text in texts:
        parse(text, rel)


def _with_hcl2(text: str, rel: str, keep=None):
    import hcl2_oracle
    from portlint.terraform.model import HclError, Parsed

    try:
        body = hcl2_oracle.parse(text, rel)
    except HclError as exc:
        from portlint.terraform.model import Body

        return Parsed(Body(), [exc])
    if keep is not None:
        body.blocks = [b for b in body.blocks if keep([b.type, *b.labels])]
    return Parsed(body)


def _forced(parse):
    """Parse and convert every expression (tree-sitter converts lazily otherwise)."""
    def run(text: str, rel: str) -> None:
        stack = [parse(text, rel)]
        stack = [getattr(stack[0], "body", stack[0])]
        while stack:
            body = stack.pop()
            for attr in body.attrs.values():
                attr.value
            stack.extend(b.body for b in body.blocks)
    return run


def _discovered(tree: Path):
    from portlint.config import Config
    from portlint.discover import discover

    config = Config()
    return config, discover([tree], tree, config).files


def _reader(tree: Path, found, parse=None) -> None:
    """The Terraform reader on files already discovered (discovery is the same for both), with
    the garbage collector tuned as a scan tunes it (:mod:`portlint.collector`)."""
    from portlint import collector
    from portlint.readers import ReadContext, terraform
    from portlint.terraform import load

    config, files = found
    original, thresholds = load.parse, gc.get_threshold()
    if parse is not None:
        load.parse = parse
    gc.set_threshold(*collector.THRESHOLD)
    try:
        ctx = ReadContext(root=tree, config=config)
        for file in files:
            object.__setattr__(file, "_text", None)  # read from disk each run, as a scan does
        terraform.read([f for f in files if terraform.wants(f, ctx)], ctx)
    finally:
        load.parse = original
        gc.set_threshold(*thresholds)


def _subprocess(command: list[str], runs: int) -> float:
    def work() -> None:
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)

    return _median(runs, work, time.perf_counter)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--checkov", help="path of a checkov executable (separate venv)")
    args = parser.parse_args(argv)

    import hcl2_oracle
    from portlint.terraform import parse as tree_sitter_parse

    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "tree"
        generate(tree, args.services, args.seed)
        texts = [(str(p.relative_to(tree)), p.read_text(encoding="utf-8"))
                 for p in sorted(tree.rglob("*")) if p.suffix in (".tf", ".tfvars")]
        hcl2_oracle.parse("a = 1\n", "warm.tf")  # grammar cache warm, as in a second run
        tree_sitter_parse.parse("a = 1\n", "warm.tf")
        found = _discovered(tree)
        reader = _median(args.runs, lambda: _reader(tree, found))
        reader_lark = _median(args.runs, lambda: _reader(tree, found, _with_hcl2))
        ts = _median(args.runs, lambda: _parse_all(texts, _forced(tree_sitter_parse.parse)))
        lark = _median(args.runs, lambda: _parse_all(texts, _forced(hcl2_oracle.parse)))
        portlint = str(Path(sys.executable).with_name("portlint"))
        check = _subprocess([portlint, "check", str(tree), "--format", "json"], args.runs)
        print(f"tree: {args.services} services, {len(texts)} Terraform files ({sum(len(t) for _, t in texts)} chars)")
        print(f"reader, tree-sitter-hcl: {reader * 1000:8.1f} ms   (CPU time: read, parse, evaluate, facts; discovery excluded)")
        print(f"reader, python-hcl2    : {reader_lark * 1000:8.1f} ms   tree-sitter/python-hcl2 = {reader / reader_lark:.1%}")
        print(f"parse all, tree-sitter : {ts * 1000:8.1f} ms   (CPU time, every expression converted)")
        print(f"parse all, python-hcl2 : {lark * 1000:8.1f} ms   tree-sitter/python-hcl2 = {ts / lark:.1%}")
        print(f"portlint check         : {check * 1000:8.1f} ms   (wall time, subprocess, whole tree, every reader and rule)")
        if args.checkov:
            checkov = _subprocess([args.checkov, "-d", str(tree), "--framework", "terraform", "--quiet", "--compact"],
                                  max(1, min(args.runs, 2)))
            print(f"checkov (terraform)    : {checkov * 1000:8.1f} ms   portlint/checkov = {check / checkov:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
