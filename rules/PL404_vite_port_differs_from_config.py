"""
## What it does
Compares the literal `server.port` of a vite config (the dev server) with the port its service
is configured to use in the dev environment (option `environment`): the effective value of the
service's `port` key under the configured precedence, from any layer but the vite config itself.
The vite app is the `web` service unless the catalog says otherwise (see docs/model-apps.md).
An env-driven port (`Number(process.env.PORT) || 3000`) is compared through its fallback by
PL401; `preview.port` is not compared.

## Why is this bad
Everything else — the Ingress, the load balancer's target group, the security group, the
configured `web.port` — expects the web app on the configured port. A dev server on another port
means the documented URL does not answer, and a port meant for another service may be taken.

## Example
```ts
// config/dev.yaml: web.port 3000
export default defineConfig({ server: { port: 5173 } })
```

## Use instead
```ts
export default defineConfig({ server: { port: 3000 } })
```
"""

from __future__ import annotations

from collections.abc import Iterator

from portlint.fix.intent import standard_for, to_the_only_value
from portlint.graph import explain_link
from portlint.links.apps import dev_environment, service_name, service_ports
from portlint.model import Problem, Related, Role
from portlint.options import Option

ID = "PL404"
NAME = "vite-port-differs-from-config"
SEVERITY = "warning"
GROUP = "consistency"
SUMMARY = "The vite dev server port differs from the web service's configured port"
TAGS = ("application", "web")
FIX = ("server.port is set to the port the configuration gives the service in the dev environment, when every "
       "configuration layer agrees and the allocation standard does not give the vite value.")
OPTIONS = {"environment": Option(str, "dev", "the environment a local dev server stands for")}


def check(ctx) -> Iterator[Problem]:
    graph = ctx.graph
    env = dev_environment(ctx.graph, ctx.options["environment"])
    for vite in graph.entities("code/vite"):
        service = service_name(graph, vite)
        if service is None:
            continue
        configured = [c for c in service_ports(graph, service, env, exclude_owner=vite.id)
                      if c.key == "port"]
        if not configured:
            continue
        reference = configured[0]
        for fact in graph.facts(vite, Role.LISTEN):
            if fact.attrs.get("server") != "dev" or fact.value.number is None:
                continue
            if fact.value.number == reference.number:
                continue
            yield Problem(
                location=fact.location,
                message=(f"vite server.port is {fact.value.text}, but {service} is configured to listen on "
                         f"{reference.number} in {env} ({reference.layer} at {reference.location.short}): the "
                         f"dev server is not where the configuration, proxies and docs expect it"),
                related=(Related(reference.location, f"{reference.layer} sets {reference.config_key} to "
                                                     f"{reference.text} in {env}"),),
                fix=f"set server.port to {reference.number}, or change {reference.config_key} if {fact.value.text} is meant",
                key=f"{vite.id}|server.port|{service}",
                explain=tuple(explain_link(link) for link in graph.incoming(vite.id, "member")),
                fix_intent=to_the_only_value(fact, fact.value.text, [c.number for c in configured], graph,
                                             f"every configuration layer gives {service} {{}} in {env}",
                                             standard_for(graph, service)),
            )
