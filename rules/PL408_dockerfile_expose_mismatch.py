"""
## What it does
Compares a Dockerfile's `EXPOSE` ports with the ports the image actually listens on: the port in
its `CMD`/`ENTRYPOINT` (`--port 8000`, `-b 0.0.0.0:8000`, `--bind`, `$PORT` resolved through
`ENV`) and the port of the Python module that command runs (a literal, the image's `ENV` for
the variable it reads, or the effective value of the config key / env var it reads in any
environment, else its fallback). A listening port that no `EXPOSE`
declares (same protocol) is reported. Images without `EXPOSE`, and unresolved ports, are skipped;
`EXPOSE` of a builder stage does not count for the final image.

Out-of-range `EXPOSE` values (`EXPOSE 70000`) are reported by PL002, reversed ranges by PL409.

## Why is this bad
`EXPOSE` is the image's documentation of where it listens: `docker run -P`, compose `expose`,
platform defaults (Cloud Run, ECS console wizards, Kubernetes tooling that generates manifests
from images) and people all trust it. An image that exposes 8000 and listens on 8080 gets
traffic on a port nothing answers.

## Example
```dockerfile
EXPOSE 8000
CMD ["uvicorn", "services.orders_api:app", "--host", "0.0.0.0", "--port", "8080"]
```

## Use instead
```dockerfile
EXPOSE 8080
CMD ["uvicorn", "services.orders_api:app", "--host", "0.0.0.0", "--port", "8080"]
```
"""

from __future__ import annotations

from collections.abc import Iterator

from portlint.graph import explain_link
from portlint.links.apps import code_ports, container_env
from portlint.links.containers import IMAGE, code_listens, modules_run_by
from portlint.model import Entity, Location, PortFact, Problem, Related, Role

ID = "PL408"
NAME = "dockerfile-expose-mismatch"
SEVERITY = "warning"
GROUP = "consistency"
SUMMARY = "A Dockerfile's EXPOSE does not declare the port its command or app listens on"
TAGS = ("containers", "docker")


def check(ctx) -> Iterator[Problem]:
    graph = ctx.graph
    for image in graph.entities(IMAGE):
        exposed = [f for f in graph.facts(image, Role.EXPOSE) if f.value.number is not None]
        if not exposed:
            continue
        for listen in graph.facts(image, Role.LISTEN):
            if listen.value.number is not None and not _declared(listen.value.number, listen.protocol, exposed):
                yield _problem(image, listen.location, f"{listen.field} listens on {listen.value.text}",
                               [listen.value.number], listen.protocol, exposed, (), ())
        env_vars = container_env(graph, [image])
        for module in modules_run_by(graph, image):
            for listen in code_listens(graph, module, image):
                wrong = [cp for cp in code_ports(graph, listen, env=env_vars)
                         if not _declared(cp.number, listen.protocol, exposed)]
                if not wrong:
                    continue
                described = "; ".join(sorted({cp.describe() for cp in wrong}))
                evidence = (Related(listen.location, f"{module.ref.name} listens here ({listen.value.text})"),)
                evidence += tuple(Related(cp.location, f"sets it to {cp.number}") for cp in wrong if cp.location)
                links = tuple(explain_link(link) for link in graph.incoming(module.id, "runs") if link.source == image.id)
                yield _problem(image, min(f.location for f in exposed),
                               f"the module it runs ({module.ref.name}) listens on {described}",
                               sorted({cp.number for cp in wrong}), listen.protocol, exposed, evidence, links)


def _declared(number: int, protocol: str, exposed: list[PortFact]) -> bool:
    return any(f.value.number == number and f.protocol == protocol for f in exposed)


def _problem(image: Entity, location: Location, what: str, ports: list[int], protocol: str,
             exposed: list[PortFact], evidence: tuple, explain: tuple) -> Problem:
    declared = ", ".join(sorted({f"{f.value.text}/{f.protocol}" for f in exposed}, key=lambda t: (len(t), t)))
    shown = " / ".join(map(str, ports))
    related = evidence + tuple(Related(f.location, f"EXPOSE {f.value.text}/{f.protocol}")
                               for f in sorted(exposed, key=lambda f: f.location) if f.location != location)
    return Problem(
        location=location,
        message=(f"{image.ref.name}: {what}, but EXPOSE declares {declared}: tools that trust EXPOSE send "
                 f"traffic to a port the image does not answer on"),
        related=related,
        fix=f"add EXPOSE {shown}/{protocol.lower()}, and drop any EXPOSE nothing listens on",
        key=f"{image.id}|{shown}/{protocol}",
        explain=explain,
    )
