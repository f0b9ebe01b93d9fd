"""How rules name things in messages.

Small helpers the Kubernetes rules share so that a Service, a workload, a container or a port is
written the same way in every message, plus the environment test they all apply before comparing
two things (an entity or fact without an environment meets every environment).
"""

from __future__ import annotations

from portlint.graph import PortGraph
from portlint.model import Entity, PortFact


def written_name(entity: Entity) -> str:
    """The name as written (a second object of the same name gets a ``#2`` id from the reader)."""
    return str(entity.attrs.get("name") or entity.ref.name)


def entity_label(entity: Entity) -> str:
    """``Deployment fastapi-deployment`` (with its namespace when it has one)."""
    ns = f" (ns {entity.ref.namespace})" if entity.ref.namespace else ""
    return f"{entity.ref.kind.split('/', 1)[-1]} {written_name(entity)}{ns}"


def same_environment(a: Entity | PortFact, b: Entity | PortFact) -> bool:
    """Whether two entities or facts can meet: one without an environment meets every environment."""
    return a.environment is None or b.environment is None or a.environment == b.environment


def same_definition(a: PortFact, b: PortFact) -> bool:
    """Whether two facts of one container come from one definition of it: written in one file, or
    read from one kustomize build (a patch file may set one side; see docs/model.md)."""
    build = a.attrs.get("kustomize")
    return a.location.path == b.location.path or (build is not None and build == b.attrs.get("kustomize"))


def port_text(fact: PortFact, name_prefix: str = "", unnamed: str = "") -> str:
    """``8000/TCP (http)``: the port as written and its protocol, then its name if it has one.

    ``name_prefix`` is written before the name (``"name "`` gives ``8000/TCP (name http)``);
    ``unnamed``, when given, fills the parentheses of a port without a name (``"unnamed"`` gives
    ``8000/TCP (unnamed)``), otherwise such a port is just ``8000/TCP``.
    """
    if fact.port_name:
        name = f" ({name_prefix}{fact.port_name})"
    else:
        name = f" ({unnamed})" if unnamed else ""
    return f"{fact.value.text}/{fact.protocol}{name}"


def container_label(container: Entity) -> str:
    """A container entity's own name: ``fastapi`` (its ref name is ``<workload>/<container>``)."""
    return str(container.attrs.get("container_name") or container.ref.name.rsplit("/", 1)[-1])


def container_name(graph: PortGraph, fact: PortFact) -> str:
    """The name of the container that declares ``fact`` (from the fact's owner ref if the graph lacks it)."""
    owner = graph.entity(fact.owner.id)
    if owner is not None and owner.attrs.get("container_name"):
        return str(owner.attrs["container_name"])
    return fact.owner.name.rsplit("/", 1)[-1]
