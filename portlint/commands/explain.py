"""``portlint explain RULE``: print a rule's documentation."""

from __future__ import annotations

from pathlib import Path

from portlint.commands._common import rules_for
from portlint.config import load_config
from portlint.trust import check_trust
from portlint.docs import rule_markdown

NAME = "explain"
HELP = "print the documentation of a rule (by id or name)"


def add_arguments(parser) -> None:
    parser.add_argument("rule", metavar="RULE")
    parser.add_argument("--rules-dir", action="append", type=Path, default=[], metavar="DIR")
    parser.add_argument("--config", type=Path, metavar="FILE")
    parser.add_argument("--trust-config", action="store_true",
                        help="let a config inside the current folder's checkout load rule code through rules-dir")


def run(args) -> int:
    from portlint.cli import UsageError

    config = load_config(Path.cwd(), args.config)
    check_trust(config, Path.cwd(), list(args.rules_dir), args.trust_config)
    config.rules_dirs = [*config.rules_dirs, *args.rules_dir]
    for rule in rules_for(config):
        if args.rule in (rule.id, rule.name) or args.rule.upper() == rule.id:
            print(rule_markdown(rule), end="")
            return 0
    raise UsageError(f"no rule {args.rule!r} (see 'portlint rules')")
