"""
## What it does
Reports an Ingress backend (a rule path or the `defaultBackend`) whose Service is not defined
anywhere in the scan in the Ingress's namespace. Both `service.name` (networking.k8s.io/v1) and
the older `serviceName` are checked. A backend name portlint could not resolve (a Helm
expression) is skipped. A Service that an operator makes from a custom resource in the scan
(ECK's `Kibana` named `kibana` makes `kibana-kb-http`; the table is
`portlint/readers/_k8s_operators.py`, with its sources) counts as defined. In a namespace the
cluster owns (option `cluster_namespaces`: `kube-system`, `kube-public`, `kube-node-lease`), where
add-ons such as the dashboard are installed apart from the repository, a missing Service is a note.

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

from dataclasses import replace
from collections.abc import Iterator

from portlint.describe import same_environment, written_name
from portlint.graph import PortGraph
from portlint.model import Entity, Problem, Related, Severity
from portlint.options import Option
from portlint.query import Backend, backends

ID = "PL105"
NAME = "ingress-backend-missing-service"
SEVERITY = "error"
GROUP = "consistency"
SUMMARY = "An Ingress routes to a Service that is not defined in the scan"
TAGS = ("kubernetes",)


OPTIONS = {
    # namespaces whose Services come with the cluster or its add-ons (the dashboard, DNS, metrics
    # server), installed apart from the repository: a Service missing there is unknown, a note
    "cluster_namespaces": Option(list[str], ["kube-system", "kube-public", "kube-node-lease"],
                                 "namespaces whose missing Services are reported as notes (installed with the cluster)"),
}


def check(ctx) -> Iterator[Problem]:
    graph: PortGraph = ctx.graph
    services = list(graph.entities("k8s/Service"))
    cluster = set(ctx.options["cluster_namespaces"])
    for ingress in graph.entities("k8s/Ingress"):
        found = [b for b in backends(graph, ingress) if b.location is not None and b.missing]
        for backend in sorted(found, key=lambda b: (b.location, b.service_name)):
            visible = [s for s in services if s.ref.namespace == ingress.ref.namespace and same_environment(s, ingress)]
            problem = _problem(backend, visible, services)
            yield _as_cluster_note(problem, backend) if ingress.ref.namespace in cluster else problem


def _as_cluster_note(problem: Problem, backend: Backend) -> Problem:
    """In a namespace the cluster owns, the Service is usually an add-on installed apart: unknown."""
    namespace = backend.ingress.ref.namespace
    return replace(problem, severity=Severity.NOTE,
                   message=(f"Ingress {written_name(backend.ingress)} routes {backend.path or backend.slot or 'backend'} "
                            f"to Service {backend.service_name}, which no manifest in the scan defines; namespace "
                            f"{namespace!r} holds the cluster's add-ons, installed apart from the repository: if "
                            f"{backend.service_name} is not installed, the ingress controller has nowhere to send "
                            f"these requests"),
                   fix=f"make sure Service {backend.service_name} is installed in {namespace} (or add its manifest)")


def _scope(service: Entity) -> str:
    ns = f"namespace {service.ref.namespace!r}" if service.ref.namespace else "the default namespace"
    return f"{ns}, environment {service.environment}" if service.environment else ns


def _problem(backend: Backend, same_ns: list[Entity], everywhere: list[Entity]) -> Problem:
    ingress = backend.ingress
    name = backend.service_name
    namespace = ingress.ref.namespace
    where = f"namespace {namespace!r}" if namespace else "the default namespace"
    import difflib  # only when a backend is missing

    close = difflib.get_close_matches(name, sorted({written_name(s) for s in same_ns}), n=3, cutoff=0.8)
    elsewhere = [s for s in everywhere if written_name(s) == name and s not in same_ns]
    related = [Related(s.location, f"Service {written_name(s)} is defined here, in {where}")
               for s in same_ns if written_name(s) in close]
    related += [Related(s.location, f"Service {name} exists here, in {_scope(s)}, not where the Ingress is")
                for s in elsewhere]
    hint = f" (similar: {', '.join(close)})" if close else ""
    fix = (f"point the backend at an existing Service{hint}, or add the manifest of Service {name} in {where}"
           if not elsewhere else f"put the Ingress and Service {name} in the same namespace and environment")
    path = backend.path or backend.slot or "backend"
    return Problem(
        location=backend.location,
        message=(f"Ingress {written_name(ingress)} routes {path} to Service {name}, which no manifest in the scan "
                 f"defines in {where}: the ingress controller has nowhere to send these requests"),
        related=tuple(sorted(related, key=lambda r: r.location)),
        fix=fix,
        key=f"{ingress.id}|{backend.slot}|{name}",
        explain=(f"no entity k8s/Service {name} in {where} among {len(everywhere)} Services scanned",),
    )
