"""The one rule every transmission goes through (ui/visit.py VisitWorkflow.cleared_to_transmit,
installed as the pump workflows' transmit gate): during an open visit a version goes to the pump
only after a review of that same version was confirmed in the visit (product.md, "The visit":
review, then transmit). Not reviewed: the review is shown first; cancelled, nothing is sent and
the status bar says why. Outside a visit, transmit is as it always was."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from PySide6.QtWidgets import QDialog, QLabel
from pytestqt.qtbot import QtBot

from db.database import ProgrammeVersion
from programmer.programme import Programme
from programmer.schedule_edit import set_daily_dose
from programmer.simulated_pump import SessionStep
from programmer.telemetry import Link
from ui.main_window import MainWindow
from ui.pump.transmit_dialog import TransmitDialog
from ui.visit_review import VisitReviewDialog

from .test_pump_support import PumpPrompter, pump_window, reviewer, transmit_with, trigger
from .window_helpers import NOW

LENA = "DEMO-0007"  # SynchroMed II, cerebral origin (titration step 15 %), 200 mcg/day


def _review(into: list[VisitReviewDialog], *, confirm: bool) -> Callable[[QDialog], bool]:
    """A handler for the visit's review: confirm it, or cancel it."""

    def handler(dialog: QDialog) -> bool:
        assert isinstance(dialog, VisitReviewDialog), type(dialog)
        into.append(dialog)
        if confirm:
            dialog.confirm.click()
        else:
            dialog.reject()
        return dialog.result() == QDialog.DialogCode.Accepted

    return handler


def _save_dose(window: MainWindow, mcg_per_day: int) -> ProgrammeVersion:
    """Change the daily dose and save it through the review (the prompter's reviewer)."""
    document = window.document
    assert document is not None
    document.edit("Dose change", lambda p: set_daily_dose(p, Decimal(mcg_per_day)))
    assert window.review_and_save()
    saved = window.current
    assert saved is not None
    return saved


def _saved_before_the_visit(
    qtbot: QtBot, tmp_path: Path
) -> tuple[MainWindow, PumpPrompter, ProgrammeVersion]:
    """Version saved (and the offer declined) before the visit; then the visit is started, so
    the pump is interrogated on the version before it."""
    window, prompter = pump_window(qtbot, tmp_path, PumpPrompter())
    prompter.reviewer = reviewer(qtbot, "Dose up 10 %")
    assert window.open_patient(LENA)
    prompter.confirms.append(False)  # outside a visit: the offer to transmit, declined
    saved = _save_dose(window, 220)
    assert prompter.titles() == ["Transmit to the pump"] and prompter.shown == []
    assert window.visit_workflow.start() is not None
    return window, prompter, saved


def _pump_programme(window: MainWindow) -> Programme:
    pump = window.db.simulated_pump(LENA, now=NOW)
    assert pump is not None
    return pump.programme


def _steps(window: MainWindow) -> list[str]:
    visit = window.db.open_visit(LENA)
    assert visit is not None
    return [s.action for s in visit.steps]


def test_transmit_during_a_visit_without_a_review_shows_the_review_first(
    qtbot: QtBot, tmp_path: Path
) -> None:
    window, prompter, saved = _saved_before_the_visit(qtbot, tmp_path)
    seen: list[VisitReviewDialog] = []
    prompter.dialogs += [_review(seen, confirm=True), transmit_with()]
    trigger(qtbot, window, "transmit")  # Pump -> Transmit to pump… (Ctrl+T)
    review, transmit = prompter.shown
    assert isinstance(review, VisitReviewDialog) and isinstance(transmit, TransmitDialog)
    assert review.review.programme_title == f"Saved version {saved.number}"
    words = f"Version {saved.number} is transmitted once this review is confirmed"
    assert any(words in label.text() for label in review.findChildren(QLabel))
    steps = _steps(window)
    assert steps.index("visit.reviewed") < steps.index("pump.transmitted"), steps
    visit = window.db.open_visit(LENA)
    assert visit is not None
    [reviewed] = [s for s in visit.steps if s.action == "visit.reviewed"]
    assert reviewed.details["version"] == saved.number
    assert _pump_programme(window) == saved.programme
    # Reviewed and sent: transmitting the same version again asks for no second review.
    prompter.dialogs.append(transmit_with())
    trigger(qtbot, window, "transmit")
    assert isinstance(prompter.shown[-1], TransmitDialog) and len(prompter.shown) == 3
    assert window.db.verify().ok


def test_a_cancelled_review_transmits_nothing(qtbot: QtBot, tmp_path: Path) -> None:
    """The hazard: a programme sent to the pump in a visit without its review confirmed."""
    window, prompter, saved = _saved_before_the_visit(qtbot, tmp_path)
    pump_before = _pump_programme(window)
    assert pump_before != saved.programme
    steps_before = _steps(window)
    trail_before = len(window.db.audit_entries(patient_id=LENA))
    seen: list[VisitReviewDialog] = []
    prompter.dialogs += [_review(seen, confirm=False), transmit_with()]
    trigger(qtbot, window, "transmit")
    assert [type(d) for d in prompter.shown] == [VisitReviewDialog]  # no transmit dialog
    assert _pump_programme(window) == pump_before  # the pump unchanged
    assert _steps(window) == steps_before  # nothing stored: no review, no session
    assert len(window.db.audit_entries(patient_id=LENA)) == trail_before
    visit = window.db.open_visit(LENA)
    assert visit is not None
    assert window.statusBar().currentMessage() == (
        f"Visit {visit.number}: the review was not confirmed, so version {saved.number} was "
        "not transmitted. Pump -> Review visit, then transmit."
    )
    # Pump -> Review visit, then transmit: the version goes out without a second review.
    prompter.dialogs = [_review(seen, confirm=True), transmit_with()]
    window.visit_workflow.review_action.trigger()
    trigger(qtbot, window, "transmit")
    assert [type(d) for d in prompter.shown[1:]] == [VisitReviewDialog, TransmitDialog]
    assert _pump_programme(window) == saved.programme


def test_the_differs_banners_transmit_in_a_visit_shows_the_review_first(
    qtbot: QtBot, tmp_path: Path
) -> None:
    """Every path to the pump gets the rule: the record-and-pump-differ banner's button too."""
    window, prompter, saved = _saved_before_the_visit(qtbot, tmp_path)
    banner = window.pump_workflows.differs_banner
    assert banner.isVisibleTo(window)  # the pump still runs the version before
    seen: list[VisitReviewDialog] = []
    prompter.dialogs += [_review(seen, confirm=False), transmit_with()]
    banner.transmit_button.click()
    assert [type(d) for d in prompter.shown] == [VisitReviewDialog]
    assert _pump_programme(window) != saved.programme
    assert "the review was not confirmed" in window.statusBar().currentMessage()


def _visit_on_lena(qtbot: QtBot, tmp_path: Path) -> tuple[MainWindow, PumpPrompter]:
    window, prompter = pump_window(qtbot, tmp_path, PumpPrompter())
    prompter.reviewer = reviewer(qtbot, "Dose change")
    assert window.open_patient(LENA)
    assert window.visit_workflow.start() is not None
    return window, prompter


def test_offer_after_save_in_a_visit_is_not_made_when_the_review_is_cancelled(
    qtbot: QtBot, tmp_path: Path
) -> None:
    window, prompter = _visit_on_lena(qtbot, tmp_path)
    pump_before = _pump_programme(window)
    seen: list[VisitReviewDialog] = []
    prompter.dialogs += [_review(seen, confirm=False), transmit_with()]
    prompter.confirms.append(True)  # were the offer made, it would be accepted
    saved = _save_dose(window, 220)
    assert seen[0].review.programme_title == f"Saved version {saved.number}"
    assert [type(d) for d in prompter.shown] == [VisitReviewDialog]
    assert "Transmit to the pump" not in prompter.titles() and prompter.confirms == [True]
    assert _pump_programme(window) == pump_before
    steps = _steps(window)
    assert steps[-1] == "programme.saved", steps  # the save; no review, no session after it
    visit = window.db.open_visit(LENA)
    assert visit is not None
    assert window.statusBar().currentMessage() == (
        f"Visit {visit.number}: the review was not confirmed, so version {saved.number} was "
        "not transmitted. Pump -> Review visit, then transmit."
    )


def test_a_version_saved_after_its_review_needs_a_new_review(qtbot: QtBot, tmp_path: Path) -> None:
    window, prompter = _visit_on_lena(qtbot, tmp_path)
    seen: list[VisitReviewDialog] = []
    prompter.dialogs += [_review(seen, confirm=True), transmit_with()]
    prompter.confirms.append(True)
    first = _save_dose(window, 220)  # reviewed after the save, offered, transmitted
    assert [type(d) for d in prompter.shown] == [VisitReviewDialog, TransmitDialog]
    assert _pump_programme(window) == first.programme
    # The edits on top are reviewed before they are saved: that review names no version.
    document = window.document
    assert document is not None
    document.edit("Dose change", lambda p: set_daily_dose(p, Decimal(230)))
    prompter.dialogs.append(_review(seen, confirm=True))
    assert window.visit_workflow.review()
    assert seen[-1].review.programme_title == "Pending (not saved yet)"
    # Saved, they are a new version: its own review is asked for (here cancelled: no offer).
    prompter.dialogs.append(_review(seen, confirm=False))
    prompter.confirms.append(True)
    assert window.review_and_save()
    second = window.current
    assert second is not None and second.number == first.number + 1
    assert seen[-1].review.programme_title == f"Saved version {second.number}"
    assert prompter.titles().count("Transmit to the pump") == 1  # the first save's only
    assert _pump_programme(window) == first.programme
    # Pump -> Transmit: the new version's review first, then it goes out.
    prompter.confirms.clear()
    prompter.dialogs += [_review(seen, confirm=True), transmit_with()]
    trigger(qtbot, window, "transmit")
    assert [type(d) for d in prompter.shown[-2:]] == [VisitReviewDialog, TransmitDialog]
    assert seen[-1].review.programme_title == f"Saved version {second.number}"
    assert _pump_programme(window) == second.programme
    visit = window.db.open_visit(LENA)
    assert visit is not None
    reviewed = [s.details["version"] for s in visit.steps if s.action == "visit.reviewed"]
    assert reviewed == [first.number, None, second.number]
    assert window.db.verify().ok


def _cut_off_in_a_visit(
    qtbot: QtBot, tmp_path: Path
) -> tuple[MainWindow, PumpPrompter, ProgrammeVersion, Programme]:
    """A visit's reviewed version whose transmission lost the link after the stop."""
    window, prompter = _visit_on_lena(qtbot, tmp_path)
    before = _pump_programme(window)
    window.pump_workflows.next_link = Link(drop_before=SessionStep.SEND)  # as a trainer does
    seen: list[VisitReviewDialog] = []
    prompter.dialogs += [_review(seen, confirm=True), transmit_with()]
    prompter.confirms.append(True)
    saved = _save_dose(window, 220)
    assert window.pump_workflows.stopped_here()
    return window, prompter, saved, before


def test_finishing_a_cut_off_session_of_the_reviewed_version_asks_for_no_second_review(
    qtbot: QtBot, tmp_path: Path
) -> None:
    """A pump left stopped mid-visit is not kept waiting for a review already confirmed."""
    window, prompter, saved, _ = _cut_off_in_a_visit(qtbot, tmp_path)
    prompter.dialogs.append(transmit_with())
    window.pump_workflows.banner.finish_button.click()  # "Finish: transmit again…"
    assert isinstance(prompter.shown[-1], TransmitDialog) and len(prompter.shown) == 3
    assert _pump_programme(window) == saved.programme
    assert not window.pump_workflows.stopped_here()


def test_undoing_a_cut_off_session_in_a_visit_sends_nothing_new_and_needs_no_review(
    qtbot: QtBot, tmp_path: Path
) -> None:
    """Undo restarts what the pump ran before: no version is transmitted, none is reviewed."""
    window, prompter, _, before = _cut_off_in_a_visit(qtbot, tmp_path)
    prompter.confirms.append(True)
    window.pump_workflows.banner.undo_button.click()
    assert len(prompter.shown) == 2  # the review and the cut-off transmission only
    assert _pump_programme(window) == before and not window.pump_workflows.stopped_here()
    assert _steps(window)[-1] == "pump.session-undone"


def test_finishing_a_session_cut_off_before_the_visit_shows_the_review_first(
    qtbot: QtBot, tmp_path: Path
) -> None:
    """Finishing the session sends the version: in a visit that has not reviewed it, the review
    comes first (cancelled, the pump stays as it was, stopped, with both ways out shown)."""
    window, prompter = pump_window(qtbot, tmp_path, PumpPrompter())
    prompter.reviewer = reviewer(qtbot, "Dose up 10 %")
    assert window.open_patient(LENA)
    window.pump_workflows.next_link = Link(drop_before=SessionStep.SEND)
    prompter.dialogs.append(transmit_with())
    prompter.confirms.append(True)
    saved = _save_dose(window, 220)  # outside a visit: offered, sent, cut off
    assert window.pump_workflows.stopped_here()
    assert window.visit_workflow.start() is not None
    seen: list[VisitReviewDialog] = []
    prompter.dialogs += [_review(seen, confirm=False), transmit_with()]
    window.pump_workflows.banner.finish_button.click()
    assert [type(d) for d in prompter.shown[1:]] == [VisitReviewDialog]
    assert window.pump_workflows.stopped_here() and window.pump_workflows.banner.isVisible()
    assert f"version {saved.number} was not transmitted" in window.statusBar().currentMessage()
    prompter.dialogs = [_review(seen, confirm=True), transmit_with()]
    window.pump_workflows.banner.finish_button.click()
    assert [type(d) for d in prompter.shown[2:]] == [VisitReviewDialog, TransmitDialog]
    assert _pump_programme(window) == saved.programme
    assert not window.pump_workflows.stopped_here()


def test_transmit_outside_a_visit_is_unchanged(qtbot: QtBot, tmp_path: Path) -> None:
    window, prompter = pump_window(qtbot, tmp_path, PumpPrompter())
    prompter.reviewer = reviewer(qtbot, "Dose up 10 %")
    assert window.open_patient(LENA)
    prompter.confirms.append(False)  # the offer after the save, declined
    saved = _save_dose(window, 220)
    prompter.dialogs.append(transmit_with())
    trigger(qtbot, window, "transmit")
    [transmit] = prompter.shown  # straight to the transmission: no review is asked for
    assert isinstance(transmit, TransmitDialog)
    assert _pump_programme(window) == saved.programme
    actions = [e.action for e in window.db.audit_entries(patient_id=LENA)]
    assert actions[-1] == "pump.transmitted" and "visit.reviewed" not in actions
    assert window.db.visits(LENA) == []
