"""Terraform expressions evaluated as Terraform would, on real HCL parsed by tree-sitter."""

from __future__ import annotations

import time

import pytest

from portlint.terraform.evaluate import UNKNOWN, Evaluator
from portlint.terraform.model import Module
from portlint.terraform.parse import parse_strict

DEFS = '''
variable "rules" {
  default = { ssh = [22, 22, "tcp"], web = [80, 80, "tcp"] }
}
variable "names" {
  default = ["ssh", "web"]
}
variable "cidrs" {
  default = "10.0.0.0/8, 192.168.0.0/16"
}
locals {
  ports   = [for name in var.names : var.rules[name][0]]
  by_name = { for name, rule in var.rules : name => rule[0] if rule[2] == "tcp" }
  objs    = [{ port = 1 }, { port = 2 }]
}
'''


def value(expression: str, defs: str = DEFS):
    module = Module("")
    body = parse_strict(defs + f"\nresult = {expression}\n", "main.tf")
    module.add_file(body, "main.tf")
    return Evaluator(module).ev(body.attrs["result"].value).plain()


@pytest.mark.parametrize(("expression", "expected"), [
    ('element(var.rules[var.names[0]], 0)', 22),
    ('element(var.names, 3)', "web"),
    ('lookup(var.rules, "web", [0])[0]', 80),
    ('lookup(var.rules, "db", [5432])[0]', 5432),
    ('concat([1], [2, 3])', [1, 2, 3]),
    ('[for c in split(",", var.cidrs) : trimspace(c)]', ["10.0.0.0/8", "192.168.0.0/16"]),
    ('join("-", ["a", 1, true])', "a-1-true"),
    ('distinct([1, 1, 2])', [1, 2]),
    ('sort(["b", "a"])', ["a", "b"]),
    ('merge({ a = 1 }, { a = 2, b = 3 })', {"a": 2, "b": 3}),
    ('flatten([[1, [2]], 3])', [1, 2, 3]),
    ('try(var.rules["db"][0], 5432)', 5432),
    ('can(var.rules["db"])', False),
    ('can(var.rules["ssh"])', True),
    ('coalesce("", null, "x")', "x"),
    ('format("%s:%d", "host", 8080)', "host:8080"),
    ('tonumber("8080")', 8080),
    ('tostring(22)', "22"),
    ('tolist(toset([3, 1, 3]))', [1, 3]),
    ('tomap({ a = 1 })', {"a": 1}),
    ('range(3)', [0, 1, 2]),
    ('range(1, 10, 4)', [1, 5, 9]),
    ('keys(var.rules)', ["ssh", "web"]),
    ('values({ b = 2, a = 1 })', [1, 2]),
    ('contains(var.names, "ssh")', True),
    ('jsondecode("{\\"port\\": 5432}").port', 5432),
    ('jsonencode({ a = 1 })', {"a": 1}),
    ('cidrhost("10.0.0.0/24", 5)', "10.0.0.5"),
    ('cidrsubnet("10.0.0.0/16", 8, 2)', "10.0.2.0/24"),
    ('local.ports', [22, 80]),
    ('local.by_name', {"ssh": 22, "web": 80}),
    ('local.objs[*].port', [1, 2]),
    ('local.objs.*.port', [1, 2]),
    ('"${local.ports}"', [22, 80]),
    ('"${var.names[0]}-x"', "ssh-x"),
    ('{ for k, v in var.rules : v[2] => k... }', {"tcp": ["ssh", "web"]}),
    ('length(var.names) > 1 ? "many" : "one"', "many"),
    ('10 % 4 + 7 / 2', 5.5),
])
def test_expressions(expression: str, expected) -> None:
    assert value(expression) == expected


@pytest.mark.parametrize("expression", [
    "data.aws_vpc.main.cidr_block", "module.sg.id", "aws_security_group.x.id", "timestamp()",
    "element([], 0)", "var.undeclared", 'try(data.x.y.z, 1)', 'cidrsubnet("10.0.0.0/24", 9, 0)',
    "range(1000000000)", '{ for k in ["a", "a"] : k => 1 }',
])
def test_what_terraform_cannot_know_here_stays_unknown(expression: str) -> None:
    assert value(expression) is UNKNOWN


def test_hostile_input_is_bounded() -> None:
    defs = "locals {\n" + "".join(f"  l{i} = [local.l{i + 1}, local.l{i + 1}, local.l{i + 1}]\n" for i in range(60)) + "  l60 = 1\n}\n"
    start = time.monotonic()
    value("local.l0", defs)
    deep = "[" * 5000 + "]" * 5000
    value(deep, "")
    value("[for a in range(1000) : [for b in range(1000) : [for c in range(1000) : c]]]", "")
    assert time.monotonic() - start < 10
