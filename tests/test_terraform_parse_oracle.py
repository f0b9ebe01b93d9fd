"""Differential test: tree-sitter-hcl (the product's parser) against python-hcl2 (the oracle).

Both parse every Terraform file of the fixtures and the demo; the models must agree on every
attribute, block, label, value kind, literal value and position (line and character column).
Where the oracle's converter never modelled a form (``other``), ours may say more.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import FIXTURES
from hcl_compare import differences
from portlint.terraform import parse as hcl

hcl2_oracle = pytest.importorskip("hcl2_oracle")

ROOT = Path(__file__).resolve().parent.parent
FILES = sorted(p for base in (FIXTURES, ROOT / "examples") for p in base.rglob("*")
               if p.suffix in (".tf", ".tfvars") and p.is_file())
SAMPLES = {
    "unicode": 'x = {\n  d = "é€"\n  port = 8000 # ü\n}\nname = "ééé${var.p} é ${x}"\n',
    "chains": "a = x ? 1 : y ? 2 : 3\nb = (1 + 2) * -var.p[0]\nc = !var.on || var.x != \"\"\n",
    "heredoc": 'a = <<EOT\n  port ${x}\nEOT\nb = <<-EOT\n    x\n  EOT\n',
    "nesting": 'resource "a" "b" {\n  dynamic "ingress" {\n    for_each = var.r\n    content {\n'
               '      from_port = ingress.value.from\n    }\n  }\n}\n',
    "strings": 'a = "say \\"hi\\"\\n$${literal} %%{x}"\nb = "${a}-${b}"\nc = ""\n',
}


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_both_parsers_agree_on_every_fixture(path: Path) -> None:
    text = path.read_text(encoding="utf-8-sig")
    try:
        oracle = hcl2_oracle.parse(text, "f")
    except hcl.HclError:
        assert hcl.parse(text, "f").errors, "the oracle rejects a file we read without error"
        return
    ours = hcl.parse(text, "f")
    assert not ours.errors
    assert differences(ours.body, oracle) == []


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_both_parsers_agree_on_tricky_forms(name: str) -> None:
    text = SAMPLES[name]
    assert differences(hcl.parse_strict(text, "f"), hcl2_oracle.parse(text, "f")) == []


def test_the_comparison_can_fail() -> None:
    ours = hcl.parse_strict("a = 1\nb = 2\n", "f")
    oracle = hcl2_oracle.parse("a = 1\n\nb = 3\n", "f")
    assert len(differences(ours, oracle)) == 2  # b's line and b's value
