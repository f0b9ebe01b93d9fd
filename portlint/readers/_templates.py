"""Files that are templates for another tool: not the format they are named after until that tool
renders them (a cookiecutter folder ``{{cookiecutter.slug}}/``, a sed placeholder ``{SUBNET}.10``,
envsubst's ``${VAR}``, a Go or Jinja template outside a Helm chart).

When such a file does not parse where a template marker stands, the reader reports a note ("a
template for another tool, not read"), not an error; a parse error away from any marker stays an
error.
"""

from __future__ import annotations

import re

MARKER_REACH = 2  # lines before the failing line a marker may stand on
# `{{ x }}`/`{% if %}` (Go, Jinja, cookiecutter), `${X}` (envsubst, shell), `{X_Y}` (sed, format
# strings); YAML's own `{}` and `{a: 1}` are none of them
_MARKER = re.compile(r"\{\{|\{%|\$\{[A-Za-z_]|\{[A-Za-z_][A-Za-z0-9_]*\}")


def template_reason(text: str, rel: str, line: int, dollar: bool = True, braces: bool = True) -> str | None:
    """Why the file that failed to parse on 1-based ``line`` is another tool's template, or ``None``.

    ``dollar=False`` for formats that interpolate ``${X}`` themselves (Compose); ``braces=False``
    for formats where ``{name}`` is ordinary syntax (Python's sets, f-strings)."""
    folder = next((part for part in rel.split("/") if "{{" in part), None)
    if folder is not None:
        return f"its path holds {folder}"
    for candidate in reversed(text.split("\n")[max(line - 1 - MARKER_REACH, 0):max(line, 0)]):
        for match in _MARKER.finditer(candidate):
            marker = match.group(0)
            if (dollar or marker[0] != "$") and (braces or marker[:2] in ("{{", "{%")):
                return f"`{marker}` near line {line}"
    return None


def note(reason: str, message: str) -> str:
    return f"a template for another tool ({reason}), not read: {message}"
