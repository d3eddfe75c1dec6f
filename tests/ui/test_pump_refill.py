"""Refill on the real window (domain.md, "Refill arithmetic"): expected residual from the record,
measured residual checked with the 1 mL / 2 mL rule, volume within the reservoir, concentration
(a bridge bolus offered when it changes), dates shown before confirming; then the refill
recorded, the pending programme refilled as one undoable edit, saved and transmitted."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from PySide6.QtWidgets import QDialog, QDialogButtonBox
from pytestqt.qtbot import QtBot

from db.database import BolusKind
from programmer.check_context import CheckContext
from programmer.findings import check_programme
from programmer.projection import DeliveryModel
from programmer.refill import after_refill
from programmer.units import round_half_up
from ui.main_window import MainWindow
from ui.pump.refill_dialog import RefillDialog

from .test_pump_support import (
    PumpPrompter,
    pump_window,
    reviewer,
    transmit_with,
    trigger,
    type_text,
)
from .window_helpers import NOW

LENA = "DEMO-0007"  # SynchroMed II 20 mL (1 mL limit), 1000 mcg/mL, Ascenda catheter 45 cm
ANNA = "DEMO-0001"  # SynchroMed II 40 mL (2 mL limit), 2000 mcg/mL


def open_refill(qtbot: QtBot, window: MainWindow, prompter: PumpPrompter, handler) -> RefillDialog:
    prompter.dialogs.append(handler)
    trigger(qtbot, window, "refill")
    dialog = prompter.shown[-1]
    assert isinstance(dialog, RefillDialog)
    return dialog


def confirm(dialog: QDialog) -> bool:
    """Press Record refill as a person would; True when the dialog accepted."""
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()  # type: ignore[attr-defined]
    return dialog.result() == QDialog.DialogCode.Accepted


def expected_by_hand(window: MainWindow) -> Decimal:
    versions = [v for v in window.db.versions(LENA) if v.confirmed]
    fill = versions[-1].programme.reservoir
    delivered = Fraction(0)
    for i, v in enumerate(versions):
        if v.programme.reservoir != fill:
            continue
        end = versions[i + 1].saved_at if i + 1 < len(versions) else NOW
        pump = window.db.catalogue.pump(v.programme.pump.model)
        model = DeliveryModel(v.programme, pump, worst_case=False)
        delivered += model.delivered_between(max(v.saved_at, fill.filled_at), end)
    return round_half_up(Fraction(fill.volume_ml) - delivered, 3)


def measured_off_by(dialog: RefillDialog, offset: str) -> str:
    return str(dialog.expected_kept() + Decimal(offset))


def test_refill_end_to_end_recorded_refilled_saved_and_transmitted(
    qtbot: QtBot, tmp_path: Path
) -> None:
    prompter = PumpPrompter(confirms=[True], dialogs=[])
    prompter.reviewer = reviewer(qtbot, "Refill visit")
    window, _ = pump_window(qtbot, tmp_path, prompter)
    window.open_patient(LENA)
    trigger(qtbot, window, "interrogatePump")
    seen: dict[str, str] = {}

    def fill(dialog: QDialog) -> bool:
        assert isinstance(dialog, RefillDialog)
        seen["expected"] = dialog.expected_label.text()
        type_text(qtbot, dialog.measured_edit, measured_off_by(dialog, "-0.2"))
        type_text(qtbot, dialog.volume_edit, "18")
        seen["discrepancy"] = dialog.discrepancy_label.text()
        seen["dates"] = dialog.dates_label.text()
        assert not dialog.bridge_box.isVisibleTo(dialog)  # same concentration
        return confirm(dialog)

    dialog = open_refill(qtbot, window, prompter, fill)
    # Expected from the record: 20 mL on 13 October, less what versions 1 to 3 delivered, each
    # from its save until the next (domain.md: "expected residual = volume at last refill -
    # programmed delivery since").
    assert seen["expected"].startswith(f"<b>{expected_by_hand(window)} mL</b>")
    assert "within the 1.0 mL limit" in seen["discrepancy"]
    [refill] = [r for r in window.db.refills(LENA) if r.at == NOW]
    expected = expected_by_hand(window)
    assert (refill.expected_residual_ml, refill.measured_residual_ml) == (
        expected,
        expected - Decimal("0.2"),
    )
    assert (refill.volume_added_ml, refill.concentration_mcg_per_ml) == (Decimal(18), 1000)
    assert refill.by == "dr.tester" and refill.reason == ""
    entries = window.db.audit_entries(patient_id=LENA)
    assert entries[-1].action == "refill.recorded"

    # The pending programme is the refilled one: one undoable edit.
    document = window.document
    assert document is not None
    assert document.pending.reservoir.volume_ml == 18
    assert document.pending.reservoir.filled_at == NOW
    assert document.undo_stack.count() == 1
    document.undo_stack.undo()
    assert document.pending.reservoir.volume_ml == 20
    document.undo_stack.redo()
    assert document.pending == after_refill(dialog.context.pending, NOW, Decimal(18))
    # The dates were shown before confirming, from the refilled programme's projection.
    projection = check_programme(
        document.pending, CheckContext.packaged(current=document.current), now=NOW
    ).projection
    assert f"{projection.low_reservoir_alarm_at:%Y-%m-%d %H:%M}" in seen["dates"]
    assert f"{projection.next_refill_at:%Y-%m-%d}" in seen["dates"]

    # Review and save, then transmit: the pump holds the new fill.
    prompter.dialogs.append(transmit_with())
    assert window.review_and_save()
    version = window.db.current_version(LENA)
    assert version is not None and version.programme.reservoir.volume_ml == 18
    pump = window.db.simulated_pump(LENA, now=NOW)
    assert pump is not None and pump.reservoir_ml == 18 and pump.programme == version.programme
    assert [e.action for e in window.db.audit_entries(patient_id=LENA)][-6:] == [
        "pump.interrogated",
        "pump.session-started",
        "pump.session-step",
        "pump.session-step",
        "pump.session-step",
        "pump.transmitted",
    ]


def test_refill_discrepancy_over_the_limit_cannot_pass_without_acknowledgement(
    qtbot: QtBot, tmp_path: Path
) -> None:
    """The hazard (domain.md): less left than expected may be a refill that went into the pocket
    under the skin (a Class I recall). It must be acknowledged with a reason, and recorded."""
    window, prompter = pump_window(qtbot, tmp_path)
    window.open_patient(LENA)

    def fill(dialog: QDialog) -> bool:
        assert isinstance(dialog, RefillDialog)
        type_text(qtbot, dialog.measured_edit, measured_off_by(dialog, "-1.5"))
        type_text(qtbot, dialog.volume_edit, "20")
        assert "REFILL_DISCREPANCY" in dialog.discrepancy_label.text()
        assert "pocket under the skin" in dialog.discrepancy_label.text()
        assert not dialog.confirm_button.isEnabled()
        assert "type the reason" in dialog.blocked_label.text()
        assert not confirm(dialog), "confirmed without a reason"
        type_text(qtbot, dialog.discrepancy_reason, "   ")  # blank is no reason
        assert not dialog.confirm_button.isEnabled()
        type_text(qtbot, dialog.discrepancy_reason, "Pocket checked by ultrasound: no fluid")
        assert dialog.confirm_button.isEnabled()
        return confirm(dialog)

    open_refill(qtbot, window, prompter, fill)
    [refill] = [r for r in window.db.refills(LENA) if r.at == NOW]
    assert refill.discrepancy_ml == Decimal("-1.5")
    assert refill.reason == "Pocket checked by ultrasound: no fluid"
    entry = window.db.audit_entries(patient_id=LENA)[-1]
    assert entry.action == "refill.recorded"
    assert entry.details["reason"] == "Pocket checked by ultrasound: no fluid"


def test_a_40_ml_pump_has_a_2_ml_limit(qtbot: QtBot, tmp_path: Path) -> None:
    window, prompter = pump_window(qtbot, tmp_path)
    window.open_patient(ANNA)
    states: list[bool] = []

    def fill(dialog: QDialog) -> bool:
        assert isinstance(dialog, RefillDialog)
        type_text(qtbot, dialog.volume_edit, "40")
        for offset in ("1.5", "2.001"):
            type_text(qtbot, dialog.measured_edit, measured_off_by(dialog, offset))
            states.append(dialog.confirm_button.isEnabled())
        return False

    open_refill(qtbot, window, prompter, fill)
    assert states == [True, False]  # 1.5 mL is within 2 mL; 2.001 mL needs a reason


def test_volume_over_the_reservoir_is_refused_where_typed_never_clamped(
    qtbot: QtBot, tmp_path: Path
) -> None:
    window, prompter = pump_window(qtbot, tmp_path)
    window.open_patient(LENA)

    def fill(dialog: QDialog) -> bool:
        assert isinstance(dialog, RefillDialog)
        type_text(qtbot, dialog.measured_edit, measured_off_by(dialog, "0"))
        type_text(qtbot, dialog.volume_edit, "20.5")
        assert dialog.volume_edit.text() == "20.5"  # kept as typed
        assert dialog.volume_error.isVisibleTo(dialog)
        assert "over the 20 mL reservoir" in dialog.volume_error.text()
        assert not dialog.confirm_button.isEnabled()
        for bad, words in (
            ("1,5", "use . as the decimal separator here"),
            ("-3", "cannot be negative"),
        ):
            type_text(qtbot, dialog.volume_edit, bad)
            assert words in dialog.volume_error.text()
            assert not dialog.confirm_button.isEnabled()
        type_text(qtbot, dialog.measured_edit, "25")
        assert "more than the 20 mL reservoir can hold" in dialog.measured_error.text()
        return confirm(dialog)

    open_refill(qtbot, window, prompter, fill)
    assert [r for r in window.db.refills(LENA) if r.at == NOW] == []
    assert window.document is not None and window.document.undo_stack.count() == 0


def test_concentration_change_without_a_bridge_bolus_is_flagged(
    qtbot: QtBot, tmp_path: Path
) -> None:
    """The hazard (domain.md, bridge bolus): without it the old fluid reaches the patient at the
    new flow, a gap or an overdose. Giving none must be acknowledged with a reason, recorded."""
    window, prompter = pump_window(qtbot, tmp_path)
    window.open_patient(LENA)
    seen: dict[str, str] = {}

    def fill(dialog: QDialog) -> bool:
        assert isinstance(dialog, RefillDialog)
        type_text(qtbot, dialog.measured_edit, measured_off_by(dialog, "0"))
        type_text(qtbot, dialog.volume_edit, "20")
        dialog.concentration_combo.setCurrentIndex(dialog.concentration_combo.findData("2000"))
        assert dialog.bridge_box.isVisibleTo(dialog)
        # 0.21 mL pump + 45 cm x 0.0022 mL/cm = 0.309 mL of old fluid to push out.
        seen["bridge"] = dialog.bridge_label.text()
        assert dialog.give_bridge.isChecked() and dialog.confirm_button.isEnabled()
        dialog.omit_bridge.click()
        assert dialog.omit_warning.isVisibleTo(dialog)
        seen["warning"] = dialog.omit_warning.text()
        assert not dialog.confirm_button.isEnabled()
        assert not confirm(dialog)
        type_text(qtbot, dialog.omit_reason, "Dose to be retitrated on the ward")
        return confirm(dialog)

    open_refill(qtbot, window, prompter, fill)
    assert "0.3090 mL" in seen["bridge"] and "1000 → 2000 mcg/mL" in seen["bridge"]
    assert "CONCENTRATION CHANGE WITHOUT A BRIDGE BOLUS" in seen["warning"]
    assert "0.5× the programmed dose" in seen["warning"] and "UNDER-DOSE" in seen["warning"]
    entries = window.db.audit_entries(patient_id=LENA)
    assert [e.action for e in entries[-2:]] == ["refill.recorded", "refill.bridge-bolus-omitted"]
    assert entries[-1].details["reason"] == "Dose to be retitrated on the ward"
    assert entries[-1].details["to_mcg_per_ml"] == "2000"
    assert [b for b in window.db.boluses_given(LENA) if b.kind is BolusKind.BRIDGE] == []
    assert window.document is not None
    assert window.document.pending.drug.concentration_mcg_per_ml == 2000


def test_concentration_change_with_the_bridge_bolus_records_it(
    qtbot: QtBot, tmp_path: Path
) -> None:
    window, prompter = pump_window(qtbot, tmp_path)
    window.open_patient(LENA)

    def fill(dialog: QDialog) -> bool:
        assert isinstance(dialog, RefillDialog)
        type_text(qtbot, dialog.measured_edit, measured_off_by(dialog, "0"))
        type_text(qtbot, dialog.volume_edit, "20")
        dialog.concentration_combo.setCurrentIndex(dialog.concentration_combo.findData("500"))
        return confirm(dialog)

    dialog = open_refill(qtbot, window, prompter, fill)
    assert dialog.bridge is not None
    [bridge] = [b for b in window.db.boluses_given(LENA) if b.kind is BolusKind.BRIDGE]
    # The old 1000 mcg/mL fluid (0.309 mL) reaches the patient: 309 mcg over 2 d 5 h 5 min at
    # 200 mcg/day (0.2 mL/day).
    assert bridge.dose_mcg == Decimal("309")
    assert bridge.duration_min == 2225
    assert "1000 → 500 mcg/mL" in bridge.reason
    assert [e.action for e in window.db.audit_entries(patient_id=LENA)[-2:]] == [
        "refill.recorded",
        "bolus.given",
    ]


def test_compounded_concentration_confirmed_in_the_refill_is_logged_and_goes_through(
    qtbot: QtBot, tmp_path: Path
) -> None:
    """product.md, CONCENTRATION_UNKNOWN: a concentration outside the library is refused until
    it is confirmed as a compounded product, a separate, logged override with who and why. The
    dialog's explicit confirmation (and its typed reason) records it, so the refill, the
    refilled programme and its save go through, end to end."""
    prompter = PumpPrompter(confirms=[True], dialogs=[])
    prompter.reviewer = reviewer(qtbot, "Refill with the compounded product")
    window, _ = pump_window(qtbot, tmp_path, prompter)
    window.open_patient(LENA)
    trigger(qtbot, window, "interrogatePump")
    reason = "Pharmacy-compounded 1500 mcg/mL, label checked: fewer refills"
    seen: dict[str, object] = {}

    def fill(dialog: QDialog) -> bool:
        assert isinstance(dialog, RefillDialog)
        type_text(qtbot, dialog.measured_edit, measured_off_by(dialog, "0"))
        type_text(qtbot, dialog.volume_edit, "20")
        dialog.concentration_combo.setCurrentIndex(dialog.concentration_combo.findData("other"))
        assert dialog.other_row.isVisibleTo(dialog)
        type_text(qtbot, dialog.other_edit, "1500")
        assert "confirm explicitly" in dialog.concentration_note.text()
        assert not dialog.compounded_reason.isEnabled()
        assert not dialog.confirm_button.isEnabled()
        assert not confirm(dialog), "a compounded product went through unconfirmed"
        dialog.compounded_box.click()
        # Confirmed (pending the reason): the refilled programme is checked as it will be saved.
        assert "CONCENTRATION_UNKNOWN" not in dialog.findings_label.text()
        assert "reason for confirming the compounded product" in dialog.blocked_label.text()
        assert not dialog.confirm_button.isEnabled()
        type_text(qtbot, dialog.compounded_reason, "  ")  # blank is no reason
        assert not dialog.confirm_button.isEnabled()
        type_text(qtbot, dialog.compounded_reason, reason)
        assert dialog.bridge_box.isVisibleTo(dialog)  # 1000 -> 1500 mcg/mL: bridge offered
        seen["ready"] = dialog.confirm_button.isEnabled()
        return confirm(dialog)

    open_refill(qtbot, window, prompter, fill)
    assert seen["ready"]
    db = window.db
    [confirmation] = db.compounded_confirmations(LENA)
    assert (confirmation.concentration_mcg_per_ml, confirmation.by, confirmation.reason) == (
        Decimal(1500),
        "dr.tester",
        reason,
    )
    [refill] = [r for r in db.refills(LENA) if r.at == NOW]
    assert refill.concentration_mcg_per_ml == 1500
    entries = db.audit_entries(patient_id=LENA)
    assert [e.action for e in entries[-3:]] == [
        "override.compounded_concentration",
        "refill.recorded",
        "bolus.given",
    ]
    override = entries[-3]
    assert (override.user, override.details["reason"]) == ("dr.tester", reason)

    # The refilled programme is not blocked in the window, and saves and transmits.
    document = window.document
    assert document is not None and document.pending.drug.concentration_mcg_per_ml == 1500
    assert "CONCENTRATION_UNKNOWN" not in [f.code.value for f in document.result.findings]
    assert window.save_blocked_because() is None
    prompter.dialogs.append(transmit_with())
    assert window.review_and_save()
    version = db.current_version(LENA)
    assert version is not None and version.programme.drug.concentration_mcg_per_ml == 1500
    saved = next(
        e for e in reversed(db.audit_entries(patient_id=LENA)) if e.action == "programme.saved"
    )
    assert saved.details["compounded_concentration"]["confirmed_by"] == "dr.tester"
    pump = db.simulated_pump(LENA, now=NOW)
    assert pump is not None and pump.programme == version.programme
    assert db.verify().ok

    # The next refill offers the same product, confirmed once for this patient (never a library
    # concentration in its place), and needs no new confirmation.
    def next_fill(dialog: QDialog) -> bool:
        assert isinstance(dialog, RefillDialog)
        assert dialog.concentration_combo.currentData() == "other"
        assert dialog.other_edit.text() == "1500"
        assert "confirmed as a compounded product for this patient by dr.tester" in (
            dialog.concentration_note.text()
        )
        assert not dialog.compounded_box.isVisibleTo(dialog)
        type_text(qtbot, dialog.measured_edit, measured_off_by(dialog, "0"))
        type_text(qtbot, dialog.volume_edit, "20")
        assert not dialog.bridge_box.isVisibleTo(dialog)
        seen["next"] = dialog.confirm_button.isEnabled()
        return False

    open_refill(qtbot, window, prompter, next_fill)
    assert seen["next"]


def test_the_screening_concentration_cannot_be_confirmed_for_a_refill(
    qtbot: QtBot, tmp_path: Path
) -> None:
    window, prompter = pump_window(qtbot, tmp_path)
    window.open_patient(LENA)

    def fill(dialog: QDialog) -> bool:
        assert isinstance(dialog, RefillDialog)
        type_text(qtbot, dialog.measured_edit, measured_off_by(dialog, "0"))
        type_text(qtbot, dialog.volume_edit, "20")
        dialog.concentration_combo.setCurrentIndex(dialog.concentration_combo.findData("other"))
        type_text(qtbot, dialog.other_edit, "50")
        assert "screening by lumbar puncture only" in dialog.concentration_note.text()
        assert not dialog.compounded_box.isVisibleTo(dialog)
        assert not dialog.confirm_button.isEnabled()
        return confirm(dialog)

    open_refill(qtbot, window, prompter, fill)
    assert [r for r in window.db.refills(LENA) if r.at == NOW] == []
    assert window.db.compounded_confirmations(LENA) == []


def test_a_bridged_refill_is_not_asked_for_a_second_bridge_reason(
    qtbot: QtBot, tmp_path: Path
) -> None:
    """The bridge decision recorded with the refill reaches the editor's check at once: the
    refilled programme at the new concentration has no CONCENTRATION_CHANGED_WITHOUT_BRIDGE
    (the rule every other save path meets, domain.md bridge bolus), and the save needs no
    reason for it."""
    window, prompter = pump_window(qtbot, tmp_path)
    window.open_patient(LENA)

    def fill(dialog: QDialog) -> bool:
        assert isinstance(dialog, RefillDialog)
        type_text(qtbot, dialog.measured_edit, measured_off_by(dialog, "0"))
        type_text(qtbot, dialog.volume_edit, "20")
        dialog.concentration_combo.setCurrentIndex(dialog.concentration_combo.findData("500"))
        return confirm(dialog)

    open_refill(qtbot, window, prompter, fill)
    document = window.document
    assert document is not None
    assert document.pending.drug.concentration_mcg_per_ml == 500
    codes = [f.code.value for f in document.result.findings]
    assert "CONCENTRATION_CHANGED_WITHOUT_BRIDGE" not in codes
    stored = window.db.check_programme(document.pending, now=NOW).findings
    assert "CONCENTRATION_CHANGED_WITHOUT_BRIDGE" not in [f.code.value for f in stored]
