"""Regular expressions (sprig's regex family), Go RE2 syntax translated to Python's re."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from portlint.helm.errors import TemplateError
from portlint.helm.functions._args import want_int, want_str

_POSIX = {
    "alnum": "0-9A-Za-z", "alpha": "A-Za-z", "ascii": "\\x00-\\x7F", "blank": "\\t ",
    "cntrl": "\\x00-\\x1F\\x7F", "digit": "0-9", "graph": "!-~", "lower": "a-z", "print": " -~",
    "punct": "!-/:-@\\[-`{-~", "space": "\\t\\n\\v\\f\\r ", "upper": "A-Z", "word": "0-9A-Za-z_",
    "xdigit": "0-9A-Fa-f",
}


@lru_cache(maxsize=256)
def compile_go(pattern: str) -> re.Pattern[str]:
    """Compile an RE2 pattern; RE2-only syntax is translated, the rest is shared."""
    text = pattern.replace("\\z", "\\Z")
    text = re.sub(r"\[:(\^?)(\w+):\]", lambda m: _POSIX.get(m.group(2), m.group(0)) if not m.group(1)
                  else m.group(0), text)
    try:
        return re.compile(text)
    except re.error as exc:
        raise TemplateError(f"error parsing regexp: {exc}: `{pattern}`") from None


def _expand(match: re.Match[str], template: str) -> str:
    out = []
    i = 0
    n = len(template)
    while i < n:
        ch = template[i]
        if ch != "$" or i + 1 >= n:
            out.append(ch)
            i += 1
            continue
        nxt = template[i + 1]
        if nxt == "$":
            out.append("$")
            i += 2
            continue
        if nxt == "{":
            close = template.find("}", i + 2)
            name = template[i + 2:close] if close > 0 else ""
            if close < 0 or not re.fullmatch(r"\w+", name):
                out.append(ch)
                i += 1
                continue
            i = close + 1
        else:
            m = re.match(r"\w+", template[i + 1:])
            if not m:
                out.append(ch)
                i += 1
                continue
            name = m.group(0)
            i += 1 + len(name)
        out.append(_group(match, name))
    return "".join(out)


def _group(match: re.Match[str], name: str) -> str:
    try:
        if name.isdigit():
            value = match.group(int(name))
        else:
            value = match.group(name)
    except IndexError:
        return ""
    return value or ""


def regex_match(regex: Any, s: Any) -> bool:
    try:
        return compile_go(want_str(regex)).search(want_str(s)) is not None
    except TemplateError:
        return False


def must_regex_match(regex: Any, s: Any) -> bool:
    return compile_go(want_str(regex)).search(want_str(s)) is not None


def regex_find(regex: Any, s: Any) -> str:
    m = compile_go(want_str(regex)).search(want_str(s))
    return m.group(0) if m else ""


def regex_find_all(regex: Any, s: Any, n: Any) -> list[str]:
    limit = want_int(n)
    found = [m.group(0) for m in compile_go(want_str(regex)).finditer(want_str(s))]
    return found if limit < 0 else found[:limit]


def regex_replace_all(regex: Any, s: Any, repl: Any) -> str:
    template = want_str(repl)
    return compile_go(want_str(regex)).sub(lambda m: _expand(m, template), want_str(s))


def regex_replace_all_literal(regex: Any, s: Any, repl: Any) -> str:
    literal = want_str(repl)
    return compile_go(want_str(regex)).sub(lambda m: literal, want_str(s))


def regex_split(regex: Any, s: Any, n: Any) -> list[str]:
    limit = want_int(n)
    text = want_str(s)
    if limit == 0:
        return []
    pattern = compile_go(want_str(regex))
    if pattern.pattern and text == "":
        return [""]
    parts = pattern.split(text, maxsplit=0 if limit < 0 else limit - 1)
    if pattern.groups:
        step = pattern.groups + 1
        parts = parts[::step]
    return parts


def regex_quote_meta(s: Any) -> str:
    return re.sub(r"([\\.+*?()|\[\]{}^$])", r"\\\1", want_str(s))


FUNCTIONS = {
    "regexMatch": regex_match, "mustRegexMatch": must_regex_match, "regexFind": regex_find,
    "mustRegexFind": regex_find, "regexFindAll": regex_find_all, "mustRegexFindAll": regex_find_all,
    "regexReplaceAll": regex_replace_all, "mustRegexReplaceAll": regex_replace_all,
    "regexReplaceAllLiteral": regex_replace_all_literal,
    "mustRegexReplaceAllLiteral": regex_replace_all_literal,
    "regexSplit": regex_split, "mustRegexSplit": regex_split, "regexQuoteMeta": regex_quote_meta,
}
