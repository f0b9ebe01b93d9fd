"""Which config applies, and what it says: ``--show-settings`` and the notes about nested configs."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from portlint.config import Config
from portlint.registry import Rule
from portlint.validate import rule_options

_HOW = {"--config": "given with --config", "scan root": "found in the scan root",
        "parent folder": "found in a folder above the scan root (as ruff finds its config)"}


def shown_path(path: Path) -> str:
    """A path as the user can open it from the current folder."""
    try:
        return os.path.relpath(path, Path.cwd())
    except ValueError:
        return str(path)


def nested_configs(files, config: Config) -> list[str]:
    """Relative paths of config files inside the scanned tree other than the one in effect."""
    from portlint.nested import nested_config_files

    applied = config.path.resolve() if config.path else None
    return sorted(f.rel for f in nested_config_files(files) if applied is None or f.path.resolve() != applied)


def nested_note(nested: list[str], config: Config, scoped: list | None = None) -> str:
    """Stderr lines about nested configs: one that is not applied at all (beyond the limit, or the
    scan root's own when ``--config`` names another), and the global keys an applied one sets
    (portlint.nested)."""
    from portlint.nested import ignored_note

    applied = shown_path(config.path) if config.path else "the defaults"
    used = {item.rel for item in scoped or []}
    lines = "".join(f"portlint: note: {rel} is a nested config and is not applied; this scan uses {applied}\n"
                    for rel in nested if rel not in used)
    return lines + ignored_note(scoped or [], config, applied)


def toml_value(value: Any) -> str:
    """A TOML literal for a config value (strings as JSON strings, which TOML reads the same)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{json.dumps(str(k), ensure_ascii=False)} = {toml_value(v)}"
                                for k, v in value.items()) + " }"
    return json.dumps(str(value), ensure_ascii=False)


def render_settings(config: Config, root: Path, rules: list[Rule], active: set[str], nested: list[str],
                    scoped: list | None = None) -> str:
    """The config in effect, as TOML with comments saying where it came from."""
    lines = [f"# scan root: {shown_path(root)}"]
    if config.path is None:
        lines.append("# config: none found (defaults); portlint looks for .portlint.toml or [tool.portlint] "
                     "in pyproject.toml in the scan root and the folders above it")
    else:
        lines.append(f"# config: {shown_path(config.path)} ({_HOW.get(config.found_by, config.found_by)})")
    from portlint.nested import describe

    used = {item.rel for item in scoped or []}
    lines += [f"# nested config, not applied: {rel}" for rel in nested if rel not in used]
    lines += describe(scoped or [])
    lines += ["",
              f"exclude = {toml_value(config.exclude)}",
              f"include-ignored = {toml_value(config.include_ignored)}",
              f"max-file-size = {config.max_file_size}",
              f"max-file-seconds = {config.max_file_seconds:g}",
              f"jobs = {getattr(config, 'jobs', 0)}",
              f"rules-dir = {toml_value([shown_path(d) for d in config.rules_dirs])}",
              f"environments = {toml_value(list(config.environments))}",
              f"precedence = {toml_value(config.precedence)}",
              f"app-config = {toml_value(config.app_config)}",
              f"select = {toml_value(list(getattr(config, 'select', ())))}",
              f"extend-select = {toml_value(list(getattr(config, 'extend_select', ())))}",
              "", "[ranges]"]
    lines += [f"{json.dumps(name)} = [{low}, {high}]" for name, (low, high) in config.ranges.items()]
    lines += ["", "[services]"]
    for svc in config.services.values():
        spec = {k: v for k, v in (("port", svc.port), ("range", svc.range), ("aliases", list(svc.aliases)),
                                  ("env", list(svc.env)), ("protocol", svc.protocol)) if v not in (None, [])}
        lines.append(f"{json.dumps(svc.name, ensure_ascii=False)} = {toml_value(spec)}")
    lines += ["", "[sensitive-ports]"]
    lines += [f'"{port}" = {toml_value(label)}' for port, label in sorted(config.sensitive_ports.items())]
    lines += ["", "[validation]"]
    lines += [f"{key} = {toml_value(value)}" for key, value in sorted(config.validation.items())]
    for rule in rules:
        settings = config.rule_setting(rule.id, rule.name)
        group = getattr(rule, "group", None)
        lines += ["", f"[rules.{rule.id}]  # {rule.name}" + (f" ({group})" if group else ""),
                  f"enabled = {toml_value(rule.id in active)}  # with --select/--ignore applied"]
        lines.append(f"severity = {toml_value(settings.get('severity', rule.severity.value))}")
        lines += [f"{name} = {toml_value(value)}" for name, value in sorted(rule_options(rule, config).items())]
    return "\n".join(lines) + "\n"
