"""
## What it does
Follows each configured client address — a port beside a host that names a compose service of
the same project (`DB_HOST=db` + `DB_PORT` in the project's `.env`), or a variable a client
bundle compiles in that names a peer (`EXPO_PUBLIC_GATE_PORT`, `VITE_API_PORT`, `NEXT_PUBLIC_`,
`REACT_APP_`) — to that server, and reports a port the server does not listen on: for a compose
service of the project, its container ports (`ports` container side, `expose`, `command`); for a
bundle's peer, the peer's own configured port in the same environment and scope (`GATE_PORT`),
else the host ports its compose service publishes.

Peers the scan does not define, peers with unresolved or ranged ports, and hosts that name
several projects' services are unknown and skipped.

## Why is this bad
The app or the phone calls a port nobody listens on: every request fails with "connection
refused", and only where the two values meet (a fresh `docker compose up`, a new build of the
mobile app).

## Example
```ini
# .env
GATE_PORT=9000
# mobile/.env
EXPO_PUBLIC_GATE_PORT=9001
```

## Use instead
```ini
# mobile/.env
EXPO_PUBLIC_GATE_PORT=9000
```
"""

from __future__ import annotations

from collections.abc import Iterator

from portlint.layers import contributions
from portlint.model import Problem, Related
from portlint.query.peers import peer_of

ID = "PL307"
NAME = "client-port-mismatch"
SEVERITY = "warning"
GROUP = "consistency"
SUMMARY = "A client address's port (X_HOST + X_PORT, EXPO_PUBLIC_X_PORT) is not a port its server listens on"
TAGS = ("config", "application")


def check(ctx) -> Iterator[Problem]:
    graph = ctx.graph
    for client in contributions(graph):
        if not client.is_port or client.unresolved or client.number is None or client.documented:
            continue
        peer = peer_of(graph, client)
        if peer is None or client.number in peer.numbers:
            continue
        listens = ", ".join(str(n) for n in sorted(peer.numbers))
        name = client.env_var or client.config_key
        yield Problem(
            location=client.location,
            message=(f"{name} is {client.number}, the port this configuration calls {client.client_of} on, but "
                     f"{peer.label} {peer.verb} {listens}: the connection is refused"),
            related=tuple(Related(where, f"{peer.label} {peer.verb} {number} ({what})")
                          for number, where, what in peer.ports),
            fix=(f"set {name} to {listens}" if len(peer.numbers) == 1
                 else f"set {name} to one of {listens}") + f", or change {peer.label} if it should listen on {client.number}",
            key=f"{client.config_key}|{client.client_of}|{client.number}",
        )
