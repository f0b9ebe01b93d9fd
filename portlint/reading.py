"""Reading: each reader gets the files it wants, in one process or several, through the read cache.

Oversized and binary files become notes, not input; a reader that crashes on a batch is asked
again file by file; a file over its time budget is left out with a note (:mod:`portlint.budget`).
Reading fans out over processes (:mod:`portlint.parallel`) when the tree is large enough, with
the same results in the same order as one process.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from portlint import budget
from portlint.discover import Discovery, SourceFile, is_binary
from portlint.model import Location, ParseFailure, Severity
from portlint.readers import ReadContext, ReadOutput, load_readers
from portlint.scopes import build_scopes

PIECES = 4  # per process, for each per-file reader: fine enough to even the shares out
DEFAULT_TRANSFER = 0.15  # pickling a reader's results in a child and unpickling them here, per unit of reading
Progress = Callable[[str, int, int], None]  # (what is happening, steps done, steps in all)


def read_all(found: Discovery, ctx: ReadContext, timings: dict[str, float] | None = None,
             progress: Progress | None = None) -> tuple[ReadOutput, set[str]]:
    """Hand each reader the files it wants; oversized and binary files become notes, not input."""
    read = read_parts(found, ctx, timings, progress)
    return read.output(), read.files


@dataclass
class Read:
    """What the readers gave, in reader order; parts from the read cache stay pickled until
    :meth:`output` (an edit run whose facts did not move never unpickles them)."""

    parts: list
    notes: list[ParseFailure]  # the engine's own: files skipped (size, binary, unreadable paths)
    files: set[str]  # the files read
    scopes: Any
    unmarked: frozenset[str] = frozenset()  # files read whose text holds no suppression marker

    def output(self) -> ReadOutput:
        total = ReadOutput()
        for part in self.parts:
            total.extend(part.load() if hasattr(part, "load") else part)
        for entity in total.entities:  # every entity knows its scope: linkers join only within one
            entity.attrs.setdefault("scope", self.scopes.of(entity.location.path))
        total.failures.extend(self.notes)
        # a failure reported twice (two readers wanted a broken file) is one failure
        total.failures = sorted(set(total.failures), key=lambda f: (f.location, f.message))
        return total


def read_parts(found: Discovery, ctx: ReadContext, timings: dict[str, float] | None = None,
               progress: Progress | None = None, meanwhile: Callable[[], None] | None = None) -> Read:
    """:func:`read_all`, with the output left in parts (:class:`Read`); ``meanwhile()`` is done
    while child processes read, if any (:func:`portlint.parallel.run`)."""
    read_files: set[str] = set()
    limit = ctx.config.max_file_size
    readers = load_readers()
    if ctx.scopes is None:
        ctx.scopes = build_scopes([f.rel for f in found.files], found.root)
    skipped: list[ParseFailure] = []  # files over the size limit or binary: notes, not input
    jobs: list[tuple[Any, list[SourceFile]]] = []
    for step, reader in enumerate(readers):
        if progress:
            progress(f"reading ({reader.NAME})", step, len(readers))
        wanted: list[SourceFile] = []
        for file in found.files:
            if not reader.wants(file, ctx):
                continue
            if file.size > limit:
                skipped.append(ParseFailure(
                    Location(file.rel), f"skipped: {file.size} bytes is over max-file-size ({limit})",
                    reader.NAME, Severity.NOTE))
            else:  # binary content is looked for in the job (in a reading process of its own)
                wanted.append(file)
        if wanted:
            jobs.append((reader, wanted))
    all_tokens: list[tuple[str, ...]] = []
    parts: list = []
    unmarked: set[str] = set()
    for (reader, _), (output, kept, seconds, tokens, binary, plain) in zip(jobs, _read_jobs(jobs, ctx, meanwhile)):
        unmarked.update(plain)
        skipped.extend(binary)
        parts.extend(output)
        if timings is not None:
            timings[f"read:{reader.NAME}"] = seconds
        read_files.update(kept)
        all_tokens.extend(tokens)
    notes = skipped + _skipped_notes(found, ctx, readers)
    if ctx.read_cache is not None:
        ctx.read_cache.tokens = all_tokens
        ctx.read_cache.facts_key = _facts_key(ctx, notes)
    return Read(parts, notes, read_files, ctx.scopes, frozenset(unmarked))


def _read_jobs(jobs: list[tuple[Any, list[SourceFile]]], ctx: ReadContext,
               meanwhile: Callable[[], None] | None = None) -> list[tuple]:
    """Each job's (output parts, files read, seconds, cache tokens, binary-file notes, files whose
    text holds no suppression marker), read in one process or several (:mod:`portlint.parallel`);
    the same results in the same order either way. A job looks for binary content itself, so that
    the sniffing is shared out too; and it says which of its files hold no suppression comment, so
    that the suppressions stage need not open again what a child read."""
    from portlint import parallel

    cache = ctx.read_cache if ctx.read_cache is not None and ctx.read_cache.usable else None
    costs = [_cost(reader, files, cache) for reader, files in jobs]
    processes = parallel.processes_for(getattr(ctx.config, "jobs", 0), sum(costs))
    ctx.processes = processes if processes > 1 and len(jobs) > 1 else 1
    wall = ctx.config.max_file_seconds * budget.WALL_FACTOR

    def work(job):
        reader, candidates = job
        tick = time.perf_counter()
        binary = [f for f in candidates if f.size and _binary(f, ctx)]
        skip = {id(f) for f in binary}
        files = [f for f in candidates if id(f) not in skip] if binary else candidates
        notes = [ParseFailure(Location(f.rel), "skipped: binary content", reader.NAME, Severity.NOTE) for f in binary]
        if not files:
            return [], [], time.perf_counter() - tick, [], notes, []
        if cache is not None:
            cache.tokens = []
        output, kept = _read_cached(reader, files, ctx)
        tokens = cache.tokens if cache is not None else []
        return output, [f.rel for f in kept], time.perf_counter() - tick, tokens, notes, _unmarked(files)

    def failed(job, reason: str):
        reader, files = job
        if cache is not None:
            cache.complete = False  # a scan with unread files is never kept
        output = ReadOutput()
        for file in files:
            output.fail(Location(file.rel), f"not read: the process reading it for the {reader.NAME} reader "
                        f"{reason}; the rest of the tree is still checked", reader.NAME)
        return [output], [], 0.0, [], [], []

    pieces, owners, piece_costs = _pieces(jobs, costs, cache, ctx.processes)
    ctx.worker_mb = []
    results = parallel.run(pieces, piece_costs, work, ctx.processes, memory=ctx.worker_mb,
                           state=lambda: cache.child_state() if cache is not None else None,
                           merge=lambda state: cache.merge_child_state(state) if cache is not None else None,
                           failed=failed, wall_budget=lambda job: wall * len(job[1]),
                           transfer=lambda job: getattr(job[0], "TRANSFER", DEFAULT_TRANSFER), meanwhile=meanwhile)
    return _joined(results, owners, len(jobs))


def _pieces(jobs: list[tuple[Any, list[SourceFile]]], costs: list[float], cache,
            processes: int) -> tuple[list, list[int], list[float]]:
    """The jobs, with each per-file reader's files cut into ``processes * PIECES`` runs of about
    equal cost (in order), so that the processes can be balanced finely; the job each piece
    belongs to; and each piece's cost. A per-file reader's output is that of its files one by
    one, so the pieces joined in order are what one job gives."""
    if processes <= 1:
        return jobs, list(range(len(jobs))), costs
    pieces: list[tuple[Any, list[SourceFile]]] = []
    owners: list[int] = []
    piece_costs: list[float] = []
    for index, ((reader, files), cost) in enumerate(zip(jobs, costs)):
        per_file = getattr(reader, "PER_FILE", False)
        runs = _runs(reader, files, cache, processes * PIECES) if per_file else [(files, cost)]
        for run, run_cost in runs:
            pieces.append((reader, run))
            owners.append(index)
            piece_costs.append(run_cost)
    return pieces, owners, piece_costs


def _runs(reader, files: list[SourceFile], cache, parts: int) -> list[tuple[list[SourceFile], float]]:
    """``files`` cut in order into at most ``parts`` runs of about equal cost, with their costs."""
    costs = [_cost(reader, [file], cache) for file in files]
    target = sum(costs) / parts
    runs: list[tuple[list[SourceFile], float]] = []
    spent = 0.0
    for file, cost in zip(files, costs):
        if not runs or (spent >= target * len(runs) and len(runs) < parts):
            runs.append(([], 0.0))
        run, run_cost = runs[-1]
        run.append(file)
        runs[-1] = (run, run_cost + cost)
        spent += cost
    return runs


def _joined(results: list[tuple], owners: list[int], count: int) -> list[tuple]:
    """Each job's result from those of its pieces, in order: seconds added, the rest chained."""
    joined: list[tuple] = [([], [], 0.0, [], [], []) for _ in range(count)]
    for owner, result in zip(owners, results):
        joined[owner] = tuple(a + b for a, b in zip(joined[owner], result))
    return joined


def _unmarked(files: list[SourceFile]) -> list[str]:
    """The files whose decoded text (already at hand: the reader read it) holds no suppression
    marker; a file not decoded here is left to be opened by the suppressions stage."""
    from portlint.suppressions import MARKER

    return [f.rel for f in files if f.decoded is not None and MARKER not in f.decoded]


def _cost(reader, files: list[SourceFile], cache) -> float:
    """What reading ``files`` will cost, in weighted bytes: nothing for files the read cache knows
    unchanged (a batch reader reads all its files again when one changed)."""
    weight = getattr(reader, "WEIGHT", 1.0)
    if cache is not None:
        changed = [f for f in files if not cache.hashes.known(f)]
        if not changed:
            return 0.0
        if getattr(reader, "PER_FILE", False):
            files = changed
    return weight * sum(f.size for f in files)


def _facts_key(ctx: ReadContext, notes: list[ParseFailure]) -> str:
    """What linking and checking start from, as a key: each reader's output by its cache token,
    the scopes, and the notes the engine itself made (skipped files)."""
    from portlint.cache import digest

    scopes = (sorted(ctx.scope_map.roots.items()), sorted(ctx.scope_map.namespaces.items()))
    return digest(repr((ctx.read_cache.tokens, scopes, notes)).encode("utf-8", "surrogatepass"))


def _binary(file: SourceFile, ctx: ReadContext) -> bool:
    cache = ctx.read_cache
    if cache is not None and cache.usable:
        return cache.hashes.binary(file, is_binary)
    return is_binary(file)


def _read_within_budget(reader, files: list[SourceFile], ctx: ReadContext) -> tuple[ReadOutput, list[SourceFile]]:
    """Read the batch; a file over ``max-file-seconds`` becomes a note and the batch is read again
    without it. Returns the output and the files actually read."""
    seconds = ctx.config.max_file_seconds
    skipped: list[ParseFailure] = []
    while files:
        try:
            with budget.watching(files, seconds) as batch:
                output = _read_safely(reader, batch, ctx)
        except budget.FileOverBudget as exc:
            skipped.append(ParseFailure(
                Location(exc.file.rel), f"skipped: reading it took more than {seconds:g} s of CPU (max-file-seconds), or "
                f"{seconds * budget.WALL_FACTOR:g} s waiting; the rest of the tree is still checked", reader.NAME, Severity.NOTE))
            files = [f for f in files if f is not exc.file]
            continue
        output.failures.extend(skipped)
        return output, files
    return ReadOutput(failures=skipped), files


class _CutByBudget(Exception):
    """A read that skipped a file over budget: its result is not cached (it depends on time)."""

    def __init__(self, output: ReadOutput, kept: list[SourceFile]) -> None:
        super().__init__("cut by the time budget")
        self.output, self.kept = output, kept


def _read_cached(reader, files: list[SourceFile], ctx: ReadContext) -> tuple[list, list[SourceFile]]:
    """The reader's output in parts (:class:`ReadOutput`, or :class:`portlint.cache.Pickled` from
    the read cache when its files and side files are unchanged: unpickled only when needed) and
    the files it read; a read the time budget cut short is never stored."""
    if ctx.read_cache is None or not ctx.read_cache.usable:
        output, kept = _read_within_budget(reader, files, ctx)
        return [output], kept
    from portlint.cache import read_per_file, read_through

    context = repr(sorted(ctx.scope_map.roots.items())) + repr(sorted(ctx.scope_map.namespaces.items()))
    if getattr(reader, "PER_FILE", False):
        cut: list[SourceFile] = []

        def read_one(file: SourceFile) -> tuple[ReadOutput, bool]:
            output, kept = _read_within_budget(reader, [file], ctx)
            if not kept:  # cut by the time budget: depends on time, never kept
                ctx.read_cache.complete = False
                cut.append(file)
            return output, bool(kept)

        parts = [output for _, output in read_per_file(ctx.read_cache, reader.NAME, files, read_one, context)]
        return parts, [f for f in files if not any(f is c for c in cut)]

    def compute() -> ReadOutput:
        output, kept = _read_within_budget(reader, files, ctx)
        if len(kept) < len(files):
            raise _CutByBudget(output, kept)
        return output

    # the scopes (from the whole tree's markers) shape what a reader emits: part of the key
    try:
        return [read_through(ctx.read_cache, reader.NAME, files, compute, context)], files
    except _CutByBudget as cut:
        ctx.read_cache.complete = False  # nor is the scan that holds it
        return [cut.output], cut.kept


def _skipped_notes(found: Discovery, ctx: ReadContext, readers) -> list[ParseFailure]:
    """Paths discovery would not open (FIFOs, devices, symlinks out of the root, folders too deep)
    become notes when a reader would have wanted them: an unread file is never a silent pass."""
    notes = []
    for skip in found.skipped:
        if skip.quiet:
            continue
        probe = SourceFile(path=skip.path or ctx.root / skip.rel, rel=skip.rel, size=0)
        wanted = [r.NAME for r in readers if _wants(r, probe, ctx)]
        if wanted or skip.reason.startswith("folder"):
            notes.append(ParseFailure(Location(skip.rel), skip.reason, wanted[0] if wanted else "discover",
                                      Severity.NOTE))
    return notes


def _wants(reader, file: SourceFile, ctx: ReadContext) -> bool:
    try:
        return bool(reader.wants(file, ctx))
    except Exception:
        return False


def _read_safely(reader, files: list[SourceFile], ctx: ReadContext) -> ReadOutput:
    try:
        return reader.read(files, ctx)
    except Exception:
        pass
    # the reader crashed on the batch: find the file(s) that break it, keep the rest
    output = ReadOutput()
    for file in files:
        try:
            output.extend(reader.read([file], ctx))
        except Exception as exc:
            output.fail(Location(file.rel), f"internal error in the {reader.NAME} reader: "
                        f"{type(exc).__name__}: {exc}", reader.NAME)
    return output
