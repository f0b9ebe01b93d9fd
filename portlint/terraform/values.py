"""Values of Terraform expressions: :class:`Val` (a value and the places it comes from),
:data:`UNKNOWN`, and the operations on values the evaluator and the functions share
(truth, iteration, flattening, indexing, operators)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from portlint.model import Location

if TYPE_CHECKING:
    from portlint.terraform.model import Node

MAX_DEPTH = 40  # expression nesting and reference hops before we give up
MAX_STEPS = 50_000  # evaluation steps per evaluator family (a module instance)
MAX_ITEMS = 10_000  # elements of one collection we build

UNKNOWN: Any = type("Unknown", (), {"__repr__": lambda self: "UNKNOWN"})()


class Val:
    """A value and where it comes from: ``sites[0]`` is where it is written at the use, the rest
    the definitions followed to get it (a local, a variable default, a tfvars line), nearest
    first. ``data`` is a scalar, a list of Val, a dict of str → Val, or :data:`UNKNOWN`.

    Immutable by convention; a plain class with slots (evaluation makes many of them)."""

    __slots__ = ("data", "text", "sites")

    def __init__(self, data: Any, text: str, sites: tuple[Location, ...]) -> None:
        self.data, self.text, self.sites = data, text, sites

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Val) and (self.data, self.text, self.sites) == (other.data, other.text, other.sites)

    __hash__ = None  # type: ignore[assignment]  # data may be a list

    def __repr__(self) -> str:
        return f"Val(data={self.data!r}, text={self.text!r}, sites={self.sites!r})"

    @property
    def known(self) -> bool:
        return self.data is not UNKNOWN

    @property
    def is_scalar(self) -> bool:
        data = self.data
        return data is not UNKNOWN and not isinstance(data, (list, dict))

    def defined_at(self) -> tuple[Location, ...]:
        seen: list[Location] = []
        for site in self.sites[1:]:
            if site != self.sites[0] and site not in seen:
                seen.append(site)
        return tuple(seen)

    def via(self, site: Location, text: str) -> Val:
        return Val(self.data, text if not self.known else self.text, (site, *self.sites))

    def scalar_text(self) -> str:
        if isinstance(self.data, bool):
            return "true" if self.data else "false"
        if isinstance(self.data, float) and self.data.is_integer():
            return str(int(self.data))
        return str(self.data)

    def plain(self, budget: list[int] | None = None) -> Any:
        """The value without sites (lists and dicts of plain values); UNKNOWN anywhere, or a value
        too big to unfold (shared sub-values can make a tree exponential), → UNKNOWN."""
        budget = budget if budget is not None else [MAX_ITEMS * 10]
        budget[0] -= 1
        if not self.known or budget[0] < 0:
            return UNKNOWN
        if isinstance(self.data, list):
            items = [v.plain(budget) for v in self.data]
            return UNKNOWN if any(i is UNKNOWN for i in items) else items
        if isinstance(self.data, dict):
            pairs = {k: v.plain(budget) for k, v in self.data.items()}
            return UNKNOWN if any(v is UNKNOWN for v in pairs.values()) else pairs
        return self.data


def unknown(node: Node) -> Val:
    return Val(UNKNOWN, node.text, (node.loc,))


def wrap(data: Any, text: str, sites: tuple[Location, ...]) -> Val:
    """A plain Python value (from jsondecode, a table) as a Val tree with the same sites."""
    if isinstance(data, list):
        return Val([wrap(v, text, sites) for v in data[:MAX_ITEMS]], text, sites)
    if isinstance(data, dict):
        return Val({str(k): wrap(v, text, sites) for k, v in list(data.items())[:MAX_ITEMS]}, text, sites)
    return Val(data, text, sites)


_NUMERIC = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
            "/": lambda a, b: a / b if b else UNKNOWN, "%": lambda a, b: a % b if b else UNKNOWN,
            "<": lambda a, b: a < b, ">": lambda a, b: a > b, "<=": lambda a, b: a <= b, ">=": lambda a, b: a >= b}


def number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def same_type(a: Any, b: Any) -> bool:
    return type(a) is type(b) or (number(a) and number(b))


def operate(operator: str, a: Any, b: Any) -> Any:
    if operator in _NUMERIC:
        if not (number(a) and number(b)):
            return UNKNOWN
        if operator in "+-*" and max(abs(a), abs(b)) > 1e15:
            return UNKNOWN
        return _NUMERIC[operator](a, b)
    if operator in ("==", "!="):
        same = a == b and same_type(a, b)
        return same if operator == "==" else not same
    if operator in ("&&", "||") and isinstance(a, bool) and isinstance(b, bool):
        return (a and b) if operator == "&&" else (a or b)
    return UNKNOWN


def truth(value: Val) -> bool | None:
    """A condition's value: a bool, or the strings "true"/"false" Terraform converts."""
    if value.is_scalar and isinstance(value.data, bool):
        return value.data
    if value.is_scalar and value.data in ("true", "false"):
        return value.data == "true"
    return None


def child(value: Val, key: Any) -> Val | None:
    data = value.data
    if isinstance(data, dict):
        return data.get(value_key(key))
    if isinstance(data, list):
        if isinstance(key, str) and key.isdigit():
            key = int(key)
        if isinstance(key, float) and key.is_integer():
            key = int(key)
        if isinstance(key, int) and not isinstance(key, bool) and 0 <= key < len(data):
            return data[key]
    return None


def value_key(key: Any) -> str:
    if isinstance(key, bool):
        return "true" if key else "false"
    if isinstance(key, float) and key.is_integer():
        return str(int(key))
    return str(key)


def iterate(value: Val) -> list[tuple[Val, Val]] | None:
    """A collection → (key, value) pairs (index keys for lists); ``None`` when not known."""
    if not value.known:
        return None
    if isinstance(value.data, dict):
        return [(Val(k, k, v.sites[:1]), v) for k, v in sorted(value.data.items())]
    if isinstance(value.data, list):
        return [(Val(i, str(i), item.sites[:1]), item) for i, item in enumerate(value.data)]
    return None


def flatten(value: Val) -> list[Val]:
    """A list (of lists) of values → the leaves, unknown leaves kept."""
    if value.known and isinstance(value.data, list):
        return [leaf for item in value.data for leaf in flatten(item)]
    return [value]
