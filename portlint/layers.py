"""Effective configuration values: which layer wins for each (service, key, environment).

A pure function of the graph. Every fact or setting whose reader gave it a ``layer`` (the
readers of app config, Parameter Store, env files, and the code readers' ``layer: code``
defaults) and a key (``config_key``, or an ``env_var`` that names one) is a
:class:`Contribution`. For each environment the contributions that apply to it (their own
environment, or none = every environment) are ordered by ``config.precedence`` (highest first);
inside a layer an environment's own value comes before a shared one (``dev.yaml`` before
``base.yaml``, ``.env.dev`` before ``.env``), a known value before an unresolved one (the code's
``cfg.get('port', 8000)`` call is read as its default 8000), real files before templates
(``.env.example``).
The first is the winner. Documented values (a runbook's ``aws ssm put-parameter``) are listed
but never win: a doc describes a change, it does not apply one. An unresolved winner means the
effective value is unknown, and rules say nothing about it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any, TypeVar

from portlint.config import Config
from portlint.graph import PortGraph, service_of
from portlint.links.services import qualify
from portlint.model import Location, PortFact, Setting
from portlint.readers._config_keys import LOCAL_ENVIRONMENT, key_for_env_var

T = TypeVar("T")

# A repository that names no environment has one, which messages do not name.
ANY_ENVIRONMENT = "(any)"


@dataclass(frozen=True)
class Contribution:
    """One layer's value for one key, where it is written, and for which environment."""

    service: str
    key: str  # the key inside the service: port, webserver_port, workers
    layer: str
    text: str
    number: int | None
    unresolved: bool
    location: Location
    environment: str | None  # None: every environment
    is_port: bool
    env_var: str | None = None
    documented: bool = False
    example: bool = False
    env_conditional: bool = False
    owner: str = ""
    client_of: str = ""  # a port the app connects to on this host or peer (attr `client_of`), not one it binds

    @property
    def config_key(self) -> str:
        return f"{self.service}.{self.key}"

    def applies_to(self, environment: str) -> bool:
        return self.environment is None or self.environment == environment

    def describe(self) -> str:
        """``yaml '8' at config/prod.yaml:5``."""
        return f"{self.layer} {self.text!r} at {self.location.short}"


@dataclass(frozen=True)
class Effective:
    """The value of one key of one service in one environment, and every layer's contribution."""

    service: str
    key: str
    environment: str
    is_port: bool
    contributions: tuple[Contribution, ...]  # precedence order: the winner (if any) first
    winner: Contribution | None

    @property
    def config_key(self) -> str:
        return f"{self.service}.{self.key}"

    @property
    def known(self) -> bool:
        """A winner whose value is known (not an unresolved expression)."""
        return self.winner is not None and not self.winner.unresolved

    def layer_values(self) -> list[Contribution]:
        """Each layer's own value in this environment (its first contribution), highest layer first."""
        seen: set[str] = set()
        out = []
        for contribution in self.contributions:
            if contribution.documented or contribution.layer in seen:
                continue
            seen.add(contribution.layer)
            out.append(contribution)
        return out

    def overridden(self) -> list[Contribution]:
        """Lower layers' own values that lose to the winner."""
        if self.winner is None:
            return []
        return [c for c in self.layer_values() if c.layer != self.winner.layer and not c.unresolved]


def same_value(a: Contribution, b: Contribution) -> bool:
    """``8000`` and ``"8000"`` are the same port; settings compare as text (``True`` = ``true``)."""
    if a.number is not None and b.number is not None:
        return a.number == b.number
    return a.text.strip().lower() == b.text.strip().lower()


def contributions(graph: PortGraph) -> list[Contribution]:
    """Every layered value in the graph, one per written location (highest layer kept), sorted."""
    return _computed(graph)[0]


def environments(graph: PortGraph) -> list[str]:
    """Environments with values of their own (config files, env files, paths); else the configured ones."""
    return _computed(graph)[1]


def effective_values(graph: PortGraph) -> list[Effective]:
    """The effective value of every (service, key, environment), sorted by service, key, environment."""
    return _computed(graph)[2]


def effective_by_key(graph: PortGraph) -> dict[tuple[str, str], dict[str, Effective]]:
    """:func:`by_key` of :func:`effective_values`, computed once per graph state (do not change it)."""
    return graph.memo("layers:effective-by-key", lambda: by_key(effective_values(graph)))


def by_key(values: list[Effective]) -> dict[tuple[str, str], dict[str, Effective]]:
    """(service, key) → environment → effective value, in the order given."""
    out: dict[tuple[str, str], dict[str, Effective]] = {}
    for value in values:
        out.setdefault((value.service, value.key), {})[value.environment] = value
    return out


def port_key_of(graph: PortGraph, fact: PortFact) -> tuple[str, str | None] | None:
    """(service, key) a port fact is for: its config key, its env var, else its owner's service (key None).

    A ``foreign`` fact (a proxy target) is another service's port: it belongs to no key of its owner.
    """
    if fact.attrs.get("foreign"):
        return None
    named = _named_key(graph, fact.owner.id, fact.attrs)
    if named is not None:
        return named
    if fact.attrs.get("config_key") or fact.attrs.get("env_var"):
        return None
    service = owner_service(graph, fact.owner.id)
    return (service, None) if service else None


def owner_service(graph: PortGraph, owner_id: str) -> str | None:
    """The logical service of an entity, or of the entity it is declared in."""
    known: dict[str, str | None] = graph.memo("layers:owner-service", dict)  # one answer per graph state
    try:
        return known[owner_id]
    except KeyError:
        pass
    service = service_of(graph, owner_id)
    if service is None:
        entity = graph.entity(owner_id)
        parent = graph.parent(entity) if entity is not None else None
        service = service_of(graph, parent.id) if parent is not None else None
    name = known[owner_id] = service.ref.name if service is not None else None
    return name


# -- computation ----------------------------------------------------------------------------------


def _computed(graph: PortGraph) -> tuple[list[Contribution], list[str], list[Effective]]:
    return graph.memo("layers:computed", lambda: _compute(graph))


def _compute(graph: PortGraph) -> tuple[list[Contribution], list[str], list[Effective]]:
    found = _collect(graph)
    envs = _environments(found, graph.config)
    return found, envs, _effective(found, envs, graph.config)


def _collect(graph: PortGraph) -> list[Contribution]:
    order = {layer: i for i, layer in enumerate(graph.config.precedence)}
    lowest = len(order)
    # one written value is one contribution: two readers of the same spot keep the higher layer
    best: dict[tuple[str, int, int, str, str], Contribution] = {}
    found = [_from_fact(graph, fact) for fact in graph.facts() if isinstance(fact.attrs.get("layer"), str)]
    found += [_from_setting(graph, setting) for setting in graph.settings()
              if isinstance(setting.attrs.get("layer"), str)]
    for contribution in found:
        if contribution is None:
            continue
        location = contribution.location  # hashed as its fields: a Location hashes through Python code
        slot = (location.path, location.line, location.column, contribution.environment or "",
                f"{contribution.service}.{contribution.key}")
        current = best.get(slot)
        if current is None or order.get(contribution.layer, lowest) < order.get(current.layer, lowest):
            best[slot] = contribution
    return sorted(best.values(), key=lambda c: (c.service, c.key, c.location.path, c.location.line,
                                                c.location.column, c.environment or ""))


def _from_fact(graph: PortGraph, fact: PortFact) -> Contribution | None:
    layer = fact.attrs.get("layer")
    if not isinstance(layer, str):
        return None
    key = _named_key(graph, fact.owner.id, fact.attrs)
    if key is None or key[1] is None:
        return None
    return _built(Contribution, dict(
        service=key[0], key=key[1], layer=layer, text=fact.value.text, number=fact.value.number,
        unresolved=fact.value.unresolved, location=fact.location, environment=fact.environment, is_port=True,
        env_var=fact.attrs.get("env_var"), documented=bool(fact.attrs.get("documented")),
        example=bool(fact.attrs.get("example")), env_conditional=bool(fact.attrs.get("env_conditional")),
        owner=fact.owner.id, client_of=str(fact.attrs.get("client_of") or "")))


def _from_setting(graph: PortGraph, setting: Setting) -> Contribution | None:
    layer = setting.attrs.get("layer")
    if not isinstance(layer, str):
        return None
    key = _named_key(graph, setting.owner.id, setting.attrs, setting.key)
    if key is None or key[1] is None:
        return None
    text = setting.value
    return _built(Contribution, dict(
        service=key[0], key=key[1], layer=layer, text=text,
        number=int(text) if text.isascii() and text.isdigit() else None,
        unresolved=bool(setting.attrs.get("unresolved")), location=setting.location,
        environment=setting.environment, is_port=False, env_var=setting.attrs.get("env_var"),
        documented=bool(setting.attrs.get("documented")), example=bool(setting.attrs.get("example")),
        env_conditional=bool(setting.attrs.get("env_conditional")), owner=setting.owner.id, client_of=""))


def _built(cls: type[T], values: dict[str, Any]) -> T:
    """``cls(**values)`` for a frozen dataclass given every field: the generated ``__init__`` sets
    each field through ``object.__setattr__``, which costs more than the rest of the layer
    computation when done for thousands of values; this fills the instance's dict at once."""
    built = object.__new__(cls)
    built.__dict__.update(values)
    return built


def _named_key(graph: PortGraph, owner_id: str, attrs: dict,
               config_key: str | None = None) -> tuple[str, str | None] | None:
    """(service, key) named by a config key (``config_key``, else the attrs') or env var, the
    service as its app knows it (:func:`portlint.links.services.qualify`: two separate apps'
    ``web`` are two services)."""
    named = _key_by_name(graph, owner_id, attrs, config_key)
    if named is None or owner_service(graph, owner_id) == named[0]:
        return named
    qualified = qualify(graph, named[0], graph.entity(owner_id))
    return (qualified or named[0], named[1])


def _key_by_name(graph: PortGraph, owner_id: str, attrs: dict,
                 config_key: str | None = None) -> tuple[str, str | None] | None:
    config = graph.config
    if config_key is None:
        config_key = attrs.get("config_key")
    if isinstance(config_key, str) and config_key:
        if "." not in config_key:
            service = owner_service(graph, owner_id)
            return (service, config_key) if service else None
        named = graph.memo("layers:dotted-keys", dict)  # one answer per key and graph state
        try:
            return named[config_key]
        except KeyError:
            pass
        service, rest = config_key.split(".", 1)
        policy = config.service_for_name(service)
        answer = named[config_key] = ((policy.name if policy else service), rest)
        return answer
    env_var = attrs.get("env_var")
    if isinstance(env_var, str) and env_var:
        named = key_for_env_var(env_var, config)
        if named is not None:
            return named
        if env_var.upper() == "PORT":
            service = owner_service(graph, owner_id)
            return (service, "port") if service else None
    return None


def _environments(found: list[Contribution], config: Config) -> list[str]:
    """The environments the repository names (paths, env files, values files); none named: one
    implicit environment, :data:`ANY_ENVIRONMENT`, that messages do not name."""
    named = {c.environment for c in found if c.environment and not c.env_conditional and not c.documented}
    if not named:
        return [ANY_ENVIRONMENT]
    known = [e for e in config.environments if e in named]
    return known + sorted(named - set(known))


def env_phrase(names: list[str] | tuple[str, ...], prefix: str = " in ") -> str:
    """`` in dev, prod`` for named environments; nothing for the implicit one."""
    shown = [n for n in names if n != ANY_ENVIRONMENT]
    return f"{prefix}{', '.join(shown)}" if shown else ""


def deployed(names: list[str]) -> list[str]:
    """Environments a deployment runs in: not a developer's machine (:data:`LOCAL_ENVIRONMENT`)."""
    return [n for n in names if n != LOCAL_ENVIRONMENT]


def _effective(found: list[Contribution], envs: list[str], config: Config) -> list[Effective]:
    order = {layer: i for i, layer in enumerate(config.precedence)}
    lowest = len(order)

    def precedence(c: Contribution) -> tuple:  # a Location orders as its (path, line, column)
        return (order.get(c.layer, lowest), c.documented, c.environment is None, c.unresolved, c.example,
                c.location.path, c.location.line, c.location.column)

    groups: dict[tuple[str, str], list[Contribution]] = defaultdict(list)
    for contribution in found:
        groups[(contribution.service, contribution.key)].append(contribution)
    out = []
    for (service, key) in sorted(groups):
        # sorted once: each environment's share of a sorted group is in order (the sort is stable)
        group = sorted(groups[(service, key)], key=precedence)
        is_port = any(c.is_port for c in group)
        for env in envs:
            applicable = tuple([c for c in group if c.environment is None or c.environment == env])
            if not applicable:
                continue
            winner = None
            for c in applicable:
                if not c.documented:
                    winner = c
                    break
            out.append(_built(Effective, dict(service=service, key=key, environment=env, is_port=is_port,
                                              contributions=applicable, winner=winner)))
    return out


def explain(graph: PortGraph, contribution: Contribution) -> list[str]:
    """The graph links a finding about ``contribution`` rests on, for ``--explain``."""
    from portlint.graph import explain_link

    lines = [explain_link(link) for link in graph.incoming(contribution.owner, "member")]
    lines.append(f"{contribution.config_key}: {contribution.describe()} "
                 f"(layer {contribution.layer}, {contribution.environment or 'every environment'})")
    return lines


def precedence_line(config: Config) -> str:
    return "precedence (highest first): " + " > ".join(config.precedence)
