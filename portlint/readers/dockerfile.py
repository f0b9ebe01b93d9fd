"""Dockerfiles: ``EXPOSE`` (ranges, ``/udp``, ``${ARG}``), port ``ENV``, the port ``CMD`` /
``ENTRYPOINT`` listen on (``--port 8000``, ``-b 0.0.0.0:8000``, ``--bind``), ``HEALTHCHECK``
URLs, and the module the command runs.

Only the final stage (and the stages it is built ``FROM``) describes the image: ``EXPOSE`` in a
builder stage does not reach it. ``ARG`` defaults and ``ENV`` values resolve ``$VAR`` in
``EXPOSE`` and ``ENV`` (build time) and in the shell form of ``CMD`` (run time: the ``ENV``
value is the default, the container's environment may override it). See docs/model-apps.md.
"""

from __future__ import annotations

import posixpath
import re

from portlint.discover import SourceFile
from portlint.model import Entity, EntityRef, Location, PortFact, PortValue, Role
from portlint.readers import ReadContext, ReadOutput
from portlint.readers._app_common import (Token, is_port_env, modules_run, ports_in_words, runs_a_server, tokenize,
                                          url_port)
from portlint.readers._app_compose import parse_range
from portlint.readers._app_dockerfile import Instruction, final_chain, parse, substitute

WEIGHT = 1.1  # CPU per byte, relative (measured on the bench tree): a line-by-line read
TRANSFER = 0.2  # results sent back from a reading process, per unit of reading (docs/model.md)
NAME = "dockerfile"
PER_FILE = True  # a file's facts depend on that file alone (the cache keeps them file by file)
KIND = "docker/image"
_ENV_PAIR = re.compile(r"""([A-Za-z_][A-Za-z0-9_.]*)=("(?:\\.|[^"\\])*"|'[^']*'|\S*)""")


_NOT_DOCKERFILES = (".md", ".rst", ".txt", ".json", ".yml", ".yaml", ".py", ".sh", ".dockerignore", ".orig", ".rej")


def wants(file: SourceFile, ctx: ReadContext) -> bool:
    name = file.name.lower()
    if name.endswith(_NOT_DOCKERFILES):
        return False
    return (name in ("dockerfile", "containerfile") or name.startswith(("dockerfile.", "containerfile."))
            or name.endswith((".dockerfile", ".containerfile")))


def read(files: list[SourceFile], ctx: ReadContext) -> ReadOutput:
    output = ReadOutput()
    for file in files:
        text = output.text_of(file, NAME)
        if text is None:
            continue
        _Image(file).read(text, output)
    return output


class _Image:
    """One Dockerfile: walk the final stage chain, keeping ARG/ENV values for substitution."""

    def __init__(self, file: SourceFile) -> None:
        self.file = file
        self.ref = EntityRef(KIND, file.rel)
        self.values: dict[str, str] = {}
        self.sources: dict[str, Location] = {}
        self.env_vars: set[str] = set()
        self.facts: list[PortFact] = []
        self.runs: dict[str, list[str]] = {}
        self.servers: dict[str, bool] = {}  # instruction → it runs a server that imports the module

    def read(self, text: str, output: ReadOutput) -> None:
        global_instructions, stages = parse(text)
        if not stages:
            return
        global_args = self._global_args(global_instructions)
        chain = final_chain(stages)
        for stage in chain:
            for instruction in stage.instructions[1:]:
                self._instruction(instruction, global_args)
        final = chain[-1]
        attrs = {"path": self.file.rel, "context_dir": posixpath.dirname(self.file.rel), "base_image": chain[0].base,
                 "final_stage": final.name}
        runs = self.runs.get("ENTRYPOINT") or self.runs.get("CMD")
        if runs:
            attrs["runs"] = runs
        if self.servers.get("ENTRYPOINT") or self.servers.get("CMD"):
            attrs["server_imports"] = True
        first = final.instructions[0]
        output.entities.append(Entity(self.ref, Location(self.file.rel, first.line, 1), self.file.environment,
                                      attrs=attrs))
        output.facts.extend(self.facts)

    def _global_args(self, instructions: list[Instruction]) -> dict[str, tuple[str, Location]]:
        out = {}
        for instruction in instructions:
            if instruction.keyword == "ARG":
                for name, value, where in self._assignments(instruction, legacy=False):
                    if value is not None:
                        out[name] = (value, where)
        return out

    def _instruction(self, instruction: Instruction, global_args: dict[str, tuple[str, Location]]) -> None:
        keyword = instruction.keyword
        if keyword == "ARG":
            for name, value, where in self._assignments(instruction, legacy=False):
                if value is None and name in global_args:
                    value, where = global_args[name]
                if value is not None and name not in self.env_vars:
                    self._define(name, value, where)
        elif keyword == "ENV":
            for name, value, where in self._assignments(instruction, legacy=True):
                self._env(instruction, name, value, where)
        elif keyword == "EXPOSE":
            self._expose(instruction)
        elif keyword in ("CMD", "ENTRYPOINT"):
            self._command(instruction)
        elif keyword == "HEALTHCHECK":
            self._healthcheck(instruction)

    def _define(self, name: str, value: str, where: Location) -> None:
        resolved, _ = substitute(value, self.values)
        self.values[name] = resolved if resolved is not None else value
        self.sources[name] = where

    # -- ARG / ENV ----------------------------------------------------------------------------
    def _assignments(self, instruction: Instruction, legacy: bool):
        """``NAME=value`` pairs (quotes stripped) with the value's location; ``ENV NAME value``."""
        args = instruction.args
        pairs = list(_ENV_PAIR.finditer(args))
        if not pairs:
            words = args.split(None, 1)
            if not words:
                return
            if legacy and len(words) == 2:
                offset = args.index(words[1], len(words[0]))
                yield words[0], words[1].strip(), self._at(instruction, offset)
            elif not legacy:
                yield words[0], None, self._at(instruction, 0)
            return
        for match in pairs:
            raw, offset = match.group(2), match.start(2)
            if raw[:1] in "'\"" and raw.endswith(raw[:1]) and len(raw) >= 2:
                raw, offset = raw[1:-1], offset + 1
            yield match.group(1), raw, self._at(instruction, offset)

    def _env(self, instruction: Instruction, name: str, value: str, where: Location) -> None:
        resolved, _ = substitute(value, self.values)
        self.env_vars.add(name)
        self._define(name, value, where)
        if not is_port_env(name):
            return
        port = PortValue.parse_setting(resolved, self._defined(value)) if resolved is not None \
            else PortValue.unresolved_expr(value)
        if port is not None:
            self._fact(port, Role.CONFIG, where, f"ENV {name}", {"env_var": name})

    # -- EXPOSE -------------------------------------------------------------------------------
    def _expose(self, instruction: Instruction) -> None:
        for word in tokenize(instruction.args):
            where = self._at(instruction, word.offset)
            text, _ = substitute(word.text, self.values)
            defined = self._defined(word.text)
            if text is None:
                self._fact(PortValue.unresolved_expr(word.text), Role.EXPOSE, where, "EXPOSE", {})
                continue
            body, slash, protocol = text.partition("/")
            protocol = protocol.upper() if slash else "TCP"
            port_range = parse_range(body)
            if port_range is None or port_range.size == 1:
                self._fact(PortValue.parse(body, defined), Role.EXPOSE, where, "EXPOSE", {}, protocol)
            elif port_range.end < port_range.start:
                self._fact(PortValue.unresolved_expr(body), Role.EXPOSE, where, "EXPOSE",
                           {"invalid_range": f"the range {body} starts above its end"}, protocol)
            else:  # one interval, never expanded
                self._fact(PortValue.interval(port_range.start, port_range.end, body, defined), Role.EXPOSE, where,
                           "EXPOSE", {"range": body}, protocol)

    # -- CMD / ENTRYPOINT / HEALTHCHECK -------------------------------------------------------
    def _words(self, instruction: Instruction) -> tuple[list[Token], bool]:
        exec_words = instruction.exec_form()
        if exec_words is not None:
            return [Token(w, o) for w, o in exec_words], True
        return tokenize(instruction.args), False

    def _command(self, instruction: Instruction) -> None:
        words, exec_form = self._words(instruction)
        self.runs[instruction.keyword] = modules_run([w.text for w in words])
        self.servers[instruction.keyword] = runs_a_server([w.text for w in words])
        for found in ports_in_words(words):
            attrs = {"flag": found.flag}
            if found.host:
                attrs["host"] = found.host
            port = self._runtime_value(found.port_text, exec_form, attrs)
            self._fact(port, Role.LISTEN, self._at(instruction, found.offset), instruction.keyword, attrs)

    def _runtime_value(self, text: str, exec_form: bool, attrs: dict) -> PortValue:
        """A command's ``$PORT``: the shell expands it at run time (ENV is the default); the
        exec form passes it literally, so it stays unresolved."""
        if "$" not in text:
            return PortValue.parse(text)
        names = re.findall(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)", text)
        if names:
            attrs["env_var"] = names[0]
        if exec_form:
            return PortValue.unresolved_expr(text)
        resolved, _ = substitute(text, {k: v for k, v in self.values.items() if k in self.env_vars})
        return PortValue.parse(resolved, self._defined(text)) if resolved is not None \
            else PortValue.unresolved_expr(text)

    def _healthcheck(self, instruction: Instruction) -> None:
        for word in tokenize(instruction.args):
            if "://" not in word.text:
                continue
            parsed = url_port(word.text)
            if parsed is None or parsed.offset is None:
                continue
            self._fact(PortValue.parse(parsed.port_text), Role.PROBE,
                       self._at(instruction, word.offset + parsed.offset), "HEALTHCHECK", {"host": parsed.host})

    # -- helpers ------------------------------------------------------------------------------
    def _defined(self, text: str) -> tuple[Location, ...]:
        names = re.findall(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)", text)
        return tuple(self.sources[n] for n in names if n in self.sources)

    def _at(self, instruction: Instruction, offset: int) -> Location:
        line, column = instruction.position(offset)
        return Location(self.file.rel, line, column)

    def _fact(self, value: PortValue, role: Role, where: Location, field_name: str, attrs: dict,
              protocol: str = "TCP") -> None:
        self.facts.append(PortFact(value=value, role=role, owner=self.ref, location=where, protocol=protocol,
                                   environment=self.file.environment, slot=f"{field_name}@{where.line}",
                                   attrs={"field": field_name, **attrs}))
