"""Port numbers a container's ``command``, ``args`` and ``env`` values name as its own.

Kubernetes' ``ports`` list is informational: an app listens where its flags and variables say
(``--health-probe-addr=:8081``, ``--port 9095``, ``GRPC_PORT=9095``). A number counts when it
stands alone (``8081``, ``--port=8081``, ``a,8081``) or follows a listen address's colon with no
host, a wildcard host or a variable (``:8081``, ``0.0.0.0:8081``, ``[::]:8081``,
``$(POD_IP):8081``). A number after a host name (``db:5432``, ``http://otel:4317``) is where the
app connects, not where it listens, and sizes or versions (``3276MiB``, ``1.2.3``) are not ports.
"""

from __future__ import annotations

import re

_NUMBER = re.compile(r"(?<![\w.])(?:(?P<host>\[::\]|::|0\.0\.0\.0|\$\([A-Za-z_][A-Za-z0-9_]*\)|\$\{[^}]*\})?"
                     r"(?P<colon>:))?(?P<port>\d{1,5})(?![\w.\-])")
_HOSTNAME_BEFORE = re.compile(r"[\w\-\]]:\d")


def named_ports(text: str) -> set[int]:
    """The port numbers ``text`` names as a listen port (1-65535)."""
    found: set[int] = set()
    for match in _NUMBER.finditer(text):
        start = match.start("port")
        if match.group("colon") is None and start > 0 and text[start - 1] == ":":
            continue  # `db:5432`: a host name before the colon
        if match.group("colon") and not match.group("host") and start >= 2 and _HOSTNAME_BEFORE.match(
                text, start - 2):
            continue
        number = int(match.group("port"))
        if 0 < number <= 65535:
            found.add(number)
    return found


# A setting whose key says it holds a listen port or address: `bind_port = "8080"`, `listen 8080;`,
# `"port": 8080`, `HTTP_PORT: "9000"`, `address: 0.0.0.0:8080`, `listen_addr=:9090`.
_SETTING = re.compile(r"""^[ \t]*["']?(?P<key>[A-Za-z_][\w.\-]*)["']?[ \t]*(?:[:=]|[ \t])[ \t]*(?P<value>[^\n]*)""",
                      re.MULTILINE)
_LISTEN_KEY = re.compile(r"port|listen|bind|addr", re.IGNORECASE)
MAX_CONFIG_TEXT = 256 * 1024  # a larger value is not searched (a bundled file, not a setting)


def config_listen_ports(text: str) -> set[int]:
    """The port numbers a configuration text (a ConfigMap's file or value) sets as where its app
    listens: the values of settings whose key names a port, a listen or bind address."""
    if len(text) > MAX_CONFIG_TEXT:
        return set()
    found: set[int] = set()
    for match in _SETTING.finditer(text):
        if _LISTEN_KEY.search(match.group("key")):
            found |= named_ports(match.group("value"))
    return found
