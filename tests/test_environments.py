"""Environments come from the repository; a bare ``.env`` is a developer's machine (``local``)."""

from __future__ import annotations

from pathlib import Path

from conftest import FIXTURES, copy_tree, scan_tree
from portlint.layers import ANY_ENVIRONMENT, environments

RULES = FIXTURES / "rules"


def test_a_repository_without_environments_has_one_that_messages_do_not_name() -> None:
    result = scan_tree(RULES / "PL302" / "fire-no-environments", select=("ALL",))
    assert environments(result.graph) == [ANY_ENVIRONMENT]
    text = " ".join(f.message for f in result.findings)
    assert result.findings and not any(env in text for env in ("dev", "uat", "staging", "prod", ANY_ENVIRONMENT))


def test_bare_dotenv_is_local_and_never_overrides_a_deployed_environment() -> None:
    result = scan_tree(RULES / "PL302" / "silent-bare-dotenv-is-local", select=("ALL",))
    assert environments(result.graph) == ["dev", "prod", "local"]
    assert [f.rule_id for f in result.findings] == []


def test_config_binds_a_bare_dotenv_to_an_environment(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    copy_tree(RULES / "PL302" / "silent-bare-dotenv-is-local", tree)
    (tree / ".portlint.toml").write_text('[env-files]\n".env" = "dev"\n')
    findings = scan_tree(tree, select=("PL302",)).findings
    assert [(f.location.short, "in dev" in f.message) for f in findings] == [("config/dev.yaml:2", True)]


def test_vite_env_files_follow_vite_modes(tmp_path: Path) -> None:
    (tmp_path / ".env.local").write_text("WEB_PORT=5174\n")
    (tmp_path / ".env.production").write_text("WEB_PORT=8080\n")
    (tmp_path / ".env.production.local").write_text("WEB_PORT=8081\n")
    result = scan_tree(tmp_path)
    by_file = {f.location.path: f.environment for f in result.graph.facts() if f.attrs.get("env_var")}
    assert by_file == {".env.local": "local", ".env.production": "production",
                       ".env.production.local": "production"}
