"""Strict checks of what names rules: ``--select``/``--ignore`` selectors and the config's ``[rules]``.

A typo must never switch the gate off in silence: an unknown rule id, name, group or option, or an
option of the wrong type, is a usage or config error (exit 2) with a "did you mean".
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from portlint.config import Config, ConfigError
from portlint.options import did_you_mean
from portlint.registry import Rule

RULE_KEYS = ("enabled", "severity")  # what every rule takes besides its own options


class SelectorError(Exception):
    """An unknown rule selector on the command line (exit 2)."""


def groups(rules: Iterable[Rule]) -> set[str]:
    """Group names the loaded rules declare (``GROUP`` in a rule module), read without assuming the field."""
    out: set[str] = set()
    for rule in rules:
        for attr in ("group", "groups"):
            value = getattr(rule, attr, None)
            if isinstance(value, str) and value:
                out.add(value)
            elif isinstance(value, (tuple, list, set, frozenset)):
                out.update(v for v in value if isinstance(v, str))
    return out


def selector_names(rules: list[Rule]) -> list[str]:
    """Everything a selector may name: ids, names, groups and ALL."""
    return ["ALL", *(r.id for r in rules), *(r.name for r in rules), *sorted(groups(rules))]


def known_selector(selector: str, rules: list[Rule]) -> bool:
    """An id, a name, an id prefix that matches a rule, a group, or ALL."""
    return selector.upper() == "ALL" or selector in groups(rules) or any(r.matches(selector) for r in rules)


def check_selectors(selectors: Iterable[str], rules: list[Rule], flag: str) -> None:
    """Raise :class:`SelectorError` for the first selector that names nothing."""
    for selector in selectors:
        if not known_selector(selector, rules):
            raise SelectorError(f"{flag} {selector}: no rule, rule name or group is called that"
                                f"{did_you_mean(selector, selector_names(rules))} (see 'portlint rules')")


def check_config_selectors(config: Config, rules: list[Rule]) -> None:
    """The config's ``select``/``extend-select`` name rules or groups, like the command line's."""
    prefix = "tool.portlint." if config.source and config.source.endswith("pyproject.toml") else ""
    for key, selectors in (("select", config.select), ("extend-select", config.extend_select)):
        try:
            check_selectors(selectors, rules, key)
        except SelectorError as exc:
            raise ConfigError(f"{config.source}: {prefix}{exc}") from None


def check_rule_settings(config: Config, rules: list[Rule]) -> None:
    """Every ``[rules.X]`` names a loaded rule, and every option it sets exists with the right type."""
    by_key = {r.id: r for r in rules} | {r.name: r for r in rules}
    prefix = "tool.portlint." if config.source and config.source.endswith("pyproject.toml") else ""
    for key in sorted(config.rule_settings):
        settings = config.rule_settings[key]
        where = f"{config.source}: {prefix}rules.{key}"
        rule = by_key.get(key)
        if rule is None:
            raise ConfigError(f"{where}: no rule has this id or name"
                              f"{did_you_mean(key, [*by_key, *by_key])} (see 'portlint rules')")
        for option in sorted(settings):
            if option in RULE_KEYS:
                continue
            declared = rule.options.get(option)
            if declared is None:
                known = [*RULE_KEYS, *rule.options]
                raise ConfigError(f"{where}.{option}: {rule.id} has no option {option!r}"
                                  f"{did_you_mean(option, known)} (options: {', '.join(sorted(known))})")
            problem = declared.check(settings[option])
            if problem:
                raise ConfigError(f"{where}.{option}: {problem}")


def rule_options(rule: Rule, config: Config) -> dict[str, Any]:
    """The option values a rule runs with: its defaults, then the config's (id wins over name)."""
    settings = config.rule_setting(rule.id, rule.name)
    return {**rule.defaults(), **{k: v for k, v in settings.items() if k not in RULE_KEYS}}
