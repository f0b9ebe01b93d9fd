"""Python sources: where code listens (``uvicorn.run(port=…)``) and what it falls back to.

Parsed with ``ast`` (never imported). Files without port-ish text are skipped before parsing.
Listen sites become ``listen`` facts, code fallbacks (``cfg.get('port', 8000)``,
``os.getenv('FASTAPI_PORT', '8000')``) ``default`` facts, both with ``layer: code`` and the
``config_key`` / ``env_var`` they read. See docs/model-apps.md.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass

from portlint.discover import SourceFile
from portlint.model import Entity, EntityRef, Location, ParseFailure, PortFact, PortValue, Role, Severity
from portlint.readers._templates import note as template_note, template_reason
from portlint.readers import ReadContext, ReadOutput
from portlint.readers._app_common import CODE_LAYER, LineIndex, service_for_config_key, service_for_env_var
from portlint.readers._app_python import Relevance, Site, Trace, analyse, code_mentions, relevant_offsets

NAME = "python"
TRANSFER = 0.07  # results sent back from a reading process, per unit of reading: few facts for a parse
PER_FILE = True  # a file's facts depend on that file alone (the cache keeps them file by file)
KIND = "code/python"
# a module that writes parameters is the Parameter Store script: its fallbacks are parameter
# values (the parameter_store reader's), not code defaults
_PARAMETER_WRITER = "put_parameter"


def wants(file: SourceFile, ctx: ReadContext) -> bool:
    return file.suffix == ".py"


def read(files: list[SourceFile], ctx: ReadContext) -> ReadOutput:
    output = ReadOutput()
    for file in files:
        _read_file(file, ctx, output)
    return output


@dataclass(frozen=True)
class _Failed:
    line: int
    column: int
    message: str
    newer_syntax: bool
    too_deep: bool = False


def parse_module(text: str) -> ast.Module | _Failed:
    """``ast.parse`` or a failure; a file libcst can parse uses syntax newer than this Python."""
    try:
        return ast.parse(text)
    except SyntaxError as exc:
        line, column = exc.lineno or 1, exc.offset or 1
        deep = nesting_depth(text)
        if deep is not None:  # never hand that to libcst
            return _Failed(*deep, f"{exc.msg}: nested more than {MAX_NESTING} levels deep", False, too_deep=True)
        newer = _parses_with_libcst(text)
        if isinstance(newer, str):
            return _Failed(line, max(column, 1), f"{exc.msg} ({newer})", False, too_deep=True)
        return _Failed(line, max(column, 1), exc.msg, newer)
    except ValueError as exc:
        return _Failed(1, 1, str(exc), False)
    except (RecursionError, MemoryError):
        return _Failed(1, 1, "nested too deeply for the parser", False, too_deep=True)


# Python's own parser stops at 200 nested brackets and 100 indentation levels; libcst's native
# parser crashes the interpreter (SIGSEGV) somewhere past 1,000. Nothing deeper reaches a parser.
MAX_NESTING = 200


def nesting_depth(text: str) -> tuple[int, int] | None:
    """The (line, column) where bracket nesting first passes :data:`MAX_NESTING`, else ``None``.

    A cheap over-estimate (strings and comments are not skipped), asked only of a file ``ast``
    already rejected.
    """
    depth = 0
    for line_no, line in enumerate(text.split("\n"), start=1):
        for column, char in enumerate(line, start=1):
            if char in "([{":
                depth += 1
                if depth > MAX_NESTING:
                    return line_no, column
            elif char in ")]}" and depth:
                depth -= 1
    return None


def _parses_with_libcst(text: str) -> bool | str:
    """Whether libcst parses it (newer syntax), run isolated: a crash is a reason, not our death."""
    from portlint import isolate

    try:
        return bool(isolate.run("libcst-parses", text))
    except isolate.IsolatedFailure as exc:
        return exc.reason


def module_name(rel: str) -> str:
    """``services/orders_api.py`` → ``services.orders_api``; ``pkg/__init__.py`` → ``pkg``."""
    stem = rel[:-3] if rel.endswith(".py") else rel
    parts = [p for p in stem.split("/") if p]
    if parts and parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _read_file(file: SourceFile, ctx: ReadContext, output: ReadOutput) -> None:
    text = output.text_of(file, NAME)
    if text is None:
        return
    offsets = relevant_offsets(text.lower())
    if not code_mentions(text, offsets):
        return
    tree = ctx.memo(f"python-ast:{file.rel}", lambda: parse_module(text))
    if isinstance(tree, _Failed):
        output.failures.append(_failure(file, tree, text))
        return
    sites = analyse(tree, skip_defaults=_PARAMETER_WRITER in text, relevant=Relevance(text, offsets))
    if sites:
        _ModuleFacts(file, ctx, LineIndex(text)).emit(sites, output)


def _failure(file: SourceFile, failed: _Failed, text: str) -> ParseFailure:
    where = Location(file.rel, failed.line, failed.column)
    running = f"{sys.version_info.major}.{sys.version_info.minor}"
    if failed.too_deep:
        return ParseFailure(where, f"skipped: {failed.message}", NAME, Severity.NOTE)
    if failed.newer_syntax:
        return ParseFailure(where, f"skipped: {failed.message} for Python {running} (valid for a newer "
                            f"Python; run portlint on that version to check this file)", NAME, Severity.NOTE)
    reason = template_reason(text, file.rel, failed.line, dollar=False, braces=False)
    if reason is not None:  # a Jinja/cookiecutter template of a Python file
        return ParseFailure(where, template_note(reason, f"invalid Python: {failed.message}"), NAME, Severity.NOTE)
    return ParseFailure(where, f"invalid Python: {failed.message}", NAME)


class _ModuleFacts:
    """Turn one module's sites into entities (one per logical service it names) and facts."""

    def __init__(self, file: SourceFile, ctx: ReadContext, index: LineIndex) -> None:
        self.file, self.ctx, self.index = file, ctx, index

    def emit(self, sites: list[Site], output: ReadOutput) -> None:
        named = [(site, *self._service(site.trace)) for site in sites]
        reasons: dict[str, str] = {}
        for _, service, reason in named:
            if service:
                reasons.setdefault(service, reason)
        split = len(reasons) > 1
        entities: dict[str, Entity] = {}
        seen: set[tuple] = set()  # a module constant used by two listen sites is one default
        for site, service, _ in named:
            owner_service = service if split else next(iter(reasons), None)
            entity = self._entity(owner_service, reasons.get(owner_service or "", ""), split,
                                  self._loc(site.anchor or site.trace.node))
            entity = entities.setdefault(entity.id, entity)
            for fact in self._facts(site, entity.ref):
                ident = (fact.role, fact.location, fact.value.text, fact.owner.id)
                if ident not in seen:
                    seen.add(ident)
                    output.facts.append(fact)
        output.entities.extend(entities[k] for k in sorted(entities))

    def _entity(self, service: str | None, reason: str, split: bool, where: Location) -> Entity:
        name = f"{self.file.rel}#{service}" if split and service else self.file.rel
        attrs: dict = {"path": self.file.rel, "module": module_name(self.file.rel)}
        if service:
            attrs["service"] = service
            attrs["service_reason"] = reason
        return Entity(EntityRef(KIND, name), where, self.file.environment, attrs=attrs)

    def _service(self, trace: Trace) -> tuple[str | None, str]:
        current: Trace | None = trace
        while current is not None:
            key = _config_key(current)
            if key:
                service = service_for_config_key(key, self.ctx.config)
                if service:
                    return service, f"the code reads the config key {key}"
            if current.env_var:
                service = service_for_env_var(current.env_var, self.ctx.config, strict=True)
                if service:
                    return service, f"the code reads the environment variable {current.env_var}"
            current = current.default
        return None, ""

    # -- facts --------------------------------------------------------------------------------
    def _facts(self, site: Site, owner: EntityRef) -> list[PortFact]:
        trace = site.trace
        slot = f"{site.call}@{trace.node.lineno}:{trace.node.col_offset}"
        attrs = self._read_attrs(trace)
        if site.main_guard:
            attrs["main_guard"] = True  # runs only when the file is run as a script
        if site.kind == "default":
            return self._default_facts(trace, owner, slot, attrs)
        base = {"field": f"{site.call}(port)", "layer": CODE_LAYER, "call": site.call, **attrs}
        if site.host is not None:
            base["host"] = site.host
        if site.implicit_port is not None:
            where = self._loc(site.anchor or trace.node)
            return [self._fact(PortValue.parse(site.implicit_port), Role.LISTEN, owner, where, slot,
                               {**base, "implicit": True})]
        where = self._loc(trace.node, site.host_port_offset)
        if trace.literal is not None and not trace.is_read:
            value = PortValue.parse(trace.literal, self._defined_at(trace))
            return [self._fact(value, Role.LISTEN, owner, where, slot, base)]
        facts = [self._fact(PortValue.unresolved_expr(self._source(trace.node)), Role.LISTEN, owner, where, slot, base)]
        return facts + self._default_facts(trace, owner, slot, attrs)

    def _default_facts(self, trace: Trace, owner: EntityRef, slot: str, attrs: dict) -> list[PortFact]:
        default = trace.default
        while default is not None and default.literal is None and default.default is not None:
            default = default.default
        if default is None or not _numeric(default.literal):
            return []  # getenv('X_PORT', '') or a None sentinel is no port fallback
        label = attrs.get("config_key") or (f"${attrs['env_var']}" if attrs.get("env_var") else None) \
            or (f"parameter {attrs['parameter']}" if attrs.get("parameter") else "port")
        fact_attrs = {"field": f"code default for {label}", "layer": CODE_LAYER, **attrs}
        value = PortValue.parse(default.literal, self._defined_at(default))
        return [self._fact(value, Role.DEFAULT, owner, self._loc(default.node), slot, fact_attrs)]

    def _read_attrs(self, trace: Trace) -> dict:
        attrs: dict = {}
        current: Trace | None = trace
        while current is not None:
            key = _config_key(current)
            if key and "config_key" not in attrs:
                attrs["config_key"] = key
            if current.env_var and "env_var" not in attrs:
                attrs["env_var"] = current.env_var
            if current.parameter and "parameter" not in attrs:
                attrs["parameter"] = current.parameter
            current = current.default
        return attrs

    def _fact(self, value: PortValue, role: Role, owner: EntityRef, where: Location, slot: str,
              attrs: dict) -> PortFact:
        return PortFact(value=value, role=role, owner=owner, location=where, environment=self.file.environment,
                        slot=slot, attrs=dict(attrs))

    def _defined_at(self, trace: Trace) -> tuple[Location, ...]:
        if trace.literal_node is None or trace.literal_node is trace.node:
            return ()
        return (self._loc(trace.literal_node),)

    def _loc(self, node: ast.AST, inner_offset: int | None = None) -> Location:
        line = getattr(node, "lineno", 1)
        column = self.index.char_column(line, getattr(node, "col_offset", 0))
        if inner_offset is not None:
            column += inner_offset + self._string_prefix(line, column)
        return Location(self.file.rel, line, column)

    def _string_prefix(self, line: int, column: int) -> int:
        """Characters before a string's content: the quote, and an ``r``/``b``/``f`` prefix."""
        text = self.index.lines[line - 1] if line <= len(self.index.lines) else ""
        count = 0
        while column - 1 + count < len(text) and text[column - 1 + count] in "rRbBuUfF":
            count += 1
        return count + 1

    def _source(self, node: ast.AST) -> str:
        """The source text of an expression, whitespace collapsed (``ast`` offsets are bytes)."""
        first, last = getattr(node, "lineno", 0), getattr(node, "end_lineno", 0)
        if not first or not last or last > len(self.index.lines):
            return type(node).__name__
        lines = [line.encode("utf-8") for line in self.index.lines[first - 1:last]]
        lines[-1] = lines[-1][:node.end_col_offset]  # type: ignore[attr-defined]
        lines[0] = lines[0][node.col_offset:]  # type: ignore[attr-defined]
        return " ".join(b"\n".join(lines).decode("utf-8", errors="replace").split())


def _config_key(trace: Trace) -> str | None:
    """A config key of at least two parts (``fastapi.port``); a bare ``port`` names nothing."""
    return trace.config_key if trace.config_key and "." in trace.config_key else None


def _numeric(text: str | None) -> bool:
    return text is not None and text.strip().lstrip("+-").isdigit()
