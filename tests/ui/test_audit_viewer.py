"""The audit viewer (issue 6): a model over the audit trail that passes Qt's model tester,
filters by patient, user and dates that the database applies, the verification result (and the
first bad entry when the trail was tampered with), and a CSV export of exactly the rows
shown."""

from __future__ import annotations

import csv
import json
import sqlite3
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QDateEdit, QLabel, QLineEdit, QWidget
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from db.database import Database
from tests.db.factories import NOW, later, open_new, patient, programme, pump_record, save
from ui.audit_viewer import CSV_HEADER, AuditTableModel, AuditViewer, details_summary

DAY = 24 * 60
TODAY = NOW.date()


def _history(path: Path) -> None:
    """Entries over three days: accounts and logins, two patients, programme versions."""
    with open_new(path) as database:
        admin = database.first_administrator("admin", "correct horse battery", NOW)  # 2
        database.add_user("dr.lee", "clinician", "staple clinic 2026", by=admin, now=NOW)  # 3
        database.authenticate("dr.lee", "staple clinic 2026", now=later(1))  # 4
        save(database, programme(daily="400"), now=later(2), user="dr.lee")  # 5, 6
        database.create_patient(
            patient("MRN-7", "Zoë Ångström"),
            pump_record("S7"),
            user="dr.other",
            now=later(DAY + 5),
        )  # 7
        save(database, programme(daily="420"), base=1, now=later(2 * DAY), user="dr.lee")  # 8
        database.create_patient(
            patient("=HYPERLINK(1)", "Formula Person"),
            pump_record("S8"),
            user="dr.other",
            now=later(2 * DAY + 1),
        )  # 9


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    path = tmp_path / "clinic.sqlite"
    _history(path)
    with Database.open(path, now=NOW) as opened:
        yield opened


class SavePath:
    """The replaceable "where to save" question: answers a fixed path, records the offer."""

    def __init__(self, answer: Path | None) -> None:
        self.answer = answer
        self.offered: list[str] = []

    def __call__(self, parent: QWidget, suggested: str) -> Path | None:
        self.offered.append(suggested)
        return self.answer


def viewer_for(qtbot: QtBot, database: Database, save_path: Any = None) -> AuditViewer:
    viewer = AuditViewer(database, save_path=save_path or SavePath(None), today=TODAY)
    qtbot.addWidget(viewer)
    return viewer


def _seqs(viewer: AuditViewer) -> list[int]:
    return [e.seq for e in viewer.model.entries]


# ---------------------------------------------------------------- the model


def test_audit_model_passes_the_qt_model_tester(
    qtmodeltester: ModelTester, database: Database
) -> None:
    model = AuditTableModel(database.audit_entries())
    qtmodeltester.check(model)
    model.set_entries(database.audit_entries(user="dr.lee"))
    qtmodeltester.check(model)
    model.set_entries([])
    qtmodeltester.check(model)


def test_audit_model_shows_what_who_when(database: Database) -> None:
    model = AuditTableModel(database.audit_entries())
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(6)]
    assert headers == ["#", "Time", "User", "Action", "Patient", "Details"]
    row = [model.data(model.index(4, c)) for c in range(6)]
    assert row[:5] == ["5", "2026-11-22 10:02", "dr.lee", "patient.created", "MRN-0042"]
    assert "records" not in row[5] and "name: Jane Doe" in row[5]
    tooltip = model.data(model.index(4, 5), Qt.ItemDataRole.ToolTipRole)
    assert json.loads(tooltip)["records"]  # the full details, record hashes included


def test_details_summary_is_one_short_line() -> None:
    details = {"reason": "line one\nline two", "version": 2, "based_on": None, "records": [1]}
    assert details_summary(details) == "reason: line one line two; version: 2; based_on: —"
    assert len(details_summary({"reason": "x" * 500})) == 140


# ---------------------------------------------------------------- filters


def test_viewer_starts_with_the_whole_trail(qtbot: QtBot, database: Database) -> None:
    viewer = viewer_for(qtbot, database)
    assert _seqs(viewer) == list(range(1, 10))
    assert viewer.count_label.text() == "9 entries in the trail"


def test_filters_are_passed_to_the_database(
    qtbot: QtBot, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[dict[str, Any]] = []
    original = database.audit_entries

    def spy(**arguments: Any) -> Any:
        calls.append(arguments)
        return original(**arguments)

    monkeypatch.setattr(database, "audit_entries", spy)
    viewer = viewer_for(qtbot, database)
    viewer.set_filters(patient_id="MRN-0042", user="dr.lee", since=TODAY, until=TODAY)
    assert calls[-1] == {
        "patient_id": "MRN-0042",
        "user": "dr.lee",
        "since": NOW.replace(hour=0, minute=0),
        "until": NOW.replace(hour=0, minute=0) + timedelta(days=1),
    }
    assert _seqs(viewer) == [5, 6]


def test_filter_by_patient(qtbot: QtBot, database: Database) -> None:
    viewer = viewer_for(qtbot, database)
    viewer.patient_edit.setText("MRN-7")
    viewer.apply_filters()
    assert _seqs(viewer) == [7]
    assert viewer.count_label.text() == "1 entry matches the filters"


def test_typing_a_filter_applies_it_without_pressing_anything(
    qtbot: QtBot, database: Database
) -> None:
    viewer = viewer_for(qtbot, database)
    qtbot.keyClicks(viewer.patient_edit, "MRN-0042")
    qtbot.waitUntil(lambda: _seqs(viewer) == [5, 6, 8], timeout=2000)


def test_filter_by_user(qtbot: QtBot, database: Database) -> None:
    viewer = viewer_for(qtbot, database)
    viewer.user_combo.setCurrentText("dr.other")
    viewer.apply_filters()
    assert _seqs(viewer) == [7, 9]
    items = [viewer.user_combo.itemText(i) for i in range(viewer.user_combo.count())]
    assert items == ["", "admin", "dr.lee", "itb-console", "(unknown)"]


def test_filter_by_date_range_includes_the_whole_to_day(qtbot: QtBot, database: Database) -> None:
    viewer = viewer_for(qtbot, database)
    day2 = TODAY + timedelta(days=1)
    viewer.set_filters(since=day2, until=day2)
    assert _seqs(viewer) == [7]
    viewer.set_filters(since=day2)
    assert _seqs(viewer) == [7, 8, 9]
    viewer.set_filters(until=TODAY)
    assert _seqs(viewer) == [1, 2, 3, 4, 5, 6]


def test_date_checkboxes_switch_the_date_filters_on(qtbot: QtBot, database: Database) -> None:
    viewer = viewer_for(qtbot, database)
    assert not viewer.from_date.isEnabled()
    viewer.from_date.setDate(viewer.from_date.date().fromString("2026-11-24", "yyyy-MM-dd"))
    viewer.from_check.setChecked(True)
    assert viewer.from_date.isEnabled()
    assert _seqs(viewer) == [8, 9]
    viewer.from_check.setChecked(False)
    assert len(_seqs(viewer)) == 9


def test_a_from_date_after_the_to_date_shows_nothing_and_says_why(
    qtbot: QtBot, database: Database
) -> None:
    viewer = viewer_for(qtbot, database)
    viewer.set_filters(since=TODAY + timedelta(days=2), until=TODAY)
    assert _seqs(viewer) == []
    assert "after the To date" in viewer.count_label.text()


def test_clear_filters(qtbot: QtBot, database: Database) -> None:
    viewer = viewer_for(qtbot, database)
    viewer.set_filters(patient_id="MRN-7", since=TODAY)
    qtbot.mouseClick(viewer.clear_button, Qt.MouseButton.LeftButton)
    assert len(_seqs(viewer)) == 9 and viewer.patient_edit.text() == ""
    assert not viewer.from_check.isChecked()


# ---------------------------------------------------------------- verification


def test_an_untouched_trail_is_shown_verified(qtbot: QtBot, database: Database) -> None:
    viewer = viewer_for(qtbot, database)
    assert viewer.verify_ok
    assert viewer.verify_label.text().startswith("✔ Audit trail verified: 9 entries, unaltered")


def test_a_tampered_trail_names_the_first_bad_entry(tmp_path: Path, qtbot: QtBot) -> None:
    path = tmp_path / "clinic.sqlite"
    _history(path)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("DROP TRIGGER audit_never_updated")
    conn.execute("UPDATE audit SET user = 'someone.else' WHERE seq = 5")
    conn.close()
    with Database.open(path, now=NOW) as database:
        viewer = viewer_for(qtbot, database)
        text = viewer.verify_label.text()
        assert not viewer.verify_ok
        assert text.startswith("✘ Audit trail FAILED verification: CHANGED: audit entry 5")
        assert "altered" in text


# ---------------------------------------------------------------- export


def _read_csv(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def test_export_writes_exactly_the_filtered_rows(
    qtbot: QtBot, database: Database, tmp_path: Path
) -> None:
    out = tmp_path / "export.csv"
    save_path = SavePath(out)
    viewer = viewer_for(qtbot, database, save_path)
    viewer.set_filters(user="dr.other")
    qtbot.mouseClick(viewer.export_button, Qt.MouseButton.LeftButton)
    assert save_path.offered == ["audit-dr.other.csv"]
    rows = _read_csv(out)
    assert rows[0] == list(CSV_HEADER)
    assert [int(r[0]) for r in rows[1:]] == [7, 9]
    entries = {e.seq: e for e in database.audit_entries()}
    first = rows[1]
    assert first[1:5] == [entries[7].at.isoformat(), "dr.other", "patient.created", "MRN-7"]
    assert json.loads(first[5]) == entries[7].details
    assert "Zoë Ångström" in first[5]  # UTF-8, not escaped
    assert first[6:] == [entries[7].prev_hash, entries[7].hash]
    assert viewer.status.text() == f"Exported 2 rows to {out}"


def test_export_defuses_cells_a_spreadsheet_would_run_as_formulas(
    qtbot: QtBot, database: Database, tmp_path: Path
) -> None:
    out = tmp_path / "export.csv"
    viewer = viewer_for(qtbot, database, SavePath(out))
    viewer.set_filters(patient_id="=HYPERLINK(1)")
    viewer.export_csv()
    rows = _read_csv(out)
    assert len(rows) == 2 and rows[1][4] == "'=HYPERLINK(1)"


def test_export_cancelled_writes_nothing(qtbot: QtBot, database: Database, tmp_path: Path) -> None:
    viewer = viewer_for(qtbot, database, SavePath(None))
    assert viewer.export_csv() is None
    assert list(tmp_path.glob("*.csv")) == []


def test_export_failure_is_shown_not_raised(
    qtbot: QtBot, database: Database, tmp_path: Path
) -> None:
    viewer = viewer_for(qtbot, database, SavePath(tmp_path / "no such folder" / "x.csv"))
    assert viewer.export_csv() is None
    assert "could not be written" in viewer.status.text()


# ---------------------------------------------------------------- keyboard and accessibility


def test_every_control_is_named_and_reachable_by_keyboard(qtbot: QtBot, database: Database) -> None:
    viewer = viewer_for(qtbot, database)
    viewer.show()
    qtbot.waitExposed(viewer)
    controls: list[QWidget] = [
        viewer.patient_edit,
        viewer.user_combo,
        viewer.from_check,
        viewer.to_check,
        viewer.clear_button,
        viewer.table,
        viewer.verify_button,
        viewer.export_button,
    ]
    for control in controls:
        assert control.accessibleName(), control
        assert control.focusPolicy() & Qt.FocusPolicy.TabFocus, control
    chain: list[QWidget] = []
    widget: QWidget = viewer.patient_edit
    for _ in range(40):
        chain.append(widget)
        widget = widget.nextInFocusChain()
    for control in controls:
        assert any(w is control or control.isAncestorOf(w) for w in chain), control
    buddies = {label.buddy() for label in viewer.findChildren(QLabel) if label.buddy()}
    assert {viewer.patient_edit, viewer.user_combo} <= buddies
    mnemonics = [b.text() for b in viewer.findChildren(QAbstractButton) if b.text()]
    assert all("&" in text for text in mnemonics), mnemonics
    edits = [e for e in viewer.findChildren(QLineEdit) if not isinstance(e.parent(), QDateEdit)]
    assert all(e.accessibleName() for e in edits)
    assert viewer.from_date.accessibleName() and viewer.to_date.accessibleName()
