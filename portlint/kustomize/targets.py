"""Which objects of a build a patch is for: its ``target`` (or, for a strategic merge patch without
one, the object it names itself), as kustomize selects them."""

from __future__ import annotations

import re
from typing import Any

from portlint.kustomize import nodes
from portlint.kustomize.load import Target
from portlint.kustomize.resource import Resource
from portlint.readers import _yaml


def own_target(document: Any) -> Target:
    """A strategic merge patch without ``target`` names its object itself."""
    api = nodes.text(_yaml.get(document, "apiVersion")) or ""
    group = api.rpartition("/")[0] if "/" in api else ""
    return Target(group=group if api else None, kind=nodes.text(_yaml.get(document, "kind")),
                  name=re.escape(nodes.text(_yaml.get_path(document, "metadata", "name")) or "") or None,
                  namespace=re.escape(nodes.text(_yaml.get_path(document, "metadata", "namespace")) or "") or None)


def matches(resource: Resource, target: Target | None) -> bool:
    if target is None:
        return False
    api = resource.api_version
    group, _, version = api.rpartition("/") if "/" in api else ("", "", api)
    if target.group is not None and target.group != group:
        return False
    if target.version is not None and target.version != version:
        return False
    if target.kind is not None and not _full(target.kind, resource.kind):
        return False
    if target.name is not None and not any(_full(target.name, name) for name in resource.names):
        return False
    if target.namespace is not None and not _full(target.namespace, resource.namespace):
        return False
    if target.label_selector is not None and not _selects(target.label_selector, _map(resource, "labels")):
        return False
    if target.annotation_selector is not None and not _selects(target.annotation_selector,
                                                               _map(resource, "annotations")):
        return False
    return True


def _full(pattern: str, value: str) -> bool:
    try:
        return re.fullmatch(pattern, value) is not None
    except re.error:
        return pattern == value


def _map(resource: Resource, key: str) -> dict[str, str]:
    node = _yaml.get_path(resource.node, "metadata", key)
    return {nodes.text(k) or "": nodes.text(v) or "" for k, v in _yaml.items(node)}


_SET = re.compile(r"^\s*([^\s!=]+)\s+(in|notin)\s+\(([^)]*)\)\s*$")


def _selects(selector: str, labels: dict[str, str]) -> bool:
    """A label selector (``a=b,c!=d,e,!f,g in (x,y)``) against a label map."""
    for term in _split_terms(selector):
        term = term.strip()
        if not term:
            continue
        found = _SET.match(term)
        if found:
            key, op, values = found.group(1), found.group(2), {v.strip() for v in found.group(3).split(",")}
            if (op == "in") != (labels.get(key) in values if key in labels else False):
                if not (op == "notin" and key not in labels):
                    return False
            continue
        if "!=" in term:
            key, value = (p.strip() for p in term.split("!=", 1))
            if labels.get(key) == value:
                return False
        elif "=" in term:
            key, value = (p.strip() for p in term.replace("==", "=").split("=", 1))
            if labels.get(key) != value:
                return False
        elif term.startswith("!"):
            if term[1:].strip() in labels:
                return False
        elif term not in labels:
            return False
    return True


def _split_terms(selector: str) -> list[str]:
    terms, depth, current = [], 0, ""
    for char in selector:
        depth += char == "("
        depth -= char == ")"
        if char == "," and depth == 0:
            terms.append(current)
            current = ""
        else:
            current += char
    return [*terms, current]
