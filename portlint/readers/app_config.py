"""Application config YAML: ``config/base.yaml`` merged under ``config/<env>.yaml``.

Which files are app config comes from the ``app-config`` globs in config. Each top-level key
that holds a port (``port``, ``*_port``) or a setting (``workers``, ``host``, ...) is a service
section: its ports become ``config`` facts and its settings :class:`Setting` s, all with
``layer: yaml``. The environment is the file's: ``dev.yaml`` is dev; ``base.yaml`` (and other
base names) hold the values every environment inherits. The merge itself (an environment file
wins over the base) is :mod:`portlint.layers`' business: the reader keeps every value where it
is written.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import PurePosixPath
from typing import Any

from portlint.discover import SourceFile
from portlint.model import Entity, EntityRef, Location, ParseFailure, PortFact, PortValue, Role, Setting, Severity
from portlint.readers import ReadContext, ReadOutput, _yaml
from portlint.readers._config_keys import (by_lower_name, canonical_service, client_host, is_port_key, is_setting_key,
                                          looks_unresolved)

WEIGHT = 2.1  # CPU per byte, relative (measured on the bench tree): every key is walked and merged across layers
TRANSFER = 0.35  # results sent back from a reading process, per unit of reading: many settings for little work
NAME = "app-config"
LAYER = "yaml"
ENTITY_KIND = "config/yaml"
# File stems whose values every environment inherits.
BASE_STEMS = frozenset({"base", "default", "defaults", "common", "shared", "global"})
MAX_DEPTH = 4


def wants(file: SourceFile, ctx: ReadContext) -> bool:
    return bool(_globs(ctx).fullmatch(file.rel))


def read(files: list[SourceFile], ctx: ReadContext) -> ReadOutput:
    out = ReadOutput()
    stems_by_dir: dict[str, set[str]] = defaultdict(set)
    for file in files:
        stems_by_dir[str(PurePosixPath(file.rel).parent)].add(PurePosixPath(file.rel).stem.lower())
    for file in files:
        siblings = stems_by_dir[str(PurePosixPath(file.rel).parent)]
        _read_file(file, environment_of(file, siblings, ctx), ctx, out)
    return out


def environment_of(file: SourceFile, sibling_stems: set[str], ctx: ReadContext) -> str | None:
    """``dev.yaml`` → dev; ``base.yaml`` → None (every environment); ``local.yaml`` beside a base → local."""
    stem = PurePosixPath(file.rel).stem.lower()
    if stem in BASE_STEMS:
        return None
    if file.environment is not None:
        return file.environment
    if sibling_stems & BASE_STEMS:
        return stem
    return None


def _globs(ctx: ReadContext) -> re.Pattern[str]:
    return ctx.memo("app-config:globs", lambda: glob_pattern(ctx.config.app_config))


def glob_pattern(globs: list[str]) -> re.Pattern[str]:
    """One regex for root-relative globs: ``*`` stays in a folder, ``**/`` spans any folders."""
    parts = []
    for glob in globs:
        out, i = "", 0
        while i < len(glob):
            if glob.startswith("**/", i):
                out, i = out + "(?:.*/)?", i + 3
            elif glob.startswith("**", i):
                out, i = out + ".*", i + 2
            elif glob[i] == "*":
                out, i = out + "[^/]*", i + 1
            elif glob[i] == "?":
                out, i = out + "[^/]", i + 1
            else:
                out, i = out + re.escape(glob[i]), i + 1
        parts.append(out)
    return re.compile("|".join(f"(?:{p})" for p in parts) or "(?!)")


def _read_file(file: SourceFile, environment: str | None, ctx: ReadContext, out: ReadOutput) -> None:
    text = out.text_of(file, NAME)
    if text is None:
        return
    if "apiVersion" in text and "kind" in text:
        return  # a Kubernetes manifest in a config folder: the Kubernetes reader owns it
    if ":" not in text:
        return
    try:
        docs, cut = ctx.memo(f"yaml-docs:{file.rel}", lambda: _compose(text))
    except _yaml.YamlError as exc:
        error = _yaml.foreign_template(exc, text, file.rel)
        out.failures.append(ParseFailure(Location(file.rel, error.line, error.column), error.message, NAME,
                                         Severity.NOTE if isinstance(error, _yaml.CutShort) else Severity.ERROR))
        return
    if cut is not None:
        out.failures.append(ParseFailure(Location(file.rel, cut.line, cut.column), cut.message, NAME, Severity.NOTE))
    for doc in docs:
        _read_document(doc, file, environment, ctx, out)


def _compose(text: str) -> tuple[list[Any], _yaml.BudgetExceeded | None]:
    """The documents within the file's node budget, and why the rest was cut (or ``None``).

    Raises :class:`YamlError` on an alias bomb before anything walks it."""
    docs = _yaml.compose_documents(text)
    if not _yaml.may_alias(text):
        return docs, None
    budget = _yaml.NodeBudget(len(text))
    for i, doc in enumerate(docs):
        try:
            budget.spend(doc)
        except _yaml.BudgetExceeded as exc:
            return docs[:i], exc
    return docs, None


def _read_document(doc: Any, file: SourceFile, environment: str | None, ctx: ReadContext, out: ReadOutput) -> None:
    if not _yaml.is_mapping(doc):
        return
    templates = _merge_sources(doc)
    loose: list[tuple[str, Any, Any]] = []
    for key, value in _yaml.items(doc):
        name = _yaml.text(key)
        if name is None:
            continue
        if _yaml.is_mapping(value):
            if id(value) in templates or name.startswith(("x-", ".", "_")):
                continue
            _read_section(name, key, value, file, environment, ctx, out)
        elif _yaml.is_scalar(value) and (is_port_key(name) or is_setting_key(name)):
            loose.append((name, key, value))
    if loose:
        _read_loose(loose, file, environment, out)


def _merge_sources(doc: Any) -> set[int]:
    """Ids of mappings merged (``<<: *anchor``) into others: templates, not services."""
    found: set[int] = set()
    stack, seen = [doc], set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if _yaml.is_mapping(node):
            for key, value in node.value:
                if _yaml.is_scalar(key) and key.tag == "tag:yaml.org,2002:merge":
                    found.update(id(v) for v in (value.value if _yaml.is_sequence(value) else [value]))
                stack.append(value)
        elif _yaml.is_sequence(node):
            stack.extend(node.value)
    return found


def _read_section(name: str, key_node: Any, node: Any, file: SourceFile, environment: str | None,
                  ctx: ReadContext, out: ReadOutput) -> None:
    service = canonical_service(name, ctx.config)
    ref = EntityRef(kind=ENTITY_KIND, name=f"{file.rel}#{service}")
    found = _Collector(ref, name, service, file, environment)
    found.walk(node, [], 1)
    if not found.facts and not found.settings:
        return
    out.entities.append(Entity(ref=ref, location=_yaml.location(key_node, file.rel), environment=environment,
                               attrs={"service": service, "layer": LAYER, "file": file.rel,
                                      "service_reason": f"its section {name!r} in {file.rel} names the service"}))
    out.facts.extend(found.facts)
    out.settings.extend(found.settings)


def _read_loose(loose: list[tuple[str, Any, Any]], file: SourceFile, environment: str | None,
                out: ReadOutput) -> None:
    """Top-level ``port: 8000`` with no service section: the file's own port (service by membership)."""
    ref = EntityRef(kind=ENTITY_KIND, name=file.rel)
    found = _Collector(ref, "", None, file, environment)
    siblings = by_lower_name({name: str(_yaml.scalar_value(value)) for name, _key, value in loose})
    for name, _key, value in loose:
        found.leaf(name, value, [], siblings)
    out.entities.append(Entity(ref=ref, location=_yaml.location(loose[0][1], file.rel), environment=environment,
                               attrs={"layer": LAYER, "file": file.rel}))
    out.facts.extend(found.facts)
    out.settings.extend(found.settings)


class _Collector:
    """Facts and settings of one service section."""

    def __init__(self, owner: EntityRef, written: str, service: str | None, file: SourceFile,
                 environment: str | None) -> None:
        self.owner, self.written, self.service = owner, written, service
        self.file, self.environment = file, environment
        self.facts: list[PortFact] = []
        self.settings: list[Setting] = []

    def walk(self, node: Any, path: list[str], depth: int) -> None:
        siblings = by_lower_name(scalar_siblings(node))
        for key, value in _yaml.items(node):
            name = _yaml.text(key)
            if name is None:
                continue
            if _yaml.is_mapping(value) and depth < MAX_DEPTH:
                self.walk(value, [*path, name], depth + 1)
            elif _yaml.is_scalar(value):
                self.leaf(name, value, path, siblings)

    def leaf(self, name: str, value: Any, path: list[str], siblings: dict[str, str] | None = None) -> None:
        if _yaml.scalar_value(value) is None:
            return
        rest = ".".join([*path, name])
        written = f"{self.written}.{rest}" if self.written else rest
        key = f"{self.service}.{rest}" if self.service else rest
        where = _yaml.location(value, self.file.rel)
        attrs = {"field": written, "config_key": key, "layer": LAYER}
        if is_port_key(name):
            port = _port_value(value)
            if port is None:
                return  # set empty: no port stated
            if value.style in ("'", '"'):
                attrs["quoted"] = True
            host = client_host(name, siblings or {})
            if host is not None:
                attrs["client_of"] = host  # `redis: {host: cache, port: 6379}`: where the app connects
            self.facts.append(PortFact(value=port, role=Role.CONFIG, owner=self.owner, location=where,
                                       environment=self.environment, slot=key, attrs=attrs))
        elif is_setting_key(name):
            raw = _setting_text(value)
            if looks_unresolved(raw):
                attrs["unresolved"] = True
            self.settings.append(Setting(key=key, value=raw, owner=self.owner, location=where,
                                         environment=self.environment, attrs=attrs))


def scalar_siblings(node: Any) -> dict[str, str]:
    """The scalar entries of a mapping, by key (``{host: cache, port: 6379}``)."""
    out: dict[str, str] = {}
    for key, value in _yaml.items(node):
        name = _yaml.text(key)
        if name is not None and _yaml.is_scalar(value) and _yaml.scalar_value(value) is not None:
            out[name] = str(_yaml.scalar_value(value))
    return out


def _port_value(node: Any) -> PortValue | None:
    """A port setting (:meth:`PortValue.parse_setting`): ``None`` when set empty."""
    raw = _yaml.scalar_value(node)
    if isinstance(raw, str) and looks_unresolved(raw):
        return PortValue.unresolved_expr(raw)
    return PortValue.parse_setting(raw)


def _setting_text(node: Any) -> str:
    raw = _yaml.scalar_value(node)
    if isinstance(raw, bool):
        return "true" if raw else "false"
    return str(raw)
