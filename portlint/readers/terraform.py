"""Terraform: load balancers, target groups, firewalls, databases and ECS ports.

A thin adapter over :mod:`portlint.terraform`: every ``.tf`` file of a folder is one module,
``*.tfvars`` give values per environment; local module calls are instantiated with their
arguments, and a module folder that a scanned module calls is read only through its calls. Entities, facts and attributes are documented in
``docs/model-terraform.md``.
"""

from __future__ import annotations

from portlint.discover import SourceFile
from portlint.readers import ReadContext, ReadOutput

WEIGHT = 1.25  # CPU per byte, relative (measured on the bench tree): a module is parsed, then evaluated
TRANSFER = 0.12  # results sent back from a reading process, per unit of reading (docs/model.md)
NAME = "terraform"


def wants(file: SourceFile, ctx: ReadContext) -> bool:
    rel = file.rel
    if rel.endswith((".tf", ".tfvars", ".tf.json", ".tfvars.json")):
        return True
    return file.suffix in (".tf", ".tfvars")  # .TF


def read(files: list[SourceFile], ctx: ReadContext) -> ReadOutput:
    from portlint.terraform.extract import Extractor
    from portlint.terraform.load import load_modules
    from portlint.terraform.modules import Expander, called_folders

    out = ReadOutput()
    inputs = load_modules(files, ctx, out)
    children = called_folders(inputs)  # read through their calls, not on their own
    roots = [i for i in inputs if i.module.path not in children]
    for module_input in roots:
        Extractor(module_input, ctx).run(out)
    Expander(inputs, ctx, out).run(roots)
    return out
