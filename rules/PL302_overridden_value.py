"""
## What it does
For every config key of every service (ports and settings such as `workers`), in every
environment, finds the layer that wins under the configured precedence (Parameter Store >
environment variables > YAML > code defaults by default) and reports each lower layer that sets
a *different* value: a value that never takes effect. The message names the layer that wins and
where.

Code defaults (`cfg.get('port', 8000)`) are fallbacks by design and are not reported (option
`ignore_layers`). Values only a doc mentions (a runbook's `aws ssm put-parameter`) never win and
are not reported here. Unresolved values are skipped.

## Why is this bad
Someone edits `config/prod.yaml` to scale production to 8 workers; Parameter Store still says 4,
and Parameter Store wins. The change is reviewed, merged and deployed, and does nothing. Dead
values mislead every reader of the file.

## Example
```yaml
# config/prod.yaml — Parameter Store sets fastapi workers to '4' for prod
fastapi:
  workers: 8
```

## Use instead
```yaml
# config/prod.yaml — leave the key to the layer that owns it, or set the same value
fastapi:
  workers: 4
```
"""

from __future__ import annotations

from collections.abc import Iterator

from portlint.layers import (Contribution, Effective, effective_values, env_phrase, explain, precedence_line,
                             same_value)
from portlint.model import Problem, Related
from portlint.config import LAYERS
from portlint.options import Option

ID = "PL302"
NAME = "overridden-value"
SEVERITY = "warning"
GROUP = "consistency"
SUMMARY = "A configuration layer sets a value that a higher layer overrides with a different one"
TAGS = ("config",)
OPTIONS = {"ignore_layers": Option(list[str], ["code"], "layers whose overridden values are expected (code defaults)",
                                   choices=LAYERS)}


def check(ctx) -> Iterator[Problem]:
    ignored = set(ctx.options["ignore_layers"])
    dead: dict[Contribution, list[Effective]] = {}
    for value in effective_values(ctx.graph):
        if not value.known:
            continue
        for loser in value.overridden():
            if loser.layer in ignored or same_value(loser, value.winner):
                continue
            dead.setdefault(loser, []).append(value)
    for loser in sorted(dead, key=lambda c: (c.location, c.config_key)):
        yield _problem(ctx.graph, loser, dead[loser])


def _problem(graph, loser: Contribution, values: list[Effective]) -> Problem:
    envs = env_phrase([v.environment for v in values])
    winners: dict = {}
    for value in values:
        winners.setdefault(value.winner, []).append(value.environment)
    wins = "; ".join(_wins(w, names) for w, names in winners.items())
    setter = _setup_note(loser, winners)
    return Problem(
        location=loser.location,
        message=(f"{loser.config_key} is {loser.text!r} in the {loser.layer} layer here, but {wins}: "
                 f"this value never takes effect{envs}{setter}"),
        related=tuple(Related(w.location, f"{w.layer} sets {loser.config_key} to {w.text!r}{env_phrase(names, ' for ')}")
                      for w, names in winners.items()),
        fix=(f"remove {loser.config_key} from this {loser.layer} source, or set the value where it wins "
             f"({', '.join(sorted({w.location.path for w in winners}))})"),
        key=f"{loser.config_key}|{loser.layer}|{loser.location.path}|{loser.text}",
        explain=(*explain(graph, loser), *(line for w in winners for line in explain(graph, w)[-1:]),
                 precedence_line(graph.config)),
    )


def _wins(winner: Contribution, names: list[str]) -> str:
    where = env_phrase(names, "in ")
    return f"{where + ' ' if where else ''}the {winner.layer} layer wins with {winner.text!r} ({winner.location.short})"


def _setup_note(loser: Contribution, winners: dict) -> str:
    """The Parameter Store script reads an env var at setup time: say so when this one is it."""
    for winner in winners:
        if winner.env_var and loser.env_var == winner.env_var and winner.layer != loser.layer:
            return (f" (unless {winner.env_var} is set when {winner.location.path} runs: "
                    f"the {winner.layer} layer then stores that value)")
    return ""
