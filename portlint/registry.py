"""Load rules: the built-in ``rules/`` folder and any user rule folder, the same way.

A rule is a module with ``ID``, ``NAME``, ``SEVERITY``, ``SUMMARY``, a docstring in the sections
``## What it does`` / ``## Why is this bad`` / ``## Example`` / ``## Use instead``, optional
``OPTIONS`` (name → :class:`~portlint.options.Option`, typed; a plain default is read as its own
type), an optional ``GROUP`` (``consistency``, the default, or ``hygiene``), optional ``HELP_URI``
and ``check(ctx) -> Iterable[Problem]``.

Groups, ruff-style: ``consistency`` rules report facts that do not line up (a targetPort that no
container declares) and run by default; ``hygiene`` rules report a fact that is true but risky by
some policy (a database published on all interfaces) and run only when selected.
"""

from __future__ import annotations

import importlib.util
import inspect
import os
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from portlint.model import Problem, Severity
from portlint.options import Option, as_option

REQUIRED_SECTIONS = ("What it does", "Why is this bad", "Example", "Use instead")
# rule groups, in the order they are documented; the first is the default selection
GROUPS = ("consistency", "hygiene")
DEFAULT_GROUP = GROUPS[0]


class RuleLoadError(Exception):
    """A rule module that cannot be used (exit 2)."""


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    severity: Severity
    summary: str
    doc: str
    options: dict[str, Option]
    check: Callable[..., Iterable[Problem]]
    source: Path
    builtin: bool = True
    tags: tuple[str, ...] = field(default=())
    engine: bool = False  # findings produced by the engine itself (suppression checks)
    group: str = DEFAULT_GROUP  # "consistency" (on by default) or "hygiene" (opt-in)
    # rules whose finding at the same place is the root cause: this rule's finding there is folded
    # into it (one root cause, one finding)
    folds_into: tuple[str, ...] = ()
    help_uri: str | None = None  # a page that exists (a user rule's HELP_URI); built-in rules embed their help
    fix: str = ""  # when `portlint fix` repairs a finding of this rule (the module's FIX); "" when never

    def defaults(self) -> dict[str, Any]:
        """Each option's default value."""
        return {name: option.default for name, option in self.options.items()}

    def sections(self) -> dict[str, str]:
        """The docstring split by its ``## `` headings."""
        out: dict[str, str] = {}
        current = None
        lines: list[str] = []
        for line in self.doc.splitlines():
            if line.startswith("## "):
                if current is not None:
                    out[current] = "\n".join(lines).strip()
                current, lines = line[3:].strip(), []
            elif current is not None:
                lines.append(line)
        if current is not None:
            out[current] = "\n".join(lines).strip()
        return out

    def matches(self, selector: str) -> bool:
        """``PL101``, ``service-target-port-mismatch``, a prefix like ``PL1``, a group
        (``consistency``, ``hygiene``) or ``ALL``."""
        s = selector.strip()
        return (s.upper() == "ALL" or s == self.name or s.lower() == self.group
                or self.id.upper().startswith(s.upper()))


def builtin_rules_dir() -> Path:
    """The built-in rules: ``portlint/_rules`` in a wheel, the repo's ``rules/`` in a checkout."""
    spec = importlib.util.find_spec("portlint._rules")
    if spec is not None and spec.submodule_search_locations:
        for location in spec.submodule_search_locations:
            if Path(location).is_dir():
                return Path(location)
    return Path(__file__).resolve().parent.parent / "rules"


def load_rules(extra_dirs: Iterable[Path] = (), cache: Any = None) -> list[Rule]:
    """Built-in rules, then every extra folder's rules; ids must be unique. Sorted by id.

    The built-in rules are described from what ``cache`` (a :class:`portlint.cache.ReadCache`)
    or, without one, portlint's ``__pycache__`` (:mod:`portlint._rule_index`) kept for the same
    code, and each rule module is imported only when its ``check`` is first called (a warm run
    calls none) or :func:`prefetch` asks. User rules are always imported."""
    rules: dict[str, Rule] = {}
    for directory, builtin in [(builtin_rules_dir(), True), *((Path(d), False) for d in extra_dirs)]:
        if not directory.is_dir():
            raise RuleLoadError(f"{directory}: rules directory not found")
        for rule in _folder_rules(directory, builtin, (_PackageIndex() if cache is None else cache) if builtin else None):
            if rule.id in rules:
                raise RuleLoadError(f"{rule.source}: rule id {rule.id} already defined in {rules[rule.id].source}")
            rules[rule.id] = rule
    return [rules[k] for k in sorted(rules)]


_DESCRIBED = ("id", "name", "severity", "summary", "doc", "options", "builtin", "tags", "engine", "group",
              "folds_into", "help_uri", "fix")


def _folder_rules(directory: Path, builtin: bool, cache: Any) -> list[Rule]:
    # the names ``directory.glob("*.py")`` gives, in the order of their paths, without making a
    # Path of each (``_`` modules are helpers, not rules)
    names = sorted(name for name in os.listdir(directory) if name.endswith(".py") and not name.startswith("_"))
    if cache is None:
        return [_load_rule(directory / name, builtin) for name in names]
    key, index = cache.rule_index(directory)
    if isinstance(index, list) and [name for name, _ in index] == names:
        try:
            return [Rule(**described, source=path, check=_LazyCheck(path, _module_name(path, builtin)))
                    for path, described in ((directory / name, described) for name, described in index)]
        except TypeError:  # described by another build
            pass
    rules = [_load_rule(directory / name, builtin) for name in names]
    cache.keep_rule_index(directory, key,
                          [(r.source.name, {name: getattr(r, name) for name in _DESCRIBED}) for r in rules])
    return rules


def prefetch(rules: Iterable[Rule]) -> None:
    """Import the modules of ``rules`` that are not imported yet (their checks are about to run):
    ahead of time, while other processes read. A module that fails to import is left to its check
    to report."""
    for rule in rules:
        load = getattr(rule.check, "load", None)
        if load is not None:
            try:
                load()
            except Exception:
                pass


class _PackageIndex:
    """The built-in rules' descriptions kept beside portlint's bytecode (:mod:`portlint._rule_index`),
    for a run without a read cache."""

    def rule_index(self, folder: Path) -> tuple[str, Any | None]:
        from portlint import _rule_index

        key = _rule_index.key(folder)
        return key, _rule_index.load(key)

    def keep_rule_index(self, folder: Path, key: str, index: Any) -> None:
        from portlint import _rule_index

        _rule_index.keep(key, index)


class _LazyCheck:
    """A rule's ``check``, its module imported on the first call."""

    __slots__ = ("path", "module_name", "_check")

    def __init__(self, path: Path, module_name: str) -> None:
        self.path = path
        self.module_name = module_name
        self._check: Callable[..., Iterable[Problem]] | None = None

    def __call__(self, ctx: Any) -> Iterable[Problem]:
        return self.load()(ctx)

    def load(self) -> Callable[..., Iterable[Problem]]:
        """The rule's check, its module imported now if it was not yet."""
        if self._check is None:
            self._check = _module(self.path, self.module_name).check
        return self._check


def _module_name(path: Path, builtin: bool) -> str:
    return f"portlint_rule_{'builtin' if builtin else 'user'}_{path.stem}"


def _module(path: Path, module_name: str) -> ModuleType:
    module = sys.modules.get(module_name)
    if module is None or getattr(module, "__file__", None) != str(path):
        module = _import(path, module_name)
    return module


def _load_rule(path: Path, builtin: bool) -> Rule:
    module = _module(path, _module_name(path, builtin))
    missing = [a for a in ("ID", "NAME", "SEVERITY", "SUMMARY", "check") if not hasattr(module, a)]
    if missing:
        raise RuleLoadError(f"{path}: a rule module must define {', '.join(missing)}")
    try:
        severity = Severity(module.SEVERITY)
    except ValueError:
        raise RuleLoadError(f"{path}: SEVERITY must be error, warning or note") from None
    group = getattr(module, "GROUP", DEFAULT_GROUP)
    if group not in GROUPS:
        raise RuleLoadError(f"{path}: GROUP must be one of {', '.join(GROUPS)}, not {group!r}")
    help_uri = getattr(module, "HELP_URI", None)
    return Rule(
        id=str(module.ID), name=str(module.NAME), severity=severity, summary=str(module.SUMMARY),
        doc=inspect.cleandoc(module.__doc__ or ""), options=_options(module, path),
        check=module.check, source=path, builtin=builtin, tags=tuple(getattr(module, "TAGS", ())),
        engine=bool(getattr(module, "ENGINE", False)), group=group,
        folds_into=tuple(str(r) for r in getattr(module, "FOLDS_INTO", ())),
        help_uri=str(help_uri) if help_uri else None, fix=str(getattr(module, "FIX", "") or ""),
    )


def _options(module: ModuleType, path: Path) -> dict[str, Option]:
    """The module's OPTIONS as typed options; a default that does not fit its own type is an error."""
    declared = getattr(module, "OPTIONS", {})
    if not isinstance(declared, dict):
        raise RuleLoadError(f"{path}: OPTIONS must be a dict of option name to Option")
    options: dict[str, Option] = {}
    for name, value in declared.items():
        option = as_option(value)
        problem = option.check(option.default)
        if problem:
            raise RuleLoadError(f"{path}: OPTIONS[{name!r}]: the default {problem}")
        options[str(name)] = option
    return options


def _import(path: Path, module_name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise RuleLoadError(f"{path}: cannot be loaded as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # a user's rule file with an error is a usage error, not a crash
        sys.modules.pop(module_name, None)
        raise RuleLoadError(f"{path}: failed to load: {type(exc).__name__}: {exc}") from None
    return module
