"""Interrogate on the real window (issue: programmer workflows): the pump read into the Pump
tab, running or stopped, its programme with units, reservoir, battery, alarms with an acknowledge
button, its event log, and every difference from the database record highlighted."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from programmer.simulated_pump import Alarm

from .test_pump_support import PumpPrompter, pump_window, reviewer, trigger
from .window_helpers import NOW, edit_rate


def test_interrogation_reads_the_pump_into_the_console(qtbot: QtBot, tmp_path: Path) -> None:
    window, _ = pump_window(qtbot, tmp_path)
    window.open_patient("DEMO-0002")
    assert window.db.simulated_pump("DEMO-0002", now=NOW) is None  # never read before
    trigger(qtbot, window, "interrogatePump")
    panel = window.pump_workflows.panel
    assert window.tabs.currentWidget() is panel
    assert "running" in panel.state_label.text()
    values = {k: label.text() for k, label in panel.values.items()}
    assert values["programme"] == "Flexible, 396 mcg/day, 0.396 mL/day"
    assert values["drug"] == "baclofen, 1000 mcg/mL"
    assert values["reservoir"].endswith("mL on 2026-11-02 10:00)")
    assert " mL of 20 mL" in values["reservoir"]
    assert values["battery"].startswith("replace by 2032-10-16")
    assert values["session"] == "none open"
    assert "matches the record" in panel.differences_summary.text()
    assert not any(changed for *_, changed in panel.difference_rows())
    assert panel.events.rowCount() >= 1
    # Started on the record, read, and logged in the audit trail.
    pump = window.db.simulated_pump("DEMO-0002", now=NOW)
    current = window.db.current_version("DEMO-0002")
    assert pump is not None and current is not None and pump.programme == current.programme
    entry = window.db.audit_entries(patient_id="DEMO-0002")[-1]
    assert (entry.action, entry.user, entry.details["started"]) == (
        "pump.interrogated",
        "dr.tester",
        True,
    )


def test_differences_from_the_record_are_highlighted(qtbot: QtBot, tmp_path: Path) -> None:
    prompter = PumpPrompter(confirms=[False])  # saved, but not transmitted
    prompter.reviewer = reviewer(qtbot, "Morning spasms")
    window, _ = pump_window(qtbot, tmp_path, prompter)
    window.open_patient("DEMO-0002")
    trigger(qtbot, window, "interrogatePump")
    edit_rate(qtbot, window, 1, "22")
    assert window.review_and_save()
    assert "Transmit to the pump" in prompter.titles()
    # A week on, read again: the pump still runs version 3, the record says version 4.
    window.clock = lambda: NOW + timedelta(days=7)
    trigger(qtbot, window, "interrogatePump")
    panel = window.pump_workflows.panel
    rows = {
        label: (record, pump, changed) for label, record, pump, changed in panel.difference_rows()
    }
    assert rows["Pump state"] == ("running", "running", False)
    assert rows["Every day: step 2"] == ("from 06:00, 22 mcg/h", "from 06:00, 24 mcg/h", True)
    assert rows["Daily dose"] == ("390.00 mcg/day", "396.00 mcg/day", True)
    # The record takes version 4 to run since its save; the pump still ran version 3.
    assert rows["Reservoir now"] == ("9.35 mL", "9.31 mL", True)
    assert "5 difference(s) from the record" in panel.differences_summary.text()
    model = panel.differences
    for row in range(model.rowCount()):
        changed = model.row_at(row).changed
        highlighted = model.index(row, 2).data(Qt.ItemDataRole.BackgroundRole) is not None
        assert highlighted == changed


def test_a_sounding_alarm_is_shown_in_words_and_acknowledged(qtbot: QtBot, tmp_path: Path) -> None:
    window, _ = pump_window(qtbot, tmp_path)
    window.open_patient("DEMO-0002")
    # 20 mL from 2 November at 0.396 mL/day: the 2 mL alarm sounds in mid-December.
    window.clock = lambda: NOW + timedelta(days=28)
    trigger(qtbot, window, "interrogatePump")
    panel = window.pump_workflows.panel
    label, button = panel.alarm_rows[Alarm.LOW_RESERVOIR]
    assert "Low reservoir: refill soon" in label.text() and "SOUNDING" in label.text()
    assert button.isEnabled()
    button.click()
    label, button = panel.alarm_rows[Alarm.LOW_RESERVOIR]
    assert "acknowledged" in label.text() and not button.isEnabled()
    pump = window.db.simulated_pump("DEMO-0002", now=NOW + timedelta(days=28))
    assert pump is not None and Alarm.LOW_RESERVOIR not in pump.sounding
    entry = window.db.audit_entries(patient_id="DEMO-0002")[-1]
    assert entry.action == "pump.alarm-acknowledged"
    assert entry.details["alarm"] == "low-reservoir"
