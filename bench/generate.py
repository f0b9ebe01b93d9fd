"""Write a large synthetic monorepo for timing ``portlint check``.

Each service gets what the demo monorepo has for one of its services — a Kubernetes Service and
Deployment, a port in every environment's config and in ``.env.example``, a Terraform target
group behind a listener rule and a security-group rule, a Python app, a Dockerfile — plus files
that cannot hold ports (README, JavaScript, JSON, images). The same seed always writes the same
tree. A share of services (``--mismatch-rate``) gets one deliberate mismatch of a kind in
``MISMATCHES`` (Service targetPort, prod config, target group port, Dockerfile EXPOSE off by one),
so that rules have something to report; with rate 0 the tree is consistent.

Usage: python bench/generate.py OUT_DIR [--services N] [--seed S] [--mismatch-rate R]
"""

from __future__ import annotations

import argparse
import json
import random
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

ENVIRONMENTS = ("dev", "uat", "prod")
WORDS = ("billing", "ledger", "pricing", "quotes", "orders", "search", "ingest", "report", "notify",
         "audit", "catalog", "scoring", "risk", "market", "fx", "limits", "trades", "clients")
FIRST_PORT = 10000
MISMATCHES = ("target-port", "config-drift", "target-group", "dockerfile")


@dataclass(frozen=True)
class Service:
    name: str
    port: int
    mismatch: str | None

    @property
    def env_var(self) -> str:
        return f"{self.name.upper()}_PORT"


def plan(count: int, seed: int, mismatch_rate: float) -> list[Service]:
    """The services of the tree, with unique names and ports, decided by the seed alone."""
    rng = random.Random(seed)
    services = []
    for i in range(count):
        mismatch = rng.choice(MISMATCHES) if rng.random() < mismatch_rate else None
        services.append(Service(name=f"{rng.choice(WORDS)}{i}", port=FIRST_PORT + i, mismatch=mismatch))
    return services


def generate(out: Path, count: int, seed: int = 1, mismatch_rate: float = 0.05) -> list[Service]:
    """Write the tree under ``out`` (created if needed); return the services written."""
    rng = random.Random(seed + 1)
    services = plan(count, seed, mismatch_rate)
    write = _Writer(out)
    write_config(write, services)
    write_env_file(write, services)
    write_terraform_base(write)
    for service in services:
        write_kubernetes(write, service)
        write_terraform(write, service)
        write_python_app(write, service)
        write_dockerfile(write, service)
        write_noise(write, service, rng)
    write("README.md", f"# Synthetic monorepo\n\n{count} services, seed {seed}.\n")
    return services


class _Writer:
    def __init__(self, root: Path) -> None:
        self.root = root

    def __call__(self, rel: str, content: str | bytes) -> None:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


def write_config(write: _Writer, services: list[Service]) -> None:
    base = "".join(f"{s.name}:\n  host: \"0.0.0.0\"\n  workers: 2\n\n" for s in services)
    write("config/base.yaml", base)
    for env in ENVIRONMENTS:
        body = []
        for s in services:
            port = s.port + 1 if s.mismatch == "config-drift" and env == "prod" else s.port
            body.append(f"{s.name}:\n  port: {port}\n  debug: {'true' if env == 'dev' else 'false'}\n")
        write(f"config/{env}.yaml", "\n".join(body))


def write_env_file(write: _Writer, services: list[Service]) -> None:
    write(".env.example", "".join(f"{s.env_var}={s.port}\n" for s in services))


def write_kubernetes(write: _Writer, s: Service) -> None:
    target = s.port + 1 if s.mismatch == "target-port" else s.port
    write(f"deploy/kubernetes/{s.name}/service.yaml", f"""\
apiVersion: v1
kind: Service
metadata:
  name: {s.name}-service
spec:
  type: ClusterIP
  selector:
    app: {s.name}
  ports:
  - name: http
    port: 80
    targetPort: {target}
    protocol: TCP
""")
    write(f"deploy/kubernetes/{s.name}/deployment.yaml", f"""\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {s.name}-deployment
  labels:
    app: {s.name}
spec:
  replicas: 2
  selector:
    matchLabels:
      app: {s.name}
  template:
    metadata:
      labels:
        app: {s.name}
    spec:
      containers:
      - name: {s.name}
        image: "registry.example.com/{s.name}:1.0.0"
        ports:
        - name: http
          containerPort: {s.port}
        env:
        - name: {s.env_var}
          value: "{s.port}"
        readinessProbe:
          httpGet:
            path: /health
            port: http
""")


def write_terraform_base(write: _Writer) -> None:
    write("infrastructure/terraform/main.tf", """\
variable "project_name" {
  type    = string
  default = "synthetic"
}

variable "environment" {
  type    = string
  default = "dev"
}

variable "vpc_cidr" {
  type    = string
  default = "10.0.0.0/16"
}

resource "aws_vpc" "main" {
  cidr_block = var.vpc_cidr
}

resource "aws_security_group" "apps" {
  name_prefix = "${var.project_name}-${var.environment}-apps-"
  vpc_id      = aws_vpc.main.id
}

resource "aws_lb" "main" {
  name               = "${var.project_name}-${var.environment}"
  load_balancer_type = "application"
  internal           = true
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.main.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type = "fixed-response"

    fixed_response {
      content_type = "text/plain"
      status_code  = "404"
    }
  }
}
""")


def write_terraform(write: _Writer, s: Service) -> None:
    tg_port = s.port + 1 if s.mismatch == "target-group" else s.port
    write(f"infrastructure/terraform/{s.name}.tf", f"""\
resource "aws_lb_target_group" "{s.name}" {{
  name     = "${{var.project_name}}-${{var.environment}}-{s.name}"
  port     = {tg_port}
  protocol = "HTTP"
  vpc_id   = aws_vpc.main.id

  health_check {{
    path = "/health"
    port = "traffic-port"
  }}
}}

resource "aws_lb_listener_rule" "{s.name}" {{
  listener_arn = aws_lb_listener.http.arn
  priority     = {s.port - FIRST_PORT + 1}

  action {{
    type             = "forward"
    target_group_arn = aws_lb_target_group.{s.name}.arn
  }}

  condition {{
    path_pattern {{
      values = ["/{s.name}/*"]
    }}
  }}
}}

resource "aws_security_group_rule" "{s.name}_access" {{
  type              = "ingress"
  from_port         = {s.port}
  to_port           = {s.port}
  protocol          = "tcp"
  cidr_blocks       = [var.vpc_cidr]
  security_group_id = aws_security_group.apps.id
}}
""")


def write_python_app(write: _Writer, s: Service) -> None:
    write(f"services/{s.name}/app.py", f'''\
"""The {s.name} service."""

import os

import uvicorn
from fastapi import FastAPI

from common.config_loader import get_config

app = FastAPI(title="{s.name}")


@app.get("/health")
async def health():
    return {{"status": "ok"}}


def main():
    config = get_config()
    service_config = config.get("{s.name}", {{}})
    uvicorn.run(
        app,
        host=service_config.get("host", "0.0.0.0"),
        port=int(os.getenv("{s.env_var}", service_config.get("port", {s.port}))),
    )


if __name__ == "__main__":
    main()
''')
    write(f"services/{s.name}/models.py", f'''\
"""Data models of {s.name}: no ports here."""

from dataclasses import dataclass


@dataclass
class Record:
    identifier: str
    amount: float
    currency: str = "USD"
''')


def write_dockerfile(write: _Writer, s: Service) -> None:
    expose = s.port + 1 if s.mismatch == "dockerfile" else s.port
    write(f"services/{s.name}/Dockerfile", f"""\
FROM python:3.11-slim
WORKDIR /app
COPY . /app
RUN pip install --no-cache-dir fastapi uvicorn pyyaml
EXPOSE {expose}
CMD ["uvicorn", "app:app", "--host", "0.0.0.0", "--port", "{s.port}"]
""")


def write_noise(write: _Writer, s: Service, rng: random.Random) -> None:
    """Files a real service folder has that hold no port facts."""
    paragraphs = rng.randint(2, 8)
    write(f"services/{s.name}/README.md",
          f"# {s.name}\n\n" + "\n\n".join(_sentence(rng) for _ in range(paragraphs)) + "\n")
    write(f"web/{s.name}/src/index.js",
          "".join(f"export function f{i}(x) {{ return x * {rng.randint(2, 99)}; }}\n" for i in range(rng.randint(5, 40))))
    write(f"web/{s.name}/package.json",
          json.dumps({"name": s.name, "version": "1.0.0", "private": True,
                      "dependencies": {"react": "^18.3.1"}}, indent=2) + "\n")
    write(f"web/{s.name}/public/logo.png", _png(rng.randint(8, 48), rng))


def _sentence(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 30))).capitalize() + "."


def _png(size: int, rng: random.Random) -> bytes:
    """A valid greyscale PNG of random pixels (binary noise with NUL bytes)."""
    rows = b"".join(b"\x00" + bytes(rng.randrange(256) for _ in range(size)) for _ in range(size))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", size, size, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write a synthetic monorepo for benchmarking portlint.")
    parser.add_argument("out", type=Path, help="folder to write into (created if needed)")
    parser.add_argument("--services", type=int, default=100, help="number of services (default: 100)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default: 1)")
    parser.add_argument("--mismatch-rate", type=float, default=0.05,
                        help="share of services with one deliberate port mismatch (default: 0.05)")
    args = parser.parse_args(argv)
    services = generate(args.out, args.services, args.seed, args.mismatch_rate)
    files = sum(1 for p in args.out.rglob("*") if p.is_file())
    broken = sum(1 for s in services if s.mismatch)
    print(f"wrote {files} files for {len(services)} services ({broken} with a mismatch) to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
