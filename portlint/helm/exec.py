"""The Go ``text/template`` executor, with Helm's engine-level functions and a source map.

:class:`Engine` holds every parsed template of a render (files and ``define``s) and renders one
file at a time into a :class:`Rendered`: the output text, where each output character came from
(template and offset), which output spans are values read from a values file (their origin),
which are empty because a ``.Values`` key is missing, and which are unknown.

Go semantics kept: truthiness, sorted map keys in ``range``, ``$``, variable scopes, lazy
``and``/``or``, a nil map field is empty (Helm's ``missingkey=zero`` then ``<no value>`` → ``""``),
a field of nil is an error. Never guessed: an unknown function, ``lookup``, or an evaluation error
makes that action (or that ``if``/``range``/``with``) unknown and adds a :class:`Note`; the rest
renders. Bounded: include depth, range size, output size and wall time.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from portlint.helm import gofmt
from portlint.helm import parser as P
from portlint.helm.errors import TemplateError, UnknownFunction
from portlint.helm.functions_engine import _ENGINE, _LAZY, _NOVALUE, _SERIALISERS, carry_origin, decide_unknown
from portlint.helm.output import MAX_OUTPUT, Note, Rendered, Unknown, _Abort, _Out  # noqa: F401 (re-exported)
from portlint.helm.values import UNKNOWN, GoMap, GoStruct, Method, Origins, origin_of, plain, traced

MAX_INCLUDE_DEPTH = 64
MAX_RANGE = 100_000
MAX_SECONDS = 5.0


class _Break(Exception):
    pass


class _Continue(Exception):
    pass


class _Frame:
    """One template invocation: its source, variables and the misses recorded on them."""

    __slots__ = ("source", "vars", "missing_vars")

    def __init__(self, source: P.Source, dot: Any) -> None:
        self.source = source
        self.vars: list[tuple[str, Any]] = [("$", dot)]
        self.missing_vars: dict[str, str] = {}

    def lookup(self, name: str) -> Any:
        for i in range(len(self.vars) - 1, -1, -1):
            if self.vars[i][0] == name:
                return self.vars[i][1]
        raise TemplateError(f"undefined variable: {name}")

    def set(self, name: str, value: Any) -> None:
        for i in range(len(self.vars) - 1, -1, -1):
            if self.vars[i][0] == name:
                self.vars[i] = (name, value)
                return
        raise TemplateError(f"undefined variable: {name}")


class Engine:
    """Every template of one chart render; renders files one by one."""

    def __init__(self, functions: dict[str, Callable[..., Any]], origins: Origins | None = None,
                 printer: Callable[[Any], str] | None = None, truth: Callable[[Any], bool] | None = None,
                 lookup_empty: bool = False, deadline: float | None = None) -> None:
        self.functions = functions
        self.origins = origins or Origins()
        self.printer = printer or gofmt.template_print
        self.truth = truth or gofmt.truth
        self.lookup_empty = lookup_empty
        self.files: dict[str, P.Tree] = {}
        self.defines: dict[str, P.Tree] = {}
        self.parse_errors: dict[str, Note] = {}
        self.deadline = deadline if deadline is not None else time.monotonic() + MAX_SECONDS
        self._tpl_cache: dict[str, tuple[P.Tree, dict[str, P.Tree]]] = {}
        self._notes: list[Note] = []
        self._noted: set[tuple[str, int, str]] = set()
        self._missing: str | None = None
        self._include_depth = 0
        self._tainted = False  # an UNKNOWN was stored inside a container: check nested values too
        self._where: tuple[P.Source, int] | None = None

    # -- loading ----------------------------------------------------------------------------

    def add(self, name: str, text: str, cache: dict[str, Any] | None = None) -> None:
        """Parse one template file; its ``define``s join (and override) the engine's.

        ``cache`` (name → parse result) lets several renders of one chart parse each file once."""
        parsed = cache.get(name) if cache is not None else None
        if parsed is None:
            parsed = _parse(name, text)
            if cache is not None:
                cache[name] = parsed
        if isinstance(parsed, Note):
            self.parse_errors[name] = parsed
            return
        tree, defines = parsed
        self.files[name] = tree
        self.defines.update(defines)

    # -- rendering --------------------------------------------------------------------------

    def render(self, name: str, data: Any) -> Rendered:
        result = Rendered(name)
        self._notes = result.notes
        self._noted = set()
        if name in self.parse_errors:
            result.failed = self.parse_errors[name]
            return result
        tree = self.files[name]
        out = _Out(result)
        frame = _Frame(tree.source, data)
        try:
            self._walk(out, frame, data, tree.body)
        except _Abort as exc:
            result.failed = Note(name, 1, f"rendering stopped: {exc}")
        except (_Break, _Continue):  # pragma: no cover - the parser refuses them outside range
            pass
        except RecursionError:
            result.failed = Note(name, 1, "rendering stopped: nested too deeply")
        result.text = out.getvalue()
        return result

    def _note(self, source: P.Source, offset: int, message: str, function: str | None = None) -> None:
        line, _ = source.line_col(offset)
        key = (source.name, line, message)
        if key not in self._noted:
            self._noted.add(key)
            self._notes.append(Note(source.name, line, message, function))

    def _check_time(self) -> None:
        if time.monotonic() > self.deadline:
            raise _Abort(f"over the time budget ({MAX_SECONDS:g} s)")

    # -- walking ----------------------------------------------------------------------------

    def _walk(self, out: _Out, frame: _Frame, dot: Any, nodes: list[P.Node]) -> None:
        for node in nodes:
            kind = type(node)
            if kind is P.Text:
                out.text(node.text, frame.source, node.pos)
            elif kind is P.Action:
                self._action(out, frame, dot, node)
            elif kind is P.Branch:
                self._branch(out, frame, dot, node)
            elif kind is P.TemplateCall:
                self._template_call(out, frame, dot, node)
            elif kind is P.Break:
                raise _Break
            else:
                raise _Continue

    def _action(self, out: _Out, frame: _Frame, dot: Any, node: P.Action) -> None:
        self._missing = None
        value = self._guarded(frame, dot, node.pipe, node.pos)
        if node.pipe.decl:
            return
        if value is UNKNOWN or (self._tainted and holds_unknown(value)):
            self._unknown(out, frame.source, node)
            return
        text = self.printer(plain(value)).replace("<no value>", "")
        missing = self._missing if not text.strip("\"'") else None
        out.value(text, frame.source, node.pos, origin_of(value), missing)

    def _guarded(self, frame: _Frame, dot: Any, pipe: P.Pipe, offset: int) -> Any:
        """Evaluate a pipeline; an error becomes a note and UNKNOWN (assigned to its variables)."""
        saved, self._where = self._where, (frame.source, offset)
        try:
            return self._pipe(frame, dot, pipe)
        except UnknownFunction as exc:
            self._note(frame.source, offset, exc.message, exc.name)
        except TemplateError as exc:
            self._note(frame.source, offset, str(exc), exc.function)
        except RecursionError:
            self._note(frame.source, offset, "nested too deeply")
        except (_Break, _Continue, _Abort):
            raise
        except Exception as exc:  # a function's bug must not stop the scan
            self._note(frame.source, offset, f"cannot evaluate: {type(exc).__name__}: {exc}")
        finally:
            self._where = saved
        self._declare(frame, pipe, UNKNOWN)
        return UNKNOWN

    def _branch(self, out: _Out, frame: _Frame, dot: Any, node: P.Branch) -> None:
        self._check_time()
        mark = len(frame.vars)
        if node.kind == "range":
            self._range(out, frame, dot, node)
            del frame.vars[mark:]
            return
        self._missing = None
        value = self._guarded(frame, dot, node.pipe, node.pos)
        if value is UNKNOWN:
            self._unknown(out, frame.source, node)
        elif self.truth(value):
            self._walk(out, frame, value if node.kind == "with" else dot, node.body)
        elif node.orelse is not None:
            self._walk(out, frame, dot, node.orelse)
        del frame.vars[mark:]

    def _range(self, out: _Out, frame: _Frame, dot: Any, node: P.Branch) -> None:
        pipe = node.pipe
        decl, pipe.decl = pipe.decl, []
        try:
            value = self._guarded(frame, dot, pipe, node.pos)
        finally:
            pipe.decl = decl
        if value is UNKNOWN:
            self._unknown(out, frame.source, node)
            return
        try:
            items = self._items(value)
        except TemplateError as exc:
            self._note(frame.source, node.pos, str(exc))
            self._unknown(out, frame.source, node)
            return
        if not items:
            if node.orelse is not None:
                self._walk(out, frame, dot, node.orelse)
            return
        mark = len(frame.vars)
        for key, item in items:
            self._check_time()
            if len(decl) == 1:
                frame.vars.append((decl[0], item))
            elif len(decl) == 2:
                frame.vars.append((decl[0], key))
                frame.vars.append((decl[1], item))
            try:
                self._walk(out, frame, item, node.body)
            except _Break:
                break
            except _Continue:
                pass
            finally:
                del frame.vars[mark:]

    def _items(self, value: Any) -> list[tuple[Any, Any]]:
        if value is None:
            return []
        read = self.origins.read
        if isinstance(value, list):
            _check_range(len(value))
            return [(i, read(value, i, v)) for i, v in enumerate(value)]
        if isinstance(value, dict):
            _check_range(len(value))
            return [(k, read(value, k, value[k])) for k in sorted(value, key=_sort_key)]
        if isinstance(value, int) and not isinstance(value, bool):
            _check_range(value)
            return [(i, i) for i in range(int(value))]
        raise TemplateError(f"range can't iterate over {self.printer(plain(value))}")

    def _unknown(self, out: _Out, source: P.Source, node: Any) -> None:
        alone = _alone(source, node)
        _, column = source.line_col(node.pos)
        end = source.text.find("}}", getattr(node, "end", node.pos))
        trim_right = end > 0 and source.text[end - 1] == "-"
        newline = source.text.find("\n", end)
        line_end = not source.text[end + 2:newline if newline >= 0 else len(source.text)].strip()
        out.unknown(source, node.pos, _expr(source, node), alone, column - 1, trim_right, line_end)

    def _template_call(self, out: _Out, frame: _Frame, dot: Any, node: P.TemplateCall) -> None:
        data = None
        if node.pipe is not None:
            data = self._guarded(frame, dot, node.pipe, node.pos)
        tree = self.defines.get(node.name) or self.files.get(node.name)
        if tree is None:
            self._note(frame.source, node.pos, f'no such template "{node.name}"')
            self._unknown(out, frame.source, node)
            return
        try:  # written where the call is, like an include: the reader's lines stay in its file
            text = self._capture(frame, tree, data)
        except TemplateError as exc:
            self._note(frame.source, node.pos, str(exc))
            text = UNKNOWN
        if text is UNKNOWN:
            self._unknown(out, frame.source, node)
        else:
            out.value(text, frame.source, node.pos, origin_of(text), None)

    def _enter(self, source: P.Source, offset: int) -> None:
        self._check_time()
        self._include_depth += 1
        if self._include_depth > MAX_INCLUDE_DEPTH:
            self._include_depth -= 1
            raise TemplateError(f"exceeded max template depth ({MAX_INCLUDE_DEPTH})")

    # -- pipelines --------------------------------------------------------------------------

    def _pipe(self, frame: _Frame, dot: Any, pipe: P.Pipe) -> Any:
        value = _NOVALUE
        for cmd in pipe.cmds:
            value = self._command(frame, dot, cmd, value)
            if value is UNKNOWN:
                break
        if value is _NOVALUE:
            value = None
        self._declare(frame, pipe, value)
        return value

    def _declare(self, frame: _Frame, pipe: P.Pipe, value: Any) -> None:
        for name in pipe.decl:
            if pipe.assign:
                frame.set(name, value)
            else:
                frame.vars.append((name, value))
            if value is None and self._missing is not None:
                frame.missing_vars[name] = self._missing
            else:
                frame.missing_vars.pop(name, None)

    def _command(self, frame: _Frame, dot: Any, cmd: P.Command, final: Any) -> Any:
        first = cmd.args[0]
        kind = type(first)
        if kind is P.Field:
            return self._fields(frame, dot, dot, first.names, cmd.args, final)
        if kind is P.Ident:
            return self._call(frame, dot, first.name, cmd.args, final)
        if kind is P.Chain:
            base = self._arg(frame, dot, first.node)
            return self._fields(frame, dot, base, first.names, cmd.args, final)
        if kind is P.Variable:
            base = self._variable(frame, first.name)
            if first.names:
                return self._fields(frame, dot, base, first.names, cmd.args, final)
            _not_a_function(cmd.args, final)
            return base
        _not_a_function(cmd.args, final)
        if kind is P.PipeNode:
            return self._pipe(frame, dot, first.pipe)
        if kind is P.Dot:
            return dot
        return first.value  # Literal

    def _variable(self, frame: _Frame, name: str) -> Any:
        value = frame.lookup(name)
        if value is None and name in frame.missing_vars:
            self._missing = frame.missing_vars[name]
        return value

    def _arg(self, frame: _Frame, dot: Any, node: P.Node) -> Any:
        kind = type(node)
        if kind is P.Literal:
            return node.value
        if kind is P.Dot:
            return dot
        if kind is P.Field:
            return self._fields(frame, dot, dot, node.names, (node,), _NOVALUE)
        if kind is P.Variable:
            base = self._variable(frame, node.name)
            return self._fields(frame, dot, base, node.names, (node,), _NOVALUE) if node.names else base
        if kind is P.PipeNode:
            return self._pipe(frame, dot, node.pipe)
        if kind is P.Chain:
            base = self._arg(frame, dot, node.node)
            return self._fields(frame, dot, base, node.names, (node,), _NOVALUE)
        if kind is P.Ident:
            return self._call(frame, dot, node.name, (node,), _NOVALUE)
        raise TemplateError(f"can't handle {kind.__name__} as an argument")  # pragma: no cover

    def _fields(self, frame: _Frame, dot: Any, receiver: Any, names: tuple[str, ...], args: Any,
                final: Any) -> Any:
        last = len(names) - 1
        for i, name in enumerate(names):
            if receiver is UNKNOWN:
                return UNKNOWN
            if receiver is None and i == 0:
                # nil out of a pipeline, a variable or dot is Go's invalid value: its field is nil
                # (``(.x).y``); only a nil met inside a chain (``.x.y``) is an error
                return None
            if i < last:
                receiver = self._field(frame, dot, name, receiver, (), _NOVALUE)
            else:
                receiver = self._field(frame, dot, name, receiver, args[1:], final)
        return receiver

    def _field(self, frame: _Frame, dot: Any, name: str, receiver: Any, args: Any, final: Any) -> Any:
        has_args = bool(args) or final is not _NOVALUE
        if isinstance(receiver, GoMap) and name in receiver.methods:
            receiver = GoStruct("files", {name: receiver.methods[name]})
        if isinstance(receiver, dict):
            if has_args:
                raise TemplateError(f"{name} is not a method but has arguments")
            if name in receiver:
                return self.origins.read(receiver, name, receiver[name])
            path = self.origins.path(receiver)
            self._missing = f"{path}.{name}" if path is not None else f".{name}"
            return None
        if isinstance(receiver, GoStruct):
            if name not in receiver.fields:
                raise TemplateError(f"can't evaluate field {name} in type {receiver.type_name}")
            value = receiver.fields[name]
            if isinstance(value, Method):
                argv = [self._arg(frame, dot, a) for a in args]
                if final is not _NOVALUE:
                    argv.append(final)
                if any(a is UNKNOWN for a in argv):
                    return UNKNOWN
                return value.fn(*[plain(a) for a in argv])
            if has_args:
                raise TemplateError(f"{name} is not a method but has arguments")
            return value
        if receiver is None:
            raise TemplateError(f"nil pointer evaluating interface {{}}.{name}")
        raise TemplateError(f"can't evaluate field {name} in type {_go_type(receiver)}")

    # -- functions --------------------------------------------------------------------------

    def _call(self, frame: _Frame, dot: Any, name: str, args: Any, final: Any) -> Any:
        lazy = _LAZY.get(name)
        if lazy is not None:
            return lazy(self, frame, dot, args[1:], final)
        argv = [self._arg(frame, dot, a) for a in args[1:]]
        if final is not _NOVALUE:
            argv.append(final)
        engine_fn = _ENGINE.get(name)
        if engine_fn is not None:
            return engine_fn(self, frame, argv)
        fn = self.functions.get(name)
        if fn is None:
            raise UnknownFunction(name)
        if name == "set" and len(argv) == 3 and argv[2] is UNKNOWN and isinstance(argv[0], dict) \
                and isinstance(argv[1], str):
            argv[0][argv[1]] = UNKNOWN  # the key is now unknown, not left at its old value
            self._tainted = True
            return argv[0]
        decided = decide_unknown(name, argv, self.truth)
        if decided is not _NOVALUE:
            return decided
        if self._tainted and name not in _PASS_CONTAINERS and any(holds_unknown(a) for a in argv):
            return UNKNOWN
        if name in _SERIALISERS:
            argv = [plain(a) for a in argv]
        try:
            result = fn(*argv)
        except TemplateError as exc:
            if exc.function is None:
                exc.function = name
            raise
        except (TypeError, ValueError, ArithmeticError, KeyError, IndexError, AttributeError) as exc:
            raise TemplateError(str(exc) or type(exc).__name__, function=name) from None
        return carry_origin(result, argv)

    def _include(self, frame: _Frame, argv: list[Any]) -> Any:
        if len(argv) != 2:
            raise TemplateError(f"wrong number of args for include: want 2 got {len(argv)}", function="include")
        name, data = argv
        if name is UNKNOWN:
            return UNKNOWN
        tree = self.defines.get(str(name)) or self.files.get(str(name))
        if tree is None:
            raise TemplateError(f'template: no template "{name}" associated with template "gotpl"',
                                function="include")
        return self._capture(frame, tree, data)

    def _capture(self, frame: _Frame, tree: P.Tree, data: Any) -> Any:
        self._enter(frame.source, 0)
        out = _Out(None)
        inner = _Frame(tree.source, data)
        try:
            self._walk(out, inner, data, tree.body)
        finally:
            self._include_depth -= 1
        if out.unknown_seen:
            return UNKNOWN
        text = out.getvalue()
        if len(out.origins) == 1 and out.origins[0][0] == text.strip():
            return traced(text, out.origins[0][1])
        return text

    def _tpl(self, frame: _Frame, argv: list[Any]) -> Any:
        if len(argv) != 2:
            raise TemplateError(f"wrong number of args for tpl: want 2 got {len(argv)}", function="tpl")
        text, data = argv
        if text is UNKNOWN:
            return UNKNOWN
        if not isinstance(text, str):
            raise TemplateError(f"expected string; found {_go_type(text)}", function="tpl")
        parsed = self._tpl_cache.get(text)
        if parsed is None:
            try:
                parsed = P.parse(frame.source.name, str(text))
            except P.ParseError as exc:
                raise TemplateError(f"cannot parse template: {exc.message}", function="tpl") from None
            self._tpl_cache[text] = parsed
        tree, defines = parsed
        saved = dict(self.defines)
        self.defines.update(defines)
        try:
            return self._capture(frame, tree, data)
        finally:
            self.defines = saved


def _parse(name: str, text: str) -> tuple[P.Tree, dict[str, P.Tree]] | Note:
    try:
        return P.parse(name, text)
    except P.ParseError as exc:
        line, _ = P.Source(name, text).line_col(exc.offset)
        return Note(name, line, f"template: {name}:{line}: {exc.message}")
    except RecursionError:
        return Note(name, 1, f"template: {name}: nested too deeply")


def _check_range(size: int) -> None:
    if size > MAX_RANGE:
        raise TemplateError(f"range over {size} items is over the limit ({MAX_RANGE})")


def _not_a_function(args: Any, final: Any) -> None:
    if len(args) > 1 or final is not _NOVALUE:
        raise TemplateError("can't give argument to non-function")


def _sort_key(key: Any) -> tuple[int, Any]:
    return (0, key) if isinstance(key, str) else (1, str(key))


# functions that read a key or build a container: an UNKNOWN inside their arguments stays where it is
# (and is caught when printed or serialised), so they still run
_PASS_CONTAINERS = frozenset({
    "get", "hasKey", "keys", "dict", "list", "append", "prepend", "concat", "merge", "mergeOverwrite",
    "deepCopy", "pick", "omit", "first", "last", "rest", "initial", "unset", "len",
})


def holds_unknown(value: Any, depth: int = 0) -> bool:
    """Whether a container holds UNKNOWN anywhere (bounded depth: deeper counts as unknown)."""
    if value is UNKNOWN:
        return True
    if depth > 64:
        return True
    if isinstance(value, dict):
        return any(holds_unknown(v, depth + 1) for v in value.values())
    if isinstance(value, list):
        return any(holds_unknown(v, depth + 1) for v in value)
    return False


def _go_type(value: Any) -> str:
    return value.type_name if isinstance(value, GoStruct) else gofmt.go_type(value)


def _expr(source: P.Source, node: Any) -> str:
    """The source text of an action (``{{ … }}``), for messages and unresolved values."""
    text = source.text
    start = node.pos
    end = text.find("}}", getattr(node, "end", start) or start)
    if end < 0 or end - start > 200:
        end = min(len(text), start + 200)
        return text[start:end]
    return text[start:end + 2]


def _alone(source: P.Source, node: Any) -> bool:
    """Is the action the only thing on its template line (a line-level ``include``/``toYaml``)?"""
    text = source.text
    line_start = text.rfind("\n", 0, node.pos) + 1
    if text[line_start:node.pos].strip():
        return False
    end = text.find("}}", getattr(node, "end", node.pos))
    line_end = text.find("\n", end)
    rest = text[end + 2:line_end if line_end >= 0 else len(text)]
    return not rest.strip()
