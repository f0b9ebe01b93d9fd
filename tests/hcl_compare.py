"""Compare two parses of the same HCL (tree-sitter vs the python-hcl2 oracle), node by node."""

from __future__ import annotations

from portlint.terraform.model import Body, Node


def differences(ours: Body, oracle: Body, limit: int = 20) -> list[str]:
    out: list[str] = []
    _body(ours, oracle, "", out)
    return out[:limit]


def _body(a: Body, b: Body, path: str, out: list[str]) -> None:
    if sorted(a.attrs) != sorted(b.attrs):
        out.append(f"{path}: attributes {sorted(a.attrs)} != {sorted(b.attrs)}")
    for name in sorted(set(a.attrs) & set(b.attrs)):
        x, y = a.attrs[name], b.attrs[name]
        if x.loc != y.loc:
            out.append(f"{path}{name}: attribute at {x.loc} != {y.loc}")
        _node(x.value, y.value, f"{path}{name}", out)
    if [(k.type, k.labels) for k in a.blocks] != [(k.type, k.labels) for k in b.blocks]:
        out.append(f"{path}: blocks {[(k.type, k.labels) for k in a.blocks]} != {[(k.type, k.labels) for k in b.blocks]}")
        return
    for i, (x, y) in enumerate(zip(a.blocks, b.blocks)):
        if x.loc != y.loc:
            out.append(f"{path}{x.type}[{i}]: block at {x.loc} != {y.loc}")
        _body(x.body, y.body, f"{path}{x.type}[{i}].", out)


def _node(a: Node, b: Node, path: str, out: list[str]) -> None:
    """The oracle's ``other`` (what python-hcl2's converter never modelled) matches anything."""
    if b.kind == "other":
        return
    if (a.kind, a.loc) != (b.kind, b.loc):
        out.append(f"{path}: {a.kind} at {a.loc} != {b.kind} at {b.loc} ({a.text[:40]!r} / {b.text[:40]!r})")
        return
    if a.kind in ("int", "float", "str", "bool", "heredoc", "call", "binop") and a.value != b.value:
        out.append(f"{path}: value {a.value!r} != {b.value!r}")
    if a.kind == "object":
        ka, kb = [(k, loc) for k, loc, _ in a.items], [(k, loc) for k, loc, _ in b.items]
        if ka != kb:
            out.append(f"{path}: object keys {ka} != {kb}")
            return
        for (k, _, x), (_, _, y) in zip(a.items, b.items):
            _node(x, y, f"{path}.{k}", out)
        return
    items_a = [i for i in a.items if i != "..."]
    if len(items_a) != len(b.items):
        out.append(f"{path}: {len(items_a)} parts != {len(b.items)}")
        return
    for i, (x, y) in enumerate(zip(items_a, b.items)):
        if isinstance(x, Node) and isinstance(y, Node):
            _node(x, y, f"{path}[{i}]", out)
        elif x != y:
            out.append(f"{path}[{i}]: {x!r} != {y!r}")
