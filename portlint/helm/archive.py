"""Packed subcharts (``charts/*.tgz``) read in memory, the way Helm's chart loader reads them.

``helm dependency build`` vendors each dependency as ``charts/NAME-VERSION.tgz``: a gzip'd tar
whose members sit under one top folder (the chart's name). Helm strips that folder, refuses
absolute paths, ``..`` and a ``Chart.yaml`` outside it, and skips folders. Here the archive is
never written to disk: it is unpacked into a dict of member name → bytes, within bounds on the
packed size, the unpacked size, the member count, one member's size and path depth. Only regular
files are kept (links, devices and fifos are skipped: nothing is ever followed).
"""

from __future__ import annotations

import io
import posixpath
import re
import tarfile
import zlib

MAX_UNPACKED = 32 * 1024 * 1024  # Helm's own limit is 100 MiB; a chart is a few hundred KiB
MAX_MEMBERS = 5_000
MAX_PARTS = 32  # folders deep
MAX_GZIP_MEMBERS = 16
_BOM = b"\xef\xbb\xbf"
_DRIVE = re.compile(r"^[a-zA-Z]:/")


MAX_ARCHIVES = 64  # archives inside archives, per top-level archive


class Budget:
    """What one top-level archive may unpack, nested archives included."""

    def __init__(self, unpacked: int = MAX_UNPACKED, archives: int = MAX_ARCHIVES) -> None:
        self.unpacked, self.archives = unpacked, archives


class ArchiveError(Exception):
    """The archive cannot be read as a chart: ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def unpack(data: bytes, max_file: int, budget: Budget | None = None) -> dict[str, bytes]:
    """The chart files of a packed chart: path inside the chart → content (BOM removed)."""
    budget = budget or Budget()
    budget.archives -= 1
    if budget.archives < 0:
        raise ArchiveError(f"over {MAX_ARCHIVES} archives inside one another")
    raw = gunzip(data, budget.unpacked)
    budget.unpacked -= len(raw)
    try:
        archive = tarfile.open(fileobj=io.BytesIO(raw), mode="r:")
    except (tarfile.TarError, EOFError, OSError, ValueError) as exc:
        raise ArchiveError(f"not a tar archive: {exc}") from None
    files: dict[str, bytes] = {}
    count = 0
    try:
        while True:
            member = archive.next()
            if member is None:
                break
            count += 1
            if count > MAX_MEMBERS:
                raise ArchiveError(f"over {MAX_MEMBERS} members")
            if member.isdir() or not member.isreg():
                continue  # folders; links, devices and fifos are never followed nor read
            name = _member_name(member.name)
            if member.size > max_file:
                raise ArchiveError(f"member {name} over max-file-size ({max_file})")
            handle = archive.extractfile(member)
            content = handle.read(max_file + 1) if handle is not None else b""
            files[name] = content.removeprefix(_BOM)
    except (tarfile.TarError, EOFError, OSError, ValueError) as exc:
        raise ArchiveError(f"broken tar archive: {exc}") from None
    finally:
        archive.members = []  # what tarfile keeps of each member: not needed once read
    if "Chart.yaml" not in files:
        raise ArchiveError("no Chart.yaml in its top folder")
    return files


def _member_name(name: str) -> str:
    """The member's path inside the chart, as Helm's loader checks it."""
    delimiter = "\\" if "\\" in name else "/"
    parts = name.split(delimiter)
    if parts[0] == "Chart.yaml":
        raise ArchiveError("Chart.yaml not in a top folder")
    inner = "/".join(parts[1:])
    if inner.startswith("/"):
        raise ArchiveError("an absolute member path")
    clean = posixpath.normpath(inner) if inner else "."
    if clean == ".":
        raise ArchiveError(f"content outside the top folder: {name[:100]!r}")
    if clean.startswith(".."):
        raise ArchiveError("a member path into the parent folder")
    if _DRIVE.match(clean) or "\x00" in clean:
        raise ArchiveError("an illegal member name")
    if clean.count("/") >= MAX_PARTS:
        raise ArchiveError(f"a member over {MAX_PARTS} folders deep")
    return clean


def gunzip(data: bytes, limit: int) -> bytes:
    """``data`` un-gzipped (several gzip members in a row, as Go reads them), at most ``limit`` bytes."""
    if not data.startswith(b"\x1f\x8b"):
        raise ArchiveError("not gzip-compressed")
    out = bytearray()
    rest = data
    members = 0
    try:
        while rest:
            members += 1
            if members > MAX_GZIP_MEMBERS:
                raise ArchiveError(f"over {MAX_GZIP_MEMBERS} gzip members")
            stream = zlib.decompressobj(16 + zlib.MAX_WBITS)
            pending = rest
            while True:
                out += stream.decompress(pending, limit + 1 - len(out))
                if len(out) > limit:
                    raise ArchiveError(f"over {limit // (1024 * 1024)} MiB unpacked")
                pending = stream.unconsumed_tail
                if stream.eof or not pending:
                    break
            if not stream.eof:
                raise ArchiveError("truncated gzip stream")
            rest = stream.unused_data
    except zlib.error as exc:
        raise ArchiveError(f"broken gzip stream: {exc}") from None
    return bytes(out)
