"""The fast pretty JSON writer gives the standard library's bytes."""

from __future__ import annotations

import json

from hypothesis import given, settings, strategies as st

from portlint.report._json import dumps

_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text()
_values = st.recursive(_scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
                       max_leaves=30)


@settings(max_examples=200, deadline=None)
@given(_values)
def test_same_bytes_as_json_dumps(value) -> None:
    assert dumps(value) == json.dumps(value, indent=2, ensure_ascii=False)


def test_edge_cases() -> None:
    value = {"a": [], "b": {}, "c": (1, 2), 3: "x", "e": "é\u2028\"\\\n", "f": [[{}]], "g": float("inf")}
    assert dumps(value) == json.dumps(value, indent=2, ensure_ascii=False)
