"""vite's modes: which env files a vite app loads, and where its code fallback is live.

vite loads env files from its folder (the config's folder, vite's default ``envDir``) by *mode*:
``.env`` and ``.env.local`` in every mode, ``.env.[mode]`` and ``.env.[mode].local`` in that
mode only. Without ``--mode``, the dev server (``server.port``) runs in ``development`` and
``vite build`` / ``vite preview`` (``preview.port``) in ``production``: vite's implicit modes.

A fallback such as ``Number(process.env.VITE_PORT) || 3000`` is *live* in its implicit mode
when none of the files that mode loads sets the variable: 3000 is then the port the dev server
really uses, not a value that only appears when configuration fails to load. A value in
another mode's file (``.env.ci``, loaded only by ``vite --mode ci``) is that mode's own port.
No linking: rules ask :func:`is_other_mode_value`.
"""

from __future__ import annotations

import posixpath
import re

from portlint.graph import PortGraph
from portlint.layers import Contribution, contributions
from portlint.model import Role

VITE = "code/vite"
IMPLICIT_MODE = {"dev": "development", "preview": "production"}  # the reader's ``server`` attr
_MODE_FILE = re.compile(r"\.env\.(?P<mode>[A-Za-z0-9_-]+?)(?:\.local)?")


def is_other_mode_value(graph: PortGraph, default: Contribution, value: Contribution) -> bool:
    """``value`` comes from a vite mode file of ``default``'s app for a mode other than the
    implicit one the fallback serves, and the fallback is live in that implicit mode."""
    implicit = implicit_mode(graph, default)
    if implicit is None:
        return False
    folder = _folder_of(graph, default.owner)
    mode = _mode_of(value, folder)
    if mode is None or mode == implicit:
        return False
    return fallback_is_live(graph, default, implicit, folder)


def implicit_mode(graph: PortGraph, default: Contribution) -> str | None:
    """``development`` for a vite ``server.port`` fallback, ``production`` for ``preview.port``;
    ``None`` for any other code default."""
    entity = graph.entity(default.owner)
    if entity is None or entity.ref.kind != VITE or "env_dir" in entity.attrs:
        return None  # an envDir elsewhere: which files a mode loads is not known here
    for fact in graph.facts_at(default.location):
        if fact.owner.id == default.owner and fact.role is Role.DEFAULT:
            return IMPLICIT_MODE.get(str(fact.attrs.get("server")))
    return None


def fallback_is_live(graph: PortGraph, default: Contribution, mode: str, folder: str) -> bool:
    """No env file that ``mode`` loads from ``folder`` sets the variable the fallback stands for."""
    loaded = {".env", ".env.local", f".env.{mode}", f".env.{mode}.local"}
    for other in contributions(graph):
        if other.layer != "env" or other.example:
            continue
        path = other.location.path
        if posixpath.dirname(path) != folder or posixpath.basename(path) not in loaded:
            continue
        if _same_variable(default, other):
            return False
    return True


def _same_variable(default: Contribution, other: Contribution) -> bool:
    if default.env_var and other.env_var:
        return default.env_var == other.env_var
    return default.config_key == other.config_key


def _mode_of(value: Contribution, folder: str) -> str | None:
    """The mode of a vite mode file (``.env.ci``, ``.env.ci.local``) in the app's folder."""
    if value.layer != "env" or value.example or posixpath.dirname(value.location.path) != folder:
        return None
    match = _MODE_FILE.fullmatch(posixpath.basename(value.location.path))
    if match is None or match.group("mode") == "local":
        return None
    return match.group("mode")


def _folder_of(graph: PortGraph, owner: str) -> str:
    entity = graph.entity(owner)
    path = entity.attrs.get("path") if entity is not None else None
    return posixpath.dirname(path) if isinstance(path, str) else ""
