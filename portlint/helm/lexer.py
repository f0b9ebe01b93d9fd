"""Go ``text/template`` lexer: template text → a flat list of tokens, in one linear pass.

Tokens are tuples ``(kind, value, offset, spaced)``: ``offset`` is the character offset in the
template source, ``spaced`` says whether whitespace preceded the token inside an action (Go tells
``(x).f`` from ``(x) .f`` by it). Kinds:

``text``      literal text between actions (``value`` is the text, trimming not yet applied)
``left``      ``{{`` (``value``: True for ``{{-``)       ``right``  ``}}`` (``value``: True for ``-}}``)
``comment``   a whole ``{{/* … */}}`` (``value``: (left trim, right trim))
``ident`` ``field`` ``var`` ``dot`` ``string`` ``number`` ``char`` ``bool`` ``nil``
``pipe`` ``lparen`` ``rparen`` ``declare`` (``:=``) ``assign`` (``=``) ``comma`` ``eof``

A lexical error (unclosed action, unterminated string) raises :class:`LexError` at its offset.
"""

from __future__ import annotations

import re

LEFT, RIGHT = "{{", "}}"
SPACE = " \t\r\n"
_IDENT = re.compile(r"[^\W\d]\w*|_\w*", re.UNICODE)
_IDENT_CHARS = re.compile(r"\w*", re.UNICODE)
_NUMBER = re.compile(
    r"[+-]?(?:0[xX][0-9a-fA-F_]+(?:\.[0-9a-fA-F_]*)?(?:[pP][+-]?[0-9_]+)?"
    r"|0[bB][01_]+|0[oO][0-7_]+"
    r"|(?:[0-9][0-9_]*)?(?:\.[0-9_]*)?(?:[eE][+-]?[0-9_]+)?)i?")
_SPACES = re.compile(r"[ \t\r\n]*")
_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v",
            "\\": "\\", "'": "'", '"': '"'}
_PUNCT = {"|": "pipe", "(": "lparen", ")": "rparen", ",": "comma", "=": "assign"}


class LexError(Exception):
    """A template that cannot be tokenised; ``offset`` is where the problem starts."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.message, self.offset = message, offset


Token = tuple  # (kind, value, offset, spaced)


def lex(src: str) -> list[Token]:
    """Tokenise a whole template."""
    tokens: list[Token] = []
    pos, end = 0, len(src)
    while pos < end:
        start = src.find(LEFT, pos)
        if start < 0:
            tokens.append(("text", src[pos:], pos, False))
            break
        if start > pos:
            tokens.append(("text", src[pos:start], pos, False))
        pos = _lex_action(src, start, tokens)
    tokens.append(("eof", None, end, False))
    return tokens


def _lex_action(src: str, start: int, tokens: list[Token]) -> int:
    """Lex one action starting at ``{{``; returns the offset after its ``}}``."""
    pos = start + 2
    trim_left = pos + 1 < len(src) and src[pos] == "-" and src[pos + 1] in SPACE
    if trim_left:
        pos += 1
    after = _SPACES.match(src, pos).end() if trim_left else pos
    if src.startswith("/*", after):
        return _lex_comment(src, start, after, trim_left, tokens)
    tokens.append(("left", trim_left, start, False))
    end = len(src)
    while True:
        spaced_from = pos
        pos = _SPACES.match(src, pos).end()
        spaced = pos > spaced_from
        if pos >= end:
            raise LexError("unclosed action", start)
        ch = src[pos]
        if ch == "-" and src.startswith("-}}", pos) and spaced:
            tokens.append(("right", True, pos, spaced))
            return pos + 3
        if ch == "}" and src.startswith("}}", pos):
            tokens.append(("right", False, pos, spaced))
            return pos + 2
        pos = _lex_token(src, pos, spaced, start, tokens)


def _lex_comment(src: str, start: int, pos: int, trim_left: bool, tokens: list[Token]) -> int:
    close = src.find("*/", pos + 2)
    if close < 0:
        raise LexError("unclosed comment", start)
    pos = close + 2
    trim_right = False
    if src.startswith(" -}}", pos):
        trim_right, pos = True, pos + 4
    elif src.startswith("}}", pos):
        pos += 2
    else:
        raise LexError("comment ends before closing delimiter", start)
    tokens.append(("comment", (trim_left, trim_right), start, False))
    return pos


def _lex_token(src: str, pos: int, spaced: bool, action: int, tokens: list[Token]) -> int:
    ch = src[pos]
    nxt = src[pos + 1] if pos + 1 < len(src) else ""
    if ch == '"':
        value, after = _quoted(src, pos, '"', action)
        tokens.append(("string", value, pos, spaced))
        return after
    if ch == "`":
        close = src.find("`", pos + 1)
        if close < 0:
            raise LexError("unterminated raw quoted string", pos)
        tokens.append(("string", src[pos + 1:close], pos, spaced))
        return close + 1
    if ch == "'":
        value, after = _quoted(src, pos, "'", action)
        if len(value) != 1:
            raise LexError("malformed character constant", pos)
        tokens.append(("char", ord(value), pos, spaced))
        return after
    if ch == ":" and nxt == "=":
        tokens.append(("declare", None, pos, spaced))
        return pos + 2
    if ch in _PUNCT:
        tokens.append((_PUNCT[ch], None, pos, spaced))
        return pos + 1
    if ch == "$":
        match = _IDENT_CHARS.match(src, pos + 1)
        tokens.append(("var", "$" + match.group(0), pos, spaced))
        return match.end()
    if ch == "." and not nxt.isdigit():
        match = _IDENT_CHARS.match(src, pos + 1)
        if match.end() == pos + 1:
            tokens.append(("dot", None, pos, spaced))
        else:
            tokens.append(("field", match.group(0), pos, spaced))
        return match.end()
    if ch.isdigit() or ch == "." or (ch in "+-" and (nxt.isdigit() or nxt == ".")):
        return _lex_number(src, pos, spaced, tokens)
    match = _IDENT.match(src, pos)
    if match is not None:
        word = match.group(0)
        if word in ("true", "false"):
            tokens.append(("bool", word == "true", pos, spaced))
        elif word == "nil":
            tokens.append(("nil", None, pos, spaced))
        else:
            tokens.append(("ident", word, pos, spaced))
        return match.end()
    raise LexError(f"unexpected {ch!r} in command", pos)


def _lex_number(src: str, pos: int, spaced: bool, tokens: list[Token]) -> int:
    match = _NUMBER.match(src, pos)
    end = match.end()
    if end < len(src) and (src[end].isalnum() or src[end] == "_"):
        raise LexError(f"bad number syntax: {src[pos:end + 1]!r}", pos)
    value = parse_number(src[pos:end])
    if value is None:
        raise LexError(f"bad number syntax: {src[pos:end]!r}", pos)
    tokens.append(("number", value, pos, spaced))
    return end


def parse_number(text: str) -> int | float | None:
    """A Go number literal as int (when integral syntax) or float; ``None`` if malformed."""
    if not text or text.endswith("i"):
        return None
    body = text.lstrip("+-")
    if "_" in body and (body.startswith("_") or body.endswith("_") or "__" in body):
        return None
    try:
        if body[:2].lower() in ("0x", "0b", "0o"):
            if "." in body or "p" in body.lower():
                return float.fromhex(text.replace("_", ""))
            return int(text.replace("_", ""), 0)
        if any(c in body for c in ".eE"):
            return float(text.replace("_", ""))
        if len(body) > 1 and body.startswith("0"):
            return int(text.replace("_", ""), 8)
        return int(text.replace("_", ""))
    except ValueError:
        return None


def _quoted(src: str, pos: int, quote: str, action: int) -> tuple[str, int]:
    """An interpreted string or char literal with Go escapes; returns (value, offset after)."""
    out: list[str] = []
    i, end = pos + 1, len(src)
    while i < end:
        ch = src[i]
        if ch == quote:
            return "".join(out), i + 1
        if ch == "\n":
            break
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        i, text = _escape(src, i + 1, pos)
        out.append(text)
    raise LexError("unterminated quoted string", pos)


def _escape(src: str, i: int, pos: int) -> tuple[int, str]:
    ch = src[i] if i < len(src) else ""
    if ch in _ESCAPES:
        return i + 1, _ESCAPES[ch]
    widths = {"x": 2, "u": 4, "U": 8}
    if ch in widths:
        digits = src[i + 1:i + 1 + widths[ch]]
        if len(digits) == widths[ch] and all(c in "0123456789abcdefABCDEF" for c in digits):
            code = int(digits, 16)
            if ch == "x":
                return i + 1 + widths[ch], bytes([code]).decode("latin-1")
            if code <= 0x10FFFF:
                return i + 1 + widths[ch], chr(code)
    if ch in "01234567":
        digits = src[i:i + 3]
        if len(digits) == 3 and all(c in "01234567" for c in digits) and int(digits, 8) < 256:
            return i + 3, chr(int(digits, 8))
    raise LexError("invalid escape sequence in string", pos)
