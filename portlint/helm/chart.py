"""Charts: ``Chart.yaml``, values files with positions, environments, subcharts, rendering.

:func:`load` reads a chart folder (and its subcharts under ``charts/``) and :func:`render` renders
every template of it once per environment, the way ``helm template`` would:

- values: the chart's ``values.yaml``; each environment overlay (``values-prod.yaml``,
  ``values.prod.yaml``, ``values/prod.yaml``, or files given by the caller; the environment must
  be one of the configured ``environments``) is applied on top as ``-f`` would, and rendered as
  that environment; a chart without overlays is rendered once with environment None;
- subcharts get their own ``values.yaml`` with the parent's values under their name on top, and
  the parent's ``global``; a subchart whose ``condition`` is false is not rendered;
- numbers in values are floats, as Helm reads them (JSON numbers), each traced to its line;
- ``.Release`` is ``release-name`` in the namespace given by the caller, ``.Capabilities`` the
  defaults of ``helm template``, ``.Files`` reads regular files inside the chart only.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from portlint import safe_io
from portlint.helm import builtins
from portlint.helm.exec import Engine, Note, Rendered
from portlint.helm.values import Origins
from portlint.model import Location
from portlint.readers import _yaml

CHART_FILE = "Chart.yaml"
VALUES_FILE = "values.yaml"
TEMPLATES = "templates"
CHARTS = "charts"
MANIFEST_SUFFIXES = (".yaml", ".yml", ".tpl", ".txt", ".json")
MAX_TEMPLATES = 2_000
MAX_SUBCHART_DEPTH = 5
_OVERLAY = re.compile(r"values[-._](?P<env>[A-Za-z0-9_-]+)\.ya?ml")
_INT = re.compile(r"[-+]?(0|[1-9][0-9_]*)")
_OCT_HEX = re.compile(r"[-+]?0(x[0-9a-fA-F_]+|o?[0-7_]+)")


@dataclass
class ValuesFile:
    """One values file read with positions (``root`` is the composed mapping, or None)."""

    rel: str
    root: Any = None
    failure: _yaml.YamlError | None = None


@dataclass
class ChartInfo:
    """A chart folder: its metadata, templates (name → (rel, text)) and subcharts."""

    path: Path
    rel: str
    name: str
    metadata: dict[str, Any]
    values: ValuesFile
    templates: dict[str, tuple[str, str]] = field(default_factory=dict)
    subcharts: list[ChartInfo] = field(default_factory=list)
    prefix: str = ""  # Helm's template-name prefix: ``parent/charts/sub``
    max_size: int = 1_000_000
    parsed: dict[str, Any] = field(default_factory=dict)  # template name → parse result, shared by renders
    missing: list[str] = field(default_factory=list)  # dependencies neither vendored nor local
    notes: list[tuple[str, str]] = field(default_factory=list)  # (rel, message)
    dependency_notes: dict[str, tuple[str, str]] = field(default_factory=dict)  # missing name → (rel, message)
    unread_packed: list[tuple[str, str, str]] = field(default_factory=list)  # (file name, rel, note): unreadable
    packed: dict[str, bytes] | None = None  # the chart's files, when it was read from an archive


@dataclass
class Environment:
    """One render of a chart: its environment name (None: the chart's own values) and overlays."""

    name: str | None
    overlays: list[ValuesFile]


@dataclass(frozen=True)
class Folded:
    """A render failure a missing dependency explains: told in that dependency's note."""

    dependency: str
    rel: str
    line: int
    message: str


@dataclass
class ChartRender:
    """One environment's render: template rel path → :class:`Rendered`; template name → rel."""

    environment: str | None
    files: dict[str, Rendered]
    rels: dict[str, str]
    notes: list[Note]
    folded: list[Folded] = field(default_factory=list)


def find_root(path: Path, stop: Path) -> Path | None:
    """The chart a template belongs to, walking up through ``charts/`` to the topmost parent."""
    chart = None
    for parent in path.parents:
        if parent.name == TEMPLATES and (parent.parent / CHART_FILE).is_file():
            chart = parent.parent
            break
        if parent == stop:
            return None
    if chart is None:
        return None
    while chart.parent.name == CHARTS and (chart.parent.parent / CHART_FILE).is_file() and chart != stop:
        chart = chart.parent.parent
    return chart


def load(path: Path, root: Path, max_size: int, depth: int = 0, prefix: str = "") -> ChartInfo:
    """Read a chart folder (never following symlinks out of it)."""
    rel = _relative(path, root)
    meta_file = read_values(path / CHART_FILE, _relative(path / CHART_FILE, root), max_size, root)
    metadata = _plain(meta_file.root) if meta_file.root is not None else {}
    metadata = metadata if isinstance(metadata, dict) else {}
    name = str(metadata.get("name") or path.name)
    chart = ChartInfo(path, rel, name, metadata,
                      read_values(path / VALUES_FILE, _relative(path / VALUES_FILE, root), max_size, root))
    chart.prefix = f"{prefix}/{CHARTS}/{name}" if prefix else name
    chart.max_size = max_size
    _load_templates(chart, root, max_size)
    if depth < MAX_SUBCHART_DEPTH and (path / CHARTS).is_dir():
        for sub in sorted((path / CHARTS).iterdir()):
            if sub.is_dir() and not sub.is_symlink() and (sub / CHART_FILE).is_file():
                chart.subcharts.append(load(sub, root, max_size, depth + 1, chart.prefix))
            elif sub.suffix == ".tgz" and not sub.is_symlink():
                _load_packed(chart, sub, root, max_size, depth)
    _local_dependencies(chart, root, max_size, depth)
    return chart


def _load_packed(chart: ChartInfo, path: Path, root: Path, max_size: int, depth: int) -> None:
    """A subchart vendored as ``charts/NAME-VERSION.tgz``, read in memory (:mod:`portlint.helm.packed`)."""
    from portlint.helm import packed

    rel = _relative(path, root)
    try:
        sub = packed.load_file(path, rel, root, max_size, depth + 1, chart.prefix)
    except packed.NotRead as exc:
        chart.unread_packed.append((path.name, rel, f"packed subchart not read ({exc.reason}): what the chart "
                                                    "takes from it is unknown"))
        return
    if any(other.name == sub.name for other in chart.subcharts):
        return  # the same chart vendored twice: the folder is read
    chart.subcharts.append(sub)
    objects = _object_templates(sub)
    if objects:  # a library chart has none: all of it is read
        chart.notes.append((rel, f"packed subchart read for its values and helpers; the {objects} templates of "
                                 "objects it renders itself are not checked"))


def _object_templates(chart: ChartInfo) -> int:
    """How many templates of ``chart`` and its subcharts render objects (not ``_`` partials)."""
    own = sum(1 for name in chart.templates
              if not PurePosixPath(name).name.startswith("_") and name.endswith((".yaml", ".yml")))
    return own + sum(_object_templates(sub) for sub in chart.subcharts)


def _local_dependencies(chart: ChartInfo, root: Path, max_size: int, depth: int) -> None:
    """Dependencies not vendored under ``charts/``: a ``file://`` one is read from its folder (as
    ``helm dependency build`` would copy it); any other is missing, and said so once."""
    present = {sub.name for sub in chart.subcharts}
    for dep in chart.metadata.get("dependencies") or []:
        name = str(dep.get("name") or "") if isinstance(dep, dict) else ""
        if not name or name in present:
            continue
        repository = str(dep.get("repository") or "")
        target = (chart.path / repository[len("file://"):]).resolve() if repository.startswith("file://") else None
        if (target is not None and depth < MAX_SUBCHART_DEPTH and target.is_relative_to(root.resolve())
                and (target / CHART_FILE).is_file() and target != chart.path.resolve()):
            chart.subcharts.append(load(target, root, max_size, depth + 1, chart.prefix))
            present.add(name)
            continue
        chart.missing.append(name)
        packed = [p for p in chart.unread_packed if p[0] == f"{name}.tgz" or p[0].startswith(f"{name}-")]
        if packed:  # vendored, but its archive could not be read: one note, at the archive
            chart.dependency_notes[name] = packed[0][1:]
            continue
        chart.dependency_notes[name] = (_relative(chart.path / CHART_FILE, root),
                                        f"dependency {name} ({repository or 'no repository'}) is not in charts/ "
                                        "(helm dependency build): what the chart takes from it is unknown")
    used = set(chart.dependency_notes.values())
    chart.notes.extend(p[1:] for p in chart.unread_packed if p[1:] not in used)


def _load_templates(chart: ChartInfo, root: Path, max_size: int) -> None:
    folder = chart.path / TEMPLATES
    if not folder.is_dir():
        return
    count = 0
    for file in sorted(folder.rglob("*")):
        if count >= MAX_TEMPLATES:
            chart.notes.append((chart.rel, f"over {MAX_TEMPLATES} templates: the rest are not rendered"))
            break
        if not file.is_file():
            continue
        rel = _relative(file, root)
        try:
            text = safe_io.read_text(file, root=root, limit=max_size)
        except safe_io.TooLarge:
            chart.notes.append((rel, f"skipped: over max-file-size ({max_size})"))
            continue
        except safe_io.UnsafeFile as exc:
            chart.notes.append((rel, f"skipped: not read ({exc.reason})"))
            continue
        except (OSError, UnicodeDecodeError) as exc:
            chart.notes.append((rel, f"cannot read: {exc}"))
            continue
        inner = file.relative_to(chart.path).as_posix()
        chart.templates[f"{chart.prefix}/{inner}"] = (rel, text)
        count += 1


def read_values(path: Path, rel: str, max_size: int, root: Path | None = None) -> ValuesFile:
    """A values file composed with positions; a broken one says why."""
    if not os.path.lexists(path):
        return ValuesFile(rel)
    try:
        text = safe_io.read_text(path, root=root, limit=max_size)
    except safe_io.TooLarge:
        return ValuesFile(rel, failure=_yaml.YamlError(f"skipped: over max-file-size ({max_size})"))
    except safe_io.UnsafeFile as exc:
        return ValuesFile(rel, failure=_yaml.YamlError(f"skipped: not read ({exc.reason}); the chart is not rendered"))
    except (OSError, UnicodeDecodeError) as exc:
        return ValuesFile(rel, failure=_yaml.YamlError(f"cannot read: {exc}"))
    return values_from_text(text, rel)


def values_from_text(text: str, rel: str) -> ValuesFile:
    """A values file's text composed with positions; a broken one says why."""
    try:
        documents = _yaml.compose_documents(text)
        node = documents[0] if documents else None
        if node is not None and _yaml.may_alias(text):
            _yaml.count_nodes(node, max(_yaml.ALIAS_BUDGET, len(text)))
    except _yaml.YamlError as exc:
        return ValuesFile(rel, failure=exc)
    if node is not None and not _yaml.is_mapping(node):
        where = _yaml.location(node, rel)
        return ValuesFile(rel, failure=_yaml.YamlError(f"{PurePosixPath(rel).name} must be a mapping of values",
                                                       where.line, where.column))
    return ValuesFile(rel, node)


def environments(chart: ChartInfo, root: Path, known: tuple[str, ...], max_size: int,
                 extra: dict[str, list[Path]] | None = None) -> list[Environment]:
    """One environment per overlay found, or the chart's own values alone (environment None)."""
    names = {e.lower(): e for e in known}
    found: dict[str, list[ValuesFile]] = {}
    candidates = list(chart.path.glob("values[-._]*.y*ml"))
    if (chart.path / "values").is_dir():
        candidates += list((chart.path / "values").glob("*.y*ml"))
    for path in sorted(candidates):
        env = names.get((_overlay_env(path) or "").lower())
        if env is not None:
            found.setdefault(env, []).append(read_values(path, _relative(path, root), max_size, root))
    for env, paths in (extra or {}).items():
        for path in paths:  # named in the config: may lie outside the scan root
            found.setdefault(env, []).append(read_values(path, _relative(path, root), max_size))
    if not found:
        return [Environment(None, [])]
    # with overlays, each environment is values.yaml + its overlay; the bare defaults are not a
    # deployment of their own (and would pair with every environment's objects)
    return [Environment(env, found[env]) for env in sorted(found)]


def _overlay_env(path: Path) -> str | None:
    if path.parent.name == "values":
        return path.stem
    match = _OVERLAY.fullmatch(path.name)
    return match.group("env") if match else None


# -- values -------------------------------------------------------------------------------------


class ValuesBuilder:
    """Builds Python values from composed nodes, registering every container's origins."""

    def __init__(self, origins: Origins) -> None:
        self.origins = origins

    def build(self, node: Any, rel: str, path: str = ".Values", depth: int = 0) -> Any:
        if node is None:
            return None
        if depth > 100:
            return None
        if _yaml.is_mapping(node):
            out: dict[str, Any] = {}
            where: dict[Any, Location] = {}
            for key_node, value_node in _yaml.items(node):
                key = _key(key_node)
                out[key] = self.build(value_node, rel, f"{path}.{key}", depth + 1)
                where[key] = _yaml.location(value_node, rel)
            self.origins.add(out, path, where)
            return out
        if _yaml.is_sequence(node):
            items = [self.build(item, rel, f"{path}[{i}]", depth + 1) for i, item in enumerate(node.value)]
            self.origins.add(items, path, {i: _yaml.location(item, rel) for i, item in enumerate(node.value)})
            return items
        return scalar(node)

    def merge(self, base: Any, over: Any, path: str = ".Values") -> Any:
        """``over`` on top of ``base`` the way Helm coalesces values: maps merge, null deletes."""
        if not isinstance(base, dict) or not isinstance(over, dict):
            return over
        base_where = self.origins.table.get(id(base), (path, {}))[1]
        over_where = self.origins.table.get(id(over), (path, {}))[1]
        out: dict[str, Any] = {}
        where: dict[Any, Location] = {}
        for key, value in base.items():
            out[key] = value
            if key in base_where:
                where[key] = base_where[key]
        for key, value in over.items():
            if value is None:
                out.pop(key, None)
                where.pop(key, None)
                continue
            out[key] = self.merge(out.get(key), value, f"{path}.{key}") if key in out else value
            if key in over_where:
                where[key] = over_where[key]
        self.origins.add(out, path, where)
        return out


# yaml.v2 (which Helm reads values with) resolves these plain scalars as bools; PyYAML leaves them text
_YAML11_BOOLS = {**dict.fromkeys(("y", "Y"), True), **dict.fromkeys(("n", "N"), False)}


def scalar(node: Any) -> Any:
    """A values scalar as Helm reads it: numbers are float64, ``yes``/``on`` are bools (YAML 1.1)."""
    tag, text = node.tag, node.value
    if node.style:  # quoted or block: a string whatever it looks like
        return text
    if tag == _yaml.STR_TAG and text in _YAML11_BOOLS:  # `y`/`n` are bools to yaml.v2, strings to PyYAML
        return _YAML11_BOOLS[text]
    if tag == _yaml.NULL_TAG:
        return None
    if tag == _yaml.BOOL_TAG:
        return text.lower() in ("true", "yes", "on", "y")
    if tag == _yaml.INT_TAG:
        clean = text.replace("_", "")
        try:
            if _INT.fullmatch(text):
                return float(int(clean))
            if _OCT_HEX.fullmatch(text):
                body = clean.lstrip("+-")
                sign = -1 if clean.startswith("-") else 1
                return float(sign * int(body[2:] if body[1:2] in "xo" and len(body) > 1 and body[1] in "xo"
                                        else body[1:] or "0", 16 if "x" in body else 8))
        except ValueError:
            return text
        return text  # 22:22 (sexagesimal in YAML 1.1) is text to Helm
    if tag == "tag:yaml.org,2002:float":
        try:
            return float(text.replace("_", ""))
        except ValueError:
            return text
    return text


def _key(node: Any) -> str:
    return str(node.value) if _yaml.is_scalar(node) else "<complex key>"


def _plain(node: Any) -> Any:
    if _yaml.is_mapping(node):
        return {_key(k): _plain(v) for k, v in _yaml.items(node)}
    if _yaml.is_sequence(node):
        return [_plain(v) for v in node.value]
    if _yaml.is_scalar(node):  # Chart.yaml fields are Go strings: keep the text (appVersion 1.10)
        if node.tag == _yaml.NULL_TAG and not node.style:
            return None
        if node.tag == _yaml.BOOL_TAG and not node.style:
            return node.value.lower() in ("true", "yes", "on", "y")
        return node.value
    return None


# -- rendering ----------------------------------------------------------------------------------


def render(chart: ChartInfo, env: Environment, functions: dict, namespace: str = "",
           lookup_empty: bool = False) -> ChartRender:
    """Render every template of ``chart`` and its enabled subcharts under ``env``'s values."""
    origins = Origins()
    builder = ValuesBuilder(origins)
    values = builder.build(chart.values.root, chart.values.rel) or {}
    if not isinstance(values, dict):
        values = {}
    origins.add(values, ".Values", origins.table.get(id(values), (".Values", {}))[1])
    for overlay in env.overlays:
        if overlay.root is not None:
            values = builder.merge(values, builder.build(overlay.root, overlay.rel))
    engine = Engine(functions, origins, lookup_empty=lookup_empty)
    release = builtins.release(namespace)
    capabilities = builtins.capabilities()
    scoped: list[tuple[ChartInfo, dict]] = []
    _scope(chart, values, builder, scoped, 0)
    rels: dict[str, str] = {}
    for info, _ in scoped:
        for name, (rel, text) in info.templates.items():
            rels[name] = rel
    for name in _helm_order(rels):
        info = next(i for i, _ in scoped if name in i.templates)
        engine.add(name, info.templates[name][1], info.parsed)
    files: dict[str, Rendered] = {}
    charts = {id(i): builtins.chart(i.metadata) for i, _ in scoped}
    missing = [dep for i, _ in scoped for dep in i.missing]
    folded: list[Folded] = []
    chart_files = {id(i): builtins.files(i.path, i.max_size) if i.packed is None else builtins.packed_files(i.packed)
                   for i, _ in scoped}
    tops = {id(i): {"Values": v, "Chart": charts[id(i)], "Release": release, "Capabilities": capabilities,
                    "Files": chart_files[id(i)], "Subcharts": {}} for i, v in scoped}
    for info, _ in scoped:
        tops[id(info)]["Subcharts"] = {sub.name: tops[id(sub)] for sub in info.subcharts if id(sub) in tops}
    for name in _helm_order(rels):
        info, vals = next((i, v) for i, v in scoped if name in i.templates)
        base = PurePosixPath(name).name
        if base.startswith("_") or name not in engine.files and name not in engine.parse_errors:
            continue
        if not base.endswith((".yaml", ".yml")) or info.packed is not None:
            continue  # a packed subchart's objects are not read: its partials are what the chart uses
        data = {**tops[id(info)], "Template": {"Name": name, "BasePath": f"{info.prefix}/{TEMPLATES}"}}
        rendered = engine.render(name, data)
        if missing:
            folded.extend(_fold(rendered, info.templates[name][0], missing, engine))
        files[info.templates[name][0]] = rendered
    notes = [note for note in engine.parse_errors.values() if PurePosixPath(note.template).name.startswith("_")]
    return ChartRender(env.name, files, rels, notes, folded)


_NO_TEMPLATE = re.compile(r'no (?:such )?template "(?P<name>[^"]*)"')


def _fold(rendered: Rendered, rel: str, missing: list[str], engine: Engine) -> list[Folded]:
    """The notes of ``rendered`` that a missing dependency explains (an ``include`` of a template
    no chart defines), taken out of the file: they belong to the dependency's one note."""
    kept: list[Note] = []
    folded: list[Folded] = []
    for note in rendered.notes:
        match = _NO_TEMPLATE.search(note.message)
        name = match.group("name") if match else None
        if name is None or name in engine.defines or name in engine.files or engine.parse_errors:
            kept.append(note)
            continue
        owner = next((dep for dep in missing if name.startswith(f"{dep}.")), missing[0])
        folded.append(Folded(owner, rel, note.line, f"include of {name}, which it would define"))
    rendered.notes[:] = kept
    return folded


def _scope(chart: ChartInfo, values: dict, builder: ValuesBuilder, out: list, depth: int) -> None:
    """Each chart with its values: a subchart gets parent[name] on top of its own, and global."""
    out.append((chart, values))
    if depth >= MAX_SUBCHART_DEPTH:
        return
    dependencies = {str(d.get("name")): d for d in chart.metadata.get("dependencies") or [] if isinstance(d, dict)}
    for sub in chart.subcharts:
        dep = dependencies.get(sub.name) or {}
        key = str(dep.get("alias") or sub.name)
        if not _enabled(dep, values):
            continue
        own = builder.build(sub.values.root, sub.values.rel, ".Values") or {}
        own = own if isinstance(own, dict) else {}
        parent_part = values.get(key) if isinstance(values.get(key), dict) else {}
        merged = builder.merge(own, parent_part)
        glob = values.get("global")
        if isinstance(glob, dict):
            merged = builder.merge(merged, {"global": builder.merge(merged.get("global") or {}, glob)})
        values[key] = merged  # the parent sees the subchart's values, defaults included (Helm coalesces)
        _scope(sub, merged, builder, out, depth + 1)


def _enabled(dep: dict, values: dict) -> bool:
    condition = dep.get("condition")
    if not isinstance(condition, str):
        return True
    for path in condition.split(","):
        node: Any = values
        for part in path.strip().split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, bool):
            return node
    return True


def _helm_order(rels: dict[str, str]) -> list[str]:
    """Helm parses deeper templates first; at equal depth, reverse name order (the last wins)."""
    names = sorted(rels, reverse=True)
    names.sort(key=lambda name: -name.count("/"))
    return names


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


