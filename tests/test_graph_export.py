"""`portlint graph`: the port graph of the demo as JSON, DOT and Mermaid."""

from __future__ import annotations

import json

from conftest import ROOT, run_cli

DEMO = ROOT / "examples" / "genai-monorepo"


def _graph(fmt: str) -> str:
    proc = run_cli("graph", ".", "--format", fmt, cwd=DEMO)  # paths are relative to where you stand
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_json_graph_has_entities_links_and_facts() -> None:
    document = json.loads(_graph("json"))
    assert document["schema_version"] == 1
    nodes = {n["id"]: n for n in document["nodes"]}
    service = next(n for n in nodes.values() if n["kind"] == "k8s/Service" and n["name"] == "fastapi-service")
    assert {f["field"]: f["value"] for f in service["facts"]} == {"port": 80, "targetPort": 8000}
    assert service["location"]["path"] == "deploy/kubernetes/fastapi/service.yaml"
    edges = {(e["source"], e["kind"], e["target"]) for e in document["edges"]}
    selects = [e for e in document["edges"] if e["kind"] == "selects" and e["source"] == service["id"]]
    assert len(selects) == 1 and "app=fastapi" in selects[0]["reason"] and selects[0]["locations"]
    assert ("app/service:fastapi", "member", service["id"]) in edges
    assert all(e["source"] in nodes and e["target"] in nodes for e in document["edges"])


def test_json_graph_is_deterministic() -> None:
    assert _graph("json") == _graph("json")


def test_dot_and_mermaid() -> None:
    dot = _graph("dot")
    assert dot.startswith("digraph portlint {") and dot.rstrip().endswith("}")
    assert "-> " in dot and 'label="selects"' in dot and "fastapi-service" in dot
    mermaid = _graph("mermaid")
    assert mermaid.startswith("flowchart LR\n")
    assert "-->|routes-to|" in mermaid and "-->|selects|" in mermaid
