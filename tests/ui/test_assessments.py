"""Assessments in the window (ui/assessment_dialog.py, ui/assessments.py): every value checked
where it is typed (a MAS of 5 is refused and blocks Save), the record stored by keyboard, and
the scores drawn under the dose history on its date axis."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from programmer.assessment import AshworthGrade, Assessment, SignKind
from ui.assessment_dialog import AssessmentDialog
from ui.widgets.plots import timestamp

from .test_pump_support import PumpPrompter
from .window_helpers import NOW, make_window, open_database


def _dialog(qtbot: QtBot) -> AssessmentDialog:
    dialog = AssessmentDialog("Zoë Lefèvre (DEMO-0002)", NOW)
    qtbot.addWidget(dialog)
    return dialog


def test_a_mas_of_5_is_refused_where_it_is_typed_and_blocks_save(qtbot: QtBot) -> None:
    dialog = _dialog(qtbot)
    edit = dialog.ashworth["Knee extensors, left"]
    qtbot.keyClicks(edit, "5")
    assert not dialog.save_button.isEnabled()
    assert "Knee extensors, left: '5' is not a Modified Ashworth grade" in dialog.problems.text()
    assert edit.styleSheet()  # marked where it was typed
    qtbot.keyClick(edit, Qt.Key.Key_Return)  # Enter does not pass it
    assert dialog.result() != QDialog.DialogCode.Accepted and dialog.value is None
    edit.clear()
    qtbot.keyClicks(edit, "1+")
    assert dialog.save_button.isEnabled() and not dialog.problems.text()


def test_pain_typed_as_a_fraction_is_refused_not_rounded(qtbot: QtBot) -> None:
    dialog = _dialog(qtbot)
    qtbot.keyClicks(dialog.pain, "7.5")
    assert not dialog.save_button.isEnabled()
    assert "whole number" in dialog.problems.text()
    dialog.pain.clear()
    qtbot.keyClicks(dialog.pain, "11")
    assert "pain is scored 0 to 10, not 11" in dialog.problems.text()


def test_a_goal_score_needs_its_goal_and_an_empty_form_cannot_be_saved(qtbot: QtBot) -> None:
    dialog = _dialog(qtbot)
    assert not dialog.save_button.isEnabled()  # nothing recorded yet
    qtbot.keyClicks(dialog.goal_score, "+1")
    assert "needs the goal" in dialog.problems.text()
    qtbot.keyClicks(dialog.goal, "Walk 10 m with a frame")
    assert dialog.save_button.isEnabled()


def test_assessment_recorded_by_keyboard_is_stored_and_drawn_beside_the_dose(
    qtbot: QtBot, tmp_path: Path
) -> None:
    def fill(dialog: QDialog) -> bool:
        assert isinstance(dialog, AssessmentDialog)
        qtbot.keyClicks(dialog.ashworth["Hip flexors, left"], "3")
        qtbot.keyClicks(dialog.ashworth["Hip flexors, right"], "1+")
        qtbot.keyClicks(dialog.penn, "2")
        qtbot.keyClicks(dialog.pain, "6")
        dialog.signs["itching"].setChecked(True)
        dialog.accept()
        return dialog.result() == QDialog.DialogCode.Accepted

    db = open_database(tmp_path)
    prompter = PumpPrompter(dialogs=[fill])
    window = make_window(qtbot, db, tmp_path, prompter)
    assert window.open_patient("DEMO-0002")
    qtbot.keyClick(
        window,
        Qt.Key.Key_E,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    [stored] = db.assessments("DEMO-0002")
    assert stored.ashworth == {
        "Hip flexors, left": AshworthGrade.G3,
        "Hip flexors, right": AshworthGrade.G1_PLUS,
    }
    assert (stored.penn, stored.pain, stored.signs) == (2, 6, frozenset({"itching"}))
    assert stored.by == "dr.tester"
    assert db.audit_entries(patient_id="DEMO-0002")[-1].action == "assessment.recorded"
    plot = window.history.scores_plot
    x, y = plot.curves["pain"].getData()
    assert list(y) == [6.0]
    assert plot.curves["mas"].getData()[1][0] == 2.25  # (3 + 1.5) / 2
    assert len(plot.sign_marks[SignKind.WITHDRAWAL].getData()[0]) == 1  # itching
    assert plot.sign_marks[SignKind.OVERDOSE].getData()[0] is None
    # the dose plot and the scores share one date axis
    assert plot.plot_item.getViewBox().linkedView(0) is window.history.dose_plot.plot_item.vb
    assert "pain 6/10" in plot.readout_at(float(x[0]))


def test_an_assessment_after_the_last_dose_change_is_in_view(qtbot: QtBot, tmp_path: Path) -> None:
    db = open_database(tmp_path)
    later = NOW + timedelta(days=60)  # long after DEMO-0002's last version
    db.record_assessment("DEMO-0002", Assessment(at=later, pain=5), user="dr.tester", now=NOW)
    window = make_window(qtbot, db, tmp_path)
    assert window.open_patient("DEMO-0002")
    plot = window.history.scores_plot
    (left, right), _ = plot.plot_item.vb.viewRange()
    assert left < timestamp(later) < right
    (dose_left, dose_right), _ = window.history.dose_plot.plot_item.vb.viewRange()
    assert (dose_left, dose_right) == pytest.approx((left, right))  # one date axis
