"""Helm's built-in objects as ``helm template`` sets them: ``.Release``, ``.Capabilities``,
``.Chart`` (Go-cased fields from ``Chart.yaml``) and ``.Files`` (read-only, inside the chart,
regular files only, size-bounded)."""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath
from typing import Any

from portlint import safe_io
from portlint.helm.values import GoMap, GoStruct, Method

RELEASE_NAME = "release-name"
KUBE_VERSION = "v1.30.0"
HELM_VERSION = "v3.16.0"
MAX_FILES = 5_000
_NOT_FILES = ("Chart.yaml", "Chart.lock", "values.yaml", "values.schema.json", "requirements.yaml",
              "requirements.lock")
_API_VERSIONS = frozenset({
    "v1", "apps/v1", "batch/v1", "autoscaling/v1", "autoscaling/v2", "networking.k8s.io/v1", "policy/v1",
    "rbac.authorization.k8s.io/v1", "storage.k8s.io/v1", "apiextensions.k8s.io/v1",
    "admissionregistration.k8s.io/v1", "coordination.k8s.io/v1", "discovery.k8s.io/v1", "events.k8s.io/v1",
    "scheduling.k8s.io/v1", "certificates.k8s.io/v1", "node.k8s.io/v1", "apiregistration.k8s.io/v1",
    "authentication.k8s.io/v1", "authorization.k8s.io/v1", "flowcontrol.apiserver.k8s.io/v1",
})
# chart.Metadata: Chart.yaml key → Go field
_CHART_FIELDS = {
    "name": "Name", "home": "Home", "sources": "Sources", "version": "Version", "description": "Description",
    "keywords": "Keywords", "maintainers": "Maintainers", "icon": "Icon", "apiVersion": "APIVersion",
    "condition": "Condition", "tags": "Tags", "appVersion": "AppVersion", "deprecated": "Deprecated",
    "annotations": "Annotations", "kubeVersion": "KubeVersion", "dependencies": "Dependencies", "type": "Type",
}
_LIST_FIELDS = ("Sources", "Keywords", "Maintainers", "Dependencies")


def release(namespace: str) -> dict[str, Any]:
    return {"Name": RELEASE_NAME, "Namespace": namespace, "Service": "Helm", "IsInstall": True,
            "IsUpgrade": False, "Revision": 1}


def capabilities() -> GoStruct:
    major, minor = KUBE_VERSION[1:].split(".")[:2]
    kube = GoStruct("chartutil.KubeVersion", {"Version": KUBE_VERSION, "Major": major, "Minor": minor,
                                              "GitVersion": KUBE_VERSION}, KUBE_VERSION)
    apis = GoStruct("chartutil.VersionSet", {"Has": Method("Has", _has_api)},
                    "[" + " ".join(sorted(_API_VERSIONS)) + "]")
    helm = GoStruct("chartutil.HelmVersion", {"Version": HELM_VERSION, "GitCommit": "", "GitTreeState": "clean",
                                              "GoVersion": ""})
    return GoStruct("chartutil.Capabilities", {"KubeVersion": kube, "APIVersions": apis, "HelmVersion": helm})


def _has_api(version: Any) -> bool:
    text = str(version)
    if text in _API_VERSIONS:
        return True
    group_version, _, kind = text.rpartition("/")
    return bool(kind) and group_version in _API_VERSIONS and kind[:1].isupper()


def chart(metadata: dict[str, Any]) -> GoStruct:
    """``.Chart``: every field of Go's chart.Metadata, zero when Chart.yaml does not say."""
    fields: dict[str, Any] = {}
    for key, go_name in _CHART_FIELDS.items():
        value = metadata.get(key)
        if go_name == "Deprecated":
            fields[go_name] = value is True or (isinstance(value, str) and value.lower() == "true")
        elif go_name in _LIST_FIELDS or go_name == "Annotations":
            fields[go_name] = value if isinstance(value, (list, dict)) else None
        else:
            fields[go_name] = "" if value is None else _text(value)
    return GoStruct("*chart.Metadata", fields)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# -- .Files -------------------------------------------------------------------------------------


class _ChartFiles:
    """The non-template files of a chart, read on demand."""

    def __init__(self, root: Path, max_size: int) -> None:
        self.root, self.max_size = root, max_size
        self._names: list[str] | None = None

    def names(self) -> list[str]:
        if self._names is None:
            found: list[str] = []
            base = self.root.resolve()
            for path in sorted(self.root.rglob("*")):
                if len(found) >= MAX_FILES:
                    break
                rel = path.relative_to(self.root).as_posix()
                first = rel.split("/")[0]
                if first in ("templates", "charts") or rel in _NOT_FILES or rel.startswith(".git/"):
                    continue
                if _regular_inside(path, base):
                    found.append(rel)
            self._names = found
        return self._names

    def read(self, name: Any) -> str | None:
        rel = PurePosixPath(str(name))
        if rel.is_absolute() or ".." in rel.parts or not rel.parts:
            return None
        if rel.parts[0] in ("templates", "charts") or rel.as_posix() in _NOT_FILES:
            return None
        try:
            data = safe_io.read_bytes(self.root / rel.as_posix(), root=self.root, limit=self.max_size)
        except (OSError, ValueError):
            return None
        return data.decode("utf-8", errors="replace")


class _PackedFiles:
    """The non-template files of a chart read from an archive (:mod:`portlint.helm.packed`)."""

    def __init__(self, files: dict[str, bytes]) -> None:
        self.files = files

    def names(self) -> list[str]:
        return [name for name in sorted(self.files)
                if name.split("/")[0] not in ("templates", "charts") and name not in _NOT_FILES][:MAX_FILES]

    def read(self, name: Any) -> str | None:
        rel = str(name)
        if rel.split("/")[0] in ("templates", "charts") or rel in _NOT_FILES or rel not in self.files:
            return None
        return self.files[rel].decode("utf-8", errors="replace")


def packed_files(files: dict[str, bytes], to_yaml: Any = None) -> GoMap:
    """``.Files`` of a chart read from an archive."""
    return _files_map(_PackedFiles(files), None, to_yaml)  # type: ignore[arg-type]


def _regular_inside(path: Path, base: Path) -> bool:
    try:
        if path.is_symlink() or not path.is_file():
            return False
        return path.resolve().is_relative_to(base)
    except OSError:
        return False


def files(root: Path, max_size: int, to_yaml: Any = None) -> GoMap:
    """``.Files`` of a chart: a map (for ``range``) whose methods read on demand."""
    store = _ChartFiles(root, max_size)
    return _files_map(store, None, to_yaml)


def _files_map(store: _ChartFiles, subset: dict[str, str] | None, to_yaml: Any) -> GoMap:
    result = GoMap(subset or {})

    def get(name: Any) -> str:
        if subset is not None:
            return subset.get(str(name), "")
        return store.read(name) or ""

    def lines(name: Any) -> list[str]:
        text = get(name)
        if not text:
            return []
        return text[:-1].split("\n") if text.endswith("\n") else text.split("\n")

    def glob(pattern: Any) -> GoMap:
        regex = _glob_regex(str(pattern))
        pool = subset.keys() if subset is not None else store.names()
        matched = {name: get(name) for name in pool if regex.fullmatch(name)}
        return _files_map(store, matched, to_yaml)

    def as_config() -> str:
        data = {PurePosixPath(k).name: v for k, v in sorted((subset or {}).items())}
        return _yaml_map(data, to_yaml)

    def as_secrets() -> str:
        import base64

        data = {PurePosixPath(k).name: base64.b64encode(v.encode()).decode() for k, v in sorted((subset or {}).items())}
        return _yaml_map(data, to_yaml)

    result.methods = {"Get": Method("Get", get), "GetBytes": Method("GetBytes", get), "Lines": Method("Lines", lines),
                      "Glob": Method("Glob", glob), "AsConfig": Method("AsConfig", as_config),
                      "AsSecrets": Method("AsSecrets", as_secrets)}
    return result


def _yaml_map(data: dict[str, str], to_yaml: Any) -> str:
    if not data:
        return ""
    if to_yaml is not None:
        return to_yaml(data)
    import yaml

    return yaml.safe_dump(data, default_flow_style=False, sort_keys=True).rstrip("\n")


def _glob_regex(pattern: str) -> re.Pattern[str]:
    """gobwas/glob with ``/`` as separator: ``**`` crosses folders, ``*`` and ``?`` do not."""
    out, i = [], 0
    while i < len(pattern):
        ch = pattern[i]
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if ch == "*":
            out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        elif ch == "[":
            close = pattern.find("]", i + 1)
            if close < 0:
                out.append(re.escape(ch))
            else:
                body = pattern[i + 1:close].replace("\\", "\\\\")
                out.append("[" + ("^" + body[1:] if body.startswith("!") else body) + "]")
                i = close
        elif ch == "{":
            close = pattern.find("}", i + 1)
            if close < 0:
                out.append(re.escape(ch))
            else:
                out.append("(?:" + "|".join(re.escape(p) for p in pattern[i + 1:close].split(",")) + ")")
                i = close
        else:
            out.append(re.escape(ch))
        i += 1
    return re.compile("".join(out))
