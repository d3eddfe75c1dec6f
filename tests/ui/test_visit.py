"""The visit in the window (ui/visit.py): Start visit interrogates first, the status bar says
on every screen that the visit is open, a visit left open resumes, and Finish needs the pump
running the final programme or a typed "left unchanged" reason."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QLabel
from pytestqt.qtbot import QtBot

from db.programmes import acknowledgement_key
from programmer.finding import Severity
from ui.visit import LeftUnchangedDialog

from .test_pump_support import PumpPrompter
from .window_helpers import NOW, make_window, open_database

CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def test_start_visit_by_keyboard_interrogates_first_and_finishes_with_the_pump_running(
    qtbot: QtBot, tmp_path: Path
) -> None:
    db = open_database(tmp_path)
    window = make_window(qtbot, db, tmp_path, PumpPrompter())
    assert window.open_patient("DEMO-0002")
    qtbot.keyClick(window, Qt.Key.Key_V, CTRL_SHIFT)
    visit = db.open_visit("DEMO-0002")
    assert visit is not None
    assert [s.action for s in visit.steps] == ["visit.started", "pump.interrogated"]
    assert window.tabs.currentWidget() is window.pump_workflows.panel
    banner = window.visit_workflow.banner
    assert banner.isVisible() and "VISIT 1 OPEN" in banner.text()
    window.tabs.setCurrentWidget(window.history)  # every screen says so
    assert banner.isVisible()
    done = window.visit_workflow.finish()
    assert done is not None and done.outcome == "running-final"
    assert not banner.isVisible() and db.open_visit("DEMO-0002") is None
    pdf = tmp_path / "visit.pdf"
    window.prompter.save_paths.append(str(pdf))  # type: ignore[attr-defined]
    assert window.visit_workflow.save_report()
    assert pdf.read_bytes().startswith(b"%PDF")


def test_a_saved_change_not_transmitted_finishes_only_as_left_unchanged_with_a_reason(
    qtbot: QtBot, tmp_path: Path
) -> None:
    typed: list[LeftUnchangedDialog] = []

    def explain(dialog: QDialog) -> bool:
        assert isinstance(dialog, LeftUnchangedDialog)
        typed.append(dialog)
        assert not dialog.ok.isEnabled()  # no reason, no finish
        qtbot.keyClicks(dialog.reason, "Patient asked to keep the old dose until Monday")
        dialog.accept()
        return dialog.result() == QDialog.DialogCode.Accepted

    db = open_database(tmp_path)
    window = make_window(qtbot, db, tmp_path, PumpPrompter(dialogs=[explain]))
    assert window.open_patient("DEMO-0004")  # simple continuous, 500 mcg/day
    window.visit_workflow.start()
    current = db.current_version("DEMO-0004")
    assert current is not None
    new = current.programme.with_changes(daily_dose_mcg=Decimal(520))
    db.save_programme(
        new,
        base_version=current.number,
        user="dr.tester",
        reason="up 4 %",
        acknowledgements={
            acknowledgement_key(f): "ok"
            for f in db.check_programme(new, now=NOW).findings
            if f.severity is Severity.SOFT
        },
        now=NOW,
    )
    done = window.visit_workflow.finish()
    assert len(typed) == 1
    assert "does not run the visit's final programme" in typed[0].findChild(QLabel).text()
    assert done is not None and done.outcome == "left-unchanged"
    assert done.reason == "Patient asked to keep the old dose until Monday"


def test_a_visit_left_open_is_shown_and_resumed_in_a_new_window(
    qtbot: QtBot, tmp_path: Path
) -> None:
    db = open_database(tmp_path)
    first = make_window(qtbot, db, tmp_path, PumpPrompter())
    assert first.open_patient("DEMO-0004")
    first.visit_workflow.start()
    first.close()
    prompter = PumpPrompter()
    second = make_window(qtbot, db, tmp_path, prompter)
    assert second.open_patient("DEMO-0004")
    assert second.visit_workflow.banner.isVisible()
    visit = second.visit_workflow.start()
    assert visit is not None and visit.number == 1
    assert any(title == "Visit resumed" for title, _ in prompter.asked)
