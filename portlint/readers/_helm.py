"""Helm charts for the Kubernetes reader: find the chart of a template, load its values, resolve
the simplest template actions against them. Helm is never executed.

A chart is a folder holding ``Chart.yaml`` and ``templates/``; every ``*.yaml``/``*.yml`` below
``templates/`` is a template (``*.tpl`` partials are not manifests). Only actions that are exactly
a values reference are resolved::

    {{ .Values.service.port }}            {{ .Values.port | default 8000 }}
    {{ default 8000 .Values.port }}       {{ .Values.port | quote }}   | int | toString

Anything else (``include``, ``.Release``, conditionals, arithmetic) is unresolvable, and so is a
reference to a key that ``values.yaml`` does not hold (it may come from ``-f``/``--set`` at install
time) unless a ``default`` supplies it. Subcharts resolve against their own ``values.yaml``; the
parent chart's overrides are not applied.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from portlint import safe_io
from portlint.model import Location
from portlint.readers import _yaml

VALUES_FILE = "values.yaml"
CHART_FILE = "Chart.yaml"
TEMPLATES_DIR = "templates"
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|`[^`]*`|\S+')
_VALUES_REF = re.compile(r"\$?\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)")
_INT = re.compile(r"[-+]?[0-9]+")
_MISSING = object()  # a values key that values.yaml does not hold


@dataclass(frozen=True)
class Chart:
    """A chart: its folder (relative to the scan root) and its composed ``values.yaml``."""

    rel: str
    values: Any = None  # the composed root mapping of values.yaml; None when there is none
    values_rel: str = ""
    failure: _yaml.YamlError | None = None  # why values.yaml could not be read


@dataclass(frozen=True)
class Resolved:
    """A template action's value and where it came from (the values.yaml line), nearest first."""

    raw: Any
    defined_at: tuple[Location, ...] = ()


def chart_dir(path: Path) -> Path | None:
    """The chart folder of a template file (``<chart>/templates/**/x.yaml``), or ``None``."""
    for parent in path.parents:
        if parent.name == TEMPLATES_DIR and (parent.parent / CHART_FILE).is_file():
            return parent.parent
    return None


def load_chart(directory: Path, rel: str, values_rel: str, max_size: int, root: Path | None = None) -> Chart:
    """Read ``values.yaml`` of a chart with positions; a broken one leaves every value unresolved.

    Read through :mod:`portlint.safe_io`: a ``values.yaml`` outside ``root`` (the scan of a chart's
    ``templates/`` folder alone), a FIFO or a device is not read, and a note says so.
    """
    path = directory / VALUES_FILE
    if not os.path.lexists(path):
        return Chart(rel)
    try:
        text = safe_io.read_text(path, root=root, limit=max_size)
        documents = _yaml.compose_documents(text)
        root = documents[0] if documents else None
        if root is not None and "&" in text:
            _yaml.count_nodes(root, max(_yaml.ALIAS_BUDGET, len(text)))
    except _yaml.YamlError as exc:
        return Chart(rel, values_rel=values_rel, failure=exc)
    except safe_io.TooLarge:
        return Chart(rel, values_rel=values_rel,
                     failure=_yaml.YamlError(f"skipped: over max-file-size ({max_size})"))
    except safe_io.UnsafeFile as exc:
        return Chart(rel, values_rel=values_rel,
                     failure=_yaml.YamlError(f"skipped: not read ({exc.reason}); chart values stay unresolved"))
    except (OSError, UnicodeDecodeError) as exc:
        return Chart(rel, values_rel=values_rel, failure=_yaml.YamlError(f"cannot read: {exc}"))
    if root is not None and not _yaml.is_mapping(root):
        where = _yaml.location(root, values_rel)
        return Chart(rel, values_rel=values_rel,
                     failure=_yaml.YamlError("values.yaml must be a mapping of values", where.line, where.column))
    return Chart(rel, root, values_rel)


def _decode(data: bytes) -> str:
    return (data[3:] if data.startswith(b"\xef\xbb\xbf") else data).decode("utf-8")


def resolve(action: str, chart: Chart | None) -> Resolved | None:
    """The value of a template action that is exactly a values reference, or ``None``.

    A chart without ``values.yaml`` has no values (a ``default`` still applies); a chart whose
    ``values.yaml`` cannot be read resolves nothing.
    """
    if chart is None or chart.failure is not None:
        return None
    commands = _pipeline(action)
    if not commands:
        return None
    first, *rest = commands
    value = _evaluate(first[-1], chart) if first else _MISSING
    for fn in [first[:-1], *rest]:
        if value is None:
            return None
        if fn:
            value = _apply(fn, value)
    if value is None or value[0] is _MISSING:
        return None
    raw, defined_at = value
    return Resolved(raw, defined_at)


def _pipeline(action: str) -> list[list[str]] | None:
    """``{{- .Values.a | default 1 -}}`` → ``[['.Values.a'], ['default', '1']]``; None if not simple."""
    inner = action.strip()
    if not (inner.startswith("{{") and inner.endswith("}}")):
        return None
    inner = inner[2:-2].strip()
    inner = inner.removeprefix("-").removesuffix("-").strip()
    if not inner or any(bad in inner for bad in (":=", "(", ")", "/*")):
        return None
    commands = []
    for part in _split_pipes(inner):
        tokens = _TOKEN.findall(part)
        if not tokens:
            return None
        commands.append(tokens)
    return commands


def _split_pipes(text: str) -> list[str]:
    parts, current, quote = [], [], ""
    for char in text:
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"`":
            quote = char
        elif char == "|":
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return parts


def _evaluate(term: str, chart: Chart) -> tuple[Any, tuple[Location, ...]] | None:
    """A values reference → (raw scalar or _MISSING, defined_at); a literal → (raw, ())."""
    match = _VALUES_REF.fullmatch(term)
    if match is None:
        literal = _literal(term)
        return None if literal is None else (literal, ())
    node = _yaml.get_path(chart.values, *match.group(1)[1:].split(".")) if chart.values is not None else None
    if node is None:
        return (_MISSING, ())
    if not _yaml.is_scalar(node):
        return None  # a map or list rendered into a scalar: not a port
    where = (_yaml.location(node, chart.values_rel),)
    raw = _typed(node)
    return (_MISSING if raw is None else raw, where)


def _typed(node: Any) -> Any:
    """A values scalar typed the way Helm sees it (int, bool, None or text), by its resolved tag.

    Typed by tag rather than :func:`_yaml.scalar_value`, whose int/bool reading depends on the
    node style, which libyaml reports as ``''`` (not ``None``) for plain scalars.
    """
    if node.tag == _yaml.NULL_TAG:
        return None
    if node.tag == _yaml.INT_TAG and _INT.fullmatch(node.value.replace("_", "")):
        return int(node.value.replace("_", ""))
    if node.tag == _yaml.BOOL_TAG:
        return node.value.lower() in ("true", "yes", "on", "y")
    return node.value


def _literal(token: str) -> Any:
    if _INT.fullmatch(token):
        return int(token)
    if len(token) >= 2 and token[0] == token[-1] and token[0] in "\"`":
        return token[1:-1]
    if token in ("true", "false"):
        return token == "true"
    return None


def _apply(fn: list[str], value: tuple[Any, tuple[Location, ...]]) -> tuple[Any, tuple[Location, ...]] | None:
    """Apply one pipeline function (its last argument is the piped value)."""
    raw, where = value
    name, args = fn[0], fn[1:]
    if name == "default" and len(args) == 1:
        fallback = _literal(args[0])
        if fallback is None:
            return None
        return (fallback, ()) if _empty(raw) else value
    if args:
        return None
    if raw is _MISSING:
        return None
    if name in ("quote", "squote", "toString"):
        return (_render(raw), where)
    if name in ("int", "int64", "atoi"):
        text = _render(raw)
        return (int(text), where) if _INT.fullmatch(text) else None
    return None


def _empty(raw: Any) -> bool:
    """Go template emptiness, as ``default`` sees it."""
    return raw is _MISSING or raw is None or raw is False or raw == "" or (isinstance(raw, int) and raw == 0)


def _render(raw: Any) -> str:
    if isinstance(raw, bool):
        return "true" if raw else "false"
    return str(raw)
