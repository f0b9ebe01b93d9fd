"""Container links: a compose service ``builds`` its Dockerfile, a container ``runs`` a module.

- ``builds``: compose service → ``docker/image`` whose path is the service's ``build.context``
  + ``dockerfile`` (default ``Dockerfile``).
- ``runs``: compose service or image → ``code/python`` entities of the module its command runs
  (``python services/orders_api.py``, ``uvicorn services.orders_api:app``, ``python -m pkg.app``).
  A path or dotted module is matched against the scanned modules' paths: inside the build
  context (or the compose folder) first, else anywhere; an ambiguous match links nothing. A
  compose service without a command of its own runs what its image runs.

Rules use :func:`runners_of`, :func:`modules_run_by` and :func:`image_of`.
"""

from __future__ import annotations

import posixpath
from collections import defaultdict

from portlint.graph import PortGraph
from portlint.model import Entity, Link, PortFact, Role

ORDER = 30
COMPOSE = "compose/service"
IMAGE = "docker/image"
PYTHON = "code/python"
BUILDS = "builds"
RUNS = "runs"


def link(graph: PortGraph) -> None:
    images = {e.ref.name: e for e in graph.entities(IMAGE)}
    modules = _modules_by_path(graph)
    for image in images.values():
        _link_runs(graph, image, image.attrs.get("context_dir", ""), modules, "its CMD/ENTRYPOINT runs")
    for service in graph.entities(COMPOSE):
        image = images.get(service.attrs.get("dockerfile", ""))
        if image is not None:
            graph.add_link(Link(service.id, image.id, BUILDS,
                                f"its build.context {service.attrs.get('build_context') or '.'} holds {image.ref.name}",
                                _locations(service.attrs.get("build_location"), image.location)))
        base = service.attrs.get("build_context", service.attrs.get("project_dir", ""))
        if service.attrs.get("runs"):
            _link_runs(graph, service, base, modules, "its command runs")
        elif image is not None:
            for target in graph.targets(image.id, RUNS):
                graph.add_link(Link(service.id, target.id, RUNS,
                                    f"its image {image.ref.name} runs {target.attrs.get('path', target.ref.name)}",
                                    (image.location,)))


def image_of(graph: PortGraph, service: Entity | str) -> Entity | None:
    """The Dockerfile a compose service builds, if it is in the scan and what was read of it is
    the image built: a ``build.target`` naming another stage than the last builds an image whose
    ports and command the scan did not read (``None``: unknown, never the last stage's)."""
    targets = graph.targets(_id(service), BUILDS)
    if not targets:
        return None
    entity = service if isinstance(service, Entity) else graph.entity(service)
    target = entity.attrs.get("build_target") if entity is not None else None
    final = targets[0].attrs.get("final_stage")
    if isinstance(target, str) and isinstance(final, str) and target.lower() != final.lower():
        return None
    return targets[0]


def modules_run_by(graph: PortGraph, runner: Entity | str) -> list[Entity]:
    """The ``code/python`` entities a compose service or an image runs."""
    return graph.targets(_id(runner), RUNS)


def imports_as_server(graph: PortGraph, runner: Entity) -> bool:
    """True when a compose service's or an image's command runs a server that imports the module
    (``gunicorn app:app``, ``uvicorn main:app``); a compose service without a command of its own
    runs its image's."""
    holder: Entity | None = runner
    if runner.ref.kind == COMPOSE and not runner.attrs.get("has_command"):
        holder = image_of(graph, runner)
    return holder is not None and bool(holder.attrs.get("server_imports"))


def code_listens(graph: PortGraph, module: Entity, runner: Entity | None = None) -> list[PortFact]:
    """The listen sites of a module that run under ``runner``: a server imports the module, so its
    ``if __name__ == "__main__":`` block (``app.run(port=5000)``) never runs there; the server's own
    bind (``-b :8000``, already in the graph) or its default is what listens."""
    facts = graph.facts(module, Role.LISTEN)
    if runner is not None and any(f.attrs.get("main_guard") for f in facts) and imports_as_server(graph, runner):
        return [f for f in facts if not f.attrs.get("main_guard")]
    return facts


def runners_of(graph: PortGraph, module: Entity | str) -> list[Entity]:
    """The compose services and images that run a module's entity."""
    return graph.sources(_id(module), RUNS)


class _Modules(dict):
    """Module path → its ``code/python`` entities, with an index of every path suffix
    (``services/orders_api.py`` is found by ``orders_api.py`` and by ``services/orders_api.py``)."""

    def __init__(self) -> None:
        super().__init__()
        self.by_suffix: dict[str, set[str]] = defaultdict(set)
        # (folder, suffix) -> paths below that folder with that suffix: a lookup inside a folder
        # costs what it finds, not the whole tree (every service has its own ``app.py``)
        self.by_folder_suffix: dict[tuple[str, str], set[str]] = defaultdict(set)

    def add(self, path: str, entity: Entity) -> None:
        self.setdefault(path, []).append(entity)
        parts = path.split("/")
        folders = ["/".join(parts[:j]) for j in range(1, len(parts))]
        for i in range(len(parts)):
            suffix = "/".join(parts[i:])
            self.by_suffix[suffix].add(path)
            for folder in folders:
                self.by_folder_suffix[(folder, suffix)].add(path)


def _modules_by_path(graph: PortGraph) -> _Modules:
    out = _Modules()
    for entity in graph.entities(PYTHON):
        out.add(entity.attrs.get("path", entity.ref.name), entity)
    return out


def _link_runs(graph: PortGraph, runner: Entity, base: str, modules: _Modules, why: str) -> None:
    for written in runner.attrs.get("runs", []):
        path = _match(written, base, modules)
        if path is None:
            continue
        for module in modules[path]:
            graph.add_link(Link(runner.id, module.id, RUNS, f"{why} {written} ({path})", (runner.location,)))


def _match(written: str, base: str, modules: _Modules) -> str | None:
    """The one scanned module path a command's module names; inside ``base`` first."""
    suffixes = _suffixes(written)
    if base:
        folder = base.rstrip("/")
        inside = {p for s in suffixes for p in modules.by_folder_suffix.get((folder, s), ())}
        if inside:
            return next(iter(inside)) if len(inside) == 1 else None
    hits = {p for s in suffixes for p in modules.by_suffix.get(s, ())}
    return next(iter(hits)) if len(hits) == 1 else None


def _suffixes(written: str) -> list[str]:
    """``services/orders_api.py`` → itself; ``services.orders_api`` → its file, package or __main__."""
    cleaned = written.lstrip("./")
    if cleaned.endswith(".py") or "/" in cleaned:
        return [posixpath.normpath(cleaned)]
    stem = cleaned.replace(".", "/")
    return [f"{stem}.py", f"{stem}/__init__.py", f"{stem}/__main__.py"]


def _locations(*locations) -> tuple:
    return tuple(loc for loc in locations if loc is not None)


def _id(entity: Entity | str) -> str:
    return entity if isinstance(entity, str) else entity.id
