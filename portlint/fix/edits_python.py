"""Edit Python with libcst: replace the one literal a fact names, keeping its quotes and the layout.

Runs inside the isolated worker (:mod:`portlint.isolate`, op ``libcst-replace-literals``): libcst's
native parser can crash on hostile nesting. The fact's location names an expression (a literal,
``os.getenv('PORT', '8000')``, a conditional); exactly one integer or string literal inside it must
hold the old value, else the edit is refused.
"""

from __future__ import annotations

import libcst
from libcst.metadata import MetadataWrapper, PositionProvider


def replace_literals(argument: dict) -> dict:
    """``{"text", "edits": [[line, column, old, new], ...]}`` → ``{"text", "refused": {index: reason}}``."""
    try:
        module = libcst.parse_module(argument["text"])
    except Exception as exc:  # libcst's ParserSyntaxError and friends
        reason = f"libcst cannot parse the file ({type(exc).__name__}): not fixed"
        return {"text": argument["text"], "refused": {str(i): reason for i in range(len(argument["edits"]))}}
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    positions = wrapper.resolve(PositionProvider)
    chosen: dict[int, tuple[libcst.CSTNode, str]] = {}
    refused: dict[str, str] = {}
    for index, (line, column, old, new) in enumerate(argument["edits"]):
        target = _literal_at(positions, line, column - 1, old)
        if isinstance(target, str):
            refused[str(index)] = target
        elif id(target) in chosen:
            refused[str(index)] = "two edits name the same literal: not fixed"
        else:
            chosen[id(target)] = (target, new)
    if not chosen:
        return {"text": argument["text"], "refused": refused}
    replaced = wrapper.module.visit(_Replace({k: (node, new) for k, (node, new) in chosen.items()}))
    return {"text": replaced.code, "refused": refused}


def _literal_at(positions, line: int, column: int, old: str):
    """The one literal holding ``old`` in the outermost node that starts at ``line:column``, or a reason."""
    starting = [(node, span) for node, span in positions.items()
                if span.start.line == line and span.start.column == column]
    if not starting:
        return f"nothing starts at line {line} column {column + 1} (the file changed since the scan): not fixed"
    outer, outer_span = max(starting, key=lambda item: (item[1].end.line, item[1].end.column))
    inside = [node for node, span in positions.items()
              if isinstance(node, (libcst.Integer, libcst.SimpleString)) and _within(span, outer_span)
              and _value(node) == old]
    if len(inside) == 1:
        return inside[0]
    if not inside:
        return f"{old} is no longer written at line {line} (the file changed since the scan): not fixed"
    return f"{old} is written {len(inside)} times in the expression at line {line}: not fixed"


def _within(span, outer) -> bool:
    return ((span.start.line, span.start.column) >= (outer.start.line, outer.start.column)
            and (span.end.line, span.end.column) <= (outer.end.line, outer.end.column))


def _value(node) -> str | None:
    try:
        value = node.evaluated_value
    except Exception:
        return None
    if isinstance(node, libcst.Integer):
        return str(value) if node.value.isdigit() else None  # 0x1F40 is not rewritten
    return value if isinstance(value, str) else None


def _new_node(node, new: str):
    if isinstance(node, libcst.Integer):
        return node.with_changes(value=new)
    prefix_end = len(node.value) - len(node.value.lstrip("rRbBuUfF"))
    prefix, body = node.value[:prefix_end], node.value[prefix_end:]
    quote = body[:3] if body[:3] in ('"""', "'''") else body[:1]
    return node.with_changes(value=f"{prefix}{quote}{new}{quote}")


class _Replace(libcst.CSTTransformer):
    def __init__(self, chosen: dict) -> None:
        super().__init__()
        self.chosen = chosen

    def on_leave(self, original_node, updated_node):
        hit = self.chosen.get(id(original_node))
        return _new_node(updated_node, hit[1]) if hit else updated_node
