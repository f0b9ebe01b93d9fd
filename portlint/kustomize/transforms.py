"""kustomize's builtin changes to every object of a build: ``namespace``, ``namePrefix``/``nameSuffix``
(Ingress backends follow a renamed Service, per kustomize's name references) and labels (per its
``commonLabels`` field specs)."""

from __future__ import annotations

from typing import Any

from portlint.kustomize import nodes
from portlint.kustomize.resource import Resource
from portlint.readers import _yaml

CLUSTER_SCOPED = frozenset({"Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition",
                            "PersistentVolume", "StorageClass", "PriorityClass", "IngressClass",
                            "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration", "APIService",
                            "ClusterIssuer", "GatewayClass"})
WORKLOAD_SELECTORS = {"Deployment": True, "ReplicaSet": True, "DaemonSet": True, "StatefulSet": True,
                      "Job": False}  # kind -> does commonLabels create spec.selector.matchLabels
TEMPLATED = ("Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "Job", "ReplicationController")


def set_namespace(resources: list[Resource], namespace: Any) -> None:
    for resource in resources:
        if resource.kind in CLUSTER_SCOPED:
            continue
        meta = nodes.child_mapping(resource.node, "metadata", namespace)
        nodes.set_key(meta, "namespace", nodes.copy(namespace), namespace)


def rename(resources: list[Resource], prefix: Any, suffix: Any) -> None:
    renamed: dict[tuple[str, str], str] = {}  # (namespace, old Service name) -> new name
    at = prefix if prefix is not None else suffix
    for resource in resources:
        if resource.kind in ("Namespace", "CustomResourceDefinition"):
            continue
        name_node = _yaml.get_path(resource.node, "metadata", "name")
        old = nodes.text(name_node)
        if old is None:
            continue
        new = f"{nodes.text(prefix) or ''}{old}{nodes.text(suffix) or ''}"
        meta = _yaml.get(resource.node, "metadata")
        nodes.set_key(meta, "name", nodes.scalar(new, name_node), at)
        resource.names.append(new)
        if resource.kind == "Service":
            renamed[(resource.namespace, old)] = new
    if renamed:
        for resource in resources:
            if resource.kind == "Ingress":
                _follow_services(resource, renamed)


def _follow_services(ingress: Resource, renamed: dict[tuple[str, str], str]) -> None:
    """Ingress backends naming a renamed Service of the same namespace name its new name."""
    spec = _yaml.get(ingress.node, "spec")
    backends = [_yaml.get(spec, "defaultBackend"), _yaml.get(spec, "backend")]
    for rule in _yaml.seq(_yaml.get(spec, "rules")):
        backends += [_yaml.get(path, "backend") for path in _yaml.seq(_yaml.get_path(rule, "http", "paths"))]
    for backend in backends:
        if not _yaml.is_mapping(backend):
            continue
        service = _yaml.get(backend, "service")
        holder, key = (service, "name") if _yaml.is_mapping(service) else (backend, "serviceName")
        node = _yaml.get(holder, key)
        new = renamed.get((ingress.namespace, nodes.text(node) or ""))
        if new is not None:
            nodes.set_key(holder, key, nodes.scalar(new, node))


def add_labels(resource: Resource, labels: Any) -> None:
    kind = resource.kind
    paths: list[tuple[tuple[str, ...], bool]] = [(("metadata", "labels"), True)]
    if labels.selectors:
        if kind in ("Service", "ReplicationController"):
            paths.append((("spec", "selector"), True))
        elif kind in WORKLOAD_SELECTORS:
            paths.append((("spec", "selector", "matchLabels"), WORKLOAD_SELECTORS[kind]))
        elif kind == "CronJob":
            paths.append((("spec", "jobTemplate", "spec", "selector", "matchLabels"), False))
        elif kind == "NetworkPolicy":
            paths.append((("spec", "podSelector", "matchLabels"), False))
    if labels.templates:
        if kind in TEMPLATED:
            paths.append((("spec", "template", "metadata", "labels"), True))
        elif kind == "CronJob":
            paths.append((("spec", "jobTemplate", "spec", "template", "metadata", "labels"), True))
    for path, create in paths:
        target = _walk(resource.node, path, create, labels.pairs[0][0] if labels.pairs else resource.node)
        if target is None:
            continue
        for key, value in labels.pairs:
            name = nodes.text(key)
            if name is not None:
                nodes.set_key(target, name, nodes.copy(value), key)


def _walk(node: Any, path: tuple[str, ...], create: bool, at: Any) -> Any:
    for key in path:
        child = _yaml.get(node, key)
        if not _yaml.is_mapping(child):
            if not create or not _yaml.is_mapping(node):
                return None
            child = nodes.mapping(at)
            nodes.set_key(node, key, child, at)
        node = child
    return node
