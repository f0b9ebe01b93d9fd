"""
## What it does
Reports an `aws_lb_target_group` whose `port` is not a port the service it serves listens on.
The target group joins its logical service by name (`fastapi`, or a `name` argument like
`"${var.project_name}-${var.environment}-fastapi"`), by the `[services]` catalog and its
aliases, or by port; the service's ports are what its members declare: Kubernetes
`containerPort`s, ECS `portMappings`, `env PORT`, the app's configured port (`fastapi.port`, per
environment). The catalog's own port is not used here (PL3xx compares with the standard).
A target group port that matches a `hostPort`/`nodePort` of the service is accepted too;
target groups of `target_type = "alb"` (an NLB in front of an ALB) are not compared.

## Why is this bad
The load balancer sends every request to the target group's port. If the app listens
elsewhere, the health check fails, the targets are marked unhealthy and users get 502/503 —
while every file looks fine on its own.

## Example
```hcl
resource "aws_lb_target_group" "fastapi" {
  name     = "${var.project_name}-${var.environment}-fastapi"
  port     = 8001          # the FastAPI container listens on 8000
  protocol = "HTTP"
}
```

## Use instead
```hcl
resource "aws_lb_target_group" "fastapi" {
  name     = "${var.project_name}-${var.environment}-fastapi"
  port     = 8000
  protocol = "HTTP"
}
```
"""

from __future__ import annotations

from collections.abc import Iterator

from portlint.links.terraform import (describe_fact, membership_steps, served_target_groups, service_port_facts,
                                      value_origin)
from portlint.fix.intent import standard_for, to_the_only_value
from portlint.model import PortFact, Problem, Related, Role

ID = "PL201"
NAME = "target-group-port-mismatch"
SEVERITY = "error"
GROUP = "consistency"
SUMMARY = "A target group's port is not a port its service listens on"
TAGS = ("terraform", "cross-stack")
FIX = ("the target group's port is set to the one port its service listens on, when every place agrees on it and "
       "the allocation standard does not give the target group's value. Not fixed: a value from a variable.")


def check(ctx) -> Iterator[Problem]:
    graph = ctx.graph
    for group, service in served_target_groups(graph):
        for fact in graph.facts(group, role=Role.TARGET, field="port"):
            problem = _compare(ctx, group, service, fact)
            if problem is not None:
                yield problem


def _compare(ctx, group, service: str, fact: PortFact) -> Problem | None:
    if fact.value.number is None:
        return None
    listens = service_port_facts(ctx.graph, service, fact.environment)
    if not listens:
        return None
    accepted = {f.value.number for f in listens}
    accepted |= {f.value.number for f in service_port_facts(ctx.graph, service, fact.environment, (Role.PUBLISH,))}
    if fact.value.number in accepted:
        return None
    ports = ", ".join(sorted({f.value.text for f in listens}, key=int))
    env = f" in {fact.environment}" if fact.environment else ""
    address = group.attrs.get("address", group.ref.name)
    return Problem(
        location=fact.location,
        message=(f"target group {address} sends traffic to port {fact.value.text}{value_origin(fact)}{env}, "
                 f"but service {service!r} listens on {ports}: the health check fails and requests get 502/503"),
        related=tuple(Related(f.location, describe_fact(f)) for f in listens),
        fix=f"set port = {min(f.value.number for f in listens)} on the target group, or move the service to port {fact.value.text} everywhere",
        key=f"{group.id}|{service}|{fact.value.text}",
        explain=membership_steps(ctx.graph, group.id, listens),
        fix_intent=to_the_only_value(fact, fact.value.text, [f.value.number for f in listens], ctx.graph,
                                     f"service {service!r} listens only on {{}}", standard_for(ctx.graph, service)),
    )
