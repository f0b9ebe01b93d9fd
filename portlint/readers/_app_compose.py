"""Compose helpers: ``${VAR:-default}`` interpolation from the ``.env`` beside the file, and the
short ``ports`` syntax (``[host_ip:][published:]target[/protocol]`` with ranges).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from portlint import safe_io
from portlint.model import Location

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_DOTENV_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*(.*?)\s*$")


@dataclass(frozen=True)
class DotenvValue:
    value: str
    location: Location


def load_dotenv(path: Path, rel: str, root: Path | None = None,
                limit: int = safe_io.DEFAULT_LIMIT) -> dict[str, DotenvValue]:
    """``KEY=VALUE`` lines of a compose project's ``.env`` (quotes stripped, comments skipped).

    Read through :mod:`portlint.safe_io`: a FIFO, a device or a symlink leaving ``root`` is
    not read (its variables stay unknown)."""
    try:
        text = safe_io.read_text(path, root=root, limit=limit)
    except (OSError, UnicodeDecodeError):
        return {}
    out: dict[str, DotenvValue] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if line.lstrip().startswith("#"):
            continue
        match = _DOTENV_LINE.match(line)
        if not match:
            continue
        raw, column = match.group(2), match.start(2) + 1
        if raw[:1] in "'\"" and raw.endswith(raw[:1]) and len(raw) >= 2:
            raw, column = raw[1:-1], column + 1
        elif " #" in raw:
            raw = raw.split(" #", 1)[0].rstrip()
        out[match.group(1)] = DotenvValue(raw, Location(rel, number, column))
    return out


@dataclass
class Interpolated:
    """A compose string after interpolation: its text, or ``None`` when a variable is unknown."""

    text: str | None
    defined_at: list[Location] = field(default_factory=list)
    variables: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.variables)


def interpolate(raw: str, env: dict[str, DotenvValue]) -> Interpolated:
    """Compose interpolation: ``$VAR``, ``${VAR}``, ``${VAR:-d}``, ``${VAR-d}``, ``${VAR:?e}``,
    ``${VAR:+alt}``, ``$$`` (a literal ``$``); defaults may nest. The shell environment is
    unknown to portlint, so the ``.env`` value (else the default) is the value.
    """
    if "${" in raw and _brace_depth(raw) > MAX_NESTING:  # nested defaults recurse: bound them
        return Interpolated(None, [], ["?"])
    result = Interpolated(text=None)
    out: list[str] = []
    i = 0
    while i < len(raw):
        char = raw[i]
        if char != "$":
            out.append(char)
            i += 1
            continue
        if raw.startswith("$$", i):
            out.append("$")
            i += 2
            continue
        if raw.startswith("${", i):
            end = _closing_brace(raw, i + 2)
            if end < 0:
                return Interpolated(None, result.defined_at, result.variables + ["?"])
            value = _braced(raw[i + 2:end], env, result)
            i = end + 1
        else:
            match = _NAME.match(raw, i + 1)
            if not match:
                out.append(char)
                i += 1
                continue
            value = _lookup(match.group(0), env, result)
            i = match.end()
        if value is None:
            return Interpolated(None, result.defined_at, result.variables)
        out.append(value)
    result.text = "".join(out)
    return result


MAX_NESTING = 32  # ${A:-${B:-...}} levels; deeper is unresolved (never a RecursionError)


def _brace_depth(raw: str) -> int:
    """The deepest nesting of ``${`` in ``raw`` (a linear scan)."""
    depth = deepest = 0
    i = 0
    while i < len(raw):
        if raw.startswith("${", i):
            depth += 1
            deepest = max(deepest, depth)
            i += 2
            continue
        if raw[i] == "}" and depth:
            depth -= 1
        i += 1
    return deepest


def _closing_brace(raw: str, start: int) -> int:
    depth = 1
    for j in range(start, len(raw)):
        if raw[j] == "{":
            depth += 1
        elif raw[j] == "}":
            depth -= 1
            if depth == 0:
                return j
    return -1


def _lookup(name: str, env: dict[str, DotenvValue], result: Interpolated) -> str | None:
    result.variables.append(name)
    found = env.get(name)
    if found is None:
        return None
    result.defined_at.append(found.location)
    return found.value


def _braced(inner: str, env: dict[str, DotenvValue], result: Interpolated) -> str | None:
    match = _NAME.match(inner)
    if not match:
        return None
    name, rest = match.group(0), inner[match.end():]
    result.variables.append(name)
    found = env.get(name)
    if rest == "":
        if found is None:
            return None
        result.defined_at.append(found.location)
        return found.value
    for operator in (":-", "-", ":?", "?", ":+", "+"):
        if rest.startswith(operator):
            return _operator(operator, rest[len(operator):], found, env, result)
    return None


def _operator(operator: str, word: str, found: DotenvValue | None, env: dict[str, DotenvValue],
              result: Interpolated) -> str | None:
    is_set = found is not None and (found.value != "" or ":" not in operator)
    if operator in (":-", "-"):
        if is_set:
            result.defined_at.append(found.location)  # type: ignore[union-attr]
            return found.value  # type: ignore[union-attr]
        return interpolate(word, env).text
    if operator in (":?", "?"):
        if is_set:
            result.defined_at.append(found.location)  # type: ignore[union-attr]
            return found.value  # type: ignore[union-attr]
        return None
    return interpolate(word, env).text if is_set else ""


# -- ports short syntax -------------------------------------------------------------------------


@dataclass(frozen=True)
class PortSpec:
    """One ``ports`` entry: host IP, published and target (texts, possibly ranges), protocol and
    the offsets of published/target inside the written text (``None`` when not written)."""

    host_ip: str
    published: str
    target: str
    protocol: str
    published_offset: int | None
    target_offset: int


def parse_port_spec(text: str) -> PortSpec | None:
    """``127.0.0.1:8000:8000/udp``, ``[::1]:80:80``, ``::1:80:80``, ``8000-8005:8000-8005``, ``80``."""
    body, slash, protocol = text.partition("/")
    protocol = (protocol if slash else "tcp").strip().upper() or "TCP"
    if body.startswith("["):
        close = body.find("]")
        if close < 0 or body[close + 1:close + 2] != ":":
            return None
        host_ip, rest, rest_offset = body[1:close], body[close + 2:], close + 2
        parts = rest.split(":")
        if len(parts) != 2:
            return None
        return PortSpec(host_ip, parts[0], parts[1], protocol, rest_offset, rest_offset + len(parts[0]) + 1)
    pieces = body.rsplit(":", 2)
    if len(pieces) == 1:
        return PortSpec("", "", pieces[0], protocol, None, 0)
    if len(pieces) == 2:
        return PortSpec("", pieces[0], pieces[1], protocol, 0, len(pieces[0]) + 1)
    host_ip, published, target = pieces
    published_offset = len(host_ip) + 1
    return PortSpec(host_ip, published, target, protocol, published_offset if published else None,
                    published_offset + len(published) + 1)


@dataclass(frozen=True)
class PortRange:
    start: int
    end: int

    @property
    def size(self) -> int:
        return self.end - self.start + 1


def parse_range(text: str) -> PortRange | None:
    """``8000-8005`` → PortRange; a single number → a range of one; anything else → None."""
    low, dash, high = text.strip().partition("-")
    if not _digits(low) or (dash and not _digits(high)):
        return None
    return PortRange(int(low), int(high) if dash else int(low))


def _digits(text: str) -> bool:
    """ASCII digits, short enough to be a number (``int`` refuses 4,300 digits and more)."""
    return text.isascii() and text.isdigit() and len(text) <= 12
