"""Template values: the unknown marker, values traced back to their values-file line, and Go-style
structs for Helm's built-in objects.

Values are plain Python (Go map → ``dict``, slice → ``list``, string → ``str``, int → ``int``,
float → ``float``, bool → ``bool``, nil → ``None``). Two additions:

- :data:`UNKNOWN` — a value the renderer cannot know (an unknown function, ``lookup``, an
  evaluation error). The executor never passes it to a pure function: the result is unknown too.
- :class:`TracedInt`/:class:`TracedStr`/:class:`TracedFloat` — a scalar read from a values file,
  carrying ``origin`` (its values-file :class:`~portlint.model.Location`). They *are* ints, strs
  and floats, so functions work on them unchanged; :func:`plain` strips them (deeply) where a
  serialiser needs exact types.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from portlint.model import Location


class _Unknown:
    """The one unknown value."""

    _instance: _Unknown | None = None

    def __new__(cls) -> _Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"

    def __bool__(self) -> bool:
        raise TypeError("UNKNOWN has no truth value")


UNKNOWN = _Unknown()


class TracedInt(int):
    origin: Location


class TracedFloat(float):
    origin: Location


class TracedStr(str):
    origin: Location


_TRACED = {int: TracedInt, float: TracedFloat, str: TracedStr}
_PLAIN = {TracedInt: int, TracedFloat: float, TracedStr: str}


def traced(value: Any, origin: Location | None) -> Any:
    """``value`` carrying ``origin`` when it is an int, float or str (bools cannot carry one)."""
    if origin is None:
        return value
    cls = _TRACED.get(type(value))
    if cls is None:
        return value
    out = cls(value)
    out.origin = origin
    return out


def origin_of(value: Any) -> Location | None:
    return getattr(value, "origin", None) if type(value) in _PLAIN else None


def plain(value: Any, depth: int = 0) -> Any:
    """``value`` with every traced scalar replaced by its plain type (containers copied only when
    they hold one)."""
    cls = _PLAIN.get(type(value))
    if cls is not None:
        return cls(value)
    if depth > 200:
        return value
    if type(value) is dict:
        changed = False
        out = {}
        for key, item in value.items():
            new = plain(item, depth + 1)
            changed = changed or new is not item
            out[key] = new
        return out if changed else value
    if type(value) is list:
        items = [plain(item, depth + 1) for item in value]
        return items if any(a is not b for a, b in zip(items, value)) else value
    return value


def contains_unknown(value: Any, depth: int = 0) -> bool:
    if value is UNKNOWN:
        return True
    if depth > 50:
        return False
    if type(value) is dict:
        return any(contains_unknown(v, depth + 1) for v in value.values())
    if type(value) is list:
        return any(contains_unknown(v, depth + 1) for v in value)
    return False


class Origins:
    """Where each value of a values tree was written: container id → (key path, key → Location).

    Filled when values files are loaded (and merged); read by the executor whenever a field,
    ``index`` or ``range`` reads a value, so the value carries its origin from then on.
    """

    def __init__(self) -> None:
        self.table: dict[int, tuple[str, dict[Any, Location]]] = {}
        self.keep: list[Any] = []  # keeps the containers alive so their ids stay unique

    def add(self, container: Any, path: str, where: dict[Any, Location]) -> None:
        self.table[id(container)] = (path, where)
        self.keep.append(container)

    def read(self, container: Any, key: Any, value: Any) -> Any:
        cls = _TRACED.get(type(value))
        if cls is None:
            return value
        entry = self.table.get(id(container))
        if entry is None:
            return value
        origin = entry[1].get(key)
        if origin is None:
            return value
        out = cls(value)
        out.origin = origin
        return out

    def path(self, container: Any) -> str | None:
        entry = self.table.get(id(container))
        return entry[0] if entry is not None else None


class GoStruct:
    """A Go struct value (``.Chart``, ``.Capabilities``): fixed fields, a missing field is an error,
    methods are :class:`Method` fields; ``text`` is what printing it shows (its ``String()``)."""

    __slots__ = ("type_name", "fields", "text")

    def __init__(self, type_name: str, fields: dict[str, Any], text: str | None = None) -> None:
        self.type_name, self.fields, self.text = type_name, fields, text

    def __str__(self) -> str:
        if self.text is not None:
            return self.text
        return "{" + " ".join(str(v) for k, v in self.fields.items() if not isinstance(v, Method)) + "}"

    __repr__ = __str__


class GoMap(dict):
    """A Go map type with methods (Helm's ``.Files``): ranges like a map, ``.Get`` calls a method."""

    methods: dict[str, Method]


class Method:
    """A method value of a :class:`GoStruct` field: called with the template's arguments."""

    __slots__ = ("name", "fn")

    def __init__(self, name: str, fn: Callable[..., Any]) -> None:
        self.name, self.fn = name, fn
