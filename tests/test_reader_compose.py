"""The compose reader on real files: ports (short, long, ranges, IPv6, YAML 1.1), interpolation,
expose, environment, command, healthcheck, build; and the interpolation / port-spec helpers."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import FIXTURES
from portlint.config import Config
from portlint.discover import discover
from portlint.model import Location, Role, Severity
from portlint.readers import ReadContext, compose
from portlint.readers._app_compose import DotenvValue, interpolate, parse_port_spec

TREE = FIXTURES / "readers" / "compose"
ENV = {"API_PORT": DotenvValue("8000", Location(".env", 1, 10)), "EMPTY": DotenvValue("", Location(".env", 2, 7))}


def read(tree: Path = TREE):
    ctx = ReadContext(root=tree, config=Config())
    files = [f for f in discover([tree], tree, Config()).files if compose.wants(f, ctx)]
    return compose.read(files, ctx)


def facts(output, owner: str, role: Role | None = None):
    return sorted((f for f in output.facts if f.owner.id == owner and (role is None or f.role == role)),
                  key=lambda f: (f.location, f.value.text))


def by_slot(output, owner: str, slot: str) -> dict:
    return {f.role.value: f for f in facts(output, owner) if f.slot == slot}


@pytest.mark.parametrize(("name", "wanted"), [
    ("compose.yaml", True), ("compose.yml", True), ("docker-compose.yml", True), ("docker-compose.yaml", True),
    ("docker-compose.override.yml", True), ("docker-compose.prod.yaml", True), ("compose.dev.yml", True),
    ("docker-compose.json", False), ("composer.yml", False), ("values.yaml", False),
])
def test_wants(name: str, wanted: bool, tmp_path: Path) -> None:
    (tmp_path / name).write_text("services: {}\n")
    (file,) = discover([tmp_path], tmp_path, Config()).files
    assert compose.wants(file, ReadContext(root=tmp_path, config=Config())) is wanted


def test_interpolated_short_syntax_points_at_the_env_line() -> None:
    ports = by_slot(read(), "compose/service:short/api", "ports[0]")
    publish, target = ports["publish"], ports["target"]
    assert (publish.value.number, target.value.number) == (8000, 8000)
    assert publish.value.defined_at == (Location("short/.env", 1, 10),)
    assert publish.location == Location("short/docker-compose.yml", 9, 9)
    assert publish.attrs["host_ip"] == "" and target.attrs["published"] == "8000"


def test_udp_range_with_host_ip_is_one_interval_with_exact_columns() -> None:
    output = read()
    ranged = [f for f in facts(output, "compose/service:short/api") if f.slot == "ports[1]"]
    assert sorted((f.role.value, f.value.span, f.value.number) for f in ranged) == [
        ("publish", (9000, 9002), None), ("target", (9000, 9002), None)]
    assert {f.protocol for f in ranged} == {"UDP"} and {f.attrs["host_ip"] for f in ranged} == {"127.0.0.1"}
    assert {f.location.column for f in ranged if f.role == Role.PUBLISH} == {19}
    assert {f.location.column for f in ranged if f.role == Role.TARGET} == {29}


def test_unquoted_22_22_is_not_the_yaml_11_integer_1342() -> None:
    ports = by_slot(read(), "compose/service:short/api", "ports[2]")
    assert (ports["publish"].value.number, ports["target"].value.number) == (22, 22)
    assert (ports["publish"].location.column, ports["target"].location.column) == (9, 12)


def test_ipv6_forms_and_ephemeral_host_port() -> None:
    output = read()
    bracketed = by_slot(output, "compose/service:short/api", "ports[3]")
    assert (bracketed["publish"].value.number, bracketed["target"].value.number) == (8443, 443)
    assert bracketed["publish"].attrs["host_ip"] == "::1" and bracketed["publish"].location.column == 16
    bare = by_slot(output, "compose/service:short/web", "ports[3]")
    assert bare["publish"].attrs["host_ip"] == "::1" and bare["target"].value.number == 6000
    ephemeral = by_slot(output, "compose/service:short/api", "ports[4]")
    assert set(ephemeral) == {"target"} and ephemeral["target"].attrs["published"] == ""


def test_pool_and_invalid_ranges() -> None:
    output = read()
    pool = [f for f in facts(output, "compose/service:short/web") if f.slot == "ports[1]"]
    assert [f.value.span for f in pool if f.role == Role.PUBLISH] == [(9100, 9105)]
    assert all(f.attrs.get("pool") for f in pool if f.role == Role.PUBLISH)
    (invalid,) = by_slot(output, "compose/service:short/web", "ports[2]").values()
    assert invalid.value.unresolved and "differ in size" in invalid.attrs["invalid_range"]


def test_long_syntax_default_interpolation_and_unresolved() -> None:
    output = read()
    first = by_slot(output, "compose/service:long/db", "ports[0]")
    assert (first["target"].value.number, first["publish"].value.number) == (5432, 5433)
    assert first["publish"].location == Location("long/compose.yaml", 7, 20)
    assert first["publish"].attrs["host_ip"] == "0.0.0.0" and first["publish"].attrs["mode"] == "host"
    second = by_slot(output, "compose/service:long/db", "ports[1]")
    assert second["target"].value.unresolved and second["target"].value.text == "${MISSING}"
    assert second["publish"].value.number == 6000


def test_expose_environment_command_healthcheck() -> None:
    output = read()
    api = "compose/service:short/api"
    (env,) = facts(output, api, Role.CONFIG)
    assert (env.value.number, env.attrs["env_var"], env.location) == (
        8000, "FASTAPI_PORT", Location("short/docker-compose.yml", 15, 22))
    assert "layer" not in env.attrs  # a container's environment, not the env config layer
    (command,) = facts(output, api, Role.LISTEN)
    assert (command.value.number, command.attrs["flag"], command.location.column) == (8000, "--port", 14)
    assert command.value.defined_at == (Location("short/.env", 1, 10),)
    (probe,) = facts(output, api, Role.PROBE)
    assert (probe.value.number, probe.location) == (8000, Location("short/docker-compose.yml", 18, 53))
    web = "compose/service:short/web"
    (listen,) = facts(output, web, Role.LISTEN)
    assert (listen.value.number, listen.location) == (3000, Location("short/docker-compose.yml", 23, 50))
    assert sorted((f.value.bounds, f.protocol) for f in facts(output, web, Role.EXPOSE)) == [
        ((3000, 3000), "TCP"), ((6000, 6001), "UDP")]


def test_entities_build_runs_and_override_merge() -> None:
    output = read()
    entities = {e.id: e for e in output.entities}
    api = entities["compose/service:short/api"]
    assert (api.ref.namespace, api.attrs["build_context"], api.attrs["dockerfile"]) == (
        "short", "short/api", "short/api/Dockerfile")
    assert api.attrs["runs"] == ["services.risk_api"] and api.attrs["has_command"] is True
    assert entities["compose/service:short/web"].attrs["dockerfile"] == "short/web/Dockerfile.dev"
    merged = entities["compose/service:override/api"]
    assert merged.attrs["image"] == "example/api" and merged.attrs["dockerfile"] == "override/Dockerfile"
    assert entities["compose/service:long/db"].attrs["container_name"] == "database"


def test_invalid_yaml_is_a_failure_at_its_place() -> None:
    (failure,) = read().failures
    assert failure.location == Location("broken/compose.yaml", 5, 6) and failure.severity == Severity.ERROR


@pytest.mark.parametrize(("raw", "text"), [
    ("${API_PORT}", "8000"), ("$API_PORT", "8000"), ("${NOPE:-8001}", "8001"), ("${EMPTY:-8002}", "8002"),
    ("${EMPTY-8003}", ""), ("${NOPE}", None), ("${NOPE:?set it}", None), ("${API_PORT:+9000}", "9000"),
    ("$${API_PORT}", "${API_PORT}"), ("${NOPE:-${API_PORT}}", "8000"), ("127.0.0.1:${API_PORT}:80", "127.0.0.1:8000:80"),
])
def test_interpolation(raw: str, text: str | None) -> None:
    assert interpolate(raw, ENV).text == text


@pytest.mark.parametrize(("spec", "parts"), [
    ("80", ("", "", "80", "TCP")), ("8080:80", ("", "8080", "80", "TCP")),
    ("127.0.0.1:8080:80/udp", ("127.0.0.1", "8080", "80", "UDP")), ("127.0.0.1::80", ("127.0.0.1", "", "80", "TCP")),
    ("[::1]:8080:80", ("::1", "8080", "80", "TCP")), ("::1:8080:80", ("::1", "8080", "80", "TCP")),
    ("8000-8005:8000-8005", ("", "8000-8005", "8000-8005", "TCP")),
])
def test_port_spec(spec: str, parts: tuple) -> None:
    parsed = parse_port_spec(spec)
    assert (parsed.host_ip, parsed.published, parsed.target, parsed.protocol) == parts
