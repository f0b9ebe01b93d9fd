"""Rendered charts are cut into documents as Helm cuts them (releaseutil.SplitManifests), with every
position still naming the template character that wrote it."""

from __future__ import annotations

import re

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from portlint.helm.exec import Engine
from portlint.helm.render import functions
from portlint.helm.split import helm_documents, separator_edits, separators

_GO_SEP = re.compile(r"(?:^|[\t\n\f\r ]*\n)---[\t\n\f\r ]*")


def helm_split(text: str) -> list[str]:
    """What SplitManifests gives: the trimmed text cut by its regex, each piece trimmed, empties dropped."""
    pieces = _GO_SEP.split(text.strip("\t\n\f\r "))
    return [p.strip("\t\n\f\r ") for p in pieces if p.strip("\t\n\f\r ")]


def apply(text: str) -> str:
    out, last = [], 0
    for start, end, replacement in separator_edits(text):
        out.append(text[last:start] + replacement)
        last = end
    return "".join(out) + text[last:]


def render(template: str, values: dict | None = None):
    engine = Engine(functions())
    engine.add("c/templates/t.yaml", template)
    return engine.render("c/templates/t.yaml", {"Values": values or {}})


def test_dashes_glued_to_a_comment_by_a_trimmed_action_separate_documents() -> None:
    rendered = helm_documents(render("a: 1\n---\n\n{{- if true -}}\n\n# note\nb: 2\n{{- end }}\n"))
    assert rendered.text == "a: 1\n---\n# note\nb: 2\n"
    assert list(yaml.safe_load_all(rendered.text)) == [{"a": 1}, {"b": 2}]


def test_dashes_glued_to_a_key_and_content_on_the_separator_line() -> None:
    assert list(yaml.safe_load_all(apply("---apiVersion: v1\nkind: A\n--- kind: B\n  # c\n"))) == [
        {"apiVersion": "v1", "kind": "A"}, {"kind": "B"}]


def test_indented_first_line_is_trimmed_as_helm_trims_each_document() -> None:
    assert apply("---\n   # c\n  a: 1\n  b: 2\n") == "---\n# c\n  a: 1\n  b: 2\n"
    assert apply("  a: 1\n  b: 2\n") == "a: 1\n  b: 2\n"


def test_canonical_output_is_left_alone() -> None:
    text = "# Source\napiVersion: v1\n---\nkind: A\n---\n\n---\n"
    assert separator_edits(text) == []
    rendered = render(text)
    assert helm_documents(rendered) is rendered


def test_positions_follow_the_text() -> None:
    template = "a: {{ .Values.x }}\n---{{- /* c */ -}}\n  b: {{ nosuch 2 }}\n---\n\n{{- if true -}}\nc: 3\n{{- end }}\n"
    rendered = render(template, {"x": 1})
    moved = helm_documents(rendered)
    assert moved.text == "a: 1\n---\nb: __portlint_unknown_0__\n---\nc: 3\n"
    for offset, char in enumerate(moved.text):
        if char in "abc":
            _, line, column = moved.position(offset)
            assert template.split("\n")[line - 1][column - 1] == char
    assert [moved.text[u.start:u.end] for u in moved.unknown] == ["__portlint_unknown_0__"]


_LINES = st.sampled_from(["---", "---a: 1", "--- b: 2", "---# c", "  c: 3", "d: 4", "", "  ", "# e",
                          "  - f", "---  ", "\t", "g: [1,", "h: 5 ", "---\t", "---- j", "i: |", "  text", "..."])


def _clip(data):
    """Helm trims each document, so a block scalar ending one loses its final newline: not a port."""
    if isinstance(data, str):
        return data.rstrip("\n")
    if isinstance(data, dict):
        return {k: _clip(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_clip(v) for v in data]
    return data


@settings(max_examples=300, deadline=None)
@given(st.lists(_LINES, max_size=8), st.booleans())
def test_yaml_sees_the_documents_helm_sees(lines: list[str], final_newline: bool) -> None:
    text = "\n".join(lines) + ("\n" if final_newline else "")
    expected = []
    for piece in helm_split(text):
        try:
            expected.append(yaml.safe_load(piece))
        except yaml.YAMLError:
            return  # Helm rejects this output too
    got = [d for d in yaml.safe_load_all(apply(text)) if d is not None]
    assert _clip(got) == _clip([d for d in expected if d is not None])


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="-\n \ta#", max_size=40))
def test_separators_are_the_regular_expressions_matches(text: str) -> None:
    regex = re.compile(r"(?:\A[\t\n\f\r ]*|[\t\n\f\r ]*\n)---[\t\n\f\r ]*")
    assert [(s, e) for s, _, e in separators(text)] == [m.span() for m in regex.finditer(text)]
