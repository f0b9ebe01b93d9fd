"""Hostile trees, one per case: what a pull request can put in front of portlint in CI.

Each case is a function that writes a tree into an empty folder, registered with :func:`case`.
To add one, write a function and decorate it; ``heavy=True`` keeps it out of ``make test`` (it
runs in ``make fuzz``). A case may name the note it expects (``note=``): a file that was cut short
must say so, never pass silently.

    python -m hostile.cases OUT [CASE...]      # from tests/: write trees to OUT/CASE
"""

from __future__ import annotations

import gzip
import io
import os
import sys
import tarfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

SECONDS = 10.0  # every case finishes within this
MEGABYTES = 300  # and peaks below this much resident memory


@dataclass(frozen=True)
class Case:
    name: str
    make: Callable[[Path], None]
    heavy: bool = False
    seconds: float = SECONDS
    megabytes: int = MEGABYTES
    note: str = ""  # a substring the output must hold (the note that says input was cut short)
    args: tuple[str, ...] = ()  # extra CLI arguments
    issue: str = ""  # what the case reproduces
    needs: str = ""  # a platform feature the case needs ("fifo"), else ""


CASES: dict[str, Case] = {}


def case(heavy: bool = False, note: str = "", args: tuple[str, ...] = (), issue: str = "", needs: str = "",
         seconds: float = SECONDS, megabytes: int = MEGABYTES):
    def register(make: Callable[[Path], None]) -> Callable[[Path], None]:
        name = make.__name__.replace("_", "-")
        CASES[name] = Case(name, make, heavy, seconds, megabytes, note, args, issue, needs)
        return make
    return register


def write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


SERVICE = ("apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\nspec:\n  selector:\n    app: {app}\n"
           "  ports:\n    - port: 80\n      targetPort: {target}\n")
DEPLOYMENT = ("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n  selector:\n"
              "    matchLabels:\n      app: {app}\n  template:\n    metadata:\n      labels:\n        app: {app}\n"
              "    spec:\n      containers:\n        - name: main\n          image: example/app:1\n"
              "          ports:\n            - containerPort: {port}\n")


def good(root: Path) -> None:
    """One ordinary file beside the hostile ones: it must still be read."""
    write(root, "good/service.yaml", SERVICE.format(name="good", app="good", target=8080))


# -- YAML -----------------------------------------------------------------------------------------

def _alias_document(i: int) -> str:
    # four levels of ten aliases: 11,111 nodes once expanded, about 200 bytes written
    return (f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c{i}\ndata:\n"
            "  a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n"
            "  b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
            "  c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
            "  d: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n")


@case(issue="a 2 MB multi-document YAML with aliases: no output in 120 s", note="alias")
def yaml_aliases_2mb(root: Path) -> None:
    docs, size, i = [], 0, 0
    while size < 2_000_000:
        docs.append(_alias_document(i))
        size += len(docs[-1]) + 4
        i += 1
    write(root, "k8s/aliases.yaml", "---\n".join(docs))
    settings = [d.replace("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name:", "service:\n  port: 80\n  name:")
                for d in docs[:5000]]
    write(root, "config/aliases.yaml", "---\n".join(settings))
    good(root)


@case(issue="a YAML bomb (billion laughs) in one document", note="alias")
def yaml_bomb(root: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for level in range(1, 12):
        prev = f"*a{level - 1}"
        lines.append(f"a{level}: &a{level} [{', '.join([prev] * 10)}]")
    write(root, "k8s/bomb.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bomb\ndata:\n  "
          + "\n  ".join(lines) + "\n")
    good(root)


@case(issue="many broken YAML documents in one file: recovery re-parses every document")
def yaml_broken_documents(root: Path) -> None:
    doc = ("apiVersion: v1\nkind: Service\nmetadata:\n  name: s{i}\nspec:\n  ports: [{{port: 80\n"
           "  selector: {{app: x\n")
    write(root, "k8s/broken.yaml", "---\n".join(doc.format(i=i) for i in range(20_000)))
    good(root)


@case(issue="deeply nested flow YAML", note="")
def yaml_deep_nesting(root: Path) -> None:
    write(root, "k8s/deep.yaml", "apiVersion: v1\nkind: ConfigMap\ndata: " + "[" * 100_000 + "]" * 100_000 + "\n")
    good(root)


# -- Kubernetes selection -------------------------------------------------------------------------

def _fanout(root: Path, count: int) -> None:
    services = "---\n".join(SERVICE.format(name=f"s{i}", app="common", target=8080) for i in range(count))
    deployments = "---\n".join(DEPLOYMENT.format(name=f"d{i}", app="common", port=9090) for i in range(count))
    write(root, "k8s/services.yaml", services)
    write(root, "k8s/deployments.yaml", deployments)


@case(heavy=True, issue="1,500 Services and 1,500 Deployments sharing one selector: 2.4 GB, no output in 120 s")
def k8s_selector_fanout(root: Path) -> None:
    _fanout(root, 1500)


@case(issue="the selector fan-out case, small enough for make test")
def k8s_selector_fanout_small(root: Path) -> None:
    _fanout(root, 300)


# -- compose and Dockerfile port ranges ----------------------------------------------------------

def _compose_ranges(root: Path, services: int, mapping: str) -> None:
    body = ["services:"]
    for i in range(services):
        body += [f"  s{i}:", "    image: example/app:1", "    ports:", f'      - "{mapping}"', '      - "8000"',
                 "    expose:", f'      - "{mapping.split(":")[-1]}"']
    write(root, "compose.yaml", "\n".join(body) + "\n")
    write(root, "app/Dockerfile", f"FROM scratch\nEXPOSE {mapping.split(':')[-1]}\nEXPOSE 1-65535/udp\n")


@case(heavy=True, issue="200 compose services publishing 1-65535: 500 MB and no output in 120 s")
def compose_port_ranges(root: Path) -> None:
    _compose_ranges(root, 200, "1-65535:1-65535")


@case(heavy=True, issue="200 compose services publishing a 1,000-port range")
def compose_port_ranges_1000(root: Path) -> None:
    _compose_ranges(root, 200, "20000-20999:20000-20999")


@case(issue="compose port ranges, small enough for make test")
def compose_port_ranges_small(root: Path) -> None:
    _compose_ranges(root, 20, "1-65535:1-65535")


# -- Helm -----------------------------------------------------------------------------------------

@case(heavy=True, issue="a 1 MB Helm template of unclosed {{: no output in 120 s")
def helm_unclosed_braces(root: Path) -> None:
    write(root, "chart/Chart.yaml", "apiVersion: v2\nname: chart\nversion: 0.1.0\n")
    write(root, "chart/values.yaml", "port: 80\n")
    write(root, "chart/templates/service.yaml", "apiVersion: v1\nkind: Service\nmetadata:\n  name: x\n"
          + "{{ .Values.port \n" * 60_000)
    good(root)


def _packed_chart(root: Path, members: list[tuple[str, bytes, bytes]]) -> None:
    """A chart whose only dependency is vendored as a hostile ``charts/*.tgz``: (name, type, data)."""
    write(root, "chart/Chart.yaml", "apiVersion: v2\nname: chart\nversion: 0.1.0\ndependencies:\n"
          "  - name: lib\n    version: 1.0.0\n    repository: https://charts.example.org\n")
    write(root, "chart/templates/service.yaml", SERVICE.format(name="svc", app="a", target=80))
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for name, kind, data in members:
            info = tarfile.TarInfo(name)
            info.type = kind
            if kind == tarfile.SYMTYPE:
                info.linkname = "/etc/passwd"
            elif kind == tarfile.REGTYPE:
                info.size = len(data)
            tar.addfile(info, io.BytesIO(data) if kind == tarfile.REGTYPE else None)
    (root / "chart/charts").mkdir()
    (root / "chart/charts/lib-1.0.0.tgz").write_bytes(gzip.compress(raw.getvalue(), compresslevel=6))
    good(root)


@case(note="over 32 MiB unpacked", issue="a packed subchart that unpacks to 48 MB of zeros")
def helm_packed_bomb(root: Path) -> None:
    _packed_chart(root, [("lib/Chart.yaml", tarfile.REGTYPE, b"name: lib\n"),
                         ("lib/zeros", tarfile.REGTYPE, b"\0" * (48 << 20))])


@case(note="into the parent folder", issue="a packed subchart with ../ and symlink members")
def helm_packed_traversal(root: Path) -> None:
    _packed_chart(root, [("lib/Chart.yaml", tarfile.REGTYPE, b"name: lib\n"),
                         ("lib/templates/link.yaml", tarfile.SYMTYPE, b""),
                         ("lib/../../../escaped.yaml", tarfile.REGTYPE, b"x: 1\n")])


# -- discovery ------------------------------------------------------------------------------------

@case(heavy=True, issue="a hostile .gitignore: no output in 120 s (pattern matching)")
def gitignore_hostile(root: Path) -> None:
    patterns = ["*a" * 30 + "*b", "**/" * 50 + "x", "a*" * 40 + "/", "[!a]*" * 20 + "z", "\\*" * 500]
    patterns += [f"*{i}*{i}*{i}*{i}*q" for i in range(2000)]
    write(root, ".gitignore", "\n".join(patterns) + "\n")
    deep = root
    for _ in range(12):
        deep = deep / ("a" * 60)
    for i in range(40):
        write(deep, f"{'a' * 200}{i}.yaml", SERVICE.format(name=f"g{i}", app="g", target=80))
    good(root)


@case(needs="fifo", issue="a FIFO named .env beside a compose file blocks forever")
def env_fifo(root: Path) -> None:
    write(root, "compose.yaml", "services:\n  web:\n    image: example/web:1\n    ports:\n      - \"${PORT}:80\"\n")
    os.mkfifo(root / ".env")
    os.mkfifo(root / "service.yaml")
    good(root)


@case(issue="paths deeper than PATH_MAX: internal error instead of a clear note", note="PATH_MAX")
def path_deeper_than_path_max(root: Path) -> None:
    good(root)
    fd = os.open(root, os.O_RDONLY)
    try:  # relative to an open folder: the whole path is longer than the system lets one name
        for _ in range(40):
            os.mkdir("d" * 120, dir_fd=fd)
            inner = os.open("d" * 120, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = inner
        handle = os.open("service.yaml", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
        os.write(handle, SERVICE.format(name="deep", app="deep", target=80).encode())
        os.close(handle)
    finally:
        os.close(fd)


# -- config ---------------------------------------------------------------------------------------

@case(issue="a 5,000-digit integer in .portlint.toml: 'Exceeds the limit (4300 digits)', no file named")
def config_huge_integer(root: Path) -> None:
    write(root, ".portlint.toml", "max-file-size = " + "9" * 5000 + "\n")
    good(root)


# -- Terraform ------------------------------------------------------------------------------------

@case(issue="HCL nested 20,000 levels deep")
def hcl_deep_nesting(root: Path) -> None:
    depth = 20_000
    write(root, "infra/main.tf", 'resource "aws_security_group" "x" {\n  tags = ' + "[" * depth + "]" * depth
          + "\n  ingress {\n    from_port = 22\n    to_port = 22\n    protocol = \"tcp\"\n"
          "    cidr_blocks = [\"0.0.0.0/0\"]\n  }\n}\n")
    write(root, "infra/blocks.tf", "locals {\n" + "a = {\n" * 5000 + "}\n" * 5000 + "}\n")
    good(root)


# -- output escaping ------------------------------------------------------------------------------

HOSTILE_TEXT = "\x1b[31mred\x1b[0m<script>alert(1)</script>\u202e"


@case(issue="file names and values with ANSI escapes, newlines and <script>", needs="odd-names")
def hostile_names(root: Path) -> None:
    name = "svc-\x1b[2J<script>x</script>\nline.yaml"
    write(root, f"k8s/{name}", SERVICE.format(name="evil", app="evil", target=f'"{HOSTILE_TEXT}"'))
    write(root, "k8s/value.yaml", DEPLOYMENT.format(name="evil-d", app="evil", port=f'"{HOSTILE_TEXT}"'))
    write(root, "compose.yaml", 'services:\n  "\x1b[31m<script>":\n    image: x\n    ports:\n'
          '      - "80:\x1b[1m<b>x</b>"\n')
    good(root)


def generate(out: Path, names: list[str] | None = None) -> list[Path]:
    """Write each named case (all by default) into ``out/NAME``."""
    made = []
    for name in names or sorted(CASES):
        target = out / name
        target.mkdir(parents=True, exist_ok=False)
        CASES[name].make(target)
        made.append(target)
    return made


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    for path in generate(Path(sys.argv[1]), sys.argv[2:] or None):
        print(path)
