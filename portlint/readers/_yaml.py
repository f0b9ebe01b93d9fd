"""YAML for readers: compose (never construct) with libyaml, keep marks, survive hostile input.

- ``compose_documents`` returns node trees: no object is ever constructed, so Python or custom
  tags are inert; scalars keep their raw text (YAML 1.1 reads ``22:22`` as 1342 — we never ask it
  to).
- ``walk``/``plain`` follow aliases with a budget, so an alias bomb raises :class:`YamlError`
  instead of eating the machine.
- ``mask_templates`` replaces Go-template actions (``{{ … }}``) with same-length placeholders so
  that Helm templates compose with their positions intact.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from portlint.model import Location

ALIAS_BUDGET = 100_000  # nodes visited per document before we call it a bomb
INT_TAG = "tag:yaml.org,2002:int"
STR_TAG = "tag:yaml.org,2002:str"
NULL_TAG = "tag:yaml.org,2002:null"
BOOL_TAG = "tag:yaml.org,2002:bool"
_TEMPLATE = re.compile(r"\{\{.*?\}\}", re.DOTALL)
_DECIMAL = re.compile(r"[-+]?(0|[1-9][0-9_]*)")


class YamlError(Exception):
    """A YAML file that cannot be composed; ``line``/``column`` are 1-based."""

    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.message, self.line, self.column = message, line, column


def compose_documents(text: str) -> list[Any]:
    """All documents of ``text`` as composed nodes (``None`` for empty documents are dropped)."""
    import yaml

    loader_cls = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return [doc for doc in yaml.compose_all(text, Loader=loader_cls) if doc is not None]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        problem = exc.problem or exc.context or "invalid YAML"
        raise YamlError(f"invalid YAML: {problem}", line, column) from None
    except yaml.YAMLError as exc:
        raise YamlError(f"invalid YAML: {exc}") from None
    except RecursionError:
        raise YamlError("invalid YAML: nesting too deep") from None


def location(node: Any, rel: str) -> Location:
    mark = node.start_mark
    return Location(rel, mark.line + 1, mark.column + 1)


def is_mapping(node: Any) -> bool:
    return node is not None and node.id == "mapping"


def is_sequence(node: Any) -> bool:
    return node is not None and node.id == "sequence"


def is_scalar(node: Any) -> bool:
    return node is not None and node.id == "scalar"


def items(node: Any) -> list[tuple[Any, Any]]:
    """Key/value node pairs of a mapping, with ``<<`` merge keys applied (explicit keys win)."""
    if not is_mapping(node):
        return []
    own: list[tuple[Any, Any]] = []
    merged: list[tuple[Any, Any]] = []
    for key, value in node.value:
        if is_scalar(key) and key.tag == "tag:yaml.org,2002:merge":
            sources = value.value if is_sequence(value) else [value]
            for source in sources:
                merged.extend(items(source))
        else:
            own.append((key, value))
    seen = {k.value for k, _ in own if is_scalar(k)}
    return own + [(k, v) for k, v in merged if not (is_scalar(k) and k.value in seen)]


def get(node: Any, key: str) -> Any:
    """The value node for a string key of a mapping, or ``None``."""
    for k, v in items(node):
        if is_scalar(k) and k.value == key:
            return v
    return None


def get_path(node: Any, *keys: str) -> Any:
    for key in keys:
        node = get(node, key)
        if node is None:
            return None
    return node


def seq(node: Any) -> list[Any]:
    return list(node.value) if is_sequence(node) else []


def text(node: Any) -> str | None:
    """The raw text of a scalar node; ``None`` for non-scalars and nulls."""
    if not is_scalar(node) or node.tag == NULL_TAG:
        return None
    return node.value


def scalar_value(node: Any) -> Any:
    """A scalar as portlint understands it: decimal ints as int, everything else as raw text.

    ``22:22``, ``0o17``, ``0x1F`` stay strings: they are almost never meant as numbers in a port
    field, and reading them the YAML 1.1 way invents values nobody wrote.
    """
    if not is_scalar(node) or node.tag == NULL_TAG:
        return None
    if node.tag == INT_TAG and not node.style and _DECIMAL.fullmatch(node.value):
        return int(node.value.replace("_", ""))
    if node.tag == BOOL_TAG and not node.style:
        return node.value.lower() in ("true", "yes", "on", "y")
    return node.value


def plain(node: Any, budget: list[int] | None = None) -> Any:
    """A whole node tree as plain Python (dicts, lists, :func:`scalar_value`), alias-bomb safe."""
    budget = budget if budget is not None else [ALIAS_BUDGET]
    budget[0] -= 1
    if budget[0] < 0:
        raise YamlError("too many nodes (alias expansion bomb?)", *_line_col(node))
    if is_scalar(node):
        return scalar_value(node)
    if is_sequence(node):
        return [plain(child, budget) for child in node.value]
    if is_mapping(node):
        out: dict[Any, Any] = {}
        for key, value in items(node):
            k = plain(key, budget)
            out[k if isinstance(k, (str, int, bool, type(None))) else str(k)] = plain(value, budget)
        return out
    return None


def _line_col(node: Any) -> tuple[int, int]:
    mark = getattr(node, "start_mark", None)
    return (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)


def count_nodes(node: Any, budget: int = ALIAS_BUDGET) -> int:
    """Visit every node reachable, following aliases; raise :class:`YamlError` past ``budget``."""
    remaining = [budget]
    stack = [node]
    while stack:
        current = stack.pop()
        remaining[0] -= 1
        if remaining[0] < 0:
            raise YamlError("too many nodes (alias expansion bomb?)", *_line_col(node))
        if is_sequence(current):
            stack.extend(current.value)
        elif is_mapping(current):
            for k, v in current.value:
                stack.append(k)
                stack.append(v)
    return budget - remaining[0]


# -- Go templates (Helm) ------------------------------------------------------------------------


@dataclass(frozen=True)
class Template:
    """One ``{{ … }}`` action in a template file: its text and where it starts (1-based)."""

    expr: str
    line: int
    column: int
    length: int


@dataclass
class MaskedText:
    text: str
    templates: list[Template]

    def templates_in(self, node: Any) -> list[Template]:
        """The template actions that lie inside a scalar node's span."""
        start, end = node.start_mark, node.end_mark
        first = (start.line + 1, start.column + 1)
        last = (end.line + 1, end.column + 1)
        return [t for t in self.templates if first <= (t.line, t.column) < last]


def mask_templates(source: str) -> MaskedText:
    """Replace each ``{{ … }}`` with ``_`` of the same length (newlines kept).

    A line holding nothing but template actions (``{{- if … }}``, ``{{ end }}``, ``{{ include … }}``)
    becomes a comment of the same length, so control flow does not break the YAML structure.
    """
    if "{{" not in source:
        return MaskedText(source, [])
    templates: list[Template] = []
    line_starts = [0]
    for match in re.finditer("\n", source):
        line_starts.append(match.end())
    chars = list(source)

    def line_col(offset: int) -> tuple[int, int]:
        import bisect

        index = bisect.bisect_right(line_starts, offset) - 1
        return index + 1, offset - line_starts[index] + 1

    for match in _TEMPLATE.finditer(source):
        line, column = line_col(match.start())
        templates.append(Template(match.group(0), line, column, match.end() - match.start()))
        for i in range(match.start(), match.end()):
            if chars[i] != "\n":
                chars[i] = "_"
    masked = "".join(chars)
    lines = masked.split("\n")
    original = source.split("\n")
    for i, (masked_line, orig_line) in enumerate(zip(lines, original)):
        if "{{" in orig_line and _only_templates(orig_line):
            lines[i] = "#" + " " * (len(masked_line) - 1) if masked_line else masked_line
    return MaskedText("\n".join(lines), templates)


def _only_templates(line: str) -> bool:
    stripped = _TEMPLATE.sub("", line).strip()
    return stripped == "" or stripped == "-"
