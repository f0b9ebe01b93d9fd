"""The port graph as data: JSON (documented in docs/graph-json.md), Graphviz DOT, Mermaid.

Node ids are the entity ids (``k8s/Service:prod/api``); DOT and Mermaid use a short stable hash
of them. Everything is sorted, so the same tree gives the same bytes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from portlint.graph import PortGraph
from portlint.model import Entity, Location, PortFact
from portlint.report._escape import dot_string, mermaid_label, mermaid_text

GRAPH_SCHEMA_VERSION = 1


PathShown = Callable[[str], str]  # a scan-root-relative path -> the path printed


def _same(path: str) -> str:
    return path


def _loc(location: Location, path: PathShown = _same) -> dict[str, Any]:
    return {"path": path(location.path), "line": location.line, "column": location.column}


def _json_safe(value: Any, path: PathShown = _same) -> Any:
    if isinstance(value, Location):
        return _loc(value, path)
    if isinstance(value, dict):
        return {str(k): _json_safe(v, path) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [_json_safe(v, path) for v in value]
        return sorted(items, key=str) if isinstance(value, (set, frozenset)) else items
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def _fact(fact: PortFact, path: PathShown) -> dict[str, Any]:
    return {
        "value": fact.value.number if fact.value.number is not None else fact.value.text,
        "unresolved": fact.value.unresolved,
        **({"range": list(fact.value.span)} if fact.value.span else {}),
        "role": fact.role.value,
        "field": fact.field,
        "protocol": fact.protocol,
        "environment": fact.environment,
        "slot": fact.slot,
        "location": _loc(fact.location, path),
        "defined_at": [_loc(loc, path) for loc in fact.value.defined_at],
        "attrs": _json_safe({k: v for k, v in fact.attrs.items() if k != "field"}, path),
    }


def _node(graph: PortGraph, entity: Entity, path: PathShown) -> dict[str, Any]:
    return {
        "id": entity.id,
        "kind": entity.ref.kind,
        "name": entity.ref.name,
        "namespace": entity.ref.namespace,
        "parent": entity.ref.parent or None,
        "environment": entity.environment,
        "location": _loc(entity.location, path),
        "attrs": _json_safe(entity.attrs, path),
        "facts": [_fact(f, path) for f in graph.facts(entity)],
    }


def graph_json(graph: PortGraph, path: PathShown = _same) -> str:
    """``path`` turns each location's scan-root-relative path into the one printed (the CLI passes
    one relative to the current folder); entity ids are names, never rebased."""
    document = {
        "schema_version": GRAPH_SCHEMA_VERSION,
        "nodes": [_node(graph, e, path) for e in graph.entities()],
        "edges": [{"source": link.source, "target": link.target, "kind": link.kind, "reason": link.reason,
                   "locations": [_loc(loc, path) for loc in link.locations]} for link in graph.links()],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def short_id(entity_id: str) -> str:
    return "n" + hashlib.sha1(entity_id.encode("utf-8")).hexdigest()[:10]


def label_lines(graph: PortGraph, entity: Entity) -> list[str]:
    """A node's label, line by line, unescaped: kind, name, then up to six ``field=value`` ports."""
    ports = sorted({f"{f.field}={f.value.text}" for f in graph.facts(entity)})
    lines = [entity.ref.kind, entity.ref.name]
    if ports:
        lines.append(", ".join(ports[:6]) + (" …" if len(ports) > 6 else ""))
    return lines


def graph_dot(graph: PortGraph, path: PathShown = _same) -> str:
    """Labels hold kinds, names and ports, no paths (``path`` is accepted for a uniform call)."""
    lines = ["digraph portlint {", "  rankdir=LR;", '  node [shape=box, fontname="Helvetica", fontsize=10];']
    for entity in graph.entities():
        lines.append(f'  {short_id(entity.id)} [label={dot_string(label_lines(graph, entity))}];')
    for link in graph.links():
        lines.append(f'  {short_id(link.source)} -> {short_id(link.target)} [label={dot_string([link.kind])}];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def graph_mermaid(graph: PortGraph, path: PathShown = _same) -> str:
    """Labels hold kinds, names and ports, no paths (``path`` is accepted for a uniform call)."""
    lines = ["flowchart LR"]
    for entity in graph.entities():
        lines.append(f'  {short_id(entity.id)}[{mermaid_label(label_lines(graph, entity))}]')
    for link in graph.links():
        lines.append(f"  {short_id(link.source)} -->|{mermaid_text(link.kind)}| {short_id(link.target)}")
    return "\n".join(lines) + "\n"


EXPORTERS = {"json": graph_json, "dot": graph_dot, "mermaid": graph_mermaid}
