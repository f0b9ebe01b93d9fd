"""Terraform: load balancers, target groups, firewalls, databases and ECS ports.

A thin adapter over :mod:`portlint.terraform`: every ``.tf`` file of a folder is one module,
``*.tfvars`` give values per environment. Entities, facts and attributes are documented in
``docs/model-terraform.md``.
"""

from __future__ import annotations

from portlint.discover import SourceFile
from portlint.readers import ReadContext, ReadOutput

NAME = "terraform"


def wants(file: SourceFile, ctx: ReadContext) -> bool:
    return file.suffix in (".tf", ".tfvars")


def read(files: list[SourceFile], ctx: ReadContext) -> ReadOutput:
    from portlint.terraform.extract import Extractor
    from portlint.terraform.load import load_modules

    out = ReadOutput()
    for module_input in load_modules(files, ctx, out):
        Extractor(module_input, ctx).run(out)
    return out
