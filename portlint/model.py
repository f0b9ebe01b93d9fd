"""The vocabulary every part of portlint shares: locations, port values, facts, entities, findings.

Readers produce entities and facts; the graph links entities; rules read the graph and
yield problems; the engine turns problems into findings. Nothing in this module knows a
file format or a rule.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class Role(str, Enum):
    """What a port written somewhere means."""

    LISTEN = "listen"  # the app / container listens on it (containerPort, uvicorn.run(port=))
    EXPOSE = "expose"  # a service or load balancer exposes it (Service.port, listener port)
    TARGET = "target"  # it points at another port (targetPort, backend port, target group, proxy)
    PROBE = "probe"  # a health check connects to it
    ALLOW = "allow"  # a firewall rule allows it
    PUBLISH = "publish"  # a host or node publishes it (nodePort, compose host side)
    CONFIG = "config"  # configuration sets it (YAML config, env var, parameter store)
    DEFAULT = "default"  # code falls back to it


ROLE_NAMES = tuple(role.value for role in Role)


class Severity(str, Enum):
    """Finding severities, ordered; names follow SARIF levels."""

    NOTE = "note"
    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        return {"note": 0, "warning": 1, "error": 2}[self.value]


@dataclass(frozen=True, order=True)
class Location:
    """An exact place in a scanned file: path relative to the scan root, 1-based line and column.

    Columns count characters, not bytes.
    """

    path: str
    line: int = 1
    column: int = 1

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"

    @property
    def short(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True)
class PortValue:
    """A port as written: a number, a name (``http``) or an expression that could not be resolved.

    ``text`` is always the source text. ``number`` is set when the text is an integer literal
    (whatever its range: range checks are a rule's business). ``name`` is set for IANA-style port
    names. ``unresolved`` marks template/variable expressions. ``defined_at`` lists the places a
    resolved value came from (a Helm values.yaml line, a Terraform variable default), nearest first.
    ``span`` is set for a port range (``8000-8005``): one value, one interval, never expanded into
    single ports; ``number`` is then ``None``. Rules ask :meth:`bounds` and :meth:`overlaps`.
    """

    text: str
    number: int | None = None
    name: str | None = None
    unresolved: bool = False
    defined_at: tuple[Location, ...] = ()
    span: tuple[int, int] | None = None

    @classmethod
    def interval(cls, low: int, high: int, text: str | None = None,
                 defined_at: tuple[Location, ...] = ()) -> PortValue:
        """A range of ports as one value; a range of one port is that number."""
        if low == high:
            return cls(text=str(low), number=low, defined_at=defined_at)
        return cls(text=text or f"{low}-{high}", span=(low, high), defined_at=defined_at)

    @property
    def bounds(self) -> tuple[int, int] | None:
        """``(low, high)`` of a number or a range; ``None`` for names and expressions."""
        if self.span is not None:
            return self.span
        return (self.number, self.number) if self.number is not None else None

    def overlaps(self, other: PortValue) -> bool:
        """Do the two values share a port (numbers and ranges)?"""
        a, b = self.bounds, other.bounds
        return a is not None and b is not None and a[0] <= b[1] and b[0] <= a[1]

    def covers(self, port: int) -> bool:
        bounds = self.bounds
        return bounds is not None and bounds[0] <= port <= bounds[1]

    @classmethod
    def parse(cls, raw: Any, defined_at: tuple[Location, ...] = ()) -> PortValue:
        """Classify a raw scalar: int → number, digit string → number, identifier → name."""
        if isinstance(raw, bool):
            return cls(text=str(raw).lower(), defined_at=defined_at)
        if isinstance(raw, int):
            return cls(text=str(raw), number=raw, defined_at=defined_at)
        text = str(raw).strip()
        if text.isascii() and text.isdigit() and len(text) <= 12:  # 5,000 digits is text, not a number
            return cls(text=text, number=int(text), defined_at=defined_at)
        if is_placeholder(text):  # `<service-port>`, `${PORT:-80}`, `{{ port }}`: a value still to fill in
            return cls(text=text, unresolved=True, defined_at=defined_at)
        if _is_port_name(text):
            return cls(text=text, name=text, defined_at=defined_at)
        return cls(text=text, defined_at=defined_at)

    @classmethod
    def parse_setting(cls, raw: Any, defined_at: tuple[Location, ...] = ()) -> PortValue | None:
        """A port setting's value (an environment variable, a config key): :meth:`parse`, except
        that an empty value is unset (``None``: no port stated) and a listen address ``:80``,
        ``0.0.0.0:80`` or ``[::]:80`` is its port (Go's ``net.Listen`` form)."""
        text = "" if raw is None else str(raw).strip()
        if not text:
            return None
        address = _LISTEN_ADDRESS.fullmatch(text) if ":" in text else None
        if address and not address.group(1).isdigit():  # `12:34` is no address
            return cls(text=address.group(2), number=int(address.group(2)), defined_at=defined_at)
        return cls.parse(raw, defined_at)

    @classmethod
    def unresolved_expr(cls, text: str) -> PortValue:
        return cls(text=text, unresolved=True)

    @property
    def is_number(self) -> bool:
        return self.number is not None

    @property
    def is_name(self) -> bool:
        return self.name is not None

    def __str__(self) -> str:
        return self.text


_PLACEHOLDER = re.compile(
    r"<[A-Za-z][A-Za-z0-9 _.-]{0,62}>"  # documentation placeholders: `<service-port>`
    r"|[A-Z][A-Z0-9]*_[A-Z0-9_]*|[A-Z0-9_]*PORT"  # ALL-CAPS placeholders a script replaces: `SERVICE_PORT`, `PORT`
)
# another tool's template marker inside a value: `${PORT:-80}`/`$PORT` (envsubst, shell), `{{ .port }}`
# (Go, Jinja, cookiecutter), `{PORT}` (sed, format strings)
_TEMPLATE_MARKER = re.compile(r"\$\{|\$[A-Za-z_]|\{\{|\{%|\{[A-Za-z_][A-Za-z0-9_.]*\}")
# a listen address in a port setting: `:80`, `0.0.0.0:80`, `[::]:80`, `localhost:80`
_LISTEN_ADDRESS = re.compile(r"(\[[0-9A-Fa-f:.]*\]|[A-Za-z0-9_.-]*):([0-9]{1,6})")


def is_placeholder(text: str) -> bool:
    """Is ``text`` a value still to be filled in by a person or another tool (unknown, never invalid)?"""
    return bool(_PLACEHOLDER.fullmatch(text) or _TEMPLATE_MARKER.search(text))


def _is_port_name(text: str) -> bool:
    """Kubernetes IANA_SVC_NAME: 1-15 chars, lowercase alnum and '-', at least one letter."""
    if not 1 <= len(text) <= 15 or not text.isascii():
        return False
    if text.startswith("-") or text.endswith("-") or "--" in text:
        return False
    return all(c.islower() or c.isdigit() or c == "-" for c in text) and any(
        c.isalpha() for c in text
    )


class _kept:
    """A computed attribute kept in the instance's dict once asked: later reads are plain
    attribute reads (functools' cached_property without its lock, which costs more than the
    value on a first read; frozen dataclasses allow it: the dict is written directly)."""

    def __init__(self, func: Callable[[Any], Any]) -> None:
        self.func = func
        self.name = func.__name__
        self.__doc__ = func.__doc__

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is None:
            return self
        value = instance.__dict__[self.name] = self.func(instance)
        return value


@dataclass(frozen=True, order=True)
class EntityRef:
    """Identity of something that owns ports: a Service, a Deployment's container, a target group.

    ``kind`` is namespaced by stack, e.g. ``k8s/Service``, ``k8s/Container``, ``tf/aws_lb_target_group``,
    ``app/service``. ``parent`` holds the owning entity's ref id for nested entities (a container
    inside a Deployment).
    """

    kind: str
    name: str
    namespace: str = ""
    parent: str = ""

    @_kept  # linkers and rules ask tens of thousands of times
    def id(self) -> str:
        scope = f"{self.namespace}/" if self.namespace else ""
        inner = f"{self.parent}::" if self.parent else ""
        return f"{inner}{self.kind}:{scope}{self.name}"

    @property
    def label(self) -> str:
        """Short human name: ``Service/fastapi-service`` or ``container fastapi``."""
        short_kind = self.kind.split("/", 1)[-1]
        ns = f" (ns {self.namespace})" if self.namespace else ""
        return f"{short_kind} {self.name}{ns}"


@dataclass
class Entity:
    """Something that owns ports. ``attrs`` holds stack-specific data readers agreed to document."""

    ref: EntityRef
    location: Location
    environment: str | None = None
    labels: dict[str, str] = field(default_factory=dict)
    attrs: dict[str, Any] = field(default_factory=dict)

    @_kept  # an entity's ref never changes
    def id(self) -> str:
        return self.ref.id


@dataclass
class PortFact:
    """One port written down somewhere, with what it means and exactly where it is.

    ``slot`` groups facts written together (one entry of a Service's ``ports`` list is one slot:
    its port, targetPort and nodePort share it). ``attrs`` carries documented extras such as
    ``port_name`` (the name given to this port), ``field`` (the key it was written under) and
    ``implicit`` (the value was not written but follows from the format's defaults).
    """

    value: PortValue
    role: Role
    owner: EntityRef
    location: Location
    protocol: str = "TCP"
    environment: str | None = None
    slot: str = ""
    attrs: dict[str, Any] = field(default_factory=dict)

    @property
    def port_name(self) -> str | None:
        return self.attrs.get("port_name")

    @property
    def field(self) -> str:
        return self.attrs.get("field", self.role.value)

    def describe(self) -> str:
        """``containerPort 8000 at deploy/app.yaml:12``."""
        return f"{self.field} {self.value.text} at {self.location.short}"


@dataclass
class Setting:
    """A non-port setting that port policy validates (``workers``, ``host``, ``debug``, ``executor``).

    ``key`` is the dotted config key (``fastapi.workers``); ``value`` the raw text as written.
    ``attrs`` follows the same conventions as :class:`PortFact` (``layer``, ``env_var``, ...).
    """

    key: str
    value: str
    owner: EntityRef
    location: Location
    environment: str | None = None
    attrs: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Link:
    """A relation the graph established between two entities, and why."""

    source: str
    target: str
    kind: str  # selects, contains, routes-to, forwards-to, serves, allows, ...
    reason: str
    locations: tuple[Location, ...] = ()
    attrs: tuple[tuple[str, Any], ...] = ()

    def attr(self, key: str, default: Any = None) -> Any:
        return dict(self.attrs).get(key, default)


@dataclass(frozen=True)
class ParseFailure:
    """A file (or a part of one) that could not be read."""

    location: Location
    message: str
    reader: str
    severity: Severity = Severity.ERROR  # skipped-but-harmless inputs (oversized) are notes
    related: tuple[Related, ...] = ()  # what else the same cause explains (one cause, one finding)


@dataclass(frozen=True)
class Related:
    """The other side of a finding: where it is and what is there."""

    location: Location
    message: str


@dataclass(frozen=True)
class FixIntent:
    """A repair a rule proposes, free of file formats: the value written at ``location`` (a fact's
    exact place) is ``old`` and should be ``new``. ``new`` is ``None`` when the rule cannot tell
    which side is wrong; ``reason`` says why it is (or is not) fixed. ``portlint.fix`` applies it."""

    location: Location
    old: str
    new: str | None
    reason: str


@dataclass(frozen=True)
class Problem:
    """What a rule yields: a location, a message, the other sides, and what to change."""

    location: Location
    message: str
    related: tuple[Related, ...] = ()
    fix: str = ""
    severity: Severity | None = None  # overrides the rule default when set
    # stable words that identify this problem independently of line numbers (for baselines)
    key: str = ""
    explain: tuple[str, ...] = ()  # the links and facts the finding rests on
    fix_intent: FixIntent | None = None  # what `portlint fix` may change (see FixIntent)


@dataclass(frozen=True)
class Finding:
    """A problem after the engine has attached its rule, severity and documentation."""

    rule_id: str
    rule_name: str
    severity: Severity
    location: Location
    message: str
    related: tuple[Related, ...] = ()
    fix: str = ""
    key: str = ""
    explain: tuple[str, ...] = ()
    fix_intent: FixIntent | None = None

    def sort_key(self) -> tuple:
        """A total order: two findings at one place with one message still sort the same way every run."""
        related = tuple((r.location, r.message) for r in self.related)
        return (self.location.path, self.location.line, self.location.column, self.rule_id, self.message,
                related, self.explain, self.fix, self.key)
