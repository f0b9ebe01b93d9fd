"""A chart read from its archive (``charts/NAME-VERSION.tgz``) into a :class:`ChartInfo`, in memory.

Helm renders a packed subchart as if it were a folder: its ``values.yaml`` under the parent's
values, its ``_*.tpl`` helpers defined for every template, its own subcharts (folders or archives
inside the archive). Here it is read the same way from the dict :func:`portlint.helm.archive.unpack`
gives; nothing is written to disk. Its locations are ``charts/NAME-VERSION.tgz/templates/x.yaml``.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from portlint import safe_io
from portlint.helm import archive
from portlint.helm import chart as C


class NotRead(Exception):
    """The archive was not read: ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def load_file(path: Path, rel: str, root: Path, max_size: int, depth: int, prefix: str) -> C.ChartInfo:
    """The chart packed in the archive at ``path`` (a regular file inside ``root``)."""
    try:
        data = safe_io.read_bytes(path, root=root, limit=max_size)
    except safe_io.TooLarge:
        raise NotRead(f"over max-file-size ({max_size})") from None
    except safe_io.UnsafeFile as exc:
        raise NotRead(exc.reason) from None
    except OSError as exc:
        raise NotRead(f"cannot read: {exc.strerror or exc}") from None
    return load_bytes(data, rel, path, max_size, depth, prefix, archive.Budget())


def load_bytes(data: bytes, rel: str, path: Path, max_size: int, depth: int, prefix: str,
               budget: archive.Budget) -> C.ChartInfo:
    try:
        files = archive.unpack(data, max_size, budget)
    except archive.ArchiveError as exc:
        raise NotRead(exc.reason) from None
    return load_files(files, rel, path, max_size, depth, prefix, budget)


def load_files(files: dict[str, bytes], rel: str, path: Path, max_size: int, depth: int,
               prefix: str, budget: archive.Budget) -> C.ChartInfo:
    """A chart from its files (path inside the chart → bytes); ``rel`` locates them."""
    meta = _values(files, C.CHART_FILE, rel)
    metadata = C._plain(meta.root) if meta.root is not None else {}
    metadata = metadata if isinstance(metadata, dict) else {}
    name = str(metadata.get("name") or PurePosixPath(rel).name.removesuffix(".tgz"))
    chart = C.ChartInfo(path, rel, name, metadata, _values(files, C.VALUES_FILE, rel))
    chart.prefix = f"{prefix}/{C.CHARTS}/{name}" if prefix else name
    chart.max_size = max_size
    chart.packed = files
    _templates(chart, files)
    if depth < C.MAX_SUBCHART_DEPTH:
        _subcharts(chart, files, max_size, depth, budget)
    present = {sub.name for sub in chart.subcharts}
    for dep in metadata.get("dependencies") or []:
        dep_name = str(dep.get("name") or "") if isinstance(dep, dict) else ""
        if dep_name and dep_name not in present:
            chart.missing.append(dep_name)
            chart.dependency_notes[dep_name] = (f"{rel}/{C.CHART_FILE}",
                                                f"dependency {dep_name} of a packed subchart is not in its charts/: "
                                                "what it takes from it is unknown")
    return chart


def _values(files: dict[str, bytes], name: str, rel: str) -> C.ValuesFile:
    data = files.get(name)
    if data is None:
        return C.ValuesFile(f"{rel}/{name}")
    return C.values_from_text(data.decode("utf-8", errors="replace"), f"{rel}/{name}")


def _templates(chart: C.ChartInfo, files: dict[str, bytes]) -> None:
    count = 0
    for name in sorted(files):
        if not name.startswith(f"{C.TEMPLATES}/"):
            continue
        if count >= C.MAX_TEMPLATES:
            chart.notes.append((chart.rel, f"over {C.MAX_TEMPLATES} templates: the rest are not rendered"))
            break
        chart.templates[f"{chart.prefix}/{name}"] = (f"{chart.rel}/{name}", files[name].decode("utf-8", "replace"))
        count += 1


def _subcharts(chart: C.ChartInfo, files: dict[str, bytes], max_size: int, depth: int,
               budget: archive.Budget) -> None:
    """Subcharts inside the archive: folders ``charts/x/`` and archives ``charts/x.tgz``."""
    folders = sorted({n.split("/")[1] for n in files if n.count("/") == 2 and n.startswith(f"{C.CHARTS}/")
                      and n.endswith(f"/{C.CHART_FILE}")})
    for folder in folders:
        start = f"{C.CHARTS}/{folder}/"
        sub_files = {n[len(start):]: data for n, data in files.items() if n.startswith(start)}
        chart.subcharts.append(load_files(sub_files, f"{chart.rel}/{start[:-1]}", chart.path / start,
                                          max_size, depth + 1, chart.prefix, budget))
    for name in sorted(n for n in files if n.count("/") == 1 and n.startswith(f"{C.CHARTS}/") and n.endswith(".tgz")):
        try:
            sub = load_bytes(files[name], f"{chart.rel}/{name}", chart.path / name, max_size, depth + 1,
                             chart.prefix, budget)
        except NotRead as exc:
            chart.notes.append((f"{chart.rel}/{name}", f"packed subchart not read ({exc.reason})"))
            continue
        if all(other.name != sub.name for other in chart.subcharts):
            chart.subcharts.append(sub)
