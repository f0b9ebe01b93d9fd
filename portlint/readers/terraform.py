"""Terraform: load balancers, target groups, security groups, databases and ECS ports.

Every ``.tf`` file of a folder is one module, read together (sibling files that were not part
of the scan are read for their definitions only, so values still resolve). ``*.tfvars`` files
give values per environment: ``dev.tfvars`` → facts of environment ``dev``. When every
environment gives a slot the same values, one fact with the module's environment (usually
``None``) is emitted instead of one per environment. Entities, facts and attributes are
documented in ``docs/model-terraform.md``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from portlint.discover import SourceFile, UndecodableFile, infer_environment
from portlint.model import Entity, EntityRef, Location, PortFact, PortValue, Role
from portlint.readers import ReadContext, ReadOutput
from portlint.readers import _hcl
from portlint.readers._hcl import Attr, Block, Body, Evaluator, Module, Node, Resource, Val

NAME = "terraform"
KIND_PREFIX = "tf/"

# Words without which a .tf file can hold no port fact, no value a port fact needs, and no
# resource a port fact links to. "port" is matched unless a letter precedes it (export, report).
_TELLTALE = re.compile(
    r"(?<![A-Za-z])port|Port|ingress|egress|aws_lb|aws_alb|security_group|variable|locals"
    r"|aws_db_|aws_rds_|elasticache|aws_ecs_|aws_docdb_|aws_redshift_|aws_memorydb_|aws_instance")
_RESOURCE_HEADER = re.compile(r'^\s*resource\s+"([A-Za-z0-9_-]+)"\s+"([A-Za-z0-9_-]+)"', re.MULTILINE)

TARGET_GROUPS = ("aws_lb_target_group", "aws_alb_target_group")
LISTENERS = ("aws_lb_listener", "aws_alb_listener")
LISTENER_RULES = ("aws_lb_listener_rule", "aws_alb_listener_rule")
LOAD_BALANCERS = ("aws_lb", "aws_alb")
SG_RULE = "aws_security_group_rule"
VPC_RULES = {"aws_vpc_security_group_ingress_rule": "ingress", "aws_vpc_security_group_egress_rule": "egress"}
DATABASES = ("aws_db_instance", "aws_rds_cluster", "aws_elasticache_cluster", "aws_elasticache_replication_group",
             "aws_docdb_cluster", "aws_redshift_cluster", "aws_memorydb_cluster")
ENTITY_ONLY = ("aws_instance", "aws_launch_template", "aws_lb_target_group_attachment", "aws_ecs_service",
               *LISTENER_RULES, *LOAD_BALANCERS)

# Where a database engine listens when ``port`` is not written (the engines' documented defaults).
_ENGINE_KINDS = (("aurora-postgresql", "postgres"), ("postgres", "postgres"), ("aurora-mysql", "mysql"),
                 ("aurora", "mysql"), ("mariadb", "mariadb"), ("mysql", "mysql"), ("oracle", "oracle"),
                 ("sqlserver", "sqlserver"), ("valkey", "redis"), ("redis", "redis"), ("memcached", "memcached"))
_ENGINE_PORTS = {"postgres": 5432, "mysql": 3306, "mariadb": 3306, "oracle": 1521, "sqlserver": 1433,
                 "redis": 6379, "memcached": 11211, "docdb": 27017, "redshift": 5439}
_FIXED_ENGINES = {"aws_docdb_cluster": "docdb", "aws_redshift_cluster": "redshift",
                  "aws_memorydb_cluster": "redis", "aws_elasticache_replication_group": "redis"}
_PROTOCOLS = {"tcp": "tcp", "6": "tcp", "udp": "udp", "17": "udp", "icmp": "icmp", "1": "icmp",
              "icmpv6": "icmpv6", "58": "icmpv6", "-1": "all", "all": "all"}
_NOT_PORTS = ("icmp", "icmpv6")


def wants(file: SourceFile, ctx: ReadContext) -> bool:
    return file.suffix in (".tf", ".tfvars")


def read(files: list[SourceFile], ctx: ReadContext) -> ReadOutput:
    out = ReadOutput()
    inputs = _load_modules(files, ctx, out)
    for module_input in inputs:
        _Extractor(module_input, ctx).run(out)
    return out


# -- loading modules ---------------------------------------------------------------------------


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


def _load_modules(files: list[SourceFile], ctx: ReadContext, out: ReadOutput) -> list[ModuleInput]:
    tf_by_dir: dict[str, list[SourceFile]] = {}
    tfvars: list[SourceFile] = []
    for file in files:
        if file.suffix == ".tf":
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
        if body is None:
            module_input.complete = False  # a broken file may declare what others refer to
            continue
        before = set(module_input.module.resources)
        module_input.module.add_file(body, file.rel)
        module_input.reported.extend(module_input.module.resources[k] for k in sorted(set(module_input.module.resources) - before))
    for rel, text in _siblings(folder, batch_rels, ".tf", ctx):
        module_input.complete = False
        _note_addresses(module_input.module, text)
        if _TELLTALE.search(text):
            body = _parse_text(rel, text, ctx)
            if body is not None:
                module_input.module.add_file(body, rel)
    return module_input


def _note_addresses(module: Module, text: str) -> None:
    for match in _RESOURCE_HEADER.finditer(text):
        module.addresses.add(f"{match.group(1)}.{match.group(2)}")


def _parse_source(file: SourceFile, ctx: ReadContext, out: ReadOutput) -> Body | None:
    try:
        text = file.text()
    except (UndecodableFile, OSError) as exc:
        out.fail(Location(file.rel), str(exc), NAME)
        return None
    result = _parse_cached(file.rel, text, ctx)
    if isinstance(result, _hcl.HclError):
        out.fail(Location(file.rel, result.line, result.column), result.message, NAME)
        return None
    return result


def _parse_text(rel: str, text: str, ctx: ReadContext) -> Body | None:
    result = _parse_cached(rel, text, ctx)
    return None if isinstance(result, _hcl.HclError) else result


def _parse_cached(rel: str, text: str, ctx: ReadContext) -> Body | _hcl.HclError:
    """Parse once per scan. In ``.tf`` files, top-level blocks the reader never reads (IAM
    policies, buckets, providers…) are blanked first: same positions, a fraction of the parse."""

    def parse() -> Body | _hcl.HclError:
        if rel.endswith(".tf"):
            masked = _hcl.blank_blocks(text, _keep_block)
            if masked is not text:
                try:
                    return _hcl.parse(masked, rel)
                except _hcl.HclError:
                    pass  # parse the whole text: its error (or its tree) is the real one
        try:
            return _hcl.parse(text, rel)
        except _hcl.HclError as exc:
            return exc

    return ctx.memo(f"hcl:{rel}", parse)


def _keep_block(words: list[str]) -> bool:
    if words[0] in ("variable", "locals", "output"):
        return True
    return words[0] == "resource" and len(words) > 1 and words[1] in _READ_TYPES


def _siblings(folder: str, known: set[str], suffix: str, ctx: ReadContext) -> Iterable[tuple[str, str]]:
    """Files of the module folder that the scan did not hand us, read for context."""
    directory = ctx.root / folder if folder else ctx.root
    try:
        paths = sorted(p for p in directory.iterdir() if p.suffix == suffix and ctx.is_file(p))
    except OSError:
        return
    for path in paths:
        rel = f"{folder}/{path.name}" if folder else path.name
        if rel in known:
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
    if name == "terraform.tfvars" or name.endswith(".auto.tfvars") or env is not None:
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


# -- extracting entities and facts --------------------------------------------------------------


@dataclass
class _Res:
    """One resource being read for one environment variant."""

    resource: Resource
    ref: EntityRef
    ev: Evaluator
    facts: list[PortFact]
    entities: dict[str, Entity]
    attrs: dict[str, Any]  # the resource entity's attrs (filled from the first variant)

    @property
    def body(self) -> Body:
        return self.resource.block.body


class _Extractor:
    def __init__(self, module_input: ModuleInput, ctx: ReadContext) -> None:
        self.input = module_input
        self.module = module_input.module
        self.ctx = ctx
        self.exported = {r["address"] for node in self.module.outputs for r in _collect_refs(node, "output")}
        # environments whose facts are emitted; with a single one, the defaults alone are compared too
        if module_input.environment is not None:
            self.environments: list[str | None] = [module_input.environment]
        else:
            self.environments = list(self.module.environments) or [None]
        compared = self.environments + [None] if len(self.environments) == 1 and self.environments[0] else self.environments
        self.evaluators = {env: Evaluator(self.module, env) for env in compared}

    def run(self, out: ReadOutput) -> None:
        base = Evaluator(self.module, self.input.environment)
        for resource in sorted(self.input.reported, key=lambda r: (r.rel, r.block.loc)):
            handler = _HANDLERS.get(resource.type)
            if handler is None and resource.type not in ENTITY_ONLY:
                continue
            ref = EntityRef(KIND_PREFIX + resource.type, resource.name, namespace=self.module.path)
            attrs = self._entity_attrs(resource, base)
            entities: dict[str, Entity] = {}
            per_variant: dict[str | None, list[PortFact]] = {}
            instances = {variant: _instances(resource, ev) for variant, ev in self.evaluators.items()}
            if not any(instances.values()):
                attrs["switched_off"] = True  # count = 0 or an empty for_each in every environment
            for variant, ev in self.evaluators.items():
                facts: list[PortFact] = []
                for key, instance_ev in instances[variant] if handler is not None else ():
                    found: list[PortFact] = []
                    handler(_Res(resource, ref, instance_ev, found, entities, attrs if not per_variant else {}))
                    facts.extend(_in_instance(f, key) for f in found)
                per_variant[variant] = facts
            out.entities.append(Entity(ref, resource.block.loc, self.input.environment, attrs=attrs))
            out.entities.extend(entities[k] for k in sorted(entities))
            out.facts.extend(_collapse(per_variant, self.environments, self.input.environment))

    def _entity_attrs(self, resource: Resource, base: Evaluator) -> dict[str, Any]:
        attrs: dict[str, Any] = {"address": resource.address, "module": self.module.path,
                                 "module_complete": self.input.complete,
                                 "exported": resource.address in self.exported,
                                 "refs": _refs(resource, self.module)}
        body = resource.block.body
        for key in ("name", "name_prefix"):
            if key in body.attrs:
                node = body.attrs[key].value
                value = base.ev(node)
                attrs["name_expr"] = node.text.strip('"')
                attrs["name"] = value.scalar_text() if value.is_scalar else attrs["name_expr"]
                break
        return attrs


MAX_INSTANCES = 1000


def _instances(resource: Resource, ev: Evaluator) -> list[tuple[str | int | None, Evaluator]]:
    """One evaluator per instance of a ``for_each``/``count`` resource (``each``/``count.index``
    bound); a single unbound one when the resource has neither or they are not known. A known
    empty ``for_each`` or ``count = 0`` gives no instance: the resource is switched off."""
    attrs = resource.block.body.attrs
    if "for_each" in attrs:
        pairs = _hcl.iterate(ev.ev(attrs["for_each"].value))
        if pairs is None:
            return [(None, ev)]
        keyed = [(value.scalar_text() if isinstance(key.data, int) and value.is_scalar else key.scalar_text(), value)
                 for key, value in pairs[:MAX_INSTANCES]]
        return [(key, ev.bind("each", Val({"key": Val(key, key, value.sites[:1]), "value": value}, "each", value.sites[:1])))
                for key, value in keyed]
    if "count" in attrs:
        count = ev.ev(attrs["count"].value)
        if not count.is_scalar or not isinstance(count.data, int) or isinstance(count.data, bool):
            return [(None, ev)]
        return [(i, ev.bind("count", Val({"index": Val(i, str(i), count.sites)}, "count", count.sites)))
                for i in range(min(count.data, MAX_INSTANCES))]
    return [(None, ev)]


def _in_instance(fact: PortFact, key: str | int | None) -> PortFact:
    if key is not None:
        index = key if isinstance(key, int) else f'"{key}"'
        fact.slot = f"{fact.slot}[{index}]" if fact.slot else f"[{index}]"
        fact.attrs["instance"] = key
    return fact


def _collapse(per_variant: dict[str | None, list[PortFact]], emitted: list[str | None],
              module_env: str | None) -> list[PortFact]:
    """One fact per slot when every variant agrees on it, else one per emitted environment."""
    variants = list(per_variant)
    if len(variants) == 1:
        only = variants[0]
        return [_with_env(f, only if module_env is None else module_env) for f in per_variant[only]]
    slots: dict[tuple[str, str], dict[str | None, list[PortFact]]] = {}
    for variant, facts in per_variant.items():
        for fact in facts:
            slots.setdefault((fact.owner.id, fact.slot), {}).setdefault(variant, []).append(fact)
    out: list[PortFact] = []
    for key in sorted(slots):
        by_variant = slots[key]
        signatures = {v: [_signature(f) for f in by_variant.get(v, [])] for v in variants}
        first = signatures[variants[0]]
        if all(sig == first for sig in signatures.values()):
            out.extend(_merge([by_variant[v] for v in variants], module_env))
        else:
            out.extend(_with_env(f, v) for v in emitted for f in by_variant.get(v, []))
    return out


def _signature(fact: PortFact) -> tuple:
    attrs = tuple(sorted((k, repr(v)) for k, v in fact.attrs.items() if not k.endswith("_sites")))
    return (fact.role, fact.location, fact.protocol, fact.value.text, fact.value.unresolved, attrs)


def _merge(variants: list[list[PortFact]], env: str | None) -> list[PortFact]:
    merged = []
    for group in zip(*variants):
        first = group[0]
        defined_at = _unique(loc for fact in group for loc in fact.value.defined_at)
        attrs = dict(first.attrs)
        for key in [k for k in attrs if k.endswith("_sites")]:
            attrs[key] = _unique(item for fact in group for item in fact.attrs.get(key, []))
        value = PortValue(first.value.text, first.value.number, first.value.name, first.value.unresolved, tuple(defined_at))
        merged.append(PortFact(value, first.role, first.owner, first.location, first.protocol, env, first.slot, attrs))
    return merged


def _with_env(fact: PortFact, env: str | None) -> PortFact:
    fact.environment = env
    return fact


def _unique(items: Iterable) -> list:
    seen: list = []
    for item in items:
        if item not in seen:
            seen.append(item)
    return seen


# -- values → facts -------------------------------------------------------------------------------


def _port_value(val: Val, node: Node) -> PortValue:
    if val.is_scalar and val.data is not None:
        raw = val.data
        if isinstance(raw, float) and raw.is_integer():
            raw = int(raw)
        return PortValue.parse(raw, defined_at=val.defined_at())
    return PortValue.unresolved_expr(node.text)


def _fact(res: _Res, attr: Attr | None, role: Role, field_name: str, slot: str = "",
          transport: str = "TCP", owner: EntityRef | None = None, ev: Evaluator | None = None,
          **attrs: Any) -> None:
    if attr is None:
        return
    val = (ev or res.ev).ev(attr.value)
    res.facts.append(PortFact(_port_value(val, attr.value), role, owner or res.ref, attr.value.loc,
                              transport, None, slot, {"field": field_name, **attrs}))


def _scalar(ev: Evaluator, body: Body, key: str) -> str | None:
    attr = body.attrs.get(key)
    if attr is None:
        return None
    value = ev.ev(attr.value)
    return value.scalar_text() if value.is_scalar and value.data is not None else None


def _transport(protocol: str | None) -> str:
    if protocol is None:
        return "TCP"
    upper = protocol.upper()
    return "UDP" if upper in ("UDP", "TCP_UDP") else "TCP"


# -- load balancers --------------------------------------------------------------------------------


def _target_group(res: _Res) -> None:
    protocol = _scalar(res.ev, res.body, "protocol")
    res.attrs.update({"protocol": protocol, "target_type": _scalar(res.ev, res.body, "target_type") or "instance"})
    _fact(res, res.body.attrs.get("port"), Role.TARGET, "port", transport=_transport(protocol), protocol_name=protocol)
    check = res.body.first("health_check")
    if check is None:
        return
    attr = check.body.attrs.get("port")
    if attr is None:
        return
    val = res.ev.ev(attr.value)
    traffic = val.is_scalar and val.data == "traffic-port"
    _fact(res, attr, Role.PROBE, "health_check.port", slot="health_check", transport=_transport(protocol),
          accepts_name=True, traffic_port=traffic, protocol_name=_scalar(res.ev, check.body, "protocol"))


def _listener(res: _Res) -> None:
    protocol = _scalar(res.ev, res.body, "protocol")
    res.attrs["protocol"] = protocol
    res.attrs["indirect_targets"] = _indirect_targets(res.body)
    _fact(res, res.body.attrs.get("port"), Role.EXPOSE, "port", transport=_transport(protocol), protocol_name=protocol)


def _listener_rule(res: _Res) -> None:
    res.attrs["indirect_targets"] = _indirect_targets(res.body)


def _indirect_targets(body: Body) -> bool:
    """True when an action forwards to a target group given by something other than a resource
    reference (``var.tg_arn``, ``module.x.arn``): it may be any target group."""
    for action in body.blocks_of("default_action") + body.blocks_of("action"):
        arns = [action.body.attrs.get("target_group_arn")]
        for forward in action.body.blocks_of("forward"):
            arns.extend(group.body.attrs.get("arn") for group in forward.body.blocks_of("target_group"))
        for attr in arns:
            if attr is not None and not any(r["type"] in TARGET_GROUPS for r in _collect_refs(attr.value, "")):
                return True
    return False


def _ecs_service(res: _Res) -> None:
    for i, block in enumerate(res.body.blocks_of("load_balancer")):
        arn = block.body.attrs.get("target_group_arn")
        groups = [r["address"] for r in _collect_refs(arn.value, "")] if arn is not None else []
        _fact(res, block.body.attrs.get("container_port"), Role.TARGET, "load_balancer.container_port",
              slot=f"load_balancer[{i}]", container_name=_scalar(res.ev, block.body, "container_name"),
              target_group=groups[0] if groups else None)


def _attachment(res: _Res) -> None:
    _fact(res, res.body.attrs.get("port"), Role.TARGET, "port")


# -- security groups ---------------------------------------------------------------------------------


def _security_group(res: _Res) -> None:
    res.attrs["description"] = _scalar(res.ev, res.body, "description")
    for direction in ("ingress", "egress"):
        for i, body in enumerate(_inline_rules(res.body, direction)):
            _allow(res, body, res.ev, direction, f"{direction}[{i}]", f"{direction}.", "inline")
        for block in res.body.blocks:
            if block.type == "dynamic" and block.labels == (direction,):
                _dynamic_rules(res, block, direction)


def _inline_rules(body: Body, direction: str) -> list[Body]:
    """``ingress { … }`` blocks, or the attribute form ``ingress = [{ … }]``."""
    found = [b.body for b in body.blocks_of(direction)]
    attr = body.attrs.get(direction)
    if attr is not None and attr.value.kind == "tuple":
        found.extend(_object_body(item) for item in attr.value.items if item.kind == "object")
    return found


def _object_body(node: Node) -> Body:
    return Body(attrs={key: Attr(key, value, key_loc) for key, key_loc, value in node.items})


def _dynamic_rules(res: _Res, block: Block, direction: str) -> None:
    """A ``dynamic`` block adds rules beside the static ones; one slot per ``for_each`` element."""
    content = block.body.first("content")
    if content is None:
        return
    iterator = _iterator_name(block, direction)
    for_each = block.body.attrs.get("for_each")
    pairs = _hcl.iterate(res.ev.ev(for_each.value)) if for_each is not None else None
    if pairs is None:
        unknown = Val(_hcl.UNKNOWN, iterator, ())
        ev = res.ev.bind(iterator, unknown)
        _allow(res, content.body, ev, direction, f"dynamic.{direction}[*]", f"{direction}.", "dynamic")
        return
    for key, value in pairs:
        element = Val({"key": key, "value": value}, iterator, value.sites[:1])
        ev = res.ev.bind(iterator, element)
        _allow(res, content.body, ev, direction, f"dynamic.{direction}[{key.scalar_text()}]", f"{direction}.", "dynamic")


def _iterator_name(block: Block, default: str) -> str:
    attr = block.body.attrs.get("iterator")
    if attr is not None and attr.value.kind == "ref" and len(attr.value.items) == 1:
        return attr.value.items[0]
    return default


def _sg_rule(res: _Res) -> None:
    direction = _scalar(res.ev, res.body, "type")
    type_attr = res.body.attrs.get("type")
    res.attrs.update({"direction": direction, "type_location": type_attr.value.loc if type_attr else None})
    _allow(res, res.body, res.ev, direction, "rule", "", "rule")


def _vpc_rule(res: _Res) -> None:
    direction = VPC_RULES[res.resource.type]
    res.attrs["direction"] = direction
    _allow(res, res.body, res.ev, direction, "rule", "", "vpc-rule")


def _allow(res: _Res, body: Body, ev: Evaluator, direction: str | None, slot: str, prefix: str, kind: str) -> None:
    """The from_port/to_port pair of one firewall rule, with its protocol and sources."""
    attrs = body.attrs
    protocol_attr = attrs.get("protocol") or attrs.get("ip_protocol")
    protocol_val = ev.ev(protocol_attr.value) if protocol_attr is not None else None
    written = protocol_val.scalar_text().lower() if protocol_val is not None and protocol_val.is_scalar else None
    protocol = _PROTOCOLS.get(written, written) if written is not None else None
    if protocol in _NOT_PORTS:
        return  # ICMP: from_port/to_port are a type and a code, not ports
    common = {"direction": direction, "protocol": protocol,
              "protocol_text": protocol_attr.value.text if protocol_attr is not None else None,
              "protocol_location": protocol_attr.value.loc if protocol_attr is not None else None,
              "rule_kind": kind, "allows_zero": True, **_sources(body, ev)}
    transport = {"tcp": "TCP", "udp": "UDP", "all": "ALL"}.get(protocol or "", (protocol or "TCP").upper())
    ports = {"from": attrs.get("from_port"), "to": attrs.get("to_port")}
    if ports["from"] is None and ports["to"] is None and protocol == "all":
        anchor = protocol_attr.value if protocol_attr is not None else None
        for bound, number in (("from", 0), ("to", 65535)):
            location = anchor.loc if anchor is not None else res.resource.block.loc
            res.facts.append(PortFact(PortValue.parse(number), Role.ALLOW, res.ref, location, transport, None, slot,
                                      {"field": f"{prefix}{bound}_port", "bound": bound, "implicit": True, **common}))
        return
    for bound, attr in ports.items():
        _fact(res, attr, Role.ALLOW, f"{prefix}{bound}_port", slot=slot, transport=transport, ev=ev,
              bound=bound, **common)


def _sources(body: Body, ev: Evaluator) -> dict[str, Any]:
    """CIDRs (resolved, unresolved, nested lists) and source groups of one rule."""
    v4, v6, unresolved, nested, sites = [], [], [], [], []
    for key, bucket in (("cidr_blocks", v4), ("ipv6_cidr_blocks", v6), ("cidr_ipv4", v4), ("cidr_ipv6", v6)):
        attr = body.attrs.get(key)
        if attr is None:
            continue
        value = ev.ev(attr.value)
        nested.extend(_nested_lists(attr.value, ev))
        for leaf in _hcl.flatten(value) if key.endswith("_blocks") else [value]:
            if leaf.is_scalar and isinstance(leaf.data, str):
                bucket.append(leaf.data)
                sites.append((leaf.data, key, leaf.sites[-1], not _written_in(leaf.sites[-1], attr.value)))
            elif not (leaf.known and leaf.data is None):
                unresolved.append(leaf.text)
    groups = []
    for key in ("security_groups", "source_security_group_id", "referenced_security_group_id"):
        attr = body.attrs.get(key)
        if attr is not None:
            groups.extend(_ref_addresses(attr.value))
    self_attr = body.attrs.get("self")
    return {"cidr_blocks": v4, "ipv6_cidr_blocks": v6, "cidrs_unresolved": unresolved, "cidr_nested": nested,
            "cidr_sites": sites, "source_groups": sorted(set(groups)),
            "self": bool(self_attr is not None and ev.ev(self_attr.value).data is True),
            "prefix_lists": bool(body.attrs.get("prefix_list_ids") or body.attrs.get("prefix_list_id"))}


def _written_in(site: Location, node: Node) -> bool:
    """Whether ``site`` lies inside the expression ``node`` (same file, within its lines)."""
    last = node.loc.line + node.text.count("\n")
    return site.path == node.loc.path and node.loc.line <= site.line <= last


def _nested_lists(node: Node, ev: Evaluator) -> list[dict[str, Any]]:
    """Elements of a CIDR list that are lists themselves (``[var.list]``), by value or by declared type."""
    if node.kind != "tuple":
        return []
    found = []
    for item in node.items:
        declared = _declared_list(item, ev.module)
        value = ev.ev(item)
        if declared is not None or (value.known and isinstance(value.data, list)):
            found.append({"text": item.text, "location": item.loc,
                          "declared_at": declared.loc if declared else None,
                          "declared_type": declared.type_text if declared else None})
    return found


def _declared_list(node: Node, module: Module) -> _hcl.Variable | None:
    """The declaration of ``var.x`` when its type is a list, set or tuple."""
    if node.kind != "ref" or len(node.items) != 2 or node.items[0] != "var":
        return None
    variable = module.variables.get(node.items[1])
    if variable is None or not variable.type_text:
        return None
    return variable if variable.type_text.split("(")[0].strip() in ("list", "set", "tuple") else None


def _ref_addresses(node: Node) -> list[str]:
    return [ref["address"] for ref in _collect_refs(node, "")]


# -- databases and caches -----------------------------------------------------------------------------


def _database(res: _Res) -> None:
    engine = _scalar(res.ev, res.body, "engine")
    kind = _FIXED_ENGINES.get(res.resource.type) or _engine_kind(engine)
    if res.resource.type == "aws_elasticache_replication_group" and engine:
        kind = _engine_kind(engine) or kind
    res.attrs.update({"engine": engine, "engine_kind": kind})
    attr = res.body.attrs.get("port")
    if attr is not None:
        _fact(res, attr, Role.LISTEN, "port", engine_kind=kind)
    elif kind in _ENGINE_PORTS:
        res.facts.append(PortFact(PortValue.parse(_ENGINE_PORTS[kind]), Role.LISTEN, res.ref, res.resource.block.loc,
                                  "TCP", None, "", {"field": "port", "implicit": True, "engine_kind": kind}))


def _engine_kind(engine: str | None) -> str | None:
    if not engine:
        return None
    lowered = engine.lower()
    return next((kind for prefix, kind in _ENGINE_KINDS if lowered.startswith(prefix)), None)


# -- ECS task definitions ---------------------------------------------------------------------------


def _task_definition(res: _Res) -> None:
    attr = res.body.attrs.get("container_definitions")
    if attr is None:
        return
    if attr.value.kind == "heredoc":
        _containers_from_json(res, attr.value)
        return
    value = res.ev.ev(attr.value)
    if value.known and isinstance(value.data, list):
        for i, container in enumerate(value.data):
            if container.known and isinstance(container.data, dict):
                _container(res, i, container.data)


def _container(res: _Res, index: int, spec: dict[str, Val]) -> None:
    name_val = spec.get("name")
    name = name_val.scalar_text() if name_val is not None and name_val.is_scalar else f"container[{index}]"
    ref = _container_ref(res, name, name_val.sites[0] if name_val is not None else res.resource.block.loc)
    mappings = spec.get("portMappings")
    if mappings is None or not mappings.known or not isinstance(mappings.data, list):
        return
    for i, mapping in enumerate(mappings.data):
        if not mapping.known or not isinstance(mapping.data, dict):
            continue
        protocol_val = mapping.data.get("protocol")
        protocol = protocol_val.scalar_text().upper() if protocol_val is not None and protocol_val.is_scalar else "TCP"
        for key, role in (("containerPort", Role.LISTEN), ("hostPort", Role.PUBLISH)):
            if key in mapping.data:
                port = mapping.data[key]
                value = _port_value(port, Node("other", port.sites[0], port.text))
                res.facts.append(PortFact(value, role, ref, port.sites[0], protocol, None, f"portMappings[{i}]",
                                          {"field": key}))


def _container_ref(res: _Res, name: str, location: Location) -> EntityRef:
    ref = EntityRef(KIND_PREFIX + "ecs_container", f"{res.resource.name}/{name}", res.ref.namespace, parent=res.ref.id)
    if ref.id not in res.entities:
        res.entities[ref.id] = Entity(ref, location, attrs={"container_name": name, "task_definition": res.resource.address})
    return ref


_JSON_KEY = re.compile(r'"(containerPort|hostPort)"\s*:\s*')
_INTERPOLATION = re.compile(r"\$\{[^}]*\}")


def _containers_from_json(res: _Res, node: Node) -> None:
    """``container_definitions = <<EOF [JSON] EOF``: ports found by position, values by json."""
    body = node.value
    placeholders: list[str] = []

    def hold(match: re.Match) -> str:
        placeholders.append(match.group(0))
        return f"__portlint_{len(placeholders) - 1}__"

    masked = _INTERPOLATION.sub(hold, body)
    masked = re.sub(r'(?<=:)\s*(__portlint_\d+__)', r' "\1"', masked)
    try:
        data = json.loads(masked)
    except ValueError:
        return
    positions = {"containerPort": [], "hostPort": []}
    for match in _JSON_KEY.finditer(body):
        positions[match.group(1)].append(_offset_location(node.loc, body, match.end()))
    seen = {"containerPort": 0, "hostPort": 0}
    for index, container in enumerate(data if isinstance(data, list) else []):
        if not isinstance(container, dict):
            continue
        name = str(container.get("name", f"container[{index}]"))
        ref = _container_ref(res, name, node.loc)
        for i, mapping in enumerate(container.get("portMappings") or []):
            for key, role in (("containerPort", Role.LISTEN), ("hostPort", Role.PUBLISH)):
                if not isinstance(mapping, dict) or key not in mapping or seen[key] >= len(positions[key]):
                    continue
                location = positions[key][seen[key]]
                seen[key] += 1
                raw = mapping[key]
                held = re.fullmatch(r"__portlint_(\d+)__", str(raw))
                value = PortValue.unresolved_expr(placeholders[int(held.group(1))]) if held else PortValue.parse(raw)
                protocol = str(mapping.get("protocol", "tcp")).upper()
                res.facts.append(PortFact(value, role, ref, location, protocol, None, f"portMappings[{i}]", {"field": key}))


def _offset_location(start: Location, text: str, offset: int) -> Location:
    before = text[:offset]
    line = start.line + before.count("\n")
    column = offset - (before.rfind("\n") + 1) + 1
    return Location(start.path, line, column)


# -- references between resources --------------------------------------------------------------------

_NOT_RESOURCES = {"var", "local", "data", "module", "each", "count", "path", "terraform", "self"}


def _refs(resource: Resource, module: Module) -> list[dict[str, Any]]:
    """Every ``type.name.attr`` reference in a resource's arguments, with the argument path."""
    found: list[dict[str, Any]] = []
    _refs_in_body(resource.block.body, "", found)
    for ref in found:
        ref["declared"] = ref["address"] in module.addresses
    return sorted(found, key=lambda r: (r["location"], r["path"]))


def _refs_in_body(body: Body, prefix: str, found: list[dict[str, Any]]) -> None:
    for name, attr in body.attrs.items():
        found.extend(_collect_refs(attr.value, f"{prefix}{name}"))
    for block in body.blocks:
        label = f"{block.type}.{block.labels[0]}." if block.type == "dynamic" and block.labels else f"{block.type}."
        _refs_in_body(block.body, prefix + label, found)


def _collect_refs(node: Node, path: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if current.kind == "ref":
            parts = current.items
            if (len(parts) >= 3 and isinstance(parts[0], str) and isinstance(parts[1], str)
                    and parts[0] not in _NOT_RESOURCES and "_" in parts[0]):
                attribute = next((p for p in parts[2:] if isinstance(p, str)), "")
                out.append({"path": path, "address": f"{parts[0]}.{parts[1]}", "type": parts[0], "name": parts[1],
                            "attribute": attribute, "location": current.loc})
            stack.extend(p for p in parts if isinstance(p, Node))
        elif current.kind == "object":
            stack.extend(value for _, _, value in current.items)
        else:
            stack.extend(p for p in current.items if isinstance(p, Node))
    return out


_HANDLERS: dict[str, Callable[[_Res], None]] = {
    **{t: _target_group for t in TARGET_GROUPS},
    **{t: _listener for t in LISTENERS},
    **{t: _listener_rule for t in LISTENER_RULES},
    "aws_security_group": _security_group,
    SG_RULE: _sg_rule,
    **{t: _vpc_rule for t in VPC_RULES},
    **{t: _database for t in DATABASES},
    "aws_ecs_task_definition": _task_definition,
    "aws_ecs_service": _ecs_service,
    "aws_lb_target_group_attachment": _attachment,
}

# resources whose arguments the reader or a reference may need; other blocks are never parsed
_READ_TYPES = frozenset({*_HANDLERS, *ENTITY_ONLY, "aws_vpc", "aws_subnet"})
