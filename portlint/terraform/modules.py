"""Module calls: a local ``source`` (``./x``, ``../x``) is instantiated with the caller's
arguments, per environment, recursively and cycle-safe; a well-known remote module that is not
in the tree (terraform-aws-modules/security-group) is read from its arguments.

A module folder that a scanned module calls is not read on its own: its resources exist only
through the calls (each instance in its own namespace, ``module.web/module.sg``), and an
instance's fact whose value comes from a caller's argument is reported at that argument.
"""

from __future__ import annotations

import posixpath
from typing import Any

from portlint.readers import ReadContext, ReadOutput
from portlint.terraform.evaluate import Evaluator, Val
from portlint.terraform.extract import Extractor, Instance
from portlint.terraform.load import ModuleInput, load_folder
from portlint.terraform.model import ModuleCall
from portlint.terraform.sg_module import is_security_group_module, read_security_group_call

MAX_DEPTH = 8  # nested module calls followed
MAX_INSTANCES = 200  # module instances per scan
_META = {"source", "version", "count", "for_each", "providers", "depends_on"}


def local_folder(caller_folder: str, source: str | None) -> str | None:
    """The folder a local ``source`` names, relative to the scan root; None when it is not
    local or leaves the scan root."""
    if not source or not source.startswith(("./", "../")):
        return None
    path = posixpath.normpath(posixpath.join(caller_folder or ".", source))
    if path == ".":
        return ""
    if path.startswith(("../", "/")) or path == "..":
        return None
    return path


def called_folders(inputs: list[ModuleInput]) -> set[str]:
    """Folders a scanned module calls with a local source."""
    found = {local_folder(i.module.path, c.source) for i in inputs for c in i.module.calls.values()}
    return {f for f in found if f is not None}


class Expander:
    """Instantiates the module calls of root modules (those no scanned module calls)."""

    def __init__(self, inputs: list[ModuleInput], ctx: ReadContext, out: ReadOutput) -> None:
        self.by_folder = {i.module.path: i for i in inputs}
        self.ctx, self.out = ctx, out
        self.budget = MAX_INSTANCES
        self.loaded: dict[str, ModuleInput | None] = {}

    def run(self, roots: list[ModuleInput]) -> None:
        for root in roots:
            extractor = Extractor(root, self.ctx)
            self._calls(root, extractor.evaluators, extractor.environments, extractor.environment,
                        root.module.path, "", [], [], (root.module.path,), root.complete)

    def _child(self, folder: str) -> ModuleInput | None:
        if folder in self.by_folder:
            return self.by_folder[folder]
        if folder not in self.loaded:
            self.loaded[folder] = load_folder(folder, self.ctx)
        return self.loaded[folder]

    def _calls(self, caller: ModuleInput, evaluators: dict[str | None, Evaluator], environments: list[str | None],
               environment: str | None, namespace: str, prefix: str, chain: list[dict[str, Any]],
               spans: list[tuple[str, int, int]], visiting: tuple[str, ...], complete: bool) -> None:
        for name in sorted(caller.module.calls):
            call = caller.module.calls[name]
            if _switched_off(call, evaluators):
                continue
            link = {"call": f"module.{name}", "location": call.block.loc, "source": call.source}
            inputs = {env: _arguments(call, ev) for env, ev in evaluators.items()}
            call_spans = spans + [_span(attr.value) for arg, attr in call.block.body.attrs.items() if arg not in _META]
            child_namespace = f"{namespace}/module.{name}" if namespace else f"module.{name}"
            if is_security_group_module(call.source):
                read_security_group_call(call, inputs, child_namespace, prefix, chain + [link], environments,
                                         environment, self.out)
                continue
            folder = local_folder(caller.module.path, call.source)
            if folder is None or folder in visiting or len(chain) >= MAX_DEPTH or self.budget <= 0:
                continue
            child = self._child(folder)
            if child is None:
                continue
            self.budget -= 1
            child_evaluators = {env: Evaluator(child.module, env, inputs=inputs[env]) for env in evaluators}
            instance = Instance(child_namespace, f"{prefix}module.{name}.", chain + [link], child_evaluators,
                                environments, environment, call_spans, complete and child.complete)
            Extractor(child, self.ctx, instance).run(self.out)
            self._calls(child, child_evaluators, environments, environment, child_namespace, instance.prefix,
                        instance.chain, call_spans, visiting + (folder,), instance.complete)


def _switched_off(call: ModuleCall, evaluators: dict[str | None, Evaluator]) -> bool:
    """``count = 0`` or an empty ``for_each`` in every environment."""
    attrs = call.block.body.attrs
    key = "count" if "count" in attrs else "for_each" if "for_each" in attrs else None
    if key is None:
        return False
    for ev in evaluators.values():
        value = ev.ev(attrs[key].value)
        if not value.known or value.data not in (0, [], {}):
            return False
    return True


def _arguments(call: ModuleCall, ev: Evaluator) -> dict[str, Val]:
    return {arg: ev.ev(attr.value) for arg, attr in call.block.body.attrs.items() if arg not in _META}


def _span(node) -> tuple[str, int, int]:
    return node.loc.path, node.loc.line, node.loc.line + node.text.count("\n")
