"""Strategic merge patches, as kustomize applies them to the Kubernetes kinds portlint reads.

Mappings merge key by key, a ``null`` deletes a key, ``$patch: delete``/``replace`` do what
they say. Lists of objects merge by their Kubernetes patch merge key (containers by ``name``,
container ports by ``containerPort``, Service ports by ``port``, env by ``name``…): an item
whose key is new is *appended* — so a patch naming ``containerPort: 9090`` adds a port beside
8080 rather than replacing it, exactly as ``kustomize build`` does. Other lists are replaced.
A patch never changes the object's identity (apiVersion, kind, name, namespace).
"""

from __future__ import annotations

from typing import Any

from portlint.kustomize import nodes
from portlint.readers import _yaml

# list field -> merge key, wherever the field appears in a pod spec
POD_LIST_KEYS = {"containers": "name", "initContainers": "name", "ephemeralContainers": "name",
                 "env": "name", "volumes": "name", "volumeMounts": "mountPath", "volumeDevices": "devicePath",
                 "imagePullSecrets": "name", "hostAliases": "ip", "resourceClaims": "name"}
CONTAINER_LISTS = ("containers", "initContainers", "ephemeralContainers")
DIRECTIVE = "$patch"
IDENTITY = ("apiVersion", "kind")


class PatchError(Exception):
    """A patch kustomize would refuse (a ``$patch`` value it does not know)."""


def apply(base: Any, patch: Any, kind: str) -> Any:
    """``base`` (a copy the caller owns) with ``patch`` merged in; returns the new root node, or
    ``None`` when the patch deletes the object (``$patch: delete`` at its top)."""
    return _merge_map(base, patch, (), kind, top=True)


def _merge_map(base: Any, patch: Any, path: tuple[str, ...], kind: str, top: bool = False) -> Any:
    """Merge mapping ``patch`` into mapping ``base`` in place; ``None`` means "delete me"."""
    directive = nodes.text(_yaml.get(patch, DIRECTIVE))
    if directive == "delete":
        return None
    if directive == "replace":
        replaced = nodes.copy(patch)
        nodes.delete_key(replaced, DIRECTIVE)
        return replaced
    if directive not in (None, "merge"):
        raise PatchError(f"unknown $patch: {directive}")
    if not _yaml.is_mapping(base):
        replaced = nodes.copy(patch)
        _strip_directives(replaced)
        return replaced
    for key_node, value in _yaml.items(patch):
        key = nodes.text(key_node)
        if key is None or key.startswith("$"):
            continue  # $patch, $retainKeys, $setElementOrder/…: ordering and pruning hints
        if top and key in IDENTITY:
            continue
        if top and key == "metadata":
            _merge_metadata(base, value, kind)
            continue
        if nodes.is_null(value):
            nodes.delete_key(base, key)
            continue
        current = _yaml.get(base, key)
        if _yaml.is_mapping(value) and _yaml.is_mapping(current):
            merged = _merge_map(current, value, (*path, key), kind)
            if merged is None:
                nodes.delete_key(base, key)
            else:
                nodes.set_key(base, key, merged, key_node)
        elif _yaml.is_sequence(value):
            merged_list = _merge_list(current, value, (*path, key), kind)
            nodes.set_key(base, key, merged_list, key_node)
        elif _yaml.is_mapping(value):
            if nodes.text(_yaml.get(value, DIRECTIVE)) == "delete":
                nodes.delete_key(base, key)
                continue
            fresh = nodes.copy(value)
            _strip_directives(fresh)
            nodes.set_key(base, key, fresh, key_node)
        else:
            nodes.set_key(base, key, nodes.copy(value), key_node)
    return base


def _merge_metadata(base: Any, patch: Any, kind: str) -> None:
    """Labels and annotations merge; the name and namespace stay the object's own."""
    if not _yaml.is_mapping(patch):
        return
    meta = nodes.child_mapping(base, "metadata", patch)
    trimmed = nodes.mapping(patch, [(k, v) for k, v in _yaml.items(patch)
                                    if nodes.text(k) not in ("name", "namespace", "generateName")])
    _merge_map(meta, trimmed, ("metadata",), kind)


def merge_key(path: tuple[str, ...], kind: str) -> str | None:
    """The patch merge key of the list at ``path`` (``None``: the list is replaced)."""
    field = path[-1]
    if field == "ports":
        if len(path) >= 2 and path[-2] in CONTAINER_LISTS:
            return "containerPort"
        if kind == "Service" and path == ("spec", "ports"):
            return "port"
        return None
    return POD_LIST_KEYS.get(field)


def _merge_list(base: Any, patch: Any, path: tuple[str, ...], kind: str) -> Any:
    key = merge_key(path, kind)
    items = list(patch.value)
    replace = [i for i in items if _yaml.is_mapping(i) and nodes.text(_yaml.get(i, DIRECTIVE)) == "replace"]
    if key is None or not _yaml.is_sequence(base) or replace:
        kept = [nodes.copy(i) for i in items if i not in replace]
        for item in kept:
            _strip_directives(item)
        return _sequence_like(patch, kept)
    result = list(base.value)
    for item in items:
        if not _yaml.is_mapping(item):
            continue
        wanted = nodes.text(_yaml.get(item, key))
        index = next((i for i, existing in enumerate(result)
                      if wanted is not None and nodes.text(_yaml.get(existing, key)) == wanted), None)
        directive = nodes.text(_yaml.get(item, DIRECTIVE))
        if directive == "delete":
            if index is not None:
                del result[index]
            continue
        if index is None:
            fresh = nodes.copy(item)
            _strip_directives(fresh)
            result.append(fresh)
            continue
        # the item's path: under a container list, the next level knows it is in a container
        merged = _merge_map(result[index], item, path, kind)
        if merged is None:
            del result[index]
        else:
            result[index] = merged
    base.value = result
    return base


def _sequence_like(at: Any, items: list[Any]) -> Any:
    import yaml

    return yaml.SequenceNode(nodes.SEQ, items, at.start_mark, at.end_mark, at.flow_style)


def _strip_directives(node: Any) -> None:
    """Drop ``$patch``-style keys from a subtree copied in whole."""
    stack = [node]
    while stack:
        current = stack.pop()
        if _yaml.is_mapping(current):
            current.value = [(k, v) for k, v in current.value if not (nodes.text(k) or "").startswith("$")]
            stack.extend(v for _, v in current.value)
        elif _yaml.is_sequence(current):
            stack.extend(current.value)
