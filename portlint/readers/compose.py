"""Docker Compose files: published ports, container ports, ``expose``, port env vars, the ports a
service's ``command`` listens on, healthcheck URLs, and the Dockerfile it builds.

``compose.yaml``/``compose.yml``, ``docker-compose.yml``/``.yaml`` and their ``*.override``/
``.<env>`` variants. Composed with :mod:`portlint.readers._yaml` (scalars keep their raw text:
``22:22`` is never the YAML 1.1 integer 1342). ``${VAR:-default}`` is interpolated from the
``.env`` beside the file. Files of one folder are one project: a service named in two of them
is one entity. See docs/model-apps.md.
"""

from __future__ import annotations

import posixpath
from typing import Any

from portlint.discover import SourceFile
from portlint.model import Entity, EntityRef, Location, PortFact, PortValue, Role
from portlint.readers import ReadContext, ReadOutput
from portlint.readers import _yaml as Y
from portlint.readers._app_common import (
    LineIndex,
    Token,
    is_port_env,
    modules_run,
    ports_in_words,
    tokenize,
    url_port,
)
from portlint.readers._app_compose import (
    DotenvValue,
    Interpolated,
    PortSpec,
    expand,
    interpolate,
    load_dotenv,
    parse_port_spec,
    parse_range,
)

NAME = "compose"
KIND = "compose/service"
_BASE_NAMES = ("compose", "docker-compose")
_SUFFIXES = (".yml", ".yaml")


def wants(file: SourceFile, ctx: ReadContext) -> bool:
    name = file.name.lower()
    if not name.endswith(_SUFFIXES):
        return False
    stem = name.rsplit(".", 1)[0]
    return any(stem == base or stem.startswith((f"{base}.", f"{base}-", f"{base}_")) for base in _BASE_NAMES)


def read(files: list[SourceFile], ctx: ReadContext) -> ReadOutput:
    output = ReadOutput()
    entities: dict[str, Entity] = {}
    for file in files:
        _read_file(file, ctx, output, entities)
    output.entities.extend(entities[k] for k in sorted(entities))
    return output


def project_of(rel: str) -> str:
    """The compose project of a file: its folder relative to the scan root (``""`` at the root)."""
    folder = posixpath.dirname(rel)
    return folder


def _read_file(file: SourceFile, ctx: ReadContext, output: ReadOutput, entities: dict[str, Entity]) -> None:
    text = output.text_of(file, NAME)
    if text is None:
        return
    try:
        documents = ctx.memo(f"yaml:{file.rel}", lambda: Y.compose_documents(text))
        if documents:
            Y.count_nodes(documents[0])
    except Y.YamlError as exc:
        output.fail(Location(file.rel, exc.line, exc.column), exc.message, NAME)
        return
    services = Y.get(documents[0], "services") if documents else None
    if not Y.is_mapping(services):
        return
    folder = project_of(file.rel)
    env = ctx.memo(f"compose-dotenv:{folder}", lambda: load_dotenv(
        file.path.parent / ".env", posixpath.join(folder, ".env") if folder else ".env",
        root=ctx.root, limit=ctx.config.max_file_size))
    reader = _ComposeFile(file, LineIndex(text), env)
    for key, node in Y.items(services):
        name = Y.text(key)
        if name and Y.is_mapping(node):
            reader.service(name, key, node, output, entities)


class _ComposeFile:
    def __init__(self, file: SourceFile, index: LineIndex, env: dict[str, DotenvValue]) -> None:
        self.file, self.index, self.env = file, index, env
        self.project = project_of(file.rel)

    # -- a service ----------------------------------------------------------------------------
    def service(self, name: str, key_node: Any, node: Any, output: ReadOutput, entities: dict[str, Entity]) -> None:
        ref = EntityRef(KIND, name, namespace=self.project)
        attrs = {"compose_file": self.file.rel, "project": self.project, **self._build(node), **self._names(node)}
        runs = self._runs(node)
        if runs:
            attrs["runs"] = runs
        if Y.get(node, "command") is not None or Y.get(node, "entrypoint") is not None:
            attrs["has_command"] = True
        entity = entities.get(ref.id)
        if entity is None:
            entities[ref.id] = Entity(ref, Y.location(key_node, self.file.rel), self.file.environment, attrs=attrs)
        else:
            for k, v in attrs.items():
                entity.attrs.setdefault(k, v)
        for i, entry in enumerate(Y.seq(Y.get(node, "ports"))):
            output.facts.extend(self._port_entry(entry, i, ref))
        for i, entry in enumerate(Y.seq(Y.get(node, "expose"))):
            output.facts.extend(self._expose(entry, i, ref))
        output.facts.extend(self._environment(Y.get(node, "environment"), ref))
        for field_name in ("command", "entrypoint"):
            output.facts.extend(self._command(Y.get(node, field_name), field_name, ref))
        output.facts.extend(self._healthcheck(Y.get_path(node, "healthcheck", "test"), ref))

    def _names(self, node: Any) -> dict:
        out = {}
        for key in ("container_name", "image", "network_mode"):
            value = Y.text(Y.get(node, key))
            if value:
                out[key] = value
        return out

    def _build(self, node: Any) -> dict:
        build = Y.get(node, "build")
        if build is None:
            return {}
        context_node = build if Y.is_scalar(build) else Y.get(build, "context")
        context = Y.text(context_node) or "."
        dockerfile = Y.text(Y.get(build, "dockerfile")) if Y.is_mapping(build) else None
        if "://" in context or context.startswith(("git@", "/")) or (dockerfile or "").startswith("/"):
            return {"build_remote": context}
        context_rel = posixpath.normpath(posixpath.join(self.project, context)) if self.project else posixpath.normpath(context)
        if context_rel.startswith(".."):
            return {}
        context_rel = "" if context_rel == "." else context_rel
        dockerfile_rel = posixpath.normpath(posixpath.join(context_rel, dockerfile or "Dockerfile"))
        where = Y.location(context_node if context_node is not None else build, self.file.rel)
        return {"build_context": context_rel, "dockerfile": dockerfile_rel, "build_location": where}

    def _runs(self, node: Any) -> list[str]:
        words: list[str] = []
        for key in ("entrypoint", "command"):
            words.extend(t.text for t in self._words(Y.get(node, key)))
        return modules_run(words)

    # -- ports --------------------------------------------------------------------------------
    def _port_entry(self, entry: Any, i: int, owner: EntityRef) -> list[PortFact]:
        slot = f"ports[{i}]"
        if Y.is_mapping(entry):
            return self._long_port(entry, slot, owner)
        raw = Y.text(entry)
        if raw is None:
            return []
        value = interpolate(raw, self.env)
        if value.text is None:
            return [self._fact(PortValue.unresolved_expr(raw), Role.TARGET, owner, Y.location(entry, self.file.rel),
                               slot, {"field": "ports", "variables": value.variables})]
        spec = parse_port_spec(value.text)
        if spec is None:
            return [self._fact(PortValue.parse(raw), Role.TARGET, owner, Y.location(entry, self.file.rel), slot,
                               {"field": "ports"})]
        base = self._scalar_start(entry)
        exact = not value.changed

        def where(offset: int | None) -> Location:
            if offset is None or not exact:
                return Y.location(entry, self.file.rel)
            return Location(self.file.rel, base.line, base.column + offset)

        defined = tuple(value.defined_at)
        return self._mapping_facts(spec, owner, slot, where(spec.published_offset), where(spec.target_offset),
                                   defined, defined)

    def _long_port(self, entry: Any, slot: str, owner: EntityRef) -> list[PortFact]:
        target_node, published_node = Y.get(entry, "target"), Y.get(entry, "published")
        if target_node is None:
            return []
        target = self._interpolated(target_node)
        published = self._interpolated(published_node) if published_node is not None else Interpolated("")
        if target.text is None or published.text is None:
            facts = []
            for role, node, value in ((Role.TARGET, target_node, target), (Role.PUBLISH, published_node, published)):
                if node is None:
                    continue
                port = PortValue.parse(value.text, tuple(value.defined_at)) if value.text is not None \
                    else PortValue.unresolved_expr(Y.text(node) or "")
                facts.append(self._fact(port, role, owner, Y.location(node, self.file.rel), slot,
                                        {"field": f"ports.{'target' if role == Role.TARGET else 'published'}",
                                         "host_ip": Y.text(Y.get(entry, "host_ip")) or "",
                                         "variables": value.variables}))
            return facts
        spec = PortSpec(Y.text(Y.get(entry, "host_ip")) or "", published.text, target.text,
                        (Y.text(Y.get(entry, "protocol")) or "tcp").upper(), 0 if published.text else None, 0)
        published_loc = Y.location(published_node, self.file.rel) if published_node is not None else None
        extra = {"mode": Y.text(Y.get(entry, "mode"))} if Y.get(entry, "mode") is not None else {}
        return self._mapping_facts(spec, owner, slot, published_loc, Y.location(target_node, self.file.rel),
                                   tuple(published.defined_at), tuple(target.defined_at), extra)

    def _mapping_facts(self, spec: PortSpec, owner: EntityRef, slot: str, published_loc: Location | None,
                       target_loc: Location, published_defined: tuple, target_defined: tuple,
                       extra: dict | None = None) -> list[PortFact]:
        common = {"host_ip": spec.host_ip, **(extra or {})}
        target_range = parse_range(spec.target)
        published_range = parse_range(spec.published) if spec.published else None
        problem = _range_problem(spec, target_range, published_range)
        if problem:
            return [self._fact(PortValue.unresolved_expr(f"{spec.published}:{spec.target}" if spec.published
                                                         else spec.target), Role.TARGET, owner,
                               published_loc or target_loc, slot,
                               {**common, "field": "ports", "invalid_range": problem}, spec.protocol)]
        if target_range is None:
            facts = [self._fact(PortValue.parse(spec.target, target_defined), Role.TARGET, owner, target_loc, slot,
                                {**common, "field": "ports.target", "published": spec.published}, spec.protocol)]
            if spec.published and published_loc is not None:
                facts.append(self._fact(PortValue.parse(spec.published, published_defined), Role.PUBLISH, owner,
                                        published_loc, slot, {**common, "field": "ports.published",
                                                              "target": spec.target}, spec.protocol))
            return facts
        return self._range_facts(spec, target_range, published_range, owner, slot, published_loc, target_loc,
                                 published_defined, target_defined, common)

    def _range_facts(self, spec, target_range, published_range, owner, slot, published_loc, target_loc,
                     published_defined, target_defined, common) -> list[PortFact]:
        facts: list[PortFact] = []
        ranged = target_range.size > 1 or (published_range is not None and published_range.size > 1)
        pool = published_range is not None and published_range.size > 1 and target_range.size == 1
        range_attrs = {"range": f"{spec.published}:{spec.target}" if spec.published else spec.target} if ranged else {}
        targets = expand(target_range)
        for index, port in enumerate(targets):
            published = spec.published if pool else ""
            if published_range is not None and not pool:
                published = str(published_range.start + (port - target_range.start))
            facts.append(self._fact(PortValue.parse(port, target_defined), Role.TARGET, owner, target_loc, slot,
                                    {**common, **range_attrs, "field": "ports.target", "published": published},
                                    spec.protocol))
            if published and not pool and published_loc is not None:
                facts.append(self._fact(PortValue.parse(int(published), published_defined), Role.PUBLISH, owner,
                                        published_loc, slot, {**common, **range_attrs, "field": "ports.published",
                                                              "target": str(port)}, spec.protocol))
        if pool and published_loc is not None:
            for port in expand(published_range):
                facts.append(self._fact(PortValue.parse(port, published_defined), Role.PUBLISH, owner, published_loc,
                                        slot, {**common, **range_attrs, "field": "ports.published",
                                               "target": spec.target, "pool": True}, spec.protocol))
        return facts

    def _expose(self, entry: Any, i: int, owner: EntityRef) -> list[PortFact]:
        raw = Y.text(entry)
        if raw is None:
            return []
        value = interpolate(raw, self.env)
        where = Y.location(entry, self.file.rel)
        if value.text is None:
            return [self._fact(PortValue.unresolved_expr(raw), Role.EXPOSE, owner, where, f"expose[{i}]",
                               {"field": "expose"})]
        body, slash, protocol = value.text.partition("/")
        protocol = protocol.upper() if slash else "TCP"
        port_range = parse_range(body)
        defined = tuple(value.defined_at)
        if port_range is None or port_range.size == 1:
            return [self._fact(PortValue.parse(body, defined), Role.EXPOSE, owner, where, f"expose[{i}]",
                               {"field": "expose"}, protocol)]
        if port_range.end < port_range.start:
            return [self._fact(PortValue.unresolved_expr(body), Role.EXPOSE, owner, where, f"expose[{i}]",
                               {"field": "expose", "invalid_range": f"the range {body} starts above its end"}, protocol)]
        return [self._fact(PortValue.parse(port, defined), Role.EXPOSE, owner, where, f"expose[{i}]",
                           {"field": "expose", "range": body}, protocol) for port in expand(port_range)]

    # -- environment, command, healthcheck ----------------------------------------------------
    def _environment(self, node: Any, owner: EntityRef) -> list[PortFact]:
        facts = []
        if Y.is_mapping(node):
            for key, value in Y.items(node):
                name = Y.text(key)
                raw = Y.text(value)
                if name and raw is not None and is_port_env(name):
                    facts.append(self._env_fact(name, raw, Y.location(value, self.file.rel), owner))
        for entry in Y.seq(node):
            raw = Y.text(entry)
            if raw is None or "=" not in raw:
                continue
            name, _, value = raw.partition("=")
            if is_port_env(name.strip()):
                start = self._scalar_start(entry)
                where = Location(self.file.rel, start.line, start.column + len(name) + 1)
                facts.append(self._env_fact(name.strip(), value, where, owner))
        return facts

    def _env_fact(self, name: str, raw: str, where: Location, owner: EntityRef) -> PortFact:
        value = interpolate(raw, self.env)
        port = PortValue.parse(value.text, tuple(value.defined_at)) if value.text is not None \
            else PortValue.unresolved_expr(raw)
        return self._fact(port, Role.CONFIG, owner, where, f"environment.{name}",
                          {"field": f"environment.{name}", "env_var": name})

    def _command(self, node: Any, field_name: str, owner: EntityRef) -> list[PortFact]:
        facts = []
        for found in ports_in_words(self._words(node)):
            value = interpolate(found.port_text, self.env) if "$" in found.port_text else Interpolated(found.port_text)
            port = PortValue.parse(value.text, tuple(value.defined_at)) if value.text is not None \
                else PortValue.unresolved_expr(found.port_text)
            attrs = {"field": field_name, "flag": found.flag}
            if found.host:
                attrs["host"] = found.host
            facts.append(self._fact(port, Role.LISTEN, owner, self._word_location(node, found.offset), field_name,
                                    attrs))
        return facts

    def _healthcheck(self, node: Any, owner: EntityRef) -> list[PortFact]:
        facts = []
        for word in self._words(node):
            text = word.text
            if "://" not in text:
                continue
            parsed = url_port(text)
            if parsed is None or parsed.offset is None:
                continue
            facts.append(self._fact(PortValue.parse(parsed.port_text), Role.PROBE, owner,
                                    self._word_location(node, word.offset + parsed.offset),
                                    "healthcheck", {"field": "healthcheck.test", "host": parsed.host}))
        return facts

    # -- words and positions ------------------------------------------------------------------
    def _words(self, node: Any) -> list[Token]:
        """Words of a command with offsets: a list item is a word (one holding spaces, like
        ``sh -c '…'``'s script, is split again); offsets of item ``i`` are ``i × 100000 + offset``."""
        if Y.is_sequence(node):
            words = []
            for i, item in enumerate(Y.seq(node)):
                text = Y.text(item)
                if text is None:
                    continue
                inner = tokenize(text) if any(c.isspace() for c in text) else [Token(text, 0)]
                words.extend(Token(t.text, i * 100000 + t.offset) for t in inner)
            return words
        text = Y.text(node)
        return tokenize(text) if text else []

    def _word_location(self, node: Any, offset: int) -> Location:
        if Y.is_sequence(node):
            item = Y.seq(node)[offset // 100000]
            return self._inside(item, offset % 100000)
        return self._inside(node, offset)

    def _inside(self, node: Any, offset: int) -> Location:
        """The location of a character of a scalar: exact for one-line plain and quoted scalars."""
        start = self._scalar_start(node)
        if node.start_mark.line == node.end_mark.line and node.style in (None, '"', "'"):
            return Location(self.file.rel, start.line, start.column + offset)
        return Y.location(node, self.file.rel)

    def _scalar_start(self, node: Any) -> Location:
        where = Y.location(node, self.file.rel)
        quoted = getattr(node, "style", None) in ('"', "'")
        return Location(where.path, where.line, where.column + (1 if quoted else 0))

    def _interpolated(self, node: Any) -> Interpolated:
        raw = Y.text(node)
        return interpolate(raw, self.env) if raw is not None else Interpolated(None)

    def _fact(self, value: PortValue, role: Role, owner: EntityRef, where: Location, slot: str, attrs: dict,
              protocol: str = "TCP") -> PortFact:
        return PortFact(value=value, role=role, owner=owner, location=where, protocol=protocol.upper(),
                        environment=self.file.environment, slot=slot, attrs=attrs)


def _range_problem(spec: PortSpec, target, published) -> str | None:
    """Why a ranged mapping is invalid (Docker rejects it), or None."""
    for label, found in (("container", target), ("published", published)):
        if found is not None and found.end < found.start:
            return f"the {label} range {found.start}-{found.end} starts above its end"
    if target is not None and published is not None and target.size > 1 and target.size != published.size:
        return (f"the published range {spec.published} ({published.size} ports) and the container range "
                f"{spec.target} ({target.size} ports) differ in size")
    return None
