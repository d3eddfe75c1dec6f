"""The main story on the real window (issue: the console window): find a patient, change a
flexible schedule, watch totals, findings and plot follow, be blocked by a hard finding, accept
a soft one with a reason, save, reopen and see the new version in history."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from programmer.finding import Code
from ui.editor.schedule_model import Column
from ui.prompts import Unsaved

from .window_helpers import (
    ScriptedPrompter,
    activate,
    cell,
    edit_rate,
    make_window,
    open_database,
    type_into_cell,
)


def find_and_open(qtbot: QtBot, window, text: str) -> None:
    activate(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(window.browser.search, text)
    qtbot.keyClick(window.browser.search, Qt.Key.Key_Return)


def test_main_story_find_edit_block_accept_save_reopen(qtbot: QtBot, tmp_path: Path) -> None:
    db = open_database(tmp_path)
    reasons: list[str] = []

    def reviewer(dialog) -> bool:
        # Type a reason for every soft finding and for the change, as a clinician would.
        for edit in dialog.reason_edits.values():
            qtbot.keyClicks(edit, "Patient reports more spasms in the morning")
        qtbot.keyClicks(dialog.change_reason, "Morning spasticity")
        reasons.append(dialog.reason())
        return dialog.save_button.isEnabled()

    prompter = ScriptedPrompter(reviewer=reviewer)
    window = make_window(qtbot, db, tmp_path, prompter)

    # Find the patient by a partial, accent-free name.
    find_and_open(qtbot, window, "zoe")
    assert window.record is not None and window.record.patient.name == "Zoë Lefèvre"
    assert "Flexible, 396 mcg/day" in window.overview.values["programme"].text()
    assert window.windowTitle().startswith("Zoë Lefèvre (DEMO-0002)")

    # Change the flexible schedule: the second step's rate, in mcg/h.
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    editor = window.editor
    assert editor is not None
    table = editor.table
    before_total = editor.total_label.text()
    rate = table.model().index(1, Column.RATE)
    type_into_cell(qtbot, table, rate, "22")
    assert "22" in cell(table, 1, Column.RATE) and "mcg/h" in cell(table, 1, Column.RATE)
    assert editor.total_label.text() != before_total
    assert window.isWindowModified()
    pending_curve = editor.rate_plot.pending_curve.getData()[1]
    assert 22.0 in list(pending_curve)

    # A hard finding (far above the pump's highest flow) blocks saving.
    type_into_cell(qtbot, table, rate, "5000")
    codes = {f.code for f in window.document.result.findings}
    assert Code.RATE_ABOVE_PUMP_MAX in codes
    assert any("RATE_ABOVE_PUMP_MAX" in e for e in editor.findings_panel.entries())
    assert not window.save_action.isEnabled()
    assert window.review_and_save() is False

    # Back to a soft change (> 30 % titration step): allowed with a typed reason.
    type_into_cell(qtbot, table, rate, "70")  # 534 mcg/day: +34.8 %
    result = window.document.result
    assert not result.hard
    assert any(f.code is Code.CHANGE_ABOVE_TITRATION for f in result.findings)
    assert window.save_action.isEnabled()
    window.save_action.trigger()
    assert reasons == ["Morning spasticity"]
    assert not window.isWindowModified()
    versions = db.versions("DEMO-0002")
    assert versions[-1].saved_by == "dr.tester"
    assert versions[-1].reason == "Morning spasticity"
    assert any(k.startswith("CHANGE_ABOVE_TITRATION@") for k in versions[-1].acknowledgements)

    # Reopen: the new version is current and in the history.
    window.close_patient()
    find_and_open(qtbot, window, "DEMO-0002")
    assert window.current is not None and window.current.number == versions[-1].number
    window.tabs.setCurrentIndex(2)
    top = window.history.model.index(0, 0).data()
    assert top.startswith(str(versions[-1].number))
    assert window.history.model.index(0, 5).data() == "Morning spasticity"


def test_per_hour_entry_cannot_pass_as_per_day_in_the_window(qtbot: QtBot, tmp_path: Path) -> None:
    """A clinician meaning 396 mcg/day types 396 into an mcg/h cell: CHANGE_EXTREME and
    RATE/DOSE hard findings; the save is blocked."""
    db = open_database(tmp_path)
    window = make_window(qtbot, db, tmp_path)
    find_and_open(qtbot, window, "zoe")
    edit_rate(qtbot, window, 0, "396")
    result = window.document.result
    assert result.hard
    assert Code.CHANGE_EXTREME in {f.code for f in result.findings}
    assert not window.save_action.isEnabled()


def test_unsaved_changes_are_asked_about_before_leaving(qtbot: QtBot, tmp_path: Path) -> None:
    db = open_database(tmp_path)
    prompter = ScriptedPrompter(unsaved=[Unsaved.CANCEL, Unsaved.DISCARD])
    window = make_window(qtbot, db, tmp_path, prompter)
    find_and_open(qtbot, window, "zoe")
    edit_rate(qtbot, window, 1, "20")
    assert window.isWindowModified()
    assert window.open_patient("DEMO-0001") is False  # cancelled: still on Zoë, edits kept
    assert window.record is not None and window.record.patient.id == "DEMO-0002"
    assert window.document.is_modified
    assert window.open_patient("DEMO-0001") is True  # discarded
    assert window.record.patient.id == "DEMO-0001"
    assert len(db.versions("DEMO-0002")) == 3  # nothing saved


def test_save_conflict_with_another_window_is_shown_and_resolvable(
    qtbot: QtBot, tmp_path: Path
) -> None:
    """Two windows on one database: the second save is refused as a conflict, never a silent
    overwrite; the clinician reviews again on top of the other save."""
    db = open_database(tmp_path)

    def reviewer(dialog) -> bool:
        for edit in dialog.reason_edits.values():
            qtbot.keyClicks(edit, "reviewed")
        qtbot.keyClicks(dialog.change_reason, "change")
        return True

    first = make_window(qtbot, db, tmp_path, ScriptedPrompter(reviewer=reviewer))
    second_prompter = ScriptedPrompter(reviewer=reviewer, confirms=[True])
    second = make_window(qtbot, db, tmp_path, second_prompter)
    for window, rate in ((first, "20"), (second, "21")):
        find_and_open(qtbot, window, "zoe")
        edit_rate(qtbot, window, 1, rate)
    assert first.review_and_save() is True
    assert second.review_and_save() is True  # after the conflict, reviewed again on top
    titles = [t for t, _ in second_prompter.asked]
    assert "Saved elsewhere meanwhile" in titles
    versions = db.versions("DEMO-0002")
    assert [v.saved_by for v in versions[-2:]] == ["dr.tester", "dr.tester"]
    assert versions[-1].programme.week.days["every_day"][1].rate_mcg_per_h == 21
    assert versions[-2].programme.week.days["every_day"][1].rate_mcg_per_h == 20


def test_window_layout_is_remembered(qtbot: QtBot, tmp_path: Path) -> None:
    db = open_database(tmp_path)
    window = make_window(qtbot, db, tmp_path)
    window.resize(790, 580)  # within the offscreen screen (800 x 600)
    window.close()
    again = make_window(qtbot, db, tmp_path)
    assert again.size().width() == 790 and again.size().height() == 580


def test_overview_of_every_demo_patient_shows_every_field(qtbot: QtBot, tmp_path: Path) -> None:
    db = open_database(tmp_path)
    window = make_window(qtbot, db, tmp_path)
    ids = [s.id for s in db.first_patients(limit=50)]
    assert len(ids) == 9
    for pid in ids:
        assert window.open_patient(pid)
        for key, label in window.overview.values.items():
            assert label.text().strip(), f"{pid}: overview field {key} is empty"
        assert "mcg/day" in window.overview.values["programme"].text() or (
            "Stopped" in window.overview.values["programme"].text()
        )
        assert "mL" in window.overview.values["reservoir"].text()


def test_pump_near_replacement_is_an_alert_in_words(qtbot: QtBot, tmp_path: Path) -> None:
    db = open_database(tmp_path)
    window = make_window(qtbot, db, tmp_path)
    near = min(
        (s.id for s in db.first_patients(limit=50)),
        key=lambda pid: db.patient(pid).pump.replace_by,  # type: ignore[union-attr]
    )
    window.open_patient(near)
    alerts = window.overview.alerts.text()
    assert "replace" in alerts.lower()
    assert "Soft:" in alerts or "Hard:" in alerts


def test_findings_sharing_a_code_and_field_share_one_required_reason(qtbot: QtBot) -> None:
    """Two soft findings with one acknowledgement key get one reason field, and it is
    required: no soft finding can pass unacknowledged."""
    from datetime import datetime

    from programmer.finding import Finding
    from programmer.findings import check_programme
    from programmer.programme_file import load
    from ui.review_dialog import ReviewDialog

    base = load(
        __import__("pathlib").Path(__file__).resolve().parents[2]
        / "examples"
        / "simple-continuous.json"
    )
    now = datetime(2026, 11, 22, 10, 0)
    result = check_programme(base, now=now)
    low = Finding(Code.DOSE_OUTSIDE_USUAL_RANGE, "Daily: under the usual range.", "daily_dose_mcg")
    high = Finding(Code.DOSE_OUTSIDE_USUAL_RANGE, "Daily: over it with boluses.", "daily_dose_mcg")
    result = type(result)((low, high), result.projection)
    dialog = ReviewDialog(base, base, result, current_title="Current")
    qtbot.addWidget(dialog)
    assert list(dialog.reason_edits) == ["DOSE_OUTSIDE_USUAL_RANGE@daily_dose_mcg"]
    qtbot.keyClicks(dialog.change_reason, "review")
    assert not dialog.save_button.isEnabled()
    qtbot.keyClicks(next(iter(dialog.reason_edits.values())), "bolus use reviewed")
    assert dialog.save_button.isEnabled()


def test_save_into_a_database_file_deleted_under_the_window_is_refused_and_kept(
    qtbot: QtBot, tmp_path: Path
) -> None:
    """Issue 10: the window saved "version 4" into a database file deleted under it, and
    nothing survived. Now the save is refused with the reason, the pending programme stays in
    the window, and no save is reported."""
    db = open_database(tmp_path)

    def reviewer(dialog) -> bool:
        for edit in dialog.reason_edits.values():
            qtbot.keyClicks(edit, "reviewed")
        qtbot.keyClicks(dialog.change_reason, "change")
        return True

    prompter = ScriptedPrompter(reviewer=reviewer)
    window = make_window(qtbot, db, tmp_path, prompter)
    find_and_open(qtbot, window, "zoe")
    edit_rate(qtbot, window, 1, "20")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db.path}{suffix}").unlink()
    assert window.review_and_save() is False
    title, text = prompter.asked[-1]
    assert title == "Not saved" and "was deleted while the console held it open" in text
    assert window.document.is_modified  # the pending programme is kept
    assert window.document.pending.week.days["every_day"][1].rate_mcg_per_h == 20
    assert "Saved version" not in window.statusBar().currentMessage()


def test_the_highlighted_row_of_the_patient_list_is_the_open_patient(
    qtbot: QtBot, tmp_path: Path
) -> None:
    """The hazard: a row that stands out in the list beside another patient's record invites
    the wrong patient. With the window's clock standing still (as in training), reopening a
    patient puts it first and highlighted; a search highlights its first match (Enter opens
    it), and clearing the search comes back to the open patient."""
    from .window_helpers import make_window, open_database

    window = make_window(qtbot, open_database(tmp_path), tmp_path)

    def highlighted() -> str:
        return window.browser.model.summary(window.browser.table.currentIndex().row()).id

    for patient_id in ("DEMO-0002", "DEMO-0007", "DEMO-0001", "DEMO-0002"):
        assert window.open_patient(patient_id)
        assert highlighted() == patient_id
    window.browser.search.setText("Fischer")
    assert highlighted() == "DEMO-0007"
    window.browser.search.clear()
    assert highlighted() == "DEMO-0002"
