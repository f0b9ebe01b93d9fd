"""Services that operators create from their custom resources: data, one row per resource kind.

An Ingress may route to a Service no manifest defines because an operator makes it from a custom
resource in the scan (ECK's ``Kibana`` named ``kibana`` gets the Service ``kibana-kb-http``). The
reader records such a resource as a ``k8s/GeneratedService`` entity per Service name it implies,
so "no manifest defines it" (PL105) is not said of it; its ports stay unknown.

Sources (the operators' own documentation):

- Elastic Cloud on Kubernetes: elastic.co/guide/en/cloud-on-k8s/current/k8s-services.html and
  the quickstarts (``<name>-es-http``, ``<name>-es-transport``, ``<name>-es-internal-http``,
  ``<name>-kb-http``, ``<name>-apm-http``, ``<name>-ent-http``, ``<name>-agent-http``,
  ``<name>-ls-api``)
- Prometheus Operator: prometheus-operator.dev docs, "Prometheus"/"Alertmanager" user guides
  (the governing Services ``prometheus-operated``, ``alertmanager-operated``,
  ``thanos-ruler-operated``)
- CloudNativePG: cloudnative-pg.io/documentation/current/service_management/ (``<name>-rw``,
  ``<name>-ro``, ``<name>-r``)
- Strimzi: strimzi.io/docs/operators/latest/deploying (``<name>-kafka-bootstrap``,
  ``<name>-kafka-brokers``)
- Zalando postgres-operator: postgres-operator.readthedocs.io, "Services" (``<name>``,
  ``<name>-repl``)
"""

from __future__ import annotations

# (API group, kind) -> the Service names it implies; "{name}" is the resource's metadata.name
GENERATED_SERVICES: dict[tuple[str, str], tuple[str, ...]] = {
    ("elasticsearch.k8s.elastic.co", "Elasticsearch"): ("{name}-es-http", "{name}-es-transport",
                                                        "{name}-es-internal-http"),
    ("kibana.k8s.elastic.co", "Kibana"): ("{name}-kb-http",),
    ("apm.k8s.elastic.co", "ApmServer"): ("{name}-apm-http",),
    ("enterprisesearch.k8s.elastic.co", "EnterpriseSearch"): ("{name}-ent-http",),
    ("agent.k8s.elastic.co", "Agent"): ("{name}-agent-http",),
    ("logstash.k8s.elastic.co", "Logstash"): ("{name}-ls-api",),
    ("monitoring.coreos.com", "Prometheus"): ("prometheus-operated",),
    ("monitoring.coreos.com", "Alertmanager"): ("alertmanager-operated",),
    ("monitoring.coreos.com", "ThanosRuler"): ("thanos-ruler-operated",),
    ("postgresql.cnpg.io", "Cluster"): ("{name}-rw", "{name}-ro", "{name}-r"),
    ("kafka.strimzi.io", "Kafka"): ("{name}-kafka-bootstrap", "{name}-kafka-brokers"),
    ("acid.zalan.do", "postgresql"): ("{name}", "{name}-repl"),
}


def generated_services(group: str, kind: str, name: str) -> list[str]:
    """The Service names an operator creates for this resource (none for other kinds)."""
    return [pattern.format(name=name) for pattern in GENERATED_SERVICES.get((group, kind), ())]
