"""Run parsers that can crash the interpreter in a child process, so that they cannot end the scan.

libcst's native parser dies with SIGSEGV on about 1,500 nested brackets; a scanned file chooses
its own nesting. Such a parser runs here: one long-lived worker process per scan (started on first
use, so a scan that never needs it pays nothing), fed one request at a time over a pipe. When the
worker crashes or overruns its time, the caller gets :class:`IsolatedFailure` (a note for that
file) and the next request starts a fresh worker.

Operations are plain functions in :data:`OPERATIONS`, taking and returning JSON values.
"""

from __future__ import annotations

import atexit
import json
import os
import select
import signal
import struct
import subprocess
import sys
import time

TIMEOUT = 10.0  # seconds per request
_HEADER = struct.Struct(">I")


class IsolatedFailure(Exception):
    """The worker crashed (``reason`` names the signal) or ran out of time."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _libcst_parses(text: str) -> bool:
    try:
        import libcst

        libcst.parse_module(text)
        return True
    except Exception:
        return False


def _libcst_replace_literals(argument: dict) -> dict:
    from portlint.fix.edits_python import replace_literals

    return replace_literals(argument)


OPERATIONS = {"libcst-parses": _libcst_parses, "libcst-replace-literals": _libcst_replace_literals}


class _Worker:
    def __init__(self) -> None:
        self.process: subprocess.Popen | None = None

    def _start(self) -> subprocess.Popen:
        env = {**os.environ, "PYTHONFAULTHANDLER": ""}
        self.process = subprocess.Popen([sys.executable, "-m", "portlint.isolate"], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
        return self.process

    def call(self, op: str, argument, timeout: float = TIMEOUT):
        process = self.process if self.process and self.process.poll() is None else self._start()
        payload = json.dumps({"op": op, "arg": argument}).encode("utf-8")
        try:
            process.stdin.write(_HEADER.pack(len(payload)) + payload)
            process.stdin.flush()
            answer = _read_message(process.stdout, time.monotonic() + timeout)
        except (OSError, ValueError, TimeoutError) as exc:
            reason = self._failure(process, exc)
            raise IsolatedFailure(reason) from None
        return answer["result"]

    def _failure(self, process: subprocess.Popen, exc: BaseException) -> str:
        if isinstance(exc, TimeoutError):
            process.kill()
            process.wait()
            self.process = None
            return "the parser ran out of time"
        code = process.wait()
        self.process = None
        if code < 0:
            try:
                return f"the parser crashed ({signal.Signals(-code).name})"
            except ValueError:
                return f"the parser crashed (signal {-code})"
        return f"the parser stopped (exit {code})"

    def close(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.stdin.close()
            try:
                self.process.wait(2)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


def _read_exact(stream, count: int, deadline: float) -> bytes:
    data = b""
    fd = stream.fileno()
    while len(data) < count:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            raise TimeoutError
        chunk = os.read(fd, count - len(data))
        if not chunk:
            raise WorkerGone()
        data += chunk
    return data


class WorkerGone(OSError):
    """The worker closed its end (it crashed)."""


def _read_message(stream, deadline: float):
    (size,) = _HEADER.unpack(_read_exact(stream, _HEADER.size, deadline))
    return json.loads(_read_exact(stream, size, deadline))


_WORKER = _Worker()
atexit.register(_WORKER.close)


def run(op: str, argument, timeout: float = TIMEOUT):
    """``OPERATIONS[op](argument)`` in the worker process; raises :class:`IsolatedFailure`."""
    return _WORKER.call(op, argument, timeout)


def _serve() -> None:
    """The worker's loop: read a request, answer it, until stdin closes."""
    source, sink = sys.stdin.buffer, sys.stdout.buffer
    while True:
        header = source.read(_HEADER.size)
        if len(header) < _HEADER.size:
            return
        request = json.loads(source.read(_HEADER.unpack(header)[0]))
        result = OPERATIONS[request["op"]](request["arg"])
        payload = json.dumps({"result": result}).encode("utf-8")
        sink.write(_HEADER.pack(len(payload)) + payload)
        sink.flush()


if __name__ == "__main__":
    _serve()
