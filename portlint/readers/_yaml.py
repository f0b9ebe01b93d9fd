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
from collections.abc import Callable, Iterator
from typing import Any

from portlint.model import Location

ALIAS_BUDGET = 100_000  # nodes visited per document before we call it a bomb
# a whole file may expand to this many nodes plus one per byte: aliases shared by many documents
# (each under ALIAS_BUDGET) cannot multiply the work of a scan
FILE_NODE_BUDGET = ALIAS_BUDGET
INT_TAG = "tag:yaml.org,2002:int"
STR_TAG = "tag:yaml.org,2002:str"
NULL_TAG = "tag:yaml.org,2002:null"
BOOL_TAG = "tag:yaml.org,2002:bool"
_DECIMAL = re.compile(r"[-+]?(0|[1-9][0-9_]*)")


class YamlError(Exception):
    """A YAML file that cannot be composed; ``line``/``column`` are 1-based."""

    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.message, self.line, self.column = message, line, column


def compose_documents(text: str) -> list[Any]:
    """All documents of ``text`` as composed nodes (``None`` for empty documents are dropped)."""
    import yaml

    try:
        return [doc for doc in yaml.compose_all(text, Loader=_loader()) if doc is not None]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        problem = exc.problem or exc.context or "invalid YAML"
        raise YamlError(f"invalid YAML: {problem}", line, column) from None
    except yaml.YAMLError as exc:
        raise YamlError(f"invalid YAML: {exc}") from None
    except RecursionError:
        raise YamlError("invalid YAML: nesting too deep") from None


_LOADER: Any = None
_TAGS: dict[str, str] = {}  # plain scalar text -> resolved tag
_MAX_TAGS = 50_000


def _loader() -> Any:
    """libyaml's safe loader, with the tag of a plain scalar remembered by its text.

    The safe loader has no path resolvers, so a scalar's implicit tag depends on its text alone
    (and a quoted one is a string); resolving it is Python code run for every scalar (half the
    time of composing a manifest). For the same reason, the composer's calls to
    ``descend_resolver``/``ascend_resolver`` around every node are no-ops: they call C functions
    that take the same arguments and do nothing with them, instead of Python methods."""
    global _LOADER
    if _LOADER is None:
        import operator

        import yaml

        base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        scalar, sequence, mapping = yaml.ScalarNode, yaml.SequenceNode, yaml.MappingNode
        default_scalar, default_sequence, default_mapping = \
            base.DEFAULT_SCALAR_TAG, base.DEFAULT_SEQUENCE_TAG, base.DEFAULT_MAPPING_TAG

        class Loader(base):  # type: ignore[misc, valid-type]
            def resolve(self, kind, value, implicit):
                if kind is scalar:
                    if not implicit[0]:
                        return default_scalar  # quoted (or "!"): no implicit resolver applies
                    tag = _TAGS.get(value)
                    if tag is None:
                        tag = super().resolve(kind, value, implicit)
                        if len(value) <= 64:
                            if len(_TAGS) > _MAX_TAGS:
                                _TAGS.clear()
                            _TAGS[value] = tag
                    return tag
                if kind is mapping:
                    return default_mapping
                if kind is sequence:
                    return default_sequence
                return super().resolve(kind, value, implicit)

            if not base.yaml_path_resolvers:
                descend_resolver = staticmethod(operator.is_)  # (parent, index): nothing to descend
                ascend_resolver = staticmethod(tuple)  # (): nothing to ascend

        _LOADER = Loader
    return _LOADER


def shift_lines(documents: list[Any], lines: int, offset: int = 0) -> None:
    """Move the marks of ``documents`` composed on their own down by ``lines`` (and ``offset``
    characters), so they point into the whole file."""
    if not lines and not offset:
        return
    from yaml.error import Mark

    moved: dict[int, Any] = {}  # libyaml's marks are read-only: each is replaced once

    def shift(mark: Any) -> Any:
        if mark is None:
            return None
        if id(mark) not in moved:
            moved[id(mark)] = Mark(mark.name, mark.index + offset, mark.line + lines, mark.column, None, None)
        return moved[id(mark)]

    seen: set[int] = set()
    stack = list(documents)
    keep = []  # keep replaced marks alive so that their ids stay unique
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        keep += [node.start_mark, node.end_mark]
        node.start_mark, node.end_mark = shift(node.start_mark), shift(node.end_mark)
        if is_sequence(node):
            stack.extend(node.value)
        elif is_mapping(node):
            for k, v in node.value:
                stack.append(k)
                stack.append(v)


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
    pairs = node.value
    for key, _ in pairs:
        if key.id == "scalar" and key.tag == "tag:yaml.org,2002:merge":
            break
    else:
        return list(pairs)  # no merge key (the common case)
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


def may_alias(text: str) -> bool:
    """Whether ``text`` can hold an alias (``*name`` needs an ``&name`` anchor). Without one, a
    document's nodes are at most about one per byte, so no budget walk is needed to bound it."""
    return "&" in text and "*" in text


def count_nodes(node: Any, budget: int = ALIAS_BUDGET) -> int:
    """The number of nodes reachable with aliases followed (what a walk would visit); raise
    :class:`YamlError` past ``budget`` or on a cyclic alias.

    Linear in the distinct nodes: a node an alias shares is sized once, however often it is used
    (a walk of 11,000 expanded nodes costs 40 steps here)."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[Any, bool]] = [(node, False)]
    while stack:
        current, done = stack.pop()
        key = id(current)
        if done:
            open_nodes.discard(key)
            children = _children(current)
            size = 1 + sum(sizes[id(child)] for child in children)
            if size > budget:
                raise YamlError("too many nodes (alias expansion bomb?)", *_line_col(node))
            sizes[key] = size
            continue
        if key in sizes:
            continue
        if key in open_nodes:
            raise YamlError("too many nodes (alias expansion bomb?)", *_line_col(node))  # a cycle
        open_nodes.add(key)
        stack.append((current, True))
        stack.extend((child, False) for child in _children(current) if id(child) not in sizes)
    return sizes[id(node)]


def _children(node: Any) -> list[Any]:
    kind = node.id
    if kind == "sequence":
        return node.value
    if kind == "mapping":
        return [part for pair in node.value for part in pair]
    return []


class NodeBudget:
    """The nodes one file's documents may expand to (aliases followed), shared by its documents.

    ``spend(document)`` raises :class:`YamlError` when a document is a bomb on its own, and
    :class:`BudgetExceeded` when the documents together go over the file's budget.
    """

    def __init__(self, text_size: int) -> None:
        self.limit = FILE_NODE_BUDGET + text_size
        self.left = self.limit

    def spend(self, document: Any) -> None:
        if self.left <= 0:
            raise BudgetExceeded(self.limit, *_line_col(document))
        used = count_nodes(document, max(ALIAS_BUDGET, self.limit))  # a bomb on its own: YamlError
        if used > self.left:
            self.left = 0
            raise BudgetExceeded(self.limit, *_line_col(document))
        self.left -= used


class CutShort(YamlError):
    """Input that was not read to the end on purpose (a budget): a note, not an error."""


class ForeignTemplate(CutShort):
    """A file that is a template for another tool (cookiecutter, sed, envsubst, a Go or Jinja
    template outside a chart) and is not YAML until that tool renders it: a note, not an error."""


def foreign_template(error: YamlError, text: str, rel: str, dollar: bool = True) -> YamlError:
    """``error`` as a :class:`ForeignTemplate` note when the file is another tool's template
    (:mod:`portlint.readers._templates`), else ``error`` itself. ``dollar=False`` for formats
    that interpolate ``${X}`` themselves (Compose)."""
    from portlint.readers._templates import note, template_reason

    if isinstance(error, CutShort):
        return error
    reason = template_reason(text, rel, error.line, dollar=dollar)
    if reason is None:
        return error
    return ForeignTemplate(note(reason, error.message), error.line, error.column)


class BudgetExceeded(CutShort):
    """A file's documents together expand beyond its node budget: the rest is skipped, with a note."""

    def __init__(self, limit: int, line: int = 1, column: int = 1) -> None:
        super().__init__(f"skipped from here: the documents expand (aliases followed) beyond {limit:,} "
                         "nodes, this file's budget (100,000 plus one per byte)", line, column)


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


def template_spans(text: str) -> Iterator[tuple[int, int]]:
    """``(start, end)`` of each ``{{ … }}`` action: from ``{{`` to the first ``}}`` after it.

    Linear in the text: an unclosed ``{{`` ends the search (a lazy regex would rescan the rest
    of the text from every ``{{``, quadratic on a file of unclosed braces)."""
    start = text.find("{{")
    while start != -1:
        end = text.find("}}", start + 2)
        if end == -1:
            return
        yield start, end + 2
        start = text.find("{{", end + 2)


def sub_templates(text: str, replace: Callable[[str], str]) -> str:
    """``text`` with each ``{{ … }}`` action replaced by ``replace(action)``."""
    parts: list[str] = []
    last = 0
    for start, end in template_spans(text):
        parts += [text[last:start], replace(text[start:end])]
        last = end
    return "".join(parts) + text[last:] if parts else text


def mask_templates(source: str) -> MaskedText:
    """Replace each ``{{ … }}`` with ``_`` of the same length (newlines kept).

    A line holding nothing but template actions (``{{- if … }}``, ``{{ end }}``, ``{{ include … }}``)
    becomes a comment of the same length at the line's indentation, so control flow does not break
    the YAML structure (and a block scalar holding such a line stays one scalar).
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

    for begin, end in template_spans(source):
        line, column = line_col(begin)
        templates.append(Template(source[begin:end], line, column, end - begin))
        for i in range(begin, end):
            if chars[i] != "\n":
                chars[i] = "_"
    masked = "".join(chars)
    lines = masked.split("\n")
    original = source.split("\n")
    for i, (masked_line, orig_line) in enumerate(zip(lines, original)):
        if "{{" in orig_line and _only_templates(orig_line):
            lines[i] = _comment_at_indent(masked_line)
    return MaskedText("\n".join(lines), templates)


def _comment_at_indent(line: str) -> str:
    """A same-length comment that starts at the line's own indentation: inside a block scalar it
    stays content (a comment at column 0 would end the scalar), elsewhere it is a comment."""
    body = line.lstrip(" \t")
    if not body:
        return line
    indent = line[:len(line) - len(body)]
    return indent + "#" + " " * (len(body) - 1)


def _only_templates(line: str) -> bool:
    stripped = sub_templates(line, lambda _: "").strip()
    return stripped == "" or stripped == "-"
