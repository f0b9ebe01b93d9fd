"""``portlint rules``: list every rule with its id, name, default severity and summary."""

from __future__ import annotations

from portlint.commands._common import rules_for
from portlint.config import load_config
from portlint.trust import check_trust
from pathlib import Path

NAME = "rules"
HELP = "list the available rules"


def add_arguments(parser) -> None:
    parser.add_argument("--rules-dir", action="append", type=Path, default=[], metavar="DIR")
    parser.add_argument("--config", type=Path, metavar="FILE")
    parser.add_argument("--trust-config", action="store_true",
                        help="let a config inside the current folder's checkout load rule code through rules-dir")


def run(args) -> int:
    config = load_config(Path.cwd(), args.config)
    check_trust(config, Path.cwd(), list(args.rules_dir), args.trust_config)
    config.rules_dirs = [*config.rules_dirs, *args.rules_dir]
    rules = rules_for(config)
    width = max((len(r.name) for r in rules), default=10)
    for rule in rules:
        print(f"{rule.id}  {rule.name:<{width}}  {rule.severity.value:<7}  {rule.group:<11}  {rule.summary}")
    return 0
