"""The function library of the Helm renderer: sprig's and Helm's pure functions.

``FUNCTIONS`` maps each template function name to a Python callable over template values
(dict, list, str, int, float, bool, None). A function raises
:class:`~portlint.helm.errors.TemplateError` where Go or sprig would fail.

Engine-level (in :mod:`portlint.helm.exec`, they need the template set, laziness or the
source map): ``include``, ``tpl``, ``required``, ``fail``, ``lookup``, ``index``, and ``and``/``or``
(short-circuit since Go 1.18). Simple eager ``and``/``or`` are here too, for completeness.
Deliberately absent (their result is not a function of the chart: randomness, time, keys, the
environment): ``randAlphaNum``, ``uuidv4``, ``now``, ``date``, ``genCA``, ``genSignedCert``,
``htpasswd``, ``env``... An absent function makes only the affected output unknown.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from portlint.helm.functions import (
    arith,
    dicts,
    encoding,
    goyaml,
    lists,
    logic,
    paths,
    regex,
    semver,
    strings,
)
from portlint.helm.gofmt import truth


def _and(*args: Any) -> Any:
    """Eager ``and``: the first false argument, else the last (the executor short-circuits)."""
    for arg in args:
        if not truth(arg):
            return arg
    return args[-1] if args else None


def _or(*args: Any) -> Any:
    """Eager ``or``: the first true argument, else the last."""
    for arg in args:
        if truth(arg):
            return arg
    return args[-1] if args else None


FUNCTIONS: dict[str, Callable[..., Any]] = {}
for _family in (strings, lists, dicts, arith, logic, encoding, regex, semver, goyaml, paths):
    FUNCTIONS.update(_family.FUNCTIONS)
FUNCTIONS["and"] = _and
FUNCTIONS["or"] = _or

__all__ = ["FUNCTIONS"]
