"""Boluses on the real window (domain.md, "Infusion modes"): a single bolus planned as one
undoable edit and given when transmitted; a priming bolus from pump model and catheter length,
only under supervision; a bridge bolus after a concentration change; the patient-bolus settings
with the worst-case daily total they allow."""

from __future__ import annotations

import math
from datetime import timedelta
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from db.database import BolusKind
from programmer.programme import Bolus
from programmer.units import RateUnit
from ui.main_window import MainWindow
from ui.pump.bolus_dialog import BolusDialog
from ui.widgets.entry import format_rate

from .test_pump_support import (
    PumpPrompter,
    pump_window,
    reviewer,
    transmit_with,
    trigger,
    type_text,
)
from .window_helpers import NOW

ANNA = "DEMO-0001"  # SynchroMed II 40 mL, 2000 mcg/mL, Ascenda 8781 implanted 52 cm
ZOE = "DEMO-0002"  # no catheter on record
SAM = "DEMO-0004"  # uses the myPTM


def open_boluses(
    qtbot: QtBot, window: MainWindow, prompter: PumpPrompter, action: str, handler
) -> BolusDialog:
    prompter.dialogs.append(handler)
    trigger(qtbot, window, action)
    dialog = prompter.shown[-1]
    assert isinstance(dialog, BolusDialog)
    return dialog


def test_priming_volume_matches_the_catheter_arithmetic(qtbot: QtBot, tmp_path: Path) -> None:
    """The hazard (domain.md): a priming bolus computed with the wrong volume was a real Class I
    software recall. The volume shown is pump internal volume + volume per cm x implanted
    length, and the same volume leaves the pump."""
    window, prompter = pump_window(qtbot, tmp_path, PumpPrompter(confirms=[True]))
    window.open_patient(ANNA)
    before = window.pump_workflows.interrogate()
    assert before is not None
    catalogue = window.db.catalogue
    pump_model = catalogue.pump("synchromed-ii-40")
    catheter = catalogue.catheter("ascenda-8781")
    volume = Fraction(pump_model.internal_volume_ml) + Fraction(catheter.volume_ml_per_cm) * 52
    assert volume == Fraction("0.3244")  # 0.21 mL + 52 cm x 0.0022 mL/cm
    shown: dict[str, str] = {}

    def give(dialog: QDialog) -> bool:
        assert isinstance(dialog, BolusDialog)
        assert dialog.tabs.currentIndex() == 1  # the priming tab
        assert dialog.catheter_combo.currentData() == "ascenda-8781"
        assert dialog.length_edit.text() == "52"
        shown["breakdown"] = dialog.priming_breakdown.text()
        dialog.give_priming_button.click()
        return dialog.result() == QDialog.DialogCode.Accepted

    dialog = open_boluses(qtbot, window, prompter, "primingBolus", give)
    text = shown["breakdown"]
    assert "0.21 mL" in text  # pump part
    assert "52 cm × 0.0022 mL/cm" in text and "0.1144 mL" in text  # catheter part
    assert "<b>0.3244 mL</b>" in text  # their sum
    assert "<b>648.8 mcg</b>" in text  # at the fill concentration, 2000 mcg/mL
    assert "20 min" in text  # at the highest flow, 24 mL/day, rounded up
    assert dialog.priming is not None and dialog.priming.volume_ml == volume
    title, question = prompter.asked[-1]
    assert title == "Priming bolus: only under supervision" and "0.3244 mL" in question

    after = window.db.simulated_pump(ANNA, now=NOW)
    assert after is not None and after.reservoir_ml == before.reservoir_ml - volume
    [given] = [b for b in window.db.boluses_given(ANNA) if b.kind is BolusKind.PRIMING]
    assert given.dose_mcg == Decimal("648.8") and given.duration_min == 20
    assert "given under supervision" in given.reason
    entry = window.db.audit_entries(patient_id=ANNA)[-1]
    assert entry.action == "bolus.given" and entry.details["volume_ml"] == "0.3244"
    assert "Priming bolus 0.3244 mL" in window.pump_workflows.panel.events.index(0, 2).data()


def test_priming_needs_the_supervision_confirmation(qtbot: QtBot, tmp_path: Path) -> None:
    window, prompter = pump_window(qtbot, tmp_path, PumpPrompter(confirms=[False]))
    window.open_patient(ANNA)

    def give(dialog: QDialog) -> bool:
        dialog.give_priming_button.click()  # type: ignore[attr-defined]
        return True

    open_boluses(qtbot, window, prompter, "primingBolus", give)
    assert prompter.titles()[-1] == "Priming bolus: only under supervision"
    assert [b for b in window.db.boluses_given(ANNA) if b.kind is BolusKind.PRIMING] == []
    assert window.db.simulated_pump(ANNA, now=NOW) is None


def test_priming_refuses_a_catheter_longer_than_supplied_where_typed(
    qtbot: QtBot, tmp_path: Path
) -> None:
    window, prompter = pump_window(qtbot, tmp_path)
    window.open_patient(ZOE)  # no catheter on record: chosen here

    def check(dialog: QDialog) -> bool:
        assert isinstance(dialog, BolusDialog)
        assert not dialog.give_priming_button.isEnabled()
        dialog.catheter_combo.setCurrentIndex(dialog.catheter_combo.findData("ascenda-8781"))
        type_text(qtbot, dialog.length_edit, "116")
        assert "longer than the Medtronic Ascenda 8781 as supplied (115 cm)" in (
            dialog.catheter_error.text()
        )
        assert dialog.length_edit.text() == "116"
        assert not dialog.give_priming_button.isEnabled()
        type_text(qtbot, dialog.length_edit, "4o")
        assert "is not a number" in dialog.catheter_error.text()
        type_text(qtbot, dialog.length_edit, "40")
        assert dialog.give_priming_button.isEnabled()
        assert "0.298 mL" in dialog.priming_breakdown.text()  # 0.21 + 40 x 0.0022
        return False

    open_boluses(qtbot, window, prompter, "primingBolus", check)


def test_single_bolus_is_one_undoable_edit_and_given_when_transmitted(
    qtbot: QtBot, tmp_path: Path
) -> None:
    prompter = PumpPrompter(confirms=[True])
    prompter.reviewer = reviewer(qtbot, "Bolus before physiotherapy")
    window, _ = pump_window(qtbot, tmp_path, prompter)
    window.open_patient(ZOE)
    start = NOW + timedelta(hours=2)

    def plan(dialog: QDialog) -> bool:
        assert isinstance(dialog, BolusDialog)
        type_text(qtbot, dialog.start_edit, f"{start:%Y-%m-%d %H:%M}")
        type_text(qtbot, dialog.dose_edit, "5o")
        assert "is not a number" in dialog.single_error.text()
        assert not dialog.add_single_button.isEnabled()
        type_text(qtbot, dialog.dose_edit, "50")
        type_text(qtbot, dialog.duration_edit, "30")
        # 50 mcg at 1000 mcg/mL = 0.05 mL over 30 min: 2.4 mL/day while it runs.
        assert "0.05 mL at 1000 mcg/mL (2.4000 mL/day while it runs)" in (
            dialog.single_preview.text()
        )
        dialog.add_single_button.click()
        return dialog.result() == QDialog.DialogCode.Accepted

    open_boluses(qtbot, window, prompter, "singleBolus", plan)
    document = window.document
    assert document is not None
    bolus = Bolus(start, Decimal(50), 30)
    assert document.pending.boluses[-1] == bolus
    assert document.undo_stack.count() == 1
    document.undo_stack.undo()
    assert bolus not in document.pending.boluses
    document.undo_stack.redo()
    # Saved and transmitted: the pump takes it, and it is recorded as given.
    prompter.dialogs.append(transmit_with())
    assert window.review_and_save()
    [given] = [b for b in window.db.boluses_given(ZOE) if b.kind is BolusKind.SINGLE]
    assert (given.at, given.dose_mcg, given.duration_min) == (start, Decimal(50), 30)
    entry = window.db.audit_entries(patient_id=ZOE)[-1]
    assert entry.action == "pump.transmitted" and entry.details["boluses"][0]["kind"] == "single"
    assert window.db.verify().ok


def test_a_bolus_in_the_past_is_refused(qtbot: QtBot, tmp_path: Path) -> None:
    window, prompter = pump_window(qtbot, tmp_path)
    window.open_patient(ZOE)

    def plan(dialog: QDialog) -> bool:
        assert isinstance(dialog, BolusDialog)
        type_text(qtbot, dialog.start_edit, "2026-11-22 09:00")
        type_text(qtbot, dialog.dose_edit, "50")
        type_text(qtbot, dialog.duration_edit, "30")
        assert "is before now" in dialog.single_error.text()
        return False

    open_boluses(qtbot, window, prompter, "singleBolus", plan)


def test_bridge_bolus_after_a_concentration_change(qtbot: QtBot, tmp_path: Path) -> None:
    window, prompter = pump_window(qtbot, tmp_path)
    window.open_patient(ANNA)
    document = window.document
    assert document is not None
    from programmer import schedule_edit as se

    document.edit("Concentration", lambda p: se.set_concentration(p, Decimal(1000)))
    texts: list[str] = []

    def record(dialog: QDialog) -> bool:
        assert isinstance(dialog, BolusDialog)
        texts.append(dialog.bridge_details.text())
        dialog.record_bridge_button.click()
        return dialog.result() == QDialog.DialogCode.Accepted

    open_boluses(qtbot, window, prompter, "bridgeBolus", record)
    # 420 mcg/day at the old 2000 mcg/mL: 0.21 mL/day pushes 0.3244 mL in 1 d 13 h 5 min.
    assert "2000 → 1000 mcg/mL" in texts[0] and "0.3244 mL" in texts[0]
    assert "0.2100 mL/day" in texts[0] and "1 d 13 h 5 min" in texts[0]
    [given] = [b for b in window.db.boluses_given(ANNA) if b.kind is BolusKind.BRIDGE]
    assert given.dose_mcg == Decimal("648.8")
    assert given.duration_min == math.ceil(Fraction("0.3244") / Fraction("0.21") * 1440)


def test_patient_bolus_settings_show_the_worst_case_daily_total(
    qtbot: QtBot, tmp_path: Path
) -> None:
    window, prompter = pump_window(qtbot, tmp_path)
    window.open_patient(SAM)
    document = window.document
    assert document is not None and document.pending.patient_bolus is not None
    worst = document.result.projection.worst_case_daily_dose_mcg
    texts: list[str] = []

    def look(dialog: QDialog) -> bool:
        assert isinstance(dialog, BolusDialog)
        texts.append(dialog.patient_summary.text())
        dialog.edit_patient_button.click()
        return True

    open_boluses(qtbot, window, prompter, "patientBolus", look)
    pb = document.pending.patient_bolus
    assert f"at most {pb.max_per_day} a day" in texts[0]
    assert format_rate(worst, RateUnit.MCG_PER_DAY) in texts[0]
    assert window.tabs.currentWidget() is window.editor_page


def test_superscript_or_5000_digit_bolus_entry_is_refused_not_a_traceback(
    qtbot: QtBot, tmp_path: Path
) -> None:
    """Issue 10: "²" or a 5000-digit number typed into the bolus dialog raised a traceback."""
    window, prompter = pump_window(qtbot, tmp_path, PumpPrompter(confirms=[True]))
    window.open_patient(ANNA)
    seen: list[str] = []

    def type_bad(dialog: QDialog) -> bool:
        assert isinstance(dialog, BolusDialog)
        dialog.tabs.setCurrentIndex(0)
        for typed in ("²", "9" * 5000):
            for edit in (dialog.dose_edit, dialog.duration_edit):
                dialog.dose_edit.setText("50")
                dialog.duration_edit.setText("30")
                edit.setText(typed)
                seen.append(dialog.single_error.text())
        dialog.reject()
        return False

    open_boluses(qtbot, window, prompter, "singleBolus", type_bad)
    assert len(seen) == 4 and all(text and len(text) < 300 for text in seen), seen
