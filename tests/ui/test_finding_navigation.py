"""Activating a finding about what the schedule editor does not hold (the pump, the reservoir,
the drug) shows that value on the overview, with the focus on it."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from .window_helpers import activate, make_window, open_database


@pytest.mark.parametrize(
    ("patient_id", "field", "shown"),
    [
        ("DEMO-0005", "pump.replace_by", "replace_by"),
        ("DEMO-0006", "reservoir.filled_at", "reservoir"),
    ],
)
def test_activating_a_finding_about_the_pump_or_reservoir_shows_that_value(
    qtbot: QtBot, tmp_path: Path, patient_id: str, field: str, shown: str
) -> None:
    window = make_window(qtbot, open_database(tmp_path), tmp_path)
    assert window.open_patient(patient_id)
    window.show_tab(1)
    editor = window.editor
    assert editor is not None
    view = editor.findings_panel.view
    rows = [f.field for f in editor.findings_panel.model.findings()]
    assert field in rows
    activate(qtbot, window)
    view.setFocus()
    view.setCurrentIndex(editor.findings_panel.model.index(rows.index(field)))
    qtbot.keyClick(view, Qt.Key.Key_Return)
    assert window.tabs.currentWidget() is window.overview
    value = window.overview.values[shown]
    assert window.focusWidget() is value
    assert value.text() and value.selectedText() == value.text()  # shown selected


@pytest.mark.parametrize(
    ("field", "shown"),
    [
        ("drug.concentration_mcg_per_ml", "drug"),
        ("reservoir.volume_ml", "reservoir"),
        ("pump.low_reservoir_alarm_ml", "alarm"),
        ("pump.model", "pump"),
        ("patient.birth_date", "patient"),
    ],
)
def test_every_field_outside_the_editor_has_its_place_on_the_overview(
    qtbot: QtBot, tmp_path: Path, field: str, shown: str
) -> None:
    window = make_window(qtbot, open_database(tmp_path), tmp_path)
    assert window.open_patient("DEMO-0002")
    window.show_tab(1)
    assert window.editor is not None
    assert not window.editor.focus_field(field)  # not the editor's: passed to the window
    assert window.tabs.currentWidget() is window.overview
    assert window.focusWidget() is window.overview.values[shown]


def test_a_finding_on_the_schedule_stays_in_the_editor(qtbot: QtBot, tmp_path: Path) -> None:
    window = make_window(qtbot, open_database(tmp_path), tmp_path)
    assert window.open_patient("DEMO-0002")
    window.show_tab(1)
    assert window.editor is not None
    assert window.editor.focus_field("daily_dose_mcg")
    assert window.tabs.currentIndex() == 1
