"""Arithmetic (sprig's math family): integer functions cast to int64, float ones to float64."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from portlint.helm.errors import TemplateError
from portlint.helm.functions._args import to_float64, to_int64, wrap_int64


def _int_div(a: int, b: int) -> int:
    if b == 0:
        raise TemplateError("runtime error: integer divide by zero")
    q = abs(a) // abs(b)
    return wrap_int64(q if (a >= 0) == (b >= 0) else -q)


def add(*args: Any) -> int:
    return wrap_int64(sum(to_int64(a) for a in args))


def add1(a: Any) -> int:
    return wrap_int64(to_int64(a) + 1)


def sub(a: Any, b: Any) -> int:
    return wrap_int64(to_int64(a) - to_int64(b))


def mul(a: Any, *rest: Any) -> int:
    out = to_int64(a)
    for b in rest:
        out = wrap_int64(out * to_int64(b))
    return out


def div(a: Any, b: Any) -> int:
    return _int_div(to_int64(a), to_int64(b))


def mod(a: Any, b: Any) -> int:
    x, y = to_int64(a), to_int64(b)
    if y == 0:
        raise TemplateError("runtime error: integer divide by zero")
    return x - _int_div(x, y) * y


def max_(a: Any, *rest: Any) -> int:
    return max([to_int64(a)] + [to_int64(b) for b in rest])


def min_(a: Any, *rest: Any) -> int:
    return min([to_int64(a)] + [to_int64(b) for b in rest])


def _dec(value: Any) -> Decimal:
    f = to_float64(value)
    if math.isnan(f) or math.isinf(f):
        raise TemplateError("can't convert NaN or Inf to decimal")
    return Decimal(repr(f))


def _f(d: Decimal) -> float:
    return float(d)


def addf(*args: Any) -> float:
    return _f(sum((_dec(a) for a in args), Decimal(0)))


def add1f(a: Any) -> float:
    return _f(_dec(a) + 1)


def subf(a: Any, *rest: Any) -> float:
    out = _dec(a)
    for b in rest:
        out -= _dec(b)
    return _f(out)


def mulf(a: Any, *rest: Any) -> float:
    out = _dec(a)
    for b in rest:
        out *= _dec(b)
    return _f(out)


def divf(a: Any, *rest: Any) -> float:
    out = _dec(a)
    for b in rest:
        d = _dec(b)
        if d == 0:
            raise TemplateError("decimal division by 0")
        out = out / d
    return _f(out)


def maxf(a: Any, *rest: Any) -> float:
    return max([to_float64(a)] + [to_float64(b) for b in rest])


def minf(a: Any, *rest: Any) -> float:
    return min([to_float64(a)] + [to_float64(b) for b in rest])


def floor(a: Any) -> float:
    return float(math.floor(to_float64(a)))


def ceil(a: Any) -> float:
    return float(math.ceil(to_float64(a)))


def round_(a: Any, places: Any, *roundon: Any) -> float:
    """sprig's round(value, places[, roundOn=.5])."""
    on = to_float64(roundon[0]) if roundon else 0.5
    p = to_int64(places)
    value = to_float64(a)
    if math.isnan(value) or math.isinf(value):
        return value
    pow_ = 10.0 ** p
    digit = pow_ * value
    intpart = math.trunc(digit)
    frac = digit - intpart
    rounded = math.ceil(digit) if frac >= on else math.floor(digit)
    return rounded / pow_


FUNCTIONS = {
    "add": add, "add1": add1, "sub": sub, "mul": mul, "div": div, "mod": mod, "max": max_, "min": min_,
    "addf": addf, "add1f": add1f, "subf": subf, "mulf": mulf, "divf": divf, "maxf": maxf, "minf": minf,
    "floor": floor, "ceil": ceil, "round": round_,
}
