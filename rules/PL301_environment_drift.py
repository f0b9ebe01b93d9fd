"""
## What it does
Computes the effective value of every port key (`fastapi.port`, `airflow.webserver_port`) in
every environment — the value that wins under the configured precedence, Parameter Store >
environment variables > YAML > code defaults by default — and reports an environment whose
port differs from the others', or where nothing sets a port the other environments set.

The environment that differs from the majority is reported (on a tie, the one that differs from
the `[services]` standard, else the later one), with the other environments' values and where
they come from. Unresolved values are skipped.

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

from portlint.layers import (Effective, by_key, contributions, deployed, effective_values, environments, explain,
                             precedence_line)
from portlint.model import Problem, Related

ID = "PL301"
NAME = "environment-drift"
SEVERITY = "warning"
GROUP = "consistency"
SUMMARY = "A service's effective port differs between environments"
TAGS = ("config",)
FIX = ("the odd environment's winning value is set to the majority's, or to the allocation standard's on a tie. "
       "Not fixed: a tie the standard does not break.")


def check(ctx) -> Iterator[Problem]:
    graph = ctx.graph
    envs = deployed(environments(graph))  # a developer's machine (a bare .env) may differ
    for (service, key), per_env in by_key(effective_values(graph)).items():
        per_env = {env: e for env, e in per_env.items() if env in envs}
        values = {env: e for env, e in per_env.items() if e.is_port and e.known and e.winner.number is not None}
        if not values:
            continue
        yield from _drift(graph, service, key, values, envs)
        yield from _missing(graph, service, key, values, per_env, envs)


def _drift(graph, service: str, key: str, values: dict[str, Effective], envs: list[str]) -> Iterator[Problem]:
    counts = Counter(e.winner.number for e in values.values())
    if len(counts) < 2:
        return
    majority = _majority(counts, graph.config.services.get(service), envs, values)
    odd: dict = {}
    for env, value in values.items():
        if value.winner.number != majority:
            odd.setdefault(value.winner.location, []).append(value)
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
            fix_intent=_intent(graph, winner, majority, counts, graph.config.services.get(service)),
        )


def _intent(graph, winner, majority: int, counts: Counter, policy):
    """Set the odd environment's winning value to the majority's, when the majority is clear or the standard's."""
    from portlint.fix.intent import at_location

    best = counts[majority]
    if policy is not None and policy.port is not None and policy.port != majority:
        return at_location(graph, winner.location, winner.text, None,
                           f"the allocation standard gives {policy.port}, the majority {majority}: not fixed")
    if sum(1 for c in counts.values() if c == best) == 1:
        return at_location(graph, winner.location, winner.text, majority,
                           f"{best} of {sum(counts.values())} environments use {majority}")
    if policy is not None and policy.port == majority:
        return at_location(graph, winner.location, winner.text, majority, f"the allocation standard gives {majority}")
    split = ", ".join(f"{n} say {v}" for v, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    return at_location(graph, winner.location, winner.text, None, f"environments are split ({split}): not fixed")


def _majority(counts: Counter, policy, envs: list[str], values: dict[str, Effective]) -> int:
    best = max(counts.values())
    tied = [number for number, count in counts.items() if count == best]
    if len(tied) == 1:
        return tied[0]
    if policy is not None and policy.port in tied:
        return policy.port
    order = {env: i for i, env in enumerate(envs)}
    first_env = min(values, key=lambda env: order.get(env, len(order)))
    return values[first_env].winner.number


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
