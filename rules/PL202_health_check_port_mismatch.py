"""
## What it does
Reports a target group whose `health_check.port` is set explicitly to a port the service it
serves does not listen on. `port = "traffic-port"` (the default: the port traffic goes to) is
always fine. The service and its ports are found as in PL201 (target-group-port-mismatch).

## Why is this bad
The load balancer only routes to targets that pass the health check. A check on a port nothing
listens on marks every target unhealthy: the service is down behind a load balancer that looks
correctly configured.

## Example
```hcl
resource "aws_lb_target_group" "fastapi" {
  port = 8000
  health_check {
    path = "/health"
    port = "8080"      # FastAPI listens on 8000 only
  }
}
```

## Use instead
```hcl
resource "aws_lb_target_group" "fastapi" {
  port = 8000
  health_check {
    path = "/health"
    port = "traffic-port"
  }
}
```
"""

from __future__ import annotations

from collections.abc import Iterator

from portlint.links.terraform import (describe_fact, membership_steps, served_target_groups, service_port_facts,
                                      value_origin)
from portlint.fix.intent import standard_for, to_the_only_value
from portlint.model import PortFact, Problem, Related, Role

ID = "PL202"
NAME = "health-check-port-mismatch"
SEVERITY = "error"
GROUP = "consistency"
SUMMARY = "A target group's health check probes a port its service does not listen on"
TAGS = ("terraform", "cross-stack")
FIX = ("the health check port is set to the one port the service listens on, when every place agrees on it and "
       "the allocation standard does not give the health check's value. Not fixed: a value from a variable.")


def check(ctx) -> Iterator[Problem]:
    graph = ctx.graph
    for group, service in served_target_groups(graph):
        for fact in graph.facts(group, role=Role.PROBE):
            if fact.attrs.get("traffic_port") or fact.value.number is None:
                continue
            problem = _compare(ctx, group, service, fact)
            if problem is not None:
                yield problem


def _compare(ctx, group, service: str, probe: PortFact) -> Problem | None:
    listens = service_port_facts(ctx.graph, service, probe.environment)
    if not listens or probe.value.number in {f.value.number for f in listens}:
        return None
    ports = ", ".join(sorted({f.value.text for f in listens}, key=int))
    env = f" in {probe.environment}" if probe.environment else ""
    address = group.attrs.get("address", group.ref.name)
    return Problem(
        location=probe.location,
        message=(f"health check of target group {address} probes port {probe.value.text}{value_origin(probe)}{env}, "
                 f"but service {service!r} listens on {ports}: every target fails the check and gets no traffic"),
        related=tuple(Related(f.location, describe_fact(f)) for f in listens),
        fix=f'use port = "traffic-port" (or {min(f.value.number for f in listens)}) in health_check',
        key=f"{group.id}|{service}|health_check|{probe.value.text}",
        explain=membership_steps(ctx.graph, group.id, listens),
        fix_intent=to_the_only_value(probe, probe.value.text, [f.value.number for f in listens], ctx.graph,
                                     f"service {service!r} listens only on {{}}", standard_for(ctx.graph, service)),
    )
