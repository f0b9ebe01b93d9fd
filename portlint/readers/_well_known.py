"""Well-known images: the ports a product listens on by default and the variables that move them.

Data, not code: one row per product. A compose service that runs one of these images (and no
command of its own) listens on ``ports``, or on the value of one of its ``env`` variables. The
variables also name the product's config keys (``GF_SERVER_HTTP_PORT`` → ``grafana.http_port``).

Sources (the products' own documentation):

- Airflow: airflow.apache.org/docs/apache-airflow/stable/configurations-ref.html
  ([webserver] web_server_port 8080, [celery] flower_port 5555, [logging] worker_log_server_port
  8793) and …/howto/set-config.html (``AIRFLOW__{SECTION}__{KEY}`` variables)
- Grafana: grafana.com/docs/grafana/latest/setup-grafana/configure-grafana/ ([server] http_port
  3000; ``GF_{SECTION}_{KEY}`` variables)
- PostgreSQL: hub.docker.com/_/postgres (5432) and postgresql.org/docs/current/libpq-envars.html
  (``PGPORT``)
- MySQL: dev.mysql.com/doc/refman/8.0/en/environment-variables.html (``MYSQL_TCP_PORT``, 3306;
  X Protocol 33060); MariaDB: hub.docker.com/_/mariadb (3306)
- Redis: hub.docker.com/_/redis (6379; the port moves only with ``--port`` in the command)
- MongoDB: hub.docker.com/_/mongo (27017)
- RabbitMQ: rabbitmq.com/docs/networking (5672 AMQP, 15672 management, 15692 Prometheus,
  25672 inter-node, 4369 epmd; ``RABBITMQ_NODE_PORT``)
- Elasticsearch: elastic.co/guide/en/elasticsearch/reference/current/modules-network.html
  (9200 HTTP, 9300 transport)
- Memcached: hub.docker.com/_/memcached (11211); Prometheus: prometheus.io/docs (9090)
- kube-state-metrics: github.com/kubernetes/kube-state-metrics docs/developer/cli-arguments.md
  (``--port`` 8080 metrics, ``--telemetry-port`` 8081 self-metrics and health)
- AWS Load Balancer Controller: kubernetes-sigs/aws-load-balancer-controller
  docs/deploy/configurations.md (``--health-probe-bind-addr`` :61779, ``--metrics-bind-addr``
  :8080, ``--webhook-bind-port`` 9443); its v2 images were also published as
  ``amazon/aws-alb-ingress-controller``
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class WellKnownImage:
    product: str
    images: tuple[str, ...]  # image repositories, without registry or tag
    ports: tuple[int, ...]  # every port the image listens on by default
    env: tuple[tuple[str, str, int], ...] = ()  # (variable, config key, the default it replaces)


IMAGES: tuple[WellKnownImage, ...] = (
    WellKnownImage("airflow", ("apache/airflow",), (8080, 8793, 5555), (
        ("AIRFLOW__WEBSERVER__WEB_SERVER_PORT", "webserver.web_server_port", 8080),
        ("AIRFLOW__CELERY__FLOWER_PORT", "celery.flower_port", 5555),
        ("AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT", "logging.worker_log_server_port", 8793))),
    WellKnownImage("grafana", ("grafana/grafana", "grafana/grafana-oss", "grafana/grafana-enterprise"), (3000,), (
        ("GF_SERVER_HTTP_PORT", "http_port", 3000),)),
    WellKnownImage("postgres", ("postgres", "postgis/postgis"), (5432,), (("PGPORT", "port", 5432),)),
    WellKnownImage("mysql", ("mysql",), (3306, 33060), (("MYSQL_TCP_PORT", "port", 3306),)),
    WellKnownImage("mariadb", ("mariadb",), (3306,), (("MYSQL_TCP_PORT", "port", 3306),)),
    WellKnownImage("redis", ("redis",), (6379,)),
    WellKnownImage("mongodb", ("mongo",), (27017,)),
    WellKnownImage("rabbitmq", ("rabbitmq",), (5672, 15672, 15692, 25672, 4369), (
        ("RABBITMQ_NODE_PORT", "port", 5672),)),
    WellKnownImage("elasticsearch", ("elasticsearch", "elasticsearch/elasticsearch",
                                     "docker.elastic.co/elasticsearch/elasticsearch"), (9200, 9300)),
    WellKnownImage("memcached", ("memcached",), (11211,)),
    WellKnownImage("prometheus", ("prom/prometheus",), (9090,)),
    WellKnownImage("kube-state-metrics", ("registry.k8s.io/kube-state-metrics/kube-state-metrics",
                                          "k8s.gcr.io/kube-state-metrics/kube-state-metrics",
                                          "quay.io/coreos/kube-state-metrics"), (8080, 8081)),
    WellKnownImage("aws-load-balancer-controller", ("public.ecr.aws/eks/aws-load-balancer-controller",
                                                    "amazon/aws-load-balancer-controller",
                                                    "amazon/aws-alb-ingress-controller"), (61779, 8080, 9443)),
)

# variable → (product, config key); a variable two products share (MYSQL_TCP_PORT) names the first
ENV_KEYS: dict[str, tuple[str, str]] = {}
for _image in IMAGES:
    for _var, _key, _default in _image.env:
        ENV_KEYS.setdefault(_var, (_image.product, _key))

_BY_IMAGE = {name: image for image in IMAGES for name in image.images}


def image_repository(reference: str) -> str:
    """``docker.io/library/postgres:16@sha256:…`` → ``postgres``; ``grafana/grafana:10`` → ``grafana/grafana``."""
    ref = reference.strip().split("@", 1)[0]
    last = ref.rsplit("/", 1)[-1]
    if ":" in last:
        ref = ref[: len(ref) - len(last)] + last.split(":", 1)[0]
    for prefix in ("docker.io/library/", "docker.io/", "index.docker.io/library/", "library/"):
        if ref.startswith(prefix):
            ref = ref[len(prefix):]
            break
    return ref.lower()


def well_known(reference: str) -> WellKnownImage | None:
    """The table row of an image reference, if it is a well-known product."""
    return _BY_IMAGE.get(image_repository(reference))
