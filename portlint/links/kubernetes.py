"""Kubernetes links: Service ``selects`` workloads, Ingress ``routes-to`` Services.

Both stay within one namespace, prefer their own scope (see :mod:`portlint.scopes` and
:func:`nearest`), and never cross environments (an entity without an environment meets every
environment). Objects that do not state a namespace land wherever they are applied, so among
those a Service selects (and an Ingress routes to) the matches in the nearest folder — the
``app: frontend`` of one example folder does not select the pods of the next. Nothing is guessed: a selector or pod labels that hold a template the
reader could not resolve (``selector_unresolved`` / ``labels_unresolved``) link nothing.

Rules use :func:`selected_workloads`, :func:`containers_of` and :func:`declared_ports`; whether a
targetPort reaches a containerPort is :mod:`portlint.query.targets`'s question.
"""

from __future__ import annotations

import posixpath
from collections import defaultdict
from collections.abc import Callable, Iterable

from portlint.describe import same_environment
from portlint.graph import PortGraph
from portlint.model import Entity, Link, Location, ParseFailure, PortFact, Role, Severity

ORDER = 10
SERVICE = "k8s/Service"
INGRESS = "k8s/Ingress"
NETWORK_POLICY = "k8s/NetworkPolicy"  # selects its pods like a Service (matchLabels only; {} is not linked)
CONTAINER = "k8s/Container"
WORKLOAD_KINDS = ("k8s/Pod", "k8s/Deployment", "k8s/StatefulSet", "k8s/DaemonSet", "k8s/ReplicaSet",
                  "k8s/ReplicationController", "k8s/Job", "k8s/CronJob", "k8s/Rollout")
SELECTS = "selects"
ROUTES_TO = "routes-to"
# container kinds whose ports a Service can reach: plain init containers have exited by then
SERVING_CONTAINERS = ("container", "sidecar")


def link(graph: PortGraph) -> None:
    _link_selectors(graph)
    _link_ingresses(graph)


def selected_workloads(graph: PortGraph, service: Entity | str) -> list[Entity]:
    """The workloads a Service's selector matches, sorted by id.

    Read from the selection index, not from the ``selects`` links: Services with one selector
    share one list, so 1,500 Services selecting the same 1,500 Deployments hold 1,500 entries,
    not 2.25 million."""
    return list(selection(graph).get(_id(service), ()))


def selection(graph: PortGraph) -> dict[str, tuple[Entity, ...]]:
    """Service id -> the workloads its selector matches; equal selectors share one tuple."""
    return graph.memo_entities("k8s:selection", lambda: _select(graph))  # selectors and labels only


def containers_of(graph: PortGraph, workload: Entity | str) -> list[Entity]:
    """The containers (init containers and sidecars included) of a workload's pod, sorted by id."""
    return [child for child in graph.children(_id(workload)) if child.ref.kind == CONTAINER]


def serving_containers(graph: PortGraph, workload: Entity | str) -> list[Entity]:
    """The containers that serve a workload's traffic: main containers and native sidecars."""
    return [c for c in containers_of(graph, workload) if c.attrs.get("container_kind", "container") in SERVING_CONTAINERS]


def declared_ports(graph: PortGraph, workload: Entity) -> list[PortFact] | None:
    """The ``listen`` facts of a workload's serving containers; ``None`` when a template may add
    containers or ports (then nothing can be said to be missing)."""
    if workload.attrs.get("containers_unresolved"):
        return None
    serving = serving_containers(graph, workload)
    if any(c.attrs.get("ports_unresolved") for c in serving):
        return None
    return [f for c in serving for f in graph.facts(c, Role.LISTEN)]


def scope_of(entity: Entity) -> str:
    """The scope an entity was read in (see :mod:`portlint.scopes`)."""
    return str(entity.attrs.get("scope", ""))


def nearest(origin: Entity, candidates: list[Entity], cross_scope: bool = False) -> list[Entity]:
    """The candidates ``origin`` (a Service, an Ingress) joins, per environment:

    1. those of its own scope (a chart, a kustomization, a compose project renders its own
       objects); with ``cross_scope`` (an Ingress naming a Service), when its scope has none, those
       of the one other scope that has some — never when several do, so an example collection's
       apps never meet. An origin in no scope (a loose manifest outside every chart and
       kustomization) also meets the candidates of the units in its folder or below it, and the
       nearest folder wins as in 2, a tie going to its own scope: the kustomize base beside a loose
       Service, not a sibling sample's workload;
    2. when the namespace is not written (the objects land wherever they are applied), those in
       the nearest folder: (steps up from the origin's folder, steps down from there, another
       file) is smallest — the same file, then the same folder, then below it, then from the
       parent's folder, and so on. Objects in a written namespace are all kept: the author says
       they are applied together — unless one object (kind, namespace, name) is declared in
       two folders: both cannot exist in one cluster, so those folders are alternatives (an
       example collection, pre-rendered chart outputs), and the nearest folder wins as above.
    """
    if not candidates:
        return []
    if len(candidates) == 1:  # what the ranking below comes to for one candidate
        only = candidates[0]
        keep = cross_scope or scope_of(only) == scope_of(origin) or _units_below(origin, candidates)
        return [only] if keep else []
    here = origin.location.path
    below = _units_below(origin, candidates)
    if below:  # a loose origin: the nearest of its own scope's and the units below, over every environment
        mine = [c for c in candidates if scope_of(c) == scope_of(origin)]
        best = min(_distance(here, c.location.path) for c in mine + below)
        nearest_ones = [c for c in mine + below if _distance(here, c.location.path) == best]
        candidates = [c for c in nearest_ones if c in mine] or nearest_ones  # a tie goes to its own scope
    groups: dict[str | None, list[Entity]] = defaultdict(list)
    for candidate in candidates:
        groups[candidate.environment].append(candidate)
    kept: set[str] = set()
    for group in groups.values():
        pool = group if below else [c for c in group if scope_of(c) == scope_of(origin)]
        if not pool and cross_scope and len({scope_of(c) for c in group}) == 1:
            pool = group
        build = origin.attrs.get("kustomize")  # one kustomize build is applied together: no folder ranking
        same_build = [c for c in pool if build and c.attrs.get("kustomize") == build]
        if same_build:
            pool = same_build
        elif pool and (not origin.ref.namespace or _declared_twice(pool)):
            ranked = [(_distance(here, c.location.path), c) for c in pool]
            best = min(distance for distance, _ in ranked)
            pool = [c for distance, c in ranked if distance == best]
        kept.update(c.id for c in pool)
    return [c for c in candidates if c.id in kept]


def _units_below(origin: Entity, group: list[Entity]) -> list[Entity]:
    """For a loose origin (in no scope), the candidates of other scopes in its folder or below it:
    a kustomize base or chart beside a loose Service may be what it fronts."""
    if scope_of(origin):
        return []
    folder = posixpath.dirname(origin.location.path)
    return [c for c in group if scope_of(c) and (not folder or c.location.path.startswith(folder + "/"))]


def _identity(entity: Entity) -> tuple[str, str, str]:
    return entity.ref.kind, entity.ref.namespace, str(entity.attrs.get("name") or entity.ref.name)


def _declared_twice(entities: list[Entity]) -> bool:
    """One object (kind, namespace, name) declared in two folders among ``entities``."""
    folders: dict[tuple[str, str, str], str] = {}
    for entity in entities:
        folder = posixpath.dirname(entity.location.path)
        if folders.setdefault(_identity(entity), folder) != folder:
            return True
    return False


def _parts(rel: str) -> tuple[str, ...]:
    folder = posixpath.dirname(rel)
    return tuple(folder.split("/")) if folder else ()


def _distance(here: str, there: str) -> tuple[int, int, int]:
    a, b = _parts(here), _parts(there)
    common = 0
    for x, y in zip(a, b):
        if x != y:
            break
        common += 1
    return len(a) - common, len(b) - common, 0 if here == there else 1


def _id(entity: Entity | str) -> str:
    return entity if isinstance(entity, str) else entity.id


def _same_environment(a: Entity, b: Entity) -> bool:
    return same_environment(a, b)


# -- selects ------------------------------------------------------------------------------------


MAX_SELECT_LINKS = 20_000  # selects links drawn one by one; beyond, a group of Services is one note


def _select(graph: PortGraph) -> dict[str, tuple[Entity, ...]]:
    by_label: dict[tuple[str, str, str], list[Entity]] = defaultdict(list)  # (namespace, key, value)
    for workload in graph.entities(WORKLOAD_KINDS):
        if not workload.attrs.get("labels_unresolved"):
            for key, value in (workload.attrs.get("pod_labels") or {}).items():
                by_label[(workload.ref.namespace, key, value)].append(workload)
    groups: dict[tuple, tuple[Entity, ...]] = {}  # (namespace, environment, selector, scope…) -> workloads
    chosen: dict[str, tuple[Entity, ...]] = {}
    twice = _namespaces_declaring_twice(graph)
    for service in graph.entities((SERVICE, NETWORK_POLICY)):
        selector = service.attrs.get("selector")
        if not isinstance(selector, dict) or not selector or service.attrs.get("selector_unresolved"):
            continue
        # what nearest() looks at: the scope, the kustomize build, and the file when the namespace is
        # not written or the Service is loose (the units below its folder)
        key = (service.ref.namespace, service.environment, tuple(sorted(selector.items(), key=str)),
               scope_of(service), service.attrs.get("kustomize") or "",
               "" if service.ref.namespace and service.ref.namespace not in twice and scope_of(service)
               else service.location.path)
        if key not in groups:
            groups[key] = _matching(service, selector, by_label)
        if groups[key]:
            chosen[service.id] = groups[key]
    return chosen


def _namespaces_declaring_twice(graph: PortGraph) -> set[str]:
    """Written namespaces where some workload is declared in two folders (see :func:`nearest`)."""
    folders: dict[tuple[str, str, str], str] = {}
    out: set[str] = set()
    for workload in graph.entities(WORKLOAD_KINDS):
        if workload.ref.namespace:
            folder = posixpath.dirname(workload.location.path)
            if folders.setdefault(_identity(workload), folder) != folder:
                out.add(workload.ref.namespace)
    return out


def _matching(service: Entity, selector: dict, by_label: dict) -> tuple[Entity, ...]:
    written = {k: v for k, v in selector.items() if k not in CONTROLLER_LABELS}
    if not written:
        return ()  # only labels a controller adds: which pods is not known here
    candidates = min((by_label.get((service.ref.namespace, k, v), []) for k, v in written.items()), key=len)
    matching = [w for w in candidates if _same_environment(service, w)
                and all((w.attrs.get("pod_labels") or {}).get(k) == v for k, v in written.items())
                and all(_controller_label(w, k, v) for k, v in selector.items() if k in CONTROLLER_LABELS)]
    return tuple(nearest(service, matching))


# Labels the StatefulSet controller adds to each pod it creates, never written in the template
# (kubernetes.io/docs/concepts/workloads/controllers/statefulset/: "Pod Name Label", "Pod index
# label"): a Service may select one replica by them.
CONTROLLER_LABELS = ("statefulset.kubernetes.io/pod-name", "apps.kubernetes.io/pod-index")


def _controller_label(workload: Entity, key: str, value) -> bool:
    """Whether the pods of ``workload`` can carry ``key=value`` though its template does not say so."""
    if workload.ref.kind != "k8s/StatefulSet" or not isinstance(value, str):
        return False
    if key == "apps.kubernetes.io/pod-index":
        return value.isdigit()
    name = str(workload.attrs.get("name") or workload.ref.name)
    return value.startswith(name + "-") and value[len(name) + 1:].isdigit()


def _link_selectors(graph: PortGraph) -> None:
    """``selects`` links, group by group (Services sharing one selection), while their number stays
    under :data:`MAX_SELECT_LINKS`; a larger group is one note, and rules still see it whole."""
    chosen = selection(graph)
    by_group: dict[int, list[str]] = defaultdict(list)
    for service_id in sorted(chosen):
        by_group[id(chosen[service_id])].append(service_id)
    budget = MAX_SELECT_LINKS
    links: list[Link] = []
    for service_ids in by_group.values():
        workloads = chosen[service_ids[0]]
        size = len(service_ids) * len(workloads)
        if size > budget:
            _note_group(graph, service_ids, workloads, size)
            continue
        budget -= size
        for service_id in service_ids:
            service = graph.entity(service_id)
            links += [_selects(service, w, service.attrs["selector"]) for w in workloads]
    for link in links:
        graph.add_link(link)


def _note_group(graph: PortGraph, service_ids: list[str], workloads: tuple[Entity, ...], size: int) -> None:
    first = graph.entity(service_ids[0])
    others = f" and {len(service_ids) - 1} more Services" if len(service_ids) > 1 else ""
    graph.failures.append(ParseFailure(
        _where(first, "selector_location"),
        f"{first.ref.label}{others} select the same {len(workloads)} workloads: the {size:,} selects links are "
        f"kept as one group (over {MAX_SELECT_LINKS:,}), not drawn one by one in --explain and graph export",
        "kubernetes", Severity.NOTE))


def _selects(service: Entity, workload: Entity, selector: dict[str, str]) -> Link:
    pairs = ", ".join(f"{k}={v}" for k, v in sorted(selector.items()))
    what = "its labels" if workload.ref.kind == "k8s/Pod" else "the pod template labels"
    reason = f"selector {pairs} matches {what} of {workload.ref.label}"
    locations = (_where(service, "selector_location"), _where(workload, "pod_labels_location"))
    return Link(service.id, workload.id, SELECTS, reason, locations)


def _where(entity: Entity, attr: str) -> Location:
    found = entity.attrs.get(attr)
    return found if isinstance(found, Location) else entity.location


# -- routes-to ----------------------------------------------------------------------------------


def _link_ingresses(graph: PortGraph) -> None:
    link_backends(graph, graph.entities(INGRESS), lambda ingress, _: ingress.ref.namespace, ("path", "slot"), "backend ")


def link_backends(graph: PortGraph, origins: Iterable[Entity], namespace: Callable[[Entity, dict], str],
                  where_keys: tuple[str, ...], prefix: str = "") -> None:
    """Link each origin (an Ingress, a route, a DestinationRule) ``routes-to`` the Services its
    ``backends`` name: in the backend's namespace (``namespace(origin, backend)``) and the origin's
    environment, the nearest when several match (:func:`nearest`, across scopes when the origin's
    own has none). The link's reason names the backends by their first key of ``where_keys``."""
    services: dict[tuple[str, str], list[Entity]] = defaultdict(list)
    for service in graph.entities(SERVICE):
        services[(service.ref.namespace, service.attrs.get("name", service.ref.name))].append(service)
    for origin in origins:
        routes: dict[str, list[dict]] = defaultdict(list)
        for backend in origin.attrs.get("backends") or []:
            candidates = [s for s in services.get((namespace(origin, backend), backend.get("service")), [])
                          if same_environment(origin, s)]
            for service in nearest(origin, candidates, cross_scope=True):
                routes[service.id].append(backend)
        for service_id in sorted(routes):
            graph.add_link(_routes_to(origin, graph.entity(service_id), routes[service_id], where_keys, prefix))


def _routes_to(origin: Entity, service: Entity, backends: list[dict], where_keys: tuple[str, ...],
               prefix: str) -> Link:
    ports = tuple(dict.fromkeys(str(b["port"]) for b in backends if b.get("port") is not None))
    where = ", ".join(next((b[k] for k in where_keys if b.get(k)), "backend") for b in backends)
    reason = f"{prefix}{where} names Service {service.attrs.get('name', service.ref.name)}"
    if ports:
        reason += f" port {', '.join(ports)}"
    locations = tuple(sorted({b["location"] for b in backends if isinstance(b.get("location"), Location)}))
    attrs = (("port", ports[0] if ports else None), ("ports", ports))
    return Link(origin.id, service.id, ROUTES_TO, reason, locations + (service.location,), attrs)
