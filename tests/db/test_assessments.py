"""Assessments stored per visit (db/assessments.py): append-only, audited like every record,
refused when a value is off its scale, whatever path wrote it."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from db.database import Database, InvalidRecordError
from programmer.assessment import AshworthGrade, Assessment
from tests.db.factories import NOW, USER, later, open_new, patient, pump_record

PID = "MRN-0042"


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    with open_new(tmp_path / "clinic.sqlite") as database:
        database.create_patient(patient(), pump_record(), user=USER, now=NOW)
        yield database


def visit(**changes: object) -> Assessment:
    values: dict[str, object] = {
        "at": NOW,
        "ashworth": {
            "Hip flexors, left": AshworthGrade.G2,
            "Knee extensors, right": AshworthGrade.G1_PLUS,
        },
        "penn": 2,
        "pain": 4,
        "goal": "Transfers without help",
        "goal_score": -1,
        "signs": frozenset({"itching"}),
    }
    values.update(changes)
    return Assessment(**values)  # type: ignore[arg-type]


def test_assessment_is_stored_audited_and_read_back_as_given(database: Database) -> None:
    database.record_assessment(PID, visit(), user=USER, now=NOW)
    database.record_assessment(PID, visit(at=later(60), pain=2), user=USER, now=later(60))
    first, second = database.assessments(PID)
    assert first == visit(by=USER) and second.pain == 2
    entry = database.audit_entries(patient_id=PID)[-1]
    assert entry.action == "assessment.recorded" and entry.details["pain"] == 2
    assert entry.details["ashworth"]["Knee extensors, right"] == "1+"
    assert database.verify().ok


def test_a_mas_of_5_or_a_pain_of_11_never_reaches_the_database(database: Database) -> None:
    with pytest.raises(InvalidRecordError, match="pain"):
        database.record_assessment(PID, visit(pain=11), user=USER, now=NOW)
    with pytest.raises(InvalidRecordError, match="Modified Ashworth"):
        database.record_assessment(
            PID, visit(ashworth={"Hip flexors, left": "5"}), user=USER, now=NOW
        )
    assert database.assessments(PID) == []
    conn = database._sdb.conn
    with pytest.raises(sqlite3.IntegrityError):  # SQLite's own CHECK, for any other writer
        conn.execute(
            "INSERT INTO assessment (patient_id, at, ashworth, penn, pain, goal, goal_score, "
            "signs, notes, by_user, audit_seq) VALUES (?, ?, '{}', 5, NULL, '', NULL, '[]', '', "
            "'x', 1)",
            [PID, NOW.isoformat()],
        )


def test_an_assessment_is_never_changed_or_deleted(database: Database) -> None:
    database.record_assessment(PID, visit(), user=USER, now=NOW)
    conn = database._sdb.conn
    for sql in ("UPDATE assessment SET pain = 0", "DELETE FROM assessment"):
        with pytest.raises(sqlite3.IntegrityError, match="never"):
            conn.execute(sql)


def test_an_edited_assessment_row_is_caught_by_verify(database: Database, tmp_path: Path) -> None:
    database.record_assessment(PID, visit(), user=USER, now=NOW)
    database.close()
    conn = sqlite3.connect(tmp_path / "clinic.sqlite", isolation_level=None)
    conn.execute("DROP TRIGGER assessment_never_updated")
    conn.execute("UPDATE assessment SET pain = 0")
    conn.close()
    with Database.open(tmp_path / "clinic.sqlite", now=NOW) as reopened:
        report = reopened.verify()
        assert not report.ok and any("assessment" in p for p in report.problems)
