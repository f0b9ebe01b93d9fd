"""
## What it does
Reports two `ports` entries of one compose project that claim the same host port: the same
number (or overlapping ranges, `8000-8010` and `8005`), the same protocol, and overlapping host addresses. A project is what `docker compose`
loads together: a file with its `*.override.yml`, the files it `include`s and the services it
`extends` (anchors and merge keys resolved). Other compose files of the folder
(`docker-compose.minimal.yml`, `compose.traefik.yml`, `docker-compose.prod.yml`) are
alternative stacks that never run beside it and are not compared. IPv4 and IPv6 are separate
claims (`0.0.0.0:8200:8200` and `[::]:8200:8200` coexist), so are TCP and UDP
(`8388:8388/tcp` and `8388:8388/udp`); `0.0.0.0` covers every IPv4 address, `::` every IPv6
address, and an entry without a host IP binds both. Services whose `profiles` share none
(`ollama-cpu` in `cpu`, `ollama-gpu` in `gpu`) are alternatives and are not compared. The same mapping repeated for one
service (an override file restating it) is not a conflict. Host port pools (`9000-9005:80`) are
skipped.

## Why is this bad
Only one container can bind a host port. `docker compose up` fails with "port is already
allocated" for the second service — or, with several compose files combined, for whichever
starts last.

## Example
```yaml
services:
  api:
    ports: ["8000:8000"]
  admin:
    ports: ["8000:8080"]
```

## Use instead
```yaml
services:
  api:
    ports: ["8000:8000"]
  admin:
    ports: ["8001:8080"]
```
"""

from __future__ import annotations

import ipaddress
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Iterator
from heapq import merge
from itertools import islice

from portlint.model import PortFact, Problem, Related, Role

ID = "PL406"
NAME = "host-port-conflict"
SEVERITY = "error"
GROUP = "consistency"
SUMMARY = "Two compose services publish the same host port, protocol and address"
TAGS = ("containers", "compose")
COMPOSE = "compose/service"
MAX_NAMED = 10  # earlier claims a finding names; more are counted


def check(ctx) -> Iterator[Problem]:
    graph = ctx.graph
    by_claim: dict[tuple, list[PortFact]] = defaultdict(list)  # (project, protocol): ports and ranges
    for service in graph.entities(COMPOSE):
        for fact in graph.facts(service, Role.PUBLISH):
            if fact.value.bounds is None or fact.attrs.get("pool"):
                continue
            by_claim[(service.ref.namespace, fact.protocol)].append(fact)
    profiles = {s.id: frozenset(s.attrs.get("profiles") or ()) for s in graph.entities(COMPOSE)}
    for claim in sorted(by_claim):
        facts = sorted(by_claim[claim], key=lambda f: (f.location, f.owner.id))
        for later, earlier in _overlapping_earlier(facts):
            conflicting = list(islice((f for f in earlier if _conflict(f, later) and _run_together(profiles, f, later)),
                                      MAX_NAMED + 1))
            if conflicting:
                yield _problem(later, conflicting)


def _overlapping_earlier(facts: list[PortFact]) -> Iterator[tuple[PortFact, Iterable[PortFact]]]:
    """Each fact with the facts before it (in source order) whose ports or ranges overlap its own.

    Equal claims are grouped first, so a thousand services publishing one port cost one pass per
    distinct port or range, not one per pair of services."""
    groups: dict[tuple[int, int], list[int]] = defaultdict(list)  # bounds -> indexes in ``facts``
    for index, fact in enumerate(facts):
        groups[fact.value.bounds].append(index)
    spans = sorted(groups)
    for index, fact in enumerate(facts):
        low, high = fact.value.bounds
        before = [groups[span][:bisect_left(groups[span], index)] for span in spans
                  if span[0] <= high and low <= span[1]]
        if any(before):
            yield fact, (facts[i] for i in merge(*before))


def _conflict(a: PortFact, b: PortFact) -> bool:
    if a.environment and b.environment and a.environment != b.environment:
        return False
    if a.owner.id == b.owner.id and a.attrs.get("target") == b.attrs.get("target") \
            and a.attrs.get("host_ip", "") == b.attrs.get("host_ip", ""):
        return False
    return _addresses_overlap(str(a.attrs.get("host_ip", "")), str(b.attrs.get("host_ip", "")))


def _run_together(profiles: dict[str, frozenset], a: PortFact, b: PortFact) -> bool:
    """Services in disjoint ``profiles`` (``cpu`` / ``gpu``) are alternatives, started one or the other."""
    pa, pb = profiles.get(a.owner.id, frozenset()), profiles.get(b.owner.id, frozenset())
    return not (pa and pb and not pa & pb)


def _addresses_overlap(a: str, b: str) -> bool:
    """Two host IPs bind overlapping addresses: equal, or one is its family's wildcard."""
    fa, wa = _family(a)
    fb, wb = _family(b)
    if fa is None or fb is None:
        return a == b
    shared = fa & fb
    if not shared:
        return False
    return wa or wb or a.strip("[]") == b.strip("[]")


def _family(host_ip: str) -> tuple[frozenset | None, bool]:
    """({'4'}, {'6'} or both, is it a wildcard) of a compose host IP; unparsable → (None, False)."""
    text = host_ip.strip().strip("[]")
    if text == "":
        return frozenset({"4", "6"}), True
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None, False
    return frozenset({str(address.version)}), address.is_unspecified


def _problem(fact: PortFact, earlier: list[PortFact]) -> Problem:
    host = fact.attrs.get("host_ip") or "all interfaces"
    first = earlier[0]
    more = len(earlier) > MAX_NAMED
    earlier = earlier[:MAX_NAMED]
    others = ", ".join(sorted({f"{f.owner.name} ({f.location.short})" for f in earlier})) + (" and more" if more else "")
    return Problem(
        location=fact.location,
        message=(f"compose service {fact.owner.name} publishes host port {fact.value.text}/{fact.protocol} on "
                 f"{host}, which {others} already claims: the second container fails to start "
                 f"(port is already allocated)"),
        related=tuple(Related(f.location, f"{f.owner.name} publishes {f.value.text}/{f.protocol} on "
                                          f"{f.attrs.get('host_ip') or 'all interfaces'}") for f in earlier),
        fix=f"publish {fact.owner.name} on another host port, or bind the two to different host addresses",
        key=f"{fact.owner.id}|{fact.value.text}/{fact.protocol}|{fact.attrs.get('host_ip', '')}|{first.owner.id}",
        explain=tuple(f"{f.owner.id} claims host {f.attrs.get('host_ip') or '0.0.0.0 and ::'} port "
                      f"{f.value.text}/{f.protocol} (compose project {f.owner.namespace or '.'}, "
                      f"environment {f.environment or 'any'})" for f in (*earlier, fact)),
    )
