"""
## What it does
Reports firewall rules (AWS security groups and network ACLs, GCP firewalls, Azure network
security rules) that Terraform or the cloud API reject, or silently turn into something else:

- `from_port` above `to_port`;
- protocol `-1`/`all` with ports other than 0: EC2 ignores the ports and opens **every** port;
- a protocol the provider does not know (`"http"`, `"TCP/UDP"`; AWS: `tcp`, `udp`, `icmp`,
  `icmpv6`, `all`/`-1` or a number 0–255; GCP adds `esp`, `ah`, `sctp`, `ipip`; Azure `Tcp`,
  `Udp`, `Icmp`, `Esp`, `Ah`, `*`);
- an `aws_security_group_rule` whose `type` is not `ingress` or `egress`; a network ACL or Azure
  rule whose action is not allow/deny;
- a CIDR list holding a list (`cidr_blocks = [var.allowed_cidr_blocks]` where the variable is a
  `list(string)`), an address that is not a CIDR, an IPv6 range in an IPv4 field (or the
  reverse), and, on AWS, a bare address without prefix (`10.0.0.5`) or a CIDR with host bits set
  (`10.0.0.5/16`, `1.2.3.4/0`: rejected, not "open to the world");
- in an ordered firewall (network ACL, Azure NSG, GCP network), a deny rule that never applies
  because an earlier rule (lower number) already allows that traffic from the internet: an
  allow-all ahead of the denies.

Ports outside 0–65535 are reported by PL002 (invalid-port).

## Why is this bad
`terraform plan` or `apply` fails on the rejected forms, usually in the pipeline of the one
environment that uses them; the silently widened `-1` rule opens far more than it says.

## Example
```hcl
resource "aws_security_group_rule" "ssh" {
  type        = "ingress"
  from_port   = 22
  to_port     = 22
  protocol    = "tcp"
  cidr_blocks = [var.allowed_cidr_blocks]   # variable "allowed_cidr_blocks" { type = list(string) }
}
```

## Use instead
```hcl
resource "aws_security_group_rule" "ssh" {
  type        = "ingress"
  from_port   = 22
  to_port     = 22
  protocol    = "tcp"
  cidr_blocks = var.allowed_cidr_blocks
}
```
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from functools import lru_cache

from portlint.links.terraform import FirewallRule, environments_note, firewall_rules, rules_by_slot
from portlint.model import Location, Problem, Related

ID = "PL206"
NAME = "invalid-security-group-rule"
SEVERITY = "error"
GROUP = "consistency"
SUMMARY = "A firewall rule has ports, protocol, type, CIDRs or an order the provider rejects or ignores"
TAGS = ("terraform", "validation")

_PROTOCOL_NAMES = {"aws": {"tcp", "udp", "icmp", "icmpv6", "all"},
                   "gcp": {"tcp", "udp", "icmp", "esp", "ah", "sctp", "ipip", "all"},
                   "azure": {"tcp", "udp", "icmp", "esp", "ah", "all"}}
_FAMILIES = {"cidr_blocks": 4, "cidr_ipv4": 4, "ipv6_cidr_blocks": 6, "cidr_ipv6": 6,
             "cidr_block": 4, "ipv6_cidr_block": 6}


def check(ctx) -> Iterator[Problem]:
    for _, rules in sorted(rules_by_slot(firewall_rules(ctx.graph)).items()):
        seen: set[tuple[Location, str]] = set()
        for problem in (p for rule in rules for p in _problems(rule)):
            if (problem.location, problem.message) not in seen:
                seen.add((problem.location, problem.message))
                yield problem


def _problems(rule: FirewallRule) -> Iterator[Problem]:
    yield from _reversed_range(rule)
    yield from _ports_with_all(rule)
    yield from _unknown_protocol(rule)
    yield from _bad_type(rule)
    yield from _nested_cidrs(rule)
    yield from _bad_cidrs(rule)
    yield from _bad_action(rule)
    yield from _shadowed_deny(rule)


def _problem(rule: FirewallRule, location: Location, message: str, fix: str, what: str,
             related: tuple[Related, ...] = ()) -> Problem:
    return Problem(location=location, message=f"{rule.label}: {message}", related=related, fix=fix,
                   key=f"{rule.owner.id}|{rule.slot}|{what}",
                   explain=tuple(f"{f.field} {f.value.text} at {f.location.short}" for f in rule.facts()))


def _reversed_range(rule: FirewallRule) -> Iterator[Problem]:
    if rule.protocol == "all" or rule.low is None or rule.high is None:
        return
    low, high = rule.low.value.number, rule.high.value.number
    if low is not None and high is not None and low > high:
        yield _problem(rule, rule.low.location,
                       f"from_port {low} is above to_port {high}{environments_note([rule])}: EC2 rejects the range",
                       f"swap the bounds: from_port = {high}, to_port = {low}", "reversed",
                       (Related(rule.high.location, f"to_port {high}"),))


def _ports_with_all(rule: FirewallRule) -> Iterator[Problem]:
    if rule.protocol != "all" or rule.family != "aws" or any(f.attrs.get("implicit") for f in rule.facts()):
        return
    written = [f for f in rule.facts() if f.value.number not in (None, 0)]
    if not written:
        return
    ports = ", ".join(f"{f.field} {f.value.text}" for f in written)
    where = rule.attrs.get("protocol_location") or rule.location
    yield _problem(rule, where,
                   f"protocol {rule.attrs.get('protocol_text')} means every protocol and every port: {ports} "
                   f"{'is' if len(written) == 1 else 'are'} ignored, so the rule opens all 65536 ports",
                   'use protocol = "tcp" (or "udp") to open only these ports, or set both ports to 0 to say "all"',
                   "ports-with-all", tuple(Related(f.location, f"{f.field} {f.value.text}") for f in written))


def _unknown_protocol(rule: FirewallRule) -> Iterator[Problem]:
    protocol = rule.protocol
    if protocol is None or protocol in _PROTOCOL_NAMES.get(rule.family, ()):
        return
    if rule.family != "azure" and protocol.isdigit() and 0 <= int(protocol) <= 255:
        return
    where = rule.attrs.get("protocol_location") or rule.location
    cloud = {"aws": "EC2", "gcp": "GCP", "azure": "Azure"}.get(rule.family, rule.family)
    yield _problem(rule, where, f"protocol {rule.attrs.get('protocol_text')} is not a protocol {cloud} knows: the apply fails",
                   'use "tcp", "udp", "icmp", "icmpv6", "-1" (all) or a protocol number 0-255', "protocol")


def _bad_type(rule: FirewallRule) -> Iterator[Problem]:
    if rule.owner.ref.kind != "tf/aws_security_group_rule":
        return
    direction = rule.owner.attrs.get("direction")
    if direction is None or direction in ("ingress", "egress"):
        return
    where = rule.owner.attrs.get("type_location") or rule.owner.location
    yield _problem(rule, where, f"type {direction!r} is neither \"ingress\" nor \"egress\": Terraform rejects it",
                   'set type = "ingress" or type = "egress"', "type")


def _nested_cidrs(rule: FirewallRule) -> Iterator[Problem]:
    for nested in rule.attrs.get("cidr_nested", []):
        text = nested["text"]
        declared = f"{text} is declared with type = {nested.get('declared_type')}"
        related = (Related(nested["declared_at"], declared),) if nested.get("declared_at") else ()
        yield _problem(rule, nested["location"],
                       f"{text} is a list inside the CIDR list, which must be a list of strings: Terraform rejects it",
                       f"drop the brackets: cidr_blocks = {text}", f"nested:{text}", related)


def _bad_cidrs(rule: FirewallRule) -> Iterator[Problem]:
    aws = rule.family == "aws"
    for cidr, key, site, _ in rule.attrs.get("cidr_sites", []):
        text = cidr.strip()
        network = _network(text)
        if network is None:
            yield _problem(rule, site, f"{cidr!r} in {key} is not a CIDR block", "write it as address/prefix, e.g. 10.0.0.0/16",
                           f"cidr:{cidr}")
            continue
        family = _FAMILIES.get(key)
        if family is not None and network.version != family:
            other = {"cidr_blocks": "ipv6_cidr_blocks", "ipv6_cidr_blocks": "cidr_blocks", "cidr_ipv4": "cidr_ipv6",
                     "cidr_ipv6": "cidr_ipv4", "cidr_block": "ipv6_cidr_block", "ipv6_cidr_block": "cidr_block"}[key]
            yield _problem(rule, site, f"{cidr} is an IPv{network.version} range in {key}, which takes IPv{family} only",
                           f"move it to {other}", f"family:{cidr}")
            continue
        if aws and "/" not in text:
            yield _problem(rule, site, f"{cidr!r} in {key} is an address without a prefix length: AWS rejects it",
                           f"write {text}/{network.max_prefixlen} for this one address", f"bare:{cidr}")
        elif aws and network.network_address != _address(text):
            meant = "the whole internet" if network.prefixlen == 0 else f"the network {network}"
            yield _problem(rule, site, f"{cidr} in {key} has host bits set: AWS rejects it as an invalid CIDR "
                           f"(it does not mean {meant})",
                           f"write {network} for the network, or {_address(text)}/{network.max_prefixlen} "
                           "for the one address", f"host-bits:{cidr}")


@lru_cache(maxsize=4096)
def _network(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    """The network a CIDR block names (host bits allowed), or ``None``; parsed once per text
    (every environment of a module repeats the same blocks)."""
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None


@lru_cache(maxsize=4096)
def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """The address part of a CIDR block as written."""
    return ipaddress.ip_interface(text).ip


def _bad_action(rule: FirewallRule) -> Iterator[Problem]:
    if rule.attrs.get("ordered") and rule.action not in ("allow", "deny") and rule.attrs.get("action") is not None:
        yield _problem(rule, rule.location, f"action {rule.action!r} is neither allow nor deny: the apply fails",
                       'use "allow" or "deny"', "action")


def _shadowed_deny(rule: FirewallRule) -> Iterator[Problem]:
    cover = rule.shadowed_by
    if cover is None:
        return
    yield _problem(rule, rule.location,
                   f"this deny (priority {rule.priority}) never applies: {cover.label} (priority {cover.priority}) "
                   f"already allows {cover.describe_ports()} from {' and '.join(cover.world_cidrs)}, "
                   "and the first matching rule wins",
                   f"give the deny a lower number than {cover.priority}, or narrow the earlier allow", "shadowed",
                   (Related(cover.location, f"{cover.label} allows it first"),))
