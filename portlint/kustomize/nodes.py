"""YAML node trees that remember their file: what kustomize's patches are applied to.

A render mixes nodes of several files (a base's Deployment, an overlay's patch), so each node's
marks carry the path of the file it was written in (``mark.name``): a fact read from a patched
port points at the patch's line and column. Trees are copied before they are changed: a base
is parsed once per scan and rendered by every overlay that uses it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import yaml
from yaml.error import Mark

from portlint.readers import _yaml

STR = _yaml.STR_TAG
MAP = "tag:yaml.org,2002:map"
SEQ = "tag:yaml.org,2002:seq"
MAX_NODES = _yaml.ALIAS_BUDGET  # one resource (or patch) expands to at most this many nodes


class TooBig(Exception):
    """A tree past :data:`MAX_NODES` (an alias bomb): it is not rendered."""


def name_marks(documents: list[Any], rel: str) -> None:
    """Give every node of ``documents`` marks naming ``rel`` (aliases are visited once)."""
    remark(documents, lambda mark: Mark(rel, mark.index, mark.line, mark.column, None, None))


def remark(documents: list[Any], make: Callable[[Mark], Mark]) -> None:
    """Replace every node's marks by ``make(mark)``, one new mark per old one (aliases and shared
    marks are visited once)."""
    moved: dict[int, Mark] = {}
    keep: list[Any] = []  # the old marks stay alive while we work, so their ids stay unique

    def convert(mark: Any) -> Any:
        if mark is None:
            return None
        if id(mark) not in moved:
            keep.append(mark)
            moved[id(mark)] = make(mark)
        return moved[id(mark)]

    seen: set[int] = set()
    stack = list(documents)
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        node.start_mark, node.end_mark = convert(node.start_mark), convert(node.end_mark)
        if node.id == "sequence":
            stack.extend(node.value)
        elif node.id == "mapping":
            for key, value in node.value:
                stack.append(key)
                stack.append(value)


def file_of(node: Any) -> str | None:
    """The path a node was written in (``None`` for a node composed without :func:`name_marks`)."""
    mark = getattr(node, "start_mark", None)
    name = getattr(mark, "name", None)
    return name if isinstance(name, str) and not name.startswith("<") else None


def copy(node: Any, budget: list[int] | None = None) -> Any:
    """A deep copy (aliases expanded, ``<<`` merge keys applied), marks kept; :class:`TooBig` past
    the budget."""
    budget = budget if budget is not None else [MAX_NODES]
    budget[0] -= 1
    if budget[0] < 0:
        raise TooBig()
    if node.id == "scalar":
        return yaml.ScalarNode(node.tag, node.value, node.start_mark, node.end_mark, node.style)
    if node.id == "sequence":
        return yaml.SequenceNode(node.tag, [copy(item, budget) for item in node.value], node.start_mark,
                                 node.end_mark, node.flow_style)
    pairs = [(copy(k, budget), copy(v, budget)) for k, v in _yaml.items(node)]
    return yaml.MappingNode(node.tag, pairs, node.start_mark, node.end_mark, node.flow_style)


def scalar(value: str, at: Any, tag: str = STR) -> Any:
    """A new string scalar located where ``at`` is (the node that caused it)."""
    return yaml.ScalarNode(tag, value, at.start_mark, at.end_mark, None)


def mapping(at: Any, pairs: list[tuple[Any, Any]] | None = None) -> Any:
    return yaml.MappingNode(MAP, list(pairs or []), at.start_mark, at.end_mark, None)


def key_index(node: Any, key: str) -> int | None:
    """The index of ``key`` among a mapping's pairs."""
    if not _yaml.is_mapping(node):
        return None
    for i, (k, _) in enumerate(node.value):
        if _yaml.is_scalar(k) and k.value == key:
            return i
    return None


def set_key(node: Any, key: str, value: Any, at: Any = None) -> None:
    """Set ``key`` of a mapping to ``value`` (added at the end, keyed at ``at`` or the value)."""
    index = key_index(node, key)
    if index is not None:
        node.value[index] = (node.value[index][0], value)
    else:
        node.value.append((scalar(key, at if at is not None else value), value))


def delete_key(node: Any, key: str) -> bool:
    index = key_index(node, key)
    if index is None:
        return False
    del node.value[index]
    return True


def child_mapping(node: Any, key: str, at: Any) -> Any:
    """The mapping under ``key``, made (located at ``at``) when absent or null."""
    value = _yaml.get(node, key)
    if not _yaml.is_mapping(value):
        value = mapping(at)
        set_key(node, key, value, at)
    return value


def text(node: Any) -> str | None:
    return _yaml.text(node)


def is_null(node: Any) -> bool:
    return _yaml.is_scalar(node) and node.tag == _yaml.NULL_TAG
