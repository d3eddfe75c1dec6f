"""Assessments per visit (programmer/assessment.py): an append-only record table, each row
hashed into the audit entry that wrote it, like refills and screenings. The caller holds the
transaction (``Database._write``); these functions check, write (with the audit entry) and read
the rows."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlite_utils import Database as SqliteDatabase

from db import audited, patients
from db.errors import InvalidRecordError
from db.values import moment_from, moment_text
from programmer.assessment import AshworthGrade, Assessment, AssessmentValueError, check_assessment

# Schema 5 (db.migrations). The ranges are checked again by SQLite: a row off the scales can
# never be stored, whatever wrote it.
SCHEMA = """
CREATE TABLE assessment (
    id INTEGER PRIMARY KEY,
    patient_id TEXT NOT NULL REFERENCES patient (id),
    at TEXT NOT NULL,
    ashworth TEXT NOT NULL,
    penn INTEGER CHECK (penn IS NULL OR penn BETWEEN 0 AND 4),
    pain INTEGER CHECK (pain IS NULL OR pain BETWEEN 0 AND 10),
    goal TEXT NOT NULL,
    goal_score INTEGER CHECK (goal_score IS NULL OR goal_score BETWEEN -2 AND 2),
    signs TEXT NOT NULL,
    notes TEXT NOT NULL,
    by_user TEXT NOT NULL,
    audit_seq INTEGER NOT NULL REFERENCES audit (seq) DEFERRABLE INITIALLY DEFERRED
) STRICT;
CREATE INDEX assessment_by_patient ON assessment (patient_id, at);
CREATE INDEX assessment_by_audit ON assessment (audit_seq);
CREATE TRIGGER assessment_never_updated BEFORE UPDATE ON assessment
BEGIN SELECT RAISE(ABORT, 'assessments are never changed once saved: save a new one instead'); END;
CREATE TRIGGER assessment_never_deleted BEFORE DELETE ON assessment
BEGIN SELECT RAISE(ABORT, 'assessments are never deleted'); END;
"""


def insert(
    sdb: SqliteDatabase, patient_id: str, a: Assessment, *, user: str, audit_seq: int
) -> int:
    cursor = sdb.execute(
        "INSERT INTO assessment (patient_id, at, ashworth, penn, pain, goal, goal_score, signs, "
        "notes, by_user, audit_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            patient_id,
            moment_text(a.at, "assessment.at"),
            json.dumps({k: g.value for k, g in a.ashworth.items()}, ensure_ascii=False),
            a.penn,
            a.pain,
            a.goal.strip(),
            a.goal_score,
            json.dumps(sorted(a.signs)),
            a.notes,
            user,
            audit_seq,
        ],
    )
    return int(cursor.lastrowid or 0)


def details(a: Assessment) -> dict[str, Any]:
    """What the audit entry says of the assessment."""
    return {
        "at": a.at.isoformat(),
        "ashworth": {k: g.value for k, g in a.ashworth.items()},
        "penn": a.penn,
        "pain": a.pain,
        "goal": a.goal.strip(),
        "goal_score": a.goal_score,
        "signs": sorted(a.signs),
    }


def read_all(sdb: SqliteDatabase, patient_id: str) -> list[Assessment]:
    """The patient's assessments, oldest first."""
    rows = sdb.execute(
        "SELECT at, ashworth, penn, pain, goal, goal_score, signs, notes, by_user "
        "FROM assessment WHERE patient_id = ? ORDER BY at, id",
        [patient_id],
    ).fetchall()
    return [
        Assessment(
            at=moment_from(at),
            ashworth={k: AshworthGrade(v) for k, v in json.loads(mas).items()},
            penn=penn,
            pain=pain,
            goal=goal,
            goal_score=goal_score,
            signs=frozenset(json.loads(signs)),
            notes=notes,
            by=by,
        )
        for at, mas, penn, pain, goal, goal_score, signs, notes, by in rows
    ]


def checked(assessment: Assessment) -> Assessment:
    """The assessment, or :class:`InvalidRecordError` naming the value off its scale."""
    try:
        check_assessment(assessment)
    except AssessmentValueError as exc:
        raise InvalidRecordError(str(exc), exc.field or "assessment") from None
    return assessment


def record(
    sdb: SqliteDatabase, patient_id: str, assessment: Assessment, *, user: str, now: datetime
) -> None:
    """Store a :func:`checked` assessment, audited as ``assessment.recorded``."""
    patients.patient_num(sdb, patient_id)
    audited.insert(
        sdb,
        patient_id,
        "assessment",
        "assessment.recorded",
        user=user,
        now=now,
        insert=lambda seq: insert(sdb, patient_id, assessment, user=user, audit_seq=seq),
        details=details(assessment),
    )
