"""
## What it does
Compares each fallback written in code — `cfg.get('port', 8000)`, `os.getenv('FASTAPI_PORT',
'8000')`, `Number(process.env.PORT) || 3000` in a vite config — with the value the configuration
gives the same key or environment variable in each environment (the effective value under the
configured precedence: Parameter Store > environment variables > YAML by default), and reports
a fallback that differs. Environments where the code default itself is the effective value (no
layer sets the key) are not compared; unresolved values are skipped. A vite fallback that is
live in vite's implicit mode (``development`` for the dev server: no ``.env``, ``.env.local``,
``.env.development`` beside the config sets the variable) is that mode's port, so another
mode's file (``.env.ci``, read only by ``vite --mode ci``) is not compared with it.

## Why is this bad
A fallback is what the app binds when the configuration does not load: a missing parameter, an
unset variable, a YAML file not shipped with the image. A fallback that differs from the
configured port turns that failure into an app that starts, looks healthy in its logs, and
listens where no Service, proxy or load balancer sends traffic.

## Example
```python
# config/dev.yaml sets fastapi.port: 8000
fastapi_config = config.get("fastapi", {})
uvicorn.run(app, port=fastapi_config.get("port", 8080))
```

## Use instead
```python
fastapi_config = config.get("fastapi", {})
uvicorn.run(app, port=fastapi_config.get("port", 8000))
```
"""

from __future__ import annotations

from collections.abc import Iterator

from portlint.graph import explain_link
from portlint.layers import Contribution, effective_values, env_phrase
from portlint.links.vite_modes import is_other_mode_value
from portlint.model import Problem, Related

ID = "PL401"
NAME = "code-default-differs-from-config"
SEVERITY = "warning"
GROUP = "consistency"
SUMMARY = "A port fallback in code differs from the configured value of the same key"
TAGS = ("application", "configuration")
CODE_LAYER = "code"


def check(ctx) -> Iterator[Problem]:
    graph = ctx.graph
    differing: dict[Contribution, list[tuple[str, Contribution]]] = {}
    for effective in effective_values(graph):
        if not effective.is_port or not effective.known or effective.winner.layer == CODE_LAYER:
            continue
        winner = effective.winner
        for contribution in effective.contributions:
            if contribution.layer != CODE_LAYER or contribution.unresolved or contribution.number is None:
                continue
            if winner.number is None or contribution.number == winner.number:
                continue
            if is_other_mode_value(graph, contribution, winner):
                continue  # another vite mode's own port: the fallback is the implicit mode's port
            differing.setdefault(contribution, []).append((effective.environment, winner))
    for default in sorted(differing, key=lambda c: (c.location, c.config_key)):
        yield _problem(graph, default, differing[default])


def _problem(graph, default: Contribution, against: list[tuple[str, Contribution]]) -> Problem:
    values = sorted({winner.number for _, winner in against})
    envs = ", ".join(f"{env_phrase([env], '')}{': ' if env_phrase([env], '') else ''}{winner.text} from {winner.layer}"
                     for env, winner in against)
    related = []
    for winner in sorted({w for _, w in against}, key=lambda w: (w.location, w.layer, w.environment or "")):
        where = [env for env, w in against if w == winner]
        related.append(Related(winner.location, f"{winner.layer} sets {default.config_key} to {winner.text} "
                                                f"(wins{env_phrase(where)})"))
    configured = " / ".join(str(v) for v in values)
    return Problem(
        location=default.location,
        message=(f"code default {default.text} for {default.config_key} differs from the configured value "
                 f"({envs}): if the configuration fails to load, the app binds {default.text} instead of "
                 f"{configured}"),
        related=tuple(related),
        fix=(f"make the fallback {configured}" if len(values) == 1 else
             "make the fallback the port every environment configures")
        + ", or read the port without a fallback so that missing configuration fails loudly",
        key=f"{default.owner}|{default.config_key}|{default.text}",
        explain=tuple(explain_link(link) for link in graph.incoming(default.owner, "member")),
    )
