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
reported. A public range (`8.8.0.0/16`: more than one address, some of them public; not a
private, shared, link-local, loopback, unique-local or documentation range) exposes a port to
whoever holds addresses there, and is reported too (`public_ranges`; `trusted_ranges` lists
public ranges that are not the internet, by default Google's health-check and IAP ranges).
`also_ports = [80]` reports plain HTTP open to either as well (off by default: a public load
balancer takes port 80 to redirect it to HTTPS). In ordered firewalls (network ACLs, GCP, Azure) a port an earlier deny from the
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

import ipaddress
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
    "public_ranges": Option(bool, True, "report a public range (not only 0.0.0.0/0 and ::/0) as the internet"),
    "also_ports": Option(list[int], [], "ports reported besides the sensitive ports ([80]: plain HTTP too)"),
    # Google's documented load-balancer health-check and IAP TCP-forwarding ranges: public
    # addresses, but only Google's probes and its identity-aware proxy come from them
    "trusted_ranges": Option(list[str], ["35.191.0.0/16", "130.211.0.0/22", "35.235.240.0/20"],
                             "public ranges that are not the internet (provider probes and proxies)"),
}
_ALSO_NAMES = {80: "HTTP, unencrypted"}


def check(ctx) -> Iterator[Problem]:
    sensitive = dict(ctx.config.sensitive_ports)
    for port in ctx.options["also_ports"]:
        sensitive.setdefault(int(port), _ALSO_NAMES.get(int(port), "listed in also-ports"))
    protocols = {str(p).lower() for p in ctx.options["protocols"]}
    public = _Public(bool(ctx.options["public_ranges"]), ctx.options["trusted_ranges"])
    for (_, _), rules in sorted(rules_by_slot(firewall_rules(ctx.graph)).items()):
        open_rules = [r for r in rules if _world_open(r, protocols, public)]
        ports = sorted({p for r in open_rules for p in sensitive if r.opens(p)})
        if ports:
            yield _problem(ctx, open_rules, ports, sensitive, public)


class _Public:
    """Which public ranges count as the internet."""

    def __init__(self, enabled: bool, trusted: list[str]) -> None:
        self.enabled = enabled
        self.trusted = [n for n in (_network(t) for t in trusted) if n is not None]

    def ranges(self, rule: FirewallRule) -> list[str]:
        if not self.enabled:
            return []
        return [c for c in rule.public_cidrs if not self._trusted(c)]

    def _trusted(self, cidr: str) -> bool:
        network = _network(cidr)
        return network is not None and any(network.version == t.version and network.subnet_of(t)  # type: ignore[arg-type]
                                           for t in self.trusted)


def _network(text: str):
    try:
        return ipaddress.ip_network(str(text).strip(), strict=False)
    except ValueError:
        return None


def _sources(rule: FirewallRule, public: _Public) -> list[str]:
    return rule.world_cidrs + public.ranges(rule)


def _world_open(rule: FirewallRule, protocols: set[str], public: _Public) -> bool:
    if rule.direction != "ingress" or rule.action != "allow" or not _sources(rule, public):
        return False
    if rule.attrs.get("rule_kind") in NACL_KINDS and (rule.protocol == "all" or rule.ports() == (0, 65535)):
        return False  # a subnet ACL that allows everything leaves filtering to security groups
    return (rule.protocol or "") in protocols


def _problem(ctx, open_rules: list[FirewallRule], ports: list[int], sensitive: dict[int, str],
             public: _Public) -> Problem:
    rule = open_rules[0]
    limit = ctx.options["max_listed"]
    named = ", ".join(f"{p} ({sensitive[p]})" for p in ports[:limit])
    more = f" and {len(ports) - limit} more" if len(ports) > limit else ""
    worlds = sorted({c for r in open_rules for c in r.world_cidrs})
    ranges = sorted({c for r in open_rules for c in public.ranges(r)} - set(worlds))
    envs = environments_note(open_rules)
    protocol = f" {rule.protocol.upper()}" if rule.protocol in ("udp",) else ""
    if worlds:
        whom = " and ".join(worlds)
        reach = "the whole internet"
    else:
        whom = f"the public range{'s' if len(ranges) > 1 else ''} {', '.join(ranges)}"
        reach = "whoever holds addresses there"
    message = (f"ingress rule {rule.label} opens{protocol} {rule.describe_ports()} to {whom}{envs}, "
               f"exposing {named}{more} to {reach}")
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
