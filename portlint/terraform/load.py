"""Files → modules: every ``.tf`` file of a folder is one module; tfvars give values per
environment; files of a module folder the scan did not hand over are read for definitions."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from portlint.discover import SourceFile, UndecodableFile, infer_environment
from portlint.model import Location
from portlint.readers import ReadContext, ReadOutput
from portlint.terraform.model import Body, Module, Parsed, Resource
from portlint.terraform.json_syntax import parse_json
from portlint.terraform.parse import parse

NAME = "terraform"


# Words without which a .tf file can hold no port fact, no value a port fact needs, and no
# resource a port fact links to. "port" is matched unless a letter precedes it (export, report).
_TELLTALE = re.compile(
    r"(?<![A-Za-z])port|Port|ingress|egress|aws_lb|aws_alb|security_group|variable|locals"
    r"|aws_db_|aws_rds_|elasticache|aws_ecs_|aws_docdb_|aws_redshift_|aws_memorydb_|aws_instance"
    r"|module|firewall|network_acl|security_rule|codedeploy|google_compute_instance|azurerm_network_interface"
    r"|virtual_machine|azurerm_subnet")
# ``resource "type" "name"`` at the start of a line (only blanks before it on its line)
_RESOURCE_HEADER = re.compile(r'resource\s+"([A-Za-z0-9_-]+)"\s+"([A-Za-z0-9_-]+)"')


@dataclass
class ModuleInput:
    """A module folder: its definitions, the resources to report, and whether the scan saw it all."""

    module: Module
    environment: str | None
    reported: list[Resource] = field(default_factory=list)
    complete: bool = True


def _dir_of(rel: str) -> str:
    parent = PurePosixPath(rel).parent.as_posix()
    return "" if parent == "." else parent


def load_modules(files: list[SourceFile], ctx: ReadContext, out: ReadOutput) -> list[ModuleInput]:
    tf_by_dir: dict[str, list[SourceFile]] = {}
    tfvars: list[SourceFile] = []
    for file in files:
        if is_configuration(file.rel):
            tf_by_dir.setdefault(_dir_of(file.rel), []).append(file)
        else:
            tfvars.append(file)
    inputs: dict[str, ModuleInput] = {}
    for folder in sorted(tf_by_dir):
        inputs[folder] = _load_module(folder, tf_by_dir[folder], ctx, out)
    for file in tfvars:
        body = _parse_source(file, ctx, out)
        owner = _owning_module(_dir_of(file.rel), inputs)
        if body is not None and owner is not None:
            _add_tfvars(owner, file.rel, body, ctx)
    for module_input in inputs.values():
        _add_sibling_tfvars(module_input, {f.rel for f in tfvars}, ctx)
    return [inputs[k] for k in sorted(inputs)]


def _load_module(folder: str, batch: list[SourceFile], ctx: ReadContext, out: ReadOutput) -> ModuleInput:
    env = infer_environment(f"{folder}/main.tf" if folder else "main.tf", ctx.config.environments)
    module_input = ModuleInput(Module(folder), env)
    batch_rels = {f.rel for f in batch}
    for file in sorted(batch, key=lambda f: f.rel):
        try:
            text = file.text()
        except (UndecodableFile, OSError) as exc:
            out.fail(Location(file.rel), str(exc), NAME)
            continue
        _note_addresses(module_input.module, text)
        if not _TELLTALE.search(text):
            continue
        body = _parse_source(file, ctx, out)
        if body is None or _parse_cached(file.rel, text, ctx).errors:
            module_input.complete = False  # a broken file may declare what others refer to
        if body is None:
            continue
        module_input.reported.extend(module_input.module.add_file(body, file.rel))
    for rel, text in _siblings(folder, batch_rels, ".tf", ctx):
        module_input.complete = False
        _note_addresses(module_input.module, text)
        if _TELLTALE.search(text):
            body = _parse_text(rel, text, ctx)
            if body is not None:
                module_input.module.add_file(body, rel)
    return module_input


def _note_addresses(module: Module, text: str) -> None:
    add = module.addresses.add
    for match in _RESOURCE_HEADER.finditer(text):
        start = match.start()
        line_start = text.rfind("\n", 0, start) + 1
        if line_start == start or not text[line_start:start].strip(" \t"):
            add(f"{match.group(1)}.{match.group(2)}")


def _parse_source(file: SourceFile, ctx: ReadContext, out: ReadOutput) -> Body | None:
    """The file's body; where the text is not valid HCL, a failure per error (the rest is read)."""
    try:
        text = file.text()
    except (UndecodableFile, OSError) as exc:
        out.fail(Location(file.rel), str(exc), NAME)
        return None
    parsed = _parse_cached(file.rel, text, ctx)
    for error in parsed.errors:
        out.fail(Location(file.rel, error.line, error.column), error.message, NAME)
    return parsed.body


def _parse_text(rel: str, text: str, ctx: ReadContext) -> Body | None:
    return _parse_cached(rel, text, ctx).body


def is_configuration(rel: str) -> bool:
    """``.tf`` or ``.tf.json`` (the others handed to the reader are tfvars, HCL or JSON)."""
    return rel.endswith((".tf", ".tf.json"))


def _parse_cached(rel: str, text: str, ctx: ReadContext) -> Parsed:
    """Parse once per scan; in ``.tf`` files only the top-level blocks a family reads are converted."""
    if rel.endswith(".json"):
        return ctx.memo(f"hcl:{rel}", lambda: parse_json(text, rel, tfvars=rel.endswith(".tfvars.json")))
    return ctx.memo(f"hcl:{rel}", lambda: parse(text, rel, keep_block if rel.endswith(".tf") else None))


_READ_TYPES: frozenset[str] = frozenset()


def keep_block(words: list[str]) -> bool:
    """Top-level blocks worth converting: definitions, module calls, resources a family reads."""
    global _READ_TYPES
    first = words[0]
    if first in ("variable", "locals", "output", "module"):
        return True
    if first != "resource" or len(words) < 2:
        return False
    if not _READ_TYPES:
        from portlint.terraform.extract import READ_TYPES

        _READ_TYPES = READ_TYPES
    return words[1] in _READ_TYPES


def _siblings(folder: str, known: set[str], suffix: str, ctx: ReadContext) -> Iterable[tuple[str, str]]:
    """Files of the module folder that the scan did not hand us, read for context."""
    directory = ctx.root / folder if folder else ctx.root
    try:
        names = sorted(p.name for p in directory.iterdir() if p.suffix == suffix)
    except OSError:
        return
    for name in names:
        rel = f"{folder}/{name}" if folder else name
        path = directory / name
        if rel in known or not ctx.is_file(path):
            continue
        try:
            yield rel, ctx.read_text(path)
        except (OSError, UnicodeDecodeError):
            continue


def _owning_module(folder: str, inputs: dict[str, ModuleInput]) -> ModuleInput | None:
    """A tfvars file belongs to the module of its folder, else of the nearest folder above it."""
    path = PurePosixPath(folder) if folder else None
    while path is not None:
        key = "" if str(path) == "." else path.as_posix()
        if key in inputs:
            return inputs[key]
        path = path.parent if key else None
    return inputs.get("")


def _tfvars_environment(rel: str, module_input: ModuleInput, ctx: ReadContext) -> tuple[bool, str | None]:
    """(applies, environment): ``dev.tfvars`` → dev; ``terraform.tfvars``/``*.auto.tfvars`` → always."""
    env = infer_environment(rel, ctx.config.environments)
    name = PurePosixPath(rel).name
    if env is not None and env != module_input.environment:
        return True, env
    if name in ("terraform.tfvars", "terraform.tfvars.json") or name.endswith((".auto.tfvars", ".auto.tfvars.json")) \
            or env is not None:
        return True, None
    return False, None


def _add_tfvars(module_input: ModuleInput, rel: str, body: Body, ctx: ReadContext) -> None:
    applies, env = _tfvars_environment(rel, module_input, ctx)
    if applies:
        module_input.module.add_tfvars(body, env)


def _add_sibling_tfvars(module_input: ModuleInput, seen: set[str], ctx: ReadContext) -> None:
    for rel, text in _siblings(module_input.module.path, seen, ".tfvars", ctx):
        body = _parse_text(rel, text, ctx)
        if body is not None:
            _add_tfvars(module_input, rel, body, ctx)




def load_folder(folder: str, ctx: ReadContext) -> ModuleInput | None:
    """A module folder the scan did not hand over (a local module's source outside the selected
    paths), read from disk for instantiation: every resource is reported, errors are not."""
    directory = ctx.root / folder if folder else ctx.root
    try:
        if not directory.is_dir() or directory.is_symlink():
            return None
    except OSError:
        return None
    module_input = ModuleInput(Module(folder), None)
    for rel, text in _siblings(folder, set(), ".tf", ctx):
        _note_addresses(module_input.module, text)
        if not _TELLTALE.search(text):
            continue
        parsed = _parse_cached(rel, text, ctx)
        if parsed.errors:
            module_input.complete = False
        module_input.reported.extend(module_input.module.add_file(parsed.body, rel))
    return module_input
