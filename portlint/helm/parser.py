"""Go ``text/template`` parser: tokens → a tree of nodes, plus the ``define``d templates.

The grammar and its errors follow Go's ``text/template/parse``: actions, ``{{-``/``-}}`` trimming,
comments, pipelines with declarations (``$x :=``, ``$x =``, ``$i, $v :=`` in ``range``),
parenthesised pipelines, field chains, ``if``/``else if``/``else``, ``with``/``else with``,
``range``/``else``, ``break``/``continue``, ``define``/``template``/``block``.

Every node keeps ``pos``, the character offset in its template's source. Nesting is bounded
(:data:`MAX_DEPTH`), so a hostile template is a :class:`ParseError`, not a crash.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from portlint.helm.lexer import SPACE, LexError, Token, lex

MAX_DEPTH = 100
KEYWORDS = frozenset({"if", "else", "end", "range", "with", "define", "template", "block", "break", "continue"})


class ParseError(Exception):
    """A template that Go would refuse to parse; ``offset`` is where."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.message, self.offset = message, offset


# -- nodes --------------------------------------------------------------------------------------


class Node:
    __slots__ = ("pos",)


class Text(Node):
    __slots__ = ("text",)

    def __init__(self, text: str, pos: int) -> None:
        self.text, self.pos = text, pos


class Pipe(Node):
    """``decl`` are the declared/assigned variable names; ``assign`` is True for ``=``."""

    __slots__ = ("decl", "assign", "cmds")

    def __init__(self, decl: list[str], assign: bool, cmds: list[Command], pos: int) -> None:
        self.decl, self.assign, self.cmds, self.pos = decl, assign, cmds, pos


class Command(Node):
    __slots__ = ("args",)

    def __init__(self, args: list[Node], pos: int) -> None:
        self.args, self.pos = args, pos


class Action(Node):
    __slots__ = ("pipe", "end")

    def __init__(self, pipe: Pipe, pos: int, end: int) -> None:
        self.pipe, self.pos, self.end = pipe, pos, end


class Field(Node):
    __slots__ = ("names",)

    def __init__(self, names: tuple[str, ...], pos: int) -> None:
        self.names, self.pos = names, pos


class Variable(Node):
    """``$x.a.b``: ``name`` is ``$x``, ``names`` the fields after it."""

    __slots__ = ("name", "names")

    def __init__(self, name: str, names: tuple[str, ...], pos: int) -> None:
        self.name, self.names, self.pos = name, names, pos


class Chain(Node):
    """``(pipeline).a.b``."""

    __slots__ = ("node", "names")

    def __init__(self, node: Node, names: tuple[str, ...], pos: int) -> None:
        self.node, self.names, self.pos = node, names, pos


class Ident(Node):
    __slots__ = ("name",)

    def __init__(self, name: str, pos: int) -> None:
        self.name, self.pos = name, pos


class Dot(Node):
    __slots__ = ()

    def __init__(self, pos: int) -> None:
        self.pos = pos


class Literal(Node):
    """A string, number, char, bool or ``nil`` constant."""

    __slots__ = ("value", "is_nil")

    def __init__(self, value: object, pos: int, is_nil: bool = False) -> None:
        self.value, self.pos, self.is_nil = value, pos, is_nil


class PipeNode(Node):
    """A parenthesised pipeline used as an operand."""

    __slots__ = ("pipe",)

    def __init__(self, pipe: Pipe, pos: int) -> None:
        self.pipe, self.pos = pipe, pos


class Branch(Node):
    """``if``, ``with`` or ``range`` (``kind``), its pipeline, body and else body."""

    __slots__ = ("kind", "pipe", "body", "orelse", "end")

    def __init__(self, kind: str, pipe: Pipe, body: list[Node], orelse: list[Node] | None, pos: int) -> None:
        self.kind, self.pipe, self.body, self.orelse, self.pos = kind, pipe, body, orelse, pos
        self.end = pos


class TemplateCall(Node):
    __slots__ = ("name", "pipe", "end")

    def __init__(self, name: str, pipe: Pipe | None, pos: int, end: int) -> None:
        self.name, self.pipe, self.pos, self.end = name, pipe, pos, end


class Break(Node):
    __slots__ = ()

    def __init__(self, pos: int) -> None:
        self.pos = pos


class Continue(Node):
    __slots__ = ()

    def __init__(self, pos: int) -> None:
        self.pos = pos


# -- templates ----------------------------------------------------------------------------------


@dataclass
class Tree:
    """One parsed body: a named template (a file or a ``define``) with its source for positions."""

    name: str
    body: list[Node]
    source: Source


@dataclass
class Source:
    """A template file's text, name and line index (offset → 1-based line and column)."""

    name: str
    text: str
    line_starts: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.line_starts:
            starts = [0]
            find = self.text.find
            i = find("\n")
            while i >= 0:
                starts.append(i + 1)
                i = find("\n", i + 1)
            self.line_starts = starts

    def line_col(self, offset: int) -> tuple[int, int]:
        index = bisect.bisect_right(self.line_starts, offset) - 1
        return index + 1, offset - self.line_starts[index] + 1


def parse(name: str, text: str) -> tuple[Tree, dict[str, Tree]]:
    """Parse one template file: its main tree and the templates it ``define``s (or ``block``s)."""
    source = Source(name, text)
    try:
        tokens = lex(text)
    except LexError as exc:
        raise ParseError(exc.message, exc.offset) from None
    parser = _Parser(tokens, source)
    body = parser.parse_top()
    return Tree(name, body, source), parser.defines


# -- the parser ---------------------------------------------------------------------------------


class _Parser:
    def __init__(self, tokens: list[Token], source: Source) -> None:
        self.tokens = _trim(tokens)
        self.i = 0
        self.source = source
        self.defines: dict[str, Tree] = {}
        self.depth = 0
        self.in_range = 0

    # tokens
    def peek(self) -> Token:
        return self.tokens[self.i]

    def next(self) -> Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def expect(self, kind: str, context: str) -> Token:
        token = self.next()
        if token[0] != kind:
            raise ParseError(f"unexpected {_describe(token)} in {context}", token[2])
        return token

    def deeper(self, offset: int) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ParseError("template nested too deeply", offset)

    # lists
    def parse_top(self) -> list[Node]:
        body, stop = self.item_list(top=True)
        return body

    def item_list(self, top: bool = False) -> tuple[list[Node], str]:
        """Items until ``{{end}}``/``{{else}}`` (returned as the stop word) or EOF at top level."""
        nodes: list[Node] = []
        while True:
            token = self.next()
            kind = token[0]
            if kind == "text":
                if token[1]:
                    nodes.append(Text(token[1], token[2]))
            elif kind == "comment":
                continue
            elif kind == "eof":
                if not top:
                    raise ParseError("unexpected EOF", token[2])
                return nodes, "eof"
            elif kind == "left":
                stop = self.action(nodes, top, token[2])
                if stop:
                    if top:
                        raise ParseError(f"unexpected {{{{{stop}}}}}", token[2])
                    return nodes, stop
            else:  # pragma: no cover - the lexer emits only the kinds above outside actions
                raise ParseError(f"unexpected {_describe(token)}", token[2])

    def action(self, nodes: list[Node], top: bool, start: int) -> str:
        token = self.peek()
        word = token[1] if token[0] == "ident" and token[1] in KEYWORDS else None
        if word is None:
            pipe = self.pipeline("command", "right")
            end = self.next()[2]
            nodes.append(Action(pipe, start, end))
            return ""
        self.next()
        if word in ("end", "else"):
            if word == "end":
                self.expect("right", "end")
            return word
        if word in ("if", "with", "range"):
            nodes.append(self.branch(word, start))
        elif word == "define":
            if not top:
                raise ParseError("unexpected <define> in command", start)
            self.define(start)
        elif word in ("template", "block"):
            nodes.append(self.template(word, start))
        else:  # break / continue
            if not self.in_range:
                raise ParseError(f"{{{{{word}}}}} outside {{{{range}}}}", start)
            self.expect("right", word)
            nodes.append(Break(start) if word == "break" else Continue(start))
        return ""

    def branch(self, kind: str, start: int) -> Branch:
        self.deeper(start)
        pipe = self.pipeline(kind, "right")
        self.next()
        if kind == "range":
            self.in_range += 1
        body, stop = self.item_list()
        if kind == "range":
            self.in_range -= 1
        orelse = None
        if stop == "else":
            token = self.peek()
            if kind in ("if", "with") and token[0] == "ident" and token[1] == kind:
                self.next()  # {{else if …}}: a nested branch that shares our {{end}}
                orelse = [self.branch(kind, token[2])]
            else:
                self.expect("right", "else")
                orelse, stop = self.item_list()
                if stop != "end":
                    raise ParseError("expected end; found {{else}}", token[2])
        node = Branch(kind, pipe, body, orelse, start)
        self.depth -= 1
        return node

    def define(self, start: int) -> None:
        name_token = self.next()
        if name_token[0] != "string":
            raise ParseError(f"unexpected {_describe(name_token)} in define clause", name_token[2])
        self.expect("right", "define clause")
        body, stop = self.item_list()
        if stop != "end":
            raise ParseError("unexpected {{else}} in define", start)
        self._add_define(name_token[1], body)

    def _add_define(self, name: str, body: list[Node]) -> None:
        if name in self.defines and _is_empty(body):
            return  # Go keeps a non-empty definition over an empty redefinition
        self.defines[name] = Tree(name, body, self.source)

    def template(self, word: str, start: int) -> TemplateCall:
        name_token = self.next()
        if name_token[0] != "string":
            raise ParseError(f"unexpected {_describe(name_token)} in {word} clause", name_token[2])
        pipe = None
        if self.peek()[0] != "right":
            pipe = self.pipeline(word, "right")
        elif word == "block":
            raise ParseError("missing pipeline in block clause", start)
        end = self.next()[2]
        if word == "block":
            body, stop = self.item_list()
            if stop != "end":
                raise ParseError("unexpected {{else}} in block", start)
            self._add_define(name_token[1], body)
        return TemplateCall(name_token[1], pipe, start, end)

    # pipelines
    def pipeline(self, context: str, closer: str) -> Pipe:
        start = self.peek()[2]
        decl, assign = self.declarations(context)
        cmds: list[Command] = []
        while True:
            token = self.peek()
            if token[0] == closer:
                break
            if token[0] in ("right", "rparen", "eof"):
                raise ParseError(f"unexpected {_describe(token)} in {context}", token[2])
            cmds.append(self.command(closer))
            token = self.peek()
            if token[0] == "pipe":
                self.next()
                if self.peek()[0] in (closer, "right", "rparen"):
                    raise ParseError("missing command after |", token[2])
        if not cmds and (decl or context not in ("template", "block")):
            raise ParseError(f"missing value for {context}", start)
        return Pipe(decl, assign, cmds, start)

    def declarations(self, context: str) -> tuple[list[str], bool]:
        tokens, i = self.tokens, self.i
        if tokens[i][0] != "var":
            return [], False
        kind = tokens[i + 1][0]
        if kind in ("declare", "assign"):
            self.i += 2
            return [tokens[i][1]], kind == "assign"
        if kind == "comma" and context == "range" and tokens[i + 2][0] == "var" and \
                tokens[i + 3][0] in ("declare", "assign"):
            self.i += 4
            return [tokens[i][1], tokens[i + 2][1]], tokens[i + 3][0] == "assign"
        return [], False

    def command(self, closer: str) -> Command:
        start = self.peek()[2]
        args: list[Node] = []
        while True:
            token = self.peek()
            if token[0] in ("pipe", closer, "right", "rparen", "eof"):
                if token[0] not in ("pipe", closer):
                    raise ParseError(f"unexpected {_describe(token)} in operand", token[2])
                break
            if args and not token[3]:
                raise ParseError(f"missing space before {_describe(token)}", token[2])
            args.append(self.operand())
        if not args:
            raise ParseError("empty command", start)
        return Command(args, start)

    def operand(self) -> Node:
        node = self.term()
        names: list[str] = []
        while self.peek()[0] == "field" and not self.peek()[3]:
            names.append(self.next()[1])
        if not names:
            return node
        if isinstance(node, Field):
            return Field(node.names + tuple(names), node.pos)
        if isinstance(node, Variable):
            return Variable(node.name, node.names + tuple(names), node.pos)
        if isinstance(node, (PipeNode, Chain, Ident)):  # Go parses `fn.Field` too; it fails only if run
            return Chain(node, tuple(names), node.pos)
        raise ParseError("unexpected . after term", node.pos)

    def term(self) -> Node:
        kind, value, pos, _ = self.next()
        if kind == "ident":
            if value in KEYWORDS:
                raise ParseError(f"unexpected <{value}> in operand", pos)
            return Ident(value, pos)
        if kind == "dot":
            return Dot(pos)
        if kind == "field":
            return Field((value,), pos)
        if kind == "var":
            return Variable(value, (), pos)
        if kind in ("string", "number", "char", "bool"):
            return Literal(value, pos)
        if kind == "nil":
            return Literal(None, pos, is_nil=True)
        if kind == "lparen":
            self.deeper(pos)
            pipe = self.pipeline("parenthesized pipeline", "rparen")
            self.next()
            self.depth -= 1
            return PipeNode(pipe, pos)
        raise ParseError(f"unexpected {_describe((kind, value, pos, False))} in operand", pos)


def _trim(tokens: list[Token]) -> list[Token]:
    """Apply ``{{-``/``-}}`` trimming to the text tokens beside trim markers."""
    out = list(tokens)
    for i, token in enumerate(tokens):
        if token[0] != "text":
            continue
        text, pos = token[1], token[2]
        before = tokens[i - 1] if i else None
        after = tokens[i + 1] if i + 1 < len(tokens) else None
        if before is not None and ((before[0] == "right" and before[1]) or (before[0] == "comment" and before[1][1])):
            stripped = text.lstrip(SPACE)
            pos += len(text) - len(stripped)
            text = stripped
        if after is not None and ((after[0] == "left" and after[1]) or (after[0] == "comment" and after[1][0])):
            text = text.rstrip(SPACE)
        out[i] = ("text", text, pos, False)
    return out


def _is_empty(body: list[Node]) -> bool:
    return all(isinstance(n, Text) and not n.text.strip() for n in body)


def _describe(token: Token) -> str:
    kind, value = token[0], token[1]
    if kind == "right":
        return "\"}}\""
    if kind == "eof":
        return "EOF"
    if kind == "rparen":
        return "\")\""
    if kind in ("ident", "field", "var"):
        return f"<{value if kind != 'field' else '.' + value}>"
    return f"<{kind}>"
