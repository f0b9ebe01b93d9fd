"""Env files: ``.env``, ``.env.<env>``, ``.env.example``, ``*.env`` — the environment-variable layer.

``FASTAPI_PORT=8000`` is a ``config`` fact with ``layer: env``, ``env_var: FASTAPI_PORT`` and
``config_key: fastapi.port`` (services by name and by the catalog, see
:func:`portlint.readers._config_keys.key_for_env_var`). ``FASTAPI_WORKERS=4`` and the other
setting keys become :class:`Setting` s.

Which environment a file describes (Compose, python-dotenv and vite conventions):

- ``.env.dev`` / ``dev.env`` / ``.env.dev.local``: dev (vite's ``.env.[mode]`` and
  ``.env.[mode].local``: that mode);
- a bare ``.env`` and vite's ``.env.local``: a developer's machine, the ``local`` environment of its
  own. It never overrides a deployed environment's values, even when it says ``ENVIRONMENT=dev``,
  unless ``[env-files]`` in the config binds it (``".env" = "dev"``);
- templates (``.env.example``, ``.sample``, ``.template``, ``.dist``): every environment's, marked
  ``example`` (they rank below real values).

A port that is an address the app calls carries ``client_of``: beside a host that is another
machine (``REDIS_HOST=redis`` + ``REDIS_PORT``), or a client-bundle variable naming a peer
(``EXPO_PUBLIC_GATE_PORT``, also ``bundle``; see :mod:`portlint.readers._config_keys`).
"""

from __future__ import annotations

import fnmatch
import re
from typing import Any

from portlint.discover import SourceFile
from portlint.model import Entity, EntityRef, Location, PortFact, PortValue, Role, Setting
from portlint.readers import ReadContext, ReadOutput
from portlint.readers._config_keys import (LOCAL_ENVIRONMENT, bundle_peer, by_lower_name, client_host, is_port_key,
                                          key_for_env_var, looks_unresolved)

WEIGHT = 1.6  # CPU per byte, relative (measured on the bench tree): every line is a setting
TRANSFER = 0.5  # results sent back from a reading process, per unit of reading: a setting per line
NAME = "envfile"
PER_FILE = True  # a file's facts depend on that file alone (the cache keeps them file by file)
LAYER = "env"
ENTITY_KIND = "config/env"
EXAMPLE_MARKERS = frozenset({"example", "sample", "template", "dist", "tmpl"})
LOCAL_FILES = frozenset({".env", ".env.local"})  # a developer's machine
_MODE_FILE = re.compile(r"\.env\.([A-Za-z0-9_-]+)(?:\.local)?")
_ASSIGNMENT = re.compile(r"^(?P<indent>\s*)(?:export\s+)?(?P<name>[A-Za-z_][A-Za-z0-9_.]*)\s*=\s*(?P<rest>.*)$")


def wants(file: SourceFile, ctx: ReadContext) -> bool:
    name = file.name
    return name == ".env" or name.startswith(".env.") or (name.endswith(".env") and len(name) > 4)


def read(files: list[SourceFile], ctx: ReadContext) -> ReadOutput:
    out = ReadOutput()
    for file in files:
        text = out.text_of(file, NAME)
        if text is None:
            continue
        _read_file(file, text, ctx, out)
    return out


def is_example(name: str) -> bool:
    """``.env.example``, ``.env.dev-sample``, ``env_template.env``."""
    return bool(EXAMPLE_MARKERS & set(re.split(r"[._-]", name.lower())))


def parse_line(line: str) -> tuple[str, str, int] | None:
    """``export KEY="value" # note`` → (KEY, value, 0-based column of the value); else ``None``."""
    match = _ASSIGNMENT.match(line)
    if match is None:
        return None
    rest = match.group("rest")
    start = match.start("rest")
    if rest[:1] in ("'", '"'):
        close = rest.find(rest[0], 1)
        if close == -1:
            return None
        return match.group("name"), rest[1:close], start + 1
    comment = re.search(r"\s#", rest)
    value = (rest[: comment.start()] if comment else rest).rstrip()
    return match.group("name"), value, start


def environment_of(file: SourceFile, ctx: ReadContext) -> str | None:
    """The environment an env file describes: bound in the config, named in its path, ``local``
    for a bare ``.env`` / ``.env.local``, else every environment (``None``)."""
    for glob, env in sorted(ctx.config.env_files.items()):
        if fnmatch.fnmatchcase(file.rel, glob) or ("/" not in glob and fnmatch.fnmatchcase(file.name, glob)):
            return env
    if file.environment is not None:
        return file.environment
    if file.name in LOCAL_FILES:
        return LOCAL_ENVIRONMENT
    mode = _MODE_FILE.fullmatch(file.name)  # .env.[mode] and .env.[mode].local name their mode
    if mode and not is_example(file.name):
        return mode.group(1)
    return None


def _read_file(file: SourceFile, text: str, ctx: ReadContext, out: ReadOutput) -> None:
    example = is_example(file.name)
    environment = environment_of(file, ctx)
    owners: dict[str, Entity] = {}
    assignments = _assignments(text)
    siblings = by_lower_name({name: raw for _, name, raw, _ in assignments})
    for number, name, raw, column in assignments:
        if raw == "":
            continue
        where = Location(file.rel, number, column + 1)
        key = key_for_env_var(name, ctx.config)
        if key is None and not is_port_key(name):
            continue
        client = _client_attrs(name, siblings) if is_port_key(name) else {}
        service = key[0] if key and "bundle" not in client else None  # a bundle's peer is not this file's service
        owner = _owner(owners, file, service, Location(file.rel, number, 1), example, environment)
        attrs: dict[str, Any] = {"env_var": name, "layer": LAYER, "field": name, **client}
        if key is not None:
            attrs["config_key"] = f"{key[0]}.{key[1]}"
        if example:
            attrs["example"] = True
        if is_port_key(name):
            value = PortValue.unresolved_expr(raw) if looks_unresolved(raw) else PortValue.parse_setting(raw)
            if value is None:
                continue
            out.facts.append(PortFact(value=value, role=Role.CONFIG, owner=owner.ref, location=where,
                                      environment=environment, slot=name, attrs=attrs))
        else:
            if looks_unresolved(raw):
                attrs["unresolved"] = True
            out.settings.append(Setting(key=attrs["config_key"], value=raw, owner=owner.ref, location=where,
                                        environment=environment, attrs=attrs))
    out.entities.extend(owners[k] for k in sorted(owners))


def _assignments(text: str) -> list[tuple[int, str, str, int]]:
    """(line, name, value, 0-based value column) of every assignment, in order."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parsed = parse_line(line)
        if parsed is not None:
            found.append((number, *parsed))
    return found


def _client_attrs(name: str, siblings: dict[str, str]) -> dict[str, Any]:
    """``client_of`` (and ``bundle``) when the variable is an address the app calls, not a port it
    binds: a client-bundle variable naming a peer (``EXPO_PUBLIC_GATE_PORT``), or a port whose
    sibling host is another machine (``REDIS_HOST=redis`` beside ``REDIS_PORT``)."""
    bundle = bundle_peer(name)
    if bundle is not None:
        return {"client_of": bundle[1], "bundle": bundle[0]}
    host = client_host(name, siblings)
    return {"client_of": host} if host is not None else {}


def _owner(owners: dict[str, Entity], file: SourceFile, service: str | None, first: Location,
           example: bool, environment: str | None) -> Entity:
    """One entity per file and service; variables that name no service share the file's entity."""
    name = f"{file.rel}#{service}" if service else file.rel
    if name not in owners:
        attrs: dict[str, Any] = {"layer": LAYER, "file": file.rel}
        if service:
            attrs["service"] = service
            attrs["service_reason"] = f"its variables in {file.rel} name the service"
        if example:
            attrs["example"] = True
        owners[name] = Entity(ref=EntityRef(kind=ENTITY_KIND, name=name), location=first,
                              environment=environment, attrs=attrs)
    return owners[name]
