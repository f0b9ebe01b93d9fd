"""Application links (builds, runs, membership, proxies-to), the consistent apps tree, the demo."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import FIXTURES, ROOT, copy_tree, run_cli, scan_tree
from portlint.graph import members
from portlint.links.apps import code_ports, normalise_path
from portlint.model import Role

CONSISTENT = FIXTURES / "consistent" / "apps"
DEMO = ROOT / "examples" / "genai-monorepo"


def links(result, kind: str) -> set[tuple[str, str]]:
    return {(link.source, link.target) for link in result.graph.links(kind)}


def test_consistent_apps_tree_gives_no_findings_with_every_rule() -> None:
    result = scan_tree(CONSISTENT, select=("ALL",))  # hygiene rules too
    assert [f"{f.rule_id} {f.location}: {f.message}" for f in result.findings] == []


def test_consistent_tree_is_linked_across_stacks() -> None:
    result = scan_tree(CONSISTENT)
    assert links(result, "builds") == {("compose/service:api", "docker/image:services/Dockerfile")}
    assert links(result, "runs") == {
        ("compose/service:api", "code/python:services/risk_api.py"),
        ("docker/image:services/Dockerfile", "code/python:services/risk_api.py")}
    assert links(result, "proxies-to") == {
        ("code/vite:web/dashboard/vite.config.ts", "app/service:fastapi"),
        ("code/vite:web/dashboard/vite.config.ts", "app/service:dash")}
    fastapi = {e.id for e in members(result.graph, "fastapi")}
    assert {"code/python:services/risk_api.py", "compose/service:api", "docker/image:services/Dockerfile",
            "k8s/Deployment:fastapi-deployment", "config/yaml:config/dev.yaml#fastapi"} <= fastapi


@pytest.mark.parametrize(("path", "old", "new", "rule"), [
    ("web/dashboard/vite.config.ts", "localhost:8000", "localhost:8001", "PL403"),
    ("web/dashboard/vite.config.ts", "port: 3000", "port: 3001", "PL404"),
    ("services/risk_api.py", '"port", 8000', '"port", 8080', "PL401"),
    ("docker-compose.yml", '"8000:8000"', '"8000:8001"', "PL405"),
    ("deploy/kubernetes/fastapi.yaml", "containerPort: 8000", "containerPort: 8001", "PL402"),
    ("services/Dockerfile", "EXPOSE 8000", "EXPOSE 8001", "PL408"),
    ("docker-compose.yml", "127.0.0.1:5432:5432", "5432:5432", "PL407"),
    ("docker-compose.yml", "127.0.0.1:5432:5432", "8000:5432", "PL406"),
])
def test_breaking_the_consistent_tree_fires_the_rule(tmp_path: Path, path: str, old: str, new: str, rule: str) -> None:
    tree = tmp_path / "apps"
    copy_tree(CONSISTENT, tree)
    target = tree / path
    text = target.read_text(encoding="utf-8")
    assert old in text
    target.write_text(text.replace(old, new, 1), encoding="utf-8")
    fired = {f.rule_id for f in scan_tree(tree, select=(rule,)).findings}
    assert rule in fired


def test_code_ports_follow_the_configuration_per_environment(tmp_path: Path) -> None:
    result = scan_tree(CONSISTENT)
    (listen,) = result.graph.facts("code/python:services/risk_api.py", Role.LISTEN)
    (port,) = code_ports(result.graph, listen)  # every environment agrees: one value
    assert (port.number, port.environment, port.source.layer) == (8000, None, "env")  # .env.example outranks YAML
    copy_tree(CONSISTENT / "config", tmp_path / "config")
    shutil.copy(CONSISTENT / "services" / "risk_api.py", tmp_path / "risk_api.py")
    prod = tmp_path / "config" / "prod.yaml"
    prod.write_text(prod.read_text().replace("port: 8000", "port: 8001"))
    result = scan_tree(tmp_path)
    (listen,) = result.graph.facts("code/python:risk_api.py", Role.LISTEN)
    assert {(p.number, p.environment) for p in code_ports(result.graph, listen)} == {(8000, "dev"), (8001, "prod")}
    assert {(p.number, p.environment) for p in code_ports(result.graph, listen, ["prod"])} == {(8001, "prod")}


def test_a_container_env_var_overrides_the_configuration(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("import os, uvicorn\nuvicorn.run('app:app', port=int(os.getenv('FASTAPI_PORT', '8000')))\n")
    (tmp_path / "compose.yaml").write_text(
        "services:\n  api:\n    image: python\n    command: python app.py\n"
        "    environment:\n      FASTAPI_PORT: 8001\n    ports: ['8001:8001']\n")
    result = scan_tree(tmp_path)
    assert not [f for f in result.findings if f.rule_id == "PL405"]


@pytest.mark.parametrize(("written", "normal"), [("/api", "/api"), ("/api/*", "/api"), ("^/api/.*", "/api"),
                                                 ("/api/", "/api"), ("/", "")])
def test_normalise_path(written: str, normal: str) -> None:
    assert normalise_path(written) == normal


def test_demo_services_gather_every_stack() -> None:
    result = scan_tree(DEMO)
    kinds = {name: {e.ref.kind for e in members(result.graph, name)} for name in ("fastapi", "dash", "web")}
    assert {"code/python", "config/yaml", "config/env", "config/parameter-store", "k8s/Deployment",
            "k8s/Container", "k8s/Service", "tf/aws_lb_target_group"} <= kinds["fastapi"]
    assert {"code/python", "config/yaml", "k8s/Container"} <= kinds["dash"]
    assert {"code/vite", "config/yaml", "k8s/Container", "tf/aws_lb_target_group"} <= kinds["web"]
    (proxy,) = result.graph.links("proxies-to")
    assert (proxy.source, proxy.target) == ("code/vite:web/dashboard/vite.config.ts", "app/service:fastapi")
    assert "Ingress mono-repo-ingress routes /api/*" in proxy.reason
    # the spec's Deployments set PORT while the apps read fastapi.port / dash.port through
    # get_config(): whether that loader reads PORT is not visible, so PL410 stays silent
    assert not [f for f in result.findings if f.rule_id.startswith("PL4")]


def test_demo_json_lists_code_facts_under_their_services() -> None:
    proc = run_cli("check", str(DEMO), "--format", "json-full")
    assert proc.returncode in (0, 1), proc.stderr
    assert "services" not in json.loads(run_cli("check", str(DEMO), "--format", "json").stdout)
    services = {s["name"]: s for s in json.loads(proc.stdout)["services"]}
    fastapi_facts = {(f["location"]["path"], f["role"]) for f in services["fastapi"]["facts"]}
    assert ("services/risk_api.py", "listen") in fastapi_facts and ("services/risk_api.py", "default") in fastapi_facts
    web_facts = {(f["location"]["path"], f["role"]) for f in services["web"]["facts"]}
    assert ("web/dashboard/vite.config.ts", "listen") in web_facts
    assert ("dash/risk_dashboard.py", "default") in {(f["location"]["path"], f["role"]) for f in services["dash"]["facts"]}
