"""
## What it does
Reports a firewall ingress rule open to the internet (`0.0.0.0/0`, `::/0`, Azure `*`/`Internet`,
a GCP ingress firewall without source) on every port (protocol `-1`/`all`/`*`) or on a wide port
range (`wide_range` ports or more, 100 by default): AWS security groups (inline, dynamic,
`aws_security_group_rule`, `aws_vpc_security_group_ingress_rule`), GCP `google_compute_firewall`
and Azure network security rules alike. Network ACLs are not reported: allow-all is the usual
subnet posture there, with security groups doing the filtering. A port range an earlier deny of
an ordered firewall (GCP, Azure) takes away entirely is not open.

## Why is this bad
A rule like that admits the internet to whatever happens to listen on the host, now or after
the next deploy: a debug port, a metrics endpoint, a database a colleague starts for a test.
Only the ports a service needs should be open, one rule per service.

## Example
```hcl
resource "aws_security_group" "app" {
  ingress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
```

## Use instead
```hcl
resource "aws_security_group" "app" {
  ingress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
```
"""

from __future__ import annotations

from collections.abc import Iterator

from portlint.graph import explain_link
from portlint.links.terraform import NACL_KINDS, FirewallRule, environments_note, firewall_rules, rules_by_slot
from portlint.model import Problem, Related
from portlint.options import Option

ID = "PL205"
NAME = "ingress-open-wide"
SEVERITY = "warning"
GROUP = "hygiene"
SUMMARY = "A firewall rule opens all ports or a wide port range to the internet"
TAGS = ("terraform", "security")
OPTIONS = {"wide_range": Option(int, 100, "a world-open range of this many ports or more is reported", minimum=1)}


def check(ctx) -> Iterator[Problem]:
    wide = ctx.options["wide_range"]
    for _, rules in sorted(rules_by_slot(firewall_rules(ctx.graph)).items()):
        flagged = [r for r in rules if _too_wide(r, wide)]
        if flagged:
            yield _problem(ctx, flagged)


def _too_wide(rule: FirewallRule, wide: int) -> bool:
    if rule.direction != "ingress" or rule.action != "allow" or not rule.world_cidrs:
        return False
    if rule.attrs.get("rule_kind") in NACL_KINDS:
        return False
    span = rule.ports()
    if span is None or any(low <= span[0] and span[1] <= high for low, high in rule.denied):
        return False
    return span == (0, 65535) or span[1] - span[0] + 1 >= wide


def _problem(ctx, rules: list[FirewallRule]) -> Problem:
    rule = rules[0]
    span = rule.ports() or (0, 65535)
    count = "" if rule.protocol == "all" and rule.family == "aws" else f" ({span[1] - span[0] + 1} ports)"
    worlds = " and ".join(sorted({c for r in rules for c in r.world_cidrs}))
    related = [Related(site, f"{cidr} is defined here") for r in rules
               for cidr, _, site, elsewhere in r.attrs.get("cidr_sites", []) if elsewhere]
    if rule.group is not None and rule.group is not rule.owner:
        related.append(Related(rule.group.location, f"the rule belongs to {rule.group.attrs.get('address', rule.group.ref.name)}"))
    return Problem(
        location=rule.location,
        message=(f"ingress rule {rule.label} opens {rule.describe_ports()}{count} to {worlds}"
                 f"{environments_note(rules)}: anything that listens on the host is reachable from the internet"),
        related=tuple(dict.fromkeys(related)),
        fix="open only the ports the service behind it needs (one rule per port), or narrow the source CIDR",
        key=f"{rule.owner.id}|{rule.slot}|{span[0]}-{span[1]}|{rule.protocol}",
        explain=tuple(explain_link(link) for link in ctx.graph.outgoing(rule.owner.id, "part-of")),
    )
