"""Docker Compose files: published ports, container ports, ``expose``, port env vars, the ports a
service's ``command`` listens on, healthcheck URLs, and the Dockerfile it builds.

``compose.yaml``/``compose.yml``, ``docker-compose.yml``/``.yaml`` and their ``*.override``/
``.<env>`` variants. Composed with :mod:`portlint.readers._yaml` (scalars keep their raw text:
``22:22`` is never the YAML 1.1 integer 1342). ``${VAR:-default}`` is interpolated from the
``.env`` of the project folder (``$$`` is a literal ``$``; anything left unknown is an unresolved
value, never a number). Projects follow Compose (:mod:`portlint.readers._compose_project`): a file
and its ``*.override.yml``, with the files it ``include``s and the services it ``extends``; a
service named in two files of one project is one entity. See docs/model-apps.md.
"""

from __future__ import annotations

import posixpath
from typing import Any

from portlint.discover import SourceFile
from portlint.model import Entity, EntityRef, Location, ParseFailure, PortFact, PortValue, Role, Severity
from portlint.readers import ReadContext, ReadOutput
from portlint.readers import _compose_project as P
from portlint.readers import _yaml as Y
from portlint.readers._app_common import (
    LineIndex,
    Token,
    is_port_env,
    modules_run,
    runs_a_server,
    ports_in_words,
    tokenize,
    url_port,
)
from portlint.scopes import is_compose_name
from portlint.readers._app_compose import (
    DotenvValue,
    Interpolated,
    PortSpec,
    interpolate,
    load_dotenv,
    parse_port_spec,
    parse_range,
)

NAME = "compose"
KIND = "compose/service"


def wants(file: SourceFile, ctx: ReadContext) -> bool:
    return is_compose_name(file.name)


def read(files: list[SourceFile], ctx: ReadContext) -> ReadOutput:
    output = ReadOutput()
    entities: dict[str, Entity] = {}
    documents = P.Documents(ctx.root, ctx.config.max_file_size)
    own: dict[str, SourceFile] = {}
    for file in files:
        if _parse(file, ctx, output, documents):
            own[file.rel] = file
    projects = P.plan_projects(list(own))
    included = {rel for parent in own for rel, _ in P.included_files(documents.get(parent)[0], _folder(parent))
                if rel and rel != parent}
    for rel in sorted(own):
        if rel in included:
            continue  # read as part of the project that includes it
        file, project = own[rel], projects[rel]
        _read_project_file(rel, file.environment, project, ctx, output, entities, documents, set(), 0)
    output.entities.extend(entities[k] for k in sorted(entities))
    return output


def project_of(rel: str) -> str:
    """The folder of a compose file relative to the scan root (``""`` at the root)."""
    return _folder(rel)


def _folder(rel: str) -> str:
    return posixpath.dirname(rel)


def _parse(file: SourceFile, ctx: ReadContext, output: ReadOutput, documents: P.Documents) -> bool:
    text = output.text_of(file, NAME)
    if text is None:
        return False
    try:
        parsed = ctx.memo(f"yaml:{file.rel}", lambda: Y.compose_documents(text))
        if parsed and Y.may_alias(text):
            Y.count_nodes(parsed[0])
    except Y.YamlError as exc:
        error = Y.foreign_template(exc, text, file.rel, dollar=False)
        output.failures.append(ParseFailure(Location(file.rel, error.line, error.column), error.message, NAME,
                                            Severity.NOTE if isinstance(error, Y.CutShort) else Severity.ERROR))
        return False
    if not parsed or not Y.is_mapping(parsed[0]):
        return False
    documents.put(file.rel, parsed[0], text)
    return True


def _dotenv(ctx: ReadContext, folder: str) -> dict[str, DotenvValue] | None:
    """The ``.env`` of a project folder, or ``None`` when the folder has none."""
    rel = posixpath.join(folder, ".env") if folder else ".env"
    return ctx.memo(f"compose-dotenv:{folder}", lambda: load_dotenv(ctx.root / rel, rel, root=ctx.root,
                                                                   limit=ctx.config.max_file_size))


def _read_project_file(rel: str, environment: str | None, project: P.Project, ctx: ReadContext,
                       output: ReadOutput, entities: dict[str, Entity], documents: P.Documents,
                       seen: set[str], depth: int, env: dict[str, DotenvValue] | None = None) -> None:
    """The services of one file of a project, then those of the files it includes."""
    loaded = documents.get(rel)
    if loaded is None or rel in seen or depth > P.MAX_DEPTH:
        return
    seen.add(rel)
    document, text = loaded
    folder = _folder(rel)
    own_env = _dotenv(ctx, folder)
    env = own_env if own_env or env is None else env
    reader = _ComposeFile(rel, environment, folder, project, LineIndex(text), env, documents, text)
    services = Y.get(document, "services")
    for key, node in Y.items(services) if Y.is_mapping(services) else []:
        name = Y.text(key)
        if name and Y.is_mapping(node):
            reader.service(name, key, node, output, entities)
    for included, node in P.included_files(document, folder):
        if included is None or documents.get(included) is None:
            output.failures.append(ParseFailure(
                Y.location(node, rel), f"include {Y.text(node)!r} is not read (remote, outside the scan root, "
                f"missing or not a compose file): its services are unknown", NAME, Severity.NOTE))
            continue
        _read_project_file(included, environment, project, ctx, output, entities, documents, seen, depth + 1, env)


class _ComposeFile:
    def __init__(self, rel: str, environment: str | None, folder: str, project: P.Project, index: LineIndex,
                 env: dict[str, DotenvValue], documents: P.Documents, text: str) -> None:
        self.rel, self.environment, self.folder, self.project = rel, environment, folder, project
        self.index, self.env, self.documents, self.text = index, env, documents, text

    # -- a service ----------------------------------------------------------------------------
    def service(self, name: str, key_node: Any, node: Any, output: ReadOutput, entities: dict[str, Entity]) -> None:
        ref = EntityRef(KIND, name, namespace=self.project.id)
        bases = P.extended(node, self.rel, self.text, self.documents)
        readers = [self, *(self._for(base) for base in bases)]
        nodes = [node, *(base.node for base in bases)]
        attrs = {"compose_file": self.rel, "project": self.project.id, "project_dir": self.folder}
        for reader, each in zip(readers, nodes):  # the service's own keys win over what it extends
            for k, v in {**reader._build(each), **reader._names(each)}.items():
                attrs.setdefault(k, v)
        if bases:
            attrs["extends"] = [f"{b.rel}" for b in bases]
        runs = next((r for r in (reader._runs(each) for reader, each in zip(readers, nodes)) if r), [])
        if runs:
            attrs["runs"] = runs
        command_words = next((w for w in (reader._command_words(each) for reader, each in zip(readers, nodes)) if w), [])
        if runs_a_server(command_words):
            attrs["server_imports"] = True
        if any(Y.get(each, "command") is not None or Y.get(each, "entrypoint") is not None for each in nodes):
            attrs["has_command"] = True
        entity = entities.get(ref.id)
        if entity is None:
            entities[ref.id] = Entity(ref, Y.location(key_node, self.rel), self.environment, attrs=attrs)
        else:
            for k, v in attrs.items():
                entity.attrs.setdefault(k, v)
        taken: set[str] = set()
        for reader, each in zip(readers, nodes):
            output.facts.extend(reader._port_facts(each, ref, taken))

    def _for(self, base: P.Base) -> _ComposeFile:
        """A reader for the file a base service is written in (its lines, its folder)."""
        if base.rel == self.rel:
            return self
        return _ComposeFile(base.rel, self.environment, _folder(base.rel), self.project, LineIndex(base.text),
                            self.env, self.documents, base.text)

    def _port_facts(self, node: Any, ref: EntityRef, taken: set[str]) -> list[PortFact]:
        """Facts of one service node; ``taken`` holds what a service extending it already set
        (Compose appends ``ports``/``expose``, merges ``environment`` by name, and lets the
        extending service's ``command``/``entrypoint``/``healthcheck`` replace the base's)."""
        facts: list[PortFact] = []
        for i, entry in enumerate(Y.seq(Y.get(node, "ports"))):
            facts.extend(self._port_entry(entry, i, ref))
        for i, entry in enumerate(Y.seq(Y.get(node, "expose"))):
            facts.extend(self._expose(entry, i, ref))
        facts.extend(f for f in self._environment(Y.get(node, "environment"), ref)
                     if f.attrs.get("env_var") not in taken)
        taken.update(self._env_names(Y.get(node, "environment")))
        facts.extend(self._env_files(Y.get(node, "env_file"), ref, taken))
        for field_name in ("command", "entrypoint"):
            if field_name not in taken and Y.get(node, field_name) is not None:
                facts.extend(self._command(Y.get(node, field_name), field_name, ref))
                taken.add(field_name)
        if "healthcheck" not in taken and Y.get(node, "healthcheck") is not None:
            facts.extend(self._healthcheck(Y.get_path(node, "healthcheck", "test"), ref))
            taken.add("healthcheck")
        return facts

    def _env_files(self, node: Any, owner: EntityRef, taken: set[str]) -> list[PortFact]:
        """Port variables the container gets from ``env_file`` (``environment`` wins; a later file
        wins over an earlier one). Located where the value is written, in the env file. Only valid
        port numbers: the env file's own reader reports the rest at the same line."""
        entries = Y.seq(node) if Y.is_sequence(node) else ([node] if node is not None else [])
        facts: list[PortFact] = []
        for entry in reversed(entries):
            written = Y.text(Y.get(entry, "path") if Y.is_mapping(entry) else entry)
            rel = P.inside(self.folder, written or "")
            if rel is None:
                continue
            root = self.documents.root
            values = load_dotenv(root / rel, rel, root=root)
            for name in sorted(values):
                if name in taken or not is_port_env(name):
                    continue
                taken.add(name)
                port = self._value(values[name].value)
                if port.number is None or not 1 <= port.number <= 65535:
                    continue
                facts.append(self._fact(port, Role.CONFIG, owner, values[name].location, f"env_file.{name}",
                                        {"field": f"env_file.{name}", "env_var": name, "env_file": rel}))
        return facts

    def _env_names(self, node: Any) -> set[str]:
        if Y.is_mapping(node):
            return {n for n in (Y.text(k) for k, _ in Y.items(node)) if n}
        return {(Y.text(e) or "").partition("=")[0].strip() for e in Y.seq(node)} - {""}

    def _names(self, node: Any) -> dict:
        out = {}
        for key in ("container_name", "image", "network_mode"):
            value = Y.text(Y.get(node, key))
            if value:
                out[key] = value
        profiles = sorted({t for t in (Y.text(p) for p in Y.seq(Y.get(node, "profiles"))) if t})
        if profiles:
            out["profiles"] = profiles
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
        context_rel = posixpath.normpath(posixpath.join(self.folder, context)) if self.folder else posixpath.normpath(context)
        if context_rel.startswith(".."):
            return {}
        context_rel = "" if context_rel == "." else context_rel
        dockerfile_rel = posixpath.normpath(posixpath.join(context_rel, dockerfile or "Dockerfile"))
        where = Y.location(context_node if context_node is not None else build, self.rel)
        out = {"build_context": context_rel, "dockerfile": dockerfile_rel, "build_location": where}
        target = Y.text(Y.get(build, "target")) if Y.is_mapping(build) else None
        if target:
            out["build_target"] = target  # the stage built: links.containers.image_of
        return out

    def _runs(self, node: Any) -> list[str]:
        return modules_run(self._command_words(node))

    def _command_words(self, node: Any) -> list[str]:
        words: list[str] = []
        for key in ("entrypoint", "command"):
            words.extend(t.text for t in self._words(Y.get(node, key)))
        return words

    # -- ports --------------------------------------------------------------------------------
    def _port_entry(self, entry: Any, i: int, owner: EntityRef) -> list[PortFact]:
        slot = f"ports[{i}]"
        if Y.is_mapping(entry):
            return self._long_port(entry, slot, owner)
        raw = Y.text(entry)
        if raw is None:
            return []
        value = interpolate(raw, self.env)
        if value.text is None or "$" in value.text:
            return [self._fact(PortValue.unresolved_expr(raw), Role.TARGET, owner, Y.location(entry, self.rel),
                               slot, {"field": "ports", "variables": value.variables})]
        spec = parse_port_spec(value.text)
        if spec is None:
            return [self._fact(PortValue.parse(raw), Role.TARGET, owner, Y.location(entry, self.rel), slot,
                               {"field": "ports"})]
        base = self._scalar_start(entry)
        exact = not value.changed

        def where(offset: int | None) -> Location:
            if offset is None or not exact:
                return Y.location(entry, self.rel)
            return Location(self.rel, base.line, base.column + offset)

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
                facts.append(self._fact(port, role, owner, Y.location(node, self.rel), slot,
                                        {"field": f"ports.{'target' if role == Role.TARGET else 'published'}",
                                         "host_ip": Y.text(Y.get(entry, "host_ip")) or "",
                                         "variables": value.variables}))
            return facts
        spec = PortSpec(Y.text(Y.get(entry, "host_ip")) or "", published.text, target.text,
                        (Y.text(Y.get(entry, "protocol")) or "tcp").upper(), 0 if published.text else None, 0)
        published_loc = Y.location(published_node, self.rel) if published_node is not None else None
        extra = {"mode": Y.text(Y.get(entry, "mode"))} if Y.get(entry, "mode") is not None else {}
        return self._mapping_facts(spec, owner, slot, published_loc, Y.location(target_node, self.rel),
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
        """A ranged mapping as intervals: one target fact and one published fact, never one per port."""
        ranged = target_range.size > 1 or (published_range is not None and published_range.size > 1)
        pool = published_range is not None and published_range.size > 1 and target_range.size == 1
        range_attrs = {"range": f"{spec.published}:{spec.target}" if spec.published else spec.target} if ranged else {}
        target = PortValue.interval(target_range.start, target_range.end, spec.target, target_defined)
        facts = [self._fact(target, Role.TARGET, owner, target_loc, slot,
                            {**common, **range_attrs, "field": "ports.target", "published": spec.published or ""},
                            spec.protocol)]
        if published_range is not None and published_loc is not None:
            published = PortValue.interval(published_range.start, published_range.end, spec.published,
                                           published_defined)
            facts.append(self._fact(published, Role.PUBLISH, owner, published_loc, slot,
                                    {**common, **range_attrs, "field": "ports.published", "target": target.text,
                                     **({"pool": True} if pool else {})}, spec.protocol))
        return facts

    def _expose(self, entry: Any, i: int, owner: EntityRef) -> list[PortFact]:
        raw = Y.text(entry)
        if raw is None:
            return []
        value = interpolate(raw, self.env)
        where = Y.location(entry, self.rel)
        if value.text is None or "$" in value.text:
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
        return [self._fact(PortValue.interval(port_range.start, port_range.end, body, defined), Role.EXPOSE, owner,
                           where, f"expose[{i}]", {"field": "expose", "range": body}, protocol)]

    # -- environment, command, healthcheck ----------------------------------------------------
    def _environment(self, node: Any, owner: EntityRef) -> list[PortFact]:
        facts = []
        if Y.is_mapping(node):
            for key, value in Y.items(node):
                name = Y.text(key)
                raw = Y.text(value)
                if name and raw is not None and is_port_env(name) and not self._optional(raw):
                    facts.append(self._env_fact(name, raw, Y.location(value, self.rel), owner))
        for entry in Y.seq(node):
            raw = Y.text(entry)
            if raw is None or "=" not in raw:
                continue
            name, _, value = raw.partition("=")
            if is_port_env(name.strip()) and not self._optional(value):
                start = self._scalar_start(entry)
                where = Location(self.rel, start.line, start.column + len(name) + 1)
                facts.append(self._env_fact(name.strip(), value, where, owner))
        return facts

    def _optional(self, raw: str) -> bool:
        """An empty value (``MAIL_PORT=``, ``${REPLICA_PORT:-}`` interpolated to nothing): the
        setting is unset here, which states no port (:meth:`PortValue.parse_setting`)."""
        if "$" not in raw:
            return not raw.strip()
        value = interpolate(raw, self.env)
        return value.text is not None and value.text.strip() == ""

    def _value(self, raw: str, setting: bool = False) -> PortValue:
        """A port written as text, interpolated: unknown when a variable is unset, and when a ``$``
        is left (``$$PORT`` is the container shell's variable, not a number). A ``setting`` (an
        environment variable) may be a listen address (``:80``)."""
        value = interpolate(raw, self.env) if "$" in raw else Interpolated(raw)
        if value.text is None or "$" in value.text:
            return PortValue.unresolved_expr(raw)
        if setting:
            return PortValue.parse_setting(value.text, tuple(value.defined_at)) or PortValue.unresolved_expr(raw)
        return PortValue.parse(value.text, tuple(value.defined_at))

    def _env_fact(self, name: str, raw: str, where: Location, owner: EntityRef) -> PortFact:
        port = self._value(raw, setting=True)
        return self._fact(port, Role.CONFIG, owner, where, f"environment.{name}",
                          {"field": f"environment.{name}", "env_var": name})

    def _command(self, node: Any, field_name: str, owner: EntityRef) -> list[PortFact]:
        facts = []
        for found in ports_in_words(self._words(node)):
            port = self._value(found.port_text)
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
            facts.append(self._fact(self._value(parsed.port_text), Role.PROBE, owner,
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
            return Location(self.rel, start.line, start.column + offset)
        return Y.location(node, self.rel)

    def _scalar_start(self, node: Any) -> Location:
        where = Y.location(node, self.rel)
        quoted = getattr(node, "style", None) in ('"', "'")
        return Location(where.path, where.line, where.column + (1 if quoted else 0))

    def _interpolated(self, node: Any) -> Interpolated:
        raw = Y.text(node)
        value = interpolate(raw, self.env) if raw is not None else Interpolated(None)
        return Interpolated(None, value.defined_at, value.variables) if "$" in (value.text or "") else value

    def _fact(self, value: PortValue, role: Role, owner: EntityRef, where: Location, slot: str, attrs: dict,
              protocol: str = "TCP") -> PortFact:
        return PortFact(value=value, role=role, owner=owner, location=where, protocol=protocol.upper(),
                        environment=self.environment, slot=slot, attrs=attrs)


def _range_problem(spec: PortSpec, target, published) -> str | None:
    """Why a ranged mapping is invalid (Docker rejects it), or None."""
    for label, found in (("container", target), ("published", published)):
        if found is not None and found.end < found.start:
            return f"the {label} range {found.start}-{found.end} starts above its end"
    if target is not None and published is not None and target.size > 1 and target.size != published.size:
        return (f"the published range {spec.published} ({published.size} ports) and the container range "
                f"{spec.target} ({target.size} ports) differ in size")
    return None
