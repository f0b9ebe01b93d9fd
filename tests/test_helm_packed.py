"""Packed subcharts (charts/*.tgz) are read in memory as Helm reads them, within bounds; a missing
dependency is one note that lists what it leaves unknown."""

from __future__ import annotations

import gzip
import io
import tarfile
from pathlib import Path

import pytest

from conftest import scan_tree
from portlint.helm import archive
from portlint.model import Severity

LIB = {"lib/Chart.yaml": b"apiVersion: v2\nname: lib\nversion: 1.0.0\ntype: library\n",
       "lib/templates/_port.tpl": b'{{- define "lib.port" -}}{{ .Values.port | default 7000 }}{{- end }}\n'}


def tgz(members: dict[str, bytes], kinds: dict[str, bytes] | None = None) -> bytes:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.type = (kinds or {}).get(name, tarfile.REGTYPE)
            if info.type == tarfile.REGTYPE:
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
            elif info.type == tarfile.DIRTYPE:
                tar.addfile(info)
            else:
                info.linkname = "/etc/hostname"
                tar.addfile(info)
    return gzip.compress(raw.getvalue())


def chart(root: Path, packed: bytes | None, service_target: str = '{{ include "lib.port" . }}',
          container_port: int = 7000) -> Path:
    folder = root / "app"
    (folder / "templates").mkdir(parents=True)
    (folder / "Chart.yaml").write_text("apiVersion: v2\nname: app\nversion: 0.1.0\ndependencies:\n"
                                       "  - name: lib\n    version: 1.0.0\n"
                                       "    repository: https://charts.example.org\n")
    (folder / "templates" / "all.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  selector:\n    matchLabels: {app: a}\n"
        "  template:\n    metadata:\n      labels: {app: a}\n    spec:\n      containers:\n        - name: app\n"
        f"          image: example/app:1\n          ports:\n            - containerPort: {container_port}\n"
        "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: app\nspec:\n  selector: {app: a}\n  ports:\n"
        f"    - port: 80\n      targetPort: {service_target}\n")
    if packed is not None:
        (folder / "charts").mkdir()
        (folder / "charts" / "lib-1.0.0.tgz").write_bytes(packed)
    return folder


def pl001(root: Path) -> list[tuple[str, int, str]]:
    return [(f.location.path, f.location.line, f.severity.value) for f in scan_tree(root).findings
            if f.rule_id == "PL001"]


# -- the archive --------------------------------------------------------------------------------


def test_members_are_the_chart_files_under_the_top_folder() -> None:
    files = archive.unpack(tgz({**LIB, "lib/templates": b""}, {"lib/templates": tarfile.DIRTYPE}), 1000)
    assert sorted(files) == ["Chart.yaml", "templates/_port.tpl"]


@pytest.mark.parametrize(("members", "reason"), [
    ({**LIB, "lib/../../x": b"1"}, "parent folder"),
    ({**LIB, "lib//etc/x": b"1"}, "absolute"),
    ({"Chart.yaml": b"name: x\n"}, "Chart.yaml not in a top folder"),
    ({"lib/values.yaml": b"a: 1\n"}, "no Chart.yaml"),
    ({**LIB, "lib/big.txt": b"x" * 2000}, "over max-file-size"),
    ({**LIB, "lib/" + "d/" * 40 + "x": b"1"}, "folders deep"),
])
def test_hostile_members_refuse_the_archive(members: dict[str, bytes], reason: str) -> None:
    with pytest.raises(archive.ArchiveError, match=reason):
        archive.unpack(tgz(members), 1000)


def test_links_and_devices_are_never_read() -> None:
    members = {**LIB, "lib/templates/a.yaml": b"", "lib/templates/dev": b""}
    kinds = {"lib/templates/a.yaml": tarfile.SYMTYPE, "lib/templates/dev": tarfile.CHRTYPE}
    assert sorted(archive.unpack(tgz(members, kinds), 1000)) == ["Chart.yaml", "templates/_port.tpl"]


def test_unpacked_size_member_count_and_nesting_are_bounded() -> None:
    bomb = gzip.compress(b"\0" * (3 << 20))
    with pytest.raises(archive.ArchiveError, match="over 1 MiB unpacked"):
        archive.gunzip(bomb, 1 << 20)
    many = {**LIB, **{f"lib/f{i}": b"" for i in range(archive.MAX_MEMBERS + 1)}}
    with pytest.raises(archive.ArchiveError, match="members"):
        archive.unpack(tgz(many), 1000)
    budget = archive.Budget(archives=1)
    archive.unpack(tgz(LIB), 1000, budget)
    with pytest.raises(archive.ArchiveError, match="archives"):
        archive.unpack(tgz(LIB), 1000, budget)


@pytest.mark.parametrize("data", [b"", b"not gzip", gzip.compress(b"not a tar")[:-6], gzip.compress(b"x" * 600)])
def test_broken_archives_raise_archive_error(data: bytes) -> None:
    with pytest.raises(archive.ArchiveError):
        archive.unpack(data, 1000)


# -- a chart with a packed library --------------------------------------------------------------


def test_packed_library_helpers_resolve_and_no_dependency_note(tmp_path: Path) -> None:
    chart(tmp_path, tgz(LIB))
    result = scan_tree(tmp_path)
    assert [f for f in result.findings if f.rule_id == "PL001"] == []
    targets = [f.value.number for f in result.graph.facts() if f.location.path == "app/templates/all.yaml"
               and f.location.line == 26]
    assert targets == [7000]


def test_packed_library_value_mismatch_is_caught(tmp_path: Path) -> None:
    chart(tmp_path, tgz(LIB), container_port=7001)
    findings = [f for f in scan_tree(tmp_path).findings if f.rule_id == "PL101"]
    assert [(f.location.path, f.location.line) for f in findings] == [("app/templates/all.yaml", 26)]


def test_unreadable_packed_dependency_is_one_note_at_the_archive(tmp_path: Path) -> None:
    chart(tmp_path, b"\x1f\x8b broken")
    assert pl001(tmp_path) == [("app/charts/lib-1.0.0.tgz", 1, "note")]


def test_a_packed_chart_with_objects_says_they_are_not_checked(tmp_path: Path) -> None:
    chart(tmp_path, tgz({**LIB, "lib/templates/svc.yaml": b"apiVersion: v1\nkind: Service\n"}))
    findings = [f for f in scan_tree(tmp_path).findings if f.rule_id == "PL001"]
    assert [(f.location.path, f.severity) for f in findings] == [("app/charts/lib-1.0.0.tgz", Severity.NOTE)]
    assert "1 templates of objects" in findings[0].message


# -- one missing dependency, one note -----------------------------------------------------------


def test_missing_dependency_folds_its_includes_into_one_note(tmp_path: Path) -> None:
    chart(tmp_path, None)
    findings = [f for f in scan_tree(tmp_path).findings if f.rule_id == "PL001"]
    assert [(f.location.path, f.severity) for f in findings] == [("app/Chart.yaml", Severity.NOTE)]
    assert [(r.location.path, r.location.line) for r in findings[0].related] == [("app/templates/all.yaml", 26)]
    assert "it leaves 1 place in the chart's templates unknown" in findings[0].message


def test_include_of_an_undefined_template_without_missing_dependency_is_kept(tmp_path: Path) -> None:
    folder = chart(tmp_path, tgz(LIB), service_target='{{ include "lib.nope" . }}')
    assert folder.is_dir()
    assert ("app/templates/all.yaml", 26, "note") in pl001(tmp_path)
