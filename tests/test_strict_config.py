"""Strict config (issues 14 and 16): every bad key, option, selector or layer exits 2 naming the file
and the key, with a "did you mean"; nothing reaches ``internal error``. End to end through the CLI."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from conftest import FIXTURES, run_cli
from portlint.options import Option, type_problem
from portlint.validate import check_selectors, SelectorError

MARKER_RULES = FIXTURES / "cli" / "marker-rules"


def _config_error(tmp_path: Path, text: str, name: str = ".portlint.toml", *args: str):
    (tmp_path / name).write_text(text, encoding="utf-8")
    proc = run_cli("check", str(tmp_path), *args)
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert "internal error" not in proc.stderr and "Traceback" not in proc.stderr
    assert name in proc.stderr, proc.stderr
    return proc.stderr


# --- issue 16: inputs that used to crash --------------------------------------------------------

@pytest.mark.parametrize(("text", "key"), [
    ('[rules.PL101]\nseverity = ["error"]\n', "rules.PL101.severity"),
    ('[rules.PL101]\nseverity = { level = "error" }\n', "rules.PL101.severity"),
    ('[sensitive-ports]\n"\u00b2" = "superscript two"\n', "sensitive-ports.\u00b2"),
    ('[sensitive-ports]\n"\u0663" = "arabic-indic three"\n', "sensitive-ports.\u0663"),
    ("x = " + "[" * 10_000 + "]" * 10_000 + "\n", "x"),
    ("max-file-size = " + "9" * 5_000 + "\n", "max-file-size"),
    ('precedence = "env"\n', "precedence"),
    ('[services]\nweb = { port = 3000, kind = 5 }\n', "services.web.kind"),
])
def test_hostile_config_names_file_and_key(tmp_path: Path, text: str, key: str) -> None:
    stderr = _config_error(tmp_path, text)
    assert key in stderr


def test_pyproject_tool_portlint_not_a_table(tmp_path: Path) -> None:
    stderr = _config_error(tmp_path, "[tool]\nportlint = 5\n", "pyproject.toml")
    assert "tool.portlint: must be a table" in stderr


def test_int_limit_message_is_clear(tmp_path: Path) -> None:
    stderr = _config_error(tmp_path, "max-file-size = " + "1" * 5_000 + "\n")
    assert "4300 digits" in stderr and "line 1" in stderr


@pytest.mark.parametrize(("rule", "option", "value"), [
    ("PL104", "env_names", '"PORT"'),
    ("PL204", "protocols", "5"),
    ("PL204", "max_listed", '"6"'),
    ("PL205", "wide_range", '"100"'),
    ("PL205", "wide_range", "true"),
    ("PL205", "wide_range", "0"),
    ("PL208", "env_vars", '["DB_PORT"]'),
    ("PL208", "env_vars", '{ postgres = "DB_PORT" }'),
    ("PL302", "ignore_layers", '"code"'),
    ("PL302", "ignore_layers", '["cod"]'),
    ("PL303", "roles", '["listn"]'),
    ("PL306", "boolean_keys", "1"),
    ("PL403", "environment", "[1]"),
    ("PL207", "hosts", '{ sg = "web" }'),
])
def test_wrong_typed_rule_option_is_config_error(tmp_path: Path, rule: str, option: str, value: str) -> None:
    stderr = _config_error(tmp_path, f"[rules.{rule}]\n{option} = {value}\n")
    assert f"rules.{rule}.{option}:" in stderr


def test_typed_option_by_rule_name(tmp_path: Path) -> None:
    stderr = _config_error(tmp_path, '[rules.ingress-open-wide]\nwide_range = "wide"\n')
    assert "rules.ingress-open-wide.wide_range: must be an integer" in stderr


def test_right_typed_options_load(tmp_path: Path) -> None:
    (tmp_path / ".portlint.toml").write_text(
        '[rules.PL205]\nwide_range = 50\n[rules.PL208.env_vars]\npostgres = ["PG"]\n'
        '[rules.sensitive-port-open-to-world]\nprotocols = ["tcp", "udp", "all"]\nmax_listed = 2\n')
    proc = run_cli("check", str(tmp_path))
    assert proc.returncode == 0, proc.stderr


# --- issue 14: typos exit 2 with a "did you mean" -----------------------------------------------

@pytest.mark.parametrize(("flag", "value", "meant"), [
    ("--select", "PL999", "did you mean"),
    ("--select", "PL1,PL9", "PL9"),
    ("--ignore", "foo", "foo"),
    ("--ignore", "servce-target-port-mismatch", "did you mean service-target-port-mismatch?"),
    ("--select", "PL10l", "did you mean PL101?"),
])
def test_unknown_selector_exits_two(tmp_path: Path, flag: str, value: str, meant: str) -> None:
    proc = run_cli("check", str(tmp_path), flag, value)
    assert proc.returncode == 2, proc.stdout
    assert meant in proc.stderr and flag in proc.stderr


@pytest.mark.parametrize("command", ["audit", "graph"])
def test_unknown_selector_other_commands(tmp_path: Path, command: str) -> None:
    proc = run_cli(command, str(tmp_path), "--select", "PL999", "-o", str(tmp_path / "out"))
    assert proc.returncode == 2 and "PL999" in proc.stderr


@pytest.mark.parametrize("value", ["PL1", "ALL", "all", "PL101", "service-target-port-mismatch", "pl1"])
def test_known_selectors_pass(tmp_path: Path, value: str) -> None:
    proc = run_cli("check", str(tmp_path), "--select", value)
    assert proc.returncode == 0, proc.stderr


def test_group_names_are_read_from_the_rules() -> None:
    def rule(rule_id: str, group: str):
        return SimpleNamespace(id=rule_id, name=rule_id.lower(), group=group,
                               matches=lambda s, rid=rule_id: rid.startswith(s.upper()))

    rules = [rule("PL101", "consistency"), rule("PL303", "hygiene")]
    check_selectors(["hygiene", "consistency", "PL1"], rules, "--select")
    with pytest.raises(SelectorError, match="did you mean hygiene"):
        check_selectors(["hygeine"], rules, "--select")


@pytest.mark.parametrize(("text", "key", "meant"), [
    ("[rules.PL999]\nenabled = false\n", "rules.PL999", "did you mean"),
    ("[rules]\nservice-target-port-mismach = false\n", "rules.service-target-port-mismach",
     "did you mean service-target-port-mismatch?"),
    ("[rules.PL205]\nwide_rang = 10\n", "rules.PL205.wide_rang", "did you mean wide_range?"),
    ("[rules.PL101]\nseverty = \"note\"\n", "rules.PL101.severty", "did you mean severity?"),
    ('precedence = ["env", "yml"]\n', "precedence[1]", "did you mean yaml?"),
    ('precedence = ["env", "env"]\n', "precedence[1]", "twice"),
    ("exclud = []\n", "exclud", "did you mean exclude?"),
    ('[rules.PL101]\nseverity = "eror"\n', "rules.PL101.severity", "did you mean error?"),
])
def test_config_typos_exit_two_with_hint(tmp_path: Path, text: str, key: str, meant: str) -> None:
    stderr = _config_error(tmp_path, text)
    assert f": {key}: " in stderr and meant in stderr, stderr


def test_pyproject_typo_names_tool_prefix(tmp_path: Path) -> None:
    stderr = _config_error(tmp_path, "[tool.portlint.rules.PL999]\nenabled = false\n", "pyproject.toml")
    assert "tool.portlint.rules.PL999" in stderr


def test_user_rule_options_are_typed(tmp_path: Path) -> None:
    (tmp_path / ".portlint.toml").write_text('[rules.XM001]\nlimit = "three"\n')
    proc = run_cli("check", str(tmp_path), "--rules-dir", str(MARKER_RULES))
    assert proc.returncode == 2 and "rules.XM001.limit: must be an integer" in proc.stderr
    (tmp_path / ".portlint.toml").write_text('[rules.XM001]\nlimit = 1\ntags = ["b"]\n')
    assert run_cli("check", str(tmp_path), "--rules-dir", str(MARKER_RULES)).returncode == 0


@pytest.mark.parametrize(("value", "tp", "ok"), [
    (["a"], list[str], True), ([1], list[str], False), ({"a": ["b"]}, dict[str, list[str]], True),
    ({"a": "b"}, dict[str, list[str]], False), (True, int, False), (3, float, True), ("x", int, False),
    ([[[[]]]], list[str], False),
])
def test_type_problem(value, tp, ok: bool) -> None:
    assert (type_problem(value, tp) is None) is ok


def test_option_bounds_and_choices() -> None:
    assert Option(int, 1, minimum=1).check(0) == "must be at least 1, not 0"
    assert "did you mean yaml" in Option(list[str], [], choices=("yaml", "env")).check(["yml"])


def test_config_that_is_not_a_regular_file(tmp_path: Path) -> None:
    proc = run_cli("check", str(tmp_path), "--config", "/dev/zero")
    assert proc.returncode == 2 and "/dev/zero: not a regular file" in proc.stderr


def test_rule_entry_of_the_wrong_type(tmp_path: Path) -> None:
    stderr = _config_error(tmp_path, '[rules]\nPL101 = "off"\n')
    assert "rules.PL101: must be true, false or a table, not a string" in stderr
