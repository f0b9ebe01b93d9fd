"""ECS: task definitions (container ports, JSON or HCL) and services (load balancer blocks)."""

from __future__ import annotations

import json
import re

from portlint.model import Entity, EntityRef, Location, PortFact, PortValue, Role
from portlint.terraform.evaluate import Val
from portlint.terraform.facts import KIND_PREFIX, Res, collect_refs, fact, port_value, scalar
from portlint.terraform.model import Node


def _ecs_service(res: Res) -> None:
    for i, block in enumerate(res.body.blocks_of("load_balancer")):
        arn = block.body.attrs.get("target_group_arn")
        groups = [r["address"] for r in collect_refs(arn.value, "")] if arn is not None else []
        fact(res, block.body.attrs.get("container_port"), Role.TARGET, "load_balancer.container_port",
              slot=f"load_balancer[{i}]", container_name=scalar(res.ev, block.body, "container_name"),
              target_group=groups[0] if groups else None)




def _task_definition(res: Res) -> None:
    attr = res.body.attrs.get("container_definitions")
    if attr is None:
        return
    if attr.value.kind == "heredoc":
        _containers_from_json(res, attr.value)
        return
    value = res.ev.ev(attr.value)
    if value.known and isinstance(value.data, list):
        for i, container in enumerate(value.data):
            if container.known and isinstance(container.data, dict):
                _container(res, i, container.data)


def _container(res: Res, index: int, spec: dict[str, Val]) -> None:
    name_val = spec.get("name")
    name = name_val.scalar_text() if name_val is not None and name_val.is_scalar else f"container[{index}]"
    ref = _container_ref(res, name, name_val.sites[0] if name_val is not None else res.resource.block.loc)
    mappings = spec.get("portMappings")
    if mappings is None or not mappings.known or not isinstance(mappings.data, list):
        return
    for i, mapping in enumerate(mappings.data):
        if not mapping.known or not isinstance(mapping.data, dict):
            continue
        protocol_val = mapping.data.get("protocol")
        protocol = protocol_val.scalar_text().upper() if protocol_val is not None and protocol_val.is_scalar else "TCP"
        for key, role in (("containerPort", Role.LISTEN), ("hostPort", Role.PUBLISH)):
            if key in mapping.data:
                port = mapping.data[key]
                value = port_value(port, Node("other", port.sites[0], port.text))
                res.facts.append(PortFact(value, role, ref, port.sites[0], protocol, None, f"portMappings[{i}]",
                                          {"field": key}))


def _container_ref(res: Res, name: str, location: Location) -> EntityRef:
    ref = EntityRef(KIND_PREFIX + "ecs_container", f"{res.resource.name}/{name}", res.ref.namespace, parent=res.ref.id)
    if ref.id not in res.entities:
        res.entities[ref.id] = Entity(ref, location, attrs={"container_name": name, "task_definition": res.resource.address})
    return ref


_JSON_KEY = re.compile(r'"(containerPort|hostPort)"\s*:\s*')
_INTERPOLATION = re.compile(r"\$\{[^}]*\}")


def _containers_from_json(res: Res, node: Node) -> None:
    """``container_definitions = <<EOF [JSON] EOF``: ports found by position, values by json."""
    body = node.value
    placeholders: list[str] = []

    def hold(match: re.Match) -> str:
        placeholders.append(match.group(0))
        return f"__portlint_{len(placeholders) - 1}__"

    masked = _INTERPOLATION.sub(hold, body)
    masked = re.sub(r'(?<=:)\s*(__portlint_\d+__)', r' "\1"', masked)
    try:
        data = json.loads(masked)
    except ValueError:
        return
    positions = {"containerPort": [], "hostPort": []}
    for match in _JSON_KEY.finditer(body):
        positions[match.group(1)].append(_offset_location(node.loc, body, match.end()))
    seen = {"containerPort": 0, "hostPort": 0}
    for index, container in enumerate(data if isinstance(data, list) else []):
        if not isinstance(container, dict):
            continue
        name = str(container.get("name", f"container[{index}]"))
        ref = _container_ref(res, name, node.loc)
        for i, mapping in enumerate(container.get("portMappings") or []):
            for key, role in (("containerPort", Role.LISTEN), ("hostPort", Role.PUBLISH)):
                if not isinstance(mapping, dict) or key not in mapping or seen[key] >= len(positions[key]):
                    continue
                location = positions[key][seen[key]]
                seen[key] += 1
                raw = mapping[key]
                held = re.fullmatch(r"__portlint_(\d+)__", str(raw))
                value = PortValue.unresolved_expr(placeholders[int(held.group(1))]) if held else PortValue.parse(raw)
                protocol = str(mapping.get("protocol", "tcp")).upper()
                res.facts.append(PortFact(value, role, ref, location, protocol, None, f"portMappings[{i}]", {"field": key}))


def _offset_location(start: Location, text: str, offset: int) -> Location:
    before = text[:offset]
    line = start.line + before.count("\n")
    column = offset - (before.rfind("\n") + 1) + 1
    return Location(start.path, line, column)



HANDLERS = {"aws_ecs_task_definition": _task_definition, "aws_ecs_service": _ecs_service}
