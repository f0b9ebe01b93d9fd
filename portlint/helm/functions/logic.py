"""Defaults, comparisons, truth and type functions (sprig's defaults/reflect families and
text/template's eq/ne/lt/le/gt/ge/not/len builtins)."""

from __future__ import annotations

from typing import Any

from portlint.helm.errors import TemplateError
from portlint.helm.functions._args import (
    deep_equal,
    is_empty,
    kind_of,
    to_float64,
    to_int64,
    want_bool,
    want_str,
)
from portlint.helm.gofmt import go_type, truth

# -- defaults -----------------------------------------------------------------------------------


def default(d: Any, *given: Any) -> Any:
    if not given or is_empty(given[0]):
        return d
    return given[0]


def empty(v: Any) -> bool:
    return is_empty(v)


def coalesce(*values: Any) -> Any:
    for v in values:
        if not is_empty(v):
            return v
    return None


def ternary(true_value: Any, false_value: Any, condition: Any) -> Any:
    return true_value if want_bool(condition) else false_value


def not_(v: Any) -> bool:
    return not truth(v)


# -- comparisons (text/template) ------------------------------------------------------------


def _basic_kind(v: Any) -> str:
    if v is None:
        return "invalid"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int"
    if isinstance(v, float):
        return "float"
    if isinstance(v, str):
        return "string"
    return "other"


def _eq1(a: Any, b: Any) -> bool:
    ka, kb = _basic_kind(a), _basic_kind(b)
    if ka != kb:
        if a is not None and b is not None:
            raise TemplateError("incompatible types for comparison")
        return False
    if ka == "other":
        if isinstance(a, (dict, list)) or isinstance(b, (dict, list)):
            raise TemplateError(f"non-comparable type {go_type(a)}")
        return a is b
    if ka == "invalid":
        return True
    return bool(a == b)


def eq(a: Any, *others: Any) -> bool:
    if not others:
        raise TemplateError("missing argument for comparison")
    return any(_eq1(a, b) for b in others)


def ne(a: Any, b: Any) -> bool:
    return not _eq1(a, b)


def _lt(a: Any, b: Any) -> bool:
    ka, kb = _basic_kind(a), _basic_kind(b)
    if ka != kb:
        raise TemplateError("incompatible types for comparison")
    if ka in ("bool", "other", "invalid"):
        raise TemplateError("invalid type for comparison")
    return bool(a < b)


def lt(a: Any, b: Any) -> bool:
    return _lt(a, b)


def le(a: Any, b: Any) -> bool:
    return _lt(a, b) or _eq1(a, b)


def gt(a: Any, b: Any) -> bool:
    return not le(a, b)


def ge(a: Any, b: Any) -> bool:
    return not _lt(a, b)


def len_(v: Any) -> int:
    if v is None:
        raise TemplateError("len of nil pointer")
    if isinstance(v, str):
        return len(v.encode("utf-8", "surrogatepass"))
    if isinstance(v, (list, tuple, dict, bytes)):
        return len(v)
    raise TemplateError(f"len of type {go_type(v)}")


# -- conversion ------------------------------------------------------------------------------


def to_int(v: Any) -> int:
    return to_int64(v)


def to_float(v: Any) -> float:
    return to_float64(v)


def atoi(s: Any) -> int:
    text = want_str(s)
    body = text[1:] if text[:1] in "+-" else text
    if not body or not body.isdigit() or not body.isascii():
        return 0
    return int(text)


def to_bool(v: Any) -> bool:
    """spf13/cast.ToBool."""
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float)):
        return v != 0
    if isinstance(v, str):
        return v in ("1", "t", "T", "TRUE", "true", "True")
    return False


def to_decimal(v: Any) -> int:
    """sprig's toDecimal: an octal string to its value."""
    text = str(v) if not isinstance(v, str) else v
    try:
        return int(text, 8)
    except ValueError:
        return 0


# -- types -----------------------------------------------------------------------------------


def kind_of_(v: Any) -> str:
    return kind_of(v)


def kind_is(target: Any, v: Any) -> bool:
    return want_str(target) == kind_of(v)


def type_of(v: Any) -> str:
    return go_type(v)


def type_is(target: Any, v: Any) -> bool:
    return want_str(target) == go_type(v)


def type_is_like(target: Any, v: Any) -> bool:
    t = want_str(target)
    name = go_type(v)
    return t == name or t == "*" + name


def deep_equal_(a: Any, b: Any) -> bool:
    return deep_equal(a, b)


FUNCTIONS = {
    "default": default, "empty": empty, "coalesce": coalesce, "ternary": ternary, "not": not_,
    "eq": eq, "ne": ne, "lt": lt, "le": le, "gt": gt, "ge": ge, "len": len_,
    "int": to_int, "int64": to_int, "float64": to_float, "atoi": atoi, "toBool": to_bool,
    "toDecimal": to_decimal, "kindOf": kind_of_, "kindIs": kind_is, "typeOf": type_of,
    "typeIs": type_is, "typeIsLike": type_is_like, "deepEqual": deep_equal_,
}
