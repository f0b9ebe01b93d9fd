"""Plain HCL files read from their lines (portlint.terraform.lines) give exactly the body the
tree-sitter walk gives: same blocks, labels, arguments, values, raw text and positions."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from portlint.terraform import lines
from portlint.terraform.load import keep_block
from portlint.terraform.model import Body
from portlint.terraform.parse import parse, parse_tree

ROOT = Path(__file__).resolve().parent.parent
FILES = sorted(p for base in (ROOT / "tests" / "fixtures", ROOT / "examples")
               for p in base.rglob("*") if p.suffix in (".tf", ".tfvars") and p.is_file())


def differences(fast: Body, tree: Body, where: str = "") -> list[str]:
    out: list[str] = []
    if list(fast.attrs) != list(tree.attrs):
        return [f"{where}: arguments {list(fast.attrs)} != {list(tree.attrs)}"]
    for name, attr in fast.attrs.items():
        other = tree.attrs[name]
        for field in ("loc", "raw", "value"):
            if getattr(attr, field) != getattr(other, field):
                out.append(f"{where}.{name}: {field} {getattr(attr, field)!r} != {getattr(other, field)!r}")
    if len(fast.blocks) != len(tree.blocks):
        return out + [f"{where}: {len(fast.blocks)} blocks != {len(tree.blocks)}"]
    for block, other in zip(fast.blocks, tree.blocks):
        if (block.type, block.labels, block.loc) != (other.type, other.labels, other.loc):
            out.append(f"{where}: block {block.type, block.labels, block.loc} != {other.type, other.labels, other.loc}")
        else:
            out.extend(differences(block.body, other.body, f"{where}.{block.type}"))
    return out


def agree(text: str) -> bool:
    """Whether ``text`` was read from its lines (and then, that both ways agree)."""
    read = False
    for keep in (None, keep_block):
        fast = lines.read(text, "f.tf", keep)
        if fast is None:
            continue
        read = True
        tree = parse_tree(text, "f.tf", keep)
        assert tree.errors == [], f"read from lines, but tree-sitter finds {tree.errors[0].message}"
        assert differences(fast, tree.body) == []
    return read


def test_fixtures_read_from_lines_agree_with_the_tree() -> None:
    read = [path for path in FILES if agree(path.read_text(encoding="utf-8").replace("\r\n", "\n"))]
    assert len(read) >= 5, "the line reader should take the plain fixture files"


PLAIN = [
    'resource "aws_lb_target_group" "web" {\n  name     = "${var.project}-web"\n  port     = 8080\n'
    '  vpc_id   = aws_vpc.main.id\n\n  health_check {\n    path = "/health/*"\n    port = "traffic-port"\n  }\n}\n',
    "a = 1\n\n   \n# comment /* not a block comment\n// another\nb = [1, \"x\", c.d, ]\n",
    'x "a" b {\n\ty\t=\ttrue # trailing\n  z = null\n} // end\n',
    'a = "$a %b a%%b"\nb = "${a.b}x${c}"\nc = 0123\nd = b.c-d.e\ne = []\n_f = _g',
    'variable "port" {\n  type    = number\n  default = 8080\n}\n\nlocals {\n  p = var.port\n}\n',
    'module "m" {\n  source = "./m"\n  port   = 80\n}\n',
    'x "" {\n}\nx "a b" "#" "//" {\n  y {\n    z {\n    }\n  }\n}\n',
    "",
]

TREE_ONLY = [
    "a = for\n", "for = 1\n", "a = in\n", "x for {\n}\n", "locals {\n  if = 1\n}\n",  # keywords
    "a = b\n[0]\n", "a = b\n? c : d\n", "a = 1\n-2\n", "a = b.0\n",  # what may continue a value
    "a = b//c\n", 'a = "x"#c\n', "x {}\n", "a = 1 /* c */\n", "a = 1\n/* c */\n",
    "x {\n}\n}\n", "}\n", "x {\n",  # unbalanced: tree-sitter reports them
    'a = "a\\tb"\n', "a = 1.5\n", "a = -1\n", 'a = "é"\n', "a = 1\x0c\n", "a = 1\r\n",
    "a = <<EOF\nx\nEOF\n", 'a = {\n  b = 1\n}\n', 'a = f(1)\n', 'x "${y}" {\n}\n',
]


@pytest.mark.parametrize("text", PLAIN)
def test_plain_files_are_read_from_lines_and_agree(text: str) -> None:
    assert agree(text)
    assert parse(text, "f.tf").body is not None


@pytest.mark.parametrize("text", TREE_ONLY)
def test_other_shapes_go_to_the_tree(text: str) -> None:
    assert lines.read(text, "f.tf") is None
    assert differences(parse(text, "f.tf").body, parse_tree(text, "f.tf").body) == []


def test_the_comparison_can_fail() -> None:
    assert differences(lines.read("a = 1\nb = 2\n", "f.tf"), parse_tree("a = 1\n\nb = 2\n", "f.tf").body)


def _nested(depth: int) -> str:
    return ("".join(f"{'  ' * i}b{i} {{\n" for i in range(depth)) + "  " * depth + "a = 1\n"
            + "".join(f"{'  ' * i}}}\n" for i in reversed(range(depth))))


def test_nesting_beyond_the_limit_goes_to_the_tree() -> None:
    assert agree(_nested(lines.MAX_DEPTH))
    assert lines.read(_nested(lines.MAX_DEPTH + 1), "f.tf") is None


_WORDS = st.sampled_from(["a", "b_c", "d-e", "_f", "x1", "true", "null"] * 3 + ["for", "in"])
_PLAIN_VALUES = ["1", "007", '"s"', '"a/*b"', '"#x"', '"${a.b}-c"', '"$x%y"', "[1, b.c]", "[ ]", "a.b", "a.b.c",
                 "true", '"x" # c', "y // c"]
_OTHER_VALUES = ["for", "1.5", "-1", '"a\\"b"', "f(x)", "a[0]", "a.0", "1/*c*/", "b\n  ? 1 : 2", "[\n1]", "{}", '"é"']
_VALUES = st.sampled_from(_PLAIN_VALUES * 6 + _OTHER_VALUES)


@st.composite
def _files(draw) -> str:
    out, depth = [], 0
    for _ in range(draw(st.integers(0, 14))):
        indent = draw(st.sampled_from(["", "  ", "\t"]))
        shape = draw(st.sampled_from(["attr", "attr", "open", "close", "blank", "comment"]))
        if shape == "attr":
            out.append(f"{indent}{draw(_WORDS)}{draw(st.sampled_from([' = ', '=', ' =  ']))}{draw(_VALUES)}")
        elif shape == "open":
            labels = draw(st.lists(st.sampled_from(['"x"', '"a b"', "y", '""'] * 3 + ['"${z}"', "for"]), max_size=2))
            out.append(f"{indent}{draw(_WORDS)}{''.join(' ' + label for label in labels)} {{")
            depth += 1
        elif shape == "close":
            out.append(f"{indent}}}")
            depth -= 1
        elif shape == "comment":
            out.append(f"{indent}{draw(st.sampled_from(['# c', '// c /*'] * 3 + ['/* c */']))}")
        else:
            out.append(indent)
    out.extend("}" for _ in range(max(depth, 0) if draw(st.booleans()) else 0))
    return "\n".join(out) + draw(st.sampled_from(["", "\n"]))


@settings(max_examples=300, deadline=None)
@given(_files())
def test_any_file_read_from_lines_agrees_with_the_tree(text: str) -> None:
    agree(text)


@pytest.mark.parametrize("line", [" " * 50_000 + "x", "a = [1" + " " * 50_000 + "x", "x" + " " * 50_000 + "=",
                                  "a = 1" + " " * 50_000 + "x", 'x "a"' + ' "a"' * 20_000 + " =",
                                  "a = [" + "1, " * 20_000 + "x", "a = " + "b." * 20_000])
def test_long_broken_lines_are_refused_in_one_pass(line: str) -> None:
    """Every repetition is possessive: with backtracking, 2,000 spaces before a stray word took 40 s
    (this would not finish)."""
    assert lines.read(line + "\n", "f.tf") is None


def test_a_tuple_with_a_long_blank_run_is_converted_in_one_pass() -> None:
    """Valid HCL that is no simple tuple: the quick-form test must fail fast (it was quadratic in
    the blanks: 5,000 spaces took 0.4 s, 50,000 about 40 s)."""
    text = "a = [1" + " " * 50_000 + ", f(x)]\n"
    parsed = parse(text, "f.tf")
    assert parsed.errors == []
    assert parsed.body.attrs["a"].value.kind == "tuple"
