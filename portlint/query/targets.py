"""Does a Service ``targetPort`` reach a ``containerPort`` of the pods it selects? Asked per pod.

Kubernetes semantics, the same for PL101/PL102 and the audit's Service → pod hops:

- a number (or an omitted ``targetPort``: the Service port) reaches a port with that number and
  the same protocol. A pod that declares no ports, or one portlint could not resolve, is unknown
  (many apps listen on ports they do not declare); so is one whose containers may listen on the
  number undeclared (:func:`portlint.query.undeclared.may_listen_undeclared`: their args name it,
  or they declare several ports of the protocol);
- a name reaches the ports with that ``ports[].name`` and the same protocol. A pod that does not
  declare the name is only left out of the endpoints (``excluded``) while another pod has it.
  When no pod has it: a template may hold it (``unknown``), no pod declares the name in the
  Service's environment (``undeclared``: PL102), or the name is declared with another protocol
  (``missing``: PL101).

Only the serving containers count (main containers and native sidecars, not plain init containers).
"""

from __future__ import annotations

from dataclasses import dataclass

from portlint.describe import same_environment
from portlint.graph import PortGraph
from portlint.links.kubernetes import declared_ports, selection, serving_containers
from portlint.model import Entity, PortFact, PortValue, Role
from portlint.query.undeclared import may_listen_undeclared

OK, MISSING, UNKNOWN, EXCLUDED, UNDECLARED = "ok", "missing", "unknown", "excluded", "undeclared"


@dataclass(frozen=True)
class PodMatch:
    """One selected workload: its serving ports in the target's environment (``None``: a template
    may add some), those the targetPort reaches, and the verdict for this pod."""

    workload: Entity
    ports: tuple[PortFact, ...] | None
    reached: tuple[PortFact, ...]
    verdict: str


@dataclass(frozen=True)
class TargetMatch:
    """The verdict over every selected pod: ``ok`` when traffic reaches a listening port,
    ``missing`` when a checked pod has no such port, ``undeclared`` for a name no pod declares,
    ``unknown`` when nothing can be said (no pods, templates, undeclared ports)."""

    verdict: str
    pods: tuple[PodMatch, ...]

    @property
    def missing(self) -> tuple[PodMatch, ...]:
        return tuple(p for p in self.pods if p.verdict == MISSING)


def reaches(target: PortFact, listen: PortFact) -> bool:
    """A targetPort reaches a containerPort by number, or by the port's name, with the same protocol."""
    if target.value.unresolved or listen.value.unresolved:
        return False
    if target.protocol.upper() != listen.protocol.upper():
        return False
    if target.value.number is not None:
        return target.value.number == listen.value.number
    return target.value.name is not None and target.value.name == listen.port_name


def target_match(graph: PortGraph, service: Entity, target: PortFact) -> TargetMatch:
    """The verdict for one targetPort fact of ``service``; Services that share a selection and a
    target share the answer (computed once)."""
    group = selection(graph).get(service.id, ())
    cache: dict = graph.memo("query:targets", dict)
    key = (id(group), target.value.text, target.protocol.upper(), target.environment)
    if key not in cache:
        cache[key] = _match(graph, group, target)
    return cache[key]


def _match(graph: PortGraph, group: tuple[Entity, ...], target: PortFact) -> TargetMatch:
    if not group or target.value.unresolved:
        return TargetMatch(UNKNOWN, tuple(PodMatch(w, None, (), UNKNOWN) for w in group))
    pods = [_pod(graph, w, target) for w in group]
    if target.value.number is not None:
        return _numeric(graph, pods, target)
    if target.value.name is not None:
        return _named(pods, target.value.name)
    return TargetMatch(UNKNOWN, tuple(PodMatch(w, ports, (), UNKNOWN) for w, ports, _ in pods))


def _pod(graph: PortGraph, workload: Entity, target: PortFact):
    declared = _declared(graph, workload)
    ports = None if declared is None else tuple(p for p in declared if same_environment(p, target))
    listening = [f for c in serving_containers(graph, workload) for f in graph.facts(c, Role.LISTEN)]
    reached = tuple(f for f in listening if same_environment(f, target) and reaches(target, f))
    return workload, ports, reached


def _declared(graph: PortGraph, workload: Entity) -> tuple[PortFact, ...] | None:
    cache: dict = graph.memo("query:declared", dict)
    if workload.id not in cache:
        found = declared_ports(graph, workload)
        cache[workload.id] = None if found is None else tuple(found)
    return cache[workload.id]


def _numeric(graph: PortGraph, pods, target: PortFact) -> TargetMatch:
    out = []
    for workload, ports, reached in pods:
        if reached:
            verdict = OK
        elif ports is None or not ports or any(p.value.number is None or p.value.unresolved for p in ports):
            verdict = UNKNOWN  # nothing can be said to be missing
        elif may_listen_undeclared(graph, target.value.number, target.protocol, ports,
                                   serving_containers(graph, workload)):
            verdict = UNKNOWN
        else:
            verdict = MISSING
        out.append(PodMatch(workload, ports, reached, verdict))
    return TargetMatch(_overall(out), tuple(out))


def _named(pods, name: str) -> TargetMatch:
    if any(reached for _, _, reached in pods):  # pods lacking the name are left out of the endpoints
        return TargetMatch(OK, tuple(PodMatch(w, ports, reached, OK if reached else UNKNOWN if ports is None
                                              else EXCLUDED) for w, ports, reached in pods))
    if any(ports is None or any(_uncertain_name(p) for p in ports) for _, ports, _ in pods):
        return TargetMatch(UNKNOWN, tuple(PodMatch(w, ports, (), UNKNOWN) for w, ports, _ in pods))
    if not any(p.port_name == name for _, ports, _ in pods for p in ports):
        return TargetMatch(UNDECLARED, tuple(PodMatch(w, ports, (), MISSING) for w, ports, _ in pods))
    # the name is declared, but never with the Service port's protocol
    out = tuple(PodMatch(w, ports, (), MISSING if any(p.port_name == name for p in ports) else EXCLUDED)
                for w, ports, _ in pods)
    return TargetMatch(MISSING, out)


def _overall(pods: list[PodMatch]) -> str:
    verdicts = {p.verdict for p in pods}
    return MISSING if MISSING in verdicts else OK if OK in verdicts else UNKNOWN


def _uncertain_name(port: PortFact) -> bool:
    """A port name portlint could not read (a template) might be the one referenced."""
    name = port.port_name
    return name is not None and PortValue.parse(name).name != name
