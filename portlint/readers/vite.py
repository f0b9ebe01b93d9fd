"""vite.config.{ts,mts,cts,js,mjs,cjs}: the dev server's port, the preview port and the proxy.

Parsed with tree-sitter-typescript (never run). Reads ``defineConfig({...})``, the function form
``defineConfig(({ mode }) => ({...}))`` (or a block that returns an object), a config bound to a
``const``, ``as``/``satisfies`` wrappers, ``server.port``, ``preview.port`` and
``server.proxy`` / ``preview.proxy`` entries in string and object form (``target``, ``ws``).
``Number(process.env.PORT) || 3000`` is an unresolved listen port reading ``PORT`` whose code
default is 3000. A file with a syntax error is reported (PL001) and yields no facts.
See docs/model-apps.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from portlint.discover import SourceFile
from portlint.model import Entity, EntityRef, Location, PortFact, PortValue, Role
from portlint.readers import ReadContext, ReadOutput
from portlint.readers._app_common import CODE_LAYER, LineIndex, url_port

NAME = "vite"
PER_FILE = True  # a file's facts depend on that file alone (the cache keeps them file by file)
KIND = "code/vite"
DEFAULT_SERVICE = "web"
FILE_NAMES = frozenset(f"vite.config.{ext}" for ext in ("ts", "mts", "cts", "js", "mjs", "cjs"))
_WRAPPERS = ("as_expression", "satisfies_expression", "parenthesized_expression", "non_null_expression",
             "type_assertion", "await_expression")
_NUMBER_CALLS = ("Number", "parseInt", "parseFloat", "String")
MAX_DEPTH = 12


def wants(file: SourceFile, ctx: ReadContext) -> bool:
    return file.name in FILE_NAMES


def read(files: list[SourceFile], ctx: ReadContext) -> ReadOutput:
    output = ReadOutput()
    for file in files:
        text = output.text_of(file, NAME)
        if text is None:
            continue
        if "port" not in text and "proxy" not in text:
            continue
        _read_config(file, text, ctx, output)
    return output


def parse(text: str):
    """The tree-sitter tree of a TypeScript (or JavaScript) source."""
    import tree_sitter
    import tree_sitter_typescript

    parser = tree_sitter.Parser(tree_sitter.Language(tree_sitter_typescript.language_typescript()))
    return parser.parse(text.encode("utf-8"))


def service_for(rel: str, ctx: ReadContext) -> tuple[str, str]:
    """The logical service of a vite app, and why.

    A catalog entry named or aliased ``vite`` wins; else a folder of the config's path that
    names exactly one catalog service (``apps/admin/vite.config.ts`` → ``admin``); else ``web``.
    """
    policy = ctx.config.service_for_name("vite")
    if policy is not None:
        return policy.name, f"the catalog names 'vite' as an alias of {policy.name}"
    folders = rel.split("/")[:-1]
    named = {p.name for p in (ctx.config.service_for_name(f) for f in folders) if p is not None}
    if len(named) == 1:
        name = named.pop()
        return name, f"its folder names the service {name}"
    return DEFAULT_SERVICE, f"a vite app is the {DEFAULT_SERVICE} service unless the catalog says otherwise"


def _read_config(file: SourceFile, text: str, ctx: ReadContext, output: ReadOutput) -> None:
    tree = ctx.memo(f"tree-sitter-ts:{file.rel}", lambda: parse(text))
    index = LineIndex(text)
    if tree.root_node.has_error:
        line, column = _first_error(tree.root_node, index)
        output.fail(Location(file.rel, line, column), "invalid TypeScript: syntax error", NAME)
        return
    reader = _ViteConfig(file, index, tree.root_node)
    config = reader.exported_config()
    if config is None:
        return
    service, reason = service_for(file.rel, ctx)
    owner = EntityRef(KIND, file.rel)
    facts = reader.facts(config, owner)
    where = min((f.location for f in facts), default=Location(file.rel))
    attrs = {"path": file.rel, "service": service, "service_reason": reason}
    if reader.member(config, "envDir") is not None:  # env files read from elsewhere: see links.vite_modes
        attrs["env_dir"] = " ".join(_text(reader.member(config, "envDir")).split())
    output.entities.append(Entity(owner, where, file.environment, attrs=attrs))
    output.facts.extend(facts)


def _first_error(root, index: LineIndex) -> tuple[int, int]:
    """Where the syntax error is: a node tree-sitter had to invent (MISSING), else the first ERROR."""
    missing, error = None, None
    stack = [root]
    while stack:
        node = stack.pop()
        if node.is_missing and missing is None:
            missing = node
        elif node.type == "ERROR" and error is None:
            error = node
        stack.extend(reversed([c for c in node.children if c.has_error or c.is_missing]))
    row, col = (missing or error or root).start_point
    return row + 1, index.char_column(row + 1, col)


@dataclass
class _Value:
    """A port expression traced: a literal, an env read with a fallback, or unresolved."""

    node: Any
    literal: str | None = None
    literal_node: Any = None
    env_var: str | None = None
    default: _Value | None = None


@dataclass
class _ViteConfig:
    file: SourceFile
    index: LineIndex
    root: Any
    consts: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.consts = _declarations(self.root)

    # -- finding the config object -----------------------------------------------------------
    def exported_config(self):
        for child in self.root.named_children:
            if child.type == "export_statement" and any(c.type == "default" for c in child.children):
                value = child.child_by_field_name("value") or child.named_children[-1]
                return self.unwrap(value)
            if child.type == "expression_statement":
                expr = child.named_children[0] if child.named_children else None
                if expr is not None and expr.type == "assignment_expression":
                    left = expr.child_by_field_name("left")
                    if left is not None and _text(left) == "module.exports":
                        return self.unwrap(expr.child_by_field_name("right"))
        return None

    def unwrap(self, node, depth: int = 0):
        """Follow wrappers, ``defineConfig(...)``, functions and consts down to an object literal."""
        if node is None or depth > MAX_DEPTH:
            return None
        kind = node.type
        if kind == "object":
            return node
        if kind in _WRAPPERS:
            inner = node.named_children[0] if node.named_children else None
            return self.unwrap(inner, depth + 1)
        if kind == "call_expression":
            args = node.child_by_field_name("arguments")
            first = args.named_children[0] if args is not None and args.named_children else None
            return self.unwrap(first, depth + 1)
        if kind in ("arrow_function", "function_expression", "function"):
            body = node.child_by_field_name("body")
            if body is not None and body.type == "statement_block":
                returns = [c for c in body.named_children if c.type == "return_statement"]
                local = _declarations(body)
                self.consts = {**self.consts, **local}
                return self.unwrap(returns[-1].named_children[0] if returns and returns[-1].named_children else None,
                                   depth + 1)
            return self.unwrap(body, depth + 1)
        if kind == "identifier" and _text(node) in self.consts:
            return self.unwrap(self.consts[_text(node)], depth + 1)
        return None

    def member(self, obj, key: str):
        """The value of ``key`` in an object literal (shorthand ``{ server }`` follows the const)."""
        if obj is None:
            return None
        for child in obj.named_children:
            if child.type == "pair" and _key_text(child.child_by_field_name("key")) == key:
                return child.child_by_field_name("value")
            if child.type == "shorthand_property_identifier" and _text(child) == key:
                return self.consts.get(key)
        return None

    # -- facts --------------------------------------------------------------------------------
    def facts(self, config, owner: EntityRef) -> list[PortFact]:
        out: list[PortFact] = []
        for section, mode in (("server", "dev"), ("preview", "preview")):
            block = self.unwrap(self.member(config, section))
            if block is None:
                continue
            port = self.member(block, "port")
            if port is not None:
                out.extend(self._port_facts(port, f"{section}.port", mode, owner))
            proxy = self.unwrap(self.member(block, "proxy"))
            if proxy is not None:
                out.extend(self._proxy_facts(proxy, section, mode, owner))
        return out

    def _port_facts(self, node, field_name: str, mode: str, owner: EntityRef) -> list[PortFact]:
        value = self.trace(node)
        attrs = {"field": field_name, "layer": CODE_LAYER, "server": mode}
        if value.env_var:
            attrs["env_var"] = value.env_var
        if value.literal is not None and not value.env_var:
            return [self._fact(PortValue.parse(value.literal, self._defined_at(value)), Role.LISTEN, owner,
                               self.loc(node), field_name, attrs)]
        facts = [self._fact(PortValue.unresolved_expr(" ".join(_text(node).split())), Role.LISTEN, owner,
                            self.loc(node), field_name, attrs)]
        default = value.default
        if default is not None and default.literal is not None and default.literal.strip().isdigit():
            label = f"${value.env_var}" if value.env_var else field_name
            facts.append(self._fact(PortValue.parse(default.literal, self._defined_at(default)), Role.DEFAULT,
                                    owner, self.loc(default.node), field_name,
                                    {**attrs, "field": f"code default for {label}"}))
        return facts

    def _proxy_facts(self, proxy, section: str, mode: str, owner: EntityRef) -> list[PortFact]:
        out = []
        for pair in proxy.named_children:
            if pair.type != "pair":
                continue
            path = _key_text(pair.child_by_field_name("key"))
            value = pair.child_by_field_name("value")
            if path is None or value is None:
                continue
            entry = self.unwrap(value) if value.type != "string" and value.type != "template_string" else None
            target = self.member(entry, "target") if entry is not None else value
            ws = self.member(entry, "ws") if entry is not None else None
            field_name = f"{section}.proxy['{path}']" + (".target" if entry is not None else "")
            attrs = {"field": field_name, "proxy_path": path, "server": mode, "foreign": True,
                     "ws": ws is not None and _text(ws) == "true"}
            fact = self._target_fact(target, owner, field_name, attrs) if target is not None else None
            if fact is not None:
                out.append(fact)
        return out

    def _target_fact(self, node, owner: EntityRef, slot: str, attrs: dict) -> PortFact | None:
        url, pieces = self.string_value(node)
        if url is None:
            return self._fact(PortValue.unresolved_expr(_text(node)), Role.TARGET, owner, self.loc(node), slot, attrs)
        parsed = url_port(url)
        if parsed is None:
            return None
        attrs = {**attrs, "url": url, "host": parsed.host, "scheme": parsed.scheme}
        if parsed.offset is None:
            return self._fact(PortValue.parse(parsed.port_text), Role.TARGET, owner, self.loc(node), slot,
                              {**attrs, "implicit": True})
        where, defined = self._piece_location(pieces, parsed.offset)
        if node.type == "identifier":  # a const: report the use, keep the definition
            where, defined = self.loc(node), (where, *defined)
        return self._fact(PortValue.parse(parsed.port_text, defined), Role.TARGET, owner, where, slot, attrs)

    # -- values -------------------------------------------------------------------------------
    def trace(self, node, depth: int = 0) -> _Value:
        if node is None or depth > MAX_DEPTH:
            return _Value(node)
        kind = node.type
        if kind == "number":
            return _Value(node, _text(node), node)
        if kind in ("string", "template_string"):
            text, _ = self.string_value(node)
            return _Value(node, text, node) if text is not None else _Value(node)
        if kind in _WRAPPERS or kind == "unary_expression":
            inner = node.named_children[-1] if node.named_children else None
            traced = self.trace(inner, depth + 1)
            traced.node = node
            return traced
        if kind == "identifier" and _text(node) in self.consts:
            inner = self.trace(self.consts[_text(node)], depth + 1)
            return _Value(node, inner.literal, inner.literal_node, inner.env_var, inner.default)
        if kind == "call_expression":
            callee = node.child_by_field_name("function")
            args = node.child_by_field_name("arguments")
            if callee is not None and _text(callee) in _NUMBER_CALLS and args is not None and args.named_children:
                traced = self.trace(args.named_children[0], depth + 1)
                traced.node = node
                return traced
        if kind in ("member_expression", "subscript_expression"):
            var = _env_var(node)
            if var:
                return _Value(node, env_var=var)
        if kind == "binary_expression":
            operator = node.child_by_field_name("operator")
            if operator is not None and _text(operator) in ("||", "??"):
                left = self.trace(node.child_by_field_name("left"), depth + 1)
                if left.env_var and left.default is None:
                    left.default = self.trace(node.child_by_field_name("right"), depth + 1)
                    left.node = node
                    return left
        return _Value(node)

    def string_value(self, node) -> tuple[str | None, list[tuple[str, Any, _Value | None]]]:
        """A string's text and its pieces (text, node, traced substitution) for locating offsets."""
        if node is None:
            return None, []
        if node.type == "identifier" and _text(node) in self.consts:
            return self.string_value(self.consts[_text(node)])
        if node.type not in ("string", "template_string"):
            return None, []
        pieces: list[tuple[str, Any, _Value | None]] = []
        for child in node.named_children:
            if child.type in ("string_fragment", "escape_sequence"):
                pieces.append((_text(child), child, None))
            elif child.type == "template_substitution":
                inner = self.trace(child.named_children[0] if child.named_children else None)
                if inner.literal is None:
                    return None, []
                pieces.append((inner.literal, child, inner))
        return "".join(p[0] for p in pieces), pieces

    def _piece_location(self, pieces, offset: int) -> tuple[Location, tuple[Location, ...]]:
        position = 0
        for text, node, traced in pieces:
            if position <= offset < position + max(len(text), 1):
                if traced is None:
                    return self.loc(node, offset - position), ()
                return self.loc(node), self._defined_at(traced)
            position += len(text)
        return self.loc(pieces[0][1]) if pieces else Location(self.file.rel), ()

    # -- locations ----------------------------------------------------------------------------
    def loc(self, node, char_offset: int = 0) -> Location:
        row, col = node.start_point
        return Location(self.file.rel, row + 1, self.index.char_column(row + 1, col) + char_offset)

    def _defined_at(self, value: _Value) -> tuple[Location, ...]:
        if value.literal_node is None or value.literal_node == value.node:
            return ()
        return (self.loc(_content(value.literal_node)),)

    def _fact(self, value: PortValue, role: Role, owner: EntityRef, where: Location, slot: str,
              attrs: dict) -> PortFact:
        return PortFact(value=value, role=role, owner=owner, location=where, environment=self.file.environment,
                        slot=slot, attrs=dict(attrs))


def _declarations(scope) -> dict[str, Any]:
    """``const NAME = value`` (and let/var) declared directly in a program or block."""
    out: dict[str, Any] = {}
    for child in scope.named_children:
        node = child.named_children[0] if child.type == "export_statement" and child.named_children else child
        if node.type not in ("lexical_declaration", "variable_declaration"):
            continue
        for declarator in node.named_children:
            if declarator.type != "variable_declarator":
                continue
            name, value = declarator.child_by_field_name("name"), declarator.child_by_field_name("value")
            if name is not None and value is not None and name.type == "identifier":
                out[_text(name)] = value
    return out


def _env_var(node) -> str | None:
    """``process.env.PORT``, ``process.env['PORT']``, ``import.meta.env.VITE_PORT``, ``env.PORT``."""
    if node.type == "member_expression":
        obj, prop = node.child_by_field_name("object"), node.child_by_field_name("property")
    else:
        obj, prop = node.child_by_field_name("object"), node.child_by_field_name("index")
    if obj is None or prop is None:
        return None
    base = _text(obj)
    if not (base == "env" or base.endswith(".env")):
        return None
    if prop.type == "string":
        return "".join(_text(c) for c in prop.named_children) or None
    return _text(prop) if prop.type == "property_identifier" else None


def _content(node):
    """A string's first fragment (so a location points past the quote); other nodes as they are."""
    if node.type == "string" and node.named_children:
        return node.named_children[0]
    return node


def _key_text(node) -> str | None:
    if node is None:
        return None
    if node.type in ("property_identifier", "number"):
        return _text(node)
    if node.type == "string":
        return "".join(_text(c) for c in node.named_children)
    return None


def _text(node) -> str:
    return node.text.decode("utf-8", errors="replace") if node is not None and node.text is not None else ""
