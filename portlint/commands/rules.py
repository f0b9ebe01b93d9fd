"""``portlint rules``: list every rule with its id, name, default severity and summary."""

from __future__ import annotations

from portlint.commands._common import rules_for
from portlint.config import load_config
from pathlib import Path

NAME = "rules"
HELP = "list the available rules"


def add_arguments(parser) -> None:
    parser.add_argument("--rules-dir", action="append", type=Path, default=[], metavar="DIR")
    parser.add_argument("--config", type=Path, metavar="FILE")


def run(args) -> int:
    config = load_config(Path.cwd(), args.config)
    config.rules_dirs = [*config.rules_dirs, *args.rules_dir]
    rules = rules_for(config)
    width = max((len(r.name) for r in rules), default=10)
    for rule in rules:
        print(f"{rule.id}  {rule.name:<{width}}  {rule.severity.value:<7}  {rule.group:<11}  {rule.summary}")
    return 0
