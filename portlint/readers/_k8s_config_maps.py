"""ConfigMaps a container reads, and the listen ports their data sets.

Many apps take their listen address from a config file mounted from a ConfigMap
(``bind_port = "8081"`` in a ``server.conf``) or from variables loaded with ``envFrom``. Such a port
is where the app may listen although the container does not declare it:

- a ConfigMap becomes a ``k8s/ConfigMap`` entity with ``listen_ports`` (the numbers its data sets
  under a key that names a port, a listen or a bind address; see
  :func:`portlint.readers._k8s_args.config_listen_ports`) when it sets any;
- a container gets ``config_maps``: the names of the ConfigMaps it mounts (``volumeMounts`` of a
  ``configMap`` or ``projected`` volume) or loads (``envFrom.configMapRef``,
  ``env[].valueFrom.configMapKeyRef``).

Joining the two (same namespace) is the query layer's job (:mod:`portlint.query.undeclared`).
"""

from __future__ import annotations

from typing import Any

from portlint.readers import _yaml
from portlint.readers._k8s_args import config_listen_ports
from portlint.readers._k8s_source import Source, get


def read_config_map(doc: Any) -> None:
    """A ``ConfigMap`` whose data sets listen ports becomes an entity that says which."""
    found: set[int] = set()
    for key_node, value in _yaml.items(get(doc.node, "data")):
        key, text = doc.source.string(key_node), doc.source.string(value) if _yaml.is_scalar(value) else None
        if key is None or text is None or not key.resolved or not text.resolved:
            continue
        body = text.value if "\n" in text.value else f"{key.value}: {text.value}"
        found |= config_listen_ports(body)
    if found:
        doc.entity("k8s/ConfigMap", {"listen_ports": sorted(found)})


def config_map_volumes(source: Source, pod_spec: Any) -> dict[str, list[str]]:
    """Volume name → the ConfigMap names it projects."""
    volumes: dict[str, list[str]] = {}
    for volume in _yaml.seq(get(pod_spec, "volumes")):
        name = source.string(get(volume, "name"))
        if name is None or not name.resolved:
            continue
        maps = [get(volume, "configMap")]
        maps += [get(item, "configMap") for item in _yaml.seq(get(get(volume, "projected"), "sources"))]
        names = [_name(source, node) for node in maps]
        if any(names):
            volumes[name.value] = sorted({n for n in names if n})
    return volumes


def container_config_maps(source: Source, container: Any, volumes: dict[str, list[str]]) -> list[str]:
    """The ConfigMaps a container mounts or loads variables from, sorted."""
    found: set[str] = set()
    for mount in _yaml.seq(get(container, "volumeMounts")):
        name = source.string(get(mount, "name"))
        if name is not None and name.resolved:
            found.update(volumes.get(name.value, ()))
    refs = [get(item, "configMapRef") for item in _yaml.seq(get(container, "envFrom"))]
    refs += [get(get(var, "valueFrom"), "configMapKeyRef") for var in _yaml.seq(get(container, "env"))]
    found.update(n for n in (_name(source, ref) for ref in refs) if n)
    return sorted(found)


def _name(source: Source, node: Any) -> str | None:
    if not _yaml.is_mapping(node):
        return None
    name = source.string(get(node, "name"))
    return name.value if name is not None and name.resolved and name.value else None
