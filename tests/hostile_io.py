"""Generators of hostile trees for issue 16 (crashes, unsafe reads and writes, output injection).

Each ``make_*`` function builds one case under a given folder and returns the path to scan.
No hostile bytes are committed: the trees are made at test time. ``tests/hostile/`` (the
harness of issue 15) can import :data:`CASES` and run them under its time and memory budgets.
"""

from __future__ import annotations

import os
from pathlib import Path

# A Service whose name and selector carry terminal escapes, CR/LF, a bidi override, HTML and a
# trailing backslash. YAML double-quoted escapes make the bytes; the file itself is plain ASCII.
HOSTILE_NAME = "evil\x1b]0;pwned\x07\x1b[2J\r\nfake.yaml:1:1  PL999  [error] forged\u202etxt.exe<img src=x onerror=alert(1)>\\"
_YAML_NAME = ('"evil\\e]0;pwned\\a\\e[2J\\r\\nfake.yaml:1:1  PL999  [error] forged\\u202etxt.exe'
              '<img src=x onerror=alert(1)>\\\\"')


def remove_tree(path: Path) -> None:
    """Delete a generated tree, even 1,000 folders deep or past PATH_MAX (``shutil.rmtree`` and
    pytest's own clean-up recurse and fail on them, which would break later test runs)."""
    import subprocess

    if path.exists():
        subprocess.run(["rm", "-rf", "--", str(path)], check=False)


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def good_service(root: Path, name: str = "web") -> Path:
    """A healthy pair plus one planted mismatch (targetPort 9090 vs containerPort 8080): a scan
    that still reports PL101 on it has checked the rest of the tree."""
    return _write(root / "k8s" / f"{name}.yaml", f"""\
apiVersion: v1
kind: Service
metadata:
  name: {name}
spec:
  selector:
    app: {name}
  ports:
    - port: 80
      targetPort: 9090
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
spec:
  template:
    metadata:
      labels:
        app: {name}
    spec:
      containers:
        - name: {name}
          image: example/{name}
          ports:
            - containerPort: 8080
""")


def make_deep_python(root: Path) -> Path:
    """~2,000 nested brackets (4 KB): ast refuses it, libcst would SIGSEGV the interpreter."""
    good_service(root)
    _write(root / "app" / "deep_parens.py", "port = " + "(" * 2000 + "8000" + ")" * 2000 + "\n")
    _write(root / "app" / "deep_sum.py", "port = " + "1+(" * 2000 + "1" + ")" * 2000 + "\n")
    _write(root / "app" / "deep_lists.py", "port = " + "[" * 2000 + "]" * 2000 + "\n")
    _write(root / "app" / "unclosed.py", "port = 8000\nx = " + "{" * 2000 + "\n")
    _write(root / "scripts" / "params.py", "import boto3\nssm = boto3.client('ssm')\n"
           "ssm.put_parameter(Name='/dev/app/port', Value=" + "(" * 2000 + "'8000'" + ")" * 2000 + ")\n")
    return root


def make_deep_folders(root: Path, depth: int = 1000) -> Path:
    """1,000 nested folders (a 2,000-character path) with a manifest at the bottom.
    Delete it with :func:`remove_tree`."""
    good_service(root)
    deep = root
    for _ in range(depth):  # os.makedirs recurses: one mkdir at a time
        deep = deep / "d"
        deep.mkdir()
    _write(deep / "svc.yaml", "apiVersion: v1\nkind: Service\nmetadata:\n  name: deep\nspec:\n  ports: [{port: 80}]\n")
    return root


def make_path_max(root: Path) -> Path:
    """A folder chain longer than PATH_MAX (4,096 bytes), built with relative mkdir steps.
    Delete it with :func:`remove_tree`."""
    good_service(root)
    here = os.getcwd()
    try:
        os.chdir(root)
        for _ in range(25):  # 25 x 200 characters > 4,096
            name = "p" * 200
            os.mkdir(name)
            os.chdir(name)
        _write(Path("svc.yaml"), "apiVersion: v1\nkind: Service\nmetadata:\n  name: far\n")
    finally:
        os.chdir(here)
    return root


def make_cr_only_python(root: Path) -> Path:
    """A valid Python file with classic-Mac CR-only line endings."""
    good_service(root)
    (root / "app").mkdir(parents=True, exist_ok=True)
    (root / "app" / "main.py").write_bytes(
        b"import uvicorn\r\rPORT = 8000\ruvicorn.run('app:app', host='0.0.0.0', port=PORT)\r")
    return root


def make_baseline_dev_zero(root: Path) -> Path:
    """``--baseline`` pointing at a symlink to /dev/zero (returns the symlink)."""
    good_service(root)
    os.symlink("/dev/zero", root / "baseline.json")
    return root / "baseline.json"


def make_env_dev_zero(root: Path) -> Path:
    """A committed ``.env -> /dev/zero`` beside a compose file."""
    good_service(root)
    _write(root / "compose.yaml", "services:\n  api:\n    image: x\n    ports: ['${API_PORT:-8000}:8000']\n")
    os.symlink("/dev/zero", root / ".env")
    return root


def make_env_fifo(root: Path) -> Path:
    """A FIFO named ``.env`` beside a compose file (reading it would block forever)."""
    good_service(root)
    _write(root / "compose.yaml", "services:\n  api:\n    image: x\n    ports: ['${API_PORT:-8000}:8000']\n")
    os.mkfifo(root / ".env")
    os.mkfifo(root / "service.yaml")
    return root


def make_outside_symlink(root: Path) -> Path:
    """Symlinked files pointing outside the scan root (a secret and a manifest). Returns the root;
    the outside files live in ``root.parent / "outside"``."""
    outside = root.parent / "outside"
    _write(outside / "secret.env", "SECRET_TOKEN=hunter2\nAPI_PORT=6666\n")
    _write(outside / "svc.yaml", "apiVersion: v1\nkind: Service\nmetadata:\n  name: stolen-hunter2\n"
           "spec:\n  ports: [{port: 6666}]\n")
    good_service(root)
    os.symlink(outside / "secret.env", root / ".env")
    os.symlink(outside / "svc.yaml", root / "k8s" / "linked.yaml")
    return root


def make_chart_templates(root: Path) -> Path:
    """A chart whose ``values.yaml`` holds a secret; returns its ``templates/`` folder to scan."""
    chart = root / "chart"
    _write(chart / "Chart.yaml", "apiVersion: v2\nname: demo\nversion: 0.1.0\n")
    _write(chart / "values.yaml", "service:\n  port: 7777  # hunter2\n")
    _write(chart / "templates" / "service.yaml", "apiVersion: v1\nkind: Service\nmetadata:\n  name: demo\n"
           "spec:\n  ports:\n    - port: {{ .Values.service.port }}\n")
    return chart / "templates"


def make_hostile_names(root: Path) -> Path:
    """A Service and Deployment whose names hold ESC/OSC/CSI, BEL, CR/LF, a bidi override, HTML and
    a trailing backslash, with a planted targetPort mismatch so that findings quote the name."""
    good_service(root)
    _write(root / "k8s" / "evil.yaml", f"""\
apiVersion: v1
kind: Service
metadata:
  name: {_YAML_NAME}
spec:
  selector:
    app: evil
  ports:
    - port: 80
      targetPort: 9999
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {_YAML_NAME}
spec:
  template:
    metadata:
      labels:
        app: evil
    spec:
      containers:
        - name: c
          image: x
          ports:
            - containerPort: 8080
""")
    return root


def make_hostile_file_name(root: Path) -> Path:
    """A manifest whose *file name* holds ESC and a newline."""
    good_service(root)
    good_service(root / "odd", name="odd")
    os.rename(root / "odd" / "k8s" / "odd.yaml", root / "odd" / "k8s" / "o\x1b[31md\nfake.yaml")
    return root


CASES = {
    "deep-python": make_deep_python,
    "deep-folders": make_deep_folders,
    "path-max": make_path_max,
    "cr-only-python": make_cr_only_python,
    "env-dev-zero": make_env_dev_zero,
    "env-fifo": make_env_fifo,
    "outside-symlink": make_outside_symlink,
    "chart-templates": make_chart_templates,
    "hostile-names": make_hostile_names,
    "hostile-file-name": make_hostile_file_name,
}
