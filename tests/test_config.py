"""Config loading and validation: every bad key is named with its file."""

from __future__ import annotations

from pathlib import Path

import pytest

from portlint.config import DEFAULT_SENSITIVE_PORTS, ConfigError, load_config

POLICY = """
exclude = ["legacy/**"]
environments = ["dev", "uat", "prod"]

[ranges]
system = [1000, 2999]
web = [3000, 3999]
api = [8000, 8999]
dev = [9000, 65535]

[services]
fastapi = { port = 8000, range = "api", aliases = ["risk-api"] }
web = { port = 3000, range = "web" }
postgres = { port = 5432 }

[rules.PL101]
severity = "warning"
"""


def _write(tmp_path: Path, text: str, name: str = ".portlint.toml") -> Path:
    (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def test_policy_loads(tmp_path: Path) -> None:
    cfg = load_config(_write(tmp_path, POLICY))
    assert cfg.ranges["api"] == (8000, 8999)
    assert cfg.services["fastapi"].port == 8000 and cfg.services["fastapi"].range == "api"
    assert cfg.service_for_name("Risk-API").name == "fastapi"
    assert cfg.range_of(3000) == "web" and cfg.range_of(80) is None
    assert cfg.rule_setting("PL101", "whatever") == {"severity": "warning"}
    assert cfg.environments == ("dev", "uat", "prod")
    assert cfg.sensitive_ports == DEFAULT_SENSITIVE_PORTS


def test_pyproject_table(tmp_path: Path) -> None:
    text = "[tool.portlint.ranges]\nweb = [3000, 3999]\n[tool.portlint.services]\nweb = { port = 3000, range = \"web\" }\n"
    cfg = load_config(_write(tmp_path, text, "pyproject.toml"))
    assert cfg.services["web"].port == 3000


def test_no_config_gives_defaults(tmp_path: Path) -> None:
    cfg = load_config(tmp_path)
    assert cfg.source is None and cfg.services == {} and cfg.ranges == {}


@pytest.mark.parametrize(("text", "key"), [
    ("colour = 1", "colour"),
    ("[ranges]\nweb = [3000]", "ranges.web"),
    ("[ranges]\nweb = [4000, 3000]", "ranges.web"),
    ("[ranges]\nweb = [3000, 70000]", "ranges.web"),
    ("[services]\nweb = { port = \"3000\" }", "services.web.port"),
    ("[services]\nweb = { port = 3000, range = \"nope\" }", "services.web.range"),
    ("[services]\nweb = { prot = 3000 }", "services.web.prot"),
    ("[rules.PL101]\nseverity = \"fatal\"", "rules.PL101.severity"),
    ("[rules.PL101]\nenabled = \"no\"", "rules.PL101.enabled"),
    ("[sensitive-ports]\nssh = \"SSH\"", "sensitive-ports.ssh"),
    ("[validation]\nworkers = [1]", "validation.workers"),
    ("[validation]\nthreads = [1, 2]", "validation.threads"),
    ("exclude = \"x\"", "exclude"),
    ("max-file-size = 0", "max-file-size"),
])
def test_bad_config_names_key_and_file(tmp_path: Path, text: str, key: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(_write(tmp_path, text))
    assert f": {key}: " in str(info.value)
    assert ".portlint.toml" in str(info.value)


def test_sensitive_ports_replace_default(tmp_path: Path) -> None:
    cfg = load_config(_write(tmp_path, '[sensitive-ports]\n"22" = "SSH"\n'))
    assert cfg.sensitive_ports == {22: "SSH"}
