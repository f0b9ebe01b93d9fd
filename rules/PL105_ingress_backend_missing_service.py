"""
## What it does
Reports an Ingress backend (a rule path or the `defaultBackend`) whose Service is not defined
anywhere in the scan in the Ingress's namespace. Both `service.name` (networking.k8s.io/v1) and
the older `serviceName` are checked. A backend name portlint could not resolve (a Helm
expression) is skipped.

The port-management spec portlint was born from has this very mistake: its
`deploy/kubernetes/ingress.yaml` routes `/airflow/*` to `airflow-service`, and no manifest in the
repository defines `airflow-service`.

## Why is this bad
The ingress controller cannot route the path: requests get a 503 (or the controller refuses the
whole Ingress), and nothing fails at deploy time. A Service that lives in another repository is
not visible to portlint either — disable the rule for that path or scan both trees together.

## Example
```yaml
kind: Ingress
spec:
  rules:
    - http:
        paths:
          - path: /airflow
            pathType: Prefix
            backend:
              service:
                name: airflow-service   # no Service airflow-service anywhere
                port:
                  number: 80
```

## Use instead
```yaml
# deploy/kubernetes/airflow/service.yaml
apiVersion: v1
kind: Service
metadata:
  name: airflow-service
spec:
  selector: {app: airflow}
  ports:
    - port: 80
      targetPort: 8080
```
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from portlint.describe import same_environment, written_name
from portlint.graph import PortGraph
from portlint.model import Entity, Location, Problem, Related

ID = "PL105"
NAME = "ingress-backend-missing-service"
SEVERITY = "error"
GROUP = "consistency"
SUMMARY = "An Ingress routes to a Service that is not defined in the scan"
TAGS = ("kubernetes",)


def check(ctx) -> Iterator[Problem]:
    graph: PortGraph = ctx.graph
    services = list(graph.entities("k8s/Service"))
    by_name: dict[tuple[str, str], list[Entity]] = {}
    for service in services:
        by_name.setdefault((service.ref.namespace, written_name(service)), []).append(service)
    for ingress in graph.entities("k8s/Ingress"):
        namespace = ingress.ref.namespace
        for backend in sorted(_backends(ingress), key=lambda b: (b["location"], b["service"])):
            name = backend["service"]
            if backend.get("name_unresolved") or not _is_dns_label(name):
                continue
            if any(same_environment(s, ingress) for s in by_name.get((namespace, name), [])):
                continue
            visible = [s for s in services if s.ref.namespace == namespace and same_environment(s, ingress)]
            yield _problem(ingress, backend, visible, services)


def _backends(ingress: Entity) -> list[dict]:
    return [b for b in ingress.attrs.get("backends") or []
            if isinstance(b, dict) and isinstance(b.get("service"), str) and isinstance(b.get("location"), Location)]


def _is_dns_label(name: str) -> bool:
    """An RFC 1035 label, as Kubernetes requires of a Service name; anything else is unresolved."""
    return (0 < len(name) <= 63 and name.isascii() and name[0].isalpha() and name[-1].isalnum()
            and all(c.islower() or c.isdigit() or c == "-" for c in name))


def _scope(service: Entity) -> str:
    ns = f"namespace {service.ref.namespace!r}" if service.ref.namespace else "the default namespace"
    return f"{ns}, environment {service.environment}" if service.environment else ns


def _problem(ingress: Entity, backend: dict, same_ns: list[Entity], everywhere: list[Entity]) -> Problem:
    name = backend["service"]
    namespace = ingress.ref.namespace
    where = f"namespace {namespace!r}" if namespace else "the default namespace"
    close = difflib.get_close_matches(name, sorted({written_name(s) for s in same_ns}), n=3, cutoff=0.8)
    elsewhere = [s for s in everywhere if written_name(s) == name and s not in same_ns]
    related = [Related(s.location, f"Service {written_name(s)} is defined here, in {where}")
               for s in same_ns if written_name(s) in close]
    related += [Related(s.location, f"Service {name} exists here, in {_scope(s)}, not where the Ingress is")
                for s in elsewhere]
    hint = f" (similar: {', '.join(close)})" if close else ""
    fix = (f"point the backend at an existing Service{hint}, or add the manifest of Service {name} in {where}"
           if not elsewhere else f"put the Ingress and Service {name} in the same namespace and environment")
    path = backend.get("path") or backend.get("slot") or "backend"
    return Problem(
        location=backend["location"],
        message=(f"Ingress {written_name(ingress)} routes {path} to Service {name}, which no manifest in the scan "
                 f"defines in {where}: the ingress controller has nowhere to send these requests"),
        related=tuple(sorted(related, key=lambda r: r.location)),
        fix=fix,
        key=f"{ingress.id}|{backend.get('slot', '')}|{name}",
        explain=(f"no entity k8s/Service {name} in {where} among {len(everywhere)} Services scanned",),
    )
