"""toYaml and fromYaml exactly as Helm does them.

Helm's ``toYaml`` is sigs.k8s.io/yaml: encoding/json first (so floats that are whole numbers
become ints, keys become strings), then gopkg.in/yaml.v2 re-encodes: keys in yaml.v2's natural
order, strings quoted only when a plain scalar would read back as something else, long plain
and quoted scalars folded at column 80, multi-line strings as literal blocks. The emitter below
is a port of the parts of yaml.v2's emitterc.go that such documents reach.

``fromYaml`` reads YAML the way yaml.v2 resolves scalars (YAML 1.1: ``yes``/``on`` are bools,
``1e3`` is a float, ``22:22`` stays a string), then, as sigs.k8s.io/yaml does, goes through JSON:
every number becomes a float64, and on failure the map holds an ``Error`` key.
"""

from __future__ import annotations

import calendar
import functools
import math
import re
from typing import Any

import yaml

from portlint.helm.errors import TemplateError
from portlint.helm.functions._args import want_str
from portlint.helm.gofmt import format_float, go_type

BEST_WIDTH = 80
BEST_INDENT = 2

# -- yaml.v2's resolve() -----------------------------------------------------------------------

_BOOL_NULL = {
    **dict.fromkeys(["y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"], ("bool", True)),
    **dict.fromkeys(["n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"], ("bool", False)),
    **dict.fromkeys(["", "~", "null", "Null", "NULL"], ("null", None)),
    **dict.fromkeys([".nan", ".NaN", ".NAN"], ("float", math.nan)),
    **dict.fromkeys([".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"], ("float", math.inf)),
    **dict.fromkeys(["-.inf", "-.Inf", "-.INF"], ("float", -math.inf)),
    "<<": ("merge", "<<"),
}
_YAML_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
_DOT_FLOAT = re.compile(r"^\.[0-9]+([eE][-+]?[0-9]+)?$")
_BASE60 = re.compile(r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$")
_TIMESTAMP = re.compile(
    r"^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}"
    r"(?:(?:[Tt]|[ ])[0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(?:\.[0-9]{1,9})?"
    r"(?:Z|[-+][0-9]{2}:[0-9]{2})?)?$")
_INT64 = (-(1 << 63), (1 << 63) - 1)


def _go_parse_int(text: str) -> int | None:
    """strconv.ParseInt(text, 0, 64) then ParseUint, as yaml.v2 tries them."""
    s, sign = text, 1
    if s[:1] in "+-":
        sign, s = (-1 if s[0] == "-" else 1), s[1:]
    if not s or not s.isascii():
        return None
    low = s.lower()
    try:
        if low.startswith("0x"):
            value = int(s[2:], 16) if s[2:] and "_" not in s else None
        elif low.startswith("0o"):
            value = int(s[2:], 8) if s[2:] and "_" not in s else None
        elif low.startswith("0b"):
            value = int(s[2:], 2) if s[2:] and "_" not in s else None
        elif len(s) > 1 and s[0] == "0":
            value = int(s[1:], 8) if s[1:].isdigit() else None
        else:
            value = int(s) if s.isdigit() else None
    except ValueError:
        return None
    if value is None:
        return None
    value *= sign
    if _INT64[0] <= value <= _INT64[1] or (sign > 0 and value < (1 << 64)):
        return value
    return None


def resolve(text: str) -> tuple[str, Any]:
    """yaml.v2's resolve("", text) for a plain scalar: (tag, value)."""
    hit = _BOOL_NULL.get(text)
    if hit is not None:
        return hit
    first = text[:1]
    if first == ".":
        if _DOT_FLOAT.match(text):
            return "float", float(text)
        return "str", text
    if first and (first in "+-" or first.isdigit()):
        if _TIMESTAMP.match(text) and _valid_date(text):
            return "timestamp", text
        plain = text.replace("_", "")
        value = _go_parse_int(plain)
        if value is not None:
            return "int", value
        if _YAML_FLOAT.match(plain):
            try:
                return "float", float(plain)
            except ValueError:
                pass
        if plain.startswith("0b") or plain.startswith("-0b"):
            neg = plain.startswith("-")
            digits = plain[3:] if neg else plain[2:]
            if digits and set(digits) <= {"0", "1"}:
                return "int", -int(digits, 2) if neg else int(digits, 2)
    return "str", text


def _valid_date(text: str) -> bool:
    try:
        y, m, d = (int(p) for p in re.split(r"[-Tt ]", text)[:3])
    except ValueError:
        return False
    if not (1 <= m <= 12 and 1 <= d <= 31):
        return False
    return d <= calendar.monthrange(y, m)[1]


def _needs_quotes(text: str) -> bool:
    tag, _ = resolve(text)
    return tag != "str" or (bool(_BASE60.match(text)) if ":" in text else False)


# -- the emitter (a port of yaml.v2's emitterc.go, block styles) --------------------------------


def _printable(ch: str) -> bool:
    cp = ord(ch)
    return (cp == 0x0A or 0x20 <= cp <= 0x7E or 0xA0 <= cp <= 0xD7FF
            or (0xE000 <= cp <= 0xFFFD and cp != 0xFEFF))


_BREAKS = "\r\n\x85\u2028\u2029"


class _Analysis:
    __slots__ = ("multiline", "flow_plain", "block_plain", "single_quoted", "block")

    def __init__(self, text: str) -> None:
        if not text:
            self.multiline = False
            self.flow_plain = False
            self.block_plain = True
            self.single_quoted = True
            self.block = False
            return
        block_ind = flow_ind = line_breaks = special = False
        leading_space = leading_break = trailing_space = trailing_break = False
        break_space = space_break = previous_space = previous_break = False
        if text.startswith("---") or text.startswith("..."):
            block_ind = flow_ind = True
        preceded_by_ws = True
        n = len(text)
        for i, ch in enumerate(text):
            followed_by_ws = i + 1 >= n or text[i + 1] in " \t" or text[i + 1] in _BREAKS
            if i == 0:
                if ch in "#,[]{}&*!|>'\"%@`":
                    flow_ind = block_ind = True
                elif ch in "?:":
                    flow_ind = True
                    if followed_by_ws:
                        block_ind = True
                elif ch == "-" and followed_by_ws:
                    flow_ind = block_ind = True
            else:
                if ch in ",?[]{}":
                    flow_ind = True
                elif ch == ":":
                    flow_ind = True
                    if followed_by_ws:
                        block_ind = True
                elif ch == "#" and preceded_by_ws:
                    flow_ind = block_ind = True
            if not _printable(ch):
                special = True
            if ch == " ":
                if i == 0:
                    leading_space = True
                if i == n - 1:
                    trailing_space = True
                if previous_break:
                    break_space = True
                previous_space, previous_break = True, False
            elif ch in _BREAKS:
                line_breaks = True
                if i == 0:
                    leading_break = True
                if i == n - 1:
                    trailing_break = True
                if previous_space:
                    space_break = True
                previous_space, previous_break = False, True
            else:
                previous_space = previous_break = False
            preceded_by_ws = ch in " \t" or ch in _BREAKS
        self.multiline = line_breaks
        self.flow_plain = self.block_plain = self.single_quoted = self.block = True
        if leading_space or leading_break or trailing_space or trailing_break:
            self.flow_plain = self.block_plain = False
        if trailing_space:
            self.block = False
        if break_space:
            self.flow_plain = self.block_plain = self.single_quoted = False
        if space_break or special:
            self.flow_plain = self.block_plain = self.single_quoted = self.block = False
        if line_breaks:
            self.flow_plain = self.block_plain = False
        if flow_ind:
            self.flow_plain = False
        if block_ind:
            self.block_plain = False


PLAIN, SINGLE, DOUBLE, LITERAL = "plain", "single", "double", "literal"

_DQ_ESCAPES = {0x00: "0", 0x07: "a", 0x08: "b", 0x09: "t", 0x0A: "n", 0x0B: "v", 0x0C: "f", 0x0D: "r",
               0x1B: "e", 0x22: '"', 0x5C: "\\", 0x85: "N", 0xA0: "_", 0x2028: "L", 0x2029: "P"}


class _Emitter:
    def __init__(self) -> None:
        self.out: list[str] = []
        self.column = 0
        self.whitespace = True
        self.indention = True
        self.indent = -1
        self.indents: list[int] = []
        self.flow_level = 0
        self.open_ended = False
        self.simple_key_context = False
        self.mapping_context = False
        self.root_context = False

    # primitives
    def put(self, ch: str) -> None:
        self.out.append(ch)
        self.column += 1

    def put_break(self) -> None:
        self.out.append("\n")
        self.column = 0

    def write(self, ch: str) -> None:
        self.out.append(ch)
        self.column += 1

    def write_break(self, ch: str) -> None:
        if ch == "\n":
            self.put_break()
        else:
            self.out.append(ch)
            self.column = 0

    def write_indent(self) -> None:
        indent = max(self.indent, 0)
        if not self.indention or self.column > indent or (self.column == indent and not self.whitespace):
            self.put_break()
        while self.column < indent:
            self.put(" ")
        self.whitespace = True
        self.indention = True

    def write_indicator(self, indicator: str, need_ws: bool, is_ws: bool, is_indention: bool) -> None:
        if need_ws and not self.whitespace:
            self.put(" ")
        for ch in indicator:
            self.write(ch)
        self.whitespace = is_ws
        self.indention = self.indention and is_indention
        self.open_ended = False

    def increase_indent(self, flow: bool, indentless: bool) -> None:
        self.indents.append(self.indent)
        if self.indent < 0:
            self.indent = BEST_INDENT if flow else 0
        elif not indentless:
            self.indent += BEST_INDENT

    # nodes
    def node(self, value: Any, root: bool, sequence: bool, mapping: bool, simple_key: bool) -> None:
        self.root_context = root
        self.mapping_context = mapping
        self.simple_key_context = simple_key
        if isinstance(value, dict):
            if not value:
                self.write_indicator("{", True, True, False)
                self.write_indicator("}", False, False, False)
            else:
                self.block_mapping(value)
        elif isinstance(value, list):
            if not value:
                self.write_indicator("[", True, True, False)
                self.write_indicator("]", False, False, False)
            else:
                self.block_sequence(value)
        else:
            text, style = _scalar(value)
            self.scalar(text, style)

    def block_sequence(self, items: list) -> None:
        self.increase_indent(False, self.mapping_context and not self.indention)
        for item in items:
            self.write_indent()
            self.write_indicator("-", True, False, True)
            self.node(item, False, True, False, False)
        self.indent = self.indents.pop()

    def block_mapping(self, mapping: dict) -> None:
        self.increase_indent(False, False)
        for key in _sorted_keys(mapping):
            value = mapping[key]
            self.write_indent()
            key_text = key
            simple = ("\n" not in key_text and not any(c in _BREAKS for c in key_text)
                      and len(key_text.encode("utf-8", "surrogatepass")) <= 128)
            if simple:
                self.node(key, False, False, True, True)
                self.write_indicator(":", False, False, False)
            else:
                self.write_indicator("?", True, False, True)
                self.node(key, False, False, True, False)
                self.write_indent()
                self.write_indicator(":", True, False, True)
            self.node(value, False, False, True, False)
        self.indent = self.indents.pop()

    def scalar(self, text: str, style: str) -> None:
        analysis = _Analysis(text)
        if self.simple_key_context and analysis.multiline:
            style = DOUBLE
        if style == PLAIN:
            if (self.flow_level and not analysis.flow_plain) or (not self.flow_level and not analysis.block_plain):
                style = SINGLE
            if not text and (self.flow_level or self.simple_key_context):
                style = SINGLE
        if style == SINGLE and not analysis.single_quoted:
            style = DOUBLE
        if style == LITERAL and (not analysis.block or self.flow_level or self.simple_key_context):
            style = DOUBLE
        self.increase_indent(True, False)
        allow_breaks = not self.simple_key_context
        if style == PLAIN:
            self.write_plain(text, allow_breaks)
        elif style == SINGLE:
            self.write_single(text, allow_breaks)
        elif style == DOUBLE:
            self.write_double(text, allow_breaks)
        else:
            self.write_literal(text)
        self.indent = self.indents.pop()

    def write_plain(self, text: str, allow_breaks: bool) -> None:
        if not self.whitespace:
            self.put(" ")
        spaces = breaks = False
        n = len(text)
        for i, ch in enumerate(text):
            if ch == " ":
                nxt_space = i + 1 < n and text[i + 1] == " "
                if allow_breaks and not spaces and self.column > BEST_WIDTH and not nxt_space:
                    self.write_indent()
                else:
                    self.write(ch)
                spaces = True
            elif ch in _BREAKS:
                if not breaks and ch == "\n":
                    self.put_break()
                self.write_break(ch)
                self.indention = True
                breaks = True
            else:
                if breaks:
                    self.write_indent()
                self.write(ch)
                self.indention = False
                spaces = breaks = False
        self.whitespace = False
        self.indention = False
        if self.root_context:
            self.open_ended = True

    def write_single(self, text: str, allow_breaks: bool) -> None:
        self.write_indicator("'", True, False, False)
        spaces = breaks = False
        n = len(text)
        for i, ch in enumerate(text):
            if ch == " ":
                nxt_space = i + 1 < n and text[i + 1] == " "
                if allow_breaks and not spaces and self.column > BEST_WIDTH and 0 < i < n - 1 and not nxt_space:
                    self.write_indent()
                else:
                    self.write(ch)
                spaces = True
            elif ch in _BREAKS:
                if not breaks and ch == "\n":
                    self.put_break()
                self.write_break(ch)
                self.indention = True
                breaks = True
            else:
                if breaks:
                    self.write_indent()
                if ch == "'":
                    self.put("'")
                self.write(ch)
                self.indention = False
                spaces = breaks = False
        self.write_indicator("'", False, False, False)
        self.whitespace = False
        self.indention = False

    def write_double(self, text: str, allow_breaks: bool) -> None:
        spaces = False
        self.write_indicator('"', True, False, False)
        n = len(text)
        for i, ch in enumerate(text):
            cp = ord(ch)
            if not _printable(ch) or cp == 0xFEFF or ch in _BREAKS or ch in '"\\':
                self.put("\\")
                esc = _DQ_ESCAPES.get(cp)
                if esc is not None:
                    self.put(esc)
                else:
                    if cp <= 0xFF:
                        code = f"x{cp:02X}"
                    elif cp <= 0xFFFF:
                        code = f"u{cp:04X}"
                    else:
                        code = f"U{cp:08X}"
                    for c in code:
                        self.put(c)
                spaces = False
            elif ch == " ":
                if allow_breaks and not spaces and self.column > BEST_WIDTH and 0 < i < n - 1:
                    self.write_indent()
                    if i + 1 < n and text[i + 1] == " ":
                        self.put("\\")
                else:
                    self.write(ch)
                spaces = True
            else:
                self.write(ch)
                spaces = False
        self.write_indicator('"', False, False, False)
        self.whitespace = False
        self.indention = False

    def write_literal(self, text: str) -> None:
        self.write_indicator("|", True, False, False)
        if text[:1] == " " or text[:1] in _BREAKS and text:
            self.write_indicator(str(BEST_INDENT), False, False, False)
        self.open_ended = False
        chomp = ""
        if not text or text[-1] not in _BREAKS:
            chomp = "-"
        elif len(text) == 1:
            chomp = "+"
            self.open_ended = True
        elif text[-2] in _BREAKS:
            chomp = "+"
            self.open_ended = True
        if chomp:
            self.write_indicator(chomp, False, False, False)
        self.put_break()
        self.indention = True
        self.whitespace = True
        breaks = True
        for ch in text:
            if ch in _BREAKS:
                self.write_break(ch)
                self.indention = True
                breaks = True
            else:
                if breaks:
                    self.write_indent()
                self.write(ch)
                self.indention = False
                breaks = False

    def document(self, value: Any) -> str:
        self.node(value, True, False, False, False)
        # document end: implicit
        self.write_indent()
        return "".join(self.out)


def _sorted_keys(mapping: dict) -> list[str]:
    return sorted(mapping, key=functools.cmp_to_key(_key_cmp))


def _key_cmp(a: str, b: str) -> int:
    """yaml.v2's keyList.Less for string keys (letters after other runes, digit runs as numbers)."""
    if _key_less(a, b):
        return -1
    if _key_less(b, a):
        return 1
    return 0


def _key_less(a: str, b: str) -> bool:
    ar, br = a, b
    for i in range(min(len(ar), len(br))):
        if ar[i] == br[i]:
            continue
        al, bl = ar[i].isalpha(), br[i].isalpha()
        if al and bl:
            return ar[i] < br[i]
        if al or bl:
            return bl
        an = bn = 0
        if ar[i] == "0" or br[i] == "0":
            j = i - 1
            while j >= 0 and ar[j].isdecimal():
                if ar[j] != "0":
                    an = bn = 1
                    break
                j -= 1
        ai = i
        while ai < len(ar) and ar[ai].isdecimal():
            an = an * 10 + (ord(ar[ai]) - 48)
            ai += 1
        bi = i
        while bi < len(br) and br[bi].isdecimal():
            bn = bn * 10 + (ord(br[bi]) - 48)
            bi += 1
        if an != bn:
            return an < bn
        if ai != bi:
            return ai < bi
        return ar[i] < br[i]
    return len(ar) < len(br)


def _scalar(value: Any) -> tuple[str, str]:
    """(text, requested style) of a JSON-roundtripped scalar, as yaml.v2's encoder asks for it."""
    if value is None:
        return "null", PLAIN
    if isinstance(value, bool):
        return ("true" if value else "false"), PLAIN
    if isinstance(value, int):
        return str(value), PLAIN
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan", PLAIN
        if math.isinf(value):
            return (".inf" if value > 0 else "-.inf"), PLAIN
        return format_float(value, "g", -1), PLAIN
    text = str(value)
    if "\n" in text:
        return text, LITERAL
    if _needs_quotes(text):
        return text, DOUBLE
    return text, PLAIN


# -- the JSON round trip ---------------------------------------------------------------------


_NEL_FOLD = re.compile("[ \t]*((?:\x85[ \t]*)+)")
_UNREADABLE = re.compile("[\x7f-\x84\x86-\x9f\ufffe\uffff]")


def _jsonable(value: Any, depth: int = 0) -> Any:
    """What yaml.v2 reads back from encoding/json's output for ``value``."""
    if depth > 200:
        raise TemplateError("json: unsupported value: encountered a cycle")
    if isinstance(value, str):
        if _UNREADABLE.search(value):
            # encoding/json leaves these raw and yaml.v2's reader refuses them: Helm prints ""
            raise TemplateError("yaml: control characters are not allowed")
        if "\x85" in value:
            # yaml.v2 reads a raw NEL in JSON's double-quoted string as a folded line break
            return _NEL_FOLD.sub(lambda m: " " if m.group(1).count("\x85") == 1
                                 else "\n" * (m.group(1).count("\x85") - 1), str(value))
        return str(value)
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise TemplateError(f"json: unsupported value: {format_float(value)}")
        a = abs(value)
        if value == int(value) and a < 1e21:
            n = int(format_float(value, "f", -1))  # JSON's shortest digits, read back as an int
            if -(1 << 63) <= n < (1 << 64):
                return n
        return float(value)
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise TemplateError(f"json: unsupported type: map[{go_type(k)}]interface {{}}")
            if "\x85" in k:  # a line break inside a flow key: yaml.v2 cannot read the JSON back
                raise TemplateError("yaml: could not find expected ':'")
            out[_jsonable(str(k), depth + 1)] = _jsonable(v, depth + 1)
        return out
    if isinstance(value, (list, tuple)):
        return [_jsonable(v, depth + 1) for v in value]
    fields = getattr(value, "fields", None)
    if isinstance(fields, dict):
        return _jsonable(fields, depth + 1)
    raise TemplateError(f"json: unsupported type: {go_type(value)}")


def marshal(value: Any) -> str:
    """sigs.k8s.io/yaml.Marshal(value), with its trailing newline."""
    return _Emitter().document(_jsonable(value))


def to_yaml(value: Any) -> str:
    """Helm's toYaml: errors are swallowed into an empty string; one trailing newline trimmed."""
    try:
        text = marshal(value)
    except TemplateError:
        return ""
    return text[:-1] if text.endswith("\n") else text


def must_to_yaml(value: Any) -> str:
    text = marshal(value)
    return text[:-1] if text.endswith("\n") else text


# -- fromYaml ---------------------------------------------------------------------------------

MAX_YAML_NODES = 200_000


class _Reader:
    """Constructs Go values from a composed YAML node with yaml.v2's resolution."""

    def __init__(self, loader: Any) -> None:
        self.count = 0
        self.loader = loader

    def value(self, node: yaml.Node, depth: int = 0) -> Any:
        self.count += 1
        if self.count > MAX_YAML_NODES or depth > 500:
            raise TemplateError("yaml: document too large")
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node)
        if isinstance(node, yaml.SequenceNode):
            return [self.value(n, depth + 1) for n in node.value]
        if isinstance(node, yaml.MappingNode):
            out: dict = {}
            for knode, vnode in node.value:
                if isinstance(knode, yaml.ScalarNode) and not knode.style and knode.value == "<<":
                    merged = self.value(vnode, depth + 1)
                    for src in merged if isinstance(merged, list) else [merged]:
                        if isinstance(src, dict):
                            for k, v in src.items():
                                out.setdefault(k, v)
                    continue
                key = self.value(knode, depth + 1)
                out[_json_key(key)] = self.value(vnode, depth + 1)
            return out
        return None

    def scalar(self, node: yaml.ScalarNode) -> Any:
        text = node.value
        if node.style:  # quoted or block (the C loader gives plain scalars style "" or None)
            return text
        implicit = self.loader.resolve(yaml.ScalarNode, text, (True, False))
        if node.tag != implicit:  # an explicit tag: !!str 5 is a string, !custom x too
            kind, value = resolve(text)
            wanted = node.tag.rsplit(":", 1)[-1]
            if kind == wanted and kind in ("int", "float", "bool", "null"):
                return float(value) if kind == "int" else value
            return text
        kind, value = resolve(text)
        if kind == "timestamp" or kind == "merge":
            return text
        if kind == "int":
            return float(value)
        return value


def _json_key(key: Any) -> str:
    if isinstance(key, str):
        return key
    if isinstance(key, bool):
        return "true" if key else "false"
    if isinstance(key, float):
        if key == int(key) and abs(key) < 1 << 63:
            return str(int(key))
        return format_float(key, "g", -1)
    if key is None:
        raise TemplateError("error converting YAML to JSON: unsupported map key of type: <nil>")
    raise TemplateError(f"error converting YAML to JSON: unsupported map key of type: {go_type(key)}")


def _load_first(text: str) -> Any:
    text = str(text)  # a value read from values.yaml is a str subclass; the C loader wants a str
    try:
        loader = yaml.CSafeLoader(text) if hasattr(yaml, "CSafeLoader") else yaml.SafeLoader(text)
    except yaml.YAMLError as exc:
        raise TemplateError(f"error converting YAML to JSON: yaml: {_problem(exc)}") from None
    try:
        node = _first_node(loader)
        if node is None:
            return None
        value = _Reader(loader).value(node)
    except yaml.YAMLError as exc:
        raise TemplateError(f"error converting YAML to JSON: yaml: {_problem(exc)}") from None
    finally:
        loader.dispose()
    bad = _non_finite(value)
    if bad is not None:
        raise TemplateError(f"error converting YAML to JSON: json: unsupported value: {format_float(bad)}")
    return value


def _non_finite(value: Any, depth: int = 0) -> float | None:
    """The first NaN or Inf in a value (encoding/json refuses them), else None."""
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return value
    if depth > 500:
        return None
    children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    for child in children:
        found = _non_finite(child, depth + 1)
        if found is not None:
            return found
    return None


def _first_node(loader: Any) -> Any:
    if loader.check_node():
        return loader.get_node()
    return None


def _problem(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    if mark is not None:
        return f"line {mark.line + 1}: {problem}"
    return problem


def from_yaml(s: Any) -> dict:
    """Helm's fromYaml: a map; on failure the map holds the error under "Error"."""
    text = want_str(s)
    try:
        value = _load_first(text)
    except TemplateError as exc:
        return {"Error": exc.message}
    if value is None:
        return {}
    if not isinstance(value, dict):
        kind = "array" if isinstance(value, list) else ("string" if isinstance(value, str) else "number")
        if isinstance(value, bool):
            kind = "bool"
        return {"Error": "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal "
                         f"{kind} into Go value of type map[string]interface {{}}"}
    return value


def from_yaml_array(s: Any) -> list:
    text = want_str(s)
    try:
        value = _load_first(text)
    except TemplateError as exc:
        return [exc.message]
    if value is None:
        return []
    if not isinstance(value, list):
        kind = "object" if isinstance(value, dict) else ("string" if isinstance(value, str) else "number")
        return ["error unmarshaling JSON: while decoding JSON: json: cannot unmarshal "
                f"{kind} into Go value of type []interface {{}}"]
    return value


FUNCTIONS = {
    "toYaml": to_yaml, "mustToYaml": must_to_yaml, "fromYaml": from_yaml, "fromYamlArray": from_yaml_array,
}
