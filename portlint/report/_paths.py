"""Paths as the user sees them: relative to the folder they stand in, as ruff and eslint print them.

Inside the scan every ``Location.path`` is relative to the scan root (stable for baselines and
suppressions whatever folder portlint runs from). Just before rendering, findings are *rebased*:
``portlint check deploy`` from the repository root prints ``deploy/kubernetes/x.yaml``, so that
every printed path opens from the current folder and ``check deploy -f github`` annotates the
right file. SARIF is rebased onto the repository root instead (code scanning wants that), with
``originalUriBaseIds`` saying where the root is.

Messages name other places (``scripts/setup.py:45``): a word of a message that is exactly a
path the scan knows is rebased too. Nothing becomes absolute: a file outside the current folder
gets ``../`` steps.
"""

from __future__ import annotations

import os
import posixpath
import re
from dataclasses import replace
from pathlib import Path

from portlint.model import Finding, Location, Related

_WORD = re.compile(r"(?<![\w./\-])[\w.][\w./\-]*")
_NAMESPACE = "(ns "  # EntityRef.label: the namespace that follows is an id, the same from every folder


def prefix_for(root: Path, base: Path) -> str:
    """The POSIX path from ``base`` to the scan root, ``""`` when they are the same folder."""
    try:
        prefix = Path(os.path.relpath(root, base)).as_posix()
    except ValueError:  # another drive (Windows): keep root-relative paths
        return ""
    return "" if prefix == "." else prefix


def repository_root(start: Path) -> Path:
    """The nearest folder at or above ``start`` holding ``.git`` (a folder or a worktree file), else ``start``."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return start


def rebase_path(path: str, prefix: str) -> str:
    if not prefix:
        return path
    joined = posixpath.normpath(posixpath.join(prefix, path))
    return joined


class Rebaser:
    """Rebase findings from the scan root onto ``prefix`` (see :func:`prefix_for`)."""

    def __init__(self, prefix: str, known: set[str], root: Path | None = None) -> None:
        self.prefix = prefix
        self.known = {k for k in known if k and k != "."}
        self.root = root
        self._on_disk: dict[str, bool] = {}
        self._words: dict[str, str] = {}  # each distinct word, rebased or kept (messages repeat them)

    def path(self, path: str) -> str:
        return rebase_path(path, self.prefix)

    def location(self, location: Location) -> Location:
        return replace(location, path=self.path(location.path)) if self.prefix else location

    def text(self, text: str | None) -> str | None:
        if not self.prefix or not text:
            return text
        return _WORD.sub(self._word, text)

    def _word(self, match: re.Match) -> str:
        word = match.group()
        if match.string.endswith(_NAMESPACE, 0, match.start()):
            return word  # `(ns deploy/compose.alt.yml)`: a compose project's id, a name, not a place to open
        done = self._words.get(word)
        if done is None:
            core = word.rstrip(".")
            done = self._words[word] = (self.path(core) + word[len(core):]
                                        if core in self.known or self._exists(core) else word)
        return done

    def _exists(self, word: str) -> bool:
        """A file name the scan did not read but a message cites (``.portlint.toml``)."""
        if self.root is None or "." not in word or word.startswith(("/", "..")) or len(word) > 255:
            return False
        if word not in self._on_disk:
            try:
                self._on_disk[word] = (self.root / word).is_file()
            except (OSError, ValueError):
                self._on_disk[word] = False
        return self._on_disk[word]

    def finding(self, finding: Finding) -> Finding:
        if not self.prefix:
            return finding
        return replace(
            finding,
            location=self.location(finding.location),
            message=self.text(finding.message),
            related=tuple(Related(self.location(r.location), self.text(r.message)) for r in finding.related),
            fix=self.text(finding.fix),
            explain=tuple(self.text(step) for step in finding.explain),
        )


def known_paths(result) -> set[str]:
    """Every path the scan knows: locations of findings, facts and entities, and read failures."""
    paths: set[str] = set()
    for finding in [*result.findings, *result.baselined, *(f for f, _ in result.suppressed)]:
        paths.add(finding.location.path)
        paths.update(r.location.path for r in finding.related)
    if result.graph is None:  # a result from the scan cache keeps the graph's paths
        paths.update(result.graph_paths or ())
    else:
        paths.update(graph_paths(result.graph))
    return paths


def graph_paths(graph) -> set[str]:
    """The paths of the graph's entities, facts, definitions and read failures."""
    paths = {entity.location.path for entity in graph.entities()}
    facts = graph.facts()
    paths.update({fact.location.path for fact in facts})
    for fact in facts:
        defined = fact.value.defined_at
        if defined:
            paths.update(d.path for d in defined)
    paths.update(f.location.path for f in getattr(graph, "failures", []))
    return paths


def rebased(result, prefix: str):
    """A shallow copy of a :class:`~portlint.engine.ScanResult` whose findings show paths from ``prefix``."""
    if not prefix:
        return result
    rebaser = Rebaser(prefix, known_paths(result), getattr(result, "root", None))
    return replace(
        result,
        findings=[rebaser.finding(f) for f in result.findings],
        baselined=[rebaser.finding(f) for f in result.baselined],
        suppressed=[(rebaser.finding(f), replace(s, location=rebaser.location(s.location)))
                    for f, s in result.suppressed],
    )
