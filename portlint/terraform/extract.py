"""Entities and facts of one module: every resource a family reads, once per instance
(``count``/``for_each``) and per environment, collapsed where environments agree."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from portlint.model import Entity, EntityRef, PortFact, PortValue
from portlint.readers import ReadContext, ReadOutput
from portlint.terraform import (azure_nsg, databases, ecs, gcp_firewall, load_balancing, network_acls,
                                security_groups)
from portlint.terraform.evaluate import Evaluator, Val, iterate
from portlint.terraform.facts import KIND_PREFIX, Res, collect_refs, ref_of
from portlint.terraform.load import ModuleInput
from portlint.terraform.model import Body, Module, Resource

HANDLERS = {**load_balancing.HANDLERS, **security_groups.HANDLERS, **network_acls.HANDLERS,
            **gcp_firewall.HANDLERS, **azure_nsg.HANDLERS, **databases.HANDLERS, **ecs.HANDLERS}
ENTITY_ONLY = ("aws_instance", "aws_launch_template", "aws_lb_target_group_attachment", "aws_ecs_service",
               "aws_codedeploy_deployment_group", *azure_nsg.TOPOLOGY,
               *load_balancing.LISTENER_RULES, *load_balancing.LOAD_BALANCERS)
# resources whose arguments the reader or a reference may need; other blocks are never converted
READ_TYPES = frozenset({*HANDLERS, *ENTITY_ONLY, "aws_vpc", "aws_subnet"})


@dataclass
class Instance:
    """A module instantiated by a ``module`` call: its evaluators (the caller's arguments bound,
    per environment), where its entities live, and the call chain that made it."""

    namespace: str  # "module.web", "infra/module.web/module.sg"
    prefix: str  # address prefix: "module.web.module.sg."
    chain: list[dict[str, Any]]  # [{"call": "module.web", "location": Location, "source": "./web"}], outermost first
    evaluators: dict[str | None, Evaluator]
    environments: list[str | None]  # the caller's emitted environments
    environment: str | None  # the caller's module environment
    argument_spans: list[tuple[str, int, int]] = field(default_factory=list)  # caller argument (path, first, last line)
    complete: bool = True


class Extractor:
    def __init__(self, module_input: ModuleInput, ctx: ReadContext, instance: Instance | None = None) -> None:
        self.input = module_input
        self.module = module_input.module
        self.ctx = ctx
        self.instance = instance
        self.exported = {r["address"] for node in self.module.outputs for r in collect_refs(node, "output")}
        if instance is not None:
            self.environments, self.evaluators = instance.environments, instance.evaluators
            self.environment = instance.environment
            return
        self.environment = module_input.environment
        # environments whose facts are emitted; with a single one, the defaults alone are compared too
        if module_input.environment is not None:
            self.environments: list[str | None] = [module_input.environment]
        else:
            self.environments = list(self.module.environments) or [None]
        compared = self.environments + [None] if len(self.environments) == 1 and self.environments[0] else self.environments
        self.evaluators = {env: Evaluator(self.module, env) for env in compared}

    def run(self, out: ReadOutput) -> None:
        base = self.evaluators.get(self.environment) or next(iter(self.evaluators.values()))
        namespace = self.instance.namespace if self.instance is not None else self.module.path
        for resource in sorted(self.input.reported, key=_declaration_order):
            handler = HANDLERS.get(resource.type)
            if handler is None and resource.type not in ENTITY_ONLY:
                continue
            ref = EntityRef(KIND_PREFIX + resource.type, resource.name, namespace=namespace)
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
                    handler(Res(resource, ref, instance_ev, found, entities, attrs if not per_variant else {}))
                    facts.extend(_in_instance(f, key) for f in found)
                per_variant[variant] = facts
            out.entities.append(Entity(ref, resource.block.loc, self.environment, attrs=attrs))
            out.entities.extend(entities[k] for k in sorted(entities))
            facts = _collapse(per_variant, self.environments, self.environment)
            out.facts.extend(facts if self.instance is None else [relocate(f, self.instance) for f in facts])

    def _refs(self, resource: Resource) -> list[dict[str, Any]]:
        """The resource's references, found once however many module instances read it."""
        key = f"terraform-refs:{self.module.path}:{resource.rel}:{resource.address}"
        return list(self.ctx.memo(key, lambda: _refs(resource, self.module)))

    def _entity_attrs(self, resource: Resource, base: Evaluator) -> dict[str, Any]:
        instance = self.instance
        attrs: dict[str, Any] = {"address": (instance.prefix if instance else "") + resource.address,
                                 "module": self.module.path,
                                 "module_complete": self.input.complete and (instance is None or instance.complete),
                                 "exported": resource.address in self.exported,
                                 "refs": self._refs(resource)}
        if instance is not None:
            attrs["module_chain"] = instance.chain
        body = resource.block.body
        for key in ("name", "name_prefix"):
            if key in body.attrs:
                node = body.attrs[key].value
                value = base.ev(node)
                attrs["name_expr"] = node.text.strip('"')
                attrs["name"] = value.scalar_text() if value.is_scalar else attrs["name_expr"]
                break
        return attrs


def _declaration_order(resource: Resource) -> tuple:
    loc = resource.block.loc
    return (resource.rel, loc.path, loc.line, loc.column)


MAX_INSTANCES = 1000


def _instances(resource: Resource, ev: Evaluator) -> list[tuple[str | int | None, Evaluator]]:
    return instances_of(resource.block.body.attrs, ev)


def instances_of(attrs: dict, ev: Evaluator) -> list[tuple[str | int | None, Evaluator]]:
    """One evaluator per instance of a ``for_each``/``count`` resource or module call
    (``each``/``count.index`` bound); a single unbound one when it has neither or they are not
    known. A known empty ``for_each`` or ``count = 0`` gives no instance: it is switched off."""
    if "for_each" in attrs:
        pairs = iterate(ev.ev(attrs["for_each"].value))
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


def relocate(fact: PortFact, instance: Instance) -> PortFact:
    """A fact of a module instance whose value (or CIDR) comes from a caller's argument is
    reported at that argument; where it is written inside the module goes to ``defined_at``."""
    candidates = [*fact.value.defined_at, *(site for _, _, site, _ in fact.attrs.get("cidr_sites", []))]
    for path, first, last in instance.argument_spans:
        site = next((c for c in candidates if c.path == path and first <= c.line <= last), None)
        if site is None:
            continue
        rest = tuple(loc for loc in fact.value.defined_at if loc != site)
        fact.value = replace(fact.value, defined_at=(fact.location, *rest))
        fact.location = site
        fact.attrs["module_location"] = fact.value.defined_at[0]
        return fact
    return fact


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





def _refs(resource: Resource, module: Module) -> list[dict[str, Any]]:
    """Every ``type.name.attr`` reference in a resource's arguments, with the argument path."""
    found: list[dict[str, Any]] = []
    _refs_in_body(resource.block.body, "", found)
    addresses = module.addresses
    for ref in found:
        ref["declared"] = ref["address"] in addresses
    found.sort(key=_ref_order)
    return found


def _ref_order(ref: dict[str, Any]) -> tuple:
    """By location, then argument path (the fields of :class:`Location` in its own order)."""
    loc = ref["location"]
    return (loc.path, loc.line, loc.column, ref["path"])


# a ``type.name`` reference: a word with an underscore, a dot, a name (no resource type lacks "_")
_MAYBE_REF = re.compile(r"[A-Za-z0-9]_[A-Za-z0-9_-]*\s*\.\s*[A-Za-z_]")


def _refs_in_body(body: Body, prefix: str, found: list[dict[str, Any]]) -> None:
    search = _MAYBE_REF.search
    for name, attr in body.attrs.items():
        if not search(attr.raw):
            continue  # no reference can be written here: the expression need not be converted
        node = attr.value
        if node.kind == "ref":
            items = node.items
            if len(items) >= 3 and all(isinstance(p, str) for p in items):
                ref = ref_of(node, prefix + name)  # the usual ``type.name.attr``
                if ref is not None:
                    found.append(ref)
                continue
        found.extend(collect_refs(node, prefix + name))
    for block in body.blocks:
        label = f"{block.type}.{block.labels[0]}." if block.type == "dynamic" and block.labels else f"{block.type}."
        _refs_in_body(block.body, prefix + label, found)
