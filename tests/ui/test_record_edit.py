"""File -> Edit patient record and Pump -> Edit pump record (issue 12): the new-patient form's
fields and checks, a reason, an audited revision; a refusal is shown in the dialog, which stays
open; the pending programme takes the corrected record and its findings use it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from programmer.finding import Code, Severity
from programmer.programme import SpasticityOrigin
from ui.record_edit import PatientRecordForm, PumpRecordForm

from .test_pump_support import pump_window, type_text

ANNA = "DEMO-0001"  # Anna Berger, born 1972-04-18, spinal; a SynchroMed II 40 mL


def test_the_record_edits_need_an_open_patient(qtbot: QtBot, tmp_path: Path) -> None:
    window, _ = pump_window(qtbot, tmp_path)
    assert not window.patient_record_action.isEnabled()
    assert not window.pump_record_action.isEnabled()
    assert window.open_patient(ANNA)
    assert window.patient_record_action.isEnabled() and window.pump_record_action.isEnabled()


def test_a_typed_birth_date_is_echoed_and_the_pending_programme_takes_the_corrected_record(
    qtbot: QtBot, tmp_path: Path
) -> None:
    window, prompter = pump_window(qtbot, tmp_path)
    assert window.open_patient(ANNA)

    def correct(dialog: QDialog) -> bool:
        assert isinstance(dialog, PatientRecordForm)
        assert dialog.birth.edit.text() == "1972-04-18"
        type_text(qtbot, dialog.birth.edit, "1972-18-04")
        assert "not a day of the calendar" in dialog.birth.echo.text()
        type_text(qtbot, dialog.reason, "birth date from the passport")
        dialog.try_accept()
        assert dialog.result() != QDialog.DialogCode.Accepted and "calendar" in dialog.error.text()
        type_text(qtbot, dialog.birth.edit, "1979-04-12")
        assert dialog.birth.echo.text() == "read as 12 April 1979"  # never 4 January
        dialog.origin.setCurrentIndex(dialog.origin.findData("cerebral"))
        dialog.try_accept()
        return dialog.result() == QDialog.DialogCode.Accepted

    prompter.dialogs.append(correct)
    window.patient_record_action.trigger()
    corrected = window.db.patient(ANNA).patient
    assert corrected.birth_date == date(1979, 4, 12)
    assert corrected.spasticity_origin is SpasticityOrigin.CEREBRAL
    assert window.record is not None and window.record.patient == corrected
    assert window.document is not None and window.document.pending.patient == corrected
    entry = window.db.audit_entries(patient_id=ANNA)[-1]
    assert entry.action == "patient.revised"
    assert entry.details["reason"] == "birth date from the passport"
    assert window.db.verify().ok


def test_a_name_with_a_bidi_override_is_refused_where_it_was_typed(
    qtbot: QtBot, tmp_path: Path
) -> None:
    window, prompter = pump_window(qtbot, tmp_path)
    assert window.open_patient(ANNA)

    def rename(dialog: QDialog) -> bool:
        assert isinstance(dialog, PatientRecordForm)
        dialog.name.setText("Anna \u202eregreB")
        type_text(qtbot, dialog.reason, "spelling")
        dialog.try_accept()
        assert "U+202E RIGHT-TO-LEFT OVERRIDE" in dialog.error.text()
        dialog.name.setText("Anna Berger-Huber")
        assert dialog.error.text() == ""  # the message goes once the name changes
        dialog.name.setText("Anna \u202eregreB")
        return dialog.result() == QDialog.DialogCode.Accepted

    prompter.dialogs.append(rename)
    assert not window.edit_patient_record()
    assert window.db.patient(ANNA).patient.name == "Anna Berger"


def test_a_record_correction_without_a_reason_is_not_recorded(qtbot: QtBot, tmp_path: Path) -> None:
    window, prompter = pump_window(qtbot, tmp_path)
    assert window.open_patient(ANNA)

    def no_reason(dialog: QDialog) -> bool:
        assert isinstance(dialog, PumpRecordForm)
        type_text(qtbot, dialog.alarm, "3")
        dialog.try_accept()
        assert "Reason: required" in dialog.error.text()
        return dialog.result() == QDialog.DialogCode.Accepted

    prompter.dialogs.append(no_reason)
    assert not window.edit_pump_record()
    assert window.db.patient(ANNA).pump.low_reservoir_alarm_ml == Decimal(2)  # type: ignore[union-attr]


def test_an_edited_replace_by_past_the_battery_life_is_a_hard_finding_that_blocks_saving(
    qtbot: QtBot, tmp_path: Path
) -> None:
    """domain.md: the SynchroMed II shuts off at 7 years; a replace-by 8 years after the
    implant is REPLACE_BY_IMPLAUSIBLE in the pending programme's findings."""
    window, prompter = pump_window(qtbot, tmp_path)
    assert window.open_patient(ANNA)
    implanted = window.db.patient(ANNA).pump.implanted_on  # type: ignore[union-attr]
    too_late = implanted.replace(year=implanted.year + 8)

    def late(dialog: QDialog) -> bool:
        assert isinstance(dialog, PumpRecordForm)
        type_text(qtbot, dialog.replace_by.edit, too_late.isoformat())
        assert dialog.replace_by.echo.text() == f"read as {too_late.day} {too_late:%B %Y}"
        type_text(qtbot, dialog.reason, "from the implant card")
        dialog.try_accept()
        return dialog.result() == QDialog.DialogCode.Accepted

    prompter.dialogs.append(late)
    assert window.edit_pump_record()
    assert window.document is not None
    assert window.document.pending.pump.replace_by == too_late
    hard = {f.code for f in window.document.result.findings if f.severity is Severity.HARD}
    assert Code.REPLACE_BY_IMPLAUSIBLE in hard
    assert window.save_blocked_because() == (
        "A hard finding blocks saving: change the programme first."
    )
    assert window.db.audit_entries(patient_id=ANNA)[-1].action == "pump.revised"


def test_a_pump_implant_before_the_birth_date_is_refused_in_the_dialog(
    qtbot: QtBot, tmp_path: Path
) -> None:
    window, prompter = pump_window(qtbot, tmp_path)
    assert window.open_patient(ANNA)

    def early(dialog: QDialog) -> bool:
        assert isinstance(dialog, PumpRecordForm)
        type_text(qtbot, dialog.implanted.edit, "1970-01-01")
        type_text(qtbot, dialog.reason, "typo")
        dialog.try_accept()
        assert "before the birth date" in dialog.error.text()
        return dialog.result() == QDialog.DialogCode.Accepted

    before = window.db.patient(ANNA).pump
    prompter.dialogs.append(early)
    assert not window.edit_pump_record()
    assert window.db.patient(ANNA).pump == before


def test_a_birth_date_after_the_pump_implant_is_refused_by_the_database_in_the_dialog(
    qtbot: QtBot, tmp_path: Path
) -> None:
    window, prompter = pump_window(qtbot, tmp_path)
    assert window.open_patient(ANNA)
    implanted = window.db.patient(ANNA).pump.implanted_on  # type: ignore[union-attr]

    def after(dialog: QDialog) -> bool:
        assert isinstance(dialog, PatientRecordForm)
        type_text(qtbot, dialog.birth.edit, implanted.replace(day=implanted.day + 1).isoformat())
        type_text(qtbot, dialog.reason, "typo")
        dialog.try_accept()
        assert dialog.error.text().startswith("Not recorded: patient.birth_date: is after")
        return dialog.result() == QDialog.DialogCode.Accepted

    prompter.dialogs.append(after)
    assert not window.edit_patient_record()
    assert window.db.patient(ANNA).patient.birth_date == date(1972, 4, 18)


def test_a_record_edit_waits_for_unsaved_programme_changes_which_are_not_lost(
    qtbot: QtBot, tmp_path: Path
) -> None:
    """The corrected record is loaded into the pending programme: it is refused while there are
    unsaved edits, which would otherwise be dropped."""
    window, prompter = pump_window(qtbot, tmp_path)
    assert window.open_patient(ANNA)
    assert window.editor is not None and window.document is not None
    window.editor.dose_edit.setText("440")
    window.editor.dose_set_button.click()
    assert window.document.is_modified
    assert not window.edit_patient_record()
    assert not window.edit_pump_record()
    assert prompter.shown == []  # no dialog was opened
    assert "unsaved changes" in prompter.asked[-1][1]
    assert window.document.is_modified and window.document.pending.daily_dose_mcg == Decimal(440)


def test_a_corrected_replace_by_before_the_refill_is_in_the_overviews_refill_date_and_findings(
    qtbot: QtBot, tmp_path: Path
) -> None:
    """domain.md, "Refill arithmetic": the refill date is the earliest of the alarm date minus a
    margin, fill + stability and the pump's replacement date. Edit pump record corrects the
    replace-by date of the pump running the saved version: the Overview's projection of that
    version (not only the next one saved) takes it, so no refill-by date after the pump's own
    replace-by date is shown, and REPLACEMENT_BEFORE_REFILL is among its alerts."""
    window, prompter = pump_window(qtbot, tmp_path)
    assert window.open_patient(ANNA)
    assert window.overview.result is not None
    refill = window.overview.result.projection.next_refill_at
    today = window.clock().date()
    corrected = today + (refill.date() - today) / 2
    assert today < corrected < refill.date()

    def earlier(dialog: QDialog) -> bool:
        assert isinstance(dialog, PumpRecordForm)
        type_text(qtbot, dialog.replace_by.edit, corrected.isoformat())
        type_text(qtbot, dialog.reason, "replacement warning seen at interrogation")
        dialog.try_accept()
        return dialog.result() == QDialog.DialogCode.Accepted

    prompter.dialogs.append(earlier)
    assert window.edit_pump_record()
    result = window.overview.result
    assert result is not None
    assert result.projection.next_refill_at.date() <= corrected
    assert result.projection.refill_limited_by.value == "replacement"
    assert Code.REPLACEMENT_BEFORE_REFILL in {f.code for f in result.findings}
    assert window.overview.values["refill"].text().startswith(f"{corrected:%Y-%m-%d}")
