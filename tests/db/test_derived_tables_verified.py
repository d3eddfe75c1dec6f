"""Adversary: derived tables tampered with through the database file, which verify must name.

product.md, "Users and records": the audit trail "can be verified to be unaltered"; "Records and
files": verify "names what it finds"; "Clinic worklist": "every overdue one" is on the worklist;
"The visit": the visit report covers "every action, every finding and override". The worklist's
figures and the visit's steps are derived tables (db/worklist.py, db/visits.py): an insider who
edits them (or drops the triggers that keep them) changes what the clinic sees, so verify must
compare them with the records as it does patient_order and patient_search (db/integrity.py).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlite_utils import Database as SqliteDatabase

from db import anchor, integrity, migrations
from db.database import Database
from tests.db.factories import NOW, USER, later, open_new, patient, programme, pump_record, save

PID = "MRN-0042"
OVERDUE_AT = NOW + timedelta(days=200)  # the 20 mL reservoir is long past its refill date


@pytest.fixture
def path(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "clinic.sqlite"
    with open_new(path) as database:
        database.create_patient(patient(), pump_record(), user=USER, now=NOW)
        save(database, programme())
        assert [i.status.value for i in database.worklist(now=OVERDUE_AT, days=28)] == ["overdue"]
    yield path


def tamper(path: Path, *statements: str) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    for statement in statements:
        conn.execute(statement)
    conn.close()


def test_worklist_figures_edited_in_the_file_cannot_hide_an_overdue_patient_unnoticed(
    path: Path,
) -> None:
    far = "'2099-01-01T00:00:00'"
    tamper(
        path,
        f"UPDATE worklist_figures SET next_refill_at = {far}, low_reservoir_alarm_at = {far}, "
        f"empty_at = {far}, attention_at = {far}",
    )
    with Database.open(path, now=NOW) as database:
        hidden = database.worklist(now=OVERDUE_AT, days=28) == []
        report = database.verify()
    assert not hidden or not report.integrity_ok, (
        "the overdue patient vanished from the worklist and verify said nothing"
    )
    assert any(PID in p and "worklist" in p for p in report.problems)


def test_worklist_triggers_dropped_in_the_file_are_named_by_verify(path: Path) -> None:
    tamper(path, "DROP TRIGGER worklist_after_programme_version")
    with Database.open(path, now=NOW) as database:
        report = database.verify()
    assert any("worklist_after_programme_version" in p for p in report.problems)


def test_visit_steps_deleted_in_the_file_cannot_vanish_from_the_visit_unnoticed(
    path: Path,
) -> None:
    with Database.open(path, now=NOW) as database:
        database.start_visit(PID, user=USER, now=later(1))
        save(database, programme(), now=later(2), base=1)
        assert [s.action for s in database.visits(PID)[0].steps][-1] == "programme.saved"
    tamper(
        path,
        "DROP TRIGGER visit_step_never_deleted",
        "DELETE FROM visit_step WHERE audit_seq = (SELECT max(audit_seq) FROM visit_step)",
    )
    with Database.open(path, now=NOW) as database:
        lost = "programme.saved" not in [s.action for s in database.visits(PID)[0].steps]
        report = database.verify()
    assert lost  # the visit report would now leave the dose change out
    assert not report.ok, "a dose change vanished from the open visit and verify said nothing"


@pytest.mark.parametrize(
    "trigger",
    [
        "visit_step_filed",
        "visit_never_updated",
        "assessment_never_deleted",
        "patient_revision_never_updated",
        "clinic_settings_never_deleted",
    ],
)
def test_protective_triggers_of_later_schemas_dropped_are_named_by_verify(
    path: Path, trigger: str
) -> None:
    tamper(path, f"DROP TRIGGER {trigger}")
    with Database.open(path, now=NOW) as database:
        report = database.verify()
    assert any(trigger in p for p in report.problems), report.problems


def _add_guarded_table(sdb: SqliteDatabase) -> None:
    sdb.executescript(
        "CREATE TABLE pinned (patient_id TEXT NOT NULL) STRICT;\n"
        "CREATE TRIGGER pinned_never_deleted BEFORE DELETE ON pinned\n"
        "BEGIN SELECT RAISE(ABORT, 'pins are never deleted'); END;"
    )
    sdb.execute("INSERT INTO pinned (patient_id) SELECT id FROM patient")


def test_a_new_migrations_protective_trigger_dropped_is_named_without_changing_verify(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = migrations.schema_version()
    monkeypatch.setattr(
        migrations,
        "MIGRATIONS",
        [*migrations.MIGRATIONS, migrations.Migration(old + 1, "pins", _add_guarded_table)],
    )
    with Database.open(path, now=later(1)) as database:
        assert database.verify().ok
    tamper(path, "DROP TRIGGER pinned_never_deleted")
    with Database.open(path, now=later(2)) as database:
        report = database.verify()
    assert any("pinned_never_deleted" in p for p in report.problems), report.problems


def test_reading_the_expected_triggers_makes_no_audit_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_key() -> None:
        raise AssertionError("the audit keys were read to list the expected triggers")

    monkeypatch.setattr(anchor, "keyring", no_key)
    integrity._triggers_of.cache_clear()  # read afresh, not remembered from another test
    triggers = integrity.expected_triggers()
    assert {"visit_step_filed", "worklist_after_programme_version", "audit_never_deleted"} <= (
        triggers
    )
    assert "visit_step_filed" not in integrity.expected_triggers(3)  # visits came later


def test_a_visit_step_filed_under_a_visit_it_was_not_written_in_is_named(path: Path) -> None:
    with Database.open(path, now=NOW) as database:
        database.start_visit(PID, user=USER, now=later(1))
        seq = database.visits(PID)[0].steps[0].seq
    tamper(
        path,
        "DROP TRIGGER visit_step_never_updated",
        f"UPDATE visit_step SET audit_seq = {seq - 1} WHERE audit_seq = {seq}",
    )
    with Database.open(path, now=NOW) as database:
        report = database.verify()
    assert any(
        f"audit entry {seq - 1} is filed under visit 1 of patient {PID}" in p
        for p in report.problems
    )
    assert any(
        f"audit entry {seq} is missing from visit 1 of patient {PID}" in p for p in report.problems
    )


def test_an_untouched_database_with_visits_and_a_worklist_verifies_ok(path: Path) -> None:
    with Database.open(path, now=NOW) as database:
        database.start_visit(PID, user=USER, now=later(1))
        save(database, programme(), now=later(2), base=1)
        database.finish_visit(PID, user=USER, now=later(3), left_unchanged_reason="review only")
        database.start_visit(PID, user=USER, now=later(4))
        report = database.verify()
    assert report.ok, report.problems
