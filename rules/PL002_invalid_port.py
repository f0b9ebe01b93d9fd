"""
## What it does
Reports any port value, from any reader, that is not an integer in 1–65535: `0`, `70000`,
`"80a"`, a negative number, or a name where the format only accepts a number (a named
`containerPort`), or a required port that a Helm template renders empty because a `.Values`
key is missing (the finding names the key). Where a format allows 0 (a firewall rule's `from_port = 0`) or a port name
(a Service `targetPort: http`), the reader says so and this rule accepts it.
A placeholder is a value still to fill in, unknown rather than invalid: `<service-port>`,
`${PORT:-8080}`, `$PORT`, `{{ port }}`, `{PORT}`, an ALL-CAPS word such as `LISTEN_PORT` or `PORT`.
A port setting (an environment variable, a config key) left empty is unset, and one written as a
listen address (`:8080`, `0.0.0.0:8080`, `[::]:8080`) is that port.

## Why is this bad
An out-of-range or malformed port is rejected by the tool that applies it, or worse, silently
coerced: a typo in one layer of configuration becomes an outage at deploy time.

## Example
```yaml
ports:
  - containerPort: 80800
```

## Use instead
```yaml
ports:
  - containerPort: 8080
```
"""

from __future__ import annotations

from collections.abc import Iterator

from portlint.model import PortFact, Problem

ID = "PL002"
NAME = "invalid-port"
SEVERITY = "error"
GROUP = "consistency"
SUMMARY = "A port value is not an integer in 1-65535"
TAGS = ("validation",)


def check(ctx) -> Iterator[Problem]:
    for fact in ctx.graph.facts():
        value = fact.value
        number = value.number
        if number is not None and 0 < number <= 65535 and value.span is None and not value.unresolved:
            continue  # most ports: valid whatever the fact allows (zero, names)
        problem = _problem(fact)
        missing = fact.attrs.get("missing_values_key")
        if problem and missing:
            yield Problem(
                location=fact.location,
                message=f"{fact.field} of {fact.owner.label} renders empty: {missing} is not set in the chart's values",
                fix=f"set {missing} in values.yaml (or give the template a default)",
                key=f"{fact.owner.id}|{fact.field}|{missing}",
            )
        elif problem:
            yield Problem(
                location=fact.location,
                message=f"{fact.field} of {fact.owner.label} is {fact.value.text!r}: {problem}",
                fix="use an integer port between 1 and 65535",
                key=f"{fact.owner.id}|{fact.field}|{fact.value.text}",
            )


def _problem(fact: PortFact) -> str | None:
    value = fact.value
    if value.unresolved:
        return None
    bounds = value.bounds
    if bounds is not None:
        low = 0 if fact.attrs.get("allows_zero") else 1
        if not (low <= bounds[0] <= 65535 and low <= bounds[1] <= 65535):
            return f"outside {low}-65535"
        return None
    if value.name is not None:
        return None if fact.attrs.get("accepts_name") else "a name where a number is required"
    return "not a port number"
