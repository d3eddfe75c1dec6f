"""Visits (programmer/visit.py): a visit row when it starts and a finish row when it ends, both
immutable records hashed into their audit entries; between them, every audit entry written for
the patient is a step of the visit. A trigger on the audit trail files each such entry under the
open visit as it is appended (``visit_step``, an index of audit entries, itself never changed),
so the steps are stored as they happen, by every path that writes, and a visit left open by a
crash or a closed window still holds all it did and resumes on the next start."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlite_utils import Database as SqliteDatabase

from db import audit, patients, programmes
from db import simulated_pumps as pumps
from db.errors import InvalidRecordError
from db.values import moment_from, moment_text
from programmer.visit import PumpAtFinish, finish_outcome

SCHEMA = """
CREATE TABLE visit (
    id INTEGER PRIMARY KEY,
    patient_id TEXT NOT NULL REFERENCES patient (id),
    number INTEGER NOT NULL CHECK (number >= 1),
    started_at TEXT NOT NULL,
    started_by TEXT NOT NULL,
    audit_seq INTEGER NOT NULL REFERENCES audit (seq) DEFERRABLE INITIALLY DEFERRED,
    UNIQUE (patient_id, number)
) STRICT;
CREATE INDEX visit_by_audit ON visit (audit_seq);

CREATE TABLE visit_finish (
    visit_id INTEGER PRIMARY KEY REFERENCES visit (id),
    finished_at TEXT NOT NULL,
    finished_by TEXT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('running-final', 'left-unchanged')),
    reason TEXT NOT NULL,
    final_version INTEGER,
    audit_seq INTEGER NOT NULL REFERENCES audit (seq) DEFERRABLE INITIALLY DEFERRED
) STRICT;
CREATE INDEX visit_finish_by_audit ON visit_finish (audit_seq);

-- At most one open visit per patient (a second start resumes the open one).
CREATE TRIGGER visit_one_open BEFORE INSERT ON visit
WHEN EXISTS (SELECT 1 FROM visit v WHERE v.patient_id = NEW.patient_id
             AND NOT EXISTS (SELECT 1 FROM visit_finish f WHERE f.visit_id = v.id))
BEGIN SELECT RAISE(ABORT, 'the patient has an open visit: resume it'); END;

CREATE TABLE visit_step (
    audit_seq INTEGER PRIMARY KEY REFERENCES audit (seq),
    visit_id INTEGER NOT NULL REFERENCES visit (id)
) STRICT;
CREATE INDEX visit_step_by_visit ON visit_step (visit_id, audit_seq);

CREATE TRIGGER visit_step_filed AFTER INSERT ON audit
WHEN NEW.patient_id IS NOT NULL
BEGIN
    INSERT INTO visit_step (audit_seq, visit_id)
    SELECT NEW.seq, v.id FROM visit v
    WHERE v.patient_id = NEW.patient_id
      AND NOT EXISTS (SELECT 1 FROM visit_finish f WHERE f.visit_id = v.id);
END;
"""
SCHEMA += "".join(
    f"""
CREATE TRIGGER {table}_never_updated BEFORE UPDATE ON {table}
BEGIN SELECT RAISE(ABORT, 'visit records are never changed once saved'); END;
CREATE TRIGGER {table}_never_deleted BEFORE DELETE ON {table}
BEGIN SELECT RAISE(ABORT, 'visit records are never deleted'); END;
"""
    for table in ("visit", "visit_finish", "visit_step")
)

# The steps the trigger files, from the trail: every entry about the visit's patient from its
# start (the ``visit.started`` entry, written with the visit open) up to, not including, its
# finish (``visit.finished`` is written after the visit_finish row: no longer open).
EXPECTED_STEPS = """
SELECT a.seq, v.id FROM visit v
LEFT JOIN visit_finish f ON f.visit_id = v.id
JOIN audit a ON a.patient_id = v.patient_id AND a.seq >= v.audit_seq
    AND (f.audit_seq IS NULL OR a.seq < f.audit_seq)
"""


def steps_out_of_step(sdb: SqliteDatabase) -> list[tuple[int, int, str, int]]:
    """The visit steps the file does not hold as the trail files them (a step deleted, added,
    or filed under another visit), as (audit entry, visit number, patient id, 1 when the step
    is missing, 0 when it should not be there); a visit's report lists exactly its steps
    (product.md, "The visit": "every action, every finding and override")."""
    rows = sdb.execute(
        f"SELECT e.seq, e.id, 1 FROM ({EXPECTED_STEPS} EXCEPT "
        "SELECT audit_seq, visit_id FROM visit_step) e "
        "UNION ALL "
        f"SELECT s.audit_seq, s.visit_id, 0 FROM (SELECT audit_seq, visit_id FROM visit_step "
        f"EXCEPT {EXPECTED_STEPS}) s ORDER BY 1 LIMIT 21"
    ).fetchall()
    found: list[tuple[int, int, str, int]] = []
    for seq, visit_id, missing in rows:
        visit = sdb.execute(
            "SELECT number, patient_id FROM visit WHERE id = ?", [visit_id]
        ).fetchone()
        number, pid = (0, "?") if visit is None else (int(visit[0]), str(visit[1]))
        found.append((int(seq), number, pid, int(missing)))
    return found


# How a visit ended, in words (the visit list and the visit report).
OUTCOME_WORDS = {
    "running-final": "pump running the final programme",
    "left-unchanged": "left unchanged",
}


@dataclass(frozen=True, slots=True)
class VisitStep:
    """One audit entry written during the visit."""

    seq: int
    at: datetime
    user: str
    action: str
    details: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Visit:
    patient_id: str
    number: int
    started_at: datetime
    started_by: str
    finished_at: datetime | None
    finished_by: str | None
    outcome: str | None
    reason: str
    final_version: int | None
    steps: tuple[VisitStep, ...]

    @property
    def open(self) -> bool:
        return self.finished_at is None


def open_visit_id(sdb: SqliteDatabase, patient_id: str) -> int | None:
    row = sdb.execute(
        "SELECT v.id FROM visit v WHERE v.patient_id = ? AND NOT EXISTS "
        "(SELECT 1 FROM visit_finish f WHERE f.visit_id = v.id)",
        [patient_id],
    ).fetchone()
    return None if row is None else int(row[0])


def insert_visit(
    sdb: SqliteDatabase, patient_id: str, *, user: str, now: datetime, audit_seq: int
) -> tuple[int, int]:
    """A new visit row; returns (rowid, number)."""
    row = sdb.execute(
        "SELECT coalesce(max(number), 0) + 1 FROM visit WHERE patient_id = ?", [patient_id]
    ).fetchone()
    number = int(row[0])
    cursor = sdb.execute(
        "INSERT INTO visit (patient_id, number, started_at, started_by, audit_seq) "
        "VALUES (?, ?, ?, ?, ?)",
        [patient_id, number, moment_text(now), user, audit_seq],
    )
    return int(cursor.lastrowid or 0), number


def insert_finish(
    sdb: SqliteDatabase,
    visit_id: int,
    *,
    outcome: str,
    reason: str,
    final_version: int | None,
    user: str,
    now: datetime,
    audit_seq: int,
) -> int:
    sdb.execute(
        "INSERT INTO visit_finish (visit_id, finished_at, finished_by, outcome, reason, "
        "final_version, audit_seq) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [visit_id, moment_text(now), user, outcome, reason, final_version, audit_seq],
    )
    return visit_id


def visit_number(sdb: SqliteDatabase, visit_id: int) -> int:
    return int(sdb.execute("SELECT number FROM visit WHERE id = ?", [visit_id]).fetchone()[0])


def read_all(sdb: SqliteDatabase, patient_id: str) -> list[Visit]:
    """The patient's visits, oldest first, each with its steps in trail order."""
    rows = sdb.execute(
        "SELECT v.id, v.number, v.started_at, v.started_by, f.finished_at, f.finished_by, "
        "f.outcome, f.reason, f.final_version FROM visit v "
        "LEFT JOIN visit_finish f ON f.visit_id = v.id WHERE v.patient_id = ? ORDER BY v.number",
        [patient_id],
    ).fetchall()
    visits: list[Visit] = []
    for vid, number, started, by, finished, finished_by, outcome, reason, final in rows:
        steps = tuple(
            VisitStep(int(seq), moment_from(at), user, action, json.loads(details))
            for seq, at, user, action, details in sdb.execute(
                "SELECT a.seq, a.at, a.user, a.action, a.details FROM visit_step s "
                "JOIN audit a ON a.seq = s.audit_seq WHERE s.visit_id = ? ORDER BY a.seq",
                [vid],
            ).fetchall()
        )
        visits.append(
            Visit(
                patient_id=patient_id,
                number=int(number),
                started_at=moment_from(started),
                started_by=by,
                finished_at=None if finished is None else moment_from(finished),
                finished_by=finished_by,
                outcome=outcome,
                reason=reason or "",
                final_version=final,
                steps=steps,
            )
        )
    return visits


def open_visit(sdb: SqliteDatabase, patient_id: str) -> Visit | None:
    """The patient's visit still open, or None."""
    patients.patient_num(sdb, patient_id)
    if open_visit_id(sdb, patient_id) is None:
        return None
    return read_all(sdb, patient_id)[-1]


def _open_id(sdb: SqliteDatabase, patient_id: str) -> int:
    patients.patient_num(sdb, patient_id)
    visit_id = open_visit_id(sdb, patient_id)
    if visit_id is None:
        raise InvalidRecordError(f"patient {patient_id} has no open visit", "visit")
    return visit_id


def start(sdb: SqliteDatabase, patient_id: str, *, user: str, now: datetime) -> tuple[Visit, bool]:
    """Start a visit, audited as ``visit.started``, or resume the one left open (a closed
    window, a crash): the visit and whether it was resumed. Every audit entry for the patient
    from here until the finish is one of its steps."""
    patients.patient_num(sdb, patient_id)
    resumed = open_visit_id(sdb, patient_id) is not None
    if not resumed:
        seq = audit.next_seq(sdb)
        rowid, number = insert_visit(sdb, patient_id, user=user, now=now, audit_seq=seq)
        audit.append(
            sdb,
            seq=seq,
            at=now,
            user=user,
            action="visit.started",
            patient_id=patient_id,
            details={"visit": number},
            records=[("visit", rowid)],
        )
    return read_all(sdb, patient_id)[-1], resumed


def finish(
    sdb: SqliteDatabase,
    patient_id: str,
    *,
    user: str,
    now: datetime,
    left_unchanged_reason: str | None,
    reference: programmes.Reference,
) -> Visit:
    """Finish the open visit, audited as ``visit.finished``: only with the pump running the
    newest confirmed programme, or "left unchanged" with a typed reason; never while a
    programming session has left the pump stopped (:class:`VisitRefused`, nothing stored)."""
    visit_id = _open_id(sdb, patient_id)
    pump = pumps.read(sdb, patient_id, now=now, reference=reference)
    current = programmes.read_current(sdb, patient_id, reference)
    state = PumpAtFinish(
        read=pump is not None,
        running=pump is not None and pump.running,
        in_session=pump is not None and pump.session is not None,
        runs_final=pump is not None and current is not None and pump.programme == current.programme,
    )
    outcome = finish_outcome(state, left_unchanged_reason)
    reason = (left_unchanged_reason or "").strip()
    final = None if current is None else current.number
    seq = audit.next_seq(sdb)
    insert_finish(
        sdb,
        visit_id,
        outcome=outcome.value,
        reason=reason,
        final_version=final,
        user=user,
        now=now,
        audit_seq=seq,
    )
    audit.append(
        sdb,
        seq=seq,
        at=now,
        user=user,
        action="visit.finished",
        patient_id=patient_id,
        details={
            "visit": visit_number(sdb, visit_id),
            "outcome": outcome.value,
            "reason": reason,
            "final_version": final,
        },
        records=[("visit_finish", visit_id)],
    )
    return read_all(sdb, patient_id)[-1]


def record_review(
    sdb: SqliteDatabase,
    patient_id: str,
    details: Mapping[str, object],
    *,
    user: str,
    now: datetime,
) -> Visit:
    """The clinician confirmed the visit's review (ui/visit_review.py): one audit entry,
    ``visit.reviewed``, with what was reviewed; filed under the open visit as its step like
    every other (only while a visit is open)."""
    visit_id = _open_id(sdb, patient_id)
    audit.append(
        sdb,
        seq=audit.next_seq(sdb),
        at=now,
        user=user,
        action="visit.reviewed",
        patient_id=patient_id,
        details={**details, "visit": visit_number(sdb, visit_id)},
    )
    return read_all(sdb, patient_id)[-1]
