"""Kustomize rendered without the binary (portlint.kustomize): patches as kustomize applies them,
builds, overlays as environments, notes for what cannot be rendered, and the reader on top."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from conftest import scan_tree
from portlint.kustomize import patch_json6902, patch_smp
from portlint.kustomize.builds import plan
from portlint.kustomize.nodes import copy, name_marks
from portlint.kustomize.render import Renderer
from portlint.model import Role
from portlint.readers import _yaml

HEAD = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: example/web:1
          ports:
            - containerPort: 8080
              name: http
        - name: proxy
          image: example/proxy:1
"""
SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports:
    - port: 80
      targetPort: 8080
"""


def _write(root: Path, files: dict[str, str]) -> list[str]:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return sorted(files)


def _node(text: str, rel: str = "x.yaml"):
    documents = _yaml.compose_documents(text)
    name_marks(documents, rel)
    return documents[0]


def _plain(node):
    return _yaml.plain(node)


# -- strategic merge ------------------------------------------------------------------------------


def test_smp_merges_container_ports_by_container_port_and_containers_by_name() -> None:
    base = copy(_node(DEPLOYMENT))
    patch = _node("""\
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
        - name: web
          ports:
            - containerPort: 8080
              protocol: TCP
            - containerPort: 9229
""", "patch.yaml")
    out = _plain(patch_smp.apply(base, patch, "Deployment"))
    containers = out["spec"]["template"]["spec"]["containers"]
    assert [c["name"] for c in containers] == ["web", "proxy"]  # merged by name, order kept
    assert containers[0]["ports"] == [{"containerPort": 8080, "name": "http", "protocol": "TCP"},
                                      {"containerPort": 9229}]  # a new containerPort is appended


def test_smp_service_ports_merge_by_port_and_patch_values_keep_the_patch_location() -> None:
    base = copy(_node(SERVICE))
    patch = _node("kind: Service\nmetadata: {name: web}\nspec:\n  ports:\n    - port: 80\n      targetPort: 9090\n",
                  "overlay/patch.yaml")
    merged = patch_smp.apply(base, patch, "Service")
    port = _yaml.seq(_yaml.get_path(merged, "spec", "ports"))[0]
    target = _yaml.get(port, "targetPort")
    assert target.value == "9090"
    assert (target.start_mark.name, target.start_mark.line + 1, target.start_mark.column + 1) == ("overlay/patch.yaml", 6, 19)


def test_smp_directives_null_delete_and_replace() -> None:
    base = copy(_node(DEPLOYMENT))
    patch = _node("""\
kind: Deployment
metadata: {name: web, labels: {team: a}}
spec:
  selector: null
  template:
    spec:
      containers:
        - name: proxy
          $patch: delete
        - name: web
          ports:
            - $patch: replace
            - containerPort: 7000
""")
    out = _plain(patch_smp.apply(base, patch, "Deployment"))
    assert "selector" not in out["spec"]
    assert out["metadata"] == {"name": "web", "labels": {"team": "a"}}  # the name is never patched
    containers = out["spec"]["template"]["spec"]["containers"]
    assert [c["name"] for c in containers] == ["web"]
    assert containers[0]["ports"] == [{"containerPort": 7000}]


def test_smp_unknown_directive_is_an_error() -> None:
    with pytest.raises(patch_smp.PatchError):
        patch_smp.apply(copy(_node(SERVICE)), _node("kind: Service\nspec: {$patch: explode}\n"), "Service")


# -- JSON 6902 ------------------------------------------------------------------------------------


def test_json6902_operations() -> None:
    base = copy(_node(DEPLOYMENT))
    ops = _node("""\
- {op: replace, path: /spec/template/spec/containers/0/ports/0/containerPort, value: 9090}
- {op: add, path: /spec/template/spec/containers/0/ports/-, value: {containerPort: 9091}}
- {op: add, path: /metadata/annotations, value: {a~b/c: x}}
- {op: copy, from: /spec/template/spec/containers/0/image, path: /spec/template/spec/containers/1/image}
- {op: move, from: /metadata/annotations, path: /metadata/notes}
- {op: remove, path: /metadata/notes/a~0b~1c}
- {op: test, path: /metadata/name, value: web}
""")
    out = _plain(patch_json6902.apply(base, ops))
    containers = out["spec"]["template"]["spec"]["containers"]
    assert containers[0]["ports"] == [{"containerPort": 9090, "name": "http"}, {"containerPort": 9091}]
    assert containers[1]["image"] == "example/web:1"
    assert out["metadata"] == {"name": "web", "notes": {}}


@pytest.mark.parametrize("op", [
    "{op: replace, path: /spec/missing/x, value: 1}",
    "{op: remove, path: /spec/template/spec/containers/5}",
    "{op: test, path: /metadata/name, value: other}",
    "{op: add, path: relative, value: 1}",
    "{op: frobnicate, path: /x}",
])
def test_json6902_refuses_what_kustomize_refuses(op: str) -> None:
    with pytest.raises(patch_json6902.PatchError):
        patch_json6902.apply(copy(_node(DEPLOYMENT)), _node(f"- {op}\n"))


# -- builds ---------------------------------------------------------------------------------------


def test_build_applies_namespace_prefix_labels_and_ingress_follows_the_renamed_service(tmp_path: Path) -> None:
    _write(tmp_path, {
        "base/kustomization.yaml": HEAD + "resources: [app.yaml, ingress.yaml, ns.yaml]\n",
        "base/app.yaml": DEPLOYMENT + "---\n" + SERVICE,
        "base/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n",
        "base/ingress.yaml": "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: in}\nspec:\n"
                             "  defaultBackend: {service: {name: web, port: {number: 80}}}\n  rules:\n"
                             "    - http: {paths: [{path: /, backend: {service: {name: other, port: {number: 80}}}}]}\n",
        "prod/kustomization.yaml": HEAD + "namespace: prod\nnamePrefix: p-\nnameSuffix: -1\n"
                                   "commonLabels: {tier: web}\nresources: [../base]\n",
    })
    resources, build = Renderer(tmp_path).build("prod/kustomization.yaml")
    by_kind = {r.kind: _plain(r.node) for r in resources}
    assert by_kind["Service"]["metadata"] == {"name": "p-web-1", "namespace": "prod", "labels": {"tier": "web"}}
    assert by_kind["Service"]["spec"]["selector"] == {"app": "web", "tier": "web"}
    template = by_kind["Deployment"]["spec"]["template"]["metadata"]["labels"]
    assert template == {"app": "web", "tier": "web"}
    assert by_kind["Deployment"]["spec"]["selector"]["matchLabels"] == {"app": "web", "tier": "web"}
    assert by_kind["Namespace"]["metadata"].get("namespace") is None  # cluster-scoped
    ingress = by_kind["Ingress"]["spec"]
    assert ingress["defaultBackend"]["service"]["name"] == "p-web-1"  # kustomize's name reference
    assert ingress["rules"][0]["http"]["paths"][0]["backend"]["service"]["name"] == "other"  # not built: kept
    assert build.notes == []
    assert build.files == {"base/kustomization.yaml", "base/app.yaml", "base/ingress.yaml", "base/ns.yaml",
                           "prod/kustomization.yaml"}


def test_labels_without_selectors_touch_metadata_only(tmp_path: Path) -> None:
    _write(tmp_path, {
        "k/kustomization.yaml": HEAD + "resources: [app.yaml]\nlabels:\n  - pairs: {team: a}\n"
                                "  - pairs: {tier: b}\n    includeTemplates: true\n",
        "k/app.yaml": DEPLOYMENT,
    })
    [resource], _ = Renderer(tmp_path).build("k/kustomization.yaml")
    out = _plain(resource.node)
    assert out["metadata"]["labels"] == {"team": "a", "tier": "b"}
    assert out["spec"]["selector"]["matchLabels"] == {"app": "web"}
    assert out["spec"]["template"]["metadata"]["labels"] == {"app": "web", "tier": "b"}


def test_patch_targets_regex_names_and_label_selectors(tmp_path: Path) -> None:
    other = DEPLOYMENT.replace("name: web\n", "name: api\n", 1).replace("{app: web}", "{app: api}")
    _write(tmp_path, {
        "k/kustomization.yaml": HEAD + "resources: [a.yaml, b.yaml]\npatches:\n"
                                "  - target: {kind: Deployment, name: 'w.*'}\n"
                                "    patch: '[{\"op\": \"add\", \"path\": \"/metadata/labels\", \"value\": {hit: name}}]'\n"
                                "  - target: {labelSelector: 'hit notin (name),!absent'}\n"
                                "    patch: |-\n      kind: Deployment\n      metadata: {name: ignored}\n"
                                "      spec: {replicas: 3}\n",
        "k/a.yaml": DEPLOYMENT, "k/b.yaml": other,
    })
    resources, build = Renderer(tmp_path).build("k/kustomization.yaml")
    out = {r.name: _plain(r.node) for r in resources}
    assert out["web"]["metadata"]["labels"] == {"hit": "name"} and "replicas" not in out["web"]["spec"]
    assert out["api"]["spec"]["replicas"] == 3 and "labels" not in out["api"]["metadata"]
    assert build.notes == []


def test_inline_patch_values_are_located_in_the_kustomization(tmp_path: Path) -> None:
    _write(tmp_path, {
        "k/kustomization.yaml": HEAD + "resources: [svc.yaml]\npatches:\n  - patch: |-\n"
                                "      kind: Service\n      metadata: {name: web}\n      spec:\n        ports:\n"
                                "          - port: 80\n            targetPort: 9000\n",
        "k/svc.yaml": SERVICE,
    })
    [resource], _ = Renderer(tmp_path).build("k/kustomization.yaml")
    port = _yaml.seq(_yaml.get_path(resource.node, "spec", "ports"))[0]
    mark = _yaml.get(port, "targetPort").start_mark
    assert (mark.name, mark.line + 1, mark.column + 1) == ("k/kustomization.yaml", 11, 25)


def test_cycles_remote_outside_and_missing_resources_are_notes_and_the_build_ends(tmp_path: Path) -> None:
    _write(tmp_path, {
        "a/kustomization.yaml": HEAD + "resources:\n  - ../b\n  - https://example.com/x.yaml\n  - ../../etc\n"
                                "  - missing.yaml\n  - emptydir\n",
        "a/emptydir/readme.txt": "",
        "b/kustomization.yaml": HEAD + "resources: [../a, svc.yaml]\n",
        "b/svc.yaml": SERVICE,
    })
    resources, build = Renderer(tmp_path).build("a/kustomization.yaml")
    assert [r.name for r in resources] == ["web"]
    messages = " | ".join(message for _, message in build.notes)
    for part in ("includes itself", "remote resource", "outside the scan root", "missing.yaml cannot be read",
                 "folder without a kustomization"):
        assert part in messages


def test_broken_kustomizations_and_patches_are_notes(tmp_path: Path) -> None:
    _write(tmp_path, {
        "a/kustomization.yaml": "resources: [\n",
        "b/kustomization.yaml": HEAD + "resources: [svc.yaml]\npatches:\n  - path: bad.yaml\n  - path: nothere.yaml\n"
                                "  - path: ops.yaml\n    target: {kind: Service}\n  - path: ops.yaml\n"
                                "helmCharts:\n  - name: x\n",
        "b/svc.yaml": SERVICE, "b/bad.yaml": "kind: [\n",
        "b/ops.yaml": "- {op: replace, path: /spec/nothing, value: 1}\n",
    })
    renderer = Renderer(tmp_path)
    resources, build = renderer.build("a/kustomization.yaml")
    assert resources == [] and "not rendered" in build.notes[0][1]
    resources, build = renderer.build("b/kustomization.yaml")
    messages = " | ".join(message for _, message in build.notes)
    assert [r.name for r in resources] == ["web"]
    for part in ("bad.yaml invalid YAML", "nothere.yaml cannot be read", "does not apply", "without a target",
                 "`helmCharts` is not rendered"):
        assert part in messages


def test_alias_bomb_in_a_resource_is_refused(tmp_path: Path) -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
        f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(7))
    _write(tmp_path, {"k/kustomization.yaml": HEAD + "resources: [bomb.yaml]\n", "k/bomb.yaml": bomb})
    resources, build = Renderer(tmp_path).build("k/kustomization.yaml")
    assert resources == [] and "too many nodes" in build.notes[0][1]


# -- plan: roots and environments -------------------------------------------------------------------


def test_overlays_sharing_a_base_are_environments_named_after_their_folders(tmp_path: Path) -> None:
    rels = _write(tmp_path, {
        "app/base/kustomization.yaml": HEAD + "resources: [app.yaml]\n", "app/base/app.yaml": SERVICE,
        "app/overlays/prod/kustomization.yaml": HEAD + "resources: [../../base]\n",
        "app/overlays/qa-eu/kustomization.yaml": HEAD + "resources: [../../base]\n",
        "solo/deploy/prod/kustomization.yaml": HEAD + "resources: [svc.yaml]\n", "solo/deploy/prod/svc.yaml": SERVICE,
        "comp/kustomization.yaml": "kind: Component\n",
    })
    kustomizations = [r for r in rels if r.endswith("kustomization.yaml")]
    scope = {"app": "app", "solo": "solo", "comp": "comp"}
    found = plan(kustomizations, tmp_path, lambda rel: scope[rel.split("/")[0]],
                 lambda rel: "prod" if "/prod/" in rel else None)
    assert [(r.kustomization, r.environment) for r in found.renders] == [
        ("app/overlays/prod/kustomization.yaml", "prod"), ("app/overlays/qa-eu/kustomization.yaml", "qa-eu"),
        ("solo/deploy/prod/kustomization.yaml", "prod")]
    assert "app/base/app.yaml" in found.managed and "comp/kustomization.yaml" not in found.managed


def test_reader_reads_each_overlay_and_never_the_base_on_its_own(tmp_path: Path) -> None:
    _write(tmp_path, {
        "base/kustomization.yaml": HEAD + "resources: [app.yaml]\n", "base/app.yaml": DEPLOYMENT + "---\n" + SERVICE,
        "base/loose.yaml": SERVICE.replace("web", "loose"),
        "dev/kustomization.yaml": HEAD + "resources: [../base]\n",
        "prod/kustomization.yaml": HEAD + "resources: [../base]\npatches:\n  - path: port.yaml\n"
                                   "    target: {kind: Deployment}\n",
        "prod/port.yaml": "- op: replace\n  path: /spec/template/spec/containers/0/ports/0/containerPort\n  value: 9090\n",
    })
    result = scan_tree(tmp_path, select=("PL101",))
    services = sorted((e.environment or "", e.attrs.get("kustomize") or "", e.location.path)
                      for e in result.graph.entities("k8s/Service"))
    assert services == [("", "", "base/loose.yaml"),  # a file no kustomization lists is read as it is
                        ("dev", "dev/kustomization.yaml", "base/app.yaml"),
                        ("prod", "prod/kustomization.yaml", "base/app.yaml")]
    listens = sorted((f.environment, f.value.text, f.location.path, f.location.line)
                     for f in result.graph.facts(role=Role.LISTEN))
    assert listens == [("dev", "8080", "base/app.yaml", 16), ("prod", "9090", "prod/port.yaml", 3)]
    [finding] = result.findings
    assert (finding.location.path, finding.location.line) == ("base/app.yaml", 29)
    assert any(r.location.path == "prod/port.yaml" for r in finding.related)
    assert finding.explain[-1] == "kustomize build: prod (prod/kustomization.yaml)"


def test_a_fault_in_the_base_is_one_finding_naming_every_overlay(tmp_path: Path) -> None:
    broken = SERVICE.replace("targetPort: 8080", "targetPort: 8081")
    _write(tmp_path, {
        "base/kustomization.yaml": HEAD + "resources: [app.yaml]\n", "base/app.yaml": DEPLOYMENT + "---\n" + broken,
        **{f"{env}/kustomization.yaml": HEAD + f"namespace: {env}\nresources: [../base]\n" for env in ("dev", "prod")},
    })
    [finding] = scan_tree(tmp_path, select=("PL101",)).findings
    assert finding.explain[-1] == ("kustomize builds that render this alike (one finding for all): "
                                   "dev (dev/kustomization.yaml), prod (prod/kustomization.yaml)")


def test_unrenderable_kustomization_leaves_its_files_to_be_read_as_written(tmp_path: Path) -> None:
    _write(tmp_path, {"k/kustomization.yaml": "resources: [\n", "k/svc.yaml": SERVICE})
    result = scan_tree(tmp_path)
    assert [e.location.path for e in result.graph.entities("k8s/Service")] == ["k/svc.yaml"]
    assert any("not rendered" in f.message for f in result.graph.failures)


def test_render_is_deterministic(tmp_path: Path) -> None:
    _write(tmp_path, {
        "base/kustomization.yaml": HEAD + "resources: [app.yaml]\ncommonLabels: {b: '2', a: '1'}\n",
        "base/app.yaml": DEPLOYMENT + "---\n" + SERVICE,
        "o1/kustomization.yaml": HEAD + "resources: [../base]\nnamePrefix: x-\n",
        "o2/kustomization.yaml": HEAD + "resources: [../base]\n",
    })
    first = [yaml.serialize(r.node) for r in Renderer(tmp_path).build("o1/kustomization.yaml")[0]]
    second = [yaml.serialize(r.node) for r in Renderer(tmp_path).build("o1/kustomization.yaml")[0]]
    assert first == second


def test_a_service_selects_every_matching_workload_of_its_build_wherever_it_is_written(tmp_path: Path) -> None:
    other = DEPLOYMENT.replace("name: web\n", "name: web-canary\n", 1)
    _write(tmp_path, {
        "app/base/web/kustomization.yaml": HEAD + "resources: [deployment.yaml, service.yaml]\n",
        "app/base/web/deployment.yaml": DEPLOYMENT, "app/base/web/service.yaml": SERVICE,
        "app/base/canary/kustomization.yaml": HEAD + "resources: [deployment.yaml]\n",
        "app/base/canary/deployment.yaml": other,
        "app/prod/kustomization.yaml": HEAD + "resources: [../base/web, ../base/canary]\n",
    })
    result = scan_tree(tmp_path)
    [service] = result.graph.entities("k8s/Service")
    selected = sorted(link.target for link in result.graph.outgoing(service.id, "selects"))
    assert selected == ["k8s/Deployment:web", "k8s/Deployment:web-canary"]  # kustomize applies both


def test_lists_are_flattened_and_a_delete_patch_removes_the_object(tmp_path: Path) -> None:
    listed = "apiVersion: v1\nkind: List\nitems:\n" + "".join(
        "  - " + doc.replace("\n", "\n    ").rstrip() + "\n"
        for doc in (SERVICE, SERVICE.replace("name: web", "name: old")))
    _write(tmp_path, {
        "k/kustomization.yaml": HEAD + "resources: [list.yaml]\npatches:\n  - patch: |-\n      apiVersion: v1\n"
                                "      kind: Service\n      metadata: {name: old}\n      $patch: delete\n",
        "k/list.yaml": listed,
    })
    resources, build = Renderer(tmp_path).build("k/kustomization.yaml")
    assert [r.name for r in resources] == ["web"] and build.notes == []
