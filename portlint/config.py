"""Load and validate ``.portlint.toml`` or ``[tool.portlint]`` in ``pyproject.toml``.

Policy (port ranges, the allocation standard, the sensitive-port list, validation bounds) is
data here, never constants in rules. A bad config raises :class:`ConfigError` naming the file
and the key; the CLI turns it into exit code 2.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CONFIG_FILE = ".portlint.toml"
DEFAULT_MAX_FILE_SIZE = 2 * 1024 * 1024
DEFAULT_MAX_FILE_SECONDS = 5.0
DEFAULT_ENVIRONMENTS = ("dev", "uat", "staging", "prod")

# Sensitive ports reachable from the world are findings; this is only the default list.
DEFAULT_SENSITIVE_PORTS: dict[int, str] = {
    20: "FTP data", 21: "FTP", 22: "SSH", 23: "Telnet", 25: "SMTP", 110: "POP3", 111: "rpcbind",
    135: "MS RPC", 137: "NetBIOS", 138: "NetBIOS datagram", 139: "NetBIOS", 143: "IMAP", 161: "SNMP",
    389: "LDAP/CLDAP", 445: "SMB", 1900: "SSDP",
    1433: "MS SQL Server", 1521: "Oracle DB", 2049: "NFS", 2375: "Docker daemon (plain)",
    2376: "Docker daemon (TLS)", 2379: "etcd", 2380: "etcd peer", 3306: "MySQL",
    3389: "RDP", 5432: "PostgreSQL", 5601: "Kibana", 5900: "VNC", 5984: "CouchDB",
    6379: "Redis", 6443: "Kubernetes API", 7000: "Cassandra", 7001: "Cassandra TLS",
    8020: "Hadoop NameNode", 8086: "InfluxDB", 9042: "Cassandra CQL", 9092: "Kafka",
    9200: "Elasticsearch", 9300: "Elasticsearch transport", 10250: "kubelet API",
    11211: "Memcached", 27017: "MongoDB", 27018: "MongoDB shard", 50070: "Hadoop web UI",
}

# The keys of [validation] and the shape of their values (these are the spec's deploy-script bounds,
# used only as the example `portlint init` shows). Nothing is validated unless the repository's
# config sets a key: an organisation's bounds are its own policy, not a default.
VALIDATION_KEYS: dict[str, Any] = {
    "app-port": [1000, 65535],
    "workers": [1, 16],
    "hosts": ["0.0.0.0", "127.0.0.1", "localhost"],
    "booleans": ["true", "false"],
    "executors": ["LocalExecutor", "KubernetesExecutor", "CeleryExecutor"],
}

# Configuration layers, highest precedence first (the spec: Parameter Store > env > YAML > code)
DEFAULT_PRECEDENCE = ["parameter-store", "env", "yaml", "code"]
LAYERS = tuple(DEFAULT_PRECEDENCE)  # every layer the readers know

DEFAULT_APP_CONFIG = ["config/*.yaml", "config/*.yml", "**/config/*.yaml", "**/config/*.yml"]

_TOP_KEYS = {
    "exclude", "include-ignored", "max-file-size", "max-file-seconds", "rules-dir", "environments", "rules",
    "ranges", "services", "sensitive-ports", "validation", "app-config", "precedence",
    "select", "extend-select", "env-files", "cache", "cache-dir", "helm-values", "jobs",
}
_SERVICE_KEYS = {"port", "range", "aliases", "env", "protocol", "kind"}
_RULE_KEYS = {"enabled", "severity"}
_SEVERITIES = {"error", "warning", "note"}


class ConfigError(Exception):
    """Raised for a config that cannot be used; the message names the file and the key."""


def did_you_mean(word: str, candidates) -> str:
    from portlint.options import did_you_mean as _hint

    return _hint(word, candidates)


@dataclass(frozen=True)
class ServicePolicy:
    """One line of the allocation standard: a logical service and the port it must use."""

    name: str
    port: int | None = None
    range: str | None = None
    aliases: tuple[str, ...] = ()
    env: tuple[str, ...] = ()
    protocol: str = "TCP"

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


@dataclass
class Config:
    """The effective configuration of one scan."""

    source: str | None = None
    path: Path | None = None  # the file the config was read from (None: defaults)
    found_by: str = "defaults"  # "--config", "scan root", "parent folder" or "defaults"
    exclude: list[str] = field(default_factory=list)
    include_ignored: bool = False
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    max_file_seconds: float = DEFAULT_MAX_FILE_SECONDS  # a reader's time per file (portlint/budget.py)
    rules_dirs: list[Path] = field(default_factory=list)
    environments: tuple[str, ...] = DEFAULT_ENVIRONMENTS
    rule_settings: dict[str, dict[str, Any]] = field(default_factory=dict)
    env_files: dict[str, str] = field(default_factory=dict)  # env-file glob → environment it describes
    cache: bool = True  # keep reader results between runs (.portlint_cache)
    cache_dir: Path | None = None  # where (default: .portlint_cache beside the config file)
    jobs: int = 0  # processes that read (portlint/parallel.py); 0: automatic, 1: one (serial)
    select: tuple[str, ...] = ()  # rules or groups replacing the default group ("consistency")
    extend_select: tuple[str, ...] = ()  # rules or groups added to the selection ("hygiene")
    ranges: dict[str, tuple[int, int]] = field(default_factory=dict)
    services: dict[str, ServicePolicy] = field(default_factory=dict)
    sensitive_ports: dict[int, str] = field(default_factory=lambda: dict(DEFAULT_SENSITIVE_PORTS))
    validation: dict[str, Any] = field(default_factory=dict)  # only the keys the config sets
    app_config: list[str] = field(default_factory=lambda: list(DEFAULT_APP_CONFIG))
    precedence: list[str] = field(default_factory=lambda: list(DEFAULT_PRECEDENCE))
    # chart folder → environment → values files (all resolved against the config's folder)
    helm_values: dict[Path, dict[str, list[Path]]] = field(default_factory=dict)

    def rule_setting(self, rule_id: str, rule_name: str) -> dict[str, Any]:
        """Settings for a rule, looked up by id or by name (id wins)."""
        merged: dict[str, Any] = {}
        merged.update(self.rule_settings.get(rule_name, {}))
        merged.update(self.rule_settings.get(rule_id, {}))
        return merged

    def service_for_name(self, name: str) -> ServicePolicy | None:
        """The catalog entry whose name or alias equals ``name`` (case-insensitive): one dict
        lookup, through an index rebuilt only when the catalog changes."""
        return self._service_index().get(name.lower())

    def _service_index(self) -> dict[str, ServicePolicy]:
        stamp = (id(self.services), len(self.services))
        cached = self.__dict__.get("_services_by_name")
        if cached is None or cached[0] != stamp:
            index: dict[str, ServicePolicy] = {}
            for svc in self.services.values():
                for n in svc.names:
                    index.setdefault(n.lower(), svc)  # the first entry naming it wins, as before
            cached = (stamp, index)
            self.__dict__["_services_by_name"] = cached
        return cached[1]

    def range_of(self, port: int) -> str | None:
        """The name of the first configured range holding ``port``."""
        for name, (low, high) in self.ranges.items():
            if low <= port <= high:
                return name
        return None


def config_in(folder: Path) -> Path | None:
    """``.portlint.toml`` in ``folder``, else its ``pyproject.toml`` when that has ``[tool.portlint]``."""
    candidate = folder / CONFIG_FILE
    if candidate.is_file():
        return candidate
    pyproject = folder / "pyproject.toml"
    if pyproject.is_file():
        try:
            text = pyproject.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            return None
        if "portlint" not in text:
            return None  # cheap test first: most pyproject files never mention portlint
        return pyproject if _has_tool_table(pyproject, text) else None
    return None


def find_config_file(root: Path) -> Path | None:
    """The nearest config at ``root`` or in a folder above it, as ruff finds its own."""
    found = find_config(root)
    return found[0] if found else None


def find_config(root: Path) -> tuple[Path, str] | None:
    """The nearest config file and how it was found ("scan root" or "parent folder")."""
    start = root.resolve()
    for folder in (start, *start.parents):
        path = config_in(folder)
        if path is not None:
            return path, "scan root" if folder == start else "parent folder"
    return None


def _has_tool_table(pyproject: Path, text: str) -> bool:
    try:
        data = _parse_toml(pyproject)
    except ConfigError:  # broken: ours to report only when it clearly holds a portlint table
        return "[tool.portlint" in text
    tool = data.get("tool")
    return isinstance(tool, dict) and "portlint" in tool


def load_config(root: Path, explicit: Path | None = None) -> Config:
    """Load the config for a scan rooted at ``root`` (or the explicit file)."""
    if explicit is not None:
        path, how = explicit, "--config"
    else:
        found = find_config(root)
        if found is None:
            return Config()
        path, how = found
    data = _parse_toml(path)
    if path.name == "pyproject.toml":
        tool = data.get("tool", {})
        if not isinstance(tool, dict):
            raise ConfigError(f"{path}: tool: must be a table")
        data = tool.get("portlint", {})
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: tool.portlint: must be a table, not {_kind(data)}")
        prefix = "tool.portlint."
    else:
        prefix = ""
    cfg = parse_config(data, str(path), prefix, base_dir=path.parent)
    cfg.path, cfg.found_by = path, how
    return cfg


MAX_TOML_BYTES = 1024 * 1024


def _parse_toml(path: Path) -> dict[str, Any]:
    """Decode a TOML file; every failure (size, nesting, huge integers) is a ConfigError naming the file."""
    try:
        if path.exists() and not path.is_file():  # a FIFO or /dev/zero would block or never end
            raise ConfigError(f"{path}: not a regular file")
        if path.is_file() and path.stat().st_size > MAX_TOML_BYTES:
            raise ConfigError(f"{path}: config file is over {MAX_TOML_BYTES} bytes")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text: {exc.reason} at byte {exc.start}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    import tomllib  # here: a tree without a config file never needs the parser

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except RecursionError:
        raise ConfigError(f"{path}: {_deep_key(text)}: arrays or tables nested too deeply") from None
    except ValueError as exc:  # Python's int-string limit (4300 digits) and similar
        raise ConfigError(f"{path}: {_long_number_key(text)}: {_first_sentence(exc)}") from None


def _line_key(line: str) -> str:
    key = line.split("=", 1)[0].strip() if "=" in line else line.strip()
    return key[:60] or "?"


def _deep_key(text: str) -> str:
    for number, line in enumerate(text.splitlines(), start=1):
        if line.count("[") + line.count("{") > 50:
            return f"line {number}: {_line_key(line)}"
    return "?"


def _long_number_key(text: str) -> str:
    for number, line in enumerate(text.splitlines(), start=1):
        if re.search(r"[0-9_]{1000,}", line):
            return f"line {number}: {_line_key(line)}"
    return "?"


def _first_sentence(exc: Exception) -> str:
    return str(exc).split(";")[0]


def _kind(value: Any) -> str:
    return {bool: "a boolean", int: "an integer", float: "a number", str: "a string", list: "an array",
            dict: "a table"}.get(type(value), type(value).__name__)


def parse_config(data: dict[str, Any], source: str, prefix: str = "", base_dir: Path | None = None) -> Config:
    """Validate a decoded TOML table and build a :class:`Config`."""
    where = _Where(source, prefix)
    unknown = sorted(set(data) - _TOP_KEYS)
    if unknown:
        raise ConfigError(where.key(unknown[0], "unknown key" + _known(unknown[0], _TOP_KEYS)))
    cfg = Config(source=source)
    cfg.exclude = _str_list(data.get("exclude", []), where, "exclude")
    cfg.include_ignored = _bool(data.get("include-ignored", False), where, "include-ignored")
    cfg.max_file_size = _positive_int(data.get("max-file-size", DEFAULT_MAX_FILE_SIZE), where, "max-file-size")
    cfg.max_file_seconds = _seconds(data.get("max-file-seconds", DEFAULT_MAX_FILE_SECONDS), where, "max-file-seconds")
    base = base_dir or Path(".")
    cfg.rules_dirs = [base / p for p in _str_list(data.get("rules-dir", []), where, "rules-dir")]
    if "environments" in data:
        cfg.environments = tuple(_str_list(data["environments"], where, "environments"))
    cfg.rule_settings = _rules(data.get("rules", {}), where)
    cfg.env_files = _env_files(data.get("env-files", {}), where)
    cfg.cache = _bool(data.get("cache", True), where, "cache")
    cfg.jobs = _jobs(data.get("jobs", 0), where, "jobs")
    if "cache-dir" in data:
        cfg.cache_dir = base / _str(data["cache-dir"], where, "cache-dir")
    cfg.select = tuple(_str_list(data.get("select", []), where, "select"))
    cfg.extend_select = tuple(_str_list(data.get("extend-select", []), where, "extend-select"))
    cfg.ranges = _ranges(data.get("ranges", {}), where)
    cfg.services = _services(data.get("services", {}), cfg.ranges, where)
    if "sensitive-ports" in data:
        cfg.sensitive_ports = _sensitive(data["sensitive-ports"], where)
    cfg.validation = _validation(data.get("validation", {}), where)
    if "app-config" in data:
        cfg.app_config = _str_list(data["app-config"], where, "app-config")
    if "precedence" in data:
        cfg.precedence = _precedence(data["precedence"], where)
    cfg.helm_values = _helm_values(data.get("helm-values", {}), where, base)
    return cfg


def _known(word: str, known) -> str:
    """`` (did you mean X?; known: a, b)``"""
    hint = did_you_mean(word, known).strip()
    listed = ", ".join(sorted(known))
    return f"; {hint[1:-1]} (known: {listed})" if hint else f" (known: {listed})"


def _precedence(value: Any, where: _Where) -> list[str]:
    layers = _str_list(value, where, "precedence")
    for i, layer in enumerate(layers):
        if layer not in LAYERS:
            raise ConfigError(where.key(f"precedence[{i}]", f"unknown layer {layer!r}" + _known(layer, LAYERS)))
        if layers.index(layer) != i:
            raise ConfigError(where.key(f"precedence[{i}]", f"layer {layer!r} is listed twice"))
    return layers


def _helm_values(value: Any, where: _Where, base: Path) -> dict[Path, dict[str, list[Path]]]:
    """``[helm-values."charts/api"] prod = ["envs/prod/api.yaml"]``: values files per environment."""
    if not isinstance(value, dict):
        raise ConfigError(where.key("helm-values", "must be a table of chart folders"))
    out: dict[Path, dict[str, list[Path]]] = {}
    for chart, envs in value.items():
        key = f"helm-values.{chart}"
        if not isinstance(envs, dict):
            raise ConfigError(where.key(key, "must be a table of environment = [values files]"))
        out[(base / chart).resolve()] = {env: [(base / f).resolve() for f in _str_list(files, where, f"{key}.{env}")]
                                         for env, files in envs.items()}
    return out


@dataclass(frozen=True)
class _Where:
    source: str
    prefix: str

    def key(self, key: str, problem: str) -> str:
        return f"{self.source}: {self.prefix}{key}: {problem}"


def _str_list(value: Any, where: _Where, key: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(where.key(key, "must be a list of strings"))
    return list(value)


def _str(value: Any, where: _Where, key: str) -> str:
    if not isinstance(value, str) or not value:
        raise ConfigError(where.key(key, "must be a non-empty string"))
    return value


def _bool(value: Any, where: _Where, key: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(where.key(key, "must be true or false"))
    return value


def _positive_int(value: Any, where: _Where, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ConfigError(where.key(key, "must be a positive integer"))
    return value


def _jobs(value: Any, where: _Where, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 256:
        raise ConfigError(where.key(key, f"must be a number of processes in 0-256 (0: automatic), not {value!r}"))
    return value


def _seconds(value: Any, where: _Where, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 86_400:
        raise ConfigError(where.key(key, "must be a number of seconds above 0 (at most 86400)"))
    return float(value)


def _port(value: Any, where: _Where, key: str, low: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= 65535:
        raise ConfigError(where.key(key, f"must be an integer port in {low}-65535, not {value!r}"))
    return value


def _table(value: Any, where: _Where, key: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(where.key(key, "must be a table"))
    return value


def _rules(value: Any, where: _Where) -> dict[str, dict[str, Any]]:
    table = _table(value, where, "rules")
    out: dict[str, dict[str, Any]] = {}
    for rule, settings in table.items():
        key = f"rules.{rule}"
        if isinstance(settings, bool):
            settings = {"enabled": settings}
        if not isinstance(settings, dict):
            raise ConfigError(where.key(key, f"must be true, false or a table, not {_kind(settings)}"))
        settings = dict(settings)
        if "enabled" in settings:
            _bool(settings["enabled"], where, f"{key}.enabled")
        severity = settings.get("severity")
        if "severity" in settings and (not isinstance(severity, str) or severity not in _SEVERITIES):
            raise ConfigError(where.key(f"{key}.severity", "must be one of error, warning, note"
                                        + (f", not {_kind(severity)}" if not isinstance(severity, str) else
                                           did_you_mean(severity, _SEVERITIES))))
        out[rule] = settings
    return out


def _ranges(value: Any, where: _Where) -> dict[str, tuple[int, int]]:
    table = _table(value, where, "ranges")
    out: dict[str, tuple[int, int]] = {}
    for name, bounds in table.items():
        key = f"ranges.{name}"
        if not isinstance(bounds, list) or len(bounds) != 2:
            raise ConfigError(where.key(key, "must be [low, high]"))
        low, high = (_port(b, where, key, low=0) for b in bounds)
        if low > high:
            raise ConfigError(where.key(key, f"low {low} is above high {high}"))
        out[name] = (low, high)
    return out


def _services(value: Any, ranges: dict[str, tuple[int, int]], where: _Where) -> dict[str, ServicePolicy]:
    table = _table(value, where, "services")
    out: dict[str, ServicePolicy] = {}
    for name, spec in table.items():
        key = f"services.{name}"
        if isinstance(spec, int) and not isinstance(spec, bool):
            spec = {"port": spec}
        spec = _table(spec, where, key)
        unknown = sorted(set(spec) - _SERVICE_KEYS)
        if unknown:
            raise ConfigError(where.key(f"{key}.{unknown[0]}", "unknown key" + _known(unknown[0], _SERVICE_KEYS)))
        if "kind" in spec and not isinstance(spec["kind"], str):
            raise ConfigError(where.key(f"{key}.kind", "must be a string"))
        port = _port(spec["port"], where, f"{key}.port") if "port" in spec else None
        range_name = spec.get("range")
        if range_name is not None:
            if not isinstance(range_name, str):
                raise ConfigError(where.key(f"{key}.range", "must be a string naming a [ranges] entry"))
            if range_name not in ranges:
                raise ConfigError(where.key(f"{key}.range", f"names no range in [ranges]: {range_name!r}"))
        protocol = spec.get("protocol", "TCP")
        if not isinstance(protocol, str):
            raise ConfigError(where.key(f"{key}.protocol", "must be a string"))
        out[name] = ServicePolicy(
            name=name,
            port=port,
            range=range_name,
            aliases=tuple(_str_list(spec.get("aliases", []), where, f"{key}.aliases")),
            env=tuple(_str_list(spec.get("env", []), where, f"{key}.env")),
            protocol=protocol.upper(),
        )
    return out


def _env_files(value: Any, where: _Where) -> dict[str, str]:
    """``".env" = "dev"``: the environment an env file describes (a glob; a bare name matches anywhere)."""
    table = _table(value, where, "env-files")
    for glob, env in table.items():
        if not isinstance(env, str) or not env.strip():
            raise ConfigError(where.key(f"env-files.{glob}", "must be an environment name"))
    return dict(table)


def _sensitive(value: Any, where: _Where) -> dict[int, str]:
    table = _table(value, where, "sensitive-ports")
    out: dict[int, str] = {}
    for port, label in table.items():
        key = f"sensitive-ports.{port}"
        if not (port.isascii() and port.isdigit() and len(port) <= 5):
            raise ConfigError(where.key(key, "keys must be port numbers in quotes, e.g. \"22\" = \"SSH\""))
        number = _port(int(port), where, key)
        if not isinstance(label, str):
            raise ConfigError(where.key(key, "must be a string describing the port"))
        out[number] = label
    return out


def _validation(value: Any, where: _Where) -> dict[str, Any]:
    table = _table(value, where, "validation")
    out: dict[str, Any] = {}
    for key, item in table.items():
        if key not in VALIDATION_KEYS:
            raise ConfigError(where.key(f"validation.{key}", "unknown key" + _known(key, VALIDATION_KEYS)))
        if key in ("app-port", "workers"):
            if not isinstance(item, list) or len(item) != 2 or not all(isinstance(v, int) and not isinstance(v, bool) for v in item):
                raise ConfigError(where.key(f"validation.{key}", "must be [low, high]"))
        else:
            item = _str_list(item, where, f"validation.{key}")
        out[key] = item
    return out
