"""Which Service does an Ingress backend reach, and is its port one the Service exposes?

The join is the ``routes-to`` link (:mod:`portlint.links.kubernetes`: same namespace and
environment, the nearest scope and folder). A backend whose Service name is a template is
``name_unresolved``; one whose name no Service in its namespace and environment has is missing
(PL105); one whose Service exists only in several other scopes joins none (the scan cannot tell
which one is meant) and is not missing.

The backend port addresses the *Service* port: a number matches ``spec.ports[].port``, a name
``spec.ports[].name`` (PL106 and the audit's backend → Service hop).
"""

from __future__ import annotations

from dataclasses import dataclass

from portlint.describe import same_environment, written_name
from portlint.graph import PortGraph
from portlint.links.kubernetes import ROUTES_TO, SERVICE
GENERATED_SERVICE = "k8s/GeneratedService"  # a Service an operator makes from a custom resource (readers/_k8s_operators.py)
from portlint.model import Entity, Location, PortFact, PortValue, Role

OK, DIFFERS, UNKNOWN = "ok", "differs", "unknown"


@dataclass(frozen=True)
class Backend:
    """One backend of an Ingress (a rule path or the default backend)."""

    ingress: Entity
    position: int
    slot: str
    service_name: str
    location: Location | None
    host: str | None
    path: str | None
    port: PortFact | None  # the backend port as written (the Ingress's target fact of this slot)
    port_text: str
    name_unresolved: bool  # the Service name is a template, or not a valid Service name
    services: tuple[Entity, ...]  # the Services it reaches (routes-to)
    defined: tuple[Entity, ...]  # Services of that name in its namespace and environment, anywhere

    @property
    def missing(self) -> bool:
        """No Service of that name exists where the Ingress is (PL105)."""
        return not self.name_unresolved and not self.defined


@dataclass(frozen=True)
class PortMatch:
    """``ok`` (the Service exposes the backend port), ``differs`` or ``unknown``; the Service
    ports compared and those that match."""

    verdict: str
    exposed: tuple[PortFact, ...]
    matched: tuple[PortFact, ...]


# The AWS Load Balancer Controller reads a backend whose port is this name as the action of the
# ``alb.ingress.kubernetes.io/actions.<service name>`` annotation (its docs: guide/ingress/annotations.md,
# "actions": "servicePort must be `use-annotation`"): no Service is meant.
ALB_ACTION_PORT = "use-annotation"


def backends(graph: PortGraph, ingress: Entity) -> list[Backend]:
    """The backends of an Ingress in source order, each with the Services it reaches."""
    ports = {f.slot: f for f in graph.facts(ingress, Role.TARGET)}
    routed = graph.targets(ingress.id, ROUTES_TO)
    out = []
    for position, raw in enumerate(ingress.attrs.get("backends") or []):
        if not isinstance(raw, dict) or not isinstance(raw.get("service"), str):
            continue
        name, slot = raw["service"], str(raw.get("slot", ""))
        fact = ports.get(slot)
        port_text = fact.value.text if fact is not None else (str(raw["port"]) if raw.get("port") else "")
        if port_text == ALB_ACTION_PORT:
            continue  # an AWS Load Balancer Controller action (redirect, fixed response), not a Service
        unresolved = bool(raw.get("name_unresolved")) or not is_dns_label(name)
        defined = tuple(s for s in _by_name(graph).get((ingress.ref.namespace, name), ()) if same_environment(s, ingress))
        out.append(Backend(ingress, position, slot, name, _loc(raw.get("location")), raw.get("host"), raw.get("path"),
                           fact, port_text, unresolved, tuple(s for s in routed if written_name(s) == name), defined))
    return out


def backend_port(graph: PortGraph, port: PortFact | None, services) -> PortMatch:
    """Does one of ``services`` expose the backend ``port`` (in the backend's environment)?"""
    exposed = tuple(p for s in services for p in graph.facts(s, Role.EXPOSE)
                    if port is None or same_environment(p, port))
    if port is None or port.value.unresolved or not exposed or not _matchable(port, exposed):
        return PortMatch(UNKNOWN, exposed, ())
    matched = tuple(p for p in exposed if _same_port(port, p))
    return PortMatch(OK if matched else DIFFERS, exposed, matched)


def is_dns_label(name: str) -> bool:
    """An RFC 1035 label, as Kubernetes requires of a Service name; anything else is unresolved."""
    return (0 < len(name) <= 63 and name.isascii() and name[0].isalpha() and name[-1].isalnum()
            and all(c.islower() or c.isdigit() or c == "-" for c in name))


def _by_name(graph: PortGraph) -> dict[tuple[str, str], list[Entity]]:
    def build() -> dict[tuple[str, str], list[Entity]]:
        index: dict[tuple[str, str], list[Entity]] = {}
        for service in graph.entities((SERVICE, GENERATED_SERVICE)):  # an operator's Service exists too
            index.setdefault((service.ref.namespace, written_name(service)), []).append(service)
        return index
    return graph.memo("query:services-by-name", build)


def _matchable(port: PortFact, exposed: tuple[PortFact, ...]) -> bool:
    """Every Service port needed for the comparison was resolved."""
    if port.value.number is not None:
        return all(p.value.number is not None for p in exposed)
    if port.value.name is not None:
        return all(p.port_name is None or PortValue.parse(p.port_name).name == p.port_name for p in exposed)
    return False


def _same_port(port: PortFact, exposed: PortFact) -> bool:
    if port.value.number is not None:
        return port.value.number == exposed.value.number
    return port.value.name is not None and port.value.name == exposed.port_name


def _loc(value) -> Location | None:
    return value if isinstance(value, Location) else None
