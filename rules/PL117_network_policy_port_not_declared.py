"""
## What it does
Checks every port an ingress rule of a `NetworkPolicy` allows (`spec.ingress[].ports[].port`,
number or name) against the `containerPort`s of the pods the policy selects
(`spec.podSelector.matchLabels`, same namespace and environment):

- a numeric port (with `endPort`, a range) must be a declared `containerPort` of the same protocol;
- a named port must be the `name` of a declared container port of the same protocol.

An egress rule's ports are checked the same way against the pods its `to` peers select, when
every peer selects pods by `matchLabels` (in the policy's namespace, or with a
`namespaceSelector` on `kubernetes.io/metadata.name`); a rule with an `ipBlock`, a broader
namespace selector or no peers is not checked. Egress is matched after Service translation:
its port is the pod's port, not the Service port.

As with Services, a workload that declares no ports, or a port portlint could not resolve, is not
checked, nor is a number the containers' own settings name (args, env, a ConfigMap they read:
they may listen there undeclared); a policy whose selector uses `matchExpressions` or is empty (`{}`, every pod) is not
linked to any pod.

## Why is this bad
Once a policy selects a pod, only what it allows gets in. A port that does not match the pod's
listening port (often left behind by a port change) lets nothing through: the Service in front
of the pods times out, while every manifest looks fine on its own.

## Example
```yaml
kind: NetworkPolicy
spec:
  podSelector: {matchLabels: {app: api}}
  ingress:
    - ports:
        - port: 8080
---
kind: Deployment   # pods labelled app: api
  containers:
    - name: api
      ports:
        - containerPort: 8000
```

## Use instead
```yaml
  ingress:
    - ports:
        - port: http   # the container port's name, or 8000
```
"""

from __future__ import annotations

from collections.abc import Iterator

from portlint.describe import container_name, entity_label, port_text, same_environment, written_name
from portlint.graph import PortGraph, explain_link
from portlint.links.kubernetes import declared_ports, selected_workloads, serving_containers
from portlint.links.kubernetes_routes import egress_workloads
from portlint.query.undeclared import settings_name
from portlint.model import Entity, PortFact, Problem, Related, Role

ID = "PL117"
NAME = "network-policy-port-not-declared"
SEVERITY = "warning"
GROUP = "consistency"
SUMMARY = "A NetworkPolicy allows a port its selected pods do not declare"
TAGS = ("kubernetes", "security")


def check(ctx) -> Iterator[Problem]:
    graph: PortGraph = ctx.graph
    for policy in graph.entities("k8s/NetworkPolicy"):
        selected = selected_workloads(graph, policy)
        for allowed in graph.facts(policy, Role.ALLOW):
            if allowed.value.unresolved:
                continue
            if allowed.attrs.get("direction") == "egress":
                workloads = egress_workloads(graph, policy, allowed.attrs.get("rule_index", -1)) or []
            else:
                workloads = selected
            known = [(w, _ports(graph, w, allowed)) for w in workloads]
            missing = [(w, ports) for w, ports in known if ports is not None and not _matches(allowed, ports)
                       and not _named_by_settings(graph, w, allowed)]
            if allowed.attrs.get("direction") == "egress" and len(missing) != len(known):
                continue  # one rule's ports serve all its peers: a port some peer declares (or may) is used
            if missing:
                siblings = [f for f in graph.facts(policy, Role.ALLOW) if f is not allowed
                            and f.attrs.get("direction") == allowed.attrs.get("direction")
                            and f.attrs.get("rule_index") == allowed.attrs.get("rule_index")]
                reached = all(any(_matches(f, ports) for f in siblings) for _, ports in missing)
                yield _problem(graph, policy, allowed, missing, reached)


def _ports(graph: PortGraph, workload: Entity, allowed: PortFact) -> list[PortFact] | None:
    """The declared ports of the workload's serving containers (None: nothing to compare)."""
    declared = declared_ports(graph, workload)
    if declared is None:
        return None
    ports = [p for p in declared if same_environment(p, allowed)]
    if not ports or any(p.value.unresolved or p.attrs.get("port_name_unresolved") for p in ports):
        return None
    return ports


def _named_by_settings(graph: PortGraph, workload: Entity, allowed: PortFact) -> bool:
    """The pods' own settings (args, env, ConfigMaps) name the allowed number: they may listen there."""
    number = allowed.value.number
    return number is not None and settings_name(graph, number, serving_containers(graph, workload))


def _matches(allowed: PortFact, ports: list[PortFact]) -> bool:
    same = [p for p in ports if p.protocol == allowed.protocol]
    if allowed.value.name is not None:
        return any(p.port_name == allowed.value.name for p in same)
    low = allowed.value.number
    if low is None:
        return True  # invalid: PL002's business
    end = allowed.attrs.get("end_port")
    high = int(end) if end is not None and str(end).isdigit() else low
    return any(p.value.number is not None and low <= p.value.number <= high for p in same)


def _problem(graph: PortGraph, policy: Entity, allowed: PortFact, missing: list[tuple[Entity, list[PortFact]]],
             reached: bool) -> Problem:
    """``reached``: another port of the same rule matches every pod: this one is a dead leftover."""
    end = allowed.attrs.get("end_port")
    what = f"port {allowed.value.text}{'-' + str(end) if end else ''}/{allowed.protocol}"
    sides = "; ".join(f"{entity_label(w)}: {', '.join(port_text(p) for p in ports)}" for w, ports in missing)
    related = tuple(Related(p.location, f"containerPort {port_text(p)} of container {container_name(graph, p)}")
                    for _, ports in missing for p in sorted(ports, key=lambda f: f.location))
    links = [link for w, _ in missing for link in graph.outgoing(policy.id, "selects") if link.target == w.id]
    kind = "name" if allowed.value.name is not None else "number"
    if allowed.attrs.get("direction") == "egress":
        message = (f"NetworkPolicy {written_name(policy)} allows egress on {what} to pods that declare no such "
                   f"container port {kind} ({sides}): connections to their real port stay blocked")
        fix = ("allow the pods' containerPort (egress is matched after the Service's port is translated to the "
               "targetPort), or declare the port on the container")
    else:
        consequence = ("no pod listens there: the rule's other ports reach the pods, this one opens nothing (a "
                       "leftover, or meant for other pods)" if reached else
                       "the pods' real port stays closed to this rule")
        message = (f"NetworkPolicy {written_name(policy)} allows ingress on {what}, which matches no container port "
                   f"{kind} of the pods it selects ({sides}): {consequence}")
        fix = ("remove the port, or move it to the policy of the pods that listen on it" if reached else
               "allow the port the containers declare (by number or by its name), or declare the port on the container")
    return Problem(
        location=allowed.location,
        message=message,
        related=related,
        fix=fix,
        key=f"{policy.id}|{allowed.slot}|{allowed.value.text}/{allowed.protocol}",
        explain=tuple(explain_link(link) for link in links),
    )
