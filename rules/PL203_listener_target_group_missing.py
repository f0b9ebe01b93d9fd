"""
## What it does
Reports an `aws_lb_listener` or `aws_lb_listener_rule` that forwards (`target_group_arn`, or a
weighted `forward { target_group { arn } }`) to an `aws_lb_target_group` that no `.tf` file of
its module declares — usually a renamed or deleted target group, or a typo. References through
variables, data sources and module outputs are not checked.

## Why is this bad
`terraform plan` fails with "Reference to undeclared resource" in whichever pipeline runs it
first; if the reference was meant for another module's target group, the listener forwards to
nothing you can see in this repository.

## Example
```hcl
resource "aws_lb_target_group" "fastapi" { port = 8000 }

resource "aws_lb_listener" "http" {
  port = 80
  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.api.arn
  }
}
```

## Use instead
```hcl
resource "aws_lb_listener" "http" {
  port = 80
  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.fastapi.arn
  }
}
```
"""

from __future__ import annotations

from collections.abc import Iterator

from portlint.links.terraform import LISTENER_KINDS, LISTENER_RULE_KINDS, TARGET_GROUP_KINDS, module_label
from portlint.model import Problem, Related

ID = "PL203"
NAME = "listener-target-group-missing"
SEVERITY = "error"
GROUP = "consistency"
SUMMARY = "A listener forwards to a target group that is not declared"
TAGS = ("terraform",)

_TARGET_GROUP_TYPES = tuple(kind.split("/", 1)[1] for kind in TARGET_GROUP_KINDS)


def check(ctx) -> Iterator[Problem]:
    graph = ctx.graph
    by_module: dict[str, list] = {}
    for group in graph.entities(TARGET_GROUP_KINDS):
        by_module.setdefault(group.ref.namespace, []).append(group)
    for listener in graph.entities(LISTENER_KINDS + LISTENER_RULE_KINDS):
        declared = by_module.get(listener.ref.namespace, [])
        for ref in listener.attrs.get("refs", []):
            if ref["type"] in _TARGET_GROUP_TYPES and "target_group" in ref["path"] and not ref["declared"]:
                yield _problem(listener, ref, declared)


def _problem(listener, ref: dict, declared: list) -> Problem:
    module = module_label(listener)
    source = listener.attrs.get("address", listener.ref.name)
    names = ", ".join(g.attrs.get("address", g.ref.name) for g in declared) or "none"
    return Problem(
        location=ref["location"],
        message=(f"{source} forwards to {ref['address']}, which no file of {module} declares "
                 f"(target groups declared there: {names}): terraform plan fails and no traffic is forwarded"),
        related=tuple(Related(g.location, f"{g.attrs.get('address', g.ref.name)} is declared here") for g in declared[:5]),
        fix="point target_group_arn at a declared aws_lb_target_group (check for a rename), or declare the missing one",
        key=f"{listener.id}|{ref['address']}",
        explain=(f"{source} {ref['path']} = {ref['address']}.{ref['attribute']} at {ref['location'].short}",
                 f"no resource {ref['address']} in the .tf files of {module}"),
    )
