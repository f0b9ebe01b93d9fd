"""
## What it does
Reports a firewall ingress rule that lets the whole internet reach a sensitive port: SSH, RDP, a
database, a cache, the Docker daemon, the Kubernetes API, Elasticsearch, MongoDB… (the
`sensitive-ports` list of the config), over TCP or UDP. It reads AWS security groups (inline
`ingress` and `dynamic "ingress"` blocks, `aws_security_group_rule`,
`aws_vpc_security_group_ingress_rule`), AWS network ACLs (`aws_network_acl`,
`aws_default_network_acl`, `aws_network_acl_rule`), GCP `google_compute_firewall` and Azure
network security rules, including security groups made by a module call. The internet is
`0.0.0.0/0` or `::/0` (Azure: `*`, `Internet`, `Any`; GCP: an ingress firewall without any
source). Port ranges and protocol `-1`/`all`/`*` that include a sensitive port count, except on
a network ACL, where allow-all is the usual subnet posture and only a rule naming the ports is
reported. In ordered firewalls (network ACLs, GCP, Azure) a port an earlier deny from the
internet takes away is not open. One finding per rule, naming every sensitive port it opens;
CIDRs that come from variables or `*.tfvars` are followed to their definition (and the finding
says in which environments the rule is open).

## Why is this bad
Anyone on the internet can then try passwords on SSH, exploit an unpatched database or read an
unauthenticated Redis. These ports are scanned within minutes of being opened.

## Example
```hcl
resource "aws_security_group_rule" "ssh" {
  type              = "ingress"
  from_port         = 22
  to_port           = 22
  protocol          = "tcp"
  cidr_blocks       = ["0.0.0.0/0"]
  security_group_id = aws_security_group.bastion.id
}
```

## Use instead
```hcl
resource "aws_security_group_rule" "ssh" {
  type              = "ingress"
  from_port         = 22
  to_port           = 22
  protocol          = "tcp"
  cidr_blocks       = [var.office_cidr]   # or reach the host through SSM Session Manager
  security_group_id = aws_security_group.bastion.id
}
```
"""

from __future__ import annotations

from collections.abc import Iterator

from portlint.graph import explain_link
from portlint.links.terraform import NACL_KINDS, FirewallRule, environments_note, firewall_rules, rules_by_slot
from portlint.model import Problem, Related
from portlint.options import Option

ID = "PL204"
NAME = "sensitive-port-open-to-world"
SEVERITY = "error"
GROUP = "hygiene"
SUMMARY = "A firewall rule (security group, network ACL, GCP, Azure) opens a sensitive port to the internet"
TAGS = ("terraform", "security")
OPTIONS = {
    "protocols": Option(list[str], ["tcp", "udp", "all"], "rule protocols whose ports count"),
    "max_listed": Option(int, 6, 'sensitive ports named in the message before "and N more"', minimum=0),
}


def check(ctx) -> Iterator[Problem]:
    sensitive = ctx.config.sensitive_ports
    protocols = {str(p).lower() for p in ctx.options["protocols"]}
    for (_, _), rules in sorted(rules_by_slot(firewall_rules(ctx.graph)).items()):
        open_rules = [r for r in rules if _world_open(r, protocols)]
        ports = sorted({p for r in open_rules for p in sensitive if r.opens(p)})
        if ports:
            yield _problem(ctx, open_rules, ports, sensitive)


def _world_open(rule: FirewallRule, protocols: set[str]) -> bool:
    if rule.direction != "ingress" or rule.action != "allow" or not rule.world_cidrs:
        return False
    if rule.attrs.get("rule_kind") in NACL_KINDS and (rule.protocol == "all" or rule.ports() == (0, 65535)):
        return False  # a subnet ACL that allows everything leaves filtering to security groups
    return (rule.protocol or "") in protocols


def _problem(ctx, open_rules: list[FirewallRule], ports: list[int], sensitive: dict[int, str]) -> Problem:
    rule = open_rules[0]
    limit = ctx.options["max_listed"]
    named = ", ".join(f"{p} ({sensitive[p]})" for p in ports[:limit])
    more = f" and {len(ports) - limit} more" if len(ports) > limit else ""
    worlds = sorted({c for r in open_rules for c in r.world_cidrs})
    envs = environments_note(open_rules)
    protocol = f" {rule.protocol.upper()}" if rule.protocol in ("udp",) else ""
    message = (f"ingress rule {rule.label} opens{protocol} {rule.describe_ports()} to {' and '.join(worlds)}{envs}, "
               f"exposing {named}{more} to the whole internet")
    return Problem(
        location=rule.location,
        message=message,
        related=_related(open_rules),
        fix="restrict the source to the networks that need these ports (a VPN, an office range, a "
            "security group or tag), or reach the host through a bastion, SSM Session Manager or IAP",
        key=f"{rule.owner.id}|{rule.slot}|{','.join(map(str, ports))}",
        explain=_explain(ctx, rule),
    )


def _related(rules: list[FirewallRule]) -> tuple[Related, ...]:
    out: list[Related] = []
    for rule in rules:
        for cidr, _, site, elsewhere in rule.attrs.get("cidr_sites", []):
            if not elsewhere:
                continue
            env = f" ({rule.environment})" if rule.environment else ""
            item = Related(site, f"{cidr} is defined here{env}")
            if item not in out:
                out.append(item)
        if rule.group is not None and rule.group is not rule.owner:
            item = Related(rule.group.location, f"the rule belongs to {rule.group.attrs.get('address', rule.group.ref.name)}")
            if item not in out:
                out.append(item)
    return tuple(out)


def _explain(ctx, rule: FirewallRule) -> tuple[str, ...]:
    steps = [f"{fact.field} {fact.value.text} at {fact.location.short}" for fact in rule.facts()]
    steps += [explain_link(link) for link in ctx.graph.outgoing(rule.owner.id, "part-of")]
    return tuple(steps)
