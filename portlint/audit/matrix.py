"""The port matrix: service × key rows, one column per environment, each cell the winning layer.

Port keys only: a non-port setting (``workers``, ``debug``) gets a row only when a finding sits
on one of its values; the others are counted in :attr:`Matrix.hidden_settings`.

Built from :mod:`portlint.layers` (effective values); a cell lists every other layer's value
(overridden, shadowed, documented), and is marked when its port drifts from the other
environments (:func:`portlint.query.value_drift`, the semantics PL301 reports) or from the
``[services]`` standard, or when a finding sits on one of its values.
"""

from __future__ import annotations

from portlint.audit.model import Cell, FindingIndex, Matrix, MatrixRow, Shown
from portlint.commands.config import status as layer_status
from portlint.graph import PortGraph
from portlint.layers import Contribution, Effective, by_key, effective_values, environments, same_value
from portlint.query import port_keys as find_port_keys
from portlint.query import standard_port, value_drift


def build_matrix(graph: PortGraph, index: FindingIndex) -> Matrix:
    envs = environments(graph)
    grouped = by_key(effective_values(graph))
    port_keys = find_port_keys(grouped)
    rows = []
    hidden = 0
    for service, key in sorted(grouped, key=lambda sk: (sk[0], sk[1] not in port_keys.get(sk[0], ()), sk[1])):
        per_env = grouped[(service, key)]
        is_port = key in port_keys.get(service, ())
        standard = standard_port(graph.config, service, key, port_keys.get(service, set())) if is_port else None
        drifting = set(value_drift(per_env, standard).outliers) if is_port else set()
        cells = tuple(_cell(per_env[env], env in drifting, standard, index) if env in per_env else None
                      for env in envs)
        row = MatrixRow(service, key, is_port, standard, cells)
        if is_port or any(cell is not None and cell.findings for cell in cells):
            rows.append(row)
        else:
            hidden += 1  # a setting with nothing wrong: `portlint config` shows it
    return Matrix(tuple(envs), tuple(graph.config.precedence), tuple(rows), hidden)


def _cell(value: Effective, drift: bool, standard: int | None, index: FindingIndex) -> Cell:
    winner = value.winner
    seen: set[tuple] = set()
    resolved_lines = {(c.location.path, c.location.line) for c in value.contributions if not c.unresolved}
    others = []
    for contribution in value.contributions:
        if contribution is winner:
            continue
        if contribution.unresolved and (contribution.location.path, contribution.location.line) in resolved_lines:
            continue  # cfg.get('port', 8000): its default on the same line says it
        mark = (contribution.text, contribution.layer, contribution.location)
        if mark not in seen:
            seen.add(mark)
            others.append(_shown(value, contribution, winner))
    off_catalog = (standard is not None and value.known and winner is not None and winner.number is not None
                   and winner.number != standard)
    return Cell(
        environment=value.environment,
        winner=_shown(value, winner, winner) if winner is not None else None,
        others=tuple(others),
        drift=drift,
        off_catalog=off_catalog,
        findings=index.touching(c.location for c in value.contributions),
    )


def _shown(value: Effective, contribution: Contribution, winner: Contribution | None) -> Shown:
    differs = (winner is not None and contribution is not winner and not contribution.unresolved
               and not winner.unresolved and not same_value(contribution, winner))
    return Shown(
        text=contribution.text,
        layer=contribution.layer,
        location=contribution.location,
        status=layer_status(value, contribution),
        differs=differs,
        unresolved=contribution.unresolved,
        shared=contribution.environment is None,
        example=contribution.example,
        env_var=contribution.env_var,
    )
