"""Time Helm rendering: a generated 100-template chart, rendered by portlint.helm and read by the
Kubernetes reader, against the masking reading of the same templates (what portlint did before the
renderer: templates masked, no Chart.yaml so nothing is rendered) in the same run.

Usage: python bench/helm.py [--services 50] [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from portlint.config import Config  # noqa: E402
from portlint.discover import discover  # noqa: E402
from portlint.helm.render import render_chart  # noqa: E402
from portlint.readers import ReadContext, kubernetes  # noqa: E402

HELPERS = """{{- define "bench.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- define "bench.labels" -}}
app.kubernetes.io/name: {{ include "bench.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}
"""

DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{{{ include "bench.name" . }}}}-svc{i}
  labels:
    {{{{- include "bench.labels" . | nindent 4 }}}}
spec:
  replicas: {{{{ .Values.svc{i}.replicas }}}}
  selector:
    matchLabels:
      {{{{- include "bench.labels" . | nindent 6 }}}}
      component: svc{i}
  template:
    metadata:
      labels:
        {{{{- include "bench.labels" . | nindent 8 }}}}
        component: svc{i}
    spec:
      containers:
        - name: svc{i}
          image: "{{{{ .Values.image.repository }}}}:{{{{ .Values.image.tag | default .Chart.AppVersion }}}}"
          ports:
            {{{{- range .Values.svc{i}.ports }}}}
            - name: {{{{ .name }}}}
              containerPort: {{{{ .port }}}}
            {{{{- end }}}}
          {{{{- with .Values.svc{i}.resources }}}}
          resources:
            {{{{- toYaml . | nindent 12 }}}}
          {{{{- end }}}}
"""

SERVICE = """apiVersion: v1
kind: Service
metadata:
  name: {{{{ include "bench.name" . }}}}-svc{i}
  labels:
    {{{{- include "bench.labels" . | nindent 4 }}}}
spec:
  type: {{{{ .Values.svc{i}.type | default "ClusterIP" }}}}
  ports:
    - port: {{{{ .Values.svc{i}.port }}}}
      targetPort: {{{{ .Values.svc{i}.targetPort }}}}
      name: http
  selector:
    {{{{- include "bench.labels" . | nindent 4 }}}}
    component: svc{i}
"""


def write_chart(root: Path, services: int, with_chart: bool) -> Path:
    chart = root / "bench"
    (chart / "templates").mkdir(parents=True)
    if with_chart:
        (chart / "Chart.yaml").write_text("apiVersion: v2\nname: bench\nversion: 1.0.0\nappVersion: \"1.0\"\n")
    values = ["image:\n  repository: example/bench\n  tag: \"\"\nnameOverride: \"\"\n"]
    for i in range(services):
        values.append(f"svc{i}:\n  replicas: 2\n  port: 80\n  targetPort: {8000 + i}\n  ports:\n"
                      f"    - name: http\n      port: {8000 + i}\n    - name: metrics\n      port: 9090\n"
                      f"  resources:\n    limits:\n      cpu: 100m\n")
        (chart / "templates" / f"deployment-{i}.yaml").write_text(DEPLOYMENT.format(i=i))
        (chart / "templates" / f"service-{i}.yaml").write_text(SERVICE.format(i=i))
    (chart / "values.yaml").write_text("".join(values))
    (chart / "templates" / "_helpers.tpl").write_text(HELPERS)
    return chart


def read_kubernetes(root: Path) -> tuple[float, int, int]:
    """Seconds to read every YAML file with the Kubernetes reader; facts found; unresolved facts."""
    config = Config()
    found = discover([root], root, config)
    files = [f for f in found.files if kubernetes.wants(f, None)]  # type: ignore[arg-type]
    ctx = ReadContext(root=root, config=config)
    started = time.perf_counter()
    out = kubernetes.read(files, ctx)
    elapsed = time.perf_counter() - started
    return elapsed, len(out.facts), sum(1 for f in out.facts if f.value.unresolved)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=50, help="services (2 templates each)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="portlint-helm-bench-") as scratch:
        base = Path(scratch)
        chart = write_chart(base / "rendered", args.services, with_chart=True)
        write_chart(base / "masked", args.services, with_chart=False)
        render_times, render_cpu = [], []
        render_chart(chart, base / "rendered", Config().environments, 10**7)  # imports, first-use caches
        for _ in range(args.runs):
            started, cpu = time.perf_counter(), time.process_time()
            renders = render_chart(chart, base / "rendered", Config().environments, 10**7)
            render_times.append(time.perf_counter() - started)
            render_cpu.append(time.process_time() - cpu)
        files = sum(len(r.files) for r in renders.renders)
        new = [read_kubernetes(base / "rendered") for _ in range(args.runs)]
        old = [read_kubernetes(base / "masked") for _ in range(args.runs)]
    templates = args.services * 2
    print(f"chart of {templates} templates (+ _helpers.tpl), {files} rendered, median of {args.runs} runs")
    print(f"  render only (portlint.helm):             {statistics.median(render_times) * 1000:7.1f} ms"
          f"  (CPU {statistics.median(render_cpu) * 1000:.1f} ms; load average {os.getloadavg()[0]:.1f})")
    print(f"  render + read (Kubernetes reader):       {statistics.median(r[0] for r in new) * 1000:7.1f} ms"
          f"  facts {new[0][1]}, unresolved {new[0][2]}")
    print(f"  masked read of the same templates (old): {statistics.median(r[0] for r in old) * 1000:7.1f} ms"
          f"  facts {old[0][1]}, unresolved {old[0][2]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
