"""The catheter is corrected after creation (issue 12): Pump -> Implanted catheter records a
new revision of the pump's record (the old one kept), audited, checked where typed and against
the pump's maker; the priming bolus then uses it."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from db.database import InvalidRecordError
from ui.patient_form import CatheterForm
from ui.pump.bolus_dialog import BolusDialog

from .test_pump_support import pump_window, trigger, type_text
from .window_helpers import NOW

ANNA = "DEMO-0001"  # SynchroMed II 40 mL, Ascenda catheter 52 cm


def test_the_catheter_length_is_corrected_audited_and_used(qtbot: QtBot, tmp_path: Path) -> None:
    window, prompter = pump_window(qtbot, tmp_path)
    assert window.open_patient(ANNA)

    def correct(dialog: QDialog) -> bool:
        assert isinstance(dialog, CatheterForm)
        assert dialog.length.text() == "52"
        type_text(qtbot, dialog.length, "6l")
        dialog.try_accept()
        assert "not a number" in dialog.error.text() and dialog.value is None
        type_text(qtbot, dialog.length, "61")
        dialog.try_accept()
        return dialog.result() == QDialog.DialogCode.Accepted

    prompter.dialogs.append(correct)
    window.catheter_action.trigger()
    pump = window.db.patient(ANNA).pump
    assert pump is not None and pump.catheter_length_cm == Decimal(61)
    assert pump.catheter_model == "ascenda-8781"
    entry = window.db.audit_entries(patient_id=ANNA)[-1]
    assert entry.action == "pump.catheter_revised"
    assert entry.details["from"] == "ascenda-8781, 52 cm"
    assert entry.details["to"] == "ascenda-8781, 61 cm"
    assert window.db.verify().ok

    prompter.dialogs.append(lambda dialog: False)
    trigger(qtbot, window, "primingBolus")
    bolus = prompter.shown[-1]
    assert isinstance(bolus, BolusDialog) and bolus.length_edit.text() == "61"


def test_a_catheter_of_another_maker_is_refused(tmp_path: Path) -> None:
    from .window_helpers import open_database

    db = open_database(tmp_path)
    with pytest.raises(InvalidRecordError, match="does not connect to a Medtronic pump"):
        db.revise_catheter(ANNA, "prometra-catheter", Decimal(40), user="dr.lee", now=NOW)
    assert db.patient(ANNA).pump.catheter_model == "ascenda-8781"  # type: ignore[union-attr]
