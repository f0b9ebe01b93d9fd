"""Read in several processes when the tree is large enough to gain from it.

The engine hands :func:`run` its reading jobs (one per reader, with the files it wants) and a
function that does one job. With more than one process, the jobs are shared out by their
estimated cost (bytes to read, times the reader's ``WEIGHT``): this process does the first share
and each other share goes to a child made by ``fork`` (it starts with everything this process
has imported and discovered, and sends its results back pickled over a pipe). Results come back
in job order whoever computed them, so the output is the same bytes as a serial run.

A child is bounded like the reader it runs: each file has its time budget inside the child
(:mod:`portlint.budget`), and the parent waits at most the sum of its files' wall-clock budgets.
A child that dies, hangs or sends garbage becomes one error per file it was reading (the rest of
the tree is still checked), and the scan is not cached. Cache entries a child writes are atomic
renames (:mod:`portlint.cache`), as from two portlint processes at once; what the parent's cache
object learned in the child (hashes, side reads, tokens) is sent back with the results.

Only POSIX ``fork`` is used (no ``spawn``: a fresh interpreter costs more than it saves here);
elsewhere, and for small trees, reading stays serial.
"""

from __future__ import annotations

import os
import pickle
import select
import signal
import struct
import sys
import time
from collections.abc import Callable
from typing import Any

# Measured on the bench trees (docs/configuration.md, "Reading in several processes"): a second
# process costs CPU of its own (readers' first-use imports done twice, pickling the facts back:
# 0.05-0.1 s) and saves about half the reading's wall time on free cores. Below about this much
# weighted input (~80 synthetic services, ~0.3 s of reading) the saving is under 0.1 s and not
# worth the extra CPU on a busy CI machine.
MIN_BYTES = 260_000
GRACE_SECONDS = 30.0  # waited for a child besides its files' wall-clock budgets
_HEADER = struct.Struct(">Q")


def available() -> bool:
    return hasattr(os, "fork") and sys.platform != "win32"


def processes_for(jobs_setting: int, weighted_bytes: float) -> int:
    """How many processes to read with: ``jobs_setting`` (0: automatic), at most the cores, and
    one when the input is too small to gain from more."""
    if not available():
        return 1
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if jobs_setting == 0:
        return 1 if weighted_bytes < MIN_BYTES else max(1, min(cores, 4))
    return max(1, jobs_setting)


def share(costs: list[float], parts: int, transfer: list[float] | None = None) -> list[list[int]]:
    """Job indices per process: the costliest job first (sending its results back counted), each
    where it ends soonest. A job done in a child also costs ``transfer[i]`` times its cost: its results are pickled there and
    unpickled here (measured per reader: 0.07 of the reading for Python sources, 0.35 for app
    config), so jobs with big results for their work tend to stay in this process, the first."""
    transfer = transfer or [0.0] * len(costs)
    loads = [0.0] * parts
    groups: list[list[int]] = [[] for _ in range(parts)]

    def finish(index: int, part: int) -> float:
        return loads[part] + costs[index] * (1.0 + (transfer[index] if part else 0.0))

    for index in sorted(range(len(costs)), key=lambda i: (-costs[i] * (1.0 + transfer[i]), i)):
        target = min(range(parts), key=lambda p: (finish(index, p), p))
        loads[target] = finish(index, target)
        groups[target].append(index)
    return [sorted(g) for g in groups]


def run(jobs: list[Any], costs: list[float], work: Callable[[Any], Any], processes: int,
        state: Callable[[], Any], merge: Callable[[Any], None], failed: Callable[[Any, str], Any],
        wall_budget: Callable[[Any], float], memory: list[float] | None = None,
        imports: Callable[[Any], tuple[str, ...]] | None = None,
        transfer: Callable[[Any], float] | None = None) -> list[Any]:
    """``[work(job) for job in jobs]``, over ``processes`` processes.

    ``state()`` is what a child sends back besides its results (its cache's new knowledge) and
    ``merge`` takes it in the parent; ``failed(job, reason)`` is the result of a job whose child
    died or hung; ``wall_budget(job)`` bounds how long the parent waits for it. ``memory`` gets
    each child's proportional set size in MB at its end (:func:`memory_mb`). ``imports(job)``
    names the modules a job will import (its parsers): those that more than one process needs
    are imported here, once, before the children are made. ``transfer(job)`` is what sending its
    results back costs, relative to the job (:func:`share`)."""
    if processes <= 1 or len(jobs) < 2 or not available():
        return [work(job) for job in jobs]
    extra = [transfer(job) for job in jobs] if transfer is not None else None
    groups = [g for g in share(costs, min(processes, len(jobs)), extra) if g]
    if imports is not None:
        _import_shared([{name for i in group for name in imports(jobs[i])} for group in groups])
    children: list[_Child] = []
    results: dict[int, Any] = {}
    try:
        children.extend(_Child.start(group, jobs, work, state) for group in groups[1:])
        for index in groups[0]:
            results[index] = work(jobs[index])
    except BaseException:  # interrupted (Ctrl-C) or out of memory here: no child outlives the scan
        for child in children:
            _kill(child.pid)
            os.close(child.fd)
            _reap(child.pid)
        raise
    for child in children:
        deadline = time.monotonic() + sum(wall_budget(jobs[i]) for i in child.group)
        outcome, reason = child.collect(deadline)
        if outcome is None:
            for index in child.group:
                results[index] = failed(jobs[index], reason)
            continue
        child_results, child_state, child_mb = outcome
        merge(child_state)
        if memory is not None:
            memory.append(child_mb)
        results.update(zip(child.group, child_results))
    return [results[i] for i in range(len(jobs))]


def _import_shared(needs: list[set[str]]) -> None:
    """Import each module that several processes need in this one (a child inherits it); a
    module that fails to import is left to the job that needs it to report."""
    import importlib

    counts: dict[str, int] = {}
    for names in needs:
        for name in names:
            counts[name] = counts.get(name, 0) + 1
    for name in sorted(n for n, count in counts.items() if count > 1):
        try:
            importlib.import_module(name)
        except Exception:
            pass


class _Child:
    def __init__(self, pid: int, fd: int, group: list[int]) -> None:
        self.pid, self.fd, self.group = pid, fd, group

    @classmethod
    def start(cls, group: list[int], jobs: list[Any], work, state) -> "_Child":
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: never returns
            code = 1
            try:
                os.close(read_end)
                _after_fork()
                results = [work(jobs[i]) for i in group]
                payload = pickle.dumps((results, state(), memory_mb()), protocol=pickle.HIGHEST_PROTOCOL)
                _write_all(write_end, _HEADER.pack(len(payload)) + payload)
                code = 0
            except BaseException:  # whatever happens, the child must not run the parent's code on
                code = 1
            finally:
                os._exit(code)
        os.close(write_end)
        return cls(pid, read_end, group)

    def collect(self, deadline: float) -> tuple[Any, str]:
        """(results, state) and "", or None and why not."""
        data, reason = b"", ""
        try:
            data = _read_until_eof(self.fd, deadline)
        except TimeoutError:
            reason = "did not finish in time"
            _kill(self.pid)
        finally:
            os.close(self.fd)
        status = _reap(self.pid)
        if reason:
            return None, reason
        if status != 0:
            return None, _describe(status)
        try:
            (size,) = _HEADER.unpack(data[:_HEADER.size])
            if size != len(data) - _HEADER.size:
                return None, "sent an incomplete answer"
            return pickle.loads(data[_HEADER.size:]), ""
        except Exception:
            return None, "sent an unreadable answer"


def _after_fork() -> None:
    """A child must not share the parent's helper process (libcst runs isolated, portlint.isolate)."""
    isolate = sys.modules.get("portlint.isolate")
    if isolate is not None:
        isolate._WORKER = isolate._Worker()


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _read_until_eof(fd: int, deadline: float) -> bytes:
    chunks = []
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            raise TimeoutError
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass


def _reap(pid: int) -> int:
    """The child's wait status (0: it exited cleanly)."""
    while True:
        try:
            _, status = os.waitpid(pid, 0)
            return status
        except InterruptedError:
            continue
        except ChildProcessError:
            return 0


def _describe(status: int) -> str:
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        try:
            return f"died ({signal.Signals(number).name})"
        except ValueError:
            return f"died (signal {number})"
    return f"stopped (exit {os.WEXITSTATUS(status)})"


def memory_mb() -> float:
    """This process's proportional set size in MB (shared pages divided among the processes
    that share them), or its resident size where PSS is not known."""
    try:
        with open("/proc/self/smaps_rollup", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    except Exception:
        return 0.0
