"""``portlint init``: write a commented ``.portlint.toml`` for the repository.

It writes only what it finds: the environments the repository names, the ``[services]`` table
inferred from the scan (each logical service with the port most of its places use, its majority
port, and a comment listing where it found others) and the ``[validation]`` bounds of a validation
script of the repository. Policies it cannot find (port ranges, validation bounds) are commented
examples with neutral values, never an organisation's standard. Refuses to overwrite an existing
file without ``--force``.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from portlint.commands._common import write_file
from portlint.commands._validation_script import FoundBounds, find_bounds
from portlint.config import CONFIG_FILE, DEFAULT_PRECEDENCE, VALIDATION_KEYS, Config
from portlint.discover import discover
from portlint.engine import build_graph
from portlint.reading import read_all
from portlint.graph import PortGraph
from portlint.layers import contributions, environments, port_key_of
from portlint.model import Location
from portlint.report._escape import visible
from portlint.readers import ReadContext
from portlint.readers._config_keys import MAIN_PORT_KEYS

NAME = "init"
HELP = "write a commented .portlint.toml: the environments and services found, with their majority port"

# Shapes of the [validation] keys, shown commented out when no validation script gives bounds:
# neutral values (the whole unprivileged port range, any worker count), not a policy.
VALIDATION_EXAMPLES = {
    "app-port": ([1024, 65535], "the lowest and highest port an app may listen on"),
    "workers": ([1, 64], "bounds of worker counts"),
    "hosts": (["0.0.0.0", "127.0.0.1"], "the bind hosts allowed"),
    "booleans": (["true", "false"], "the spellings allowed for flags"),
    "executors": (["..."], "the values allowed for executor settings"),
}
PORT_ROLES = frozenset({"listen", "config", "default", "target"})
PORT_KEYS = frozenset(MAIN_PORT_KEYS)
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def add_arguments(parser) -> None:
    parser.add_argument("path", nargs="?", default=".", metavar="PATH",
                        help="the repository to scan; the file is written there (default: .)")
    parser.add_argument("--force", action="store_true", help=f"overwrite an existing {CONFIG_FILE}")
    parser.add_argument("--stdout", action="store_true", help="print the file instead of writing it")


def run(args) -> int:
    from portlint.cli import UsageError

    root = Path(args.path).resolve()
    if not root.is_dir():
        raise UsageError(f"not a folder: {args.path}")
    target = root / CONFIG_FILE
    if target.is_symlink() and not args.stdout:
        raise UsageError(f"{target} is a symlink; refusing to write through it (remove it first)")
    if target.exists() and not args.force and not args.stdout:
        raise UsageError(f"{target} already exists; run with --force to overwrite it")
    graph, bounds = _scan(root)
    text = render(infer_services(graph), _environments(graph), bounds)
    if args.stdout:
        sys.stdout.write(text)
        return 0
    write_file(target, text)
    print(f"portlint: wrote {target} ({len(infer_services(graph))} services); review it, then run 'portlint check'",
          file=sys.stderr)
    return 0


def _scan(root: Path) -> tuple[PortGraph, FoundBounds]:
    config = Config()
    found = discover([root], root, config)
    output, _ = read_all(found, ReadContext(root=root, config=config))
    return build_graph(output, config), find_bounds(_python_files(found, config.max_file_size))


def _python_files(found, limit: int) -> list[tuple[str, str]]:
    out = []
    for file in found.files:
        if file.rel.endswith(".py") and file.size <= limit:
            try:
                out.append((file.rel, file.text()))
            except (OSError, UnicodeDecodeError, ValueError):
                continue
    return out


@dataclass
class ServiceGuess:
    """A service, its majority port, and where every port of it was found."""

    name: str
    port: int
    places: dict[int, list[Location]] = field(default_factory=dict)


def infer_services(graph: PortGraph) -> list[ServiceGuess]:
    """Each service with ports: its majority port (ties: the lowest), sorted by name."""
    places: dict[str, dict[int, list[Location]]] = {}
    for fact in graph.facts():
        number = fact.value.number
        if (fact.role.value not in PORT_ROLES or fact.value.unresolved or number is None
                or not 1 <= number <= 65535 or fact.attrs.get("documented")):
            continue
        named = port_key_of(graph, fact)
        if named is None or (named[1] is not None and named[1].rsplit(".", 1)[-1] not in PORT_KEYS):
            continue
        places.setdefault(named[0], {}).setdefault(number, []).append(fact.location)
    guesses = []
    for name in sorted(places):
        counts = Counter({port: len(locs) for port, locs in places[name].items()})
        best = max(counts.values())
        port = min(p for p, c in counts.items() if c == best)
        guesses.append(ServiceGuess(name, port, {p: sorted(places[name][p]) for p in sorted(places[name])}))
    return guesses


def _environments(graph: PortGraph) -> list[str]:
    """Environments the scan names on its own (config files, env files), else none."""
    own = {c.environment for c in contributions(graph) if c.environment and not c.env_conditional}
    return [e for e in environments(graph) if e in own]


def render(services: list[ServiceGuess], envs: list[str], bounds: FoundBounds | None = None) -> str:
    lines = [
        "# portlint configuration, written by `portlint init`. Edit it: it is your port policy.",
        "# Reference: docs/model-config.md; run `portlint check` after each change.",
        "",
    ]
    if envs:
        lines += ["# Environments found in the configuration (config/<env>.yaml, .env.<env>, parameter paths).",
                  f"environments = {toml_array(envs)}", ""]
    lines += ["# Configuration layers, highest precedence first.",
              f"# precedence = {json.dumps(DEFAULT_PRECEDENCE)}", "",
              "# Port ranges: none found (a range is your policy). Name ranges here, then give a",
              "# service `range = \"<name>\"`; PL304 checks its port lies inside. For example:",
              "# [ranges]",
              "# frontends = [20000, 20099]", "",
              "# Services and the port each uses, inferred from the port most of its places use.",
              "# Check each line; add `aliases = [...]` for other names of a service and",
              "# `env = [...]` for the variables that set its port.",
              "[services]"]
    for guess in services:
        lines += _service_lines(guess)
    if not services:
        lines.append("# no service with a port was found; add lines like: fastapi = { port = 8000, range = \"api\" }")
    lines += _validation_lines(bounds or FoundBounds())
    return "\n".join(lines) + "\n"


def _validation_lines(bounds: FoundBounds) -> list[str]:
    """The bounds a validation script of the repository enforces; else the keys, commented out
    (portlint validates nothing the repository does not ask for)."""
    if not bounds.values:
        lines = ["", "# Validation bounds: none found. PL306 checks only the keys you set here; their shapes:",
                 "# [validation]"]
        return lines + [f"# {key} = {json.dumps(VALIDATION_EXAMPLES[key][0])}  # {VALIDATION_EXAMPLES[key][1]}"
                        for key in VALIDATION_KEYS]
    lines = ["", "# Validation bounds, as the repository's own validation script enforces them.", "[validation]"]
    for key in VALIDATION_KEYS:
        if key in bounds.values:
            lines.append(f"{key} = {json.dumps(bounds.values[key])}  # from {json.dumps(bounds.sources[key])}")
    return lines


def _service_lines(guess: ServiceGuess) -> list[str]:
    total = sum(len(locs) for locs in guess.places.values())
    out = [comment(f"{guess.name}: {guess.port} in {len(guess.places[guess.port])} of {total} places")]
    for port, locs in guess.places.items():
        if port != guess.port:
            shown = ", ".join(loc.short for loc in locs[:3]) + (", ..." if len(locs) > 3 else "")
            out.append(comment(f"  also {port} at {shown}"))
    key = guess.name if _BARE_KEY.fullmatch(guess.name) else toml_string(guess.name)
    if "/" in guess.name:  # one app's service (links.services.qualify): the catalog names services repo-wide
        out.append(comment(f"{guess.name} is one app's service; catalog names are repo-wide, so it is not written"))
        return out
    out.append(f"{key} = {{ port = {guess.port} }}")
    return out


# Scanned names and paths reach the file: each is escaped for where it goes, so that no name
# (``"x\n[rules]\nPL204 = false"``) can add a line, a table or a key of its own.
_TOML_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}
_TOML_MUST_ESCAPE = re.compile('["\\\\\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]')


def toml_string(text: str) -> str:
    """A TOML basic string: quote, backslash, control and bidi characters escaped (``\\u202E``)."""
    def one(match: re.Match) -> str:
        char = match.group()
        return _TOML_ESCAPES.get(char) or f"\\u{ord(char):04X}"

    return '"' + _TOML_MUST_ESCAPE.sub(one, text) + '"'


def toml_array(values: list[str]) -> str:
    return "[" + ", ".join(toml_string(v) for v in values) + "]"


def comment(text: str) -> str:
    """A TOML comment line: controls, line breaks and bidi overrides shown escaped, never raw."""
    return "# " + visible(text)
