"""The Terraform reader, its values and links, on real .tf files parsed by tree-sitter-hcl."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import FIXTURES, copy_tree, scan_tree
from portlint.config import Config
from portlint.discover import discover
from portlint.model import Location, Role
from portlint.readers import ReadContext, terraform
from portlint.terraform import parse as hcl
from portlint.terraform.load import keep_block

TF = FIXTURES / "readers" / "terraform"
MODULE = TF / "module"


@pytest.fixture(scope="module")
def graph():
    return scan_tree(MODULE, select=("PL000",)).graph


def _facts(graph, owner_name: str, field: str | None = None):
    return [f for f in graph.facts() if f.owner.name == owner_name and (field is None or f.field == field)]


def _read(root: Path, paths: list[Path] | None = None):
    config = Config()
    found = discover(paths or [root], root, config)
    ctx = ReadContext(root=root, config=config)
    wanted = [f for f in found.files if terraform.wants(f, ctx)]
    return terraform.read(wanted, ctx), ctx


# -- parsing ---------------------------------------------------------------------------------------


def test_positions_are_characters_not_bytes() -> None:
    body = hcl.parse_strict('x = {\n  d = "é€"\n  port = 8000\n}\nname = "ééé${var.p}"\n', "t.tf")
    port = dict((k, v) for k, _, v in body.attrs["x"].value.items)["port"]
    assert port.loc == Location("t.tf", 3, 10)
    interpolation = body.attrs["name"].value.items[1]
    assert interpolation.loc == Location("t.tf", 5, 14)


def test_parse_error_names_line_and_column() -> None:
    with pytest.raises(hcl.HclError) as err:
        hcl.parse_strict('resource "a" "b" {\n  port = = 1\n}\n', "t.tf")
    assert (err.value.line, err.value.column) == (2, 10)
    assert "\n" not in err.value.message


def test_string_escapes_and_literal_dollar() -> None:
    body = hcl.parse_strict('a = "say \\"hi\\"\\n$${literal}"\n', "t.tf")
    assert body.attrs["a"].value.kind == "str"
    assert body.attrs["a"].value.value == 'say "hi"\n${literal}'


def test_spaces_after_an_interpolation_are_kept() -> None:
    body = hcl.parse_strict('a = "${x} from  y"\n', "t.tf")
    assert body.attrs["a"].value.items[1] == " from  y"


def test_a_conditional_chain_nests_to_the_right() -> None:
    node = hcl.parse_strict("a = x ? 1 : y ? 2 : 3\n", "t.tf").attrs["a"].value
    assert node.kind == "cond" and node.items[0].text == "x" and node.items[2].kind == "cond"
    assert node.items[2].text == "y ? 2 : 3"


# -- facts -----------------------------------------------------------------------------------------


def test_target_group_port_per_environment_from_tfvars(graph) -> None:
    facts = sorted(_facts(graph, "api", "port"), key=lambda f: f.environment)
    assert [(f.environment, f.value.number, f.role) for f in facts] == [("dev", 8000, Role.TARGET), ("prod", 8001, Role.TARGET)]
    assert facts[1].location == Location("alb.tf", 8, 14)
    assert facts[1].value.defined_at == (Location("prod.tfvars", 2, 15),)


def test_local_and_variable_chain_is_kept_nearest_first(graph) -> None:
    [web] = _facts(graph, "web", "port")
    assert web.environment is None and web.value.number == 3000
    assert web.value.defined_at == (Location("variables.tf", 28, 17),)
    checks = {f.environment: f for f in _facts(graph, "web", "health_check.port")}
    assert checks["prod"].value.defined_at == (Location("variables.tf", 27, 17), Location("prod.tfvars", 2, 15))


def test_traffic_port_is_a_named_value_that_accepts_names(graph) -> None:
    [probe] = _facts(graph, "api", "health_check.port")
    assert probe.role == Role.PROBE and probe.value.name == "traffic-port" and not probe.value.unresolved
    assert probe.attrs["traffic_port"] is True and probe.attrs["accepts_name"] is True


def test_listener_port_is_exposed(graph) -> None:
    [port] = _facts(graph, "http", "port")
    assert port.role == Role.EXPOSE and port.value.number == 80


def test_inline_static_and_dynamic_rules_are_all_read(graph) -> None:
    slots = {(f.slot, f.environment) for f in _facts(graph, "alb", "ingress.from_port")}
    assert ("ingress[0]", None) in slots
    assert {("dynamic.ingress[0]", "dev"), ("dynamic.ingress[1]", "prod")} <= slots
    assert ("dynamic.ingress[*]", None) in slots  # for_each unknown: the rule is kept, its ports unresolved
    unknown = [f for f in _facts(graph, "alb", "ingress.from_port") if f.slot == "dynamic.ingress[*]"]
    assert unknown[0].value.unresolved and unknown[0].value.text == "ingress.value.from"


def test_rule_attrs_pair_by_slot_with_cidrs(graph) -> None:
    low, high = sorted((f for f in _facts(graph, "alb") if f.slot == "ingress[0]"), key=lambda f: f.field)
    assert (low.field, high.field) == ("ingress.from_port", "ingress.to_port")
    assert low.attrs["bound"] == "from" and high.attrs["bound"] == "to"
    assert low.attrs["cidr_blocks"] == ["0.0.0.0/0"] and low.attrs["ipv6_cidr_blocks"] == ["::/0"]
    assert low.attrs["direction"] == "ingress" and low.attrs["protocol"] == "tcp" and low.attrs["allows_zero"]
    prod = [f for f in _facts(graph, "alb", "ingress.from_port") if f.slot == "dynamic.ingress[0]" and f.environment == "prod"]
    assert prod[0].attrs["cidr_blocks"] == ["0.0.0.0/0"]


def test_icmp_rules_are_not_ports(graph) -> None:
    assert not [f for f in _facts(graph, "alb") if f.attrs.get("protocol") == "icmp"]


def test_egress_all_protocols(graph) -> None:
    egress = [f for f in _facts(graph, "alb") if f.attrs.get("direction") == "egress"]
    assert {f.attrs["protocol"] for f in egress} == {"all"} and {f.protocol for f in egress} == {"ALL"}


def test_separate_rule_resolves_a_resource_reference(graph) -> None:
    facts = {f.environment: f for f in _facts(graph, "fastapi_access", "from_port")}
    assert facts["prod"].value.number == 8001
    assert facts["prod"].value.defined_at == (Location("alb.tf", 8, 14), Location("prod.tfvars", 2, 15))


def test_vpc_rule_all_protocols_without_ports_is_every_port(graph) -> None:
    facts = sorted(_facts(graph, "all_from_vpc"), key=lambda f: f.attrs["bound"])
    assert [(f.attrs["bound"], f.value.number, f.attrs.get("implicit")) for f in facts] == [("from", 0, True), ("to", 65535, True)]
    assert facts[0].attrs["cidrs_unresolved"] == ["var.vpc_cidr"]


def test_module_outputs_data_sources_and_functions_stay_unresolved(graph) -> None:
    facts = {f.field: f for f in _facts(graph, "from_module")}
    assert facts["from_port"].value.unresolved and facts["from_port"].value.text == "module.ports.ssh"
    assert facts["to_port"].value.unresolved
    assert facts["from_port"].attrs["cidrs_unresolved"] == ["cidrsubnet(var.vpc_cidr, 8, 1)"]


def test_databases_listen_on_their_port_or_engine_default(graph) -> None:
    assert [(f.value.number, f.attrs.get("implicit")) for f in _facts(graph, "postgres")] == [(5433, None)]
    [cache] = _facts(graph, "cache")
    assert (cache.value.number, cache.attrs["implicit"], cache.location) == (6379, True, Location("db.tf", 6, 1))
    assert [f.value.number for f in _facts(graph, "aurora")] == [3306]
    entity = graph.entity("tf/aws_rds_cluster:aurora")
    assert entity.attrs["engine_kind"] == "mysql"


def test_ecs_jsonencode_port_mappings(graph) -> None:
    container = graph.entity("tf/aws_ecs_task_definition:api::tf/ecs_container:api/fastapi")
    assert container is not None and container.attrs["container_name"] == "fastapi"
    listens = {f.environment: f for f in graph.facts(container.id, role=Role.LISTEN)}
    assert listens["prod"].value.number == 8001 and listens["prod"].location == Location("ecs.tf", 8, 27)
    assert {f.value.number for f in graph.facts(container.id, role=Role.PUBLISH)} == {8000}
    assert graph.parent(container).id == "tf/aws_ecs_task_definition:api"


def test_ecs_heredoc_json_port_mappings(graph) -> None:
    worker = "tf/aws_ecs_task_definition:legacy::tf/ecs_container:legacy/worker"
    [listen] = graph.facts(worker, role=Role.LISTEN)
    assert listen.value.number == 8050 and listen.location == Location("ecs.tf", 26, 26)


def test_ecs_service_container_port(graph) -> None:
    [port] = _facts(graph, "api", "load_balancer.container_port")
    assert port.value.number == 8000 and port.attrs["target_group"] == "aws_lb_target_group.api"


def test_entity_attrs(graph) -> None:
    group = graph.entity("tf/aws_lb_target_group:api")
    assert group.attrs["name_expr"] == "${var.project_name}-${var.environment}-fastapi"
    assert group.attrs["address"] == "aws_lb_target_group.api" and group.attrs["module_complete"] is True
    assert graph.entity("tf/aws_lb:main").attrs["name"] == "shop-alb"


# -- links -----------------------------------------------------------------------------------------


def test_links(graph) -> None:
    links = {(l.source, l.kind, l.target) for l in graph.links()}
    assert ("tf/aws_lb_listener:http", "forwards-to", "tf/aws_lb_target_group:web") in links
    assert ("tf/aws_lb_listener_rule:api", "forwards-to", "tf/aws_lb_target_group:api") in links
    assert ("tf/aws_lb_listener_rule:api", "part-of", "tf/aws_lb_listener:http") in links
    assert ("tf/aws_security_group_rule:fastapi_access", "part-of", "tf/aws_security_group:app") in links
    assert ("tf/aws_security_group_rule:fastapi_access", "allows-from", "tf/aws_security_group:alb") in links
    assert ("tf/aws_lb:main", "uses", "tf/aws_security_group:alb") in links
    assert ("tf/aws_ecs_service:api", "registers-with", "tf/aws_lb_target_group:api") in links
    assert ("tf/aws_ecs_service:api", "uses", "tf/aws_security_group:app") in links
    assert ("app/service:postgres", "member", "tf/aws_db_instance:postgres") in links
    forward = next(l for l in graph.links("forwards-to") if l.source == "tf/aws_lb_listener_rule:api")
    assert forward.reason == "action.forward.target_group.arn = aws_lb_target_group.api.arn"
    assert forward.locations == (Location("alb.tf", 44, 15),)


def test_name_argument_links_a_target_group_to_its_service(tmp_path: Path) -> None:
    copy_tree(MODULE, tmp_path / "infra")
    (tmp_path / ".portlint.toml").write_text('[services]\nfastapi = { port = 8000 }\n')
    graph = scan_tree(tmp_path, select=("PL000",)).graph
    [link] = graph.incoming("tf/aws_lb_target_group:infra/api", "member")
    assert link.source == "app/service:fastapi" and "name argument" in link.reason


# -- robustness and speed --------------------------------------------------------------------------


def test_broken_file_is_a_failure_and_the_rest_is_read() -> None:
    result = scan_tree(TF / "broken", select=("PL001",))
    assert [(f.location.path, f.location.line) for f in result.findings] == [("bad.tf", 4)]
    assert [f.value.number for f in result.graph.facts()] == [8000]


def test_files_without_telltale_words_are_not_parsed() -> None:
    _, ctx = _read(MODULE)
    assert "hcl:noise.tf" not in ctx.cache and "hcl:sg.tf" in ctx.cache


def test_a_file_scanned_alone_resolves_through_its_siblings() -> None:
    output, _ = _read(MODULE, [MODULE / "alb.tf"])
    kinds = {e.ref.kind for e in output.entities}
    assert "tf/aws_security_group" not in kinds  # siblings give definitions, not findings
    web = next(f for f in output.facts if f.owner.name == "web" and f.field == "port")
    assert web.value.number == 3000
    group = next(e for e in output.entities if e.ref.name == "api")
    assert group.attrs["module_complete"] is False


def test_ports_out_of_range_are_invalid_but_zero_is_allowed(tmp_path: Path) -> None:
    (tmp_path / "sg.tf").write_text(
        'resource "aws_security_group_rule" "r" {\n  type = "ingress"\n  from_port = 0\n'
        '  to_port = 70000\n  protocol = "tcp"\n  cidr_blocks = ["10.0.0.0/8"]\n}\n'
        'resource "aws_lb_target_group" "t" {\n  port = 0\n}\n')
    result = scan_tree(tmp_path, select=("PL002",))
    assert sorted(f.location.line for f in result.findings) == [4, 9]


def test_undecodable_file_is_a_failure(tmp_path: Path) -> None:
    (tmp_path / "bad.tf").write_bytes(b'resource "aws_lb_target_group" "x" {\n  port = "\xff"\n}\n')
    result = scan_tree(tmp_path, select=("PL001",))
    assert [f.location.path for f in result.findings] == ["bad.tf"]


def test_reference_cycles_do_not_hang(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('locals {\n  a = local.b\n  b = local.a\n}\n'
                                      'resource "aws_lb_target_group" "t" {\n  port = local.a\n}\n')
    [fact] = scan_tree(tmp_path, select=("PL000",)).graph.facts()
    assert fact.value.unresolved and fact.value.text == "local.a"


def test_tfvars_in_an_environment_folder_belong_to_the_module_above(tmp_path: Path) -> None:
    (tmp_path / "envs").mkdir()
    (tmp_path / "main.tf").write_text('variable "p" {\n  default = 80\n}\n'
                                      'resource "aws_lb_listener" "l" {\n  port = var.p\n}\n')
    (tmp_path / "envs" / "prod.tfvars").write_text("p = 443\n")
    (tmp_path / "envs" / "dev.tfvars").write_text("p = 80\n")
    facts = {f.environment: f.value.number for f in scan_tree(tmp_path, select=("PL000",)).graph.facts()}
    assert facts == {"dev": 80, "prod": 443}


def test_environments_that_agree_give_one_fact(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('variable "p" {}\nresource "aws_lb_listener" "l" {\n  port = var.p\n}\n')
    (tmp_path / "dev.tfvars").write_text("p = 80\n")
    (tmp_path / "prod.tfvars").write_text("p = 80\n")
    [fact] = scan_tree(tmp_path, select=("PL000",)).graph.facts()
    assert fact.environment is None and fact.value.number == 80
    assert fact.value.defined_at == (Location("dev.tfvars", 1, 5), Location("prod.tfvars", 1, 5))


# -- the consistent tree, and what breaking it does ------------------------------------------------

CONSISTENT = FIXTURES / "consistent" / "terraform"


def test_consistent_tree_is_silent_under_every_rule() -> None:
    result = scan_tree(CONSISTENT, select=("ALL",))  # hygiene rules too
    assert [(f.rule_id, str(f.location)) for f in result.findings] == []
    assert len([e for e in result.graph.entities() if e.ref.kind.startswith("tf/")]) > 20


@pytest.mark.parametrize(("path", "old", "new", "expected"), [
    ("infra/alb.tf", "port        = 8050", "port        = 8051", {("PL201", "infra/alb.tf:54")}),
    (".env.example", "DATABASE_PORT=5432", "DATABASE_PORT=5433", {("PL208", ".env.example:1")}),
    ("infra/prod.tfvars", '["198.51.100.0/24"]', '["0.0.0.0/0"]', {("PL204", "infra/bastion.tf:7")}),
    ("infra/alb.tf", "aws_lb_target_group.fastapi.arn", "aws_lb_target_group.api.arn",
     {("PL203", "infra/alb.tf:94"), ("PL209", "infra/alb.tf:33")}),
    ("infra/variables.tf", "dash    = 8050", "dash    = 8051", {("PL207", "infra/ecs.tf:1")}),
], ids=["target-group-port", "database-port", "ssh-to-the-world", "renamed-target-group", "dynamic-rule-port"])
def test_breaking_the_consistent_tree_is_reported(tmp_path: Path, path: str, old: str, new: str, expected: set) -> None:
    tree = tmp_path / "tree"
    copy_tree(CONSISTENT, tree)
    target = tree / path
    text = target.read_text()
    assert old in text
    target.write_text(text.replace(old, new, 1))
    findings = {(f.rule_id, f.location.short) for f in scan_tree(tree, select=("PL2",)).findings}
    assert findings == expected


def test_explain_shows_the_links_a_finding_rests_on() -> None:
    from conftest import run_cli

    case = FIXTURES / "rules" / "PL201" / "fire-k8s-and-tfvars"
    proc = run_cli("check", str(case), "--select", "PL201", "--explain")
    assert proc.returncode == 1
    assert "because: app/service:fastapi -member-> tf/aws_lb_target_group:infra/blue: its name argument" in proc.stdout
    assert "infra/prod.tfvars:2" in proc.stdout


def test_by_port_link_when_no_name_matches(tmp_path: Path) -> None:
    (tmp_path / ".portlint.toml").write_text("[services]\nfastapi = { port = 8000 }\n")
    (tmp_path / "main.tf").write_text(
        'resource "aws_ecs_task_definition" "t" {\n  container_definitions = jsonencode([{ name = "fastapi",'
        ' portMappings = [{ containerPort = 8000 }] }])\n}\n'
        'resource "aws_lb_target_group" "blue" {\n  port = 8000\n}\n'
        'resource "aws_lb_target_group" "green" {\n  port = 9999\n}\n')
    graph = scan_tree(tmp_path, select=("PL000",)).graph
    [link] = graph.incoming("tf/aws_lb_target_group:blue", "member")
    assert link.source == "app/service:fastapi" and "its port 8000" in link.reason
    assert graph.incoming("tf/aws_lb_target_group:green", "member") == []


def test_arithmetic_crlf_bom_and_empty_files(tmp_path: Path) -> None:
    (tmp_path / "crlf.tf").write_bytes(b'variable "base" {\r\n  default = 8000\r\n}\r\n'
                                       b'resource "aws_lb_target_group" "a" {\r\n  port = var.base + 1\r\n}\r\n')
    (tmp_path / "bom.tf").write_bytes('\ufeffresource "aws_lb_listener" "b" {\n  port = 443 # ünïcode\n}\n'.encode())
    (tmp_path / "empty.tf").write_text("")
    (tmp_path / "comments.tf").write_text("# port 22\n/* ingress */\n")
    result = scan_tree(tmp_path, select=("PL001",))
    assert result.findings == []
    facts = {f.owner.name: f for f in result.graph.facts()}
    assert facts["a"].value.number == 8001 and facts["a"].location == Location("crlf.tf", 5, 10)
    assert facts["a"].value.defined_at == (Location("crlf.tf", 2, 13),)
    assert facts["b"].value.number == 443 and facts["b"].location == Location("bom.tf", 2, 10)


def test_blocks_the_reader_never_reads_are_not_converted() -> None:
    text = ('resource "aws_iam_policy" "p" {\n  policy = "${jsonencode({a = "}"})}"\n}\n'
            'resource "aws_security_group" "sg" {\n  name = "a{b"\n}\n')
    parsed = hcl.parse(text, "t.tf", keep_block)
    assert not parsed.errors and [b.labels for b in parsed.body.blocks] == [("aws_security_group", "sg")]
    assert parsed.body.blocks[0].loc == Location("t.tf", 4, 1)


def test_an_error_is_reported_and_the_rest_of_the_file_is_read(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('resource "aws_lb_listener" "k" {\n  port = 8080\n}\n'
                                      'resource "aws_lb_listener" "l" {\n  port = = 80\n}\n')
    result = scan_tree(tmp_path, select=("PL001",))
    [finding] = result.findings
    assert (finding.location.line, finding.location.column) == (5, 10)
    assert [f.value.number for f in result.graph.facts() if f.owner.name == "k"] == [8080]


def test_a_single_environment_keeps_what_does_not_depend_on_it_for_every_environment(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('variable "p" {}\nresource "aws_lb_listener" "l" {\n  port = var.p\n}\n'
                                      'resource "aws_lb_listener" "m" {\n  port = 443\n}\n')
    (tmp_path / "dev.tfvars").write_text("p = 80\n")
    facts = {f.owner.name: f.environment for f in scan_tree(tmp_path, select=("PL000",)).graph.facts()}
    assert facts == {"l": "dev", "m": None}


def test_for_each_and_count_instances(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'variable "on" {\n  default = false\n}\nvariable "env" {\n  default = "prod"\n}\n'
        'resource "aws_lb_listener" "each" {\n  for_each = { http = 80, https = 443 }\n  port = each.value\n}\n'
        'resource "aws_lb_listener" "counted" {\n  count = 2\n  port = 8000 + count.index\n}\n'
        'resource "aws_lb_listener" "off" {\n  count = var.on ? 1 : 0\n  port = 9000\n}\n'
        'resource "aws_lb_listener" "chosen" {\n  port = var.env == "prod" ? 443 : 80\n}\n'
        'resource "aws_lb_listener" "unknown" {\n  count = var.n\n  port = 7000\n}\n')
    facts = sorted((f.owner.name, f.slot, f.value.text) for f in scan_tree(tmp_path, select=("PL000",)).graph.facts())
    assert facts == [("chosen", "", "443"), ("counted", "[0]", "8000"), ("counted", "[1]", "8001"),
                     ("each", '["http"]', "80"), ("each", '["https"]', "443"), ("unknown", "", "7000")]


def test_tf_json_reads_like_hcl(tmp_path: Path) -> None:
    hcl = tmp_path / "hcl"
    js = tmp_path / "json"
    hcl.mkdir()
    js.mkdir()
    (hcl / "main.tf").write_text('variable "p" {\n  default = 8080\n}\n'
                                 'resource "aws_lb_target_group" "api" {\n  port = var.p\n'
                                 '  health_check {\n    port = "traffic-port"\n  }\n}\n')
    (js / "main.tf.json").write_text('{"variable": {"p": {"default": 8080}},\n'
                                     ' "resource": {"aws_lb_target_group": {"api": {\n'
                                     '   "port": "${var.p}",\n   "health_check": {"port": "traffic-port"}}}}}\n')
    (js / "prod.tfvars.json").write_text('{"p": 9090}\n')

    def facts(root: Path):
        return sorted((f.field, f.value.text, f.environment) for f in scan_tree(root, select=("PL000",)).graph.facts())

    assert facts(hcl) == [("health_check.port", "traffic-port", None), ("port", "8080", None)]
    assert facts(js) == [("health_check.port", "traffic-port", None), ("port", "9090", "prod")]
    [port] = [f for f in scan_tree(js, select=("PL000",)).graph.facts() if f.field == "port"]
    assert port.location == Location("main.tf.json", 3, 12)


def test_invalid_tf_json_is_a_failure_with_its_position(tmp_path: Path) -> None:
    (tmp_path / "main.tf.json").write_text('{\n  "resource": {\n    "aws_lb_listener": {\n      "x": { "port": 80,, }\n')
    [finding] = scan_tree(tmp_path, select=("PL001",)).findings
    assert (finding.location.line, finding.location.column) == (4, 25)


def test_remote_security_group_module_peers_egress_and_instances(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('''
module "db" {
  source   = "terraform-aws-modules/security-group/aws"
  for_each = toset(["blue", "green"])
  name     = "db-${each.key}"

  ingress_with_source_security_group_id = [
    { rule = "postgresql-tcp", source_security_group_id = aws_security_group.app.id },
  ]
  ingress_with_self            = [{ from_port = 9300, to_port = 9300, protocol = "tcp" }]
  ingress_with_prefix_list_ids = [{ rule = "https-443-tcp", prefix_list_ids = "pl-0123" }]
  egress_rules                 = ["all-all"]
  egress_with_cidr_blocks      = [{ rule = "dns-udp", cidr_blocks = "10.0.0.2/32" }]
}
''')
    out, _ = _read(tmp_path)
    owners = sorted({f.owner.namespace for f in out.facts})
    assert owners == ['module.db["blue"]', 'module.db["green"]']
    blue = {(f.slot, f.attrs["bound"]): f for f in out.facts if f.owner.namespace == 'module.db["blue"]'}
    peer = blue[("ingress_with_source_security_group_id[0]", "from")]
    assert (peer.value.number, peer.attrs["source_groups"], peer.attrs["cidr_blocks"]) == (
        5432, ["aws_security_group.app"], [])
    assert blue[("ingress_with_self[0]", "from")].attrs["self"] is True
    assert blue[("ingress_with_prefix_list_ids[0]", "to")].attrs["prefix_lists"] is True
    egress = blue[("egress_rules[0]", "from")]
    assert (egress.attrs["direction"], egress.attrs["protocol"], egress.attrs["cidr_blocks"]) == (
        "egress", "all", ["0.0.0.0/0"])
    dns = blue[("egress_with_cidr_blocks[0]", "from")]
    assert (dns.value.number, dns.protocol, dns.attrs["cidr_blocks"]) == (53, "UDP", ["10.0.0.2/32"])
    entities = sorted(e.attrs["address"] for e in out.entities if e.ref.kind == "tf/aws_security_group")
    assert entities == ['module.db["blue"]', 'module.db["green"]']
