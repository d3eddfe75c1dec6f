"""Screening trials in the window (ui/screening_dialog.py): the trials on record, a new one
checked where typed, the suggested starting dose with its arithmetic, checked by the findings
like any dose, and put in the editor with one click as one undoable edit."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from db.records import ScreeningRecord, ScreeningResponse
from programmer.finding import Code
from programmer.programme import Mode
from ui.screening_dialog import ScreeningDialog

from .test_pump_support import PumpPrompter
from .window_helpers import NOW, make_window, open_database


def _dialog(qtbot: QtBot, recorded: list[ScreeningRecord]) -> ScreeningDialog:
    def record(trial: ScreeningRecord) -> str | None:
        recorded.append(trial)
        return None

    dialog = ScreeningDialog("Ann Test (MRN-1)", [], NOW, record=record, check_dose=lambda _d: None)
    qtbot.addWidget(dialog)
    return dialog


def test_a_screening_dose_typed_10x_is_refused_where_typed(qtbot: QtBot) -> None:
    recorded: list[ScreeningRecord] = []
    dialog = _dialog(qtbot, recorded)
    qtbot.keyClicks(dialog.dose, "500")
    qtbot.keyClicks(dialog.hours, "6")
    assert not dialog.record_button.isEnabled()
    assert "500 mcg is not a screening dose" in dialog.problems.text()
    assert not dialog.record_trial() and recorded == []


def test_recording_a_trial_that_worked_suggests_its_dose_with_the_arithmetic(
    qtbot: QtBot,
) -> None:
    recorded: list[ScreeningRecord] = []
    dialog = _dialog(qtbot, recorded)
    assert dialog.suggestion is None and not dialog.use_button.isEnabled()
    qtbot.keyClicks(dialog.dose, "50")
    qtbot.keyClicks(dialog.hours, "10")
    qtbot.mouseClick(dialog.record_button, Qt.MouseButton.LeftButton)
    [trial] = recorded
    assert (trial.dose_mcg, trial.response, trial.effect_hours) == (
        Decimal(50),
        ScreeningResponse.RESPONSE,
        Decimal(10),
    )
    assert dialog.suggestion is not None and dialog.suggestion.daily_dose_mcg == Decimal(50)
    assert "over 8 h, so the same dose" in dialog.suggestion_label.text()


def _use(dialog: QDialog) -> bool:
    assert isinstance(dialog, ScreeningDialog)
    return dialog.use_suggestion()


def test_suggested_dose_goes_into_the_editor_as_one_undoable_edit(
    qtbot: QtBot, tmp_path: Path
) -> None:
    prompter = PumpPrompter(dialogs=[_use])
    window = make_window(qtbot, open_database(tmp_path), tmp_path, prompter)
    assert window.open_patient("DEMO-0008")  # screened 50 mcg (no), then 75 mcg for 6 h
    qtbot.keyClick(
        window,
        Qt.Key.Key_T,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    document = window.document
    assert document is not None
    assert document.pending.mode is Mode.SIMPLE_CONTINUOUS
    assert document.pending.daily_dose_mcg == Decimal(150)  # 2 x 75 mcg over 24 h
    assert window.tabs.currentWidget() is window.editor_page
    document.undo_stack.undo()
    assert document.pending.daily_dose_mcg != Decimal(150)


def test_screening_suggestion_is_checked_by_the_findings_like_any_dose(
    qtbot: QtBot, tmp_path: Path
) -> None:
    """A starting dose far below the running one is CHANGE_EXTREME: shown in the dialog, and in
    the editor it blocks saving like any typed dose."""
    db = open_database(tmp_path)
    db.record_screening(
        "DEMO-0002",
        ScreeningRecord(NOW, Decimal(50), ScreeningResponse.RESPONSE, Decimal(6)),
        user="dr.tester",
        now=NOW,
    )
    seen: list[ScreeningDialog] = []

    def look_then_use(dialog: QDialog) -> bool:
        assert isinstance(dialog, ScreeningDialog)
        seen.append(dialog)
        return dialog.use_suggestion()

    window = make_window(qtbot, db, tmp_path, PumpPrompter(dialogs=[look_then_use]))
    assert window.open_patient("DEMO-0002")  # 396 mcg/day now
    assert window.assessment_workflow.screening()
    [dialog] = seen
    assert dialog.result_checked is not None
    assert Code.CHANGE_EXTREME in {f.code for f in dialog.result_checked.findings}
    assert "Hard:" in dialog.suggestion_label.text()
    assert window.document is not None and window.document.result.hard
    assert not window.save_action.isEnabled()
