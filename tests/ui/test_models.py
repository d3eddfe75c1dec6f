"""The window's own list models pass pytest-qt's model tester (style.md)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from programmer.compare import compare
from ui.comparison import ComparisonModel
from ui.history import HistoryModel
from ui.patient_browser import PatientListModel

from .window_helpers import open_database


def test_patient_list_model(qtmodeltester, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = open_database(tmp_path)
    model = PatientListModel()
    model.set_rows(db.first_patients(limit=50))
    qtmodeltester.check(model)
    assert model.rowCount() == 9
    assert model.index(0, 2).data().endswith("mcg/day")


def test_history_model(qtmodeltester, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = open_database(tmp_path)
    model = HistoryModel()
    model.set_versions(db.versions("DEMO-0001"))
    qtmodeltester.check(model)
    assert model.index(0, 0).data() == "5"  # newest first
    assert model.index(0, 4).data().endswith("mcg/day")


def test_comparison_model_marks_changes(qtmodeltester, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = open_database(tmp_path)
    old, new = db.versions("DEMO-0001")[-2:]
    model = ComparisonModel()
    model.set_rows(compare(old.programme, new.programme), "Version 4", "Version 5")
    qtmodeltester.check(model)
    assert model.headerData(1, Qt.Orientation.Horizontal) == "Version 4"
    changed = model.changed_rows()
    assert any(r.label == "Daily dose" for r in changed)
    row = next(i for i in range(model.rowCount()) if model.index(i, 0).data() == "Daily dose")
    assert model.index(row, 2).data(Qt.ItemDataRole.BackgroundRole) is not None
