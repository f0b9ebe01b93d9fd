"""A per-file time budget for readers: a file that takes too long becomes a note, not a hang.

The engine hands a reader its files through :class:`Watched`; the budget is armed again each time
the reader moves on to a new file (iterating the batch, or asking a file for its text). When a
file outlives ``max-file-seconds``, :class:`FileOverBudget` (a ``BaseException``, so that no
reader's ``except Exception`` swallows it) stops the reader; the engine notes the file and reads
the batch again without it.

The budget is CPU time (``ITIMER_PROF``): on a CI machine shared with other jobs, the wall clock
measures the neighbours, and a file must not be skipped because the machine was busy. A file that
blocks without using CPU (a FIFO that never answers) is stopped by the wall clock after
:data:`WALL_FACTOR` times the budget (``ITIMER_REAL``). Both interrupt pure Python and blocking
system calls. They need the main thread of a POSIX process; elsewhere there is no budget
(Windows, a scan run from a worker thread), and readers rely on their own bounds.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from portlint.discover import SourceFile



WALL_FACTOR = 6  # the wall-clock guard, in multiples of the CPU budget


class FileOverBudget(BaseException):
    """A reader spent more than the budget on ``file``."""

    def __init__(self, file: SourceFile, seconds: float) -> None:
        super().__init__(f"{file.rel}: over {seconds:g} s")
        self.file, self.seconds = file, seconds


def available() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


class Clock:
    """Which file a reader works on, and since when."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.current: SourceFile | None = None
        self.started = 0.0

    def enter(self, file: SourceFile) -> None:
        """The reader moved on to ``file``: its own budget starts."""
        if file is self.current:
            return
        self.current = file
        self.started = time.monotonic()
        signal.setitimer(signal.ITIMER_PROF, self.seconds)
        signal.setitimer(signal.ITIMER_REAL, self.seconds * WALL_FACTOR)

    def _expired(self, signum, frame) -> None:
        if self.current is not None:
            raise FileOverBudget(self.current, self.seconds)


class Watched(list):
    """A reader's batch: iterating it tells the clock which file the reader is on."""

    def __init__(self, files: list[SourceFile], clock: Clock) -> None:
        super().__init__(files)
        self.clock = clock

    def __iter__(self) -> Iterator[SourceFile]:
        for file in super().__iter__():
            self.clock.enter(file)
            yield file


@contextmanager
def watching(files: list[SourceFile], seconds: float) -> Iterator[list[SourceFile]]:
    """Hand ``files`` to a reader under the per-file budget (or as they are, when unavailable)."""
    if not available() or seconds <= 0:
        yield files
        return
    clock = Clock(seconds)
    wrapped = Watched(files, clock)
    for file in files:  # asking for a file's text also means the reader is on that file now
        file.text = _announcing(file, clock)  # type: ignore[method-assign]
    previous = {signum: signal.signal(signum, clock._expired) for signum in (signal.SIGPROF, signal.SIGALRM)}
    try:
        yield wrapped
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.setitimer(signal.ITIMER_REAL, 0)
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        for file in files:
            file.__dict__.pop("text", None)


def _announcing(file: SourceFile, clock: Clock):
    original = type(file).text

    def text() -> str:
        clock.enter(file)
        return original(file)
    return text
