"""List functions (sprig's lists family)."""

from __future__ import annotations

from typing import Any

from portlint.helm.errors import TemplateError
from portlint.helm.functions._args import deep_equal, is_empty, to_int64, want_int
from portlint.helm.gofmt import go_type

MAX_LIST = 1_000_000


def _seq(value: Any, fn: str) -> list:
    """A slice or array argument; sprig panics on anything else."""
    if isinstance(value, (list, tuple)):
        return list(value)
    if value is None:
        raise TemplateError(f"Cannot {fn} on type <nil>" if fn else "invalid value; expected slice")
    raise TemplateError(f"Cannot {fn} on type {go_type(value)}")


def list_(*items: Any) -> list:
    return list(items)


def first(v: Any) -> Any:
    items = _seq(v, "find first")
    return items[0] if items else None


def last(v: Any) -> Any:
    items = _seq(v, "find last")
    return items[-1] if items else None


def rest(v: Any) -> Any:
    return _seq(v, "find rest")[1:]


def initial(v: Any) -> Any:
    return _seq(v, "find initial")[:-1]


def append_(v: Any, item: Any) -> list:
    return _seq(v, "push") + [item]


def prepend(v: Any, item: Any) -> list:
    return [item] + _seq(v, "prepend")


def concat(*lists: Any) -> list:
    out: list = []
    for v in lists:
        out.extend(_seq(v, "concat"))
    return out


def uniq(v: Any) -> list:
    out: list = []
    for item in _seq(v, "uniq"):
        if not any(deep_equal(item, seen) for seen in out):
            out.append(item)
    return out


def compact(v: Any) -> list:
    return [item for item in _seq(v, "compact") if not is_empty(item)]


def without(v: Any, *omit: Any) -> list:
    return [item for item in _seq(v, "find without") if not any(deep_equal(item, o) for o in omit)]


def has(needle: Any, haystack: Any) -> bool:
    if haystack is None:
        return False
    return any(deep_equal(needle, item) for item in _seq(haystack, "find has"))


def reverse(v: Any) -> list:
    return list(reversed(_seq(v, "find reverse")))


def _bounded(size: int) -> None:
    if size > MAX_LIST:
        raise TemplateError(f"list of {size} items is over the limit ({MAX_LIST})")


def until(count: Any) -> list[int]:
    n = want_int(count)
    step = 1 if n >= 0 else -1
    _bounded(abs(n))
    return list(range(0, n, step))


def until_step(start: Any, stop: Any, step: Any) -> list[int]:
    a, b, s = want_int(start), want_int(stop), want_int(step)
    if s == 0 or (s > 0 and a >= b) or (s < 0 and a <= b):
        return []
    _bounded(abs((b - a) // s))
    return list(range(a, b, s))


def seq(*params: Any) -> str:
    """sprig's seq (like the Unix seq): a space-separated string."""
    nums = [want_int(p) for p in params]
    if len(nums) == 0:
        return ""
    if len(nums) == 1:
        start, stop, step = 1, nums[0], 1
    elif len(nums) == 2:
        start, stop = nums
        step = 1 if stop >= start else -1
    else:
        start, step, stop = nums[0], nums[1], nums[2]
    if step == 0:
        return ""
    if (step > 0 and start > stop) or (step < 0 and start < stop):
        return ""
    _bounded(abs((stop - start) // step) + 1)
    return " ".join(str(i) for i in range(start, stop + (1 if step > 0 else -1), step))


def slice_(v: Any, *indices: Any) -> Any:
    items = _seq(v, "slice")
    if not indices:
        return items
    if len(indices) > 2:
        raise TemplateError("too many slice indexes")
    start = to_int64(indices[0])
    end = to_int64(indices[1]) if len(indices) > 1 else len(items)
    if not 0 <= start <= end <= len(items):
        raise TemplateError(f"slice bounds out of range [{start}:{end}] with capacity {len(items)}")
    return items[start:end]


def chunk(size: Any, v: Any) -> list:
    n = want_int(size)
    items = _seq(v, "chunk")
    if n <= 0:
        raise TemplateError("chunk size must be positive")
    return [items[i:i + n] for i in range(0, len(items), n)]


def all_(*values: Any) -> bool:
    return all(not is_empty(v) for v in values)


def any_(*values: Any) -> bool:
    return any(not is_empty(v) for v in values)


FUNCTIONS = {
    "list": list_, "tuple": list_, "first": first, "last": last, "rest": rest, "initial": initial,
    "append": append_, "push": append_, "prepend": prepend, "concat": concat, "uniq": uniq,
    "compact": compact, "without": without, "has": has, "reverse": reverse, "until": until,
    "untilStep": until_step, "seq": seq, "slice": slice_, "chunk": chunk, "all": all_, "any": any_,
}
for _name in ("first", "last", "rest", "initial", "append", "push", "prepend", "uniq", "compact",
              "without", "has", "reverse", "slice", "chunk"):
    FUNCTIONS["must" + _name[0].upper() + _name[1:]] = FUNCTIONS[_name]
