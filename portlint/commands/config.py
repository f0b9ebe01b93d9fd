"""``portlint config``: the effective value of each service's keys per environment, and where it comes from.

Answers "what port does dash get in prod, and from where?" with ``portlint config --service dash
--env prod --key port``: the winning layer and location, then every other layer's value.
"""

from __future__ import annotations

import json
from pathlib import Path

from portlint.commands._common import resolve_scan, write_output
from portlint.engine import build_graph
from portlint.reading import read_all
from portlint.discover import discover
from portlint.layers import Contribution, Effective, effective_values, environments, same_value
from portlint.options import did_you_mean
from portlint.readers import ReadContext

NAME = "config"
HELP = "show the effective value of each config key per service and environment, with its source"
SCHEMA_VERSION = 1
TEXT_WIDTH = 24


def add_arguments(parser) -> None:
    parser.add_argument("paths", nargs="*", metavar="PATH", help="files or folders to scan (default: .)")
    parser.add_argument("--config", type=Path, metavar="FILE", help="config file (default: .portlint.toml at the root)")
    parser.add_argument("--service", "-s", metavar="S", help="only this service (name or alias)")
    parser.add_argument("--env", "-e", metavar="E", help="only this environment")
    parser.add_argument("--key", "-k", metavar="K",
                        help="only this key (port matches every port key, e.g. airflow's webserver_port)")
    parser.add_argument("--format", "-f", choices=["text", "json"], default="text")
    parser.add_argument("--output", "-o", type=Path, metavar="FILE", help="write to FILE instead of stdout")


def run(args) -> int:
    from portlint.cli import UsageError

    paths, root, config = resolve_scan(args, load_code=False)
    found = discover(paths, root, config)
    output, _ = read_all(found, ReadContext(root=root, config=config))
    graph = build_graph(output, config)
    envs = environments(graph)
    if args.env and args.env not in envs:
        raise UsageError(f"no environment {args.env!r} (environments: {', '.join(envs) or 'none'})")
    service = args.service
    every = effective_values(graph)
    if service:
        policy = config.service_for_name(service)
        service = policy.name if policy else service
        known = sorted({v.service for v in every} | set(config.services))
        if service not in known:
            raise UsageError(f"no service {args.service!r}{did_you_mean(args.service, known)} "
                             f"(services: {', '.join(known) or 'none'})")
    values = [v for v in every if _selected(v, service, args.env, args.key)]
    text = render_json(values, envs) if args.format == "json" else render_text(values, envs)
    write_output(text, args.output)
    return 0


def _selected(value: Effective, service: str | None, env: str | None, key: str | None) -> bool:
    if service and value.service != service:
        return False
    if env and value.environment != env:
        return False
    if key and key not in (value.key, value.config_key) and not (key == "port" and value.is_port):
        return False
    return True


def status(value: Effective, contribution: Contribution) -> str:
    """wins, overridden (a higher layer wins), shadowed (a more specific value of its layer wins), documented."""
    if contribution.documented:
        return "documented"
    if contribution is value.winner:
        return "wins"
    if value.winner is not None and contribution.layer == value.winner.layer:
        return "shadowed"
    if contribution in value.layer_values():
        return "overridden"
    return "shadowed"


def render_text(values: list[Effective], envs: list[str]) -> str:
    if not values:
        return f"no configuration values found (environments: {', '.join(envs) or 'none'})\n"
    lines: list[str] = []
    for value in values:
        lines.append(_headline(value))
        layer_width = max(len(c.layer) for c in value.contributions)
        text_width = min(max(len(c.text) for c in value.contributions), TEXT_WIDTH)
        where_width = max(len(str(c.location)) for c in value.contributions)
        for contribution in value.contributions:
            note = status(value, contribution)
            if (value.winner is not None and note != "wins" and not contribution.unresolved
                    and not same_value(contribution, value.winner)):
                note += ", differs"
            text = _clip(contribution.text)
            lines.append(f"    {contribution.layer:<{layer_width}}  {text:<{text_width}}  "
                         f"{str(contribution.location):<{where_width}}  {note}{_notes(contribution)}")
    return "\n".join(lines) + "\n"


def _clip(text: str) -> str:
    return text if len(text) <= TEXT_WIDTH else text[: TEXT_WIDTH - 3] + "..."


def _headline(value: Effective) -> str:
    winner = value.winner
    if winner is None:
        return f"{value.config_key} [{value.environment}]: no applied value (documented only)"
    if winner.unresolved:
        return (f"{value.config_key} [{value.environment}]: unknown ({winner.text} "
                f"from {winner.layer} at {winner.location.short})")
    return f"{value.config_key} [{value.environment}] = {winner.text}  from {winner.layer} at {winner.location.short}"


def _notes(contribution: Contribution) -> str:
    notes = []
    if contribution.env_var and contribution.layer != "env":
        notes.append(f"{contribution.env_var} replaces it when set")
    if contribution.environment is None:
        notes.append("all environments")
    if contribution.example:
        notes.append("template file")
    if contribution.unresolved:
        notes.append("unresolved")
    return f" ({'; '.join(notes)})" if notes else ""


def render_json(values: list[Effective], envs: list[str]) -> str:
    document = {
        "schema_version": SCHEMA_VERSION,
        "environments": envs,
        "values": [_value_dict(v) for v in values],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _value_dict(value: Effective) -> dict:
    winner = value.winner
    return {
        "service": value.service,
        "key": value.key,
        "config_key": value.config_key,
        "environment": value.environment,
        "kind": "port" if value.is_port else "setting",
        "value": None if winner is None or winner.unresolved else _typed(winner),
        "known": value.known,
        "source": _contribution_dict(value, winner) if winner is not None else None,
        "contributions": [_contribution_dict(value, c) for c in value.contributions],
    }


def _typed(contribution: Contribution):
    return contribution.number if contribution.is_port and contribution.number is not None else contribution.text


def _contribution_dict(value: Effective, contribution: Contribution) -> dict:
    loc = contribution.location
    return {
        "layer": contribution.layer,
        "value": contribution.text,
        "status": status(value, contribution),
        "environment": contribution.environment,
        "env_var": contribution.env_var,
        "location": {"path": loc.path, "line": loc.line, "column": loc.column},
        "unresolved": contribution.unresolved,
        "example": contribution.example,
    }
