"""String functions: sprig's strings family and text/template's print builtins."""

from __future__ import annotations

from typing import Any

from portlint.helm.errors import TemplateError
from portlint.helm.functions._args import strval, want_int, want_str
from portlint.helm.gofmt import go_quote, sprint_args, sprintf, sprintln_args

# Go's unicode.IsSpace (the White_Space property), for strings.TrimSpace and Fields.
GO_SPACE = "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a" \
           "\u2028\u2029\u202f\u205f\u3000"


# Go maps by UnicodeData's simple mappings; Python's full mapping is longer for these, and the
# simple one is not the rune itself (UnicodeData.txt: 0130 has simple lowercase 0069).
_SIMPLE_LOWER = {"\u0130": "i"}


def _case(text: str, upper: bool) -> str:
    """strings.ToUpper/ToLower: one rune to one rune (Python's 'ß'.upper() is two)."""
    out = []
    for ch in text:
        mapped = ch.upper() if upper else _SIMPLE_LOWER.get(ch, ch.lower())
        out.append(mapped if len(mapped) == 1 else ch)
    return "".join(out)


def upper(s: Any) -> str:
    return _case(want_str(s), True)


def lower(s: Any) -> str:
    return _case(want_str(s), False)


def _is_separator(ch: str) -> bool:
    """strings.Title's word boundary test."""
    if ch.isascii():
        return not (ch.isalnum() or ch == "_")
    if ch.isalpha() or ch.isdigit():
        return False
    return ch in GO_SPACE


def title(s: Any) -> str:
    text = want_str(s)
    out = []
    prev = " "
    for ch in text:
        if _is_separator(prev):
            mapped = ch.title()  # unicode.ToTitle: ǆ → ǅ
            out.append(mapped if len(mapped) == 1 else ch)
        else:
            out.append(ch)
        prev = ch
    return "".join(out)


def untitle(s: Any) -> str:
    text = want_str(s)
    out = []
    prev = " "
    for ch in text:
        out.append(_case(ch, False) if _is_separator(prev) else ch)
        prev = ch
    return "".join(out)


def trim(s: Any) -> str:
    return want_str(s).strip(GO_SPACE)


def trim_all(cutset: Any, s: Any) -> str:
    cut = want_str(cutset)
    text = want_str(s)
    return text.strip(cut) if cut else text


def trim_prefix(prefix: Any, s: Any) -> str:
    p, text = want_str(prefix), want_str(s)
    return text[len(p):] if p and text.startswith(p) else text


def trim_suffix(suffix: Any, s: Any) -> str:
    p, text = want_str(suffix), want_str(s)
    return text[: len(text) - len(p)] if p and text.endswith(p) else text


def _byte_slice(text: str, start: int, end: int) -> str:
    """Go slices strings by bytes; a cut rune's bytes each read back as U+FFFD (as Go's UTF-8
    decoding, encoding/json and yaml.v2 see them)."""
    data = text.encode("utf-8", "surrogatepass")[start:end]
    decoded = data.decode("utf-8", "surrogateescape")
    return "".join("\ufffd" if 0xDC80 <= ord(ch) <= 0xDCFF else ch for ch in decoded)


def trunc(c: Any, s: Any) -> str:
    """sprig's trunc counts bytes, and a negative count keeps the end."""
    n, text = want_int(c), want_str(s)
    size = len(text.encode("utf-8", "surrogatepass"))
    if n < 0 and size + n > 0:
        return _byte_slice(text, size + n, size)
    if n >= 0 and size > n:
        return _byte_slice(text, 0, n)
    return text


def substr(start: Any, end: Any, s: Any) -> str:
    a, b, text = want_int(start), want_int(end), want_str(s)
    size = len(text.encode("utf-8", "surrogatepass"))
    if a < 0:
        return _byte_slice(text, 0, b)
    if b < 0 or b > size:
        return _byte_slice(text, a, size)
    return _byte_slice(text, a, b)


def replace(old: Any, new: Any, src: Any) -> str:
    return want_str(src).replace(want_str(old), want_str(new))


def repeat(count: Any, s: Any) -> str:
    n = want_int(count)
    if n < 0:
        raise TemplateError("strings: negative Repeat count")
    if n * len(want_str(s)) > 10_000_000:
        raise TemplateError("strings: Repeat output too large")
    return want_str(s) * n


def indent(spaces: Any, v: Any) -> str:
    pad = " " * max(want_int(spaces), 0)
    return pad + want_str(v).replace("\n", "\n" + pad)


def nindent(spaces: Any, v: Any) -> str:
    return "\n" + indent(spaces, v)


def quote(*args: Any) -> str:
    return " ".join(go_quote(strval(a)) for a in args if a is not None)


def squote(*args: Any) -> str:
    return " ".join(f"'{strval(a)}'" for a in args if a is not None)


def cat(*args: Any) -> str:
    return " ".join(strval(a) for a in args if a is not None)


def contains(substr_: Any, s: Any) -> bool:
    return want_str(substr_) in want_str(s)


def has_prefix(prefix: Any, s: Any) -> bool:
    return want_str(s).startswith(want_str(prefix))


def has_suffix(suffix: Any, s: Any) -> bool:
    return want_str(s).endswith(want_str(suffix))


def nospace(s: Any) -> str:
    """goutils.DeleteWhiteSpace, byte by byte as it is: when a byte is a space, each kept byte
    becomes a rune (é turns into Ã©); otherwise the string comes back unchanged."""
    text = want_str(s)
    data = text.encode("utf-8", "surrogatepass")
    kept = [chr(b) for b in data if chr(b) not in GO_SPACE]
    return text if len(kept) == len(data) else "".join(kept)


def _go_split(text: str, sep: str, n: int = -1) -> list[str]:
    """strings.Split / SplitN (an empty separator splits into runes)."""
    if n == 0:
        return []
    if sep == "":
        runes = list(text)
        if 0 < n < len(runes):
            return runes[: n - 1] + ["".join(runes[n - 1:])]
        return runes
    if n < 0:
        return text.split(sep)
    return text.split(sep, n - 1)


def split_list(sep: Any, orig: Any) -> list[str]:
    return _go_split(want_str(orig), want_str(sep))


def split(sep: Any, orig: Any) -> dict[str, str]:
    return {f"_{i}": part for i, part in enumerate(_go_split(want_str(orig), want_str(sep)))}


def splitn(sep: Any, n: Any, orig: Any) -> dict[str, str]:
    parts = _go_split(want_str(orig), want_str(sep), want_int(n))
    return {f"_{i}": part for i, part in enumerate(parts)}


def strslice(value: Any) -> list[str]:
    """sprig's strslice: a list's non-nil items as strings; anything else as one string."""
    if isinstance(value, (list, tuple)):
        return [strval(v) for v in value if v is not None]
    if value is None:
        return []
    return [strval(value)]


def join(sep: Any, v: Any) -> str:
    return want_str(sep).join(strslice(v))


def to_strings(v: Any) -> list[str]:
    return strslice(v)


def sort_alpha(v: Any) -> list[str]:
    if isinstance(v, (list, tuple)):
        items = strslice(v)
    else:
        items = [strval(v)]
    return sorted(items, key=lambda s: s.encode("utf-8", "surrogatepass"))


def abbrev(width: Any, s: Any) -> str:
    w, text = want_int(width), want_str(s)
    if w < 4 or len(text) <= w:
        return text
    return text[: w - 3] + "..."


def initials(s: Any) -> str:
    return "".join(word[0] for word in want_str(s).split() if word)


def plural(one: Any, many: Any, count: Any) -> str:
    return want_str(one) if want_int(count) == 1 else want_str(many)


def printf(fmt: Any, *args: Any) -> str:
    return sprintf(want_str(fmt), *args)


def print_(*args: Any) -> str:
    return sprint_args(*args)


def println(*args: Any) -> str:
    return sprintln_args(*args)


def to_string(v: Any) -> str:
    return strval(v)


def _words(text: str) -> list[str]:
    words, cur = [], ""
    for ch in text:
        if ch in " _-." or ch in GO_SPACE:
            if cur:
                words.append(cur)
            cur = ""
        else:
            cur += ch
    if cur:
        words.append(cur)
    return words


def snakecase(s: Any) -> str:
    text = want_str(s)
    out = []
    for i, ch in enumerate(text):
        if ch.isupper() and i > 0 and (text[i - 1].islower() or text[i - 1].isdigit()):
            out.append("_")
        out.append(ch.lower() if ch.isupper() else ch)
    return "".join(out).replace("-", "_").replace(" ", "_")


def kebabcase(s: Any) -> str:
    return snakecase(s).replace("_", "-")


def camelcase(s: Any) -> str:
    return "".join(w[:1].upper() + w[1:] for w in want_str(s).split("_"))


def wrap(width: Any, s: Any) -> str:
    w, text = want_int(width), want_str(s)
    lines = []
    for para in text.split("\n"):
        line = ""
        for word in para.split(" "):
            if line and len(line) + 1 + len(word) > w:
                lines.append(line)
                line = word
            else:
                line = f"{line} {word}" if line else word
        lines.append(line)
    return "\n".join(lines)


def html_escape(*args: Any) -> str:
    """text/template's html builtin."""
    text = sprint_args(*args) if not (len(args) == 1 and isinstance(args[0], str)) else args[0]
    return (text.replace("&", "&amp;").replace("'", "&#39;").replace("<", "&lt;")
            .replace(">", "&gt;").replace('"', "&#34;").replace("\x00", "\ufffd"))


FUNCTIONS = {
    "upper": upper, "lower": lower, "title": title, "untitle": untitle,
    "trim": trim, "trimAll": trim_all, "trimPrefix": trim_prefix, "trimSuffix": trim_suffix,
    "trunc": trunc, "substr": substr, "replace": replace, "repeat": repeat,
    "indent": indent, "nindent": nindent, "quote": quote, "squote": squote, "cat": cat,
    "contains": contains, "hasPrefix": has_prefix, "hasSuffix": has_suffix, "nospace": nospace,
    "split": split, "splitList": split_list, "splitn": splitn, "join": join,
    "toStrings": to_strings, "sortAlpha": sort_alpha, "abbrev": abbrev, "initials": initials,
    "plural": plural, "printf": printf, "print": print_, "println": println, "toString": to_string,
    "snakecase": snakecase, "kebabcase": kebabcase, "camelcase": camelcase, "wrap": wrap,
    "html": html_escape, "trimall": trim_all,
}
