"""semver and semverCompare, after Masterminds/semver v3 (what sprig 3.2 uses)."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from portlint.helm.errors import TemplateError
from portlint.helm.functions._args import want_str

_VERSION = re.compile(
    r"^v?([0-9]+)(\.[0-9]+)?(\.[0-9]+)?"
    r"(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?"
    r"(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?$")
_CV = (r"v?([0-9|x|X|\*]+)(\.[0-9|x|X|\*]+)?(\.[0-9|x|X|\*]+)?"
       r"(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?")
_OPS = r"=\s*|!=|>=|=>|<=|=<|>|<|~>|~|\^"
_CONSTRAINT = re.compile(rf"^\s*({_OPS})?\s*({_CV})\s*$")
_HYPHEN = re.compile(rf"^\s*({_CV})\s+-\s+({_CV})\s*$")


class Version:
    """A parsed semantic version (``.Major``/``.Minor``/``.Patch`` readable from templates)."""

    __slots__ = ("major", "minor", "patch", "pre", "metadata", "original")

    def __init__(self, major: int, minor: int, patch: int, pre: str, metadata: str, original: str):
        self.major, self.minor, self.patch = major, minor, patch
        self.pre, self.metadata, self.original = pre, metadata, original

    @property
    def fields(self) -> dict[str, Any]:
        return {"Major": self.major, "Minor": self.minor, "Patch": self.patch,
                "Prerelease": self.pre, "Metadata": self.metadata, "Original": self.original}

    def __str__(self) -> str:
        out = f"{self.major}.{self.minor}.{self.patch}"
        if self.pre:
            out += "-" + self.pre
        if self.metadata:
            out += "+" + self.metadata
        return out


def parse_version(text: str) -> Version:
    m = _VERSION.match(text)
    if not m:
        raise TemplateError("Invalid Semantic Version")
    if m.group(5) and any(p.isdigit() and len(p) > 1 and p.startswith("0") for p in m.group(5).split(".")):
        raise TemplateError("Version segment starts with 0")
    return Version(int(m.group(1)), int((m.group(2) or ".0")[1:]), int((m.group(3) or ".0")[1:]),
                   m.group(5) or "", m.group(8) or "", text)


def _cmp_pre(a: str, b: str) -> int:
    if a == b:
        return 0
    if not a:
        return 1
    if not b:
        return -1
    pa, pb = a.split("."), b.split(".")
    for x, y in zip(pa, pb):
        if x == y:
            continue
        xd, yd = x.isdigit(), y.isdigit()
        if xd and yd:
            return -1 if int(x) < int(y) else 1
        if xd:
            return -1
        if yd:
            return 1
        return -1 if x < y else 1
    return (len(pa) > len(pb)) - (len(pa) < len(pb))


def compare(a: Version, b: Version) -> int:
    for x, y in ((a.major, b.major), (a.minor, b.minor), (a.patch, b.patch)):
        if x != y:
            return -1 if x < y else 1
    return _cmp_pre(a.pre, b.pre)


class _Constraint:
    __slots__ = ("op", "con", "dirty", "minor_dirty", "patch_dirty", "given_parts")

    def __init__(self, op: str, text: str) -> None:
        m = re.match(_CV + "$", text)
        if not m:
            raise TemplateError(f"improper constraint: {text}")
        is_x = lambda s: s in ("x", "X", "*")  # noqa: E731
        major, minor, patch = m.group(1), (m.group(2) or "")[1:], (m.group(3) or "")[1:]
        tail = (m.group(4) or "") + (m.group(7) or "")
        self.dirty = self.minor_dirty = self.patch_dirty = False
        if is_x(major):
            ver, self.dirty, self.minor_dirty = "0.0.0", True, True
        elif is_x(minor):
            ver, self.dirty, self.minor_dirty = f"{major}.0.0{tail}", True, True
        elif is_x(patch):
            ver, self.dirty, self.patch_dirty = f"{major}.{minor}.0{tail}", True, True
        else:
            ver = text
        self.given_parts = 1 + bool(minor) + bool(patch)
        self.op = op.strip()
        self.con = parse_version(ver)

    def check(self, v: Version) -> bool:
        c = self.con
        op = self.op
        if v.pre and not c.pre and op not in ("!=",):
            return False
        if op in ("", "="):
            return self._tilde(v) if self.dirty else compare(v, c) == 0
        if op == "!=":
            if self.dirty:
                return not self._tilde(v)
            return compare(v, c) != 0
        if op == ">":
            if not self.dirty:
                return compare(v, c) > 0
            if v.major != c.major:
                return v.major > c.major
            if self.minor_dirty:
                return False
            return v.minor > c.minor
        if op == "<":
            return compare(v, c) < 0
        if op in (">=", "=>"):
            return compare(v, c) >= 0
        if op in ("<=", "=<"):
            if not self.dirty:
                return compare(v, c) <= 0
            if v.major != c.major:
                return v.major < c.major
            if self.minor_dirty:
                return True
            return v.minor <= c.minor
        if op in ("~", "~>"):
            return self._tilde(v)
        if op == "^":
            return self._caret(v)
        raise TemplateError(f"improper constraint: {op}")

    def _tilde(self, v: Version) -> bool:
        c = self.con
        if compare(v, c) < 0:
            return False
        if c.major == 0 and c.minor == 0 and c.patch == 0 and not self.minor_dirty and not self.patch_dirty \
                and self.given_parts == 1 and self.dirty:
            return True
        if v.major != c.major:
            return False
        if v.minor != c.minor and not self.minor_dirty and self.given_parts > 1:
            return False
        return True

    def _caret(self, v: Version) -> bool:
        c = self.con
        if compare(v, c) < 0:
            return False
        if c.major > 0 or self.minor_dirty:
            return v.major == c.major
        if v.major > 0:
            return False
        if c.minor > 0 or self.patch_dirty:
            return v.minor == c.minor
        if v.minor > 0:
            return False
        return v.patch == c.patch


@lru_cache(maxsize=256)
def parse_constraints(text: str) -> list[list[_Constraint]]:
    groups: list[list[_Constraint]] = []
    for part in text.split("||"):
        part = part.strip()
        hy = _HYPHEN.match(part)
        if hy:
            groups.append([_Constraint(">=", hy.group(1)), _Constraint("<=", hy.group(11))])
            continue
        items = [s for s in re.split(r"\s*,\s*|\s+(?=[=!<>~^v0-9xX*])", part) if s]
        merged: list[str] = []
        for item in items:
            if merged and re.fullmatch(_OPS, merged[-1].strip()):
                merged[-1] += item
            else:
                merged.append(item)
        group = []
        for item in merged:
            m = _CONSTRAINT.match(item)
            if not m:
                raise TemplateError(f"improper constraint: {text}")
            group.append(_Constraint(m.group(1) or "", m.group(2)))
        if not group:
            raise TemplateError(f"improper constraint: {text}")
        groups.append(group)
    return groups


def semver_compare(constraint: Any, version: Any) -> bool:
    groups = parse_constraints(want_str(constraint))
    v = parse_version(want_str(version))
    return any(all(c.check(v) for c in group) for group in groups)


def semver(version: Any) -> Any:
    """A *semver.Version: its methods (``.Major``, ``.Minor``...) are callable from templates."""
    from portlint.helm.values import GoStruct, Method

    v = parse_version(want_str(version))
    fields = {name: Method(name, (lambda value=value: value)) for name, value in v.fields.items()}
    fields["String"] = Method("String", lambda: str(v))
    return GoStruct("*semver.Version", fields)


FUNCTIONS = {"semverCompare": semver_compare, "semver": semver}
