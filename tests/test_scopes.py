"""Scopes and compose projects on real files: which files form one scope or project, kustomize
namespaces, include/extends, interpolation left unknown; and the nearest-folder selection."""

from __future__ import annotations

import os
from pathlib import Path

from conftest import FIXTURES, scan_tree
from portlint.model import Role
from portlint.readers._compose_project import plan_projects
from portlint.scopes import build_scopes, read_small_text

RULES = FIXTURES / "rules"


def _write(root: Path, files: dict[str, str]) -> list[str]:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return sorted(files)


KUSTOMIZATION = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"


def test_markers_bound_scopes_and_subcharts_join_their_chart(tmp_path: Path) -> None:
    rels = _write(tmp_path, {
        "apps/a/compose.yaml": "services: {}\n", "apps/a/sub/x.yaml": "",
        "charts/web/Chart.yaml": "name: web\n", "charts/web/charts/redis/Chart.yaml": "name: redis\n",
        "charts/web/charts/redis/templates/svc.yaml": "", "team/.portlint.toml": "", "team/k8s/x.yaml": "",
        "loose/x.yaml": "",
    })
    scopes = build_scopes(rels, tmp_path)
    assert scopes.of("apps/a/sub/x.yaml") == "apps/a"
    assert scopes.of("charts/web/charts/redis/templates/svc.yaml") == "charts/web"
    assert scopes.of("team/k8s/x.yaml") == "team"
    assert scopes.of("loose/x.yaml") == ""


def test_kustomize_overlay_joins_its_bases_and_sets_their_namespace(tmp_path: Path) -> None:
    rels = _write(tmp_path, {
        "base/kustomization.yaml": KUSTOMIZATION + "namespace: base-ns\nresources: [svc.yaml]\n",
        "base/svc.yaml": "",
        "overlays/prod/kustomization.yaml": KUSTOMIZATION + "namespace: shop\nresources:\n  - ../../base\n  - extra.yaml\n",
        "overlays/prod/extra.yaml": "",
        "other/kustomization.yaml": KUSTOMIZATION + "resources: [https://example.com/x.yaml, ../../../etc/passwd]\n",
    })
    scopes = build_scopes(rels, tmp_path)
    assert scopes.of("base/svc.yaml") == scopes.of("overlays/prod/extra.yaml") == "base"
    assert scopes.namespace_of("base/svc.yaml") == "shop"  # the overlay's namespace wins over the base's
    assert scopes.namespace_of("overlays/prod/extra.yaml") == "shop"
    assert scopes.of("other/kustomization.yaml") == "other"


def test_overlays_that_disagree_leave_the_written_namespace(tmp_path: Path) -> None:
    rels = _write(tmp_path, {
        "base/kustomization.yaml": KUSTOMIZATION + "resources: [svc.yaml]\n", "base/svc.yaml": "",
        "dev/kustomization.yaml": KUSTOMIZATION + "namespace: dev\nresources: [../base]\n",
        "prod/kustomization.yaml": KUSTOMIZATION + "namespace: prod\nresources: [../base]\n",
    })
    assert build_scopes(rels, tmp_path).namespace_of("base/svc.yaml") is None


def test_small_reads_stay_inside_the_root(tmp_path: Path) -> None:
    root, outside = tmp_path / "root", tmp_path / "secret.env"
    root.mkdir()
    outside.write_text("PORT=1\n")
    os.symlink(outside, root / ".env")
    (root / "big.env").write_text("X=1\n" * 10)
    (root / "dir.env").mkdir()
    assert read_small_text(root / ".env", root) is None
    assert read_small_text(root / "big.env", root, limit=8) is None
    assert read_small_text(root / "dir.env", root) is None
    assert read_small_text(root / "big.env", root) == "X=1\n" * 10


def test_compose_projects_follow_compose() -> None:
    plan = plan_projects(["compose.yaml", "compose.override.yaml", "docker-compose.yml", "compose.traefik.yml",
                          "compose.traefik.override.yml", "sub/docker-compose.minimal.yml"])
    assert plan["compose.yaml"].id == plan["compose.override.yaml"].id == ""
    assert plan["docker-compose.yml"].id == "docker-compose.yml"  # compose.yaml is the folder's default
    assert plan["compose.traefik.yml"].id == plan["compose.traefik.override.yml"].id == "compose.traefik.yml"
    assert plan["sub/docker-compose.minimal.yml"].id == "sub/docker-compose.minimal.yml"
    assert plan["sub/docker-compose.minimal.yml"].folder == "sub"


def test_included_file_is_read_once_as_part_of_its_includer() -> None:
    graph = scan_tree(RULES / "PL406" / "fire-include").graph
    owners = sorted({f.owner.id for f in graph.facts() if f.location.path == "db/compose.yaml"})
    assert owners == ["compose/service:adminer", "compose/service:db"]


def test_extends_brings_the_base_ports_located_in_the_base_file() -> None:
    graph = scan_tree(RULES / "PL406" / "silent-extends").graph
    published = [f for f in graph.facts() if f.owner.id == "compose/service:web" and f.role == Role.PUBLISH]
    assert [(f.value.number, f.location.path, f.location.line) for f in published] == [(8080, "common.yml", 5)]


def test_unset_variables_and_container_shell_variables_are_unknown() -> None:
    graph = scan_tree(RULES / "PL002" / "silent-compose-variables").graph
    facts = {(f.owner.name, f.field, f.value.text): f for f in graph.facts()}
    assert facts[("api", "ports.published", "8000")].value.number == 8000  # ${API_PORT:-8000}
    unknown = sorted(text for (owner, field, text), f in facts.items() if f.value.unresolved)
    assert unknown == ["$${PORT}", "$ADMIN_PORT", "${DEBUG_PORT?set DEBUG_PORT}", "${METRICS_PORT}:9100",
                       "${PORT}", "${WEB_PORT}"]
    probes = sorted(f.value.number for f in graph.facts() if f.role == Role.PROBE and not f.value.unresolved)
    assert probes == [8000]  # ${PORT:-8000}


def test_example_collection_services_select_their_own_example() -> None:
    graph = scan_tree(RULES / "PL101" / "silent-example-collection").graph
    links = sorted((link.source, link.target) for link in graph.links("selects"))
    paths = {e.id: e.location.path for e in graph.entities()}
    assert len(links) == 2
    assert all(paths[s].rsplit("/", 1)[0] == paths[t].rsplit("/", 1)[0] for s, t in links)


def test_kustomize_namespace_puts_objects_in_one_namespace() -> None:
    graph = scan_tree(RULES / "PL107" / "silent-kustomize-namespace").graph
    assert {e.ref.namespace for e in graph.entities() if e.ref.kind.startswith("k8s/")} == {"shop"}
    assert len(list(graph.links("selects"))) == 1


def test_unreadable_includes_are_notes_and_self_extends_stops(tmp_path: Path) -> None:
    _write(tmp_path, {
        "compose.yaml": "include:\n  - ../outside/compose.yaml\n  - missing.yaml\n  - path: [ok.yaml]\n"
                        "services:\n  a:\n    image: x\n    ports: ['80:80']\n",
        "ok.yaml": "services:\n  b:\n    image: y\n    ports: ['8080:80']\n    extends:\n      service: b\n",
    })
    result = scan_tree(tmp_path)
    notes = sorted((f.location.line, f.rule_id, f.severity.value) for f in result.findings)
    assert notes == [(2, "PL001", "note"), (3, "PL001", "note")]
    assert {e.ref.name for e in result.graph.entities("compose/service")} == {"a", "b"}
