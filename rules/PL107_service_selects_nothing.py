"""
## What it does
Reports a Kubernetes Service whose pods portlint cannot find:

- a `selector` that matches the pod template labels of no workload in the scan (same
  namespace) — the workload may live in another repository, hence a note;
- a Service with no `selector` at all (or an empty one), unless it is `type: ExternalName`:
  Kubernetes then creates no Endpoints for it, so it only works if someone manages them by hand
  (an `Endpoints` of the same name, or an `EndpointSlice` labelled
  `kubernetes.io/service-name` with it, in the same namespace in the scan, is such a hand).

When the selector matches a workload of the namespace that another deployment unit declares
(another chart, kustomization or example folder, which portlint does not join), the note names
that workload: the Service has endpoints only where both units are applied together.
A selector or pod labels portlint could not resolve (Helm `include` helpers) are not reported.
Workloads in the same namespace whose labels share a key with the selector are shown as the
other side, since a near-miss (`app: fast-api` vs `app: fastapi`) is the usual cause.

## Why is this bad
A Service that selects nothing has no endpoints: connections to it hang or are refused, and the
port checks of PL101/PL102 cannot run for it. The port-management spec's `web-service` and
`dash-service` have no selector at all.

## Example
```yaml
kind: Service
metadata:
  name: web-service
spec:
  ports:
    - port: 80
      targetPort: 3000
```

## Use instead
```yaml
kind: Service
metadata:
  name: web-service
spec:
  selector:
    app: web      # the labels of the web Deployment's pod template
  ports:
    - port: 80
      targetPort: 3000
```
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from portlint.describe import entity_label, same_environment, written_name
from portlint.graph import PortGraph
from portlint.model import Entity, Problem, Related
from portlint.links.kubernetes import WORKLOAD_KINDS, scope_of

ID = "PL107"
NAME = "service-selects-nothing"
SEVERITY = "note"
GROUP = "consistency"
SUMMARY = "A Service selects no workload in the scan, or has no selector"
TAGS = ("kubernetes",)


def check(ctx) -> Iterator[Problem]:
    from portlint.links.kubernetes import selected_workloads

    graph: PortGraph = ctx.graph
    index = _LabelIndex(list(graph.entities(WORKLOAD_KINDS)))
    manual = {(e.ref.namespace, e.attrs.get("service_name")) for e in graph.entities(("k8s/Endpoints", "k8s/EndpointSlice"))}
    for service in graph.entities("k8s/Service"):
        if str(service.attrs.get("type") or "").lower() == "externalname":
            continue
        if service.attrs.get("selector_unresolved"):
            continue  # a template fills the selector in: nothing to say
        selector = service.attrs.get("selector")
        if not selector:
            if (service.ref.namespace, written_name(service)) not in manual:
                yield _no_selector(service)
            continue
        namespace = service.ref.namespace
        if selected_workloads(graph, service) or namespace in index.unresolved_namespaces:
            continue
        environment = [w for w in index.by_namespace.get(namespace, []) if same_environment(w, service)]
        other_scope = [w for w in environment if _matches(selector, w)]  # matched, but not joined: another scope
        near = [] if other_scope else [w for w in index.near(namespace, selector) if same_environment(w, service)]
        elsewhere = [w for w in index.elsewhere(namespace, selector) if same_environment(w, service)]
        yield _selects_nothing(service, selector, near, elsewhere, index.count(namespace), other_scope[:_LabelIndex.NEAR_LIMIT])


class _LabelIndex:
    """Workloads by namespace and by pod label, to find near misses without comparing every pair."""

    NEAR_LIMIT = 3
    MAX_VALUES = 500  # above this many values of one label, near-miss hints are not worth the time

    def __init__(self, workloads: list[Entity]) -> None:
        self.by_namespace: dict[str, list[Entity]] = {}
        self.by_label: dict[tuple[str, str], dict[str, list[Entity]]] = {}
        self.unresolved_namespaces: set[str] = set()
        for workload in workloads:
            namespace = workload.ref.namespace
            self.by_namespace.setdefault(namespace, []).append(workload)
            if workload.attrs.get("labels_unresolved"):
                self.unresolved_namespaces.add(namespace)
            for key, value in (workload.attrs.get("pod_labels") or {}).items():
                self.by_label.setdefault((namespace, key), {}).setdefault(str(value), []).append(workload)

    def count(self, namespace: str) -> int:
        return len(self.by_namespace.get(namespace, []))

    def near(self, namespace: str, selector: dict) -> list[Entity]:
        """Workloads of the namespace whose label value is close to a selector value (same key)."""
        found: dict[str, Entity] = {}
        for key, value in sorted(selector.items()):
            values = self.by_label.get((namespace, key), {})
            if len(values) > self.MAX_VALUES:
                continue
            for close in difflib.get_close_matches(str(value), sorted(values), n=self.NEAR_LIMIT, cutoff=0.5):
                for workload in values[close]:
                    found.setdefault(workload.id, workload)
        return [found[k] for k in sorted(found)][: self.NEAR_LIMIT]

    def elsewhere(self, namespace: str, selector: dict) -> list[Entity]:
        """Workloads in other namespaces that the selector would match."""
        key, value = sorted(selector.items())[0]
        out = []
        for (other, label), values in sorted(self.by_label.items()):
            if other != namespace and label == key:
                out += [w for w in values.get(str(value), []) if _matches(selector, w)]
        return out


def _matches(selector: dict, workload: Entity) -> bool:
    labels = workload.attrs.get("pod_labels") or {}
    return all(labels.get(k) == v for k, v in selector.items())


def _no_selector(service: Entity) -> Problem:
    return Problem(
        location=service.location,
        message=(f"Service {written_name(service)} has no selector: Kubernetes creates no Endpoints for it, so it "
                 f"reaches no pod unless Endpoints/EndpointSlices are managed by hand"),
        fix="add spec.selector with the pod template labels of the workload it fronts "
            "(or type: ExternalName for an outside name)",
        key=f"{service.id}|no-selector",
    )


def _selects_nothing(service: Entity, selector: dict, near: list[Entity], strangers: list[Entity],
                     compared: int, other_scope: list[Entity]) -> Problem:
    wanted = ", ".join(f"{k}={v}" for k, v in sorted(selector.items()))
    related = tuple(Related(w.attrs.get("pod_labels_location") or w.location,
                            f"{entity_label(w)} has pod labels {_labels(w)}") for w in near) + tuple(
        Related(w.location, f"{entity_label(w)} matches the selector but is in another namespace") for w in strangers)
    related += tuple(Related(w.attrs.get("pod_labels_location") or w.location,
                             f"{entity_label(w)} matches the selector, in another deployment unit") for w in other_scope)
    where = f"namespace {service.ref.namespace!r}" if service.ref.namespace else "its namespace"
    if other_scope:
        return _matched_in_another_scope(service, wanted, where, other_scope, related)
    if strangers and not near:
        fix = "put the Service in the namespace of the workload it fronts"
    else:
        fix = "make the selector equal the pod template labels of the workload it fronts"
        fix += f" (e.g. {_labels(near[0])})" if near else ""
    return Problem(
        location=service.location,
        message=(f"Service {written_name(service)} selector {wanted} matches no workload in {where} in the scan: "
                 f"it has no endpoints here (the workload may live elsewhere)"),
        related=related,
        fix=fix,
        key=f"{service.id}|selects-nothing|{wanted}",
        explain=(f"no 'selects' link from {service.id}; {compared} workload(s) in {where} compared",),
    )


def _matched_in_another_scope(service: Entity, wanted: str, where: str, matched: list[Entity],
                              related: tuple[Related, ...]) -> Problem:
    """The selector matches a workload of the namespace that another deployment unit (another
    chart, kustomization or example folder) declares: the pods exist if both are applied."""
    first = matched[0]
    unit = scope_of(first) or "the scan root"
    return Problem(
        location=service.location,
        message=(f"Service {written_name(service)} selector {wanted} matches no workload of its own deployment unit "
                 f"({scope_of(service) or 'the scan root'}); {entity_label(first)} in {unit} matches it in {where}: "
                 f"it has endpoints only where both are applied together"),
        related=related,
        fix=f"apply it with {unit}, or move it there, if it fronts {entity_label(first)}",
        key=f"{service.id}|selects-nothing|{wanted}",
        explain=(f"no 'selects' link from {service.id}: workloads of other scopes are not joined "
                 f"(portlint.links.kubernetes.nearest)",),
    )


def _labels(workload: Entity) -> str:
    labels = workload.attrs.get("pod_labels") or {}
    return ", ".join(f"{k}={v}" for k, v in sorted(labels.items())) or "(none)"
