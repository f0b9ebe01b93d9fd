"""
## What it does
Reports a Kubernetes port name the API server rejects:

- a container port `name` that is not an IANA service name (IANA_SVC_NAME): at most 15
  characters, only lowercase letters, digits and hyphens, at least one letter, and no leading,
  trailing or double hyphen (`http_api`, `HTTP`, `metrics-endpoint-1`, `8080`);
- a quoted number where Kubernetes takes a number *or* a name (`targetPort: "8080"`, a probe's
  `port: "8080"`, an Ingress `servicePort: "80"`): the API server reads the quoted value as a
  port *name*, and a name made of digits only is not a valid name.

## Why is this bad
`kubectl apply` fails on the whole manifest, usually in CI or at deploy time, far from where the
name was written. A name that is not valid cannot be referenced by a Service `targetPort`, a probe
or a NetworkPolicy either.

## Example
```yaml
ports:
  - name: http_metrics
    containerPort: 9090
---
  ports:
    - port: 80
      targetPort: "8080"
```

## Use instead
```yaml
ports:
  - name: http-metrics
    containerPort: 9090
---
  ports:
    - port: 80
      targetPort: 8080
```
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

from portlint.describe import container_name
from portlint.model import PortFact, PortValue, Problem, Role

ID = "PL110"
NAME = "invalid-port-name"
SEVERITY = "error"
GROUP = "consistency"
SUMMARY = "A Kubernetes port name is not a valid IANA service name"
TAGS = ("kubernetes", "validation")
CONTAINER = "k8s/Container"


def check(ctx) -> Iterator[Problem]:
    graph = ctx.graph
    for fact in graph.facts():
        if fact.owner.kind == CONTAINER and fact.role is Role.LISTEN:
            problem = _bad_container_name(graph, fact)
        elif fact.attrs.get("quoted_number") and not fact.value.unresolved:
            problem = _quoted_number(fact)
        else:
            problem = None
        if problem is not None:
            yield problem


def _bad_container_name(graph, fact: PortFact) -> Problem | None:
    name = fact.port_name
    where = fact.attrs.get("port_name_location")
    if name is None or where is None or fact.attrs.get("port_name_unresolved") or _valid(name):
        return None
    return Problem(
        location=where,
        message=(f"container {container_name(graph, fact)} names containerPort {fact.value.text}/{fact.protocol} "
                 f"{name!r}: {_why(name)}, so the API server rejects the manifest"),
        fix=f"rename it to {_suggest(name)!r} (and every targetPort or probe that uses the old name)",
        key=f"{fact.owner.id}|{fact.slot}|name|{name}",
    )


def _quoted_number(fact: PortFact) -> Problem:
    text = fact.value.text
    return Problem(
        location=fact.location,
        message=(f"{fact.field} of {fact.owner.label} is the quoted string \"{text}\": Kubernetes reads a quoted "
                 f"value there as a port name, and a name of digits only is not a valid name"),
        fix=f"write the number without quotes ({fact.field}: {text}), or use the container port's name",
        key=f"{fact.owner.id}|{fact.slot}|{fact.field}|quoted",
    )


def _valid(name: str) -> bool:
    if isinstance(name, str):
        return _valid_text(name)
    return PortValue.parse(name).name == name


@lru_cache(maxsize=4096)
def _valid_text(name: str) -> bool:
    """Is ``name`` a valid port name (asked once per name: the same few repeat in every manifest)."""
    return PortValue.parse(name).name == name


def _why(name: str) -> str:
    if len(name) > 15:
        return f"it is {len(name)} characters long (at most 15)"
    if name.isdigit():
        return "it has no letter"
    if name.startswith("-") or name.endswith("-") or "--" in name:
        return "it starts or ends with a hyphen, or has two in a row"
    return "it holds characters other than lowercase letters, digits and hyphens"


def _suggest(name: str) -> str:
    cleaned = "".join(c if c.isascii() and c.isalnum() else "-" for c in name.lower())
    while "--" in cleaned:
        cleaned = cleaned.replace("--", "-")
    cleaned = cleaned.strip("-")[:15].strip("-")
    return cleaned if cleaned and any(c.isalpha() for c in cleaned) else "http"
