"""The vocabulary of application configuration keys, shared by the config-layer readers.

A config key is ``<service>.<key>``: ``fastapi.port``, ``airflow.webserver_port``,
``fastapi.workers``. Service names are made canonical through the ``[services]`` catalog
(names, ``aliases``, ``env`` variable names), so ``orders_api.port`` and ``DATABASE_PORT`` land on
the catalog's ``fastapi`` and ``postgres``.
"""

from __future__ import annotations

import re

from portlint.config import Config

# A developer's machine: the environment a bare `.env` (and vite's `.env.local`) describes.
LOCAL_ENVIRONMENT = "local"
# Non-port keys that port policy validates or that explain a port (read as Settings).
SETTING_KEYS = ("workers", "host", "debug", "reload", "executor", "namespace")
_UNRESOLVED = re.compile(r"\$\{|\$[A-Za-z_]|\{\{|%\(")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


# The leaf names of a service's main (serving) port, as products name it: `port`, Grafana's
# `http_port`, Airflow's `web_server_port`. Other port keys (`metrics_port`, `admin_port`) are
# a service's second ports: the allocation standard and collision rules compare main ports only.
MAIN_PORT_KEYS = ("port", "http_port", "http-port", "webserver_port", "web_server_port", "server_port",
                  "listen_port", "web_port")


# Where a port key's sibling names the host it is on: `REDIS_HOST`+`REDIS_PORT`, `smtp.server`+`smtp.port`.
HOST_LEAVES = ("host", "hostname", "server", "addr", "address")
# Hosts that mean "this machine": a port beside one of these may be the app's own listen port.
LOCAL_HOSTS = frozenset({"", "localhost", "127.0.0.1", "0.0.0.0", "::", "::1", "[::]", "[::1]", "*"})
# Prefixes that compile a variable into a browser or mobile bundle: the client reads it, so a port
# named after a peer is the address the client calls, never a port anything binds. Sources: Expo
# docs.expo.dev/guides/environment-variables (EXPO_PUBLIC_), Next.js nextjs.org/docs (NEXT_PUBLIC_),
# Nuxt nuxt.com/docs runtime config (NUXT_PUBLIC_), Create React App create-react-app.dev
# adding-custom-environment-variables (REACT_APP_), vite vite.dev/guide/env-and-mode (VITE_), Gatsby
# gatsbyjs.com/docs environment-variables (GATSBY_), SvelteKit $env/static/public and Astro (PUBLIC_).
CLIENT_BUNDLE_PREFIXES = ("EXPO_PUBLIC_", "NEXT_PUBLIC_", "NUXT_PUBLIC_", "REACT_APP_", "VITE_", "GATSBY_", "PUBLIC_")


def bundle_peer(name: str) -> tuple[str, str] | None:
    """(prefix, peer) of a client-bundle port variable: ``EXPO_PUBLIC_GATE_PORT`` → (``EXPO_PUBLIC_``,
    ``gate``). ``VITE_PORT`` (no peer named: the dev server's own port) is ``None``."""
    upper = name.upper()
    for prefix in CLIENT_BUNDLE_PREFIXES:
        if upper.startswith(prefix) and upper.endswith("_PORT"):
            peer = upper[len(prefix):-len("_PORT")].strip("_")
            return (prefix, peer.lower()) if peer else None
    return None


def by_lower_name(siblings: dict[str, str]) -> dict[str, str]:
    """Sibling settings keyed by lower-case name, as :func:`client_host` looks them up (built once
    per mapping or file: a ``.env`` of 2,000 lines asked it 2,000 times)."""
    return {name.lower(): value for name, value in siblings.items()}


def client_host(key: str, siblings: dict[str, str]) -> str | None:
    """The host a port key's sibling (``siblings``: :func:`by_lower_name`) puts it on, when that host is not this machine: ``REDIS_PORT``
    beside ``REDIS_HOST=redis``, ``port`` beside ``host: smtp.example.com``, ``LEAN_DB_PORT`` beside
    ``LEAN_DB_HOST=leantime_db``. Such a port is where the app connects (a client address), not a
    port it binds. ``None`` when no sibling names a host, the host is local (``0.0.0.0``,
    ``localhost``) or not yet known (``${DB_HOST}``)."""
    lowered = key.lower()
    if lowered != "port" and not lowered.endswith(("_port", "-port")):
        return None
    stem = lowered[:-4]  # keeps the separator: redis_, smtp-, or nothing
    for leaf in HOST_LEAVES:
        value = siblings.get(f"{stem}{leaf}")
        if value is None:
            continue
        host = value.strip().strip("'\"").strip().lower()
        if looks_unresolved(host) or host in LOCAL_HOSTS:
            return None
        return host
    return None


def is_port_key(key: str) -> bool:
    """``port``, ``webserver_port``, ``http-port``, ``PORT``, ``FASTAPI_PORT`` (a key or variable
    that holds a port). The one definition every reader uses."""
    lowered = key.lower()
    return lowered == "port" or lowered.endswith(("_port", "-port"))


def is_main_port_key(key: str, main: tuple[str, ...] | list[str] | set[str] = MAIN_PORT_KEYS) -> bool:
    """``fastapi.port``, ``grafana.http_port``, ``airflow.webserver.web_server_port``: the last part."""
    return key.rsplit(".", 1)[-1].lower() in main


def is_setting_key(key: str) -> bool:
    return key.lower() in SETTING_KEYS


def looks_unresolved(text: str) -> bool:
    """``${PORT}``, ``$PORT``, ``{{ .Values.port }}``, ``%(port)s``: a value set elsewhere."""
    return bool(_UNRESOLVED.search(text))


def canonical_service(name: str, config: Config) -> str:
    """The catalog's name for ``name`` (by name or alias), else ``name`` itself."""
    policy = config.service_for_name(name)
    return policy.name if policy is not None else name


def config_key(service: str, key: str, config: Config) -> str:
    return f"{canonical_service(service, config)}.{key}"


def key_for_env_var(name: str, config: Config) -> tuple[str, str] | None:
    """The (service, key) an environment variable sets, or ``None``.

    In this order: a catalog entry's ``env`` list names variables explicitly; a well-known
    product's variable (:data:`portlint.readers._well_known.ENV_KEYS`: ``GF_SERVER_HTTP_PORT`` →
    (grafana, http_port)); the ``SERVICE__SECTION__KEY`` convention (Airflow, pydantic-settings:
    ``AIRFLOW__WEBSERVER__WEB_SERVER_PORT`` → (airflow, webserver.web_server_port)); else the
    name's stem: ``FASTAPI_PORT`` → (fastapi, port), ``DATABASE_PORT`` → (postgres, port) when the
    catalog aliases ``database`` to postgres, else (database, port); ``FASTAPI_WORKERS`` →
    (fastapi, workers); with a catalog service as prefix, the rest is the key
    (``BILLING_ADMIN_PORT`` → (billing, admin_port) when ``billing`` is a catalog service). ``PORT`` alone names no service.
    """
    if not _ENV_NAME.fullmatch(name):
        return None
    upper = name.upper()
    explicit = _from_catalog_env(upper, config)
    if explicit is not None:
        return explicit
    from portlint.readers._well_known import ENV_KEYS

    if upper in ENV_KEYS:
        service, key = ENV_KEYS[upper]
        return canonical_service(service, config), key
    if "__" in upper:
        return _nested(upper, config)
    tokens = upper.split("_")
    if len(tokens) < 2 or not all(tokens):
        return None
    leaf = tokens[-1].lower()
    if leaf != "port" and leaf not in SETTING_KEYS:
        return None
    for cut in range(len(tokens) - 1, 0, -1):
        head = tokens[:cut]
        for joiner in ("_", "-"):
            policy = config.service_for_name(joiner.join(head).lower())
            if policy is not None:
                return policy.name, "_".join(tokens[cut:]).lower()
    return "_".join(tokens[:-1]).lower(), leaf


def _nested(upper: str, config: Config) -> tuple[str, str] | None:
    """``AIRFLOW__WEBSERVER__WEB_SERVER_PORT`` → (airflow, webserver.web_server_port)."""
    parts = upper.split("__")
    if len(parts) < 2 or not all(parts):
        return None
    leaf = parts[-1].lower()
    if not is_port_key(leaf) and leaf not in SETTING_KEYS:
        return None
    return canonical_service(parts[0].lower(), config), ".".join(p.lower() for p in parts[1:])


def _from_catalog_env(upper: str, config: Config) -> tuple[str, str] | None:
    for policy in config.services.values():
        if upper not in (e.upper() for e in policy.env):
            continue
        for alias in policy.names:
            prefix = alias.upper().replace("-", "_") + "_"
            if upper.startswith(prefix) and len(upper) > len(prefix):
                return policy.name, upper[len(prefix):].lower()
        leaf = upper.rsplit("_", 1)[-1].lower()
        return policy.name, (leaf if leaf in SETTING_KEYS else "port")
    return None
