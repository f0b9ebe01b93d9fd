"""What the Kubernetes reader reads scalars from: a plain manifest, a templated manifest outside a
chart (templates masked, left unresolved), or a chart template rendered by :mod:`portlint.helm`.

For a rendered template, positions go through the render's source map: a node's location is the
template line that wrote it, a value read from a values file carries that file's line in
``defined_at``, an output span the renderer could not know is an unresolved expression (its
template action), and an empty port names the ``.Values`` key that is missing.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from portlint.discover import SourceFile
from portlint.model import Location, PortValue
from portlint.readers import _yaml

if TYPE_CHECKING:
    from portlint.helm.exec import Rendered

CORE_TAGS = frozenset({_yaml.STR_TAG, _yaml.INT_TAG, _yaml.BOOL_TAG, _yaml.NULL_TAG, "tag:yaml.org,2002:float"})
MERGE_TAG = "tag:yaml.org,2002:merge"
_RELEASE_NAMESPACE = re.compile(r"\{\{-?\s*\$?\.Release\.Namespace\s*(\|\s*quote\s*)?-?\}\}")



def api_group(api_version: str) -> str:
    """The API group of an ``apiVersion`` (``apps/v1`` → ``apps``; the core ``v1`` → ``""``)."""
    return api_version.rpartition("/")[0] if "/" in api_version else ""


def canonical_namespace(name: str) -> str:
    """A namespace as portlint keys it: ``default`` and no namespace are one (``""``). An object
    that names no namespace lands in the context's namespace, ``default`` unless told otherwise, so
    a Service written with ``namespace: default`` and an Ingress written without one meet."""
    return "" if name == "default" else name

@dataclass
class Text:
    """A string scalar as read: its value (resolved, or the template text) and whether resolved."""

    value: str
    resolved: bool = True


@dataclass
class Source:
    """What every document of one file (or one render of it) shares."""

    file: SourceFile
    lines: list[str]
    yaml_text: str
    masked: _yaml.MaskedText | None = None
    chart_rel: str | None = None
    environment: str | None = None
    rendered: Rendered | None = None
    rels: dict[str, str] = field(default_factory=dict)  # template name → path from the scan root
    template_lines: dict[int, int] = field(default_factory=dict)  # 1-based line → indent (0-based)
    line_starts: list[int] = field(default_factory=list)
    kustomize_namespace: str | None = None  # the namespace a kustomization listing this file sets
    named_marks: bool = False  # a kustomize render: each node's mark names the file it was written in

    @classmethod
    def plain(cls, file: SourceFile, text: str) -> Source:
        """A manifest outside any chart: templates (if any) are masked and stay unresolved."""
        masked = _yaml.mask_templates(text) if "{{" in text else None
        source = cls(file, text.split("\n"), masked.text if masked else text, masked,
                     environment=file.environment)
        if masked is not None:
            masked_lines = masked.text.split("\n")
            for template in masked.templates:
                if masked_lines[template.line - 1].lstrip(" \t").startswith("#"):
                    source.template_lines.setdefault(template.line, template.column - 1)
        return source

    @classmethod
    def of_render(cls, file: SourceFile, rendered: Rendered, chart_rel: str, environment: str | None,
                  rels: dict[str, str]) -> Source:
        """One environment's render of a chart template."""
        text = rendered.text
        source = cls(file, text.split("\n"), text, None, chart_rel, environment, rendered, rels)
        source.line_starts = _line_starts(text)
        for unknown in rendered.unknown:
            if unknown.block:  # a comment line stands where the unknown content would be
                line = source._line_of(unknown.start)
                source.template_lines.setdefault(line, unknown.start - source.line_starts[line - 1])
        return source

    @classmethod
    def of_kustomize(cls, file: SourceFile, environment: str | None) -> Source:
        """One kustomize build (:mod:`portlint.kustomize`): nodes of several files, each located in
        the file that wrote it (a base's line, or the patch's)."""
        return cls(file, [], "", None, environment=environment, named_marks=True)

    @property
    def rel(self) -> str:
        return self.file.rel

    # -- positions ------------------------------------------------------------------------------

    def loc(self, node: Any) -> Location:
        if self.named_marks:
            mark = node.start_mark
            return Location(mark.name if isinstance(mark.name, str) else self.rel, mark.line + 1, mark.column + 1)
        if self.rendered is None:
            return _yaml.location(node, self.rel)
        return self.locate(node.start_mark.line, node.start_mark.column)

    def locate(self, line: int, column: int) -> Location:
        """The template place that wrote output ``line``/``column`` (0-based)."""
        if self.rendered is None:
            return Location(self.rel, line + 1, column + 1)
        name, tline, tcol = self.rendered.position(self._offset(line, column))
        return Location(self.rels.get(name, self.rel), tline, tcol)

    def _offset(self, line: int, column: int) -> int:
        if line >= len(self.line_starts):
            return len(self.yaml_text)
        return self.line_starts[line] + column

    def _line_of(self, offset: int) -> int:
        return bisect.bisect_right(self.line_starts, offset)

    def _span(self, node: Any) -> tuple[int, int]:
        start, end = node.start_mark, node.end_mark
        return self._offset(start.line, start.column), self._offset(end.line, end.column)

    # -- scalars --------------------------------------------------------------------------------

    def templates(self, node: Any) -> list[_yaml.Template]:
        if self.masked is None or not self.masked.templates or not _yaml.is_scalar(node):
            return []
        return self.masked.templates_in(node)

    def original(self, node: Any) -> str:
        """The source text of a scalar, templates and all, without its quotes."""
        start, end = node.start_mark, node.end_mark
        if end.line >= len(self.lines):  # libyaml saw a line break str.split does not (\r, \x85)
            return node.value
        if start.line == end.line:
            raw = self.lines[start.line][start.column:end.column]
        else:
            middle = self.lines[start.line + 1:end.line]
            raw = "\n".join([self.lines[start.line][start.column:], *middle, self.lines[end.line][:end.column]])
        raw = raw.strip()
        if node.style in ("'", '"') and len(raw) >= 2:
            raw = raw[1:-1]
        return raw

    def _unknown_expr(self, node: Any) -> str | None:
        """The template action of an unknown span inside the scalar, if any."""
        if self.rendered is None or not self.rendered.unknown:
            return None
        start, end = self._span(node)
        for unknown in self.rendered.unknown:
            if not unknown.block and start <= unknown.start < max(end, start + 1):
                return unknown.expr
        return None

    def _defined_at(self, node: Any) -> tuple[Location, ...]:
        if self.rendered is None or not self.rendered.values:
            return ()
        start, end = self._span(node)
        found: list[Location] = []
        for v_start, v_end, origin in self.rendered.values:
            if v_start < end and v_end > start and origin not in found:
                found.append(origin)
        return tuple(found)

    def missing_key(self, node: Any) -> str | None:
        """The ``.Values`` key whose absence left this scalar empty, if that is what happened."""
        if self.rendered is None or not self.rendered.missing or not _yaml.is_scalar(node):
            return None
        if node.value.strip():
            return None
        start, end = self._span(node)
        line = node.start_mark.line
        for offset, key in self.rendered.missing:
            if start <= offset <= end + 1 and self._line_of(offset) - 1 == line:
                return key
        return None

    def port(self, node: Any) -> PortValue | None:
        """A port as written (``None`` when absent, null or foreign-tagged)."""
        if not readable(node):
            return None
        if self.rendered is not None:
            expr = self._unknown_expr(node)
            if expr is not None:
                return PortValue.unresolved_expr(expr)
            return PortValue.parse(_yaml.scalar_value(node), self._defined_at(node))
        if not self.templates(node):
            return PortValue.parse(_yaml.scalar_value(node))
        return PortValue.unresolved_expr(self.original(node))

    def string(self, node: Any) -> Text | None:
        """A string scalar (``None`` when absent, null, foreign-tagged or not a scalar)."""
        if not readable(node):
            return None
        if self.rendered is not None:
            expr = self._unknown_expr(node)
            if expr is not None:
                return Text(expr, resolved=False)
            return Text(render(_yaml.scalar_value(node)))
        if not self.templates(node):
            return Text(render(_yaml.scalar_value(node)))
        return Text(self.original(node), resolved=False)

    def namespace(self, node: Any) -> str:
        """``metadata.namespace``; ``{{ .Release.Namespace }}`` is the namespace of the apply: ``""``.
        A kustomization that lists the file and sets ``namespace:`` overrides both, as kustomize does."""
        if self.kustomize_namespace:
            return canonical_namespace(self.kustomize_namespace)
        text = self.string(node)
        if text is None or (not text.resolved and _RELEASE_NAMESPACE.fullmatch(text.value)):
            return ""
        return canonical_namespace(text.value)

    def labels(self, mapping: Any, key: str) -> tuple[dict[str, str] | None, bool]:
        """A label map under ``key`` of ``mapping``: (labels or None when absent, unresolved?)."""
        value = get(mapping, key)
        unresolved = self.region_templated(mapping, key)
        if value is None or is_null(value):
            return (None if key_node_of(mapping, key) is None else {}), unresolved
        if not _yaml.is_mapping(value):
            return {}, True
        labels: dict[str, str] = {}
        for key_node, value_node in _yaml.items(value):
            name, text = self.string(key_node), self.string(value_node)
            foreign = _yaml.is_scalar(value_node) and value_node.tag not in CORE_TAGS
            if name is None or not name.resolved or foreign or (text is not None and not text.resolved):
                unresolved = True
                continue
            labels[name.value] = text.value if text is not None else ""
        return labels, unresolved

    # -- regions a template-only line (or an unknown block) may fill ------------------------------

    def region_templated(self, mapping: Any, key: str) -> bool:
        """Does a template-only line (``{{- include … | nindent 4 }}``) fill in ``key``'s value?

        When the key is absent, a template-only line at the mapping's key level may insert it.
        """
        if not self.template_lines or not _yaml.is_mapping(mapping):
            return False
        pairs = [(k, v) for k, v in mapping.value if _yaml.is_scalar(k)]
        for i, (key_node, _) in enumerate(pairs):
            if key_node.value != key:
                continue
            first = key_node.start_mark.line + 2
            last = pairs[i + 1][0].start_mark.line if i + 1 < len(pairs) else mapping.end_mark.line + 1
            return any(indent > key_node.start_mark.column for indent in self._template_indents(first, last))
        if not pairs:
            return False
        column = pairs[0][0].start_mark.column
        first, last = mapping.start_mark.line + 1, mapping.end_mark.line + 1
        return any(indent == column for indent in self._template_indents(first, last))

    def items_templated(self, mapping: Any, key: str) -> bool:
        """Can a template-only line add items to the list under ``key`` (not just edit one item)?"""
        value = get(mapping, key)
        if not _yaml.is_sequence(value) or not value.value:
            return self.region_templated(mapping, key)
        key_node = key_node_of(mapping, key)
        high = value.start_mark.column  # the items' dash column
        low = min(key_node.start_mark.column + 1, high)
        first, last = key_node.start_mark.line + 2, value.end_mark.line + 1
        return any(low <= indent <= high for indent in self._template_indents(first, last))

    def _template_indents(self, first: int, last: int) -> Iterator[int]:
        for line in range(first, last + 1):
            if line in self.template_lines:
                yield self.template_lines[line]


def _line_starts(text: str) -> list[int]:
    starts = [0]
    find = text.find
    i = find("\n")
    while i >= 0:
        starts.append(i + 1)
        i = find("\n", i + 1)
    return starts


def is_null(node: Any) -> bool:
    return _yaml.is_scalar(node) and node.tag == _yaml.NULL_TAG


def readable(node: Any) -> bool:
    return _yaml.is_scalar(node) and node.tag in CORE_TAGS and node.tag != _yaml.NULL_TAG


def render(raw: Any) -> str:
    if isinstance(raw, bool):
        return "true" if raw else "false"
    return str(raw)


def get(node: Any, key: str) -> Any:
    """:func:`_yaml.get`, fast when the mapping has no ``<<`` merge key (the common case)."""
    if node is None or node.id != "mapping":
        return None
    merged = False
    for key_node, value in node.value:
        if key_node.id == "scalar":
            if key_node.tag == MERGE_TAG:
                merged = True
            elif key_node.value == key:
                return value
    return _yaml.get(node, key) if merged else None


def key_node_of(mapping: Any, key: str) -> Any:
    for key_node, _ in _yaml.items(mapping):
        if _yaml.is_scalar(key_node) and key_node.value == key:
            return key_node
    return None
