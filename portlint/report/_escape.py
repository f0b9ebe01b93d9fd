"""Escaping for every output format: scanned names, values and paths are untrusted text.

A Service name may hold ``ESC]0;title BEL`` (terminal title), CR/LF (a forged finding line), a
right-to-left override, ``<img onerror=…>`` or a trailing backslash. Each reporter passes every
piece of scanned text through the function for its format, so the output stays valid for its
reader and shows such characters instead of obeying them.
"""

from __future__ import annotations

import functools
import re

# C0 and C1 controls, DEL, bidi embeddings/overrides/isolates and marks, line/paragraph separators
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]")
# what XML 1.0 cannot carry at all (even as a character reference); compiled on first use (the
# negated class spans all of Unicode: ~10 ms, which a JSON or text report never needs)
_XML_INVALID_PATTERN = "[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"


@functools.cache
def _xml_invalid() -> re.Pattern[str]:
    return re.compile(_XML_INVALID_PATTERN)


def _visible(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str) -> str:
    """Control, bidi and line-separator characters shown as ``\\x1b`` / ``\\u202e`` (for terminals,
    CI logs, labels). Everything else, including ordinary non-ASCII letters, is kept."""
    text = str(text)
    return _UNSAFE.sub(_visible, text) if _UNSAFE.search(text) else text


def xml_text(text: str) -> str:
    """Text an XML 1.0 document can hold: controls shown as ``\\x01``; ElementTree escapes ``<&"``."""
    return _xml_invalid().sub(_visible, visible(text))


def github_data(text: str) -> str:
    """The message part of a GitHub workflow command (``::error …::DATA``): ``%``, CR and LF
    percent-encoded as the runner expects; other controls (ESC) already shown by :func:`visible`."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def github_property(text: str) -> str:
    """A property value of a workflow command (``file=…,title=…``): also ``:`` and ``,``."""
    return github_data(visible(text)).replace(":", "%3A").replace(",", "%2C")


def dot_string(parts: list[str]) -> str:
    """A Graphviz double-quoted label from lines: ``\\`` and ``"`` escaped, lines joined by ``\\n``.

    A trailing backslash can no longer swallow the closing quote, and a raw line break becomes
    ``\\x0a`` text."""
    return '"' + "\\n".join(visible(p).replace("\\", "\\\\").replace('"', '\\"') for p in parts) + '"'


_MERMAID = {"&": "#amp;", "<": "#lt;", ">": "#gt;", '"': "#quot;", "#": "#35;", "`": "#96;",
            "|": "#124;", "[": "#91;", "]": "#93;", "{": "#123;", "}": "#125;", "(": "#40;", ")": "#41;"}
_MERMAID_RE = re.compile("[&<>\"#`|\\[\\]{}()]")


def mermaid_text(text: str) -> str:
    """Text inside a quoted Mermaid label: markup and Mermaid syntax as entity codes (``#lt;``), so
    no HTML reaches the rendered label and no bracket ends the node."""
    return _MERMAID_RE.sub(lambda m: _MERMAID[m.group()], visible(text))


def mermaid_label(parts: list[str]) -> str:
    """A quoted Mermaid node label from lines, joined by ``<br/>`` (the only markup we emit)."""
    return '"' + "<br/>".join(mermaid_text(p) for p in parts) + '"'


def is_printable(text: str) -> bool:
    """No control, bidi or separator character (for tests and asserts)."""
    import unicodedata  # a C extension no report needs

    return not _UNSAFE.search(text) and all(unicodedata.category(c) != "Cc" for c in text)


def html_text(text: str, quote: bool = True) -> str:
    """HTML/SVG text or attribute: markup escaped, and controls/bidi shown (``\\x1b``) so that the
    page stays valid XML where it embeds SVG."""
    import html

    return html.escape(xml_text(str(text)), quote=quote)
