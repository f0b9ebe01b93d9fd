"""The port graph: entities as nodes, links as edges, facts attached to their owners.

Built from readers' output; linkers in :mod:`portlint.links` add the edges; rules only read it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import fields
from functools import lru_cache
from typing import Any, TypeVar

from portlint.config import Config
from portlint.model import Entity, EntityRef, Link, Location, ParseFailure, PortFact, Role, Setting

T = TypeVar("T")
LOGICAL_SERVICE = "app/service"  # the kind of a logical service's entity (portlint.links.services)


class PortGraph:
    """Entities, their port facts, and the links between them."""

    def __init__(self, config: Config | None = None) -> None:
        self.config = config or Config()
        self._edges: set[tuple[str, str, str]] = set()  # (source, target, kind): one link each
        self._entities: dict[str, Entity] = {}
        self._facts: list[PortFact] = []
        self._facts_by_owner: dict[str, list[PortFact]] = defaultdict(list)
        # (path, line, column) -> facts: built when first asked; a Location hashes through Python code
        self._facts_by_location: dict[tuple[str, int, int], list[PortFact]] | None = None
        self._facts_by_role: dict[Role, list[PortFact]] = defaultdict(list)
        self._facts_by_owner_role: dict[tuple[str, Role], list[PortFact]] = defaultdict(list)
        self._ids_by_kind: dict[str, list[str]] = defaultdict(list)
        self._sorted: dict[str | None, list[Entity]] = {}  # kind (None: all) -> entities by id
        self._sorted_kinds: dict[tuple[str, ...], list[Entity]] = {}  # several kinds -> entities by id
        # every kind's links of an entity: few ask (the graph's export), so built when first asked
        self._out: dict[str, list[Link]] | None = None
        self._in: dict[str, list[Link]] | None = None
        self._out_kind: dict[tuple[str, str], list[Link]] = defaultdict(list)  # (source, kind)
        self._in_kind: dict[tuple[str, str], list[Link]] = defaultdict(list)  # (target, kind)
        self._of_link_kind: dict[str, list[Link]] = defaultdict(list)  # kind -> links in the order added
        # link lists appended to since they were last sorted: each is sorted when next read
        self._dirty_out: set[str] = set()
        self._dirty_in: set[str] = set()
        self._dirty_out_kind: set[tuple[str, str]] = set()
        self._dirty_in_kind: set[tuple[str, str]] = set()
        self._version = 0  # bumped by every addition; derived views are memoised per version
        self._memo: dict[str, tuple[int, object]] = {}
        self._entity_memo: dict[str, tuple[int, object]] = {}
        self.failures: list[ParseFailure] = []
        self._settings: list[Setting] = []

    # -- building -------------------------------------------------------------------------
    def add_entity(self, entity: Entity) -> Entity:
        """Add an entity; a second entity with the same id keeps the first (and is returned)."""
        ref = entity.ref
        entity_id = ref.id
        existing = self._entities.get(entity_id)
        if existing is not None:
            return existing
        self._entities[entity_id] = entity
        self._ids_by_kind[ref.kind].append(entity_id)
        if self._sorted:  # forget the id-ordered lists this entity belongs in (all, its kind's)
            self._sorted.pop(None, None)
            self._sorted.pop(ref.kind, None)
        if self._sorted_kinds:
            kind = ref.kind
            for key in [k for k in self._sorted_kinds if kind in k]:
                del self._sorted_kinds[key]
        self._version += 1
        if ref.parent:
            self.add_link(new_link(ref.parent, entity_id, "contains", "declared inside it", (entity.location,)))
        return entity

    def add_facts(self, facts: Iterable[PortFact]) -> None:
        """:meth:`add_fact` for each of ``facts`` in turn (the build's thousands, in one loop)."""
        if self._facts_by_location is not None:
            for fact in facts:
                self.add_fact(fact)
            return
        everything, by_owner = self._facts, self._facts_by_owner
        by_owner_role, by_role = self._facts_by_owner_role, self._facts_by_role
        count = len(everything)
        for fact in facts:
            everything.append(fact)
            owner_id = fact.owner.id
            role = fact.role
            by_owner[owner_id].append(fact)
            by_owner_role[(owner_id, role)].append(fact)
            by_role[role].append(fact)
        self._version += len(everything) - count

    def add_fact(self, fact: PortFact) -> None:
        self._facts.append(fact)
        owner_id = fact.owner.id
        self._facts_by_owner[owner_id].append(fact)
        self._facts_by_owner_role[(owner_id, fact.role)].append(fact)
        if self._facts_by_location is not None:
            where = fact.location
            self._facts_by_location.setdefault((where.path, where.line, where.column), []).append(fact)
        self._facts_by_role[fact.role].append(fact)
        self._version += 1

    def facts_at(self, location: Location) -> list[PortFact]:
        """The facts written exactly at ``location``."""
        if self._facts_by_location is None:  # few ask: no index until one does
            index: dict[tuple[str, int, int], list[PortFact]] = {}
            for fact in self._facts:
                where = fact.location
                index.setdefault((where.path, where.line, where.column), []).append(fact)
            self._facts_by_location = index
        return list(self._facts_by_location.get((location.path, location.line, location.column), ()))

    def add_setting(self, setting: Setting) -> None:
        self._settings.append(setting)
        self._version += 1

    def settings(self, key: str | None = None) -> list[Setting]:
        """Non-port settings (``fastapi.workers``), optionally of one dotted key, in source order."""
        return [s for s in self._settings if key is None or s.key == key]

    def add_link(self, link: Link) -> None:
        if link.source not in self._entities or link.target not in self._entities:
            return
        source, target, kind = link.source, link.target, link.kind
        edge = (source, target, kind)
        if edge in self._edges:
            return  # one link per (source, target, kind): the first reason stands
        self._edges.add(edge)
        # a list stays sorted when the link goes after its last one (linkers mostly add in order)
        if self._out is not None:
            self._add_kindless(link)
        out = self._out_kind[(source, kind)]
        if out and out[-1].target > target:
            self._dirty_out_kind.add((source, kind))
        out.append(link)
        into = self._in_kind[(target, kind)]
        if into and into[-1].source > source:
            self._dirty_in_kind.add((target, kind))
        into.append(link)
        self._of_link_kind[kind].append(link)
        self._version += 1

    def _add_kindless(self, link: Link) -> None:
        out = self._out[link.source]  # type: ignore[index]
        if out and (out[-1].target, out[-1].kind) > (link.target, link.kind):
            self._dirty_out.add(link.source)
        out.append(link)
        into = self._in[link.target]  # type: ignore[index]
        if into and (into[-1].source, into[-1].kind) > (link.source, link.kind):
            self._dirty_in.add(link.target)
        into.append(link)

    def _kindless(self) -> tuple[dict[str, list[Link]], dict[str, list[Link]]]:
        """Links by source and by target, whatever their kind (built on first use, then kept up)."""
        if self._out is None or self._in is None:
            self._out, self._in = defaultdict(list), defaultdict(list)
            for links in self._of_link_kind.values():
                for link in links:
                    self._out[link.source].append(link)
                    self._in[link.target].append(link)
            self._dirty_out, self._dirty_in = set(self._out), set(self._in)  # each sorted when read
        return self._out, self._in

    def memo(self, key: str, compute: Callable[[], T]) -> T:
        """A view derived from the graph (effective values, an index), computed once per graph
        state and shared by every rule that asks for it."""
        entry = self._memo.get(key)
        if entry is None or entry[0] != self._version:
            entry = (self._version, compute())
            self._memo[key] = entry
        return entry[1]  # type: ignore[return-value]

    def memo_entities(self, key: str, compute: Callable[[], T], ignore: tuple[str, ...] = (LOGICAL_SERVICE,)) -> T:
        """A view derived from entities alone (their kinds, ids, attrs, locations: no links, no
        facts), computed again only when an entity of a kind not in ``ignore`` is added. Linkers
        add logical services (``app/service``) and links while later linkers and the rules ask:
        such a view stays valid for all of them. Entities are never changed once added."""
        stamp = len(self._entities) - sum(len(self._ids_by_kind.get(kind, ())) for kind in ignore)
        entry = self._entity_memo.get(key)
        if entry is None or entry[0] != stamp:
            entry = (stamp, compute())
            self._entity_memo[key] = entry
        return entry[1]  # type: ignore[return-value]

    # -- reading --------------------------------------------------------------------------
    def entity(self, entity_id: str) -> Entity | None:
        return self._entities.get(entity_id)

    def entities(self, kind: str | Iterable[str] | None = None) -> Iterator[Entity]:
        """Entities in id order, optionally of one kind or several."""
        if kind is None or isinstance(kind, str):
            return iter(self._of_kind(kind))
        kinds = tuple(sorted(set(kind)))
        if len(kinds) == 1:
            return iter(self._of_kind(kinds[0]))
        cached = self._sorted_kinds.get(kinds)
        if cached is None:
            cached = self._sorted_kinds[kinds] = sorted(
                (e for k in kinds for e in self._of_kind(k)), key=lambda e: e.id)
        return iter(cached)

    def _of_kind(self, kind: str | None) -> list[Entity]:
        cached = self._sorted.get(kind)
        if cached is None:
            ids = self._entities if kind is None else self._ids_by_kind.get(kind, ())
            cached = self._sorted[kind] = [self._entities[i] for i in sorted(ids)]
        return cached

    def facts(self, owner: str | EntityRef | Entity | None = None, role: Role | None = None,
              field: str | None = None) -> list[PortFact]:
        """Facts, optionally of one owner, one role, one field; in source order."""
        if owner is not None:
            owner_id = owner if isinstance(owner, str) else owner.id
            if role is None:
                pool = self._facts_by_owner.get(owner_id, _NO_FACTS)
            else:
                pool = self._facts_by_owner_role.get((owner_id, role), _NO_FACTS)
        else:
            pool = self._facts if role is None else self._facts_by_role.get(role, _NO_FACTS)
        if field is None:
            return pool.copy()
        return [f for f in pool if f.field == field]

    def links(self, kind: str | None = None) -> Iterator[Link]:
        """Every link (of one kind), ordered by source, target and kind."""
        if kind is not None:  # one link per (source, target) of a kind: that order is total
            yield from sorted(self._of_link_kind.get(kind, ()), key=_by_source_target)
            return
        for source in sorted(self._kindless()[0]):
            for link in self._outgoing(source):
                if kind is None or link.kind == kind:
                    yield link

    @property
    def nx(self):
        """The graph as a networkx ``MultiDiGraph`` (built on demand: networkx costs 0.2 s to
        import, and no stage of a scan needs it)."""
        import networkx as nx

        g = nx.MultiDiGraph()
        for entity_id, entity in self._entities.items():
            g.add_node(entity_id, entity=entity)
        for link in self.links():
            g.add_edge(link.source, link.target, key=link.kind, link=link)
        return g

    def outgoing(self, entity_id: str, kind: str | None = None) -> list[Link]:
        """Links from an entity, ordered by target then kind."""
        if kind is not None:
            return list(self._outgoing_kind(entity_id, kind))
        return list(self._outgoing(entity_id))

    def incoming(self, entity_id: str, kind: str | None = None) -> list[Link]:
        """Links to an entity, ordered by source then kind."""
        if kind is not None:
            return list(self._incoming_kind(entity_id, kind))
        return list(self._incoming(entity_id))

    # Each link list is sorted when it is read after links were added to it (only that list:
    # links are added while linkers query, and sorting every list each time would be quadratic).
    # A list holds each (source, target, kind) once, so its sorted order does not depend on when
    # it was sorted.
    def _outgoing(self, source: str) -> list[Link]:
        out = self._kindless()[0]
        if source in self._dirty_out:
            self._dirty_out.discard(source)
            out[source].sort(key=_by_target_kind)
        return out.get(source, _EMPTY)

    def _incoming(self, target: str) -> list[Link]:
        into = self._kindless()[1]
        if target in self._dirty_in:
            self._dirty_in.discard(target)
            into[target].sort(key=_by_source_kind)
        return into.get(target, _EMPTY)

    def _outgoing_kind(self, source: str, kind: str) -> list[Link]:
        key = (source, kind)
        if key in self._dirty_out_kind:
            self._dirty_out_kind.discard(key)
            self._out_kind[key].sort(key=_by_target)
        return self._out_kind.get(key, _EMPTY)

    def _incoming_kind(self, target: str, kind: str) -> list[Link]:
        key = (target, kind)
        if key in self._dirty_in_kind:
            self._dirty_in_kind.discard(key)
            self._in_kind[key].sort(key=_by_source)
        return self._in_kind.get(key, _EMPTY)

    def targets(self, entity_id: str, kind: str) -> list[Entity]:
        entities = self._entities
        return [entities[link.target] for link in self._outgoing_kind(entity_id, kind)]

    def sources(self, entity_id: str, kind: str) -> list[Entity]:
        entities = self._entities
        return [entities[link.source] for link in self._incoming_kind(entity_id, kind)]

    def member_facts(self, service_id: str, roles: Iterable[Role] | None = None) -> list[PortFact]:
        """Facts of every member of a logical service (by its entity id) and of the members'
        serving children (:func:`member_facts`), by owner id, each owner's in source order."""
        wanted = set(roles) if roles is not None else None
        member_ids = {link.target for link in self._outgoing_kind(service_id, "member")}
        owners = set(member_ids)
        for member_id in member_ids:
            if (member_id, "contains") in self._out_kind:
                owners.update(self._serving_child_ids(member_id, member_ids))
        by_owner = self._facts_by_owner
        if wanted is None:
            return [fact for owner_id in sorted(owners) for fact in by_owner.get(owner_id, ())]
        return [fact for owner_id in sorted(owners) for fact in by_owner.get(owner_id, ()) if fact.role in wanted]

    def _serving_child_ids(self, entity_id: str, member_ids: set[str]) -> list[str]:
        """The children of a member that serve the service: those that are members themselves, or
        else the only main container (sidecars and init containers do not speak for the service)."""
        children = [link.target for link in self._outgoing_kind(entity_id, "contains")]
        named = [c for c in children if c in member_ids]
        if named:
            return named
        entities = self._entities
        main = [c for c in children if entities[c].attrs.get("container_kind", "container") == "container"]
        return main if len(main) == 1 else []

    def has_outgoing(self, entity_id: str, kind: str) -> bool:
        """Whether the entity has any ``kind`` link (no sorting needed to say so)."""
        return bool(self._out_kind.get((entity_id, kind)))

    def has_incoming(self, entity_id: str, kind: str) -> bool:
        """Whether any ``kind`` link points at the entity (no sorting needed to say so)."""
        return bool(self._in_kind.get((entity_id, kind)))

    def children(self, entity_id: str) -> list[Entity]:
        return self.targets(entity_id, "contains")

    def parent(self, entity: Entity) -> Entity | None:
        return self._entities.get(entity.ref.parent) if entity.ref.parent else None

    def __len__(self) -> int:
        return len(self._entities)


_EMPTY: list[Link] = []  # never mutated: the answer for an entity without links
_NO_FACTS: list[PortFact] = []  # never mutated: the pool of an owner without facts


# Link is a frozen dataclass: its __init__ sets each field through object.__setattr__, which the
# linkers' thousands of links pay for. new_link fills the instance's dict at once, when the class
# is the one it knows (these fields, no __post_init__); else it calls the class.
_LINK_FIELDS = ("source", "target", "kind", "reason", "locations", "attrs")
_FAST_LINK = (tuple(f.name for f in fields(Link)) == _LINK_FIELDS and not hasattr(Link, "__post_init__")
              and not hasattr(Link, "__slots__"))


def new_link(source: str, target: str, kind: str, reason: str, locations: tuple[Location, ...] = (),
             attrs: tuple[tuple[str, Any], ...] = ()) -> Link:
    """``Link(source, target, kind, reason, locations, attrs)``, built faster."""
    if not _FAST_LINK:
        return Link(source, target, kind, reason, locations, attrs)
    link = _new(Link)
    _set(link, "__dict__", {"source": source, "target": target, "kind": kind, "reason": reason,
                           "locations": locations, "attrs": attrs})
    return link


_new = object.__new__
_set = object.__setattr__


def _by_source_target(link: Link) -> tuple[str, str]:
    return (link.source, link.target)


def _by_target_kind(link: Link) -> tuple[str, str]:
    return (link.target, link.kind)


def _by_source_kind(link: Link) -> tuple[str, str]:
    return (link.source, link.kind)


def _by_target(link: Link) -> str:
    return link.target


def _by_source(link: Link) -> str:
    return link.source


def explain_link(link: Link) -> str:
    """One line for ``--explain``: ``Service a -selects-> Deployment b: because …``."""
    where = ", ".join(loc.short for loc in link.locations)
    suffix = f" ({where})" if where else ""
    return f"{link.source} -{link.kind}-> {link.target}: {link.reason}{suffix}"


def location_of(fact_or_entity: PortFact | Entity) -> Location:
    return fact_or_entity.location


def service_of(graph: PortGraph, entity_id: str) -> Entity | None:
    """The logical service (``app/service``) an entity is a member of, if any."""
    links = graph._incoming_kind(entity_id, "member")  # by source: the first is sources()[0]
    return graph._entities[links[0].source] if links else None


CONFIG_KIND_PREFIX = "config/"  # config layers (YAML, env files, Parameter Store): values, not processes


def runs_in_scan(graph: PortGraph, service_name: str) -> bool:
    """True when the scan holds something that runs ``service_name`` (code, a container, a
    Deployment, a compose service) or the ``[services]`` catalog gives it a port of its own: a
    service known only from configuration values (``SMTP_PORT=587``, ``DATABASE_HOST=db``) is
    one the repository talks to, not one it runs."""
    policy = graph.config.service_for_name(service_name)
    if policy is not None and policy.port is not None:
        return True
    name = policy.name if policy is not None else service_name
    return any(not e.ref.kind.startswith(CONFIG_KIND_PREFIX) for e in members(graph, name))


def members(graph: PortGraph, service_name: str) -> list[Entity]:
    """Entities linked to the logical service ``service_name``."""
    return graph.targets(service_id(service_name), "member")


def member_facts(graph: PortGraph, service_name: str, roles: Iterable[Role] | None = None) -> list[PortFact]:
    """Facts of every member of a logical service and of the members' children (containers)."""
    return graph.member_facts(service_id(service_name), roles)


@lru_cache(maxsize=65536)
def service_id(service_name: str) -> str:
    """The entity id of the logical service ``service_name`` (asked for each service by many
    rules: computed once per name, not through a new EntityRef each time)."""
    return EntityRef(kind=LOGICAL_SERVICE, name=service_name).id

