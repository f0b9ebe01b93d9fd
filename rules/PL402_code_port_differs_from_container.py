"""
## What it does
Finds the port application code listens on — a literal (`uvicorn.run(port=8000)`) or the
effective value of the config key / environment variable it reads, per environment — and
compares it with the container ports of the containers that run that code:

- compose services whose `command` (or whose image's `CMD`) runs the module, and compose services
  of the same logical service: the container side of `ports` and `expose`;
- Kubernetes containers of the same logical service: `containerPort` (sidecars included, so a
  port any container of the workload declares counts).

It reports a container that declares ports when none of them is the port the code listens on.
Dockerfile `EXPOSE` is checked by PL408. Containers that declare no port, and code whose port
is unresolved, are skipped.

## Why is this bad
The container port is where Kubernetes Services, probes and compose publish rules send traffic.
If the app listens elsewhere, every request is refused even though the pod is running.

## Example
```yaml
# deploy/kubernetes/fastapi/deployment.yaml (the code reads fastapi.port = 8000)
containers:
  - name: fastapi
    ports:
      - containerPort: 8080
```

## Use instead
```yaml
containers:
  - name: fastapi
    ports:
      - containerPort: 8000
```
"""

from __future__ import annotations

from collections.abc import Iterator

from portlint.graph import explain_link, members
from portlint.links.apps import CodePort, code_ports, container_env, entity_label, service_name
from portlint.links.containers import COMPOSE, code_listens, image_of, runners_of
from portlint.model import Entity, PortFact, Problem, Related, Role

ID = "PL402"
NAME = "code-port-differs-from-container"
SEVERITY = "error"
GROUP = "consistency"
SUMMARY = "Code listens on a port that the container running it does not declare"
TAGS = ("application", "containers")
CODE_KINDS = ("code/python",)
K8S_CONTAINER = "k8s/Container"


def check(ctx) -> Iterator[Problem]:
    graph = ctx.graph
    for module in graph.entities(CODE_KINDS):
        for listen in graph.facts(module, Role.LISTEN):
            for group, ports, how, env_holders in _containers(graph, module):
                if listen.attrs.get("main_guard") and listen not in code_listens(graph, module, group):
                    continue  # a server command imports the module: its __main__ block does not run
                problem = _compare(graph, module, listen, group, ports, how, container_env(graph, env_holders))
                if problem is not None:
                    yield problem


def _containers(graph, module: Entity) -> list[tuple[Entity, list[PortFact], str, list[Entity]]]:
    """(container group, its declared ports, how it is tied to the module, the entities that set
    its environment), sorted."""
    groups: dict[str, tuple[Entity, list[PortFact], str, list[Entity]]] = {}
    for runner in runners_of(graph, module):
        if runner.ref.kind == COMPOSE:
            groups[runner.id] = (runner, _compose_ports(graph, runner), f"its command runs {module.ref.name}",
                                 _with_image(graph, runner))
    service = service_name(graph, module)
    if service:
        for entity in members(graph, service):
            kind = entity.ref.kind
            if kind != COMPOSE and kind != K8S_CONTAINER and not graph.has_outgoing(entity.id, "contains"):
                continue  # most members (config files, code, cloud resources) hold nothing
            if kind == COMPOSE and entity.id not in groups:
                groups[entity.id] = (entity, _compose_ports(graph, entity), f"a member of {service}",
                                     _with_image(graph, entity))
            for workload, containers in _k8s_workloads(graph, entity):
                if workload.id not in groups:
                    ports = [f for c in containers for f in graph.facts(c, Role.LISTEN)]
                    groups[workload.id] = (workload, ports, f"its containers are members of {service}", containers)
    return [groups[k] for k in sorted(groups)]


def _with_image(graph, service: Entity) -> list[Entity]:
    image = image_of(graph, service)
    return [service, image] if image is not None else [service]


def _k8s_workloads(graph, entity: Entity) -> list[tuple[Entity, list[Entity]]]:
    if entity.ref.kind == K8S_CONTAINER:
        parent = graph.parent(entity)
        return [(parent, [c for c in graph.children(parent.id) if c.ref.kind == K8S_CONTAINER])] if parent else []
    if not graph.has_outgoing(entity.id, "contains"):
        return []  # most members (config files, code, cloud resources) hold nothing
    containers = [c for c in graph.children(entity.id) if c.ref.kind == K8S_CONTAINER]
    return [(entity, containers)] if containers else []


def _compose_ports(graph, service: Entity) -> list[PortFact]:
    return graph.facts(service, Role.TARGET) + graph.facts(service, Role.EXPOSE)


def _compare(graph, module: Entity, listen: PortFact, group: Entity, ports: list[PortFact], how: str,
             env_vars: dict) -> Problem | None:
    declared = [p for p in ports if p.value.number is not None and p.protocol == listen.protocol]
    if not declared:
        return None
    numbers = {p.value.number for p in declared}
    environments = [group.environment] if group.environment else None
    wrong = [cp for cp in code_ports(graph, listen, environments, env_vars) if cp.number not in numbers]
    if not wrong:
        return None
    return _problem(graph, module, listen, group, declared, wrong, how)


def _problem(graph, module: Entity, listen: PortFact, group: Entity, declared: list[PortFact],
             wrong: list[CodePort], how: str) -> Problem:
    first = min(declared, key=lambda p: p.location)
    listens = "; ".join(sorted({cp.describe() for cp in wrong}))
    ports = ", ".join(sorted({f"{p.value.text}/{p.protocol}" for p in declared}, key=lambda t: (len(t), t)))
    related = [Related(listen.location, f"{module.ref.name} listens here ({listen.field}: {listen.value.text})")]
    origins = {(cp.location, cp.number, cp.environment or "") for cp in wrong if cp.location is not None}
    related += [Related(where, f"sets it to {number}" + (f" in {env}" if env else ""))
                for where, number, env in sorted(origins)]
    related += [Related(p.location, f"{p.field} {p.value.text}") for p in sorted(declared, key=lambda p: p.location)[1:]]
    explain = [explain_link(link) for link in graph.incoming(module.id, "member")]
    explain += [explain_link(link) for link in graph.incoming(module.id, "runs")]
    explain += [explain_link(link) for link in graph.incoming(group.id, "member")]
    target = sorted({cp.number for cp in wrong})
    return Problem(
        location=first.location,
        message=(f"{entity_label(group)} declares {ports} but the code it runs listens on {listens} "
                 f"({how}): traffic sent to the container port is refused"),
        related=tuple(related),
        fix=f"declare container port {' / '.join(map(str, target))}, or make the code listen on {first.value.text}",
        key=f"{module.id}|{listen.field}|{group.id}",
        explain=tuple(explain),
    )
