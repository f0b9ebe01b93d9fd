"""The Python reader on real files: listen sites, code defaults, services, positions, failures."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from conftest import FIXTURES
from portlint.config import Config, parse_config
from portlint.discover import discover
from portlint.model import Location, Role, Severity
from portlint.readers import ReadContext, python_source

TREE = FIXTURES / "readers" / "python"


def read(tree: Path = TREE, config: Config | None = None):
    config = config or Config()
    ctx = ReadContext(root=tree, config=config)
    files = [f for f in discover([tree], tree, config).files if python_source.wants(f, ctx)]
    return python_source.read(files, ctx), ctx


def facts_of(output, path: str):
    return sorted((f for f in output.facts if f.location.path == path), key=lambda f: (f.location, f.role.value))


def summary(fact) -> tuple:
    return (fact.role.value, fact.value.text, fact.value.unresolved, str(fact.location))


def test_spec_fastapi_listen_site_and_defaults() -> None:
    output, _ = read()
    facts = facts_of(output, "services/risk_api.py")
    assert [summary(f) for f in facts] == [
        ("listen", "fastapi_config.get('port', 8000)", True, "services/risk_api.py:16:14"),
        ("default", "8000", False, "services/risk_api.py:16:41"),
        ("default", "8000", False, "services/risk_api.py:24:44"),
    ]
    listen, default, api_default = facts
    assert listen.attrs == {"field": "uvicorn.run(port)", "layer": "code", "call": "uvicorn.run",
                            "config_key": "fastapi.port", "main_guard": True}  # in if __name__ == "__main__"
    assert default.attrs["config_key"] == api_default.attrs["config_key"] == "fastapi.port"
    assert default.attrs["layer"] == "code" and default.field == "code default for fastapi.port"
    assert listen.slot == default.slot != api_default.slot
    entity = next(e for e in output.entities if e.ref.name == "services/risk_api.py")
    assert entity.ref.kind == "code/python"
    assert entity.attrs["service"] == "fastapi" and entity.attrs["module"] == "services.risk_api"
    assert "fastapi.port" in entity.attrs["service_reason"]


def test_dash_run_server_reads_dash_port() -> None:
    output, _ = read()
    assert [summary(f) for f in facts_of(output, "dash/risk_dashboard.py")] == [
        ("listen", "dash_config.get('port', 8050)", True, "dash/risk_dashboard.py:10:38"),
        ("default", "8050", False, "dash/risk_dashboard.py:10:62"),
    ]
    entity = next(e for e in output.entities if e.ref.name == "dash/risk_dashboard.py")
    assert entity.attrs["service"] == "dash"


def test_server_forms() -> None:
    output, _ = read()
    facts = {(f.location.line, f.role.value): f for f in facts_of(output, "forms/servers.py")}
    literal = facts[(15, "listen")]
    assert (literal.value.number, literal.attrs["host"], literal.location.column) == (8001, "127.0.0.1", 45)
    env_default = facts[(9, "default")]
    assert (env_default.value.number, env_default.attrs["env_var"]) == (8000, "PORT")
    from_constant = facts[(19, "listen")]
    assert from_constant.value.unresolved and from_constant.attrs["env_var"] == "PORT"
    assert facts[(22, "default")].value.number == 5000 and facts[(22, "default")].attrs["parameter"] == "port"
    implicit = facts[(27, "listen")]
    assert implicit.value.number == 8000 and implicit.attrs["implicit"] is True
    assert facts[(31, "listen")].value.number == 8080  # aiohttp web.run_app
    waitress = facts[(32, "listen")]
    assert (waitress.value.number, waitress.attrs["host"], waitress.location.column) == (6543, "*", 26)
    assert facts[(33, "listen")].value.number == 9000  # HTTPServer(("", 9000), …)
    assert facts[(35, "listen")].attrs["env_var"] == "ADMIN_PORT" and (35, "default") not in facts
    fallback = facts[(39, "default")]
    assert fallback.value.number == 9100 and fallback.value.defined_at == (Location("forms/servers.py", 11, 12),)
    assert not any(line == 36 for line, _ in facts), "asyncio.run() is not a server"


def test_columns_count_characters_not_bytes() -> None:
    output, _ = read()
    fact = next(f for f in facts_of(output, "forms/servers.py") if f.location.line == 44)
    line = (TREE / "forms" / "servers.py").read_text(encoding="utf-8").splitlines()[43]
    assert line[fact.location.column - 1:].startswith("8002")
    assert fact.location.column == 40  # the byte offset would be 41: "é" is two bytes


def test_gunicorn_bind_string() -> None:
    output, _ = read()
    (fact,) = facts_of(output, "forms/gunicorn.conf.py")
    assert (fact.role, fact.value.number, fact.attrs["host"], str(fact.location)) == (
        Role.LISTEN, 8003, "0.0.0.0", "forms/gunicorn.conf.py:2:17")


def test_module_constant_used_twice_is_one_default(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(
        "import os, uvicorn\nPORT = os.getenv('PORT', '8000')\n"
        "def a(app):\n    uvicorn.run(app, port=int(PORT))\n"
        "def b(app):\n    uvicorn.run(app, port=PORT)\n")
    output, _ = read(tmp_path)
    defaults = [f for f in output.facts if f.role == Role.DEFAULT]
    assert [str(f.location) for f in defaults] == ["app.py:2:26"]
    assert len([f for f in output.facts if f.role == Role.LISTEN]) == 2


def test_a_port_named_only_in_the_module_docstring_is_no_reason_to_parse(tmp_path: Path) -> None:
    (tmp_path / "models.py").write_text('#!/usr/bin/env python\n"""Records; the ports live elsewhere."""\n\n'
                                        "class Record:\n    amount: float\n")
    (tmp_path / "server.py").write_text('"""Serves on a port."""  # the listener\nimport uvicorn\n'
                                        "uvicorn.run(None, port=8081)\n")
    (tmp_path / "joined.py").write_text('"""doc""" if True else None\nimport uvicorn\n'
                                        "uvicorn.run(None, port=8082)\n")
    output, ctx = read(tmp_path)
    assert "python-ast:models.py" not in ctx.cache
    assert sorted(f.value.text for f in output.facts if f.role == Role.LISTEN) == ["8081", "8082"]


def test_files_without_port_text_are_not_parsed() -> None:
    output, ctx = read()
    assert "python-ast:forms/no_ports.py" not in ctx.cache
    assert "python-ast:services/risk_api.py" in ctx.cache
    assert not facts_of(output, "forms/no_ports.py")


def test_parameter_store_script_fallbacks_are_not_code_defaults() -> None:
    output, _ = read()
    assert not facts_of(output, "scripts/setup_params.py")


def test_syntax_newer_than_the_interpreter() -> None:
    output, _ = read()
    failures = [f for f in output.failures if f.location.path == "broken/newer_syntax.py"]
    if sys.version_info < (3, 12):
        (failure,) = failures
        assert failure.severity == Severity.NOTE and failure.location == Location("broken/newer_syntax.py", 3, 6)
        assert "newer Python" in failure.message
        assert not facts_of(output, "broken/newer_syntax.py")
    else:
        assert not failures and facts_of(output, "broken/newer_syntax.py")


def test_invalid_python_is_an_error_at_its_place() -> None:
    output, _ = read()
    (failure,) = [f for f in output.failures if f.location.path == "broken/invalid.py"]
    assert failure.severity == Severity.ERROR and failure.location.line == 3
    assert failure.message.startswith("invalid Python")


@pytest.mark.parametrize(("catalog", "expected"), [
    ({}, {"forms/servers.py#admin": "admin", "forms/servers.py#metrics": "metrics"}),
    ({"api": {"port": 8000, "env": ["ADMIN_PORT"]}}, {"forms/servers.py": "api"}),
])
def test_env_vars_name_services_through_the_catalog(catalog, expected) -> None:
    output, _ = read(config=parse_config({"services": catalog}, "test"))
    named = {e.ref.name: e.attrs.get("service") for e in output.entities if e.ref.name.startswith("forms/servers")}
    assert {k: v for k, v in named.items() if v} == expected


def test_catalog_alias_makes_the_config_key_canonical(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("import uvicorn\ncfg = load()['risk-api']\nuvicorn.run(app, port=cfg['port'])\n")
    output, _ = read(tmp_path, parse_config({"services": {"fastapi": {"port": 8000, "aliases": ["risk-api"]}}}, "t"))
    (entity,) = output.entities
    assert entity.attrs["service"] == "fastapi"
    (listen,) = output.facts
    assert listen.attrs["config_key"] == "risk-api.port" and listen.value.unresolved


def test_deeply_nested_code_is_a_skip_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("import uvicorn\nport = " + "a." * 5000 + "b\nuvicorn.run(app, port=port)\n")
    output, _ = read(tmp_path)
    (failure,) = output.failures
    assert failure.severity == Severity.NOTE and "nested too deeply" in failure.message


def test_empty_or_named_fallbacks_are_not_port_defaults(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(
        "import os\nREDIS_PORT = os.getenv('REDIS_PORT', '')\nMODE_PORT = os.getenv('MODE_PORT', 'auto')\n"
        "DB_PORT = os.getenv('DB_PORT', '5432')\n")
    output, _ = read(tmp_path)
    assert [(f.attrs["env_var"], f.value.number) for f in output.facts] == [("DB_PORT", 5432)]
