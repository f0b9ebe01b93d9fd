"""Read in several processes when the tree is large enough to gain from it.

The engine hands :func:`run` its reading jobs (one per reader, or pieces of one, with the files
they want) and a function that does one job. With more than one process, the jobs are handed out
as the processes become free: their numbers wait in a pipe (a job queue, costliest first, as make's
job server keeps its tokens), and this process and each child made by ``fork`` (it starts with
everything this process has imported and discovered) take the next one when done with the last.
However far off the estimated costs are, no process sits idle while another still has a queue of
work. Jobs whose results cost much to send back (``TRANSFER``) are done here first, before this
process joins the queue. A child sends each result back pickled as soon as it has it; this process
unpickles what has come in between its own jobs. Results are put back in job order whoever
computed them, so the output is the same bytes as a serial run.

A child is bounded like the reader it runs: each file has its time budget inside the child
(:mod:`portlint.budget`), and the parent waits at most the sum of its unfinished jobs' wall-clock
budgets. A job taken by a child that dies, hangs or sends garbage becomes one error per file (the
rest of the tree is still checked), and the scan is not cached. Cache entries a child writes are
atomic renames (:mod:`portlint.cache`), as from two portlint processes at once; what the parent's
cache object learned in the child (hashes, side reads, tokens) is sent back at its end.

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

from portlint import collector

# Measured on the bench trees (docs/configuration.md, "Reading in several processes"): a second
# process costs CPU of its own (readers' first-use imports done twice, pickling the facts back:
# 0.05-0.1 s) and saves about half the reading's wall time on free cores. Below about this much
# weighted input (~80 synthetic services, ~0.3 s of reading) the saving is under 0.1 s and not
# worth the extra CPU on a busy CI machine.
MIN_BYTES = 260_000
GRACE_SECONDS = 30.0  # waited for a child besides its unfinished jobs' wall-clock budgets
KEEP_TRANSFER = 0.3  # a job whose results cost this much to send back (per unit of work) is done here
_FRAME = struct.Struct(">IQ")  # a child's message: job number (or _END), then the pickle's length
_END = 0xFFFFFFFF  # the last message: the child's state and memory
_TICKET = struct.Struct(">I")  # a job number in the queue
_PIPE_BYTES = 1 << 20  # asked for a child's pipe, so that it seldom waits for this process to read


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


def plan(costs: list[float], processes: int, transfer: list[float] | None = None) -> tuple[list[int], list[int]]:
    """(jobs this process does first, the queue). The queue is costliest first, so that the long
    jobs start early and the short ones even out the end. A job whose results cost much to send
    back (``transfer[i]`` of its cost: pickled in a child, unpickled here; measured per reader, 0.07
    of the reading for Python sources, 0.35 for app config) is done here while the children start
    on the queue, as long as that keeps this process within half its share."""
    transfer = transfer or [0.0] * len(costs)
    order = sorted(range(len(costs)), key=lambda i: (-costs[i] * (1.0 + transfer[i]), i))
    room = sum(costs) / processes / 2
    first: list[int] = []
    for index in order:
        if transfer[index] >= KEEP_TRANSFER and costs[index] <= room:
            first.append(index)
            room -= costs[index]
    kept = set(first)
    return first, [i for i in order if i not in kept]


def run(jobs: list[Any], costs: list[float], work: Callable[[Any], Any], processes: int,
        state: Callable[[], Any], merge: Callable[[Any], None], failed: Callable[[Any, str], Any],
        wall_budget: Callable[[Any], float], memory: list[float] | None = None,
        transfer: Callable[[Any], float] | None = None, meanwhile: Callable[[], None] | None = None) -> list[Any]:
    """``[work(job) for job in jobs]``, over ``processes`` processes.

    ``state()`` is what a child sends back besides its results (its cache's new knowledge) and
    ``merge`` takes it in the parent (``merge(None)``: a child's state was lost); ``failed(job,
    reason)`` is the result of a job whose child died or hung; ``wall_budget(job)`` bounds how long
    the parent waits for it. ``memory`` gets each child's proportional set size in MB at its end
    (:func:`memory_mb`). ``transfer(job)`` is what sending its results back costs, relative to
    the job (:func:`plan`). ``meanwhile()`` is work this process needs done later anyway (importing
    the rules): with children, it is done once they are started, and the queue evens it out.

    Nothing is imported ahead of the fork: each process imports the parsers its jobs need on first
    use. When both need one, that costs the same wall time as importing it once before the fork;
    when they need different ones (yaml here, tree-sitter there) it costs less, and the heap the
    children are forked from, whose pages both sides copy as they touch them, stays smaller
    (median of 40 paired cold runs at 200 services: 0.78 s against 0.82 s)."""
    processes = min(processes, len(jobs))
    if processes <= 1 or not available():
        return [work(job) for job in jobs]
    first, order = plan(costs, processes, [transfer(job) for job in jobs] if transfer is not None else None)
    queue = _Queue.of(order)
    if queue is None:  # more jobs than a pipe holds: not worth the trouble
        return [work(job) for job in jobs]
    children: list[_Child] = []
    results: dict[int, Any] = {}
    try:
        children.extend(_Child.start(queue, jobs, work, state) for _ in range(processes - 1))
        if meanwhile is not None:
            meanwhile()
        for index in first:
            results[index] = work(jobs[index])
            _poll(children, results)
        while (index := queue.take()) is not None:
            results[index] = work(jobs[index])
            _poll(children, results)
    except BaseException:  # interrupted (Ctrl-C) or out of memory here: no child outlives the scan
        for child in children:
            child.stop()
        raise
    finally:
        queue.close()
    unfinished = [i for i in range(len(jobs)) if i not in results]
    deadline = time.monotonic() + GRACE_SECONDS + sum(wall_budget(jobs[i]) for i in unfinished)
    reason = ""
    for child in children:
        child.finish(deadline, results)
        merge(child.state)
        if child.reason:
            reason = reason or child.reason
        elif memory is not None:
            memory.append(child.mb)
    for index in range(len(jobs)):
        if index not in results:
            results[index] = failed(jobs[index], reason or "stopped")
    return [results[i] for i in range(len(jobs))]


class _Queue:
    """Job numbers in a pipe, all written before the children are made (so that an empty pipe
    reads as its end): each process takes the next by reading one ticket, which the kernel hands
    to exactly one reader."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    @classmethod
    def of(cls, order: list[int]) -> "_Queue | None":
        read_end, write_end = os.pipe()
        try:
            os.set_blocking(write_end, False)
            data = b"".join(_TICKET.pack(i) for i in order)
            written = os.write(write_end, data) if data else 0
        except BlockingIOError:
            written = -1
        finally:
            os.close(write_end)
        if written != len(data):
            os.close(read_end)
            return None
        return cls(read_end)

    def take(self) -> int | None:
        ticket = os.read(self.fd, _TICKET.size)
        return _TICKET.unpack(ticket)[0] if len(ticket) == _TICKET.size else None

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


class _Child:
    """A reading process: it takes jobs from the queue and sends each result back as a frame."""

    def __init__(self, pid: int, fd: int, jobs: int) -> None:
        self.pid, self.fd, self.jobs = pid, fd, jobs
        self.buffer = bytearray()
        self.state: Any = None
        self.mb = 0.0
        self.reason = ""
        self.ended = False  # its last frame came in

    @classmethod
    def start(cls, queue: _Queue, jobs: list[Any], work, state) -> "_Child":
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: never returns
            code = 1
            try:
                os.close(read_end)
                _after_fork()
                _widen(write_end)
                while (index := queue.take()) is not None:
                    _send(write_end, index, work(jobs[index]))
                _send(write_end, _END, (state(), memory_mb()))
                code = 0
            except BaseException:  # whatever happens, the child must not run the parent's code on
                code = 1
            finally:
                os._exit(code)
        os.close(write_end)
        os.set_blocking(read_end, False)
        return cls(pid, read_end, len(jobs))

    def poll(self, results: dict[int, Any]) -> None:
        """Take in what has come, without waiting."""
        if self.fd < 0:
            return
        try:
            while chunk := os.read(self.fd, 1 << 20):
                self.buffer += chunk
        except BlockingIOError:
            pass
        self._decode(results)

    def finish(self, deadline: float, results: dict[int, Any]) -> None:
        """Take in the rest, until the child closes its end or the deadline; then reap it."""
        try:
            while self.fd >= 0 and not self.reason:
                left = deadline - time.monotonic()
                ready = select.select([self.fd], [], [], left)[0] if left > 0 else []
                if not ready:
                    self.reason = "did not finish in time"
                    _kill(self.pid)
                    break
                chunk = os.read(self.fd, 1 << 20)
                if not chunk:
                    break
                self.buffer += chunk
                self._decode(results)
        finally:
            self._close()
        status = _reap(self.pid)
        if not self.reason and status != 0:
            self.reason = _describe(status)
        if not self.reason and (self.buffer or not self.ended):
            self.reason = "sent an incomplete answer"
        if self.reason:
            self.state = None

    def stop(self) -> None:
        _kill(self.pid)
        self._close()
        _reap(self.pid)

    def _close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def _decode(self, results: dict[int, Any]) -> None:
        """Each whole frame in the buffer, into ``results`` (or the child's state); a frame that
        does not unpickle, or names no job or one already done, ends the child."""
        while len(self.buffer) >= _FRAME.size and not self.reason:
            index, size = _FRAME.unpack_from(self.buffer)
            if len(self.buffer) < _FRAME.size + size:
                return
            payload = bytes(self.buffer[_FRAME.size:_FRAME.size + size])
            del self.buffer[:_FRAME.size + size]
            try:
                with collector.paused():  # results that live on: nothing for the collector to find
                    value = pickle.loads(payload)
                if index == _END:
                    (self.state, self.mb), self.ended = value, True
                elif index < self.jobs and index not in results and not self.ended:
                    results[index] = value
                else:
                    raise ValueError(index)
            except Exception:
                self.reason = "sent an unreadable answer"
                _kill(self.pid)


def _poll(children: list[_Child], results: dict[int, Any]) -> None:
    for child in children:
        child.poll(results)


def _send(fd: int, index: int, value: Any) -> None:
    payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    _write_all(fd, _FRAME.pack(index, len(payload)) + payload)


def _widen(fd: int) -> None:
    """Ask for a roomier pipe (Linux), so that the child seldom waits while this process works."""
    try:
        import fcntl

        fcntl.fcntl(fd, getattr(fcntl, "F_SETPIPE_SZ", 1031), _PIPE_BYTES)
    except (ImportError, OSError):
        pass


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
