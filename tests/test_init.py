"""``portlint init``: a commented, loadable .portlint.toml inferred from the scan; no silent overwrite."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import FIXTURES, ROOT, copy_tree, run_cli
from portlint.config import load_config

DEMO = ROOT / "examples" / "genai-monorepo"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A copy of the consistent config tree without its .portlint.toml."""
    target = tmp_path / "repo"
    copy_tree(FIXTURES / "consistent" / "config", target)
    (target / ".portlint.toml").unlink()
    return target


def test_init_writes_a_config_that_loads_with_majority_ports(repo: Path) -> None:
    done = run_cli("init", str(repo))
    assert done.returncode == 0, done.stderr
    config = load_config(repo)
    # without a catalog, AIRFLOW_WEBSERVER_PORT is the stem's airflow_webserver (no special case for
    # one repository's names; Airflow's own variable is AIRFLOW__WEBSERVER__WEB_SERVER_PORT)
    assert {name: p.port for name, p in config.services.items()} == {
        "airflow": 8080, "airflow_webserver": 8080, "dash": 8050, "database": 5432, "fastapi": 8000,
        "redis": 6379, "web": 3000}
    assert all(policy.range is None for policy in config.services.values())
    assert config.ranges == {}  # ranges are a policy the repository did not write: only an example
    assert config.environments == ("dev", "uat", "prod")
    text = (repo / ".portlint.toml").read_text()
    assert "# fastapi: 8000 in" in text and "[validation]" in text


def test_init_refuses_to_overwrite_without_force(repo: Path) -> None:
    existing = repo / ".portlint.toml"
    existing.write_text("# mine\n")
    done = run_cli("init", str(repo))
    assert done.returncode == 2 and "--force" in done.stderr
    assert existing.read_text() == "# mine\n"
    forced = run_cli("init", str(repo), "--force")
    assert forced.returncode == 0, forced.stderr
    assert "[services]" in existing.read_text()


def test_init_majority_port_and_the_minority_in_a_comment(tmp_path: Path) -> None:
    for env, port in (("dev", 8050), ("uat", 8050), ("prod", 8051)):
        path = tmp_path / "config" / f"{env}.yaml"
        path.parent.mkdir(exist_ok=True)
        path.write_text(f"dash:\n  port: {port}\n")
    done = run_cli("init", str(tmp_path), "--stdout")
    assert done.returncode == 0, done.stderr
    assert "dash = { port = 8050 }" in done.stdout.splitlines()
    assert "#   also 8051 at config/prod.yaml:2" in done.stdout
    assert not (tmp_path / ".portlint.toml").exists()


def test_init_on_the_demo_then_check_uses_it(tmp_path: Path) -> None:
    copy = tmp_path / "demo"
    copy_tree(DEMO, copy, ignore=shutil.ignore_patterns("__pycache__", ".portlint.toml"))
    assert run_cli("init", str(copy)).returncode == 0
    config = load_config(copy)
    assert config.services["fastapi"].port == 8000 and config.services["web"].port == 3000
    check = run_cli("check", str(copy), "--select", "PL303", "--format", "json")
    assert '"rule_id": "PL303"' in check.stdout  # the runbook's 8001 against the inferred standard
    written = (copy / ".portlint.toml").read_text()
    assert "# web: 3000 in 9 of 9 places" in written  # the vite proxy's 8000 is fastapi's port, not web's


def test_init_on_a_missing_folder_is_a_usage_error(tmp_path: Path) -> None:
    done = run_cli("init", str(tmp_path / "nope"))
    assert done.returncode == 2 and "not a folder" in done.stderr


def test_init_writes_validation_bounds_only_from_a_validation_script(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("def in_range(x):\n    return 1 <= int(x) <= 9\n")
    run_cli("init", str(tmp_path))
    assert load_config(tmp_path).validation == {}  # ordinary code is not a policy
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "check_params.py").write_text(
        "def is_valid(rules, value):\n    return True\n\n"
        "RULES = {\n"
        "    'port': lambda x: x.isdigit() and 1024 <= int(x) <= 49151,\n"
        "    'workers': lambda x: 1 <= int(x) < 9,\n"
        "    'host': lambda x: x in ['0.0.0.0', 'localhost'],\n"
        "}\n")
    proc = run_cli("init", str(tmp_path), "--force")
    assert proc.returncode == 0, proc.stderr
    assert load_config(tmp_path).validation == {"app-port": [1024, 49151], "workers": [1, 8],
                                                 "hosts": ["0.0.0.0", "localhost"]}


def test_init_writes_no_policy_it_did_not_find(tmp_path: Path) -> None:
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "dev.yaml").write_text("api:\n  port: 8000\n")
    done = run_cli("init", str(tmp_path), "--stdout")
    assert done.returncode == 0, done.stderr
    active = [line for line in done.stdout.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    assert active == ['environments = ["dev"]', "[services]", "api = { port = 8000 }"]
    # the examples are neutral: not the port-management standard's ranges or a deploy script's bounds
    for spec_value in ("[3000, 3999]", "[8000, 8999]", "[1000, 2999]", "[1000, 65535]", "[1, 16]", "Executor"):
        assert spec_value not in done.stdout
