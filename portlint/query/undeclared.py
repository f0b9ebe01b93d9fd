"""Is a numeric port that no container declares a mismatch, or a port the app may listen on anyway?

Kubernetes' ``ports`` list is informational: traffic to a pod IP reaches any port a process
listens on, declared or not. So an undeclared number is only a finding when the pod's own
declarations say where it listens:

- the number is declared with another protocol only (``53/UDP`` for a TCP check): a mismatch;
- the containers' ``command``/``args``/``env`` name the number (``--health-probe-addr=:8081``,
  ``GRPC_PORT=9095``): the app may listen there, *unknown*;
- the containers declare several ports of the protocol (a multi-listener app whose list is
  often incomplete: health, gRPC, gossip ports): *unknown*;
- they declare at most one port of the protocol (a single-listener app): a leftover from a
  port change, a mismatch.

PL101 (numeric ``targetPort``, via :mod:`portlint.query.targets`) and PL103 (numeric probe port)
ask this one question, so the audit's Service → pod hop agrees with both.
"""

from __future__ import annotations

from collections.abc import Iterable

from portlint.model import Entity, PortFact


def may_listen_undeclared(number: int, protocol: str, declared: Iterable[PortFact],
                          containers: Iterable[Entity]) -> bool:
    """Whether ``number``/``protocol``, declared by none of ``declared`` with that protocol, may
    still be a port the ``containers`` listen on (then a rule stays silent: unknown)."""
    protocol = protocol.upper()
    declared = list(declared)
    if any(p.value.number == number for p in declared):
        return False  # declared, with another protocol only
    if any(number in c.attrs.get("named_ports", ()) for c in containers):
        return True
    same = {p.value.number for p in declared if p.protocol.upper() == protocol
            and p.value.number is not None and 0 < p.value.number <= 65535}  # an invalid port listens nowhere
    return len(same) >= 2
