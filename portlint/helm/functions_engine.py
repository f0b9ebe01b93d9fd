"""Engine-level template functions: the ones that need the executor (``and``/``or`` evaluate lazily,
``include``/``tpl`` render templates, ``required``/``fail`` stop, ``lookup`` would read the cluster,
``index`` keeps values origins), and how an UNKNOWN argument is decided or propagated."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from portlint.helm.errors import TemplateError
from portlint.helm.gofmt import go_type as _go_type
from portlint.helm.values import UNKNOWN, origin_of, traced

if TYPE_CHECKING:
    from portlint.helm.exec import Engine, _Frame

_NOVALUE = object()  # "no final argument" in a pipeline


def _and_or(want: bool) -> Callable[..., Any]:
    def run(engine: Engine, frame: _Frame, dot: Any, args: Any, final: Any) -> Any:
        nodes = list(args)
        if not nodes and final is _NOVALUE:
            raise TemplateError(f"wrong number of args for {'or' if want else 'and'}: want at least 1 got 0")
        value: Any = None
        unknown = False
        count = len(nodes) + (final is not _NOVALUE)
        for i in range(count):
            value = engine._arg(frame, dot, nodes[i]) if i < len(nodes) else final
            if value is UNKNOWN:
                unknown = True
                continue
            if engine.truth(value) == want:
                return UNKNOWN if unknown else value
        return UNKNOWN if unknown else value

    return run


def _required(engine: Engine, frame: _Frame, argv: list[Any]) -> Any:
    if len(argv) != 2:
        raise TemplateError(f"wrong number of args for required: want 2 got {len(argv)}", function="required")
    message, value = argv
    if value is UNKNOWN:
        return UNKNOWN
    if value is None or (isinstance(value, str) and value == ""):
        raise TemplateError(str(message), function="required")
    return value


def _fail(engine: Engine, frame: _Frame, argv: list[Any]) -> Any:
    raise TemplateError(str(argv[0]) if argv else "", function="fail")


def _lookup(engine: Engine, frame: _Frame, argv: list[Any]) -> Any:
    if engine.lookup_empty:
        return {}
    if engine._where is not None:
        engine._note(*engine._where, "lookup reads the cluster, which is not read: its result is unknown", "lookup")
    return UNKNOWN


def _index(engine: Engine, frame: _Frame, argv: list[Any]) -> Any:
    """Go's ``index``, keeping the origin of what it reads from a values tree."""
    if not argv:
        raise TemplateError("wrong number of args for index: want at least 1 got 0", function="index")
    item = argv[0]
    for key in argv[1:]:
        if item is UNKNOWN or key is UNKNOWN:
            return UNKNOWN
        if isinstance(item, dict):
            if not isinstance(key, str):
                raise TemplateError(f"value has type {_go_type(key)}; should be string", function="index")
            if key not in item:
                path = engine.origins.path(item)
                engine._missing = f"{path}.{key}" if path else None
                item = None
                continue
            item = engine.origins.read(item, key, item[key])
        elif isinstance(item, (list, str)):
            if isinstance(key, bool) or not isinstance(key, int):
                raise TemplateError(f"cannot index slice/array with type {_go_type(key)}", function="index")
            if not 0 <= key < len(item):
                raise TemplateError(f"index out of range: {key}", function="index")
            item = engine.origins.read(item, key, item[key]) if isinstance(item, list) else ord(item[key])
        elif item is None:
            raise TemplateError("index of untyped nil", function="index")
        else:
            raise TemplateError(f"can't index item of type {_go_type(item)}", function="index")
    return item


_LAZY: dict[str, Callable[..., Any]] = {"and": _and_or(False), "or": _and_or(True)}
_ENGINE: dict[str, Callable[..., Any]] = {
    "include": lambda engine, frame, argv: engine._include(frame, argv),
    "tpl": lambda engine, frame, argv: engine._tpl(frame, argv), "required": _required, "fail": _fail,
    "lookup": _lookup, "index": _index,
}
_SERIALISERS = frozenset({
    "toYaml", "toYamlPretty", "mustToYaml", "toJson", "mustToJson", "toPrettyJson", "mustToPrettyJson",
    "toRawJson", "mustToRawJson", "toToml", "b64enc", "sha256sum", "sha1sum", "adler32sum",
})


def decide_unknown(name: str, argv: list[Any], truth: Callable[[Any], bool]) -> Any:
    """The result of a call with an UNKNOWN argument where it can still be decided, else UNKNOWN;
    ``_NOVALUE`` when no argument is unknown."""
    if not any(a is UNKNOWN for a in argv):
        return _NOVALUE
    if name == "default" and len(argv) == 2 and argv[1] is not UNKNOWN:
        return argv[1] if truth(argv[1]) else UNKNOWN
    if name == "coalesce":
        for value in argv:
            if value is UNKNOWN:
                return UNKNOWN
            if truth(value):
                return value
    if name == "ternary" and len(argv) == 3 and argv[2] is not UNKNOWN:
        chosen = argv[0] if truth(argv[2]) else argv[1]
        return chosen
    return UNKNOWN


def carry_origin(result: Any, argv: list[Any]) -> Any:
    """A scalar computed from exactly one traced value keeps that value's origin."""
    if type(result) not in (int, float, str):
        return result
    found = None
    for arg in argv:
        origin = origin_of(arg)
        if origin is not None:
            if found is not None and origin != found:
                return result
            found = origin
    return traced(result, found)
