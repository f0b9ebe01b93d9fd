"""A chart rendered with its default values only says how many templates render no object, when it
keeps other values under ci/ (chart-testing) that portlint does not render: half-blindness made visible."""

from __future__ import annotations

from pathlib import Path

from conftest import scan_tree

PANEL = ("{{- if .Values.panel.enabled }}\napiVersion: v1\nkind: Service\nmetadata:\n  name: panel\nspec:\n"
         "  selector: {app: panel}\n  ports:\n    - port: 80\n      targetPort: 8080\n{{- end }}\n")


def _chart(root: Path, ci: bool) -> None:
    (root / "c" / "templates").mkdir(parents=True)
    (root / "c" / "Chart.yaml").write_text("apiVersion: v2\nname: c\nversion: 0.1.0\n")
    (root / "c" / "values.yaml").write_text("panel:\n  enabled: false\n")
    (root / "c" / "templates" / "panel.yaml").write_text(PANEL)
    if ci:
        (root / "c" / "ci").mkdir()
        (root / "c" / "ci" / "panel-values.yaml").write_text("panel:\n  enabled: true\n")


def _notes(root: Path) -> list:
    return [f for f in scan_tree(root).findings if f.rule_id == "PL001"]


def test_templates_rendering_nothing_beside_ci_values_are_one_note(tmp_path: Path) -> None:
    _chart(tmp_path, ci=True)
    (note,) = _notes(tmp_path)
    assert (note.location.path, note.severity.value) == ("c/Chart.yaml", "note")
    assert note.message.startswith("cannot read (kubernetes): 1 template in 1 chart renders no object")
    assert [r.message for r in note.related] == ["1 of 1 templates render no object; 1 values file under ci/ "
                                                 "not rendered"]


def test_no_ci_values_no_note(tmp_path: Path) -> None:
    _chart(tmp_path, ci=False)
    assert _notes(tmp_path) == []
