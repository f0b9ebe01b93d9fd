"""
## What it does
Computes the effective value of every port key (`fastapi.port`, `airflow.webserver_port`) in
every environment — the value that wins under the configured precedence, Parameter Store >
environment variables > YAML > code defaults by default — and reports an environment whose
port differs from the others', or where nothing sets a port the other environments set.

The environment that differs from the majority is reported, with the other environments' values
and where they come from. On a tie the `[services]` standard decides which side is the outlier;
when no standard is among the tied values, nothing says which side is right, and one finding
names every environment's value (the audit's matrix marks them all as drifting too). A
developer's machine (a bare `.env`) is not compared. Unresolved values are skipped.

## Why is this bad
Environments are meant to be copies of each other: the same ports in dev, UAT and production.
A port that drifts in one environment passes every test in the others and breaks on release —
the manifests, load balancer target groups and security groups are written for one port.

## Example
```yaml
# config/dev.yaml
dash:
  port: 8050
# config/prod.yaml
dash:
  port: 8051
```

## Use instead
```yaml
# config/dev.yaml
dash:
  port: 8050
# config/prod.yaml
dash:
  port: 8050
```
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from portlint.layers import (Effective, contributions, deployed, effective_by_key, environments, explain,
                             precedence_line)
from portlint.model import Problem, Related
from portlint.query import Drift, port_keys, standard_port, value_drift

ID = "PL301"
NAME = "environment-drift"
SEVERITY = "warning"
GROUP = "consistency"
SUMMARY = "A service's effective port differs between environments"
TAGS = ("config",)
FIX = ("the odd environment's winning value is set to the majority's, or to the allocation standard's on a tie. "
       "Not fixed: a tie the standard does not break, a majority the standard disagrees with.")


def check(ctx) -> Iterator[Problem]:
    graph = ctx.graph
    envs = deployed(environments(graph))  # a developer's machine (a bare .env) may differ
    grouped = effective_by_key(graph)
    keys = port_keys(grouped)
    for (service, key), per_env in grouped.items():
        if not next(iter(per_env.values())).is_port:
            continue  # a setting (workers, host): is_port is the key's, the same in every environment
        per_env = {env: e for env, e in per_env.items() if env in envs}
        values = {env: e for env, e in per_env.items() if e.is_port and e.known and e.winner.number is not None}
        if not values:
            continue
        standard = standard_port(graph.config, service, key, keys.get(service, set()))
        drift = value_drift(per_env, standard)
        if drift.reference is not None:
            yield from _drift(graph, service, key, values, drift, standard)
        elif drift.drifts:
            yield _no_majority(graph, service, key, values, envs)
        yield from _missing(graph, service, key, values, per_env, envs)


def _drift(graph, service: str, key: str, values: dict[str, Effective], drift: Drift,
           standard: int | None = None) -> Iterator[Problem]:
    majority = drift.reference
    odd: dict = {}
    for env in drift.outliers:
        odd.setdefault(values[env].winner.location, []).append(values[env])
    for location, group in sorted(odd.items()):
        winner = group[0].winner
        names = ", ".join(v.environment for v in group)
        others = [v for v in values.values() if v.winner.number == majority]
        where = "; ".join(f"{v.environment} {majority} from {v.winner.layer} at {v.winner.location.short}"
                          for v in others)
        yield Problem(
            location=location,
            message=(f"{service}.{key} is {winner.text} in {names} ({winner.layer} layer) but {majority} in "
                     f"{', '.join(v.environment for v in others)}: environments should use the same port, "
                     f"and everything written for {majority} breaks in {names}"),
            related=tuple(Related(v.winner.location, f"{v.environment} gets {majority} from {v.winner.layer} here")
                          for v in others),
            fix=f"set {service}.{key} to {majority} in {names}, or move every environment to {winner.text}",
            key=f"{service}.{key}|{names}|{winner.text}",
            explain=(*explain(graph, winner), f"other environments: {where}", precedence_line(graph.config)),
            fix_intent=_intent(graph, winner, drift, standard),
        )


def _no_majority(graph, service: str, key: str, values: dict[str, Effective], envs: list[str]) -> Problem:
    """As many environments on one port as on another, and no standard among them: one finding
    naming every side, at the last environment's value; nothing says which side is right."""
    order = {env: i for i, env in enumerate(envs)}
    ranked = sorted(values.values(), key=lambda v: order.get(v.environment, len(order)))
    last = ranked[-1]
    sides = "; ".join(f"{v.environment} {v.winner.text} from {v.winner.layer} at {v.winner.location.short}"
                      for v in ranked)
    texts = " or ".join(dict.fromkeys(v.winner.text for v in ranked))
    return Problem(
        location=last.winner.location,
        message=(f"{service}.{key} differs between environments with no majority ({sides}): environments should "
                 f"use the same port, and nothing says which one is right"),
        related=tuple(Related(v.winner.location, f"{v.environment} gets {v.winner.text} from {v.winner.layer} here")
                      for v in ranked[:-1]),
        fix=(f"set {service}.{key} to one port ({texts}) in every environment, or declare its standard port "
             f"in [services]"),
        key=f"{service}.{key}|{', '.join(v.environment for v in ranked)}|no-majority",
        explain=(*explain(graph, last.winner), f"environments: {sides}", precedence_line(graph.config)),
        fix_intent=_intent(graph, last.winner, Drift({v.environment: v.winner.number for v in ranked}, None, ()), None),
    )


def _intent(graph, winner, drift: Drift, standard: int | None):
    """Set the outlier's winning value to the reference: a clear majority, or the standard on a tie;
    never against the standard, never on a split."""
    from portlint.fix.intent import at_location

    counts = Counter(drift.values.values())
    reference = drift.reference
    if reference is None:
        split = ", ".join(f"{n} say {v}" for v, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
        return at_location(graph, winner.location, winner.text, None, f"environments are split ({split}): not fixed")
    if standard is not None and standard != reference:
        return at_location(graph, winner.location, winner.text, None,
                           f"the allocation standard gives {standard}, the majority {reference}: not fixed")
    if sorted(counts.values())[-2:] != [counts[reference]] * 2:
        return at_location(graph, winner.location, winner.text, reference,
                           f"{counts[reference]} of {sum(counts.values())} environments use {reference}")
    return at_location(graph, winner.location, winner.text, reference, f"the allocation standard gives {reference}")


def _missing(graph, service: str, key: str, values: dict[str, Effective], per_env: dict[str, Effective],
             envs: list[str]) -> Iterator[Problem]:
    """An environment where no layer sets the port at all, while others do."""
    for env in envs:
        if env in per_env:
            continue
        anchor = _anchor(graph, service, env)
        if anchor is None:
            continue
        example = next(iter(values.values())).winner
        where = "; ".join(f"{v.environment} {v.winner.text} from {v.winner.layer} at {v.winner.location.short}"
                          for v in values.values())
        yield Problem(
            location=anchor,
            message=(f"{service}.{key} is not set for {env} by any layer, but {where}: {service} gets no port "
                     f"in {env} (or whatever its code falls back to)"),
            related=tuple(Related(v.winner.location, f"{v.environment} sets {v.winner.text} here")
                          for v in values.values()),
            fix=f"set {service}.{key}: {example.text} in {env}'s configuration, or in a layer every environment shares",
            key=f"{service}.{key}|{env}|missing",
            explain=(f"{env}: no contribution for {service}.{key}", precedence_line(graph.config)),
        )


def _anchor(graph, service: str, env: str):
    """Where the environment's own configuration of the service is written (its section)."""
    own = [c for c in contributions(graph) if c.environment == env and not c.env_conditional and not c.documented]
    for candidates in ([c for c in own if c.service == service], own):
        for contribution in sorted(candidates, key=lambda c: c.location):
            entity = graph.entity(contribution.owner)
            return entity.location if entity is not None else contribution.location
    return None
