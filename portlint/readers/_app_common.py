"""Helpers shared by the application readers (Python, vite, compose, Dockerfile).

- which logical service a config key or an environment variable names;
- port-ish names (``port``, ``webserver_port``, ``FASTAPI_PORT``);
- ``host:port`` strings, URLs and command lines (``--port 8000``, ``-b 0.0.0.0:8000``);
- byte offsets (``ast``, tree-sitter) to character columns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from portlint.config import Config
from portlint.readers._config_keys import is_port_key

CODE_LAYER = "code"
ENV_LAYER = "env"
_DEFAULT_SCHEME_PORTS = {"http": 80, "ws": 80, "https": 443, "wss": 443}


# -- names -------------------------------------------------------------------------------------


# one vocabulary: a port key and a port variable are the same test (``port``, ``*_port``)
is_port_env = is_port_key


def service_for_config_key(key: str, config: Config) -> str | None:
    """``fastapi.port`` → ``fastapi`` (canonical through the catalog and its aliases)."""
    from portlint.readers._config_keys import canonical_service

    head, dot, _ = key.partition(".")
    return canonical_service(head, config) if dot and head else None


def service_for_env_var(name: str, config: Config, strict: bool = False) -> str | None:
    """``FASTAPI_PORT`` → ``fastapi``, the way the config-layer readers map env vars.

    See :func:`portlint.readers._config_keys.key_for_env_var` (catalog ``env`` lists, names and
    aliases, else the variable's stem). Bare ``PORT`` names no service. With ``strict`` and a
    non-empty catalog, a stem the catalog does not know names no service either
    (``METRICS_PORT`` inside an app is that app's second port, not a service of its own).
    """
    from portlint.readers._config_keys import key_for_env_var

    named = key_for_env_var(name, config)
    if named is None or not is_port_key(named[1]):
        return None
    service = named[0]
    if strict and config.services and config.service_for_name(service) is None:
        return None
    return service


# -- positions ----------------------------------------------------------------------------------


class LineIndex:
    """Turn (line, byte column) or a character offset into 1-based character columns."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = text.split("\n")
        self.ascii = text.isascii()
        self._starts: list[int] | None = None

    def char_column(self, line: int, byte_column: int) -> int:
        """1-based character column of a 0-based byte column on 1-based ``line``."""
        if self.ascii or line < 1 or line > len(self.lines):
            return byte_column + 1
        raw = self.lines[line - 1].encode("utf-8")[:byte_column]
        return len(raw.decode("utf-8", errors="replace")) + 1

    def offset(self, line: int, column: int) -> int:
        """Character offset of a 1-based line and 1-based character column."""
        starts = self._line_starts()
        return starts[min(max(line, 1), len(starts)) - 1] + column - 1

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, character column) of a character offset."""
        import bisect

        starts = self._line_starts()
        index = bisect.bisect_right(starts, offset) - 1
        return index + 1, offset - starts[index] + 1

    def _line_starts(self) -> list[int]:
        if self._starts is None:
            starts, total = [], 0
            for line in self.lines:
                starts.append(total)
                total += len(line) + 1
            self._starts = starts
        return self._starts


# -- host:port, URLs ----------------------------------------------------------------------------


@dataclass(frozen=True)
class HostPort:
    """A ``host:port`` written in a string; ``offset`` is where the port text starts in it."""

    host: str
    port_text: str
    offset: int


_HOST_PORT = re.compile(r"^(?:\[(?P<v6>[0-9a-fA-F:.]+)\]|(?P<host>[^:/\s]*)):(?P<port>[^:/\s]+)$")


def split_host_port(text: str) -> HostPort | None:
    """``0.0.0.0:8000`` / ``[::1]:8000`` / ``:8000`` → HostPort; anything else → None."""
    match = _HOST_PORT.match(text.strip())
    if not match:
        return None
    lead = len(text) - len(text.lstrip())
    host = match.group("v6") if match.group("v6") is not None else match.group("host") or ""
    return HostPort(host, match.group("port"), lead + match.start("port"))


@dataclass(frozen=True)
class UrlPort:
    """The port of a URL: written (``offset`` into the string) or implied by the scheme."""

    scheme: str
    host: str
    port_text: str
    offset: int | None  # None: not written, implied by the scheme
    path: str


def url_port(url: str) -> UrlPort | None:
    """``http://localhost:8000/x`` → port 8000 at its offset; ``https://api`` → 443 implied."""
    if "://" not in url:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    netloc = parts.netloc
    host_part = netloc.rsplit("@", 1)[-1]
    start = url.index("://") + 3 + (len(netloc) - len(host_part))
    if host_part.startswith("["):
        close = host_part.find("]")
        host, rest = host_part[1:close], host_part[close + 1:]
        rest_offset = start + close + 1
    else:
        host, _, port = host_part.partition(":")
        rest = f":{port}" if _ else ""
        rest_offset = start + len(host)
    if rest.startswith(":") and rest[1:]:
        return UrlPort(scheme, host, rest[1:], rest_offset + 1, parts.path)
    implied = _DEFAULT_SCHEME_PORTS.get(scheme)
    if implied is None:
        return None
    return UrlPort(scheme, host, str(implied), None, parts.path)


# -- command lines ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CommandPort:
    """A port found in a command line: the flag, the port text and its offset in the text."""

    flag: str
    port_text: str
    offset: int
    host: str = ""


@dataclass(frozen=True)
class Token:
    text: str
    offset: int


# flags whose next word (or ``=value``) is a port; ``-p`` only for tools where it means the port
_PORT_FLAGS = ("--port", "--server.port", "--http-port", "--listen-port", "--web-port")
_BIND_FLAGS = ("--bind", "-b", "--listen", "--host-port")
_SHORT_PORT_TOOLS = ("flask", "http-server", "serve", "streamlit", "gradio", "manage.py")
_HOST_PORT_POSITIONAL = ("runserver",)


def tokenize(command: str) -> list[Token]:
    """Split a shell-ish command into words with their offsets (quotes removed)."""
    tokens: list[Token] = []
    for match in re.finditer(r"""'[^']*'|"(?:\\.|[^"\\])*"|[^\s'"]+""", command):
        raw = match.group(0)
        if raw[:1] in "'\"" and raw[-1:] == raw[:1] and len(raw) >= 2:
            tokens.append(Token(raw[1:-1], match.start() + 1))
        else:
            tokens.append(Token(raw, match.start()))
    return tokens


def ports_in_words(words: list[Token]) -> list[CommandPort]:
    """Ports a server command line listens on: ``--port 8000``, ``--port=8000``, ``-b host:8000``.

    Also ``flask run -p 5000``, ``manage.py runserver 0.0.0.0:8000`` and
    ``python -m http.server 8000``.
    """
    found: list[CommandPort] = []
    texts = [w.text for w in words]
    short_port = any(t.endswith(_SHORT_PORT_TOOLS) for t in texts)
    for i, word in enumerate(words):
        flag, eq, value = word.text.partition("=")
        if flag in _PORT_FLAGS or (short_port and flag == "-p"):
            found.extend(_flag_value(word, words, i, flag, eq, value, bind=False))
        elif flag in _BIND_FLAGS:
            found.extend(_flag_value(word, words, i, flag, eq, value, bind=True))
        elif word.text in _HOST_PORT_POSITIONAL and i + 1 < len(words):
            found.extend(_bind_value(words[i + 1], word.text))
        elif flag in _INSPECT_FLAGS:
            found.append(_inspect_port(word, flag, value if eq else ""))
        elif word.text == "http.server" and i + 1 < len(words) and words[i + 1].text.isdigit():
            found.append(CommandPort("http.server", words[i + 1].text, words[i + 1].offset))
    return found


# Node's inspector: ``--inspect[=[host:]port]``, port 9229 unless written (nodejs.org/api/cli.html)
_INSPECT_FLAGS = ("--inspect", "--inspect-brk", "--inspect-wait")
_INSPECT_PORT = "9229"


def _inspect_port(word: Token, flag: str, value: str) -> CommandPort:
    start = word.offset + len(flag) + 1
    if value.isdigit():
        return CommandPort(flag, value, start)
    hp = split_host_port(value) if value else None
    if hp is not None and hp.port_text.isdigit():
        return CommandPort(flag, hp.port_text, start + hp.offset, hp.host)
    return CommandPort(flag, _INSPECT_PORT, word.offset, value)  # the default port, reported at the flag


def _flag_value(word: Token, words: list[Token], i: int, flag: str, eq: str, value: str,
                bind: bool) -> list[CommandPort]:
    if eq:
        target = Token(value, word.offset + len(flag) + 1)
    elif i + 1 < len(words):
        target = words[i + 1]
    else:
        return []
    if bind:
        return _bind_value(target, flag)
    return [CommandPort(flag, target.text, target.offset)] if target.text else []


def _bind_value(word: Token, flag: str) -> list[CommandPort]:
    if word.text.isdigit():
        return [CommandPort(flag, word.text, word.offset)]
    if word.text.startswith(("unix:", "fd://")):
        return []
    hp = split_host_port(word.text)
    if hp is None:
        return []
    return [CommandPort(flag, hp.port_text, word.offset + hp.offset, hp.host)]


_MODULE_APP = re.compile(r"^([A-Za-z_][\w.]*)(?::[\w.()]+)?$")
_SERVERS = ("uvicorn", "gunicorn", "hypercorn", "daphne", "granian")


def runs_a_server(words: list[str]) -> bool:
    """``gunicorn app:app``, ``uvicorn main:app``: a server imports the module (its
    ``if __name__ == "__main__":`` block never runs)."""
    return any(w.rsplit("/", 1)[-1] in _SERVERS or w.rsplit("/", 1)[-1].endswith("-uvicorn") for w in words)


def modules_run(words: list[str]) -> list[str]:
    """What a command runs: ``python x/y.py`` → ``x/y.py``; ``uvicorn a.b:app`` → ``a.b``.

    Returns paths (with ``/`` or ``.py``) and dotted module names, in the order written.
    """
    out: list[str] = []
    for i, word in enumerate(words):
        base = word.rsplit("/", 1)[-1]
        if base.startswith("python") and i + 1 < len(words):
            nxt = words[i + 1]
            if nxt == "-m" and i + 2 < len(words) and words[i + 2] not in _SERVERS:
                out.append(words[i + 2])
            elif nxt.endswith(".py"):
                out.append(nxt)
        elif base in _SERVERS or base.endswith("-uvicorn"):
            out.extend(_server_app(words[i + 1:]))
        elif word.endswith(".py") and i == 0:
            out.append(word)
    return [m for m in out if m not in ("http.server",)]


def _server_app(rest: list[str]) -> list[str]:
    """The first ``module:app`` argument of a server command, skipping options and their values."""
    skip = False
    for word in rest:
        if skip:
            skip = False
            continue
        if word.startswith("-"):
            skip = "=" not in word and word not in ("--reload", "--factory", "--proxy-headers", "--preload")
            continue
        match = _MODULE_APP.match(word)
        return [match.group(1)] if match else []
    return []
