"""The Dockerfile reader on real files: EXPOSE, ENV, ARG, CMD/ENTRYPOINT ports, stages, escapes."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import FIXTURES, scan_tree
from portlint.config import Config
from portlint.discover import discover
from portlint.model import Location, Role
from portlint.readers import ReadContext, dockerfile

TREE = FIXTURES / "readers" / "dockerfile"


def read(tree: Path = TREE):
    ctx = ReadContext(root=tree, config=Config())
    files = [f for f in discover([tree], tree, Config()).files if dockerfile.wants(f, ctx)]
    return dockerfile.read(files, ctx)


def facts(output, path: str, role: Role | None = None):
    return sorted((f for f in output.facts if f.location.path == path and (role is None or f.role == role)),
                  key=lambda f: (f.location, f.value.text))


@pytest.mark.parametrize(("name", "wanted"), [
    ("Dockerfile", True), ("Dockerfile.dev", True), ("api.Dockerfile", True), ("Containerfile", True),
    ("dockerfile", True), ("Dockerfile.md", False), ("Dockerfile.dockerignore", False), ("Dockerfiles", False),
    ("docker-compose.yml", False),
])
def test_wants(name: str, wanted: bool, tmp_path: Path) -> None:
    (tmp_path / name).write_text("FROM scratch\n")
    (file,) = discover([tmp_path], tmp_path, Config()).files
    assert dockerfile.wants(file, ReadContext(root=tmp_path, config=Config())) is wanted


def test_expose_forms_with_arg_resolution_and_continuation() -> None:
    exposed = facts(read(), "api/Dockerfile", Role.EXPOSE)
    assert [(f.value.text, f.protocol, f.location.line, f.location.column) for f in exposed] == [
        ("8000", "TCP", 8, 8), ("9100-9102", "UDP", 8, 24), ("70000", "TCP", 9, 8)]
    assert exposed[0].value.defined_at == (Location("api/Dockerfile", 2, 14),)  # the global ARG default
    assert exposed[1].attrs["range"] == "9100-9102" and exposed[0].field == "EXPOSE"
    assert exposed[1].value.span == (9100, 9102) and exposed[1].value.covers(9101)


def test_env_arg_cmd_healthcheck() -> None:
    output = read()
    env = facts(output, "api/Dockerfile", Role.CONFIG)
    assert [(f.attrs["env_var"], f.value.number, str(f.location)) for f in env] == [
        ("PORT", 8000, "api/Dockerfile:5:10"), ("LEGACY_PORT", 9000, "api/Dockerfile:7:17")]
    (cmd,) = facts(output, "api/Dockerfile", Role.LISTEN)
    assert (cmd.value.number, cmd.field, cmd.attrs["flag"], str(cmd.location)) == (
        8000, "CMD", "--port", "api/Dockerfile:11:74")
    (probe,) = facts(output, "api/Dockerfile", Role.PROBE)
    assert (probe.value.number, str(probe.location)) == (8000, "api/Dockerfile:10:42")
    entity = next(e for e in output.entities if e.ref.name == "api/Dockerfile")
    assert entity.ref.kind == "docker/image" and entity.attrs["runs"] == ["services.risk_api"]


def test_shell_form_command_resolves_env_at_run_time() -> None:
    (listen,) = facts(read(), "web/Dockerfile.dev", Role.LISTEN)
    assert (listen.value.number, listen.attrs["env_var"]) == (3000, "PORT")
    assert listen.value.defined_at == (Location("web/Dockerfile.dev", 2, 10),)


def test_final_stage_chain_only_and_exec_form_is_literal() -> None:
    output = read()
    exposed = facts(output, "multi/Dockerfile", Role.EXPOSE)
    assert [f.value.number for f in exposed] == [8050]  # the builder's 5173 and the heredoc's text are not the image's
    entrypoint, cmd = facts(output, "multi/Dockerfile", Role.LISTEN)
    assert (entrypoint.value.number, entrypoint.attrs["host"], str(entrypoint.location)) == (
        8050, "0.0.0.0", "multi/Dockerfile:13:32")
    assert cmd.value.unresolved and cmd.value.text == "$PORT"  # exec form: no shell expands it
    entity = next(e for e in output.entities if e.ref.name == "multi/Dockerfile")
    assert entity.attrs["runs"] == ["dash_app"] and entity.attrs["base_image"] == "python:3.11"


def test_escape_directive() -> None:
    exposed = facts(read(), "escape/Dockerfile", Role.EXPOSE)
    assert [(f.value.number, f.location.line, f.location.column) for f in exposed] == [(8080, 3, 8), (8081, 4, 8)]


def test_expose_out_of_range_is_pl002() -> None:
    result = scan_tree(TREE, select=("PL002",))
    assert [(f.rule_id, str(f.location)) for f in result.findings] == [("PL002", "api/Dockerfile:9:8")]


@pytest.mark.parametrize(("command", "ports"), [
    ("uvicorn app:app --host 0.0.0.0 --port 8000", [("--port", "8000", "")]),
    ("uvicorn app:app --port=8001", [("--port", "8001", "")]),
    ("gunicorn -w 4 -b 0.0.0.0:8002 app:app", [("-b", "8002", "0.0.0.0")]),
    ("gunicorn --bind=[::]:8003 app:app", [("--bind", "8003", "::")]),
    ("gunicorn --bind unix:/tmp/app.sock app:app", []),
    ("flask run -p 5000", [("-p", "5000", "")]),
    ("docker run -p 8080:80 image", []),  # -p means publish here, not listen
    ("python manage.py runserver 0.0.0.0:8004", [("runserver", "8004", "0.0.0.0")]),
    ("python -m http.server 8005", [("http.server", "8005", "")]),
    ("streamlit run app.py --server.port 8501", [("--server.port", "8501", "")]),
])
def test_ports_in_commands(command: str, ports: list) -> None:
    from portlint.readers._app_common import ports_in_words, tokenize

    found = ports_in_words(tokenize(command))
    assert [(p.flag, p.port_text, p.host) for p in found] == ports
    for p in found:
        assert command[p.offset:].startswith(p.port_text)


@pytest.mark.parametrize(("command", "modules"), [
    ("python services/risk_api.py", ["services/risk_api.py"]),
    ("python3 -m services.risk_api", ["services.risk_api"]),
    ("python -m uvicorn services.risk_api:app --port 8000", ["services.risk_api"]),
    ("uvicorn --host 0.0.0.0 --port 8000 services.risk_api:app", ["services.risk_api"]),
    ("gunicorn -k uvicorn.workers.UvicornWorker -b :8000 pkg.main:create_app()", ["pkg.main"]),
    ("npm run dev", []),
])
def test_modules_run(command: str, modules: list) -> None:
    from portlint.readers._app_common import modules_run

    assert modules_run(command.split()) == modules
