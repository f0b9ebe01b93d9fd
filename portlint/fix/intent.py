"""What rules call to say how a finding is fixed: format-free, decided from the graph.

A finding is fixed when exactly one side is wrong: the allocation standard says so, or every
other place that writes the port agrees on the other value. Otherwise the intent carries no new
value and says why (``2 places say 8000, 2 places say 8001: not fixed``), and ``portlint fix`` leaves
the finding alone.
"""

from __future__ import annotations

from collections.abc import Iterable

from portlint.model import FixIntent, Location, PortFact, Role


_STANDARD_SAYS = "the allocation standard says {}: the other side may be the wrong one, not fixed"


def set_value(fact: PortFact, new: int | str, reason: str) -> FixIntent:
    """Write ``new`` where ``fact`` is written; refused when the value is not written there."""
    refusal = _not_written_here(fact)
    if refusal:
        return FixIntent(fact.location, fact.value.text, None, refusal)
    return FixIntent(fact.location, fact.value.text, str(new), reason)


def not_fixed(fact: PortFact, reason: str) -> FixIntent:
    """The finding is real but which side is wrong is not known: ``portlint fix`` says ``reason``."""
    return FixIntent(fact.location, fact.value.text, None, reason)


def _not_written_here(fact: PortFact) -> str:
    if fact.attrs.get("implicit"):
        return f"{fact.field} is not written (it follows from another key): add it by hand"
    if fact.value.unresolved or (fact.value.number is None and fact.value.name is None):
        return f"{fact.field} is an expression, not a literal: not fixed"
    if fact.value.defined_at:
        return (f"{fact.field} takes its value from {fact.value.defined_at[0].short}, which other places "
                f"may read: not fixed")
    return ""


def plural_places(count: int) -> str:
    return "1 place says" if count == 1 else f"{count} places say"


def standard_of(graph, entity_id: str) -> int | None:
    """The ``[services]`` port of the logical service an entity (or its parent) belongs to."""
    from portlint.graph import service_of

    entity = graph.entity(entity_id)
    for candidate in (entity, graph.parent(entity) if entity is not None else None):
        if candidate is None:
            continue
        service = service_of(graph, candidate.id)
        policy = graph.config.services.get(service.ref.name) if service is not None else None
        if policy is not None and policy.port is not None:
            return policy.port
    return None


def standard_for(graph, service: str | None) -> int | None:
    """The ``[services]`` port of a logical service by name."""
    policy = graph.config.services.get(service) if service else None
    return policy.port if policy is not None else None


def to_the_only_value(fact_or_location, old: str, values: Iterable[int], graph, why: str,
                      standard: int | None = None) -> FixIntent:
    """Set ``old`` to the one value every other place agrees on; refused when they disagree among
    themselves, or when the allocation standard gives ``old`` (then the other places are the wrong ones)."""
    numbers = sorted(set(values))
    location = fact_or_location.location if isinstance(fact_or_location, PortFact) else fact_or_location
    if standard is not None and str(standard) == old:
        return FixIntent(location, old, None, _STANDARD_SAYS.format(old))
    if len(numbers) != 1:
        shown = " and ".join(map(str, numbers)) or "nothing"
        return FixIntent(location, old, None,
                         f"the other places say {shown}: which one is meant is not known, not fixed")
    if isinstance(fact_or_location, PortFact):
        return set_value(fact_or_location, numbers[0], why.format(numbers[0]))
    return at_location(graph, location, old, numbers[0], why.format(numbers[0]))


def at_location(graph, location: Location, old: str, new: int | str | None, reason: str) -> FixIntent:
    """An intent for the value ``old`` written at ``location`` (a layer's winning value, not a fact in hand)."""
    facts = [f for f in graph.facts_at(location) if f.value.text == old]
    if facts and new is not None:
        return set_value(facts[0], new, reason)
    return FixIntent(location, old, None if new is None else str(new), reason)


def by_agreement(fact: PortFact, right: int, others: Iterable[PortFact], why: str,
                 standard: int | None = None) -> FixIntent:
    """Fix ``fact`` to ``right`` when no other place says its value, and at least one says ``right``.

    ``others`` are the other places that write this port (the fact itself is left out); places
    that say a third value, and host ports (they publish the port elsewhere), do not vote. An
    allocation standard that gives the wrong value wins: then the other side is the one to
    change, which is not this finding's place.
    """
    wrong = fact.value.number
    if standard is not None and standard == wrong:
        return not_fixed(fact, _STANDARD_SAYS.format(wrong))
    # a host or node port publishes the port somewhere else: it says nothing of where the app listens
    others = [f for f in others if f is not fact and f.location != fact.location and f.role is not Role.PUBLISH]
    for_right = {f.location for f in others if f.value.number == right}
    for_wrong = {f.location for f in others if f.value.number == wrong} | {fact.location}
    if len(for_wrong) > 1 or not for_right:
        return not_fixed(fact, f"{plural_places(len(for_right))} {right}, "
                               f"{plural_places(len(for_wrong))} {wrong}: not fixed")
    return set_value(fact, right, why)
