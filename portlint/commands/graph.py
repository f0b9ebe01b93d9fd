"""``portlint graph``: export the port graph (entities, links, the facts behind them)."""

from __future__ import annotations

from pathlib import Path

from portlint.commands._common import add_scan_arguments, read_cache_for, resolve_scan, rules_for, selection, show_settings, write_output
from portlint.engine import RuleSelection, scan
from portlint.export import EXPORTERS
from portlint.report._paths import prefix_for, rebase_path

NAME = "graph"
HELP = "export the port graph as JSON, Graphviz DOT or Mermaid"


def add_arguments(parser) -> None:
    add_scan_arguments(parser)
    parser.add_argument("--format", "-f", choices=sorted(EXPORTERS), default="json")
    parser.add_argument("--output", "-o", type=Path, metavar="FILE")


def run(args) -> int:
    paths, root, config = resolve_scan(args)
    rules = rules_for(config)
    if show_settings(args, paths, root, config, rules, selection(args, rules)):
        return 0
    # the graph needs no rules; select none so that only reading and linking run
    result = scan(paths, root, config, rules=rules, selection=RuleSelection(select=("-none-",)),
                  read_cache=read_cache_for(args, root, config))
    prefix = prefix_for(root, Path.cwd())  # paths open from where you stand, as `check` prints them
    write_output(EXPORTERS[args.format](result.graph, lambda path: rebase_path(path, prefix)), args.output)
    return 0
