"""Databases and caches: RDS, Aurora, ElastiCache, DocumentDB, Redshift, MemoryDB."""

from __future__ import annotations

from portlint.model import PortFact, PortValue, Role
from portlint.terraform.facts import Res, fact, scalar

DATABASES = ("aws_db_instance", "aws_rds_cluster", "aws_elasticache_cluster", "aws_elasticache_replication_group",
             "aws_docdb_cluster", "aws_redshift_cluster", "aws_memorydb_cluster")

# Where a database engine listens when ``port`` is not written (the engines' documented defaults).
_ENGINE_KINDS = (("aurora-postgresql", "postgres"), ("postgres", "postgres"), ("aurora-mysql", "mysql"),
                 ("aurora", "mysql"), ("mariadb", "mariadb"), ("mysql", "mysql"), ("oracle", "oracle"),
                 ("sqlserver", "sqlserver"), ("valkey", "redis"), ("redis", "redis"), ("memcached", "memcached"))
_ENGINE_PORTS = {"postgres": 5432, "mysql": 3306, "mariadb": 3306, "oracle": 1521, "sqlserver": 1433,
                 "redis": 6379, "memcached": 11211, "docdb": 27017, "redshift": 5439}
_FIXED_ENGINES = {"aws_docdb_cluster": "docdb", "aws_redshift_cluster": "redshift",
                  "aws_memorydb_cluster": "redis", "aws_elasticache_replication_group": "redis"}


def _database(res: Res) -> None:
    engine = scalar(res.ev, res.body, "engine")
    kind = _FIXED_ENGINES.get(res.resource.type) or _engine_kind(engine)
    if res.resource.type == "aws_elasticache_replication_group" and engine:
        kind = _engine_kind(engine) or kind
    res.attrs.update({"engine": engine, "engine_kind": kind})
    attr = res.body.attrs.get("port")
    if attr is not None:
        fact(res, attr, Role.LISTEN, "port", engine_kind=kind)
    elif kind in _ENGINE_PORTS:
        res.facts.append(PortFact(PortValue.parse(_ENGINE_PORTS[kind]), Role.LISTEN, res.ref, res.resource.block.loc,
                                  "TCP", None, "", {"field": "port", "implicit": True, "engine_kind": kind}))


def _engine_kind(engine: str | None) -> str | None:
    if not engine:
        return None
    lowered = engine.lower()
    return next((kind for prefix, kind in _ENGINE_KINDS if lowered.startswith(prefix)), None)


HANDLERS = {t: _database for t in DATABASES}
