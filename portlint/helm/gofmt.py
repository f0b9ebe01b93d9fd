"""Go's fmt and text/template printing, for Python values that stand for Go values.

Go map -> dict, slice -> list, string -> str, int -> int, float64 -> float,
bool -> bool, nil -> None. Maps print with sorted keys (fmt sorts them since Go 1.12),
floats print as Go's %v does (shortest digits, exponent from 1e+06 on: Helm's famous
``1e+06``), and printf verbs give Go's ``%!d(string=x)`` text on a type mismatch.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

__all__ = [
    "go_type",
    "format_float",
    "sprint",
    "sprint_args",
    "sprintln_args",
    "sprintf",
    "template_print",
    "truth",
    "go_quote",
]


def go_type(value: Any) -> str:
    """The Go type name fmt shows for a value (``%!d(string=x)``, typeOf)."""
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float64"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return "map[string]interface {}"
    if isinstance(value, (list, tuple)):
        return "[]interface {}"
    if isinstance(value, bytes):
        return "[]uint8"
    return type(value).__name__


def truth(value: Any) -> bool:
    """text/template's truth: false, 0, nil, and empty strings, maps and slices are false."""
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value != 0
    if isinstance(value, (str, bytes, list, tuple, dict)):
        return len(value) > 0
    return True


# -- floats ------------------------------------------------------------------------------

def _shortest_digits(value: float) -> tuple[str, int]:
    """Shortest round-trip decimal digits of |value| and the decimal point position.

    value == 0.<digits> * 10**dp, the way Go's strconv keeps them.
    """
    _sign, digits, exponent = Decimal(repr(abs(value))).as_tuple()
    text = "".join(map(str, digits)).lstrip("0")
    if not text:
        return "0", 1
    dp = len(text) + int(exponent)
    return text.rstrip("0"), dp


def format_float(value: float, verb: str = "g", prec: int = -1) -> str:
    """strconv.FormatFloat(value, verb, prec, 64) for verbs g, e, f (and G, E, F)."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    lower = verb.lower()
    neg = math.copysign(1.0, value) < 0
    sign = "-" if neg else ""
    if lower == "f":
        if prec < 0:
            digits, dp = _shortest_digits(value)
            return sign + _fixed(digits, dp, max(len(digits) - dp, 0))
        return sign + format(abs(value), f".{prec}f")
    if lower == "e":
        if prec < 0:
            digits, dp = _shortest_digits(value)
            out = _exp(digits, dp, len(digits) - 1)
        else:
            out = format(abs(value), f".{prec}e")
        out = out.replace("e", "E") if verb == "E" else out
        return sign + out
    # %g
    if prec < 0:
        digits, dp = _shortest_digits(value)
        eprec = 6
        exp = dp - 1
        if digits == "0":
            exp = 0
        if exp < -4 or exp >= eprec:
            out = _exp(digits, dp, len(digits) - 1)
        else:
            out = _fixed(digits, dp, max(len(digits) - dp, 0))
    else:
        if prec == 0:
            prec = 1
        out = format(abs(value), f".{prec}g")
        out = _two_digit_exponent(out)
    if verb == "G":
        out = out.replace("e", "E")
    return sign + out


def _two_digit_exponent(text: str) -> str:
    if "e" not in text:
        return text
    mant, exp = text.split("e")
    sign = exp[0] if exp[0] in "+-" else "+"
    num = exp.lstrip("+-")
    return f"{mant}e{sign}{num.zfill(2)}"


def _fixed(digits: str, dp: int, frac: int) -> str:
    if digits == "0":
        return "0" if frac == 0 else "0." + "0" * frac
    if dp <= 0:
        body = "0." + "0" * (-dp) + digits
        return body
    if dp >= len(digits):
        return digits + "0" * (dp - len(digits))
    return digits[:dp] + "." + digits[dp:]


def _exp(digits: str, dp: int, frac: int) -> str:
    exp = dp - 1 if digits != "0" else 0
    mant = digits[0]
    rest = digits[1:]
    if frac > len(rest):
        rest = rest + "0" * (frac - len(rest))
    if rest:
        mant += "." + rest
    sign = "-" if exp < 0 else "+"
    return f"{mant}e{sign}{abs(exp):02d}"


# -- %v ----------------------------------------------------------------------------------

def sprint(value: Any) -> str:
    """fmt.Sprint of one value (nil is ``<nil>``)."""
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, float):
        return format_float(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, dict):
        return "map[" + " ".join(f"{sprint(k)}:{sprint(value[k])}" for k in _sorted_keys(value)) + "]"
    if isinstance(value, (list, tuple)):
        return "[" + " ".join(sprint(v) for v in value) + "]"
    if isinstance(value, bytes):
        return "[" + " ".join(str(b) for b in value) + "]"
    return str(value)


def _sorted_keys(mapping: dict) -> list:
    try:
        return sorted(mapping)
    except TypeError:
        return sorted(mapping, key=lambda k: (type(k).__name__, str(k)))


def template_print(value: Any) -> str:
    """How text/template prints the result of an action: nil is ``<no value>``."""
    if value is None:
        return "<no value>"
    return sprint(value)


def sprint_args(*args: Any) -> str:
    """fmt.Sprint(args...): spaces between operands when neither side is a string."""
    out: list[str] = []
    for i, arg in enumerate(args):
        if i > 0 and not isinstance(arg, str) and not isinstance(args[i - 1], str):
            out.append(" ")
        out.append(sprint(arg))
    return "".join(out)


def sprintln_args(*args: Any) -> str:
    """fmt.Sprintln(args...): always spaces, and a newline."""
    return " ".join(sprint(a) for a in args) + "\n"


# -- %q ----------------------------------------------------------------------------------

_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v",
            "\\": "\\\\", '"': '\\"'}


def go_quote(text: str, ascii_only: bool = False) -> str:
    """strconv.Quote (or QuoteToASCII)."""
    out = ['"']
    for ch in text:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
            continue
        cp = ord(ch)
        if 0xD800 <= cp <= 0xDFFF:
            out.append("\\ufffd")
        elif cp < 0x20 or cp == 0x7F:
            out.append(f"\\x{cp:02x}")
        elif cp < 0x7F:
            out.append(ch)
        elif ascii_only or not ch.isprintable():
            if cp < 0x10000:
                out.append(f"\\u{cp:04x}")
            else:
                out.append(f"\\U{cp:08x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


# -- Sprintf -----------------------------------------------------------------------------

class _Spec:
    __slots__ = ("minus", "plus", "sharp", "space", "zero", "width", "prec", "verb")

    def __init__(self) -> None:
        self.minus = self.plus = self.sharp = self.space = self.zero = False
        self.width: int | None = None
        self.prec: int | None = None
        self.verb = ""


def _bad(verb: str, value: Any, spec: _Spec | None = None) -> str:
    """Go's %!verb(type=value): the value printed with %v and the same flags and width."""
    if value is None:
        return f"%!{verb}(<nil>)"
    if spec is None:
        return f"%!{verb}({go_type(value)}={sprint(value)})"
    as_v = _Spec()
    for name in ("minus", "plus", "sharp", "space", "zero", "width", "prec"):
        setattr(as_v, name, getattr(spec, name))
    as_v.verb = "v"
    return f"%!{verb}({go_type(value)}={_format_value(value, as_v)})"


def _pad(text: str, spec: _Spec, numeric: bool = False) -> str:
    width = spec.width or 0
    if len(text) >= width:
        return text
    fill = width - len(text)
    if spec.minus:
        return text + " " * fill
    if spec.zero and numeric:
        sign = text[0] if text[:1] in "+- " and text else ""
        return sign + "0" * fill + text[len(sign):]
    if spec.zero and not numeric:
        return "0" * fill + text
    return " " * fill + text


def _sign(text: str, negative: bool, spec: _Spec) -> str:
    if negative:
        return "-" + text
    if spec.plus:
        return "+" + text
    if spec.space:
        return " " + text
    return text


def _format_int(value: int, spec: _Spec) -> str:
    verb = spec.verb
    neg = value < 0
    mag = abs(value)
    if verb in "dv":
        body = str(mag)
    elif verb == "x":
        body = format(mag, "x")
        if spec.sharp:
            body = "0x" + body
    elif verb == "X":
        body = format(mag, "X")
        if spec.sharp:
            body = "0X" + body
    elif verb == "o":
        body = format(mag, "o")
        if spec.sharp:
            body = "0" + body
    elif verb == "O":
        body = "0o" + format(mag, "o")
    elif verb == "b":
        body = format(mag, "b")
    elif verb == "c":
        return _pad(chr(value) if 0 <= value <= 0x10FFFF else "\ufffd", spec)
    elif verb == "q":
        ch = chr(value) if 0 <= value <= 0x10FFFF else "\ufffd"
        return _pad("'" + go_quote(ch)[1:-1].replace("'", "\\'").replace('\\"', '"') + "'", spec)
    elif verb == "U":
        return _pad(f"U+{value:04X}", spec)
    else:
        return _bad(verb, value, spec)
    if spec.prec is not None:
        if spec.prec == 0 and mag == 0:
            body = ""
        else:
            body = body.zfill(spec.prec)
        spec_zero = False
    else:
        spec_zero = spec.zero
    text = _sign(body, neg, spec)
    if spec_zero and not spec.minus:
        return _pad(text, spec, numeric=True)
    width = spec.width or 0
    if len(text) < width:
        return text + " " * (width - len(text)) if spec.minus else " " * (width - len(text)) + text
    return text


def _format_floatv(value: float, spec: _Spec) -> str:
    verb = spec.verb
    if verb == "v":
        verb = "g"
    if verb not in "eEfFgG":
        return _bad(spec.verb, value, spec)
    prec = -1 if spec.prec is None else spec.prec
    if verb in "eEfF" and spec.prec is None:
        prec = 6
    text = format_float(value, "f" if verb == "F" else verb, prec)
    if math.isinf(value) or math.isnan(value):
        if text.startswith("+") and not spec.plus:
            text = text[1:]
        elif not text.startswith(("+", "-")) and spec.plus and not math.isnan(value):
            text = "+" + text
        if math.isnan(value) and spec.plus:
            text = "+NaN"
        return _pad(text, spec)
    if spec.plus and not text.startswith("-"):
        text = "+" + text
    elif spec.space and not text.startswith("-"):
        text = " " + text
    return _pad(text, spec, numeric=True)


def _format_str(value: str, spec: _Spec) -> str:
    verb = spec.verb
    if verb in "sv":
        text = value if spec.prec is None else value[: spec.prec]
        return _pad(text, spec)
    if verb == "q":
        if spec.sharp and "`" not in value and all(c.isprintable() or c == "\t" for c in value):
            return _pad("`" + value + "`", spec)
        return _pad(go_quote(value if spec.prec is None else value[: spec.prec], ascii_only=spec.plus), spec)
    if verb in "xX":
        data = value.encode("utf-8", "surrogatepass")
        if spec.prec is not None:
            data = data[: spec.prec]
        hexed = data.hex()
        if verb == "X":
            hexed = hexed.upper()
        if spec.space:
            prefix = ("0x" if verb == "x" else "0X") if spec.sharp else ""
            hexed = " ".join(prefix + hexed[i:i + 2] for i in range(0, len(hexed), 2))
        elif spec.sharp and hexed:
            hexed = ("0x" if verb == "x" else "0X") + hexed
        return _pad(hexed, spec)
    return _bad(verb, value, spec)


def _format_value(value: Any, spec: _Spec, depth: int = 0) -> str:
    verb = spec.verb
    if value is None:
        if depth > 0:  # a nil inside a slice or map prints <nil>, unpadded, whatever the verb
            return "<nil>"
        if verb == "v":
            return _pad("<nil>", spec)
        return _bad(verb, value, spec)
    if isinstance(value, bool):
        if verb in "tv":
            return _pad("true" if value else "false", spec)
        return _bad(verb, value, spec)
    if isinstance(value, int):
        return _format_int(int(value), spec)
    if isinstance(value, float):
        return _format_floatv(float(value), spec)
    if isinstance(value, str):
        return _format_str(value, spec)
    if isinstance(value, dict):
        parts = []
        for k in _sorted_keys(value):
            parts.append(f"{_format_value(k, spec, depth + 1)}:{_format_value(value[k], spec, depth + 1)}")
        return "map[" + " ".join(parts) + "]"
    if isinstance(value, (list, tuple)):
        return "[" + " ".join(_format_value(v, spec, depth + 1) for v in value) + "]"
    if verb in "sv":
        return _pad(str(value), spec)
    return f"%!{verb}({type(value).__name__}={value})"


def _parse_num(fmt: str, i: int) -> tuple[int | None, int]:
    start = i
    while i < len(fmt) and fmt[i].isdigit():
        i += 1
    if i == start:
        return None, i
    return int(fmt[start:i]), i


def sprintf(fmt: str, *args: Any) -> str:
    """fmt.Sprintf with Go verbs, flags, width and precision (``*`` included)."""
    out: list[str] = []
    argi = 0
    i = 0
    n = len(fmt)
    reordered = False
    while i < n:
        j = fmt.find("%", i)
        if j < 0:
            out.append(fmt[i:])
            break
        out.append(fmt[i:j])
        i = j + 1
        spec = _Spec()
        while i < n and fmt[i] in "+-# 0":
            c = fmt[i]
            if c == "+":
                spec.plus = True
            elif c == "-":
                spec.minus = True
                spec.zero = False
            elif c == "#":
                spec.sharp = True
            elif c == " ":
                spec.space = True
            elif c == "0":
                spec.zero = not spec.minus
            i += 1
        # explicit argument index [n]
        if i < n and fmt[i] == "[":
            close = fmt.find("]", i)
            if close > i and fmt[i + 1:close].isdigit():
                argi = int(fmt[i + 1:close]) - 1
                reordered = True
                i = close + 1
        if i < n and fmt[i] == "*":
            i += 1
            if argi < len(args) and isinstance(args[argi], int) and not isinstance(args[argi], bool):
                spec.width = int(args[argi])
                if spec.width < 0:
                    spec.minus = True
                    spec.width = -spec.width
            else:
                out.append("%!(BADWIDTH)")
            argi += 1
        else:
            spec.width, i = _parse_num(fmt, i)
        if i < n and fmt[i] == ".":
            i += 1
            if i < n and fmt[i] == "*":
                i += 1
                if argi < len(args) and isinstance(args[argi], int) and not isinstance(args[argi], bool):
                    spec.prec = int(args[argi])
                    if spec.prec < 0:
                        spec.prec = None
                else:
                    out.append("%!(BADPREC)")
                argi += 1
            else:
                prec, i = _parse_num(fmt, i)
                spec.prec = prec if prec is not None else 0
        if i >= n:
            out.append("%!(NOVERB)")
            break
        verb = fmt[i]
        i += 1
        if verb == "%":
            out.append("%")
            continue
        spec.verb = verb
        if argi >= len(args):
            out.append(f"%!{verb}(MISSING)")
            continue
        value = args[argi]
        argi += 1
        if verb == "v" and spec.sharp:
            out.append(_go_syntax(value))
            continue
        if verb == "v":
            spec.plus = False  # %+v is struct-field syntax, not a sign
        out.append(_format_value(value, spec))
    if not reordered and argi < len(args):
        extra = ", ".join("<nil>" if a is None else f"{go_type(a)}={sprint(a)}" for a in args[argi:])
        out.append(f"%!(EXTRA {extra})")
    return "".join(out)


def _go_syntax(value: Any) -> str:
    """%#v, enough for the values templates handle."""
    if value is None:
        return "<nil>"
    if isinstance(value, str):
        return go_quote(value)
    if isinstance(value, dict):
        inner = ", ".join(f"{_go_syntax(k)}:{_go_syntax(value[k])}" for k in _sorted_keys(value))
        return "map[string]interface {}{" + inner + "}"
    if isinstance(value, (list, tuple)):
        return "[]interface {}{" + ", ".join(_go_syntax(v) for v in value) + "}"
    return sprint(value)
