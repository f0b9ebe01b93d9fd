"""The Parameter Store layer: the setup script's parameter dicts, and literal parameter paths.

1. A Python script that calls ``put_parameter`` is parsed with :mod:`ast` (never imported). Each
   dict of parameters for a service (``fastapi_params = {...}``, or ``{'fastapi': {...}}``)
   gives, per key, the value the script stores: ``os.getenv('FASTAPI_PORT', '8000')`` is '8000'
   with ``env_var`` FASTAPI_PORT (the variable replaces it when set while the script runs);
   values that depend on the environment (``'1' if self.environment == 'dev' else '4'``,
   ``str(self.environment == 'dev').lower()``, ``f'airflow-{self.environment}'``) are evaluated
   once per configured environment.
2. A literal parameter path ``/<env>/<anything>/<service>/<key>`` (env a configured environment)
   with a value beside it (``--value "8001"``, ``Value='8001'``) in a script or a doc sets that
   key for that environment. In docs (``.md``, ``.rst``) it is marked ``documented``: a
   procedure someone may run, not configuration that is applied.

Python syntax errors are the ``python`` reader's to report (it reads every ``.py``). See
docs/model-config.md.
"""

from __future__ import annotations

import ast
import bisect
import re
from dataclasses import dataclass
from typing import Any

from portlint.discover import SourceFile, UndecodableFile
from portlint.model import Entity, EntityRef, Location, PortFact, PortValue, Role, Setting
from portlint.readers import ReadContext, ReadOutput
from portlint.readers._config_keys import canonical_service, is_port_key, is_setting_key, looks_unresolved

WEIGHT = 0.09  # CPU per byte, relative (measured on the bench tree): a quick scan of most files
TRANSFER = 0.02  # results sent back from a reading process, per unit of reading: most files hold nothing
NAME = "parameter-store"
PER_FILE = True  # a file's facts depend on that file alone (the cache keeps them file by file)
LAYER = "parameter-store"
ENTITY_KIND = "config/parameter-store"
SCRIPT_SUFFIXES = frozenset({".py", ".sh", ".bash", ".zsh"})
DOC_SUFFIXES = frozenset({".md", ".rst"})
_DICT_SUFFIXES = ("_params", "_parameters", "_parameter", "_config", "_settings", "_cfg")
_ENV_ATTRS = frozenset({"environment", "env", "environment_name", "env_name", "stage"})
_VALUE = re.compile(
    r"""--value[ =]+(?:"(?P<dq>[^"\n]*)"|'(?P<sq>[^'\n]*)'|(?P<bare>[^\s"'\\]+))"""
    r"""|\bValue\s*=\s*(?:"(?P<kdq>[^"\n]*)"|'(?P<ksq>[^'\n]*)')"""
    r"""|"Value"\s*:\s*"(?P<jdq>[^"\n]*)\"""")


def wants(file: SourceFile, ctx: ReadContext) -> bool:
    """Scripts and docs; an oversized doc or ``.py`` is no note of ours (the python reader notes ``.py``)."""
    if file.suffix in DOC_SUFFIXES or file.suffix == ".py":
        return file.size <= ctx.config.max_file_size
    return file.suffix in SCRIPT_SUFFIXES


def read(files: list[SourceFile], ctx: ReadContext) -> ReadOutput:
    out = ReadOutput()
    path_pattern = _path_pattern(ctx.config.environments)
    markers = tuple(f"/{env}/" for env in ctx.config.environments)
    for file in files:
        try:
            text = file.text()
        except UndecodableFile as exc:
            if file.suffix == ".py" or file.suffix in DOC_SUFFIXES:
                continue  # other readers own these files; only a setup script is ours to report
            out.fail(Location(file.rel), str(exc), NAME)
            continue
        builder = _Builder(file, ctx)
        if file.suffix == ".py" and "put_parameter" in text:
            _read_script(file, text, builder, ctx)
        if markers and any(m in text for m in markers):
            _read_paths(file, text, path_pattern, builder)
        builder.flush(out)
    return out


# -- output ---------------------------------------------------------------------------------------


class _Builder:
    """Entities (one per file and service), facts and settings of one file."""

    def __init__(self, file: SourceFile, ctx: ReadContext) -> None:
        self.file, self.ctx = file, ctx
        self.documented = file.suffix in DOC_SUFFIXES
        self.entities: dict[str, Entity] = {}
        self.facts: list[PortFact] = []
        self.settings: list[Setting] = []

    def owner(self, service: str, where: Location) -> EntityRef:
        ref = EntityRef(kind=ENTITY_KIND, name=f"{self.file.rel}#{service}")
        if ref.id not in self.entities:
            attrs = {"service": service, "layer": LAYER, "file": self.file.rel,
                     "service_reason": f"it sets Parameter Store values of {service!r} in {self.file.rel}"}
            if self.documented:
                attrs["documented"] = True
            self.entities[ref.id] = Entity(ref=ref, location=where, attrs=attrs)
        return ref

    def add(self, service: str, key: str, value: PortValue, where: Location, environment: str | None,
            attrs: dict[str, Any], owner_at: Location) -> None:
        owner = self.owner(service, owner_at)
        full = f"{service}.{key}"
        attrs = {"config_key": full, "layer": LAYER, **attrs}
        if self.documented:
            attrs["documented"] = True
        if is_port_key(key):
            attrs.setdefault("field", full)
            self.facts.append(PortFact(value=value, role=Role.CONFIG, owner=owner, location=where,
                                       environment=environment, slot=full, attrs=attrs))
        else:
            if value.unresolved:
                attrs["unresolved"] = True
            self.settings.append(Setting(key=full, value=value.text, owner=owner, location=where,
                                         environment=environment, attrs=attrs))

    def flush(self, out: ReadOutput) -> None:
        out.entities.extend(self.entities[k] for k in sorted(self.entities))
        out.facts.extend(self.facts)
        out.settings.extend(self.settings)


# -- the setup script ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    """A statically evaluated value: text, or unresolved source text; the env var it reads."""

    text: str
    unresolved: bool = False
    env_var: str | None = None
    boolean: bool | None = None  # a comparison's outcome, before str() turns it into text


def _read_script(file: SourceFile, text: str, builder: _Builder, ctx: ReadContext) -> None:
    """Syntax errors are left to the python reader, which reports them for every ``.py`` file."""
    try:
        tree = ctx.memo(f"python-ast:{file.rel}", lambda: ast.parse(text, filename=file.rel))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return
    if not isinstance(tree, ast.Module):
        return  # the python reader memoised its own record of a failed parse
    script = _Script(file, text, tree, ctx)
    for service, node in script.parameter_dicts():
        script.read_dict(service, node, builder)


class _Script:
    def __init__(self, file: SourceFile, text: str, tree: ast.Module, ctx: ReadContext) -> None:
        self.file, self.text, self.tree, self.ctx = file, text, tree, ctx
        self.lines = text.splitlines()
        self.constants = _module_constants(tree)
        self.environments = tuple(ctx.config.environments)

    def parameter_dicts(self) -> list[tuple[str, ast.Dict]]:
        """(service, dict) for ``<service>_params = {...}`` and ``{'<service>': {...}}``."""
        found: dict[int, tuple[str, ast.Dict]] = {}
        for node in ast.walk(self.tree):
            if isinstance(node, (ast.Assign, ast.AnnAssign)) and isinstance(node.value, ast.Dict):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    service = _service_from_name(target)
                    if service and _holds_parameters(node.value):
                        found.setdefault(id(node.value), (service, node.value))
            if isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values):
                    if (isinstance(key, ast.Constant) and isinstance(key.value, str)
                            and isinstance(value, ast.Dict) and _holds_parameters(value)):
                        found.setdefault(id(value), (key.value, value))
        ordered = sorted(found.values(), key=lambda item: (item[1].lineno, item[1].col_offset))
        return [(canonical_service(name, self.ctx.config), node) for name, node in ordered]

    def read_dict(self, service: str, node: ast.Dict, builder: _Builder) -> None:
        owner_at = self.location(node)
        for key, value in zip(node.keys, node.values):
            if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
                continue
            name = key.value
            if not (is_port_key(name) or is_setting_key(name)) or isinstance(value, ast.Lambda):
                continue
            self.emit(service, name, value, builder, owner_at)

    def emit(self, service: str, key: str, node: ast.expr, builder: _Builder, owner_at: Location) -> None:
        where = self.location(node)
        per_env = {env: evaluate(node, env, self) for env in self.environments}
        distinct = set(per_env.values())
        if len(distinct) <= 1:
            result = next(iter(distinct)) if distinct else evaluate(node, None, self)
            builder.add(service, key, _value(result, is_port_key(key)), where, None, _attrs(result), owner_at)
            return
        for env, result in per_env.items():
            attrs = {**_attrs(result), "env_conditional": True}
            builder.add(service, key, _value(result, is_port_key(key)), where, env, attrs, owner_at)

    def location(self, node: ast.AST) -> Location:
        line = getattr(node, "lineno", 1)
        offset = getattr(node, "col_offset", 0)
        source_line = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        column = len(source_line.encode("utf-8")[:offset].decode("utf-8", errors="ignore")) + 1
        return Location(self.file.rel, line, column)

    def segment(self, node: ast.AST) -> str:
        return ast.get_source_segment(self.text, node) or ast.dump(node)


def _attrs(result: Result) -> dict[str, Any]:
    return {"env_var": result.env_var} if result.env_var else {}


def _value(result: Result, is_port: bool) -> PortValue:
    if result.unresolved or (is_port and looks_unresolved(result.text)):
        return PortValue.unresolved_expr(result.text)
    return PortValue.parse(result.text) if is_port else PortValue(text=result.text)


def _service_from_name(target: ast.expr) -> str | None:
    name = target.id if isinstance(target, ast.Name) else target.attr if isinstance(target, ast.Attribute) else None
    if not name:
        return None
    lowered = name.lower()
    for suffix in _DICT_SUFFIXES:
        if lowered.endswith(suffix) and len(lowered) > len(suffix):
            return lowered[: -len(suffix)]
    return None


def _holds_parameters(node: ast.Dict) -> bool:
    return any(isinstance(k, ast.Constant) and isinstance(k.value, str)
               and (is_port_key(k.value) or is_setting_key(k.value)) and not isinstance(v, ast.Lambda)
               for k, v in zip(node.keys, node.values))


def _module_constants(tree: ast.Module) -> dict[str, ast.expr]:
    """``NAME = <literal>`` at module level (the last assignment wins, as at run time)."""
    constants: dict[str, ast.expr] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            if isinstance(node.value, ast.Constant):
                constants[node.targets[0].id] = node.value
    return constants


# -- static evaluation -----------------------------------------------------------------------------


def evaluate(node: ast.expr, env: str | None, script: _Script) -> Result:
    """What ``node`` evaluates to in environment ``env``, without running anything."""
    handler = _HANDLERS.get(type(node))
    try:
        result = handler(node, env, script) if handler else None
    except RecursionError:
        result = None  # a pathologically nested expression is simply not resolved
    return result if result is not None else Result(script.segment(node), unresolved=True)


def _constant(node: ast.Constant, env: str | None, script: _Script) -> Result | None:
    if node.value is None or isinstance(node.value, bytes):
        return None
    if isinstance(node.value, bool):
        return Result(str(node.value), boolean=node.value)
    return Result(str(node.value))


def _name(node: ast.Name, env: str | None, script: _Script) -> Result | None:
    if node.id in _ENV_ATTRS:
        return _environment(node, env, script)
    constant = script.constants.get(node.id)
    return evaluate(constant, env, script) if constant is not None else None


def _attribute(node: ast.Attribute, env: str | None, script: _Script) -> Result | None:
    return _environment(node, env, script) if node.attr in _ENV_ATTRS else None


def _environment(node: ast.expr, env: str | None, script: _Script) -> Result | None:
    return Result(env) if env is not None else None


def _if_exp(node: ast.IfExp, env: str | None, script: _Script) -> Result | None:
    test = evaluate(node.test, env, script)
    if test.boolean is None:
        return None
    return evaluate(node.body if test.boolean else node.orelse, env, script)


def _compare(node: ast.Compare, env: str | None, script: _Script) -> Result | None:
    if len(node.ops) != 1 or env is None:
        return None
    left, right = node.left, node.comparators[0]
    op = node.ops[0]
    if _is_env(right) and isinstance(op, (ast.Eq, ast.NotEq)):
        left, right = right, left
    if not _is_env(left):
        return None
    choices = _constant_strings(right)
    if choices is None:
        return None
    outcome = {ast.Eq: env in choices, ast.NotEq: env not in choices,
               ast.In: env in choices, ast.NotIn: env not in choices}.get(type(op))
    return None if outcome is None else Result(str(outcome), boolean=outcome)


def _is_env(node: ast.expr) -> bool:
    return (isinstance(node, ast.Name) and node.id in _ENV_ATTRS) or (
        isinstance(node, ast.Attribute) and node.attr in _ENV_ATTRS)


def _constant_strings(node: ast.expr) -> set[str] | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        values = [e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
        return set(values) if len(values) == len(node.elts) else None
    return None


def _bool_op(node: ast.BoolOp, env: str | None, script: _Script) -> Result | None:
    """``os.getenv('X') or '8000'``: the fallback, with the variable that replaces it."""
    if not isinstance(node.op, ast.Or) or len(node.values) != 2:
        return None
    first, second = (evaluate(v, env, script) for v in node.values)
    if first.unresolved and first.env_var and not second.unresolved:
        return Result(second.text, env_var=first.env_var)
    return None


def _joined_str(node: ast.JoinedStr, env: str | None, script: _Script) -> Result | None:
    parts = []
    for value in node.values:
        inner = value.value if isinstance(value, ast.FormattedValue) else value
        if isinstance(value, ast.FormattedValue) and (value.conversion != -1 or value.format_spec):
            return None
        result = evaluate(inner, env, script)
        if result.unresolved:
            return None
        parts.append(result.text)
    return Result("".join(parts))


def _call(node: ast.Call, env: str | None, script: _Script) -> Result | None:
    func = node.func
    env_read = _env_read(node, env, script)
    if env_read is not None:
        return env_read
    if isinstance(func, ast.Name) and func.id in ("str", "int") and len(node.args) == 1 and not node.keywords:
        inner = evaluate(node.args[0], env, script)
        return None if inner.unresolved else Result(inner.text, env_var=inner.env_var)
    if isinstance(func, ast.Attribute) and func.attr in ("lower", "upper", "strip") and not node.args:
        inner = evaluate(func.value, env, script)
        if inner.unresolved:
            return None
        return Result(getattr(inner.text, func.attr)(), env_var=inner.env_var)
    return None


def _env_read(node: ast.Call, env: str | None, script: _Script) -> Result | None:
    """``os.getenv('X', d)``, ``os.environ.get('X', d)``, ``getenv('X', d)``."""
    func = node.func
    is_getenv = (isinstance(func, ast.Name) and func.id == "getenv") or (
        isinstance(func, ast.Attribute) and (func.attr == "getenv" or (
            func.attr == "get" and isinstance(func.value, ast.Attribute) and func.value.attr == "environ")))
    if not is_getenv or not node.args:
        return None
    name = node.args[0]
    if not (isinstance(name, ast.Constant) and isinstance(name.value, str)):
        return None
    default = node.args[1] if len(node.args) > 1 else next(
        (k.value for k in node.keywords if k.arg in ("default", "value")), None)
    if default is None:
        return Result(script.segment(node), unresolved=True, env_var=name.value)
    fallback = evaluate(default, env, script)
    return Result(fallback.text, unresolved=fallback.unresolved, env_var=name.value)


def _subscript(node: ast.Subscript, env: str | None, script: _Script) -> Result | None:
    """``os.environ['X']``: set only by the environment."""
    base = node.value
    key = node.slice
    if isinstance(base, ast.Attribute) and base.attr == "environ" and isinstance(key, ast.Constant):
        return Result(script.segment(node), unresolved=True, env_var=str(key.value))
    return None


_HANDLERS = {
    ast.Constant: _constant, ast.Name: _name, ast.Attribute: _attribute, ast.IfExp: _if_exp,
    ast.Compare: _compare, ast.BoolOp: _bool_op, ast.JoinedStr: _joined_str, ast.Call: _call,
    ast.Subscript: _subscript,
}


# -- literal parameter paths -----------------------------------------------------------------------


def _path_pattern(environments: tuple[str, ...]) -> re.Pattern[str]:
    envs = "|".join(re.escape(e) for e in sorted(environments, key=len, reverse=True)) or "(?!)"
    return re.compile(rf"(?<![\w./-])/(?P<env>{envs})/(?P<rest>[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+){{2,}})")


def _read_paths(file: SourceFile, text: str, pattern: re.Pattern[str], builder: _Builder) -> None:
    starts = _line_starts(text)
    matches = list(pattern.finditer(text))
    for i, match in enumerate(matches):
        segments = match.group("rest").rstrip(".").split("/")
        service_name, key = segments[-2], segments[-1]
        if not (is_port_key(key) or is_setting_key(key)):
            continue
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        found = _value_after(text, match.end(), end)
        if found is None:
            continue
        raw, offset = found
        service = canonical_service(service_name, builder.ctx.config)
        path = f"/{match.group('env')}/{match.group('rest').rstrip('.')}"
        where = _location(file.rel, starts, offset)
        attrs = {"parameter": path, "field": path}
        value = PortValue.unresolved_expr(raw) if looks_unresolved(raw) else (
            PortValue.parse(raw) if is_port_key(key) else PortValue(text=raw))
        builder.add(service, key, value, where, match.group("env"), attrs, _location(file.rel, starts, match.start()))


def _value_after(text: str, start: int, end: int) -> tuple[str, int] | None:
    """The value given to the parameter: within the same command (continued lines, the call)."""
    window_end = _command_end(text, start, end)
    match = _VALUE.search(text, start, window_end)
    if match is None:
        return None
    for group in ("dq", "sq", "bare", "kdq", "ksq", "jdq"):
        if match.group(group) is not None:
            return match.group(group), match.start(group)
    return None


def _command_end(text: str, start: int, end: int) -> int:
    """Stop at a blank line, or at the end of a line that does not continue (``\\``, open call)."""
    depth = text.count("(", text.rfind("\n", 0, start) + 1, start) - text.count(")", text.rfind("\n", 0, start) + 1, start)
    position = start
    while position < end:
        newline = text.find("\n", position, end)
        line_end = end if newline == -1 else newline
        line = text[position:line_end]
        depth += line.count("(") - line.count(")")
        continues = line.rstrip().endswith("\\") or depth > 0 or line.rstrip().endswith(",")
        if newline == -1 or not continues:
            return line_end
        following = text[newline + 1: text.find("\n", newline + 1) if text.find("\n", newline + 1) != -1 else end]
        if not following.strip():
            return newline
        position = newline + 1
    return end


def _line_starts(text: str) -> list[int]:
    return [0, *(m.end() for m in re.finditer("\n", text))]


def _location(rel: str, starts: list[int], offset: int) -> Location:
    index = bisect.bisect_right(starts, offset) - 1
    return Location(rel, index + 1, offset - starts[index] + 1)

