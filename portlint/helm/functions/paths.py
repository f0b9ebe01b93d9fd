"""Path and URL functions (sprig's path family, text/template's urlquery)."""

from __future__ import annotations

import urllib.parse
from typing import Any

from portlint.helm.functions._args import want_str
from portlint.helm.gofmt import sprint_args


def _clean(path: str) -> str:
    """Go's path.Clean."""
    if path == "":
        return "."
    rooted = path.startswith("/")
    parts: list[str] = []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if parts and parts[-1] != "..":
                parts.pop()
            elif not rooted:
                parts.append("..")
            continue
        parts.append(part)
    out = "/".join(parts)
    if rooted:
        return "/" + out
    return out or "."


def clean(p: Any) -> str:
    return _clean(want_str(p))


def base(p: Any) -> str:
    """Go's path.Base."""
    path = want_str(p)
    if path == "":
        return "."
    path = path.rstrip("/")
    if path == "":
        return "/"
    return path.rsplit("/", 1)[-1]


def dir_(p: Any) -> str:
    """Go's path.Dir."""
    path = want_str(p)
    head = path[: path.rfind("/") + 1]
    return _clean(head)


def ext(p: Any) -> str:
    path = want_str(p)
    for i in range(len(path) - 1, -1, -1):
        if path[i] == "/":
            break
        if path[i] == ".":
            return path[i:]
    return ""


def is_abs(p: Any) -> bool:
    return want_str(p).startswith("/")


def urlquery(*args: Any) -> str:
    """text/template's urlquery: QueryEscape of the printed arguments."""
    text = args[0] if len(args) == 1 and isinstance(args[0], str) else sprint_args(*args)
    return urllib.parse.quote_plus(text, safe="-_.~")


FUNCTIONS = {"base": base, "dir": dir_, "ext": ext, "clean": clean, "isAbs": is_abs, "urlquery": urlquery}
