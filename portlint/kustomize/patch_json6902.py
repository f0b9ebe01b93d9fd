"""JSON 6902 patches (``op``/``path``/``value``) applied to a node tree, as kustomize does.

``add``, ``remove``, ``replace``, ``move``, ``copy`` and ``test``; paths are JSON pointers
(``~1`` is ``/``, ``~0`` is ``~``, ``-`` appends). The value nodes come from the patch, so a
port it sets is located at the patch's line and column. An operation that cannot apply (a path
that does not exist, a failed ``test``) stops the patch: kustomize refuses the whole build.
"""

from __future__ import annotations

from typing import Any

from portlint.kustomize import nodes
from portlint.readers import _yaml

OPS = ("add", "remove", "replace", "move", "copy", "test")


class PatchError(Exception):
    pass


def apply(root: Any, operations: Any) -> Any:
    """Apply the operations (a sequence node) to ``root`` (a copy the caller owns) in place."""
    for op_node in _yaml.seq(operations):
        op = nodes.text(_yaml.get(op_node, "op"))
        path = nodes.text(_yaml.get(op_node, "path"))
        if op not in OPS or path is None:
            raise PatchError(f"not a JSON 6902 operation: op {op!r}, path {path!r}")
        value = _yaml.get(op_node, "value")
        if op in ("add", "replace", "test") and value is None:
            raise PatchError(f"{op} {path} has no value")
        if op == "add":
            _add(root, path, nodes.copy(value))
        elif op == "remove":
            _remove(root, path)
        elif op == "replace":
            _replace(root, path, nodes.copy(value))
        elif op in ("move", "copy"):
            source = nodes.text(_yaml.get(op_node, "from"))
            if source is None:
                raise PatchError(f"{op} {path} has no from")
            moved = nodes.copy(_resolve(root, source))
            if op == "move":
                _remove(root, source)
            _add(root, path, moved)
        elif op == "test":
            found = _resolve(root, path)
            if _yaml.plain(found) != _yaml.plain(value):
                raise PatchError(f"test {path} failed")
    return root


def _tokens(path: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise PatchError(f"path {path!r} is not a JSON pointer")
    return [t.replace("~1", "/").replace("~0", "~") for t in path[1:].split("/")]


def _step(node: Any, token: str) -> Any:
    if _yaml.is_mapping(node):
        found = _yaml.get(node, token)
        if found is None:
            raise PatchError(f"no key {token!r}")
        return found
    if _yaml.is_sequence(node):
        index = _index(node, token, allow_end=False)
        return node.value[index]
    raise PatchError(f"cannot step into a scalar at {token!r}")


def _index(node: Any, token: str, allow_end: bool) -> int:
    if token == "-" and allow_end:
        return len(node.value)
    if not token.isdigit() or (len(token) > 1 and token.startswith("0")):
        raise PatchError(f"bad list index {token!r}")
    index = int(token)
    if index > len(node.value) or (index == len(node.value) and not allow_end):
        raise PatchError(f"list index {index} out of range")
    return index


def _resolve(root: Any, path: str) -> Any:
    node = root
    for token in _tokens(path):
        node = _step(node, token)
    return node


def _parent(root: Any, path: str) -> tuple[Any, str]:
    tokens = _tokens(path)
    if not tokens:
        raise PatchError("the whole document cannot be patched here")
    node = root
    for token in tokens[:-1]:
        node = _step(node, token)
    return node, tokens[-1]


def _replace(root: Any, path: str, value: Any) -> None:
    parent, last = _parent(root, path)
    if _yaml.is_mapping(parent):
        if nodes.key_index(parent, last) is None:
            raise PatchError(f"no key {last!r} to replace at {path}")
        nodes.set_key(parent, last, value)
    elif _yaml.is_sequence(parent):
        parent.value[_index(parent, last, allow_end=False)] = value
    else:
        raise PatchError(f"cannot replace under a scalar at {path}")


def _add(root: Any, path: str, value: Any) -> None:
    parent, last = _parent(root, path)
    if _yaml.is_mapping(parent):
        nodes.set_key(parent, last, value)
    elif _yaml.is_sequence(parent):
        parent.value.insert(_index(parent, last, allow_end=True), value)
    else:
        raise PatchError(f"cannot add under a scalar at {path}")


def _remove(root: Any, path: str) -> None:
    parent, last = _parent(root, path)
    if _yaml.is_mapping(parent):
        if not nodes.delete_key(parent, last):
            raise PatchError(f"no key {last!r} at {path}")
    elif _yaml.is_sequence(parent):
        del parent.value[_index(parent, last, allow_end=False)]
    else:
        raise PatchError(f"cannot remove under a scalar at {path}")
