"""Nested configs: a ``.portlint.toml`` (or a ``pyproject.toml`` with ``[tool.portlint]``) below the
scan's config applies to the files of its folder.

As in ruff's hierarchical configuration, the closest config wins for its files. A nested config
starts from the config above it (the scan's, or a nearer nested one) and replaces the
*per-scope* keys it sets; they decide what is reported about the files of its folder:

- ``exclude`` (globs relative to the nested config's folder),
- ``select``, ``extend-select`` and ``[rules]`` (which rules, their severity and options),
- ``[ranges]``, ``[sensitive-ports]`` and ``[validation]`` (the policy rules compare with).

Every other key is *global*: it shapes how the whole tree is read and linked (``environments``,
``precedence``, ``app-config``, ``[env-files]``, ``[services]``, ``[helm-values]``, limits, the
cache, ``rules-dir``), so it comes from the scan's config only. A nested config that sets one is
not silently obeyed: :func:`ignored_note` says so. A finding belongs to the config closest to its
primary location.
"""

from __future__ import annotations

import copy
import fnmatch
import posixpath
from dataclasses import dataclass, field
from typing import Any

from portlint.config import CONFIG_FILE, Config, ConfigError, _parse_toml, parse_config

PER_SCOPE_KEYS = ("exclude", "select", "extend-select", "rules", "ranges", "sensitive-ports", "validation")
_FIELDS = {"select": "select", "extend-select": "extend_select", "rules": "rule_settings", "ranges": "ranges",
           "sensitive-ports": "sensitive_ports", "validation": "validation"}
PYPROJECT = "pyproject.toml"
MAX_NESTED = 256  # nested configs applied; beyond, the rest is reported as not applied


@dataclass
class ScopedConfig:
    """One nested config: its folder, its file, the merged config for its files, what it ignores."""

    folder: str
    rel: str
    config: Config
    exclude: list[str] = field(default_factory=list)  # its own globs, relative to ``folder``
    ignored: tuple[str, ...] = ()  # global keys it sets, which the scan does not apply
    keys: tuple[str, ...] = ()  # per-scope keys it sets


def load_nested(files, root_config: Config) -> list[ScopedConfig]:
    """The nested ``.portlint.toml`` files among ``files`` (SourceFiles), shallowest first, each
    merged onto the closest config above it. A broken nested config is a :class:`ConfigError`."""
    applied = root_config.path.resolve() if root_config.path else None
    # the scan root's own file, when --config names another, is not nested: it stays noted, unapplied
    found = sorted((f for f in nested_config_files(files) if "/" in f.rel
                    and (applied is None or f.path.resolve() != applied)),
                   key=lambda f: (f.rel.count("/"), f.rel))
    out: list[ScopedConfig] = []
    for file in found[:MAX_NESTED]:
        data, prefix = _table(file)
        own = parse_config(data, file.rel, prefix, base_dir=file.path.parent)  # typos are errors here too
        folder = posixpath.dirname(file.rel)
        parent = closest(out, file.rel)
        merged = copy.copy(parent.config if parent is not None else root_config)
        for key, name in _FIELDS.items():
            if key in data:
                setattr(merged, name, getattr(own, name))
        merged.source, merged.path, merged.found_by = file.rel, file.path, "nested"
        ignored = tuple(sorted(k for k in data if k not in PER_SCOPE_KEYS))
        keys = tuple(k for k in PER_SCOPE_KEYS if k in data)
        out.append(ScopedConfig(folder, file.rel, merged, list(own.exclude), ignored, keys))
    return out


def nested_config_files(files) -> list:
    """The config files among ``files``: a ``.portlint.toml``, else (as ruff reads a folder's
    ``pyproject.toml`` when it has no ruff file) a ``pyproject.toml`` with a ``[tool.portlint]`` table."""
    own = {posixpath.dirname(f.rel) for f in files if f.name == CONFIG_FILE}
    return [f for f in files if f.name == CONFIG_FILE or (
        f.name == PYPROJECT and posixpath.dirname(f.rel) not in own and has_portlint_table(f))]


def has_portlint_table(file) -> bool:
    """A ``pyproject.toml`` (SourceFile) that holds a ``[tool.portlint]`` table."""
    try:
        return "[tool.portlint" in file.text()
    except Exception:  # unreadable: its reader reports it
        return False


def _table(file) -> tuple[dict, str]:
    """A nested config's settings and the prefix its keys are named with in messages."""
    data = _parse_toml(file.path)
    if file.name != PYPROJECT:
        return data, ""
    tool = data.get("tool")
    table = tool.get("portlint") if isinstance(tool, dict) else None
    if not isinstance(table, dict):
        raise ConfigError(f"{file.rel}: tool.portlint: must be a table")
    return table, "tool.portlint."


def closest(scoped: list[ScopedConfig], rel: str) -> ScopedConfig | None:
    """The nested config closest above the file ``rel`` (``None``: the scan's own config)."""
    best = None
    for item in scoped:
        if rel.startswith(item.folder + "/") and (best is None or len(item.folder) > len(best.folder)):
            best = item
    return best


def excluded(scoped: list[ScopedConfig], rel: str) -> bool:
    """A nested config above ``rel`` excludes it (its globs are relative to its folder)."""
    for item in scoped:
        if not item.exclude or not rel.startswith(item.folder + "/"):
            continue
        inner = rel[len(item.folder) + 1:]
        for glob in (g.rstrip("/") for g in item.exclude):
            if fnmatch.fnmatchcase(inner, glob) or fnmatch.fnmatchcase(inner, glob + "/*"):
                return True
            if "/" not in glob and any(fnmatch.fnmatchcase(part, glob) for part in inner.split("/")):
                return True
    return False


def same_policy(a: Config, b: Config) -> bool:
    """Two configs decide the same about findings (their per-scope keys are equal)."""
    return all(getattr(a, name) == getattr(b, name) for name in _FIELDS.values())


def ignored_note(scoped: list[ScopedConfig], root_config: Config, shown: str) -> str:
    """One stderr line per nested config that sets global keys, which the scan does not apply."""
    lines = []
    for item in scoped:
        if item.ignored:
            keys = ", ".join(item.ignored)
            lines.append(f"portlint: note: {item.rel} sets {keys}: global settings come from {shown} only, "
                         f"so not applied (its per-scope settings apply to {item.folder}/)\n")
    return "".join(lines)


def describe(scoped: list[ScopedConfig]) -> list[str]:
    """``--show-settings`` comment lines: each nested config, its folder and the keys it sets."""
    out = []
    for item in scoped:
        out.append(f"# nested config: {item.rel} applies to {item.folder}/ (per-scope keys: "
                   f"{', '.join(PER_SCOPE_KEYS)}; the others come from the scan's config)")
        for key in item.keys:
            if key in _FIELDS:
                value: Any = getattr(item.config, _FIELDS[key])
                out.append(f"#   {key} = {value!r}")
        if item.exclude:
            out.append(f"#   exclude = {item.exclude!r} (relative to {item.folder}/)")
        if item.ignored:
            out.append(f"#   not applied (global): {', '.join(item.ignored)}")
    return out


__all__ = ["ConfigError", "PER_SCOPE_KEYS", "ScopedConfig", "closest", "describe", "excluded", "ignored_note",
           "load_nested", "same_policy"]
