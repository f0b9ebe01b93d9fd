"""The HCL model every part of the Terraform package shares: positioned expressions, bodies,
blocks, and what one Terraform module defines."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from portlint.model import Location


class HclError(Exception):
    """Text that is not valid HCL; ``line``/``column`` are 1-based (characters)."""

    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.message, self.line, self.column = message, line, column


class Node:
    """One expression. ``kind``: int, float, str, bool, null, template, heredoc, ref, call, tuple,
    object, neg, not, cond, binop (``value`` is the operator), for, splat, index or other.

    ``value`` holds the literal (or the call's name); ``items`` the children: template parts (str
    or Node), ref traversal parts (str or index Node), call arguments, tuple elements, object
    entries ``(key, key location, Node)``. ``index``/``splat``: ``(base Node, *traversal parts)``.
    ``for``: ``value`` = (key variable or None, value variable, "tuple"/"object", grouped) and
    ``items`` = (collection, key expression or None, value expression, condition or None).
    ``call``: ``value`` = name; ``text`` ends in ``...)`` when the last argument is expanded.

    Immutable by convention; a plain class with slots (the parser makes thousands of them)."""

    __slots__ = ("kind", "loc", "text", "value", "items")

    def __init__(self, kind: str, loc: Location, text: str, value: Any = None, items: tuple = ()) -> None:
        self.kind, self.loc, self.text, self.value, self.items = kind, loc, text, value, items

    def _key(self) -> tuple:
        return (self.kind, self.loc, self.text, self.value, self.items)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Node) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash((self.kind, self.loc, self.text))

    def __repr__(self) -> str:
        return (f"Node(kind={self.kind!r}, loc={self.loc!r}, text={self.text!r}, value={self.value!r}, "
                f"items={self.items!r})")


class Attr:
    """``name = value``; ``loc`` is where the name is written, ``raw`` the value's source text.
    The parser makes a subclass whose value, location and text are taken from the syntax tree the
    first time they are read (most arguments of most resources never are)."""

    __slots__ = ("name", "_loc", "_value", "_raw")

    def __init__(self, name: str, value: Node | None, loc: Location | None, raw: str | None = None) -> None:
        self.name, self._value, self._loc, self._raw = name, value, loc, raw

    @property
    def value(self) -> Node:
        return self._value  # type: ignore[return-value]

    @property
    def loc(self) -> Location:
        return self._loc  # type: ignore[return-value]

    @property
    def raw(self) -> str:
        return self._raw if self._raw is not None else self.value.text

    def __repr__(self) -> str:
        return f"Attr({self.name!r}, {self.value!r}, {self.loc!r})"


@dataclass
class Body:
    attrs: dict[str, Attr] = field(default_factory=dict)
    blocks: list["Block"] = field(default_factory=list)

    def blocks_of(self, block_type: str) -> list["Block"]:
        return [b for b in self.blocks if b.type == block_type]

    def first(self, block_type: str) -> "Block | None":
        found = self.blocks_of(block_type)
        return found[0] if found else None


@dataclass
class Block:
    type: str
    labels: tuple[str, ...]
    body: Body
    loc: Location  # where the block type is written


@dataclass
class Parsed:
    """A parsed file: what could be read, and where the text is not valid HCL."""

    body: Body
    errors: list[HclError] = field(default_factory=list)


# -- what a module defines ------------------------------------------------------------------


@dataclass
class Variable:
    name: str
    loc: Location
    default: Node | None = None
    type_text: str | None = None


@dataclass
class Resource:
    type: str
    name: str
    block: Block
    rel: str  # the file it is declared in

    @property
    def address(self) -> str:
        return f"{self.type}.{self.name}"


@dataclass
class ModuleCall:
    """A ``module "name" { source = … }`` block."""

    name: str
    block: Block
    rel: str

    @property
    def source(self) -> str | None:
        attr = self.block.body.attrs.get("source")
        return attr.value.value if attr is not None and attr.value.kind == "str" else None


@dataclass
class Module:
    """Everything the files of one Terraform module folder define."""

    path: str  # folder relative to the scan root ("" for the root)
    variables: dict[str, Variable] = field(default_factory=dict)
    locals: dict[str, Node] = field(default_factory=dict)
    resources: dict[tuple[str, str], Resource] = field(default_factory=dict)
    always_vars: dict[str, Node] = field(default_factory=dict)  # terraform.tfvars, *.auto.tfvars
    env_vars: dict[str, dict[str, Node]] = field(default_factory=dict)  # dev.tfvars → {"dev": …}
    addresses: set[str] = field(default_factory=set)  # every resource address, parsed or not
    outputs: list[Node] = field(default_factory=list)  # the values of ``output`` blocks
    output_nodes: dict[str, Node] = field(default_factory=dict)  # output name → value
    calls: dict[str, ModuleCall] = field(default_factory=dict)  # module calls by name

    def add_file(self, body: Body, rel: str) -> list[Resource]:
        """Add the definitions of one file; the resources it declares that were not known yet
        (sorted by type and name)."""
        added: dict[tuple[str, str], Resource] = {}
        for block in body.blocks:
            if block.type == "variable" and block.labels:
                self._add_variable(block)
            elif block.type == "locals":
                for name, attr in block.body.attrs.items():
                    self.locals[name] = attr.value
            elif block.type == "output" and "value" in block.body.attrs:
                self.outputs.append(block.body.attrs["value"].value)
                if block.labels:
                    self.output_nodes[block.labels[0]] = block.body.attrs["value"].value
            elif block.type == "resource" and len(block.labels) == 2:
                resource = Resource(block.labels[0], block.labels[1], block, rel)
                key = (resource.type, resource.name)
                if key not in self.resources or key in added:
                    added[key] = resource
                self.resources[key] = resource
                self.addresses.add(resource.address)
            elif block.type == "module" and block.labels:
                self.calls[block.labels[0]] = ModuleCall(block.labels[0], block, rel)
        return [added[k] for k in sorted(added)]

    def _add_variable(self, block: Block) -> None:
        attrs = block.body.attrs
        type_node = attrs["type"].value if "type" in attrs else None
        self.variables[block.labels[0]] = Variable(
            block.labels[0], block.loc, attrs["default"].value if "default" in attrs else None,
            type_node.text if type_node is not None else None)

    def add_tfvars(self, body: Body, environment: str | None) -> None:
        target = self.always_vars if environment is None else self.env_vars.setdefault(environment, {})
        for name, attr in body.attrs.items():
            target[name] = attr.value

    @property
    def environments(self) -> list[str]:
        return sorted(self.env_vars)
