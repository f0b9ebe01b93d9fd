"""
## What it does
Checks every `targetPort` of a Kubernetes Service against the `containerPort`s of the pods the
Service selects, the way kube-proxy does:

- a numeric `targetPort` must equal a declared `containerPort` with the same protocol (a TCP
  `targetPort: 53` does not match a UDP `containerPort: 53`);
- an omitted `targetPort` means the Service `port`, and is checked the same way;
- a named `targetPort` is resolved by name **and** protocol against the ports of the selected
  pods' containers (native sidecars included, plain init containers excluded).

Each selected workload is checked on its own for a numeric `targetPort`: a Service that selects
two Deployments needs the port in both. Kubernetes' `ports` list is informational (traffic
reaches any port the app listens on, declared or not), so an undeclared number is reported only
when the declarations say where the pod listens: its serving containers declare **one** port of
the protocol (a single-listener app), or the number only with another protocol. It is unknown,
not reported, when they declare several ports of the protocol (multi-listener apps often leave
their gRPC, gossip or health ports out of the list), when their `command`, `args` or `env` name
the number as their own (`--grpc-port=9095`, `GRPC_PORT=9095`, `--addr=:9095`; not a remote
`host:9095`), when it is a documented default port of their well-known image, when they
declare no ports at all, or a port portlint could not resolve (a Helm
expression). A named `targetPort` follows Kubernetes: pods that do not
declare the name are only left out of the endpoints, so it is reported only when the name is
declared, but never with the Service port's protocol. A name that no container declares at all
is reported by PL102, a Service that selects nothing by PL107.

## Why is this bad
The Service sends its traffic to a port nothing listens on: every request through it fails with
"connection refused" while the pods look healthy, and no tool reports it before deploy.

## Example
```yaml
# deploy/fastapi/service.yaml
kind: Service
spec:
  selector: {app: fastapi}
  ports:
    - port: 80
      targetPort: 8001
---
# deploy/fastapi/deployment.yaml
kind: Deployment
spec:
  template:
    metadata: {labels: {app: fastapi}}
    spec:
      containers:
        - name: fastapi
          ports:
            - containerPort: 8000
```

## Use instead
```yaml
  ports:
    - port: 80
      targetPort: 8000   # or name the container port `http` and use targetPort: http
```
"""

from __future__ import annotations

from collections.abc import Iterator

from portlint.describe import container_name, entity_label, port_text, written_name
from portlint.graph import PortGraph, explain_link
from portlint.model import Entity, PortFact, Problem, Related, Role
from portlint.links.kubernetes import serving_containers
from portlint.query import MISSING, TargetMatch, target_match
from portlint.query.undeclared import undeclared_config_ports

ID = "PL101"
NAME = "service-target-port-mismatch"
SEVERITY = "error"
GROUP = "consistency"
SUMMARY = "A Service targetPort matches no containerPort of the pods it selects"
TAGS = ("kubernetes",)
FIX = ("a numeric `targetPort` is set to the one containerPort every selected pod declares, when no other place "
       "of those pods says the old value and the allocation standard does not give it. Not fixed: an omitted or "
       "named targetPort, pods declaring several ports, a value from a Helm values file.")


def check(ctx) -> Iterator[Problem]:
    graph: PortGraph = ctx.graph
    for service in graph.entities("k8s/Service"):
        for target in graph.facts(service, Role.TARGET):
            match = target_match(graph, service, target)
            if match.verdict != MISSING:
                continue  # a name no pod declares is PL102's, a Service that selects nothing PL107's
            missing = [(pod.workload, list(pod.ports or ())) for pod in match.missing]
            fix = _numeric_fix(target, missing) if target.value.number is not None else _named_fix(target, match)
            yield _problem(graph, service, target, missing, fix, _sides(missing))


def _numeric_fix(target: PortFact, missing: list[tuple[Entity, list[PortFact]]]) -> str:
    number, protocol = target.value.number, target.protocol
    same = sorted({p.value.number for _, ports in missing for p in ports if p.protocol == protocol})
    add = f"add containerPort {number}/{protocol}"
    if not same:
        return f"{add}, or set the Service port's protocol to the one the container declares"
    choice = str(same[0]) if len(same) == 1 else "one of " + ", ".join(map(str, same))
    if target.attrs.get("implicit"):
        return f"add targetPort: {choice} (an omitted targetPort means port {number}) or {add}"
    return f"set targetPort to {choice} or {add}"


def _named_fix(target: PortFact, match: TargetMatch) -> str:
    name = target.value.name
    other = sorted({p.protocol for pod in match.missing for p in pod.ports or ()
                    if p.port_name == name and p.protocol != target.protocol})
    return (f"set protocol: {other[0]} on the Service port, or declare a {target.protocol} "
            f"containerPort named {name!r} (Kubernetes resolves a named targetPort by name and protocol)")


MAX_NAMED = 10  # workloads a finding names one by one; equal pods beyond are counted


def _problem(graph: PortGraph, service: Entity, target: PortFact,
             missing: list[tuple[Entity, list[PortFact]]], fix: str, sides: str) -> Problem:
    what = _target_text(target)
    message = (f"Service {written_name(service)} {what} matches no containerPort of the pods it selects "
               f"({sides}): traffic sent through the Service reaches no listening port")
    related = tuple(related for w, ports in missing[:MAX_NAMED] for related in _related(graph, w, ports))
    named = {w.id for w, _ in missing[:MAX_NAMED]}
    links = [link for link in graph.outgoing(service.id, "selects") if link.target in named]
    return Problem(
        location=target.location,
        message=message,
        related=related,
        fix=fix,
        key=f"{service.id}|{target.slot}|{target.value.text}/{target.protocol}",
        explain=tuple(explain_link(link) for link in links),
        fix_intent=_intent(graph, service, target, missing),
    )


def _intent(graph: PortGraph, service: Entity, target: PortFact, missing: list[tuple[Entity, list[PortFact]]]):
    """Set targetPort to the one port every selected pod declares, when nothing else says the old one."""
    from portlint.fix.intent import by_agreement, not_fixed, standard_of

    if target.value.number is None:
        return None  # a named targetPort on the wrong protocol: not a value to replace
    if len(missing) != len({link.target for link in graph.outgoing(service.id, "selects")}):
        return not_fixed(target, "not every selected workload was checked against it: not fixed")
    ports = sorted({p.value.number for _, ports in missing for p in ports if p.protocol == target.protocol})
    if len(ports) != 1:
        return not_fixed(target, f"the selected pods declare {len(ports)} {target.protocol} ports: which one is meant "
                                 f"is not known, not fixed")
    undeclared = undeclared_config_ports(graph, [c for w, _ in missing for c in serving_containers(graph, w)], ports)
    if undeclared:  # a ConfigMap the app reads sets another listen port: the targetPort may mean that one
        return not_fixed(target, f"the pods' ConfigMaps set port(s) {', '.join(map(str, undeclared))}: "
                                 f"which port is meant is not known, not fixed")
    places = [f for w, _ in missing for c in graph.children(w.id) for f in graph.facts(c)]
    places += _renderings_elsewhere(graph, service, target)
    return by_agreement(target, ports[0], places, f"every selected pod declares containerPort {ports[0]}",
                        standard_of(graph, service.id))


def _renderings_elsewhere(graph: PortGraph, service: Entity, target: PortFact) -> list[PortFact]:
    """The pods' ports behind every other rendering of this targetPort line (another kustomize
    overlay or environment built from the same file): an edit there changes them all, so their
    pods vote too."""
    places: list[PortFact] = []
    for other in _services_by_target_line(graph).get(target.location, ()):
        if other.id == service.id:
            continue
        for link in graph.outgoing(other.id, "selects"):
            places += [f for c in graph.children(link.target) for f in graph.facts(c)]
    return places


def _services_by_target_line(graph: PortGraph) -> dict:
    """Location of a targetPort -> the Services with a target there, in graph order (built once:
    looking through every Service for each finding grew with findings x Services)."""
    def build() -> dict:
        index: dict = {}
        for service in graph.entities("k8s/Service"):
            for location in dict.fromkeys(f.location for f in graph.facts(service, Role.TARGET)):
                index.setdefault(location, []).append(service)
        return index
    return graph.memo("PL101:services-by-target-line", build)


def _sides(missing: list[tuple[Entity, list[PortFact]]]) -> str:
    """What the pods declare, one entry per group of equal pods (``Deployment a and 1,499 more: 9090/TCP``)."""
    groups: dict[str, list[Entity]] = {}
    for workload, ports in missing:
        groups.setdefault(", ".join(port_text(p) for p in ports) or "no ports declared", []).append(workload)
    parts = []
    for ports, members in groups.items():
        named = ", ".join(entity_label(w) for w in members[:MAX_NAMED])
        more = f" and {len(members) - MAX_NAMED:,} more" if len(members) > MAX_NAMED else ""
        parts.append(f"{named}{more}: {ports}")
    return "; ".join(parts)


def _related(graph: PortGraph, workload: Entity, ports: list[PortFact]) -> list[Related]:
    if not ports:
        return [Related(workload.location, f"{entity_label(workload)} declares no containerPort")]
    return [Related(p.location, f"containerPort {port_text(p)} of container {container_name(graph, p)}")
            for p in sorted(ports, key=lambda f: f.location)]


def _target_text(target: PortFact) -> str:
    if target.attrs.get("implicit"):
        return f"port {target.value.text}/{target.protocol} (no targetPort, so it targets {target.value.text})"
    return f"targetPort {target.value.text}/{target.protocol}"
