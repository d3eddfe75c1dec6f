"""The visit's review before transmitting (ui/visit_review.py) and the visit report's print
preview (ui/visit_preview.py): a dose change over its titration limit is shown as over it, a
pump that differs from the record is highlighted, the confirmed review is a visit step, and the
preview lays out the same pages as the PDF."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog
from pytestqt.qtbot import QtBot

from programmer.check_context import CheckContext
from programmer.dose_change import day_change
from programmer.finding import Code
from programmer.findings import check_programme
from programmer.programme import WEEKDAYS, PatientBolus
from programmer.programme_file import load
from programmer.schedule_edit import set_daily_dose, set_step_rate, to_weekday_pattern
from ui.main_window import MainWindow
from ui.report.visit import visit_report_html, write_visit_pdf
from ui.theme import CHANGED_BACKGROUND
from ui.visit_preview import VisitPreviewDialog, preview_page_count
from ui.visit_review import VisitReviewDialog, dose_changes

from .test_keyboard_story import opened
from .test_pump_support import PumpPrompter, pump_window, reviewer
from .window_helpers import NOW

LENA = "DEMO-0007"  # SynchroMed II, cerebral origin (titration step 15 %), 200 mcg/day


def _visit_with_dose(
    qtbot: QtBot, tmp_path: Path, mcg_per_day: int
) -> tuple[MainWindow, PumpPrompter]:
    window, prompter = pump_window(qtbot, tmp_path, PumpPrompter())
    assert window.open_patient(LENA)
    assert window.visit_workflow.start() is not None
    document = window.document
    assert document is not None
    document.edit("Dose change", lambda p: set_daily_dose(p, Decimal(mcg_per_day)))
    return window, prompter


def _look(into: list[VisitReviewDialog], confirm: bool = False):  # type: ignore[no-untyped-def]
    def handler(dialog: QDialog) -> bool:
        assert isinstance(dialog, VisitReviewDialog)
        into.append(dialog)
        if confirm:
            dialog.confirm.click()
        else:
            dialog.reject()
        return dialog.result() == QDialog.DialogCode.Accepted

    return handler


def test_dose_change_over_the_titration_limit_is_shown_as_over_it_in_the_review(
    qtbot: QtBot, tmp_path: Path
) -> None:
    window, prompter = _visit_with_dose(qtbot, tmp_path, 240)  # +20 % against 15 % cerebral
    seen: list[VisitReviewDialog] = []
    prompter.dialogs.append(_look(seen))
    assert not window.visit_workflow.review()  # cancelled
    review = seen[0].review
    assert [c.label for c in review.over_limit] == ["Every day"]
    assert review.over_limit[0].words == "+40.00 mcg/day (+20.0 %: over the +15 % limit)"
    summary = seen[0].summary.text()
    assert "OVER THE LIMIT: +40.00 mcg/day (+20.0 %: over the +15 % limit)" in summary
    assert "CHANGE_ABOVE_TITRATION" in summary  # the engine's own finding listed too
    assert review.programme_title == "Pending (not saved yet)"


def test_dose_change_within_the_limit_shows_its_share_of_the_limit(
    qtbot: QtBot, tmp_path: Path
) -> None:
    window, prompter = _visit_with_dose(qtbot, tmp_path, 220)
    seen: list[VisitReviewDialog] = []
    prompter.dialogs.append(_look(seen))
    window.visit_workflow.review()
    review = seen[0].review
    assert not review.over_limit
    assert "+20.00 mcg/day (+10.0 % of +15 %)" in seen[0].summary.text()
    dates = dict(review.dates())
    projection = review.result.projection
    assert dates["New low-reservoir alarm"] == projection.low_reservoir_alarm_at
    assert dates["Reservoir empty"] == projection.empty_at
    assert projection.next_refill_at is not None
    text = seen[0].summary.text()
    assert f"{projection.next_refill_at:%Y-%m-%d %H:%M}" in text


def test_pump_that_differs_from_the_record_is_highlighted_in_the_review(
    qtbot: QtBot, tmp_path: Path
) -> None:
    window, prompter = _visit_with_dose(qtbot, tmp_path, 220)
    prompter.reviewer = reviewer(qtbot, "Dose up 10 %")
    seen: list[VisitReviewDialog] = []
    prompter.dialogs.append(_look(seen))  # the review offered after the save: cancelled
    assert window.review_and_save()
    # In a visit a version goes to the pump only after its review is confirmed
    # (tests/ui/test_visit_transmit.py): a cancelled review makes no offer to transmit.
    assert "Transmit to the pump" not in prompter.titles()
    saved = window.current
    assert saved is not None
    after_save = seen[0]
    assert after_save.review.programme_title == f"Saved version {saved.number}"
    assert after_save.differs_label.isVisibleTo(after_save)
    assert after_save.differs_label.text().startswith("Not transmitted yet: the pump does not")
    # Edits on top of the version the pump never received: the pump differs from the record.
    document = window.document
    assert document is not None
    document.edit("Dose change", lambda p: set_daily_dose(p, Decimal(230)))
    prompter.dialogs.append(_look(seen))
    window.visit_workflow.review()  # from the Pump menu
    dialog = seen[-1]
    assert dialog.review.programme_title == "Pending (not saved yet)"
    assert dialog.differs_label.isVisibleTo(dialog)
    text = dialog.differs_label.text()
    assert text.startswith("⚠ RECORD AND PUMP DIFFER")
    assert f"does not run version {saved.number} on record" in text
    assert "record 220.00 mcg/day, pump 200.00 mcg/day" in text
    first = dialog.model.rows()[0]
    assert first.changed and first.label == "Daily dose", first
    assert first.after == "230.00 mcg/day" and first.before == "200.00 mcg/day"
    background = dialog.model.index(0, 1).data(Qt.ItemDataRole.BackgroundRole)
    assert background == CHANGED_BACKGROUND.colour()
    visit = window.db.open_visit(LENA)
    assert visit is not None
    assert "visit.reviewed" not in [s.action for s in visit.steps]  # cancelled: none recorded


def test_the_pump_running_the_record_raises_no_difference_in_the_review(
    qtbot: QtBot, tmp_path: Path
) -> None:
    window, prompter = _visit_with_dose(qtbot, tmp_path, 220)
    seen: list[VisitReviewDialog] = []
    prompter.dialogs.append(_look(seen))
    window.visit_workflow.review()
    assert seen[0].review.record_differs is None
    assert not seen[0].differs_label.isVisibleTo(seen[0])


def test_confirmed_review_is_recorded_as_a_step_of_the_visit(qtbot: QtBot, tmp_path: Path) -> None:
    window, prompter = _visit_with_dose(qtbot, tmp_path, 240)
    seen: list[VisitReviewDialog] = []
    prompter.dialogs.append(_look(seen, confirm=True))
    assert window.visit_workflow.review()
    visit = window.db.open_visit(LENA)
    assert visit is not None
    step = visit.steps[-1]
    assert step.action == "visit.reviewed"
    assert step.details["visit"] == visit.number and step.details["version"] is None
    assert any("over the +15 % limit" in c for c in step.details["dose_changes"])
    assert any(c.startswith("Daily dose: 200.00 mcg/day") for c in step.details["changed"])
    assert window.db.verify().ok
    html, _ = visit_report_html(window.db, LENA, visit.number, printed_at=NOW, printed_by="t")
    assert "Visit reviewed" in html and "over the +15 % limit" in html


def test_review_without_an_open_visit_is_refused_and_records_nothing(
    qtbot: QtBot, tmp_path: Path
) -> None:
    window, prompter = pump_window(qtbot, tmp_path, PumpPrompter())
    assert window.open_patient(LENA)
    assert not window.visit_workflow.review_action.isEnabled()
    assert not window.visit_workflow.review()
    assert prompter.titles()[-1] == "No visit open"
    assert not prompter.shown and window.db.visits(LENA) == []


def test_visit_report_preview_renders_the_pages_the_pdf_has(qtbot: QtBot, tmp_path: Path) -> None:
    window, prompter = pump_window(qtbot, tmp_path, PumpPrompter())
    assert window.open_patient(LENA)
    assert window.visit_workflow.start() is not None
    pages: list[int] = []

    def look(dialog: QDialog) -> bool:
        assert isinstance(dialog, VisitPreviewDialog)
        pages.append(preview_page_count(dialog))
        assert "Visit report" in dialog.html
        dialog.reject()
        return False

    prompter.dialogs.append(look)
    assert window.visit_workflow.preview_report()
    html, _ = visit_report_html(window.db, LENA, 1, printed_at=NOW, printed_by="t")
    pdf_pages = write_visit_pdf(html, tmp_path / "visit.pdf")
    assert pages == [pdf_pages] and pdf_pages >= 1


def test_review_and_preview_are_in_the_pump_menu_with_their_own_mnemonics(
    qtbot: QtBot, tmp_path: Path
) -> None:
    window, _ = pump_window(qtbot, tmp_path, PumpPrompter())
    pump_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Pump")
    texts = [a.text() for a in pump_menu.actions()]  # type: ignore[union-attr]
    assert "Revie&w visit…" in texts and "Visit report pri&nt preview…" in texts


# The offscreen platform cannot raise a popup menu or grab the keyboard for it; the menu still
# opens and answers its keys (these two say so, about the platform, not the console).
@pytest.mark.qt_log_ignore(
    "This plugin does not support raise", "This plugin does not support grabbing the keyboard"
)
def test_review_is_reached_and_confirmed_by_keyboard_alone(qtbot: QtBot, tmp_path: Path) -> None:
    window, prompter = _visit_with_dose(qtbot, tmp_path, 220)
    window.activateWindow()
    window.setFocus()
    seen: list[VisitReviewDialog] = []

    def by_keys(dialog: QDialog) -> bool:
        assert isinstance(dialog, VisitReviewDialog)
        seen.append(dialog)
        opened(qtbot, dialog)
        assert QApplication.focusWidget() is dialog.table  # arrows read the values at once
        qtbot.keyClick(dialog.table, Qt.Key.Key_Tab)
        focused = QApplication.focusWidget()
        assert focused is dialog.summary_scroll  # the dates and findings next
        qtbot.keyClick(focused, Qt.Key.Key_C, Qt.KeyboardModifier.AltModifier)
        qtbot.waitUntil(lambda: dialog.result() == QDialog.DialogCode.Accepted, timeout=2000)
        return True

    prompter.dialogs.append(by_keys)
    qtbot.keyClick(window, Qt.Key.Key_P, Qt.KeyboardModifier.AltModifier)  # the Pump menu
    qtbot.waitUntil(lambda: QApplication.activePopupWidget() is not None, timeout=2000)
    popup = QApplication.activePopupWidget()
    assert popup is not None
    qtbot.keyClick(popup, Qt.Key.Key_W)  # Revie&w visit…
    qtbot.waitUntil(lambda: bool(seen), timeout=2000)
    visit = window.db.open_visit(LENA)
    assert visit is not None and visit.steps[-1].action == "visit.reviewed"


EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "flexible.json"
rates = st.one_of(
    st.none(), st.integers(min_value=1, max_value=1200).map(lambda n: Decimal(n) / 10)
)


@settings(max_examples=80, deadline=None)
@given(st.lists(rates, min_size=7, max_size=7))
def test_every_weekdays_dose_change_is_in_the_review_once_with_its_own_figures(
    new_rates: list[Decimal | None],
) -> None:
    """Weekdays with the same change are listed together: no weekday's change may be lost,
    listed twice, or shown with another day's figures (a day over its limit hidden)."""
    context = CheckContext.packaged()
    before = to_weekday_pattern(load(EXAMPLE))
    after = before
    for day, rate in zip(WEEKDAYS, new_rates, strict=True):
        if rate is not None:
            after = set_step_rate(after, day, 1, rate)
    listed = dose_changes(before, after, context, NOW)
    days = [d for c in listed for d in c.days]
    assert len(days) == len(set(days))
    for weekday in range(7):
        own = day_change(
            after,
            before,
            weekday,
            library=context.library,
            catalogue=context.catalogue,
            today=NOW.date(),
        )
        assert own is not None
        group = [c for c in listed if weekday in c.days]
        if own.delta_mcg == 0:
            assert not group
        else:
            assert [c.change for c in group] == [own]


def test_patient_bolus_rise_alone_is_over_the_limit_in_the_review_as_in_the_finding() -> None:
    """Only the patient-bolus settings change (four 50 mcg a day on 400 mcg/day, +50 % in the
    worst case against the +30 % spinal step): the review lists the change as over its limit,
    with the worst-case figures, as the engine gives CHANGE_ABOVE_TITRATION (one rule)."""
    context = CheckContext.packaged()
    before = load(EXAMPLE).with_changes(patient_bolus=None)
    after = before.with_changes(patient_bolus=PatientBolus(Decimal("50"), 10, 120, 4))
    listed = dose_changes(before, after, context, NOW)
    assert [c.label for c in listed] == ["Every day"]
    (change,) = listed
    assert not change.change.within_limit
    assert "with every patient bolus used" in change.words
    assert "%: over the +30 % limit" in change.words
    result = check_programme(after, CheckContext.packaged(current=before), now=NOW)
    assert Code.CHANGE_ABOVE_TITRATION in {f.code for f in result.findings}
