"""Environment drift: which environments' effective port differs, and from what.

One semantics for ``portlint check`` (PL301) and the audit matrix:

- only deployed environments count (a developer's machine, :data:`~portlint.layers.LOCAL_ENVIRONMENT`,
  may differ), and only known numeric ports;
- the value most environments use is the reference; the environments that differ are the outliers;
- on a tie, the ``[services]`` standard decides when it is one of the tied values;
- otherwise nothing says which side is right: there is no reference, and every environment is an
  outlier (both are marked, and no fix picks a side).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from portlint.config import Config
from portlint.layers import Effective, deployed


@dataclass(frozen=True)
class Drift:
    """The verdict over one key: ``values`` per environment, the ``reference`` they should share
    (``None`` when no majority or standard says), and the environments that differ from it."""

    values: dict[str, int]
    reference: int | None
    outliers: tuple[str, ...]

    @property
    def drifts(self) -> bool:
        return bool(self.outliers)


def port_drift(values: Mapping[str, int], standard: int | None = None) -> Drift:
    """The drift of known ports per environment (in environment order)."""
    values = dict(values)
    distinct = set(values.values())
    if len(distinct) < 2:  # nothing to count
        return Drift(values, next(iter(distinct), None), ())
    counts = Counter(values.values())
    best = max(counts.values())
    tied = [number for number, count in counts.items() if count == best]
    if len(tied) == 1:
        reference = tied[0]
    elif standard is not None and standard in tied:
        reference = standard
    else:
        return Drift(values, None, tuple(values))
    return Drift(values, reference, tuple(env for env, number in values.items() if number != reference))


def value_drift(per_env: Mapping[str, Effective], standard: int | None = None) -> Drift:
    """The drift of one key's effective values (``per_env`` as :func:`portlint.layers.by_key` groups them)."""
    envs = deployed(list(per_env))
    return port_drift({env: per_env[env].winner.number for env in envs if _known_port(per_env[env])}, standard)


def _known_port(value: Effective) -> bool:
    return value.is_port and value.known and value.winner is not None and value.winner.number is not None


def port_keys(grouped: Mapping[tuple[str, str], Mapping[str, Effective]]) -> dict[str, set[str]]:
    """service -> its keys that hold a port in some environment."""
    keys: dict[str, set[str]] = {}
    for (service, key), per_env in grouped.items():
        if any(v.is_port for v in per_env.values()):
            keys.setdefault(service, set()).add(key)
    return keys


def standard_port(config: Config, service: str, key: str, keys: set[str]) -> int | None:
    """The ``[services]`` standard port of ``service`` holds its ``port`` key, or its only port key."""
    policy = config.services.get(service)
    if policy is None or policy.port is None:
        return None
    return policy.port if key == "port" or keys == {key} else None
