"""
## What it does
Reports an application setting for a database or cache port (`DATABASE_PORT=5433` in a `.env`
file, `database.port` in app config, …) that is not the port Terraform gives that database:
`aws_db_instance`, `aws_rds_cluster`, `aws_elasticache_cluster` /
`aws_elasticache_replication_group` (and DocumentDB, Redshift, MemoryDB) `port`, or the
engine's default port when `port` is not written. Settings are matched by environment variable
(option `env_vars`, per engine) or by belonging to the same logical service as the database
(the catalog's `postgres = { aliases = ["database"] }`).

## Why is this bad
The application starts, then fails on its first query with "connection refused" or a timeout —
in the environment whose value differs, typically after an infrastructure change nobody
mirrored in the app settings.

## Example
```hcl
resource "aws_db_instance" "main" {
  engine = "postgres"
  port   = 5433
}
```
```bash
# .env
DATABASE_PORT=5432
```

## Use instead
```bash
# .env
DATABASE_PORT=5433
```
"""

from __future__ import annotations

from collections.abc import Iterator

from portlint.graph import explain_link, member_facts, service_of
from portlint.links.terraform import DATABASE_KINDS, PREFIX, compatible, membership, value_origin
from portlint.model import Entity, PortFact, Problem, Related, Role
from portlint.options import Option

ID = "PL208"
NAME = "database-port-mismatch"
SEVERITY = "error"
GROUP = "consistency"
SUMMARY = "An app is configured with a database/cache port other than the one Terraform gives it"
TAGS = ("terraform", "cross-stack")
OPTIONS = {
    "env_vars": Option(dict[str, list[str]], {
        "postgres": ["DATABASE_PORT", "DB_PORT", "POSTGRES_PORT", "POSTGRESQL_PORT", "PGPORT"],
        "mysql": ["DATABASE_PORT", "DB_PORT", "MYSQL_PORT", "MYSQL_TCP_PORT"],
        "mariadb": ["DATABASE_PORT", "DB_PORT", "MARIADB_PORT", "MYSQL_PORT"],
        "sqlserver": ["DATABASE_PORT", "DB_PORT", "MSSQL_PORT"],
        "oracle": ["DATABASE_PORT", "DB_PORT", "ORACLE_PORT"],
        "redis": ["REDIS_PORT", "CACHE_PORT"],
        "memcached": ["MEMCACHED_PORT", "CACHE_PORT"],
        "docdb": ["MONGO_PORT", "MONGODB_PORT", "DOCDB_PORT"],
        "redshift": ["REDSHIFT_PORT"],
    }, "database kind → environment variables that give an app its port"),
}


def check(ctx) -> Iterator[Problem]:
    graph = ctx.graph
    env_vars = {kind: {v.upper() for v in names} for kind, names in ctx.options["env_vars"].items()}
    claims: dict[int, tuple[PortFact, list[tuple[Entity, PortFact]]]] = {}
    for database in graph.entities(DATABASE_KINDS):
        ports = [f for f in graph.facts(database, role=Role.LISTEN) if f.value.number is not None]
        for setting in _settings(graph, database, env_vars):
            entry = claims.setdefault(id(setting), (setting, []))
            entry[1].extend((database, p) for p in ports if compatible(p.environment, setting.environment))
    for setting, sides in sorted(claims.values(), key=lambda c: c[0].location):
        if sides and setting.value.number not in {p.value.number for _, p in sides}:
            yield _problem(ctx, setting, sides)


def _settings(graph, database: Entity, env_vars: dict[str, set[str]]) -> list[PortFact]:
    """App settings for this database: by environment variable, or members of its service."""
    names = env_vars.get(str(database.attrs.get("engine_kind")), set())
    found = [f for f in graph.facts(role=Role.CONFIG) if str(f.attrs.get("env_var", "")).upper() in names]
    service = service_of(graph, database.id)
    if service is not None:
        found += member_facts(graph, service.ref.name, roles=[Role.CONFIG])
    unique = {id(f): f for f in found if f.value.number is not None and not f.owner.kind.startswith(PREFIX)}
    return list(unique.values())


def _problem(ctx, setting: PortFact, sides: list[tuple[Entity, PortFact]]) -> Problem:
    ports = ", ".join(sorted({p.value.text for _, p in sides}, key=int))
    databases = ", ".join(sorted({d.attrs.get("address", d.ref.name) for d, _ in sides}))
    name = setting.attrs.get("env_var") or setting.attrs.get("config_key") or setting.field
    env = f" ({setting.environment})" if setting.environment else ""
    steps = [f"{name} at {setting.location.short} is a setting for {databases}"]
    for database, _ in sides:
        steps += [explain_link(link) for link in membership(ctx.graph, database.id)]
    steps += [explain_link(link) for link in membership(ctx.graph, setting.owner.id)]
    return Problem(
        location=setting.location,
        message=(f"{name} is {setting.value.text}{env}, but Terraform's {databases} listens on {ports}: "
                 "the app's connections are refused"),
        related=tuple(Related(p.location, _describe(d, p)) for d, p in sides),
        fix=f"set {name} to {min(p.value.number for _, p in sides)}, or change the port in Terraform",
        key=f"{setting.owner.id}|{name}|{setting.value.text}",
        explain=tuple(dict.fromkeys(steps)),
    )


def _describe(database: Entity, port: PortFact) -> str:
    implicit = f" (the {database.attrs.get('engine_kind')} default; port is not set)" if port.attrs.get("implicit") else ""
    env = f" ({port.environment})" if port.environment else ""
    return f"{database.attrs.get('address', database.ref.name)} port {port.value.text}{env}{implicit}{value_origin(port)}"
