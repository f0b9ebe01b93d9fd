"""Encodings, hashes and JSON (Go's encoding/json, as Helm's toJson/fromJson use it)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
import zlib
from typing import Any

from portlint.helm.errors import TemplateError
from portlint.helm.functions._args import want_str
from portlint.helm.gofmt import format_float, go_type


def b64enc(s: Any) -> str:
    return base64.b64encode(want_str(s).encode("utf-8", "surrogatepass")).decode("ascii")


def b64dec(s: Any) -> str:
    text = want_str(s)
    try:
        data = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        return f"illegal base64 data at input byte {_bad_b64_offset(text)}"
    return data.decode("utf-8", "replace")


def _bad_b64_offset(text: str) -> int:
    alphabet = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
    for i, ch in enumerate(text):
        if ch not in alphabet and ch != "=":
            return i
    return len(text) - len(text) % 4 if len(text) % 4 else max(len(text) - 1, 0)


def b32enc(s: Any) -> str:
    return base64.b32encode(want_str(s).encode("utf-8", "surrogatepass")).decode("ascii")


def b32dec(s: Any) -> str:
    try:
        return base64.b32decode(want_str(s).encode("ascii")).decode("utf-8", "replace")
    except (binascii.Error, UnicodeEncodeError, ValueError) as exc:
        return str(exc)


def sha256sum(s: Any) -> str:
    return hashlib.sha256(want_str(s).encode("utf-8", "surrogatepass")).hexdigest()


def sha1sum(s: Any) -> str:
    return hashlib.sha1(want_str(s).encode("utf-8", "surrogatepass")).hexdigest()  # noqa: S324


def sha512sum(s: Any) -> str:
    return hashlib.sha512(want_str(s).encode("utf-8", "surrogatepass")).hexdigest()


def adler32sum(s: Any) -> str:
    return str(zlib.adler32(want_str(s).encode("utf-8", "surrogatepass")))


# -- encoding/json -------------------------------------------------------------------------


def _json_string(text: str, escape_html: bool) -> str:
    out = ['"']
    for ch in text:
        cp = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif cp < 0x20:
            out.append(f"\\u{cp:04x}")
        elif escape_html and ch in "<>&":
            out.append(f"\\u{cp:04x}")
        elif cp in (0x2028, 0x2029):
            out.append(f"\\u{cp:04x}")
        elif 0xD800 <= cp <= 0xDFFF:
            out.append("\\ufffd")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def json_float(value: float) -> str:
    """encoding/json's float64: %f-like digits below 1e21, exponent (e-7, not e-07) beyond."""
    if math.isnan(value) or math.isinf(value):
        raise TemplateError(f"json: unsupported value: {format_float(value)}")
    a = abs(value)
    if a != 0 and (a < 1e-6 or a >= 1e21):
        text = format_float(value, "e", -1)
        mant, exp = text.split("e")
        sign, digits = exp[0], exp[1:].lstrip("0") or "0"
        return f"{mant}e{sign}{digits}"
    return format_float(value, "f", -1)


def go_json(value: Any, escape_html: bool = True, indent: str | None = None, level: int = 0) -> str:
    """json.Marshal (or MarshalIndent with prefix "" and ``indent``)."""
    if level > 200:
        raise TemplateError("json: unsupported value: encountered a cycle")
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, float):
        return json_float(float(value))
    if isinstance(value, str):
        return _json_string(value, escape_html)
    nl = "" if indent is None else "\n" + indent * (level + 1)
    end = "" if indent is None else "\n" + indent * level
    colon = ":" if indent is None else ": "
    if isinstance(value, dict):
        if not value:
            return "{}"
        for k in value:
            if not isinstance(k, str):
                raise TemplateError(f"json: unsupported type: map[{go_type(k)}]interface {{}}")
        items = [f"{nl}{_json_string(k, escape_html)}{colon}{go_json(value[k], escape_html, indent, level + 1)}"
                 for k in sorted(value, key=lambda s: s.encode("utf-8", "surrogatepass"))]
        return "{" + ",".join(items) + end + "}"
    if isinstance(value, (list, tuple)):
        if not value:
            return "[]"
        items = [f"{nl}{go_json(v, escape_html, indent, level + 1)}" for v in value]
        return "[" + ",".join(items) + end + "]"
    fields = getattr(value, "fields", None)
    if isinstance(fields, dict):
        return go_json(fields, escape_html, indent, level)
    raise TemplateError(f"json: unsupported type: {go_type(value)}")


def to_json(v: Any) -> str:
    """Helm's toJson: errors are swallowed into an empty string."""
    try:
        return go_json(v)
    except TemplateError:
        return ""


def must_to_json(v: Any) -> str:
    return go_json(v)


def to_pretty_json(v: Any) -> str:
    try:
        return go_json(v, indent="  ")
    except TemplateError:
        return ""


def to_raw_json(v: Any) -> str:
    try:
        return go_json(v, escape_html=False)
    except TemplateError:
        return ""


def _reject_constant(name: str) -> Any:
    raise ValueError(f"invalid character '{name[0]}' looking for beginning of value")


def _load_json(text: str) -> Any:
    """encoding/json into interface{}: numbers are float64."""
    return json.loads(text, parse_int=float, parse_constant=_reject_constant)


def from_json(s: Any) -> dict:
    text = want_str(s)
    try:
        value = _load_json(text)
    except (ValueError, RecursionError) as exc:
        return {"Error": _json_error(exc, text)}
    if not isinstance(value, dict):
        return {"Error": f"json: cannot unmarshal {_json_kind(value)} into Go value of type map[string]interface {{}}"}
    return value


def from_json_array(s: Any) -> list:
    text = want_str(s)
    try:
        value = _load_json(text)
    except (ValueError, RecursionError) as exc:
        return [_json_error(exc, text)]
    if not isinstance(value, list):
        return [f"json: cannot unmarshal {_json_kind(value)} into Go value of type []interface {{}}"]
    return value


def must_from_json(s: Any) -> Any:
    """sprig's mustFromJson (Helm leaves it alone): any JSON value, an error when not JSON."""
    text = want_str(s)
    try:
        return _load_json(text)
    except (ValueError, RecursionError) as exc:
        raise TemplateError(_json_error(exc, text)) from None


def _json_kind(value: Any) -> str:
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "bool"
    if value is None:
        return "null"
    return "number"


def _json_error(exc: Exception, text: str) -> str:
    if not text.strip():
        return "unexpected end of JSON input"
    return str(exc)


FUNCTIONS = {
    "b64enc": b64enc, "b64dec": b64dec, "b32enc": b32enc, "b32dec": b32dec,
    "sha256sum": sha256sum, "sha1sum": sha1sum, "sha512sum": sha512sum, "adler32sum": adler32sum,
    "toJson": to_json, "mustToJson": must_to_json, "toPrettyJson": to_pretty_json,
    "mustToPrettyJson": to_pretty_json, "toRawJson": to_raw_json, "mustToRawJson": to_raw_json,
    "fromJson": from_json, "fromJsonArray": from_json_array, "mustFromJson": must_from_json,
}
