"""New patient: the form refuses bad input where it was typed, and the window creates the
patient, opens it and starts a stopped programme with the form's drug and fill."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from programmer.drug_library import default_drug_library
from programmer.finding import Code
from programmer.programme import Mode
from programmer.pump_catalogue import default_pump_catalogue
from ui.patient_form import PatientForm

from .window_helpers import NOW, ScriptedPrompter, make_window, open_database


def filled_form(qtbot: QtBot) -> PatientForm:
    form = PatientForm(NOW, library=default_drug_library(), catalogue=default_pump_catalogue())
    qtbot.addWidget(form)
    qtbot.keyClicks(form.patient_id, "MRN-7777")
    qtbot.keyClicks(form.name, "Ada Quinn")
    qtbot.keyClicks(form.birth.edit, "1979-04-12")
    qtbot.keyClicks(form.serial, "NGP777")
    qtbot.keyClicks(form.catheter_length, "70")
    return form


def test_form_refuses_a_negative_volume_and_keeps_the_dialog_open(qtbot: QtBot) -> None:
    form = filled_form(qtbot)
    form.volume.setText("-5")
    form._try_accept()
    assert form.value is None
    assert "negative" in form.error.text()


def test_form_refuses_an_alarm_volume_over_the_reservoir(qtbot: QtBot) -> None:
    form = filled_form(qtbot)
    form.alarm.setText("25")
    form._try_accept()
    assert form.value is None
    assert "Low-reservoir alarm" in form.error.text()


def test_form_gives_a_complete_patient(qtbot: QtBot) -> None:
    form = filled_form(qtbot)
    form._try_accept()
    assert form.value is not None, form.error.text()
    assert form.value.patient.id == "MRN-7777"
    assert form.value.pump.low_reservoir_alarm_ml == 2  # the SynchroMed default, not typed
    assert form.value.drug.concentration_mcg_per_ml == 500


def test_new_patient_is_created_opened_and_starts_stopped(qtbot: QtBot, tmp_path: Path) -> None:
    form = filled_form(qtbot)
    form._try_accept()
    db = open_database(tmp_path)
    prompter = ScriptedPrompter(new_patients=[form.value])
    window = make_window(qtbot, db, tmp_path, prompter)
    window.new_action.trigger()
    assert window.record is not None and window.record.patient.id == "MRN-7777"
    assert window.tabs.currentIndex() == 1
    assert window.document is not None and window.document.pending.mode is Mode.STOPPED
    assert Code.MODE_STOPPED in {f.code for f in window.document.result.findings}
    assert db.search_patients("quinn")[0].id == "MRN-7777"


def test_form_refuses_a_name_with_a_right_to_left_override_where_it_was_typed(
    qtbot: QtBot,
) -> None:
    """ "Jane \u202eeoD" shows as "Jane Doe": the database's one name check, in the form."""
    form = filled_form(qtbot)
    form.name.setText("Jane \u202eeoD")
    form._try_accept()
    assert form.value is None
    assert "Name:" in form.error.text() and "RIGHT-TO-LEFT OVERRIDE" in form.error.text()


def test_form_refuses_a_patient_id_with_a_cyrillic_letter_where_it_was_typed(
    qtbot: QtBot,
) -> None:
    """ "МRN-0042" with a Cyrillic "М" reads as "MRN-0042": the database's id rule, in the form."""
    form = filled_form(qtbot)
    form.patient_id.setText("\u041cRN-0042")
    form._try_accept()
    assert form.value is None
    assert "Patient ID:" in form.error.text() and "CYRILLIC CAPITAL LETTER EM" in form.error.text()
