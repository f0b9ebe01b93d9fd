"""Terraform's pure built-in functions, on :class:`Val` trees.

Each function takes the evaluated arguments and returns a Val, or :data:`UNKNOWN` data when an
argument is unknown or the call would fail in Terraform. ``try``/``can`` evaluate lazily.
Functions that read files, time, randomness or the provider are not here: their calls stay
unknown. Results are bounded (:data:`MAX_ITEMS`, string lengths).
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Callable
from typing import Any

from portlint.terraform.evaluate import (MAX_ITEMS, UNKNOWN, Evaluator, Val, flatten, number, unknown,
                                         value_key, wrap)
from portlint.terraform.model import Node

MAX_TEXT = 100_000  # characters a string function may build


def call(ev: Evaluator, node: Node, depth: int) -> Val:
    name = str(node.value).removeprefix("core::")
    args = [a for a in node.items if isinstance(a, Node)]
    if name in _LAZY:
        return _LAZY[name](ev, node, args, depth)
    function = _FUNCTIONS.get(name)
    if function is None:
        return unknown(node)
    values = [ev.ev(a, depth + 1) for a in args]
    ev._steps[0] += sum(len(v.data) for v in values if isinstance(v.data, (list, dict, str)))
    if "..." in node.items and values:  # f(a, list...): the list's elements become arguments
        last = values.pop()
        if not last.known or not isinstance(last.data, list):
            return unknown(node)
        values.extend(last.data)
    try:
        result = function(values)
    except (ValueError, TypeError, KeyError, IndexError, ZeroDivisionError, OverflowError, RecursionError):
        return unknown(node)
    if result is UNKNOWN or (isinstance(result, Val) and not result.known):
        return unknown(node)
    if isinstance(result, Val):
        return result.via(node.loc, node.text) if result.is_scalar else Val(result.data, node.text, (node.loc, *result.sites[1:]))
    # a computed value (split, join, format…) comes from its arguments: keep where they are written
    sites: list = [node.loc]
    for value in values:
        for site in value.sites:
            if site not in sites and len(sites) < 8:
                sites.append(site)
    return wrap(result, node.text, tuple(sites))


# -- helpers ------------------------------------------------------------------------------------


def _plain(value: Val) -> Any:
    data = value.plain()
    if data is UNKNOWN:
        raise ValueError("unknown")
    return data


def _string(value: Val) -> str:
    data = _plain(value)
    if isinstance(data, bool):
        return "true" if data else "false"
    if isinstance(data, float) and data.is_integer():
        return str(int(data))
    if isinstance(data, (int, float, str)):
        return str(data)
    raise TypeError("not a string")


def _list(value: Val) -> list[Val]:
    if not value.known:
        raise ValueError("unknown")
    if isinstance(value.data, list):
        return value.data
    raise TypeError("not a list")


def _map(value: Val) -> dict[str, Val]:
    if not value.known or not isinstance(value.data, dict):
        raise TypeError("not a map")
    return value.data


def _int(value: Val) -> int:
    data = _plain(value)
    if isinstance(data, str):
        data = float(data)
    if not number(data) or (isinstance(data, float) and not data.is_integer()):
        raise TypeError("not a whole number")
    return int(data)


def _unique(items: list[Val]) -> list[Val]:
    seen: list[Any] = []
    out = []
    for item in items:
        key = json.dumps(_plain(item), sort_keys=True)
        if key not in seen:
            seen.append(key)
            out.append(item)
    return out


def _bounded(items: list) -> list:
    if len(items) > MAX_ITEMS:
        raise ValueError("too many items")
    return items


# -- the functions --------------------------------------------------------------------------------


def _element(a: list[Val]) -> Val:
    items, index = _list(a[0]), _int(a[1])
    if not items:
        raise IndexError("empty")
    return items[index % len(items)]


def _lookup(a: list[Val]) -> Val:
    mapping, key = _map(a[0]), value_key(_plain(a[1]))
    if key in mapping:
        return mapping[key]
    if len(a) == 3:
        return a[2]
    raise KeyError(key)


def _concat(a: list[Val]) -> Val:
    return Val(_bounded([item for value in a for item in _list(value)]), "", ())


def _split(a: list[Val]) -> Any:
    separator, text = _string(a[0]), _string(a[1])
    if not separator:
        raise ValueError("empty separator")
    return _bounded(text.split(separator))


def _join(a: list[Val]) -> Any:
    separator = _string(a[0])
    parts = [_string(item) for value in a[1:] for item in _list(value)]
    result = separator.join(parts)
    if len(result) > MAX_TEXT:
        raise ValueError("too long")
    return result


def _distinct(a: list[Val]) -> Val:
    return Val(_unique(_list(a[0])), "", ())


def _sort(a: list[Val]) -> Any:
    return sorted(_string(item) for item in _list(a[0]))


def _merge(a: list[Val]) -> Val:
    out: dict[str, Val] = {}
    for value in a:
        if value.known and value.data is None:
            continue
        out.update(_map(value))
    return Val(out, "", ())


def _flatten(a: list[Val]) -> Val:
    leaves = flatten(a[0])
    if any(not leaf.known for leaf in leaves):
        raise ValueError("unknown")
    return Val(_bounded(leaves), "", ())


def _coalesce(a: list[Val]) -> Val:
    for value in a:
        if not value.known:
            raise ValueError("unknown")
        if value.data is not None and value.data != "":
            return value
    raise ValueError("no value")


def _coalescelist(a: list[Val]) -> Val:
    for value in a:
        if _list(value):
            return value
    raise ValueError("no value")


_VERB = re.compile(r"%(%|[-+# 0]*\d*(?:\.\d+)?[vdsfqtbxXoeEgG])")


def _format(a: list[Val]) -> Any:
    spec, args = _string(a[0]), a[1:]
    position = 0
    out: list[str] = []
    last = 0
    for match in _VERB.finditer(spec):
        out.append(spec[last:match.start()])
        last = match.end()
        verb = match.group(1)
        if verb == "%":
            out.append("%")
            continue
        if position >= len(args):
            raise ValueError("too few arguments")
        arg = _plain(args[position])
        position += 1
        kind = verb[-1]
        if kind in "vs":
            out.append(_string(args[position - 1]) if not isinstance(arg, (list, dict)) else json.dumps(arg))
        elif kind == "d":
            out.append(("%" + verb) % int(float(arg)))
        elif kind == "q":
            out.append(json.dumps(str(arg)))
        elif kind == "t":
            out.append("true" if arg else "false")
        else:
            out.append(("%" + verb) % (int(float(arg)) if kind in "bxXo" else float(arg)))
    out.append(spec[last:])
    return "".join(out)


def _tonumber(a: list[Val]) -> Any:
    data = _plain(a[0])
    if data is None:
        return None
    if isinstance(data, bool) or isinstance(data, (list, dict)):
        raise TypeError("not a number")
    if number(data):
        return data
    text = str(data).strip()
    return int(text) if re.fullmatch(r"-?\d+", text) else float(text)


def _tostring(a: list[Val]) -> Any:
    if a[0].known and a[0].data is None:
        return None
    return _string(a[0])


def _tolist(a: list[Val]) -> Val:
    if a[0].known and isinstance(a[0].data, dict):
        raise TypeError("a map is not a list")
    return Val(_list(a[0]), "", ())


def _toset(a: list[Val]) -> Val:
    items = _unique(_list(a[0]))
    return Val(sorted(items, key=lambda v: json.dumps(_plain(v), sort_keys=True)), "", ())


def _tomap(a: list[Val]) -> Val:
    return Val(_map(a[0]), "", ())


def _range(a: list[Val]) -> Any:
    bounds = [_plain(v) for v in a]
    if not all(number(b) for b in bounds) or not 1 <= len(bounds) <= 3:
        raise TypeError("range takes 1 to 3 numbers")
    start, stop, step = (0, bounds[0], 1) if len(bounds) == 1 else (bounds[0], bounds[1], bounds[2] if len(bounds) == 3 else 1)
    if step == 0 or abs((stop - start) / step) > MAX_ITEMS:
        raise ValueError("range too long")
    out, current = [], start
    while (step > 0 and current < stop) or (step < 0 and current > stop):
        out.append(current)
        current += step
    return out


def _keys(a: list[Val]) -> Any:
    return sorted(_map(a[0]))


def _values(a: list[Val]) -> Val:
    mapping = _map(a[0])
    return Val([mapping[k] for k in sorted(mapping)], "", ())


def _contains(a: list[Val]) -> Any:
    wanted = json.dumps(_plain(a[1]), sort_keys=True)
    return any(json.dumps(_plain(item), sort_keys=True) == wanted for item in _list(a[0]))


def _length(a: list[Val]) -> Any:
    data = a[0].data
    if not a[0].known or not isinstance(data, (list, dict, str)):
        raise TypeError("no length")
    return len(data)


def _jsonencode(a: list[Val]) -> Val:
    # the structure is kept (ECS container definitions are read through it): a port inside stays
    # visible, and a string use of the result is compared as its JSON text
    if not a[0].known:
        raise ValueError("unknown")
    return a[0]


def _jsondecode(a: list[Val]) -> Any:
    text = _string(a[0])
    if len(text) > MAX_TEXT:
        raise ValueError("too long")
    return json.loads(text)


def _cidrhost(a: list[Val]) -> Any:
    network = ipaddress.ip_network(_string(a[0]), strict=False)
    number_ = _int(a[1])
    if not -network.num_addresses <= number_ < network.num_addresses:
        raise ValueError("host number out of range")
    base = network.network_address if number_ >= 0 else network.broadcast_address + 1
    return str(base + number_)


def _cidrsubnet(a: list[Val]) -> Any:
    network = ipaddress.ip_network(_string(a[0]), strict=False)
    newbits, netnum = _int(a[1]), _int(a[2])
    prefix = network.prefixlen + newbits
    if newbits < 0 or prefix > network.max_prefixlen or not 0 <= netnum < 2 ** newbits:
        raise ValueError("no such subnet")
    size = 2 ** (network.max_prefixlen - prefix)
    start = network.network_address + netnum * size
    return str(ipaddress.ip_network(f"{start}/{prefix}"))


def _simple(function: Callable[[str], str]) -> Callable[[list[Val]], Any]:
    return lambda a: function(_string(a[0]))


_FUNCTIONS: dict[str, Callable[[list[Val]], Any]] = {
    "element": _element, "lookup": _lookup, "concat": _concat, "split": _split, "join": _join,
    "distinct": _distinct, "sort": _sort, "merge": _merge, "flatten": _flatten, "coalesce": _coalesce,
    "coalescelist": _coalescelist, "format": _format, "tonumber": _tonumber, "tostring": _tostring,
    "tolist": _tolist, "toset": _toset, "tomap": _tomap, "range": _range, "keys": _keys,
    "values": _values, "contains": _contains, "length": _length, "jsonencode": _jsonencode,
    "jsondecode": _jsondecode, "cidrhost": _cidrhost, "cidrsubnet": _cidrsubnet,
    "lower": _simple(str.lower), "upper": _simple(str.upper), "trimspace": _simple(str.strip),
    "compact": lambda a: [_string(v) for v in _list(a[0]) if v.known and v.data not in (None, "")],
}


def _try(ev: Evaluator, node: Node, args: list[Node], depth: int) -> Val:
    """The first argument that evaluates; unknown as soon as one is unknown (it might fail)."""
    for arg in args:
        value = ev.ev(arg, depth + 1)
        if value.known and value.plain() is not UNKNOWN:
            return value.via(node.loc, node.text)
        if not _fails(ev, arg, depth):
            return unknown(node)
    return unknown(node)


def _can(ev: Evaluator, node: Node, args: list[Node], depth: int) -> Val:
    if len(args) != 1:
        return unknown(node)
    value = ev.ev(args[0], depth + 1)
    if value.known and value.plain() is not UNKNOWN:
        return Val(True, node.text, (node.loc,))
    return Val(False, node.text, (node.loc,)) if _fails(ev, args[0], depth) else unknown(node)


def _fails(ev: Evaluator, node: Node, depth: int) -> bool:
    """Whether an expression certainly fails in Terraform: an index or attribute missing from a
    known value (``var.map["absent"]``). Anything else unknown might succeed."""
    if node.kind in ("ref", "index") and node.items:
        parts = list(node.items)
        for cut in range(len(parts) - 1, 0, -1):
            prefix = Node(node.kind, node.loc, node.text, node.value, tuple(parts[:cut]))
            if node.kind == "index" and cut < 1:
                break
            value = ev.ev(prefix, depth + 1)
            if value.known:
                last = parts[cut]
                key = ev.ev(last, depth + 1).data if isinstance(last, Node) else last
                if key is UNKNOWN:
                    return False
                data = value.data
                if isinstance(data, dict):
                    return value_key(key) not in data
                if isinstance(data, list):
                    return not (isinstance(key, int) and 0 <= key < len(data))
                return True
    return False


_LAZY = {"try": _try, "can": _can}


