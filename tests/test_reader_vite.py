"""The vite reader on real files: server/preview ports, proxy forms, env fallbacks, services."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import FIXTURES, scan_tree
from portlint.config import Config, parse_config
from portlint.discover import discover
from portlint.model import Location, Role, Severity
from portlint.readers import ReadContext, vite

TREE = FIXTURES / "readers" / "vite"


def read(tree: Path = TREE, config: Config | None = None):
    config = config or Config()
    ctx = ReadContext(root=tree, config=config)
    files = [f for f in discover([tree], tree, config).files if vite.wants(f, ctx)]
    return vite.read(files, ctx)


def facts_of(output, path: str):
    return sorted((f for f in output.facts if f.location.path == path), key=lambda f: (f.location, f.role.value))


def test_wants_every_vite_config_extension() -> None:
    ctx = ReadContext(root=TREE, config=Config())
    names = {f.name for f in discover([TREE], TREE, Config()).files if vite.wants(f, ctx)}
    assert names == {"vite.config.ts", "vite.config.mts", "vite.config.js"}


def test_spec_config() -> None:
    output = read()
    port, proxy = facts_of(output, "spec/vite.config.ts")
    assert (port.role, port.value.number, str(port.location), port.field) == (
        Role.LISTEN, 3000, "spec/vite.config.ts:5:11", "server.port")
    assert port.attrs["layer"] == "code" and port.attrs["server"] == "dev"
    assert (proxy.role, proxy.value.number, str(proxy.location)) == (Role.TARGET, 8000, "spec/vite.config.ts:8:35")
    assert proxy.attrs["proxy_path"] == "/api" and proxy.attrs["host"] == "localhost"
    assert proxy.attrs["url"] == "http://localhost:8000" and proxy.attrs["ws"] is False
    assert proxy.field == "server.proxy['/api'].target"


def test_function_form_env_fallback_template_and_wrappers() -> None:
    facts = {(f.slot, f.role.value): f for f in facts_of(read(), "function-form/vite.config.mts")}
    listen = facts[("server.port", "listen")]
    assert listen.value.unresolved and listen.value.text == "Number(process.env.PORT) || 3000"
    assert listen.attrs["env_var"] == "PORT"
    default = facts[("server.port", "default")]
    assert (default.value.number, str(default.location), default.attrs["env_var"]) == (
        3000, "function-form/vite.config.mts:9:41", "PORT")
    api = facts[("server.proxy['/api'].target", "target")]
    assert api.value.number == 8000 and str(api.location) == "function-form/vite.config.mts:11:45"
    assert api.value.defined_at == (Location("function-form/vite.config.mts", 3, 18),)
    socket = facts[("server.proxy['/socket'].target", "target")]
    assert socket.attrs["ws"] is True and socket.attrs["scheme"] == "ws" and socket.value.number == 8765
    assert str(socket.location) == "function-form/vite.config.mts:12:30"
    assert socket.value.defined_at == (Location("function-form/vite.config.mts", 6, 34),)
    dash = facts[("server.proxy['/dash']", "target")]
    assert (dash.value.number, dash.attrs["host"], dash.location.column) == (8050, "127.0.0.1", 36)
    external = facts[("server.proxy['/ext']", "target")]
    assert external.value.number == 443 and external.attrs["implicit"] is True
    preview = facts[("preview.port", "listen")]
    assert (preview.value.number, preview.attrs["server"]) == (4173, "preview")


def test_commonjs_shorthand_and_nullish_fallback() -> None:
    facts = {(f.slot, f.role.value): f for f in facts_of(read(), "js-forms/vite.config.js")}
    assert facts[("server.port", "default")].value.number == 5173
    assert facts[("server.port", "default")].attrs["env_var"] == "VITE_PORT"
    preview = facts[("preview.port", "listen")]
    assert preview.value.unresolved and preview.attrs["env_var"] == "PREVIEW_PORT"
    assert ("preview.port", "default") not in facts


def test_columns_count_characters() -> None:
    (fact,) = facts_of(read(), "apps/admin/vite.config.ts")
    assert fact.location == Location("apps/admin/vite.config.ts", 2, 34)
    line = (TREE / "apps" / "admin" / "vite.config.ts").read_text(encoding="utf-8").splitlines()[1]
    assert line[fact.location.column - 1:].startswith("3100")


def test_syntax_error_is_a_failure_and_no_facts() -> None:
    output = read()
    (failure,) = output.failures
    assert failure.location == Location("broken/vite.config.ts", 4, 19)
    assert failure.severity == Severity.ERROR
    assert not facts_of(output, "broken/vite.config.ts")


def test_syntax_error_reported_by_pl001() -> None:
    result = scan_tree(TREE, select=("PL001",))
    assert [(f.rule_id, str(f.location)) for f in result.findings] == [("PL001", "broken/vite.config.ts:4:19")]


@pytest.mark.parametrize(("services", "expected"), [
    ({}, {"spec/vite.config.ts": "web", "apps/admin/vite.config.ts": "web"}),
    ({"admin": {"port": 3100}, "web": {"port": 3000}}, {"spec/vite.config.ts": "web", "apps/admin/vite.config.ts": "admin"}),
    ({"frontend": {"port": 3000, "aliases": ["vite"]}},
     {"spec/vite.config.ts": "frontend", "apps/admin/vite.config.ts": "frontend"}),
])
def test_service_of_a_vite_app(services, expected) -> None:
    output = read(config=parse_config({"services": services}, "test"))
    named = {e.ref.name: e.attrs["service"] for e in output.entities if e.ref.name in expected}
    assert named == expected
