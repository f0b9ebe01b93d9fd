"""Turn planned edits into new file contents, safely: read inside the root, check, replace, write atomically."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from portlint import safe_io
from portlint.fix.edits_text import apply_text
from portlint.fix.plan import Edit

_BOM = "\ufeff"
PYTHON_SUFFIXES = (".py", ".pyi")


@dataclass
class FileChange:
    """One file's text before and after its edits (``path`` relative to the scan root)."""

    path: str
    before: str
    after: str
    edits: list[Edit]
    bom: bool = False


@dataclass
class Outcome:
    changes: list[FileChange] = field(default_factory=list)
    refused: list[tuple[Edit, str]] = field(default_factory=list)

    @property
    def applied(self) -> list[Edit]:
        return [e for c in self.changes for e in c.edits]


def prepare(root: Path, edits: list[Edit], limit: int = safe_io.DEFAULT_LIMIT) -> Outcome:
    """Compute every file's new text; nothing is written."""
    outcome = Outcome()
    by_path: dict[str, list[Edit]] = {}
    for edit in edits:
        by_path.setdefault(edit.location.path, []).append(edit)
    for path in sorted(by_path):
        group = by_path[path]
        try:
            before, bom = _read(root, path, limit)
        except _Unreadable as exc:
            outcome.refused.extend((e, str(exc)) for e in group)
            continue
        if path.endswith(PYTHON_SUFFIXES):
            after, applied, refused = _apply_python(before, group)
        else:
            after, applied, refused = apply_text(before, group)
        outcome.refused.extend(refused)
        if applied and after != before:
            outcome.changes.append(FileChange(path, before, after, sorted(applied), bom))
    return outcome


def write(root: Path, outcome: Outcome) -> list[tuple[FileChange, str]]:
    """Write every changed file atomically; returns the files that could not be written, and why."""
    failed = []
    for change in outcome.changes:
        target = root / change.path
        try:
            if not safe_io.is_inside(target, root):
                raise safe_io.UnsafeWrite(1, f"{change.path}: outside the scan root", change.path)
            safe_io.write_text(target, (_BOM if change.bom else "") + change.after)
        except OSError as exc:
            failed.append((change, exc.strerror or str(exc)))
    return failed


class _Unreadable(Exception):
    pass


def _read(root: Path, path: str, limit: int) -> tuple[str, bool]:
    if path.startswith("../") or path.startswith("/") or not path:
        raise _Unreadable(f"{path} is outside the scan root: not fixed")
    try:
        data = safe_io.read_bytes(root / path, root=root, limit=limit)
    except safe_io.UnsafeFile as exc:
        raise _Unreadable(f"{path} not read: {exc.reason}") from None
    except OSError as exc:
        raise _Unreadable(f"{path} not read: {exc.strerror or exc}") from None
    try:
        return safe_io.decode(data), data.startswith(_BOM.encode("utf-8"))
    except UnicodeDecodeError:
        raise _Unreadable(f"{path} is not UTF-8: not fixed") from None


def _apply_python(text: str, edits: list[Edit]):
    from portlint import isolate

    request = {"text": text, "edits": [[e.location.line, e.location.column, e.old, e.new] for e in edits]}
    try:
        answer = isolate.run("libcst-replace-literals", request)
    except isolate.IsolatedFailure as exc:
        return text, [], [(e, f"libcst: {exc.reason}: not fixed") for e in edits]
    refused = [(edits[int(i)], reason) for i, reason in sorted(answer["refused"].items(), key=lambda kv: int(kv[0]))]
    skipped = {int(i) for i in answer["refused"]}
    applied = [e for i, e in enumerate(edits) if i not in skipped]
    return answer["text"], applied, refused
