"""Argument checks and conversions shared by the function families.

Go's text/template checks each argument against the function's parameter type; sprig converts
``interface{}`` parameters with spf13/cast. These helpers do both, raising :class:`TemplateError`
with Go's wording where Go would fail.
"""

from __future__ import annotations

import math
from typing import Any

from portlint.helm.errors import TemplateError
from portlint.helm.gofmt import go_type, sprint

INT64_MIN, INT64_MAX = -(1 << 63), (1 << 63) - 1


def want_str(value: Any) -> str:
    """A ``string`` parameter: only strings pass (Go does not convert)."""
    if isinstance(value, str):
        return value
    if value is None:
        raise TemplateError("invalid value; expected string")
    raise TemplateError(f"wrong type for value; expected string; got {go_type(value)}")


def want_int(value: Any) -> int:
    """An ``int`` parameter: only integers pass."""
    if isinstance(value, int) and not isinstance(value, bool):
        return int(value)
    if value is None:
        raise TemplateError("invalid value; expected int")
    raise TemplateError(f"wrong type for value; expected int; got {go_type(value)}")


def want_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value is None:
        raise TemplateError("invalid value; expected bool")
    raise TemplateError(f"wrong type for value; expected bool; got {go_type(value)}")


def want_list(value: Any, what: str = "[]interface {}") -> list:
    """A slice parameter: nil (a missing value carried through a variable) is an empty slice."""
    if isinstance(value, (list, tuple)):
        return list(value)
    if value is None:
        return []
    raise TemplateError(f"wrong type for value; expected {what}; got {go_type(value)}")


def want_dict(value: Any) -> dict:
    """A map parameter: nil (a missing value carried through a variable or a pipeline) is Go's nil
    map, empty to read (Go only refuses a nil read straight from a map field)."""
    if isinstance(value, dict):
        return value
    if value is None:
        return {}
    raise TemplateError(f"wrong type for value; expected map[string]interface {{}}; got {go_type(value)}")


def strval(value: Any) -> str:
    """sprig's strval: strings as they are, everything else as fmt's %v."""
    if isinstance(value, str):
        return str(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return sprint(value)


def _parse_go_int(text: str) -> int | None:
    """strconv.ParseInt(text, 0, 64): 0x/0o/0b prefixes, leading 0 is octal, _ between digits."""
    s = text
    sign = 1
    if s[:1] in "+-":
        sign = -1 if s[0] == "-" else 1
        s = s[1:]
    if not s:
        return None
    base = 10
    lower = s.lower()
    underscores_ok = False
    if lower.startswith("0x"):
        base, s, underscores_ok = 16, s[2:], True
    elif lower.startswith("0o"):
        base, s, underscores_ok = 8, s[2:], True
    elif lower.startswith("0b"):
        base, s, underscores_ok = 2, s[2:], True
    elif len(s) > 1 and s[0] == "0":
        base, s, underscores_ok = 8, s[1:], True
    if "_" in s:
        if not underscores_ok or s.startswith("_") or s.endswith("_") or "__" in s:
            return None
        s = s.replace("_", "")
    if not s:
        return None
    try:
        value = sign * int(s, base)
    except ValueError:
        return None
    if not INT64_MIN <= value <= INT64_MAX:
        return None
    if not s.isascii():
        return None
    return value


def wrap_int64(value: int) -> int:
    """Go's int64 overflow wraps around."""
    return ((value - INT64_MIN) % (1 << 64)) + INT64_MIN


def to_int64(value: Any) -> int:
    """spf13/cast.ToInt64 (v1.3): errors become 0."""
    if isinstance(value, bool):
        return 1 if value else 0
    if isinstance(value, int):
        return wrap_int64(int(value))
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return INT64_MIN
        return wrap_int64(int(value))
    if isinstance(value, str):
        parsed = _parse_go_int(value)
        return 0 if parsed is None else parsed
    return 0


def to_float64(value: Any) -> float:
    """spf13/cast.ToFloat64: errors become 0."""
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        return parse_go_float(value) or 0.0
    return 0.0


def parse_go_float(text: str) -> float | None:
    """strconv.ParseFloat(text, 64) for decimal forms (and inf/nan words)."""
    s = text
    low = s.lower().lstrip("+-")
    if low in ("inf", "infinity", "nan"):
        try:
            return float(s)
        except ValueError:
            return None
    if not s or "_" in s or not s.isascii():
        return None
    if low.startswith("0x"):
        try:
            return float.fromhex(s)
        except ValueError:
            return None
    try:
        return float(s)
    except ValueError:
        return None


def is_empty(value: Any) -> bool:
    """sprig's empty: nil, false, 0, "" and empty collections."""
    if value is None:
        return True
    if isinstance(value, bool):
        return not value
    if isinstance(value, (int, float)):
        return value == 0
    if isinstance(value, (str, bytes, list, tuple, dict)):
        return len(value) == 0
    return False


def kind_of(value: Any) -> str:
    """reflect.Kind's name, as sprig's kindOf prints it."""
    if value is None:
        return "invalid"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float64"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return "map"
    if isinstance(value, (list, tuple)):
        return "slice"
    return "struct"


def deep_equal(a: Any, b: Any) -> bool:
    """reflect.DeepEqual for template values (types must match: 1 and 1.0 differ)."""
    if kind_of(a) != kind_of(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(deep_equal(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(deep_equal(x, y) for x, y in zip(a, b))
    return bool(a == b)


def deep_copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: deep_copy(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [deep_copy(v) for v in value]
    return value
