"""Dockerfile parsing: logical instructions (continuations, comments, heredocs, the ``escape``
directive) with a map from each character back to its line and column, and build stages.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

_DIRECTIVE = re.compile(r"^#\s*escape\s*=\s*(\S)\s*$", re.IGNORECASE)
_HEREDOC = re.compile(r"<<-?\s*[\"']?([A-Za-z_][A-Za-z0-9_]*)[\"']?")
_VARIABLE = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::?[-+]([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))")


@dataclass
class Instruction:
    """One instruction: keyword, its arguments as one logical string, and where each char is."""

    keyword: str
    args: str
    line: int
    # (logical offset, line, column) where each physical piece of ``args`` starts
    pieces: list[tuple[int, int, int]] = field(default_factory=list)

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of the character at ``offset`` in :attr:`args`."""
        current = self.pieces[0] if self.pieces else (0, self.line, 1)
        for piece in self.pieces:
            if piece[0] <= offset:
                current = piece
            else:
                break
        return current[1], current[2] + offset - current[0]

    def exec_form(self) -> list[tuple[str, int]] | None:
        """``["uvicorn", "app:app"]`` → words with their offsets; ``None`` for the shell form."""
        text = self.args.strip()
        if not text.startswith("["):
            return None
        try:
            words = json.loads(text)
        except ValueError:
            return None
        if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
            return None
        out, cursor = [], 0
        for word in words:
            quoted = json.dumps(word)
            found = self.args.find(quoted, cursor)
            offset = found + 1 if found >= 0 else 0
            cursor = found + len(quoted) if found >= 0 else cursor
            out.append((word, offset))
        return out


@dataclass
class Stage:
    name: str
    base: str
    instructions: list[Instruction] = field(default_factory=list)


def parse(text: str) -> tuple[list[Instruction], list[Stage]]:
    """Global instructions (before the first FROM) and the build stages, in order."""
    lines = text.split("\n")
    escape = _escape_char(lines)
    instructions = list(_instructions(lines, escape))
    globals_: list[Instruction] = []
    stages: list[Stage] = []
    for instruction in instructions:
        if instruction.keyword == "FROM":
            words = instruction.args.split()
            base = next((w for w in words if not w.startswith("--")), "")
            name = words[words.index(next(w for w in words if w.lower() == "as")) + 1] \
                if any(w.lower() == "as" for w in words[:-1]) else str(len(stages))
            stages.append(Stage(name=name, base=base, instructions=[instruction]))
        elif stages:
            stages[-1].instructions.append(instruction)
        else:
            globals_.append(instruction)
    return globals_, stages


def final_chain(stages: list[Stage]) -> list[Stage]:
    """The last stage and the stages it is built ``FROM`` (base first)."""
    if not stages:
        return []
    by_name = {s.name.lower(): s for s in stages}
    chain = [stages[-1]]
    while chain[-1].base.lower() in by_name and by_name[chain[-1].base.lower()] not in chain:
        chain.append(by_name[chain[-1].base.lower()])
    return list(reversed(chain))


def substitute(text: str, values: dict[str, str]) -> tuple[str | None, list[str]]:
    """Build-time substitution (``$X``, ``${X}``, ``${X:-d}``, ``${X:+a}``); None if unknown."""
    used: list[str] = []
    missing = False

    def replace(match: re.Match) -> str:
        nonlocal missing
        name = match.group(1) or match.group(3)
        used.append(name)
        operator_default = match.group(2)
        if name in values and values[name] != "":
            if operator_default is not None and ":+" in match.group(0):
                return operator_default
            return values[name]
        if operator_default is not None and ":-" in match.group(0):
            return operator_default
        missing = True
        return ""

    result = _VARIABLE.sub(replace, text)
    return (None if missing else result), used


def _escape_char(lines: list[str]) -> str:
    for line in lines:
        match = _DIRECTIVE.match(line.strip())
        if match:
            return match.group(1)
        if line.strip() and not line.lstrip().startswith("#"):
            break
    return "\\"


def _instructions(lines: list[str], escape: str):
    i = 0
    while i < len(lines):
        raw = lines[i].rstrip("\r")
        stripped = raw.lstrip()
        if not stripped or stripped.startswith("#"):
            i += 1
            continue
        keyword = stripped.split(None, 1)[0].upper()
        indent = len(raw) - len(stripped)
        first_arg = indent + len(stripped.split(None, 1)[0])
        while first_arg < len(raw) and raw[first_arg] in " \t":
            first_arg += 1
        instruction = Instruction(keyword, "", i + 1)
        i = _collect(lines, i, first_arg, escape, instruction)
        heredoc = _HEREDOC.search(instruction.args)
        if heredoc and keyword in ("RUN", "COPY", "ADD"):
            end = heredoc.group(1)
            while i < len(lines) and lines[i].strip() != end:
                i += 1
            i += 1
        yield instruction


def _collect(lines: list[str], i: int, start: int, escape: str, instruction: Instruction) -> int:
    """Append physical lines to ``instruction`` while they end with the escape char."""
    parts: list[str] = []
    column = start
    while i < len(lines):
        raw = lines[i].rstrip("\r")
        if parts and raw.lstrip().startswith("#"):
            i += 1
            continue
        segment = raw[column:]
        continued = segment.rstrip().endswith(escape)
        if continued:
            segment = segment.rstrip()[:-1]
        instruction.pieces.append((sum(len(p) for p in parts), i + 1, column + 1))
        parts.append(segment)
        i += 1
        column = 0
        if not continued:
            break
    instruction.args = "".join(parts)
    return i
