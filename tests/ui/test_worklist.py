"""The Worklist window (ui/worklist.py): reached by keyboard from the main window, the demo
clinic's due patients sorted by next refill, Enter on a row opens the patient, printable,
saved as CSV and iCalendar."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from db.programmes import acknowledgement_key
from programmer.finding import Severity
from programmer.programme import Mode
from programmer.worklist import Reason, Status
from ui.worklist import WorklistModel, WorklistWindow

from .window_helpers import NOW, ScriptedPrompter, make_window, open_database


def _open_worklist(qtbot: QtBot, window) -> WorklistWindow:  # type: ignore[no-untyped-def]
    qtbot.keyClick(
        window,
        Qt.Key.Key_L,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    worklist = window.worklist_window
    assert worklist is not None
    qtbot.waitExposed(worklist)
    return worklist


def test_worklist_opens_by_keyboard_and_enter_opens_the_patient(
    qtbot: QtBot, tmp_path: Path
) -> None:
    window = make_window(qtbot, open_database(tmp_path), tmp_path)
    worklist = _open_worklist(qtbot, window)
    ids = [i.figures.patient_id for i in worklist.items]
    assert ids[:2] == ["DEMO-0002", "DEMO-0004"]  # by next refill
    refills = [i.figures.next_refill_at for i in worklist.items if i.figures.next_refill_at]
    assert refills == sorted(refills)
    assert "within 28 days" in worklist.summary.text()
    worklist.activateWindow()
    qtbot.waitUntil(worklist.isActiveWindow)
    worklist.table.setFocus()
    qtbot.keyClick(worklist.table, Qt.Key.Key_Down)  # the second row
    qtbot.keyClick(worklist.table, Qt.Key.Key_Return)
    assert window.record is not None and window.record.patient.id == "DEMO-0004"


def test_stopped_pump_is_listed_with_its_reason_in_words(qtbot: QtBot, tmp_path: Path) -> None:
    window = make_window(qtbot, open_database(tmp_path), tmp_path)
    worklist = window.show_worklist()
    stopped = [i for i in worklist.items if Reason.PUMP_STOPPED in i.reasons]
    assert stopped and all(i.status is not Status.OK for i in stopped)
    row = worklist.items.index(stopped[0])
    why = worklist.model.index(row, len(worklist.model._columns) - 1).data()
    assert "pump stopped" in why


def test_window_days_changes_the_list_and_zero_days_keeps_overdue_ones(
    qtbot: QtBot, tmp_path: Path
) -> None:
    window = make_window(qtbot, open_database(tmp_path), tmp_path)
    worklist = window.show_worklist()
    wide = len(worklist.items)
    worklist.days.setValue(0)
    assert len(worklist.items) < wide
    worklist.clock = lambda: NOW + timedelta(days=400)
    worklist.refresh()
    assert worklist.items and all(i.status is Status.OVERDUE for i in worklist.items[:1])


def test_worklist_prints_and_saves_csv_and_ics(qtbot: QtBot, tmp_path: Path) -> None:
    pdf = tmp_path / "worklist.pdf"

    def to_pdf(printer: QPrinter, _parent: QWidget | None) -> bool:
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(pdf))
        return True

    prompter = ScriptedPrompter(
        save_paths=[
            str(tmp_path / "w.csv"),
            str(tmp_path / "w.ics"),
            str(tmp_path / "clinic.sqlite"),
        ]
    )
    window = make_window(qtbot, open_database(tmp_path), tmp_path, prompter)
    worklist = window.show_worklist()
    worklist.ask_printer = to_pdf
    assert worklist.print_worklist() and pdf.read_bytes().startswith(b"%PDF")
    assert "DEMO-0002" in worklist.document().toPlainText()
    assert worklist.save_csv() and (tmp_path / "w.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert worklist.save_ics() and b"BEGIN:VEVENT" in (tmp_path / "w.ics").read_bytes()
    # The database itself is never the file written.
    assert not worklist.save_csv()
    assert prompter.asked[-1][0] == "Worklist not written"


def test_worklist_model(qtmodeltester, qtbot: QtBot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    database = open_database(tmp_path)
    model = WorklistModel()
    model.set_rows(database.worklist(now=NOW, days=365))
    qtmodeltester.check(model)


def test_coming_back_to_the_worklist_shows_what_changed_meanwhile_keeping_the_selection(
    qtbot: QtBot, tmp_path: Path
) -> None:
    db = open_database(tmp_path)
    window = make_window(qtbot, db, tmp_path)
    worklist = window.show_worklist()
    worklist.table.selectRow(1)
    chosen = worklist.items[1].figures.patient_id
    assert "DEMO-0001" not in [i.figures.patient_id for i in worklist.items]
    current = db.current_version("DEMO-0001")
    assert current is not None
    stopped = current.programme.with_changes(mode=Mode.STOPPED, daily_dose_mcg=None, week=None)
    db.save_programme(
        stopped,
        base_version=current.number,
        user="dr.tester",
        reason="stop for a dye study",
        acknowledgements={
            acknowledgement_key(f): "planned"
            for f in db.check_programme(stopped, now=NOW).findings
            if f.severity is Severity.SOFT
        },
        now=NOW,
    )
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    worklist.activateWindow()
    qtbot.waitUntil(lambda: "DEMO-0001" in [i.figures.patient_id for i in worklist.items])
    rows = worklist.table.selectionModel().selectedRows()
    assert worklist.model.row_at(rows[0].row()).figures.patient_id == chosen
