"""
## What it does
Reports an `aws_lb_target_group` that no `aws_lb_listener` or `aws_lb_listener_rule` of its
module forwards to. It stays silent when the module was not scanned in full, when a listener
forwards to a target group given indirectly (`var.tg_arn`, `module.x.arn`), when the target
group is exported through an `output` (another stack, or a Kubernetes `TargetGroupBinding`, may
use it), when it is switched off (`count = 0`), and when a CodeDeploy blue/green deployment group
switches traffic to it (`target_group_pair_info`: the idle group of the pair has no listener
between deployments).

## Why is this bad
A target group receives traffic only through a listener. Without one, the port, the health
check and every registered target are dead configuration: the service is not reachable
through this load balancer, and whoever reads the file believes it is.

## Example
```hcl
resource "aws_lb_target_group" "fastapi" {
  port     = 8000
  protocol = "HTTP"
}
# no listener forwards to it
```

## Use instead
```hcl
resource "aws_lb_listener_rule" "api" {
  listener_arn = aws_lb_listener.http.arn
  condition {
    path_pattern { values = ["/api/*"] }
  }
  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.fastapi.arn
  }
}
```
"""

from __future__ import annotations

from collections.abc import Iterator

from portlint.graph import explain_link, service_of
from portlint.links.terraform import LISTENER_KINDS, LISTENER_RULE_KINDS, TARGET_GROUP_KINDS, module_label
from portlint.model import Problem, Related, Role

ID = "PL209"
NAME = "target-group-unused"
SEVERITY = "warning"
GROUP = "consistency"
SUMMARY = "No listener forwards to a target group, so it receives no traffic"
TAGS = ("terraform",)


def check(ctx) -> Iterator[Problem]:
    graph = ctx.graph
    listeners = list(graph.entities(LISTENER_KINDS + LISTENER_RULE_KINDS))
    for group in graph.entities(TARGET_GROUP_KINDS):
        if not group.attrs.get("module_complete") or group.attrs.get("exported") or group.attrs.get("switched_off"):
            continue
        if graph.incoming(group.id, "forwards-to") or graph.incoming(group.id, "switches"):
            continue  # a listener forwards to it, or CodeDeploy blue/green switches traffic to it
        local = [x for x in listeners if x.ref.namespace == group.ref.namespace]
        if any(x.attrs.get("indirect_targets") for x in local):
            continue
        yield _problem(ctx, group, local)


def _problem(ctx, group, listeners: list) -> Problem:
    address = group.attrs.get("address", group.ref.name)
    port = next((f for f in ctx.graph.facts(group, role=Role.TARGET, field="port")), None)
    service = service_of(ctx.graph, group.id)
    serves = f" for service {service.ref.name!r}" if service is not None else ""
    on_port = f" (port {port.value.text})" if port is not None else ""
    module = module_label(group)
    return Problem(
        location=group.location,
        message=(f"no listener forwards to target group {address}{on_port}{serves}: it receives no traffic, "
                 f"so its port and health check are never used"),
        related=tuple(Related(x.location, f"{x.attrs.get('address', x.ref.name)} forwards elsewhere") for x in listeners[:5]),
        fix=f"add an aws_lb_listener (or listener rule) whose forward action targets {address}.arn, "
            "or delete the target group if the load balancer lives elsewhere",
        key=f"{group.id}|unused",
        explain=(f"{len(listeners)} listener(s) and listener rule(s) in {module}, none forwarding to {address}",
                 *(explain_link(link) for link in ctx.graph.incoming(group.id, "member"))),
    )
