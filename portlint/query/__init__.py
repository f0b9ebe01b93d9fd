"""The questions rules and the audit both ask of the port graph, answered once.

- :mod:`portlint.query.drift`: is this environment's port drift, and which side is the outlier?
- :mod:`portlint.query.ingress`: which Service (and which of its ports) does an Ingress backend reach?
- :mod:`portlint.query.targets`: does a Service ``targetPort`` (a number or a name) match a
  ``containerPort`` of each pod it selects?
- :mod:`portlint.query.undeclared`: may a container listen on a number it does not declare?
- :mod:`portlint.query.hosts`: which host (network namespace) would bind a configured port, and
  is it a port at all or a client address?
- :mod:`portlint.query.peers`: which server does a client address call, and on which ports does it listen?

A rule turns a verdict into a finding; the audit turns the same verdict into a hop or a cell
colour. Neither re-derives the answer, so ``portlint check`` and ``portlint audit`` cannot disagree.
"""

from portlint.query.drift import Drift, port_drift, port_keys, standard_port, value_drift
from portlint.query.ingress import Backend, PortMatch, backend_port, backends, is_dns_label
from portlint.query.targets import (EXCLUDED, MISSING, OK, UNDECLARED, UNKNOWN, PodMatch, TargetMatch, reaches,
                                    target_match)
from portlint.query.undeclared import may_listen_undeclared

__all__ = ["Backend", "Drift", "EXCLUDED", "MISSING", "OK", "PodMatch", "PortMatch", "TargetMatch", "UNDECLARED",
           "UNKNOWN", "backend_port", "backends", "is_dns_label", "may_listen_undeclared", "port_drift", "port_keys",
           "reaches", "standard_port", "target_match", "value_drift"]
