"""Adversarial tests of the visit's transmit gate (ui/visit.py cleared_to_transmit, installed
on ui/pump/transmit_flow.py): during an open visit the pump gets only the version the visit
reviewed, and that must be the patient's programme, not one another window or an
``itb-console import`` has since replaced."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from db.database import Database, ProgrammeVersion, acknowledgement_key
from programmer.finding import Severity
from programmer.schedule_edit import set_daily_dose
from ui.main_window import MainWindow
from ui.visit_review import VisitReviewDialog

from .test_pump_support import (
    PumpPrompter,
    pump_window,
    reviewer,
    transmit_with,
    trigger,
)
from .window_helpers import NOW

LENA = "DEMO-0007"  # SynchroMed II, 200 mcg/day simple continuous


def _confirm_review(dialog: QDialog) -> bool:
    assert isinstance(dialog, VisitReviewDialog), type(dialog)
    dialog.confirm.click()
    return dialog.result() == QDialog.DialogCode.Accepted


def _save_elsewhere(path: Path, current: ProgrammeVersion, dose: int) -> ProgrammeVersion:
    """Another console (a second window, or ``itb-console import``) saves the next version
    of the patient's programme in the same database file."""
    other = Database.open(path, create=False, now=NOW)
    try:
        programme = set_daily_dose(current.programme, Decimal(dose))
        result = other.check_programme(programme, now=NOW)
        soft = [f for f in result.findings if f.severity is Severity.SOFT]
        return other.save_programme(
            programme,
            base_version=current.number,
            user="dr.other",
            reason="Saved in another window",
            acknowledgements={acknowledgement_key(f): "Reviewed elsewhere" for f in soft},
            now=NOW,
        )
    finally:
        other.close()


def _window_in_a_visit(qtbot: QtBot, tmp_path: Path) -> tuple[MainWindow, PumpPrompter]:
    """Version N (220 mcg/day) saved in this window and not transmitted (the offer declined);
    then the visit is started: the pump runs version N-1 (200 mcg/day)."""
    window, prompter = pump_window(qtbot, tmp_path, PumpPrompter())
    prompter.reviewer = reviewer(qtbot, "Dose up 10 %")
    assert window.open_patient(LENA)
    document = window.document
    assert document is not None
    document.edit("Dose change", lambda p: set_daily_dose(p, Decimal(220)))
    prompter.confirms.append(False)  # the offer to transmit, declined
    assert window.review_and_save()
    assert window.visit_workflow.start() is not None
    return window, prompter


def test_a_version_superseded_by_another_console_is_not_transmitted_in_a_visit(
    qtbot: QtBot, tmp_path: Path
) -> None:
    """The hazard: this window still holds version N; another console has since saved N+1
    (a different dose) as the patient's programme. Transmitting from this window during the
    visit reviews and sends N, so the pump runs a programme the record says is replaced, and
    the review the visit records is of a version no longer the patient's."""
    window, prompter = _window_in_a_visit(qtbot, tmp_path)
    held = window.current
    assert held is not None
    newer = _save_elsewhere(window.db.path, held, 180)
    assert window.db.current_version(LENA) == newer  # the record: N+1 is the programme
    prompter.dialogs += [_confirm_review, transmit_with()]
    trigger(qtbot, window, "transmit")
    pump = window.db.simulated_pump(LENA, now=NOW)
    assert pump is not None and newer.programme != held.programme
    assert pump.programme != held.programme, (
        f"version {held.number} was transmitted although version {newer.number} replaced it"
    )
    assert "Not transmitted: a newer version was saved" in prompter.titles()


def test_a_review_of_a_superseded_version_does_not_clear_it_for_transmission(
    qtbot: QtBot, tmp_path: Path
) -> None:
    """The visit reviewed version N in this window; another console then saved N+1. The
    review of N must not let this window send N over the patient's current programme."""
    window, prompter = _window_in_a_visit(qtbot, tmp_path)
    held = window.current
    assert held is not None
    prompter.dialogs.append(_confirm_review)
    assert window.visit_workflow.review()  # Pump -> Review visit: records "version N"
    newer = _save_elsewhere(window.db.path, held, 180)
    prompter.dialogs.append(transmit_with())
    trigger(qtbot, window, "transmit")
    pump = window.db.simulated_pump(LENA, now=NOW)
    assert pump is not None and newer.programme != held.programme
    assert pump.programme != held.programme, (
        f"version {held.number} went to the pump on its old review although version "
        f"{newer.number} replaced it"
    )
    assert "Not transmitted: a newer version was saved" in prompter.titles()


def _transmit_elsewhere(path: Path, version: ProgrammeVersion) -> None:
    """Another console reads the pump and programmes ``version`` into it (stop, send, read
    back, restart), stored as that console's transmit workflow stores it."""
    other = Database.open(path, create=False, now=NOW)
    try:
        pump = other.interrogate_pump(LENA, user="dr.other", now=NOW)
        pump.stop()
        pump.send(version.programme)
        pump.read_back()
        pump.restart()
        other.store_pump(
            LENA,
            pump,
            action="pump.transmitted",
            details={"version": version.number, "steps": [], "matched": True, "message": ""},
            user="dr.other",
            now=NOW,
        )
    finally:
        other.close()


def test_the_review_that_clears_a_transmission_compares_with_the_pump_as_it_runs_now(
    qtbot: QtBot, tmp_path: Path
) -> None:
    """The hazard: the visit's review is what clears a version for the pump, and it shows each
    dose change against what the pump delivers. Another console has reprogrammed the pump
    (240 mcg/day) since this window interrogated it (200 mcg/day): the review must compare
    the version to transmit (220 mcg/day) with 240, not with the 200 this window last saw,
    or the clinician confirms a change (+10 %) that is not the one the pump will make."""
    window, prompter = _window_in_a_visit(qtbot, tmp_path)
    held = window.current
    assert held is not None
    newer = _save_elsewhere(window.db.path, held, 240)
    _transmit_elsewhere(window.db.path, newer)
    running = window.db.simulated_pump(LENA, now=NOW)
    assert running is not None and running.programme == newer.programme
    seen: list[VisitReviewDialog] = []

    def confirm(dialog: QDialog) -> bool:
        assert isinstance(dialog, VisitReviewDialog)
        seen.append(dialog)
        return _confirm_review(dialog)

    prompter.dialogs.append(confirm)
    window.visit_workflow.review()
    [review] = seen
    befores = {change.change.before_mcg for change in review.review.dose_changes}
    assert befores == {Fraction(240)}, (
        f"the review compares with {sorted(befores)} mcg/day, not the 240 mcg/day the pump runs"
    )
