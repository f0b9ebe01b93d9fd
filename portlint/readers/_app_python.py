"""Static analysis of Python modules with ``ast``: where code listens and what it falls back to.

Nothing is imported or executed. A port expression is traced through simple assignments in its
function and at module level (the last assignment above the use wins), through ``int()``/
``str()``, ``os.getenv``/``os.environ``, ``x.get('k', default)``/``x['k']`` chains (the config
key), ``a or b`` and function parameters with defaults. What cannot be traced stays an
expression: the reader turns it into an unresolved value.
"""

from __future__ import annotations

import ast
from collections import deque
import re
from dataclasses import dataclass, field

from portlint.readers._app_common import is_port_env, is_port_key, split_host_port

MAX_DEPTH = 12

# callee name → positional index of the port (None: keyword only)
SERVER_CALLS: dict[str, int | None] = {
    "run": None, "run_server": None, "run_app": None, "serve": None, "Config": None,
    "run_simple": 1, "make_server": 1, "listen": None, "start_server": 2, "create_server": 2,
    "TCPSite": 2, "launch": None, "run_wsgi_app": None,
}
# server calls whose port, when not written, is the framework's documented default
IMPLICIT_PORTS = {("uvicorn", "run"): 8000, (None, "run_server"): 8050}
ADDRESS_CALLS = ("HTTPServer", "ThreadingHTTPServer", "TCPServer", "ThreadingTCPServer", "UDPServer",
                 "WSGIServer", "bind")
GETENV = {("os", "getenv"), (None, "getenv"), ("environ", "get"), ("os.environ", "get")}


@dataclass
class Trace:
    """Where a port expression's value comes from."""

    node: ast.AST  # the expression as written at the use site
    literal: str | None = None  # the resolved literal text
    literal_node: ast.AST | None = None  # where that literal is written
    config_key: str | None = None
    env_var: str | None = None
    parameter: str | None = None
    default: Trace | None = None  # the fallback of a config/env read or a parameter

    @property
    def is_read(self) -> bool:
        return bool(self.config_key or self.env_var or self.parameter)


@dataclass
class Site:
    """A listen site (``uvicorn.run(port=…)``) or a standalone fallback (``os.getenv('X_PORT', '8000')``)."""

    kind: str  # "listen" or "default"
    call: str  # "uvicorn.run", "os.getenv", "cfg.get", "bind"
    trace: Trace
    host: str | None = None
    implicit_port: int | None = None
    anchor: ast.AST | None = None  # where an implicit port is reported (the callee)
    host_port_offset: int | None = None  # the port's offset inside a "host:port" string
    main_guard: bool = False  # inside `if __name__ == "__main__":` (runs only as a script)


@dataclass
class _Scope:
    assigns: dict[str, list[tuple[int, ast.AST]]] = field(default_factory=dict)
    params: dict[str, ast.AST | None] = field(default_factory=dict)
    parent: _Scope | None = None

    def lookup(self, name: str, line: int) -> tuple[str, ast.AST | None] | None:
        scope: _Scope | None = self
        while scope is not None:
            values = scope.assigns.get(name)
            if values:
                before = [v for ln, v in values if ln < line] or [values[0][1]]
                return "assign", before[-1]
            if name in scope.params:
                return "param", scope.params[name]
            scope = scope.parent
        return None


# words without which a statement holds no listen site nor port fallback ("port" only when not
# preceded by a letter, so not import/report/support)
RELEVANT_WORDS = ("bind", "run_server", "run_app", "uvicorn", "hypercorn", "gunicorn", "waitress", "serve(",
                  "server(", "run_simple", "tcpsite")


def relevant_offsets(lowered: str) -> list[int]:
    """Offsets of the tell-tale words in lower-cased source (``str.find``: fast, no regex)."""
    found: list[int] = []
    for word in RELEVANT_WORDS:
        index = lowered.find(word)
        while index >= 0:
            found.append(index)
            index = lowered.find(word, index + 1)
    index = lowered.find("port")
    while index >= 0:
        if index == 0 or not lowered[index - 1].isalpha():
            found.append(index)
        index = lowered.find("port", index + 1)
    return found


_DOCSTRING_START = re.compile(r"\A(?:[ \t]*(?:#[^\n]*)?\n)*[rRuU]?(\"\"\"|\'\'\')")
_LINE_END = re.compile(r"[ \t]*(?:#[^\n]*)?(?:\n|\Z)")


def docstring_end(text: str) -> int:
    """The offset where the module's docstring ends (0 when it has none): text before it holds no
    code. The first closing quotes are taken, so an escaped one only makes the span shorter."""
    opening = _DOCSTRING_START.match(text)
    if opening is None:
        return 0
    closing = text.find(opening.group(1), opening.end())
    if closing < 0 or not _LINE_END.match(text, closing + 3):  # ``"""a""" + b`` is an expression
        return 0
    return closing + 3


def code_mentions(text: str, offsets: list[int] | None = None) -> bool:
    """Whether a tell-tale word occurs past the module docstring ("no ports here" in a docstring
    is no reason to parse a module). ``offsets``: :func:`relevant_offsets` of the text, if known."""
    if offsets is None:
        offsets = relevant_offsets(text.lower())
    start = docstring_end(text)
    return any(offset >= start for offset in offsets)


class Relevance:
    """Which lines of a module can hold a listen site or a port fallback (by their text), so that
    statements spanning none of them are never walked."""

    def __init__(self, text: str, offsets: list[int] | None = None) -> None:
        import bisect
        from itertools import accumulate

        starts = [0]  # each line's offset
        starts += accumulate(map((1).__add__, map(len, text.split("\n"))))
        starts.pop()
        hit = [0] * (len(starts) + 1)
        for offset in relevant_offsets(text.lower()) if offsets is None else offsets:
            hit[bisect.bisect_right(starts, offset)] = 1  # 1-based line number of the offset
        hit[0] = 0
        self._marks = list(accumulate(hit))  # [0, lines 1..n with a hit so far]

    def __call__(self, node: ast.AST) -> bool:
        first = getattr(node, "lineno", 1)
        last = getattr(node, "end_lineno", None) or first
        top = len(self._marks) - 1
        last = min(max(last, 1), top)
        return self._marks[last] > self._marks[min(max(first - 1, 0), top)]


def analyse(tree: ast.Module, skip_defaults: bool = False, relevant: Relevance | None = None) -> list[Site]:
    """Every listen site and port fallback of a module, in source order.

    With ``relevant``, statements whose lines hold no tell-tale text are skipped.
    """
    module_scope = _collect_scope(tree.body, None)
    sites: list[Site] = []
    _visit(tree.body, module_scope, sites, relevant or (lambda node: True))
    if skip_defaults:
        sites = [s for s in sites if s.kind == "listen"]
    return _dedupe(sites)


def dotted(node: ast.AST) -> str:
    """``uvicorn.run`` for ``uvicorn.run``; ``get`` for ``cfg['a'].get`` (iterative: no recursion)."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return ".".join(reversed(parts))


# -- scopes -------------------------------------------------------------------------------------


def _collect_scope(body: list[ast.stmt], parent: _Scope | None, args: ast.arguments | None = None) -> _Scope:
    scope = _Scope(parent=parent)
    if args is not None:
        positional = [*args.posonlyargs, *args.args]
        defaults: list[ast.AST | None] = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
        for arg, default in zip(positional, defaults):
            scope.params[arg.arg] = default
        for arg, default in zip(args.kwonlyargs, args.kw_defaults):
            scope.params[arg.arg] = default
    for node in _own_statements(body):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    scope.assigns.setdefault(target.id, []).append((node.lineno, node.value))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value:
            scope.assigns.setdefault(node.target.id, []).append((node.lineno, node.value))
    return scope


# the fields of a statement that hold statements (or handlers and cases, which hold some), in
# field order; simple statements have none
_STATEMENT_FIELDS = {cls: tuple(f for f in cls._fields if f in ("body", "handlers", "orelse", "finalbody", "cases"))
                     for cls in ast.stmt.__subclasses__()}


def _own_statements(body: list[ast.stmt]):
    """Statements of a scope, entering if/for/while/with/try/match blocks but not defs or classes."""
    stack = list(reversed(body))
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        fields = _STATEMENT_FIELDS.get(type(node))
        if fields is None:
            fields = tuple(f for f in node._fields if f in ("body", "handlers", "orelse", "finalbody", "cases"))
        if not fields:
            continue
        nested: list[ast.stmt] = []
        for name in fields:
            for child in getattr(node, name, None) or ():
                if isinstance(child, ast.stmt):
                    nested.append(child)
                elif isinstance(child, (ast.excepthandler, ast.match_case)):
                    nested.extend(child.body)
        stack.extend(reversed(nested))


def _calls(expr: ast.AST) -> list[ast.Call]:
    """The calls in ``expr``, in the order of :func:`ast.walk` (breadth first), without its
    generators."""
    calls: list[ast.Call] = []
    todo = deque([expr])
    pop, push, add = todo.popleft, todo.append, todo.extend
    Call, AST = ast.Call, ast.AST
    while todo:
        node = pop()
        if isinstance(node, Call):
            calls.append(node)
        for name in node._fields:
            try:
                value = getattr(node, name)
            except AttributeError:
                continue
            if isinstance(value, AST):
                push(value)
            elif isinstance(value, list):
                add(item for item in value if isinstance(item, AST))
    return calls


def _visit(body: list[ast.stmt], scope: _Scope, sites: list[Site], relevant, main: bool = False) -> None:
    for node in body:
        if not relevant(node):
            continue
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            inner = _collect_scope(node.body, scope, node.args)
            _visit(node.body, inner, sites, relevant, main)
            continue
        if isinstance(node, ast.ClassDef):
            _visit(node.body, _Scope(parent=scope), sites, relevant, main)
            continue
        found: list[Site] = []
        if isinstance(node, ast.Assign):
            found.extend(_bind_assignment(node, scope))
        for expr in _expressions(node):
            for call in _calls(expr):
                found.extend(_call_sites(call, scope))
        sites.extend(_in_main(found) if main else found)
        if isinstance(node, ast.If) and _is_main_test(node.test):
            _visit(node.body, scope, sites, relevant, True)
            _visit(node.orelse, scope, sites, relevant, main)
            continue
        for nested in _nested_bodies(node):
            _visit(nested, scope, sites, relevant, main)


def _is_main_test(test: ast.expr) -> bool:
    """``__name__ == "__main__"`` (either order)."""
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)):
        return False
    sides = [test.left, test.comparators[0]]
    return (any(isinstance(x, ast.Name) and x.id == "__name__" for x in sides)
            and any(isinstance(x, ast.Constant) and x.value == "__main__" for x in sides))


def _in_main(found: list[Site]) -> list[Site]:
    from dataclasses import replace

    return [replace(site, main_guard=True) for site in found]


def _nested_bodies(node: ast.stmt) -> list[list[ast.stmt]]:
    """The statement lists inside a compound statement (if/for/while/with/try/match)."""
    out: list[list[ast.stmt]] = []
    for name in ("body", "orelse", "finalbody"):
        block = getattr(node, name, None)
        if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
            out.append(block)
    for handler in [*getattr(node, "handlers", []), *getattr(node, "cases", [])]:
        out.append(handler.body)
    return out


def _expressions(node: ast.stmt) -> list[ast.AST]:
    """The expressions a statement holds directly (not nested statements)."""
    out: list[ast.AST] = []
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.expr):
            out.append(child)
        elif isinstance(child, ast.withitem):
            out.append(child.context_expr)
    return out


# -- listen sites -------------------------------------------------------------------------------


def _call_sites(call: ast.Call, scope: _Scope) -> list[Site]:
    name = dotted(call.func)
    short = name.rsplit(".", 1)[-1]
    owner = name.rsplit(".", 1)[0] if "." in name else None
    if short in SERVER_CALLS:
        return _server_call(call, name, short, owner, scope)
    if short in ADDRESS_CALLS and call.args and isinstance(call.args[0], ast.Tuple):
        return _address_tuple(call.args[0], name, scope)
    return _fallback_sites(call, scope)


def _server_call(call: ast.Call, name: str, short: str, owner: str | None, scope: _Scope) -> list[Site]:
    host = _literal_str(_keyword(call, "host"))
    port = _keyword(call, "port") or _keyword(call, "server_port")
    index = SERVER_CALLS[short]
    if port is None and index is not None and len(call.args) > index:
        port = call.args[index]
    if port is not None:
        return [Site("listen", name, trace(port, scope), host=host)]
    if call.args and isinstance(call.args[0], ast.Tuple):
        return _address_tuple(call.args[0], name, scope)
    bind = _keyword(call, "bind") or _keyword(call, "listen")
    if bind is not None:
        return _bind_sites(bind, name, scope)
    implicit = IMPLICIT_PORTS.get((owner, short)) or IMPLICIT_PORTS.get((None, short))
    if implicit and (short != "run" or owner == "uvicorn"):
        return [Site("listen", name, Trace(call), host=host, implicit_port=implicit, anchor=call.func)]
    return []


def _address_tuple(address: ast.Tuple, name: str, scope: _Scope) -> list[Site]:
    if len(address.elts) < 2:
        return []
    return [Site("listen", name, trace(address.elts[1], scope), host=_literal_str(address.elts[0]))]


def _bind_assignment(node: ast.Assign, scope: _Scope) -> list[Site]:
    """``bind = "0.0.0.0:8000"`` (gunicorn.conf.py) and ``config.bind = ["…"]`` (hypercorn)."""
    for target in node.targets:
        name = dotted(target)
        if name == "bind" or name.endswith(".bind"):
            return _bind_sites(node.value, name, scope)
    return []


def _bind_sites(value: ast.AST, name: str, scope: _Scope) -> list[Site]:
    values = value.elts if isinstance(value, (ast.List, ast.Tuple)) else [value]
    sites = []
    for item in values:
        text = _literal_str(item)
        hp = split_host_port(text) if text is not None else None
        if hp is None:
            continue
        sites.append(Site("listen", name, Trace(item, literal=hp.port_text, literal_node=item),
                          host=hp.host, host_port_offset=hp.offset))
    return sites


# -- standalone fallbacks -----------------------------------------------------------------------


def _fallback_sites(call: ast.Call, scope: _Scope) -> list[Site]:
    """``os.getenv('X_PORT', '8000')`` and ``cfg.get('port', 8000)`` with a config key of 2+ parts."""
    if len(call.args) < 2 and not _keyword(call, "default"):
        return []
    result = trace(call, scope)
    if result.default is None or result.default.literal is None:
        return []
    if result.env_var and is_port_env(result.env_var):
        return [Site("default", dotted(call.func), result)]
    if result.config_key and "." in result.config_key and is_port_key(result.config_key.rsplit(".", 1)[-1]):
        return [Site("default", dotted(call.func), result)]
    return []


# -- tracing ------------------------------------------------------------------------------------


def trace(node: ast.AST, scope: _Scope, depth: int = 0) -> Trace:
    """Follow a port expression to a literal, a config key, an env var or a parameter."""
    if depth > MAX_DEPTH:
        return Trace(node)
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, str)) and not isinstance(node.value, bool):
        return Trace(node, literal=str(node.value), literal_node=node)
    if isinstance(node, ast.Name):
        return _trace_name(node, scope, depth)
    if isinstance(node, ast.Call):
        return _trace_call(node, scope, depth)
    if isinstance(node, ast.Subscript):
        return _trace_subscript(node, scope, depth)
    if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or) and len(node.values) == 2:
        first = trace(node.values[0], scope, depth + 1)
        if first.is_read and first.default is None:
            first.default = trace(node.values[1], scope, depth + 1)
            first.node = node
            return first
    return Trace(node)


def _trace_name(node: ast.Name, scope: _Scope, depth: int) -> Trace:
    found = scope.lookup(node.id, node.lineno)
    if found is None:
        return Trace(node)
    how, value = found
    if how == "param":
        default = trace(value, scope, depth + 1) if value is not None else None
        return Trace(node, parameter=node.id, default=default)
    inner = trace(value, scope, depth + 1)
    return Trace(node, inner.literal, inner.literal_node, inner.config_key, inner.env_var,
                 inner.parameter, inner.default)


def _trace_call(node: ast.Call, scope: _Scope, depth: int) -> Trace:
    name = dotted(node.func)
    if name in ("int", "str", "float") and len(node.args) == 1:
        inner = trace(node.args[0], scope, depth + 1)
        inner.node = node
        return inner
    owner, _, short = name.rpartition(".")
    if (owner or None, short) in GETENV or name == "os.environ.get":
        var = _literal_str(node.args[0]) if node.args else None
        if var is None:
            return Trace(node)
        default_node = node.args[1] if len(node.args) > 1 else _keyword(node, "default")
        default = trace(default_node, scope, depth + 1) if default_node is not None else None
        return Trace(node, env_var=var, default=default)
    if short == "get" and isinstance(node.func, ast.Attribute) and node.args:
        key = _literal_str(node.args[0])
        if key is None:
            return Trace(node)
        path = _config_path(node.func.value, scope, depth + 1) + [key]
        default_node = node.args[1] if len(node.args) > 1 else _keyword(node, "default")
        default = trace(default_node, scope, depth + 1) if default_node is not None else None
        return Trace(node, config_key=".".join(path), default=default)
    return Trace(node)


def _trace_subscript(node: ast.Subscript, scope: _Scope, depth: int) -> Trace:
    key = _literal_str(node.slice)
    if key is None:
        return Trace(node)
    if dotted(node.value) in ("os.environ", "environ"):
        return Trace(node, env_var=key)
    return Trace(node, config_key=".".join(_config_path(node.value, scope, depth + 1) + [key]))


def _config_path(node: ast.AST, scope: _Scope, depth: int) -> list[str]:
    """The keys read before: ``config.get('fastapi', {})`` → ``['fastapi']``."""
    if depth > MAX_DEPTH:
        return []
    if isinstance(node, ast.Name):
        found = scope.lookup(node.id, node.lineno)
        if found is None or found[0] != "assign" or found[1] is None:
            return []
        return _config_path(found[1], scope, depth + 1)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get" and node.args:
        key = _literal_str(node.args[0])
        return _config_path(node.func.value, scope, depth + 1) + [key] if key is not None else []
    if isinstance(node, ast.Subscript):
        key = _literal_str(node.slice)
        return _config_path(node.value, scope, depth + 1) + [key] if key is not None else []
    if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or) and node.values:
        return _config_path(node.values[0], scope, depth + 1)
    return []


# -- small helpers ------------------------------------------------------------------------------


def _keyword(call: ast.Call, name: str) -> ast.AST | None:
    for kw in call.keywords:
        if kw.arg == name:
            return kw.value
    return None


def _literal_str(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _dedupe(sites: list[Site]) -> list[Site]:
    """A fallback already reported as part of a listen site is not reported again."""
    used: set[int] = set()
    for site in sites:
        if site.kind == "listen":
            current: Trace | None = site.trace
            while current is not None:
                used.add(id(current.node))
                if current.default is not None:
                    used.add(id(current.default.node))
                current = current.default
    out, seen = [], set()
    for site in sites:
        ident = (site.kind, id(site.trace.node))
        if site.kind == "default" and (id(site.trace.node) in used or _inner_used(site.trace.node, used)):
            continue
        if ident in seen:
            continue
        seen.add(ident)
        out.append(site)
    return sorted(out, key=lambda s: (s.trace.node.lineno, s.trace.node.col_offset, s.kind))


def _inner_used(node: ast.AST, used: set[int]) -> bool:
    return any(id(n) in used for n in ast.walk(node))
