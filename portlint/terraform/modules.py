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
from portlint.terraform.extract import Extractor, Instance, instances_of
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
            call_spans = spans + [_span(attr.value) for arg, attr in call.block.body.attrs.items()
                                  if arg not in _META or arg in ("for_each", "count")]
            for key, bound in _call_instances(call, evaluators, environments):
                label = f"module.{name}" + _key_suffix(key)
                envs = [e for e in environments if e in bound] or list(bound)
                link = {"call": label, "location": call.block.loc, "source": call.source}
                inputs = {env: _arguments(call, ev) for env, ev in bound.items()}
                child_namespace = f"{namespace}/{label}" if namespace else label
                if is_security_group_module(call.source):
                    read_security_group_call(call, inputs, child_namespace, prefix, chain + [link], envs,
                                             environment, self.out, label)
                    continue
                folder = local_folder(caller.module.path, call.source)
                if folder is None or folder in visiting or len(chain) >= MAX_DEPTH or self.budget <= 0:
                    continue
                child = self._child(folder)
                if child is None:
                    continue
                self.budget -= 1
                child_evaluators = {env: Evaluator(child.module, env, inputs=inputs[env]) for env in bound}
                instance = Instance(child_namespace, f"{prefix}{label}.", chain + [link], child_evaluators,
                                    envs, environment, call_spans, complete and child.complete)
                Extractor(child, self.ctx, instance).run(self.out)
                self._calls(child, child_evaluators, envs, environment, child_namespace, instance.prefix,
                            instance.chain, call_spans, visiting + (folder,), instance.complete)


MAX_KEYS = 50  # instances of one module call (``for_each`` keys, ``count``)


def _call_instances(call: ModuleCall, evaluators: dict[str | None, Evaluator],
                    environments: list[str | None]) -> list[tuple[str | int | None, dict[str | None, Evaluator]]]:
    """The instances of a module call: (key, the caller's evaluator per environment with
    ``each``/``count.index`` bound). A call without ``count``/``for_each``, or whose keys are
    not known in some environment, is one instance (``each`` unknown); ``count = 0`` or an empty
    ``for_each`` in every environment gives none. A key that exists only in some environments
    is instantiated for those."""
    attrs = call.block.body.attrs
    if "count" not in attrs and "for_each" not in attrs:
        return [(None, evaluators)]
    per_env = {env: instances_of(attrs, ev) for env, ev in evaluators.items()}
    if any(len(found) == 1 and found[0][0] is None for found in per_env.values()):
        return [(None, evaluators)] if any(per_env.values()) else []
    keys: list = []
    for found in per_env.values():
        keys.extend(k for k, _ in found if k not in keys)
    keys = sorted(keys, key=lambda k: (isinstance(k, str), k))[:MAX_KEYS]
    out = []
    for key in keys:
        bound = {env: ev for env, found in per_env.items() for k, ev in found if k == key}
        if any(env in bound for env in environments) or None in bound:
            out.append((key, bound))
    return out


def _key_suffix(key: str | int | None) -> str:
    if key is None:
        return ""
    return f"[{key}]" if isinstance(key, int) else f'["{key}"]'


def _arguments(call: ModuleCall, ev: Evaluator) -> dict[str, Val]:
    return {arg: ev.ev(attr.value) for arg, attr in call.block.body.attrs.items() if arg not in _META}


def _span(node) -> tuple[str, int, int]:
    return node.loc.path, node.loc.line, node.loc.line + node.text.count("\n")
