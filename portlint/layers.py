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

from dataclasses import dataclass
from operator import attrgetter, itemgetter
from typing import Any

from portlint.config import Config
from portlint.graph import PortGraph, service_of
from portlint.links.services import qualify
from portlint.model import Location, PortFact
from portlint.readers._config_keys import LOCAL_ENVIRONMENT, key_for_env_var


_UNKNOWN = object()  # not asked yet (None is an answer: no service)

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
    return _computed(graph)[3]  # by_key(effective_values(graph)), built with them


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
    name = known.get(owner_id, _UNKNOWN)  # most owners are asked once: no KeyError raised for each
    if name is not _UNKNOWN:
        return name  # type: ignore[return-value]
    service = service_of(graph, owner_id)
    if service is None:
        entity = graph.entity(owner_id)
        parent = graph.parent(entity) if entity is not None else None
        service = service_of(graph, parent.id) if parent is not None else None
    name = known[owner_id] = service.ref.name if service is not None else None
    return name


# -- computation ----------------------------------------------------------------------------------


def _computed(graph: PortGraph) -> tuple[list[Contribution], list[str], list[Effective],
                                         dict[tuple[str, str], dict[str, Effective]]]:
    return graph.memo("layers:computed", lambda: _compute(graph))


def _compute(graph: PortGraph) -> tuple[list[Contribution], list[str], list[Effective],
                                        dict[tuple[str, str], dict[str, Effective]]]:
    found = _collect(graph)
    envs = _environments(found, graph.config)
    return (found, envs, *_effective(found, envs, graph.config))


def _collect(graph: PortGraph) -> list[Contribution]:
    order = {layer: i for i, layer in enumerate(graph.config.precedence)}
    lowest = len(order)
    key_of = _key_finder(graph)
    # Contributions are frozen dataclasses whose dict is set at once: the generated __init__ sets each
    # field through object.__setattr__, which costs more than the rest of the computation.
    new, set_dict = object.__new__, object.__setattr__
    # one written value is one contribution: two readers of the same spot keep the higher layer
    best: dict[tuple[str, int, int, str, str], tuple[tuple, Contribution]] = {}
    for fact, attrs, layer, owner_id, key in _placed(graph.facts(), key_of, _config_key):
        value = fact.value
        contribution = new(Contribution)
        set_dict(contribution, "__dict__", {
            "service": key[0], "key": key[1], "layer": layer, "text": value.text, "number": value.number,
            "unresolved": value.unresolved, "location": fact.location, "environment": fact.environment,
            "is_port": True, "env_var": attrs.get("env_var"), "documented": bool(attrs.get("documented")),
            "example": bool(attrs.get("example")), "env_conditional": bool(attrs.get("env_conditional")),
            "owner": owner_id, "client_of": str(attrs.get("client_of") or "")})
        _keep(best, order, lowest, contribution)
    for setting, attrs, layer, owner_id, key in _placed(graph.settings(), key_of, _setting_key):
        text = setting.value
        contribution = new(Contribution)
        set_dict(contribution, "__dict__", {
            "service": key[0], "key": key[1], "layer": layer, "text": text,
            "number": int(text) if text.isascii() and text.isdigit() else None,
            "unresolved": bool(attrs.get("unresolved")), "location": setting.location,
            "environment": setting.environment, "is_port": False, "env_var": attrs.get("env_var"),
            "documented": bool(attrs.get("documented")), "example": bool(attrs.get("example")),
            "env_conditional": bool(attrs.get("env_conditional")), "owner": owner_id, "client_of": ""})
        _keep(best, order, lowest, contribution)
    # by service, key, location, environment (each slot has its own such key: no ties)
    return [kept for _, kept in sorted(best.values(), key=_FIRST)]


_FIRST = itemgetter(0)


def _config_key(fact) -> str | None:
    return fact.attrs.get("config_key")


_setting_key = attrgetter("key")


def _placed(items, key_of, key_name):
    """(item, its attrs, its layer, its owner's id, (service, key)) of each fact or setting that
    sits in a layer under a key of a known service."""
    for item in items:
        attrs = item.attrs
        layer = attrs.get("layer")
        if not isinstance(layer, str):
            continue
        owner_id = item.owner.id
        key = key_of(owner_id, attrs, key_name(item))
        if key is not None and key[1] is not None:
            yield item, attrs, layer, owner_id, key


def _keep(best: dict, order: dict[str, int], lowest: int, contribution: Contribution) -> None:
    """Keep ``contribution`` in its slot unless a contribution of a higher layer holds it."""
    location = contribution.location  # hashed as its fields: a Location hashes through Python code
    service, key, environment = contribution.service, contribution.key, contribution.environment or ""
    slot = (location.path, location.line, location.column, environment, f"{service}.{key}")
    current = best.get(slot)
    if current is None or order.get(contribution.layer, lowest) < order.get(current[1].layer, lowest):
        best[slot] = ((service, key, location.path, location.line, location.column, environment), contribution)


def _key_finder(graph: PortGraph):
    """:func:`_named_key` for many values at once: the graph's memos fetched once, each owner's
    service asked once."""
    known: dict[str, str | None] = graph.memo("layers:owner-service", dict)
    dotted: dict[str, tuple[str, str]] = graph.memo("layers:dotted-keys", dict)

    def key_of(owner_id: str, attrs: dict, config_key: Any) -> tuple[str, str | None] | None:
        service = known.get(owner_id, _UNKNOWN)
        if service is _UNKNOWN:
            service = owner_service(graph, owner_id)
        if isinstance(config_key, str) and config_key:
            if "." not in config_key:
                return (service, config_key) if service else None
            named = dotted.get(config_key)
            if named is None:
                named = _key_by_name(graph, owner_id, attrs, config_key)
        else:
            named = _key_by_name(graph, owner_id, attrs, config_key)
        if named is None or service == named[0]:
            return named
        qualified = qualify(graph, named[0], graph.entity(owner_id))
        return (qualified or named[0], named[1])

    return key_of


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
        answer = named.get(config_key)
        if answer is not None:
            return answer
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


def _effective(found: list[Contribution], envs: list[str], config: Config,
               ) -> tuple[list[Effective], dict[tuple[str, str], dict[str, Effective]]]:
    """The effective values and :func:`by_key` of them. ``found`` is sorted by service, key and
    location: each (service, key) is one run of it."""
    order = {layer: i for i, layer in enumerate(config.precedence)}
    lowest = len(order)

    def precedence(c: Contribution) -> tuple:  # then by location: the group's order (a stable sort)
        return (order.get(c.layer, lowest), c.documented, c.environment is None, c.unresolved, c.example)

    out: list[Effective] = []
    grouped: dict[tuple[str, str], dict[str, Effective]] = {}
    new, set_dict = object.__new__, object.__setattr__
    start, count = 0, len(found)
    while start < count:
        first = found[start]
        service, key = first.service, first.key
        end = start + 1
        while end < count and found[end].key == key and found[end].service == service:
            end += 1
        group = sorted(found[start:end], key=precedence) if end - start > 1 else found[start:end]
        start = end
        is_port = any(c.is_port for c in group)
        every = tuple(group) if all(c.environment is None for c in group) else None
        per_env: dict[str, Effective] = {}
        for env in envs:
            applicable = every if every is not None else tuple(
                [c for c in group if c.environment is None or c.environment == env])
            if not applicable:
                continue
            winner = None
            for c in applicable:
                if not c.documented:
                    winner = c
                    break
            value = new(Effective)  # frozen dataclass: its dict set at once (see _collect)
            set_dict(value, "__dict__", {"service": service, "key": key, "environment": env, "is_port": is_port,
                                         "contributions": applicable, "winner": winner})
            out.append(value)
            per_env[env] = value
        if per_env:
            grouped[(service, key)] = per_env
    return out, grouped


def explain(graph: PortGraph, contribution: Contribution) -> list[str]:
    """The graph links a finding about ``contribution`` rests on, for ``--explain``."""
    from portlint.graph import explain_link

    lines = [explain_link(link) for link in graph.incoming(contribution.owner, "member")]
    lines.append(f"{contribution.config_key}: {contribution.describe()} "
                 f"(layer {contribution.layer}, {contribution.environment or 'every environment'})")
    return lines


def precedence_line(config: Config) -> str:
    return "precedence (highest first): " + " > ".join(config.precedence)
