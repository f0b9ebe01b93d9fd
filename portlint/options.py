"""Typed rule options, declared in each rule module as yamllint declares its ``CONF``::

    OPTIONS = {
        "max_listed": Option(int, 6, "sensitive ports named in the message before 'and N more'", minimum=0),
        "protocols": Option(list[str], ["tcp", "all"], "rule protocols whose ports count"),
    }

A type is ``bool``, ``int``, ``float``, ``str``, ``list[T]`` or ``dict[str, T]`` of those. The config's
``[rules.ID]`` values are checked against it before any rule runs; a wrong type is a config error
(exit 2) naming the file and the key, never a crash inside the rule. A user rule may still give
plain defaults (``OPTIONS = {"limit": 3}``): the type is then read from the default.
"""

from __future__ import annotations

import os
import typing
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

_NAMES = {bool: "true or false", int: "an integer", float: "a number", str: "a string"}


@dataclass(frozen=True)
class Option:
    """One rule option: its type, its default, what it means, and optional bounds or choices."""

    type: Any
    default: Any
    doc: str = ""
    minimum: int | float | None = None
    choices: tuple[str, ...] = ()

    def check(self, value: Any) -> str | None:
        """Why ``value`` does not fit this option (None when it does)."""
        problem = type_problem(value, self.type)
        if problem:
            return problem
        if self.minimum is not None and isinstance(value, (int, float)) and value < self.minimum:
            return f"must be at least {self.minimum}, not {value}"
        if self.choices:
            for item in value if isinstance(value, list) else [value]:
                if item not in self.choices:
                    return f"{item!r} is not one of {', '.join(self.choices)}{did_you_mean(str(item), self.choices)}"
        return None


def type_name(tp: Any) -> str:
    """``list[str]`` → "a list of strings"."""
    origin = typing.get_origin(tp)
    if origin is list:
        (item,) = typing.get_args(tp) or (Any,)
        return f"a list of {_plural(item)}"
    if origin is dict:
        _, item = typing.get_args(tp) or (str, Any)
        return f"a table of {_plural(item)}"
    return _NAMES.get(tp, "any value")


def short_type(tp: Any) -> str:
    """The type as written in a rule module: ``list[str]``, ``dict[str, list[str]]``, ``int``."""
    if typing.get_origin(tp) is None:
        return getattr(tp, "__name__", str(tp))
    return str(tp).replace("typing.", "")


def _plural(tp: Any) -> str:
    name = type_name(tp)
    if name == "true or false":
        return "booleans"
    for article in ("an ", "a "):
        if name.startswith(article):
            name = name[len(article):]
            break
    first, _, rest = name.partition(" ")
    return (first + "s " + rest).strip() if rest else first + "s"


def type_problem(value: Any, tp: Any) -> str | None:
    """Why ``value`` is not of type ``tp`` (None when it is). Iterative over nesting levels."""
    pending = [(value, tp)]
    while pending:
        item, expected = pending.pop()
        origin = typing.get_origin(expected)
        if origin is list:
            if not isinstance(item, list):
                return f"must be {type_name(tp)}"
            (inner,) = typing.get_args(expected) or (Any,)
            pending.extend((v, inner) for v in item)
        elif origin is dict:
            if not isinstance(item, dict):
                return f"must be {type_name(tp)}"
            _, inner = typing.get_args(expected) or (str, Any)
            pending.extend((v, inner) for v in item.values())
        elif expected is Any:
            continue
        elif expected is float:
            if isinstance(item, bool) or not isinstance(item, (int, float)):
                return f"must be {type_name(tp)}"
        elif expected is int:
            if isinstance(item, bool) or not isinstance(item, int):
                return f"must be {type_name(tp)}"
        elif not isinstance(item, expected):
            return f"must be {type_name(tp)}"
    return None


def infer_type(default: Any) -> Any:
    """The type of a plain default (a user rule's ``OPTIONS = {"limit": 3}``)."""
    if isinstance(default, bool):
        return bool
    if isinstance(default, (int, float, str)):
        return type(default)
    if isinstance(default, list):
        kinds = {infer_type(v) for v in default}
        return list[kinds.pop()] if len(kinds) == 1 else list
    if isinstance(default, dict):
        kinds = {infer_type(v) for v in default.values()}
        return dict[str, kinds.pop()] if len(kinds) == 1 else dict
    return Any


def as_option(default: Any) -> Option:
    return default if isinstance(default, Option) else Option(infer_type(default), default)


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """`` (did you mean X?)`` for the closest candidate, or an empty string."""
    import difflib  # only a mistake needs it

    target = word.lower()
    best: tuple[float, int, str] | None = None
    for candidate in sorted({c for c in candidates if c}):
        lowered = candidate.lower()
        ratio = difflib.SequenceMatcher(None, target, lowered).ratio()
        prefix = len(os.path.commonprefix([target, lowered]))  # ties go to the longer common start
        if ratio >= 0.6 and (best is None or (ratio, prefix) > best[:2]):
            best = (ratio, prefix, candidate)
    return f" (did you mean {best[2]}?)" if best else ""
