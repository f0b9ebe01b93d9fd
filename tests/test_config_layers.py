"""Configuration layers: the app-config, Parameter Store and env-file readers, effective values,
``portlint config``, and the config rules on the demo and on a consistent tree."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import FIXTURES, ROOT, run_cli, scan_tree
from portlint.config import Config, load_config, parse_config
from portlint.discover import discover
from portlint.engine import build_graph
from portlint.reading import read_all
from portlint.graph import PortGraph, service_of
from portlint.layers import by_key, contributions, effective_values, environments
from portlint.model import Entity, EntityRef, Location, PortFact, PortValue, Role
from portlint.readers import ReadContext
from portlint.readers._config_keys import key_for_env_var
from portlint.readers.envfile import parse_line

READERS = FIXTURES / "readers" / "config"
DEMO = ROOT / "examples" / "genai-monorepo"


def graph_of(root: Path, config: Config | None = None) -> PortGraph:
    """Discover, read and link a tree (no rules), with its own config unless one is given."""
    config = config or load_config(root)
    found = discover([root], root, config)
    output, _ = read_all(found, ReadContext(root=root, config=config))
    return build_graph(output, config)


def facts_by_key(graph: PortGraph, layer: str) -> dict[tuple[str, str | None], PortFact]:
    return {(f.attrs["config_key"], f.environment): f for f in graph.facts()
            if f.attrs.get("layer") == layer and "config_key" in f.attrs}


def settings_by_key(graph: PortGraph, layer: str) -> dict[tuple[str, str | None], str]:
    return {(s.key, s.environment): s.value for s in graph.settings() if s.attrs.get("layer") == layer}


def line_col(path: Path, needle: str, occurrence: int = 1) -> tuple[int, int]:
    """1-based line and character column of the n-th ``needle`` in a file."""
    seen = 0
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        start = 0
        while (index := line.find(needle, start)) != -1:
            seen += 1
            if seen == occurrence:
                return number, index + 1
            start = index + 1
    raise AssertionError(f"{needle!r} not in {path}")


# -- env var names ------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "expected"), [
    ("FASTAPI_PORT", ("fastapi", "port")),
    ("AIRFLOW_WEBSERVER_PORT", ("airflow_webserver", "port")),  # no catalog entry airflow: the stem
    ("AIRFLOW__WEBSERVER__WEB_SERVER_PORT", ("airflow", "webserver.web_server_port")),  # Airflow's own
    ("GF_SERVER_HTTP_PORT", ("grafana", "http_port")),  # the well-known images table
    ("PGPORT", ("postgres", "port")),
    ("DATABASE_PORT", ("postgres", "port")),
    ("REDIS_PORT", ("redis", "port")),
    ("RISK_API_PORT", ("fastapi", "port")),
    ("API_PORT", ("fastapi", "port")),
    ("FASTAPI_WORKERS", ("fastapi", "workers")),
    ("PORT", None),
    ("DATABASE_URL", None),
    ("AIRFLOW__CORE__EXECUTOR", ("airflow", "core.executor")),
    ("AIRFLOW__CORE__DAGS_FOLDER", None),
])
def test_env_vars_name_services_through_the_catalog(name, expected) -> None:
    config = parse_config({"services": {
        "postgres": {"port": 5432, "aliases": ["database"]},
        "fastapi": {"port": 8000, "aliases": ["risk-api"], "env": ["API_PORT"]},
    }}, "test")
    assert key_for_env_var(name, config) == expected


def test_catalog_prefix_names_the_rest_as_key() -> None:
    config = parse_config({"services": {"airflow": {"port": 8080}}}, "test")
    assert key_for_env_var("AIRFLOW_WEBSERVER_PORT", config) == ("airflow", "webserver_port")


def test_env_vars_without_catalog_use_the_stem() -> None:
    config = Config()
    assert key_for_env_var("DATABASE_PORT", config) == ("database", "port")
    assert key_for_env_var("AIRFLOW_WEBSERVER_PORT", config) == ("airflow_webserver", "port")  # no special case
    assert key_for_env_var("WEB_PORT", config) == ("web", "port")


# -- app config YAML ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def app_graph() -> PortGraph:
    return graph_of(READERS / "app")


def test_app_config_reads_ports_per_environment_with_exact_positions(app_graph) -> None:
    facts = facts_by_key(app_graph, "yaml")
    dev_port = facts[("fastapi.port", "dev")]
    assert dev_port.value.number == 8000 and dev_port.role is Role.CONFIG
    assert dev_port.attrs["field"] == "risk_api.port"  # as written; the key is the catalog's name
    line, column = line_col(READERS / "app/config/dev.yaml", "8000")
    assert dev_port.location == Location("config/dev.yaml", line, column)
    assert facts[("fastapi.port", "prod")].location.path == "config/prod.yaml"
    assert facts[("dash.port", "local")].value.number == 8050  # local.yaml beside base.yaml is an env


def test_app_config_quoted_numbers_are_ports_and_marked(app_graph) -> None:
    dash = facts_by_key(app_graph, "yaml")[("dash.port", "dev")]
    assert dash.value.number == 8050 and dash.attrs["quoted"] is True
    line, column = line_col(READERS / "app/config/dev.yaml", '"8050"')
    assert (dash.location.line, dash.location.column) == (line, column)


def test_app_config_keeps_invalid_and_unresolved_values_for_the_rules(app_graph) -> None:
    facts = facts_by_key(app_graph, "yaml")
    assert facts[("web.port", "dev")].value.text == "80a"
    assert facts[("web.port", "dev")].value.number is None
    nested = facts[("dash.server.port", "dev")]
    assert nested.value.unresolved and nested.value.text == "${METRICS_PORT}"


def test_app_config_merge_keys_apply_and_templates_are_no_service(app_graph) -> None:
    settings = settings_by_key(app_graph, "yaml")
    assert settings[("fastapi.host", None)] == "0.0.0.0"  # merged from the x-common anchor
    assert settings[("fastapi.reload", None)] == "false"
    assert settings[("fastapi.reload", "dev")] == "true"  # YAML `yes`
    assert settings[("dash.debug", "dev")] == "true"  # YAML `True`
    assert settings[("fastapi.workers", "prod")] == "8"
    host = next(s for s in app_graph.settings("fastapi.host"))
    line, column = line_col(READERS / "app/config/base.yaml", '"0.0.0.0"')
    assert host.location == Location("config/base.yaml", line, column)  # where the anchor writes it
    services = {e.ref.name for e in app_graph.entities("app/service")}
    assert "x-common" not in services and "app" not in services


def test_app_config_owners_join_their_logical_service(app_graph) -> None:
    owner = facts_by_key(app_graph, "yaml")[("fastapi.port", "dev")].owner
    assert owner.kind == "config/yaml"
    service = service_of(app_graph, owner.id)
    assert service is not None and service.ref.name == "fastapi"


def test_app_config_ignores_kubernetes_manifests_and_files_outside_the_globs(app_graph) -> None:
    paths = {f.location.path for f in app_graph.facts()}
    assert "config/configmap.yaml" not in paths
    assert "deploy/values.yaml" not in paths
    assert not app_graph.failures


def test_app_config_globs_are_configurable() -> None:
    config = parse_config({"app-config": ["deploy/*.yaml"]}, "test")
    graph = graph_of(READERS / "app", config)
    assert {f.location.path for f in graph.facts() if f.attrs.get("layer") == "yaml"} == {"deploy/values.yaml"}


def test_app_config_invalid_yaml_and_alias_bombs_are_failures_not_crashes() -> None:
    broken = graph_of(READERS / "broken")
    assert [(f.location.path, f.reader) for f in broken.failures] == [("config/dev.yaml", "app-config")]
    assert broken.failures[0].location.line == 3
    bomb = graph_of(READERS / "bomb")
    assert [f.reader for f in bomb.failures] == ["app-config"]
    assert "bomb" in bomb.failures[0].message


# -- Parameter Store ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ps_graph() -> PortGraph:
    return graph_of(READERS / "parameter_store")


def test_parameter_store_script_values_env_vars_and_positions(ps_graph) -> None:
    facts = facts_by_key(ps_graph, "parameter-store")
    port = facts[("fastapi.port", None)]
    assert port.value.number == 8000 and port.attrs["env_var"] == "FASTAPI_PORT"
    script = READERS / "parameter_store/scripts/setup_environment_config.py"
    line, column = line_col(script, "os.getenv('FASTAPI_PORT'")
    assert port.location == Location("scripts/setup_environment_config.py", line, column)  # after 'hôte': chars
    airflow = facts[("airflow.webserver_port", None)]
    assert airflow.value.number == 8080 and airflow.attrs["env_var"] == "AIRFLOW_WEBSERVER_PORT"
    assert facts[("dash.port", None)].value.number == 8050  # str(DASH_PORT), a module constant
    web = facts[("web.port", None)]
    assert web.value.unresolved and web.attrs["env_var"] == "WEB_PORT"


def test_parameter_store_conditionals_give_one_value_per_environment(ps_graph) -> None:
    settings = settings_by_key(ps_graph, "parameter-store")
    assert [settings[("fastapi.workers", env)] for env in ("dev", "uat", "staging", "prod")] == ["1", "4", "4", "4"]
    assert [settings[("fastapi.debug", env)] for env in ("dev", "uat", "prod")] == ["true", "false", "false"]
    assert [settings[("fastapi.reload", env)] for env in ("dev", "uat", "prod")] == ["true", "true", "false"]
    assert settings[("airflow.namespace", "prod")] == "airflow-prod"
    assert settings[("airflow.executor", None)] == "KubernetesExecutor"
    assert settings[("dash.debug", None)] == "false"
    assert ("airflow.dag_dir", None) not in settings
    conditional = [s for s in ps_graph.settings("fastapi.workers") if s.location.path.endswith("config.py")]
    assert len(conditional) == 4 and all(s.attrs.get("env_conditional") for s in conditional)


def test_parameter_paths_in_scripts_and_docs(ps_graph) -> None:
    facts = facts_by_key(ps_graph, "parameter-store")
    runbook = facts[("fastapi.port", "prod")]
    assert runbook.value.number == 8001 and runbook.attrs["documented"] is True
    assert runbook.attrs["parameter"] == "/prod/mono-repo/fastapi/port"
    line, column = line_col(READERS / "parameter_store/docs/runbook.md", "8001")
    assert runbook.location == Location("docs/runbook.md", line, column)
    staging = facts[("web.port", "staging")]
    assert staging.value.number == 3000 and "documented" not in staging.attrs
    assert staging.location.path == "scripts/rotate.sh"
    rotated = [(s.value, s.environment) for s in ps_graph.settings("fastapi.workers") if s.location.path == "scripts/rotate.sh"]
    assert rotated == [("6", "uat")]
    assert facts[("dash.port", "uat")].location.path == "scripts/validate_parameter_store.py"
    assert ("web.port", "prod") not in facts  # get-parameter: a path without a value
    assert not any(f.environment == "qa" for f in ps_graph.facts())  # not a configured environment
    in_runbook = [f for f in ps_graph.facts() if f.location.path == "docs/runbook.md"]
    assert in_runbook == [runbook]  # the next command's --value is not this path's


def test_parameter_path_pattern_skips_urls_and_templates() -> None:
    from portlint.readers.parameter_store import _path_pattern

    pattern = _path_pattern(("dev", "prod"))
    assert not pattern.search("see https://example.com/prod/mono-repo/fastapi/port")
    assert not pattern.search("Name=f'/{self.environment}/mono-repo/{service}/{key}'")
    assert not pattern.search("/prod/port")  # needs /<env>/<anything>/<service>/<key>
    match = pattern.search('--name "/prod/mono-repo/team/fastapi/port"')
    assert match and match.group("rest") == "mono-repo/team/fastapi/port"


def test_parameter_store_ignores_validation_lambdas_and_leaves_syntax_errors_to_python(ps_graph) -> None:
    from portlint.readers import parameter_store

    validate = [f for f in ps_graph.facts() if f.location.path == "scripts/validate_parameter_store.py"]
    assert [f.environment for f in validate] == ["uat"]
    root = READERS / "parameter_store"
    config = load_config(root)
    broken = [f for f in discover([root], root, config).files if f.rel == "broken/setup.py"]
    output = parameter_store.read(broken, ReadContext(root=root, config=config))
    assert not output.facts and not output.failures
    assert [f.location.path for f in ps_graph.failures] == ["broken/setup.py"]  # reported once, by python


# -- env files ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("line", "expected"), [
    ("FASTAPI_PORT=8000", ("FASTAPI_PORT", "8000", 13)),
    ("export WEB_PORT = 3000  ", ("WEB_PORT", "3000", 18)),
    ('DASH_PORT="8050" # quoted', ("DASH_PORT", "8050", 11)),
    ("FASTAPI_DEBUG=true # note", ("FASTAPI_DEBUG", "true", 14)),
    ("not a variable", None),
])
def test_env_line_parsing(line, expected) -> None:
    assert parse_line(line) == expected


@pytest.fixture(scope="module")
def env_graph() -> PortGraph:
    return graph_of(READERS / "envfiles")


def test_env_files_map_variables_to_services(env_graph) -> None:
    facts = facts_by_key(env_graph, "env")
    assert facts[("fastapi.port", None)].attrs["example"] is True
    assert facts[("postgres.port", None)].attrs["env_var"] == "DATABASE_PORT"
    assert facts[("airflow.webserver_port", None)].value.number == 8080
    assert facts[("redis.port", None)].value.number == 6379
    assert facts[("dash.port", "dev")].value.number == 8050
    assert facts[("dash.port", "prod")].location == Location("deploy/prod.env", 1, 11)
    web_dev = facts[("web.port", "dev")]
    assert web_dev.value.number == 3001 and web_dev.location == Location(".env.dev", 3, 11)
    assert settings_by_key(env_graph, "env") == {("fastapi.workers", "dev"): "2", ("fastapi.debug", "dev"): "true"}
    bare = [f for f in env_graph.facts() if f.attrs.get("env_var") == "PORT"]
    assert len(bare) == 1 and bare[0].value.unresolved and "config_key" not in bare[0].attrs
    assert not any(f.location.path == ".envrc" for f in env_graph.facts())
    assert not any(f.attrs.get("env_var") in ("EMPTY_PORT", "DATABASE_URL") for f in env_graph.facts())


def test_env_owners_join_their_logical_service(env_graph) -> None:
    owner = facts_by_key(env_graph, "env")[("postgres.port", None)].owner
    assert owner.kind == "config/env"
    assert service_of(env_graph, owner.id).ref.name == "postgres"


# -- effective values -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_graph() -> PortGraph:
    return graph_of(DEMO)


def test_demo_environments_come_from_its_files(demo_graph) -> None:
    assert environments(demo_graph) == ["dev", "uat", "prod"]


def test_dash_port_in_prod_comes_from_parameter_store(demo_graph) -> None:
    value = by_key(effective_values(demo_graph))[("dash", "port")]["prod"]
    assert value.winner.layer == "parameter-store" and value.winner.number == 8050
    assert value.winner.location.path == "scripts/setup_environment_config.py"
    layers = [c.layer for c in value.layer_values()]
    assert layers[:3] == ["parameter-store", "env", "yaml"]
    assert {c.location.path for c in value.overridden()} >= {".env.example", "config/prod.yaml"}


def test_workers_per_environment_and_the_dead_yaml_values(demo_graph) -> None:
    workers = by_key(effective_values(demo_graph))[("fastapi", "workers")]
    assert {env: v.winner.text for env, v in workers.items()} == {"dev": "1", "uat": "4", "prod": "4"}
    prod_yaml = [c for c in workers["prod"].overridden() if c.layer == "yaml"]
    assert [(c.text, c.location.path) for c in prod_yaml] == [("8", "config/prod.yaml")]


def test_documented_values_never_win(demo_graph) -> None:
    value = by_key(effective_values(demo_graph))[("fastapi", "port")]["prod"]
    documented = [c for c in value.contributions if c.documented]
    assert [(c.number, c.location.path) for c in documented] == [(8001, "docs/runbook.md")]
    assert value.winner.number == 8000 and not value.winner.documented


def test_effective_values_take_any_readers_layered_facts() -> None:
    """A code default from another reader (role default, layer code) is the lowest layer."""
    graph = PortGraph(Config())
    app = Entity(ref=EntityRef("code/python", "svc.py"), location=Location("svc.py"), attrs={"service": "api"})
    yaml_owner = Entity(ref=EntityRef("config/yaml", "config/dev.yaml#api"), location=Location("config/dev.yaml"),
                        environment="dev", attrs={"service": "api"})
    graph.add_entity(app)
    graph.add_entity(yaml_owner)
    graph.add_fact(PortFact(PortValue.parse(9000), Role.DEFAULT, app.ref, Location("svc.py", 3, 20),
                            attrs={"layer": "code", "config_key": "api.port"}))
    graph.add_fact(PortFact(PortValue.parse(9001), Role.CONFIG, yaml_owner.ref, Location("config/dev.yaml", 2, 9),
                            environment="dev", attrs={"layer": "yaml", "config_key": "api.port"}))
    graph.add_fact(PortFact(PortValue.parse("8000"), Role.DEFAULT, app.ref, Location("svc.py", 9, 30),
                            attrs={"layer": "code", "env_var": "API_PORT"}))
    values = by_key(effective_values(graph))[("api", "port")]
    assert environments(graph) == ["dev"]
    assert values["dev"].winner.number == 9001
    assert [(c.layer, c.number) for c in values["dev"].contributions] == [("yaml", 9001), ("code", 9000), ("code", 8000)]
    assert len(contributions(graph)) == 3


def test_two_readers_of_one_spot_count_once_for_the_higher_layer() -> None:
    graph = PortGraph(Config())
    owner = Entity(ref=EntityRef("x/y", "s#api"), location=Location("s.py"), attrs={"service": "api"})
    graph.add_entity(owner)
    for layer in ("code", "parameter-store"):
        graph.add_fact(PortFact(PortValue.parse(8000), Role.CONFIG, owner.ref, Location("s.py", 4, 9),
                                attrs={"layer": layer, "config_key": "api.port"}))
    assert [c.layer for c in contributions(graph)] == ["parameter-store"]


# -- portlint config ------------------------------------------------------------------------------


def test_config_command_answers_what_port_dash_gets_in_prod() -> None:
    done = run_cli("config", str(DEMO), "--service", "dash", "--env", "prod", "--key", "port")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "dash.port [prod] = 8050  from parameter-store at scripts/setup_environment_config.py:58"
    assert any("config/prod.yaml:7:9" in line and "overridden" in line for line in lines)
    assert all("[dev]" not in line for line in lines)


def test_config_command_json_has_every_layer_and_aliases_work() -> None:
    done = run_cli("config", str(DEMO), "--service", "risk-api", "--key", "workers", "--format", "json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["environments"] == ["dev", "uat", "prod"]
    rows = {v["environment"]: v for v in data["values"]}
    assert {env: row["value"] for env, row in rows.items()} == {"dev": "1", "uat": "4", "prod": "4"}
    prod = rows["prod"]
    assert prod["source"]["layer"] == "parameter-store"
    statuses = {(c["layer"], c["location"]["path"]): c["status"] for c in prod["contributions"]}
    assert statuses[("yaml", "config/prod.yaml")] == "overridden"
    assert statuses[("yaml", "config/base.yaml")] == "shadowed"


def test_config_command_port_key_covers_webserver_port_and_unknown_env_is_a_usage_error() -> None:
    done = run_cli("config", str(DEMO), "-s", "airflow", "-e", "dev", "-k", "port")
    assert done.stdout.startswith("airflow.webserver_port [dev] = 8080")
    bad = run_cli("config", str(DEMO), "--env", "staging")
    assert bad.returncode == 2 and "staging" in bad.stderr


# -- rules end to end -----------------------------------------------------------------------------


def test_demo_reports_the_specs_overridden_workers_and_the_runbook_port() -> None:
    result = scan_tree(DEMO, select=("PL3",))
    found = sorted((f.rule_id, f.location.short) for f in result.findings)
    assert found == [("PL302", "config/dev.yaml:4"), ("PL302", "config/prod.yaml:4"),
                     ("PL302", "config/uat.yaml:4"), ("PL303", "docs/runbook.md:15")]
    prod = next(f for f in result.findings if f.location.path == "config/prod.yaml")
    assert "parameter-store layer wins with '4'" in prod.message
    assert prod.related[0].location.short == "scripts/setup_environment_config.py:45"
    assert prod.key and "config/prod.yaml" in prod.key and not any(ch.isdigit() for ch in prod.key.split("|")[2])


def test_a_consistent_tree_gives_no_findings() -> None:
    result = scan_tree(FIXTURES / "consistent" / "config")
    assert [(f.rule_id, f.location.short, f.message) for f in result.findings] == []
    assert not result.graph.failures
    values = effective_values(result.graph)
    assert len({v.config_key for v in values}) >= 10  # the tree really is read


def test_oversized_docs_are_skipped_without_a_note_of_ours() -> None:
    config = parse_config({"max-file-size": 64}, "test")
    graph = graph_of(READERS / "parameter_store", config)
    ours = sorted(f.location.path for f in graph.failures if f.reader == "parameter-store")
    assert ours == ["scripts/rotate.sh"]  # shell scripts are only ours; docs and .py are not noted by us
    assert not [f for f in graph.facts() if f.location.path == "docs/runbook.md"]


def test_client_addresses_in_the_vocabulary() -> None:
    from portlint.readers._config_keys import bundle_peer, by_lower_name, client_host

    assert client_host("REDIS_PORT", by_lower_name({"REDIS_HOST": "redis"})) == "redis"
    assert client_host("SMTP_PORT", by_lower_name({"SMTP_SERVER": "smtp.example.com"})) == "smtp.example.com"
    assert client_host("port", by_lower_name({"host": "cache.internal", "port": "6379"})) == "cache.internal"
    assert client_host("API_PORT", by_lower_name({"API_HOST": "0.0.0.0"})) is None  # a bind host: its own port
    assert client_host("API_PORT", by_lower_name({"API_HOST": "localhost"})) is None
    assert client_host("API_PORT", {"API_HOST": "${HOST}"}) is None  # unknown host
    assert client_host("API_PORT", by_lower_name({"DB_HOST": "db"})) is None  # another key's host
    assert client_host("API_WORKERS", by_lower_name({"API_HOST": "db"})) is None  # not a port
    assert bundle_peer("EXPO_PUBLIC_GATE_PORT") == ("EXPO_PUBLIC_", "gate")
    assert bundle_peer("NEXT_PUBLIC_API_PORT") == ("NEXT_PUBLIC_", "api")
    assert bundle_peer("REACT_APP_BACKEND_PORT") == ("REACT_APP_", "backend")
    assert bundle_peer("VITE_PORT") is None  # the dev server's own port names no peer
    assert bundle_peer("GATE_PORT") is None
