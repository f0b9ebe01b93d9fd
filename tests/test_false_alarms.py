"""Findings that real repositories showed to be false or misleading, each with its twin."""

from __future__ import annotations

from conftest import FIXTURES, scan_tree
from portlint.model import Severity

RULES = FIXTURES / "rules"


def test_published_port_against_expose_only_blames_the_declaration() -> None:
    findings = scan_tree(RULES / "PL405" / "fire-expose-declares-other-port", select=("PL405",)).findings
    assert [(f.location.short, f.severity) for f in findings] == [("compose.yaml:13", Severity.WARNING)]
    message = findings[0].message
    assert "`expose` declares 5432" in message and "listens on 5432" not in message and "reset" not in message
    assert any("PORT=8080" in r.message for r in findings[0].related)


def test_published_port_against_a_listener_is_still_an_error_at_the_mapping() -> None:
    findings = scan_tree(RULES / "PL405" / "fire-dockerfile-cmd", select=("PL405",)).findings
    assert [(f.location.short, f.severity) for f in findings] == [("docker-compose.yml:5", Severity.ERROR)]
    assert "listens on 8000" in findings[0].message


def test_vite_fallback_live_in_development_is_not_compared_with_another_mode() -> None:
    assert scan_tree(RULES / "PL401" / "silent-vite-mode-file", select=("PL401",)).findings == []
    findings = scan_tree(RULES / "PL401" / "fire-vite-mode-file-fallback-never-live", select=("PL401",)).findings
    assert [f.location.short for f in findings] == ["ui/vite.config.ts:7"]
    assert "ci: 5200" in findings[0].message and "development: 5200" in findings[0].message


def _services(tree) -> list[str]:
    graph = scan_tree(tree).graph
    return sorted(e.ref.name for e in graph.entities("app/service") if graph.outgoing(e.id, "member"))


def test_separate_apps_with_one_service_name_are_two_services() -> None:
    assert _services(RULES / "PL404" / "silent-separate-apps-one-name") == ["blog/web", "shop/web"]


def _write(root, files: dict[str, str]) -> None:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)


_COMPOSE_API = "services:\n  api:\n    image: example/api:1\n    ports: ['8000:8000']\n"
_K8S_API = ("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  selector:\n"
            "    matchLabels: {app: api}\n  template:\n    metadata:\n      labels: {app: api}\n    spec:\n"
            "      containers:\n        - name: api\n          image: example/api:1\n"
            "          ports:\n            - containerPort: 8000\n")


def test_one_app_deployed_two_ways_stays_one_service(tmp_path) -> None:
    _write(tmp_path, {".env": "API_PORT=8000\n", "compose.yaml": _COMPOSE_API, "deploy/k8s/kustomization.yaml": "resources:\n  - api.yaml\n",
                      "deploy/k8s/api.yaml": _K8S_API, "charts/api/Chart.yaml": "apiVersion: v2\nname: api\nversion: 1.0.0\n",
                      "charts/api/templates/api.yaml": _K8S_API})
    assert _services(tmp_path) == ["api"]


def test_one_app_per_environment_folder_stays_one_service(tmp_path) -> None:
    _write(tmp_path, {".env": "API_PORT=8000\n", "deploy/dev/compose.yaml": _COMPOSE_API,
                      "deploy/prod/compose.yaml": _COMPOSE_API})
    assert _services(tmp_path) == ["api"]


def test_nested_configs_bound_separate_apps(tmp_path) -> None:
    _write(tmp_path, {"a/.portlint.toml": "", "a/deploy.yaml": _K8S_API, "a/.env": "API_PORT=8000\n",
                      "b/.portlint.toml": "", "b/deploy.yaml": _K8S_API, "b/.env": "API_PORT=8000\n"})
    assert _services(tmp_path) == ["a/api", "b/api"]


def test_a_chart_under_charts_is_not_a_subchart_of_a_compose_folder(tmp_path) -> None:
    from portlint.scopes import build_scopes

    scopes = build_scopes(["compose.yaml", "charts/api/Chart.yaml", "charts/api/templates/a.yaml",
                           "charts/api/charts/db/Chart.yaml", "charts/api/charts/db/templates/b.yaml"], tmp_path)
    assert scopes.of("charts/api/templates/a.yaml") == "charts/api"
    assert scopes.of("charts/api/charts/db/templates/b.yaml") == "charts/api"


def test_a_template_for_another_tool_is_a_note_not_an_error() -> None:
    findings = scan_tree(RULES / "PL001" / "fire-foreign-templates-noted", select=("PL001",)).findings
    assert {f.severity for f in findings} == {Severity.NOTE}
    assert all("a template for another tool" in f.message for f in findings)


def test_broken_yaml_beside_a_template_is_still_an_error_at_its_own_line() -> None:
    findings = scan_tree(RULES / "PL001" / "fire-broken-yaml-beside-template", select=("PL001",)).findings
    assert [(f.location.short, f.severity) for f in findings] == [("broken.py:7", Severity.ERROR),
                                                                  ("bundle.yaml:15", Severity.ERROR)]
    assert not any("template" in f.message for f in findings)


def test_a_placeholder_port_is_unknown_not_invalid() -> None:
    graph = scan_tree(RULES / "PL002" / "silent-manifest-placeholders").graph
    values = {f.value.text: f.value.unresolved for f in graph.facts()}
    assert values["${LEDGER_PORT:-7310}"] and values["LISTEN_PORT"] and values["{{cookiecutter.http_port}}"]


def test_a_listen_address_setting_is_its_port_and_an_empty_one_states_none() -> None:
    graph = scan_tree(RULES / "PL002" / "silent-setting-listen-address-or-empty").graph
    by_var = {f.attrs.get("env_var"): f.value.number for f in graph.facts() if f.attrs.get("env_var")}
    assert by_var["BEACON_LISTEN_PORT"] == 8125 and by_var["BEACON_ADMIN_PORT"] == 8126
    assert by_var["BEACON_PROBE_PORT"] == 8127 and by_var["BEACON_GOSSIP_PORT"] == 7946
    assert not {"BEACON_SMTP_PORT", "BEACON_STATS_PORT", "BEACON_DEBUG_PORT", "BEACON_TRACE_PORT"} & set(by_var)
