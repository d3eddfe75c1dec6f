"""A whole visit in the window (issue 11, "Done when"): start (interrogate), refill with a
concentration change and its bridge bolus, dose change, assessment, save, the visit's review,
transmit, finish; every step filed under the visit as it happened, and the visit report holds
them all."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from programmer.schedule_edit import set_daily_dose
from ui.assessment_dialog import AssessmentDialog
from ui.pump.refill_dialog import RefillDialog
from ui.report.visit import visit_report_html
from ui.visit_review import VisitReviewDialog

from .test_pump_refill import confirm, measured_off_by
from .test_pump_support import PumpPrompter, pump_window, reviewer, transmit_with, type_text
from .window_helpers import NOW

LENA = "DEMO-0007"  # SynchroMed II 20 mL, 1000 mcg/mL, cerebral origin, 200 mcg/day
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def test_whole_visit_by_keyboard_is_recorded_step_by_step_and_finishes_running(
    qtbot: QtBot, tmp_path: Path
) -> None:
    prompter = PumpPrompter(confirms=[True], dialogs=[])
    prompter.reviewer = reviewer(qtbot, "Refill at 500 mcg/mL; dose up 10 %")
    window, _ = pump_window(qtbot, tmp_path, prompter)
    assert window.open_patient(LENA)
    qtbot.keyClick(window, Qt.Key.Key_V, CTRL_SHIFT)  # start visit: interrogates first

    def refill(dialog: QDialog) -> bool:
        assert isinstance(dialog, RefillDialog)
        type_text(qtbot, dialog.measured_edit, measured_off_by(dialog, "0"))
        type_text(qtbot, dialog.volume_edit, "20")
        dialog.concentration_combo.setCurrentIndex(dialog.concentration_combo.findData("500"))
        return confirm(dialog)

    prompter.dialogs.append(refill)
    window.pump_workflows.refill_action.trigger()
    document = window.document
    assert document is not None
    document.edit("Dose up 10 %", lambda p: set_daily_dose(p, Decimal(220)))

    def assess(dialog: QDialog) -> bool:
        assert isinstance(dialog, AssessmentDialog)
        qtbot.keyClicks(dialog.ashworth["Knee flexors, left"], "2")
        qtbot.keyClicks(dialog.pain, "3")
        dialog.accept()
        return dialog.result() == QDialog.DialogCode.Accepted

    prompter.dialogs.append(assess)
    qtbot.keyClick(window, Qt.Key.Key_E, CTRL_SHIFT)
    reviewed: list[VisitReviewDialog] = []

    def review(dialog: QDialog) -> bool:  # offered by the visit before the transmission
        assert isinstance(dialog, VisitReviewDialog)
        reviewed.append(dialog)
        qtbot.keyClick(dialog.confirm, Qt.Key.Key_Space)
        return dialog.result() == QDialog.DialogCode.Accepted

    prompter.dialogs += [review, transmit_with()]
    assert window.review_and_save()
    assert reviewed and reviewed[0].review.programme_title.startswith("Saved version")
    done = window.visit_workflow.finish()
    assert done is not None and done.outcome == "running-final"
    current = window.db.current_version(LENA)
    assert current is not None and done.final_version == current.number
    assert current.programme.drug.concentration_mcg_per_ml == 500
    assert current.programme.daily_dose_mcg == 220
    actions = [s.action for s in done.steps]
    for action in (
        "visit.started",
        "pump.interrogated",
        "refill.recorded",
        "bolus.given",
        "assessment.recorded",
        "programme.saved",
        "visit.reviewed",
        "pump.transmitted",
    ):
        assert action in actions, actions
    assert actions.index("refill.recorded") < actions.index("programme.saved")
    assert actions.index("programme.saved") < actions.index("visit.reviewed")
    assert actions.index("visit.reviewed") < actions.index("pump.transmitted")
    html, _ = visit_report_html(window.db, LENA, done.number, printed_at=NOW, printed_by="t")
    assert "Bolus given" in html and "kind: bridge" in html and "daily dose: 220 mcg/day" in html
    assert window.db.verify().ok
