"""A patient's and a pump's record corrected after creation (issue 12): a new audited revision,
the earlier one kept; checked as at creation; the pending programme takes the corrected record
and every check of it uses it; verify catches a revision edited by hand."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import pytest

from db import migrations
from db.database import Database, InvalidRecordError
from db.patients import with_record
from programmer.dose_checks import patient_group
from programmer.drug_library import PatientGroup
from programmer.finding import Code
from programmer.programme import SpasticityOrigin
from tests.db.factories import (
    NOW,
    USER,
    D,
    later,
    open_new,
    patient,
    programme,
    save,
    undo_opening_order,
)

PID = "MRN-0042"


def _saved(tmp_path: Path, daily: str = "400") -> Database:
    database = open_new(tmp_path / "clinic.sqlite")
    save(database, programme(daily=daily))
    return database


def test_a_corrected_birth_date_changes_the_patient_group_the_findings_use(
    tmp_path: Path,
) -> None:
    """An adult's 250 mcg/day is under the spinal usual range (300 to 800); corrected to a
    9-year-old, the children's range (24 to 1199) applies to the pending programme."""
    with _saved(tmp_path, daily="250") as database:
        saved = database.current_version(PID)
        assert saved is not None
        before = database.check_programme(saved.programme, now=NOW)
        assert Code.DOSE_OUTSIDE_USUAL_RANGE in {f.code for f in before.findings}
        corrected = patient(birth=date(2017, 6, 1))
        record = database.revise_patient(
            corrected, diagnosis="", reason="birth date typed wrongly", user=USER, now=later(5)
        )
        assert record.patient.birth_date == date(2017, 6, 1)
        assert database.patient(PID).patient == corrected
        pending = with_record(saved.programme, record)
        library = database.library.drug("baclofen")
        assert patient_group(pending, library, NOW.date()) is PatientGroup.CHILD
        after = database.check_programme(pending, now=later(6))
        assert Code.DOSE_OUTSIDE_USUAL_RANGE not in {f.code for f in after.findings}
        # The saved version keeps the record it was saved with; the next one carries the new.
        assert database.version(PID, 1).programme.patient.birth_date == date(1971, 3, 9)
        save(database, pending, base=1, now=later(7))
        assert database.version(PID, 2).programme.patient == corrected
        entry = database.audit_entries(patient_id=PID)[-2]
        assert entry.action == "patient.revised"
        assert entry.details["changes"] == {
            "birth_date": {"from": "1971-03-09", "to": "2017-06-01"}
        }
        assert entry.details["reason"] == "birth date typed wrongly"
        assert database.verify().ok


def test_a_corrected_origin_is_the_one_the_findings_use(tmp_path: Path) -> None:
    with _saved(tmp_path) as database:
        record = database.revise_patient(
            patient(origin=SpasticityOrigin.CEREBRAL),
            diagnosis="cerebral palsy",
            reason="origin recorded wrongly",
            user=USER,
            now=later(5),
        )
        saved = database.current_version(PID)
        assert saved is not None
        pending = with_record(saved.programme, record)
        drug = database.library.drug("baclofen")
        assert patient_group(pending, drug, NOW.date()) is PatientGroup.CEREBRAL
        assert database.patient(PID).diagnosis == "cerebral palsy"
        assert database.search_patients("Jane")[0].spasticity_origin == "cerebral"


def test_a_corrected_name_with_a_bidi_override_is_refused(tmp_path: Path) -> None:
    with _saved(tmp_path) as database:
        with pytest.raises(InvalidRecordError, match="U\\+202E RIGHT-TO-LEFT OVERRIDE"):
            database.revise_patient(
                patient(name="Jane \u202eeoD"),
                diagnosis="",
                reason="spelling",
                user=USER,
                now=later(5),
            )
        assert database.patient(PID).patient.name == "Jane Doe"


def test_a_corrected_birth_date_in_the_future_or_after_the_implant_is_refused(
    tmp_path: Path,
) -> None:
    with _saved(tmp_path) as database:
        with pytest.raises(InvalidRecordError, match="in the future"):
            database.revise_patient(
                patient(birth=date(2027, 1, 1)), diagnosis="", reason="x", user=USER, now=later(5)
            )
        with pytest.raises(InvalidRecordError, match="after the implant of pump NGP123456"):
            database.revise_patient(
                patient(birth=date(2025, 1, 1)), diagnosis="", reason="x", user=USER, now=later(5)
            )
        with pytest.raises(InvalidRecordError, match="reason: must not be empty"):
            database.revise_patient(
                patient(name="Jane Doe-Smith"), diagnosis="", reason=" ", user=USER, now=later(5)
            )
        assert database.patient(PID).patient == patient()


def test_a_corrected_name_is_what_the_browser_and_search_find(tmp_path: Path) -> None:
    with _saved(tmp_path) as database:
        database.revise_patient(
            patient(name="Joan Doe"), diagnosis="", reason="spelling", user=USER, now=later(5)
        )
        assert [s.name for s in database.search_patients("Joan")] == ["Joan Doe"]
        assert database.search_patients("Jane") == []  # the name at creation is not found
        assert [s.name for s in database.first_patients()] == ["Joan Doe"]
        worklist = database.worklist(now=later(6), days=365)
        assert [item.figures.name for item in worklist] == ["Joan Doe"]
        assert database.verify().ok


def test_an_edited_replace_by_past_the_battery_life_raises_replace_by_implausible(
    tmp_path: Path,
) -> None:
    """domain.md: SynchroMed II shuts off at 7 years; implanted 2024-05-02, a replace-by of
    2032 is the engine's hard REPLACE_BY_IMPLAUSIBLE for the pending programme."""
    with _saved(tmp_path) as database:
        database.revise_pump(
            PID,
            serial="NGP123456",
            implanted_on=date(2024, 5, 2),
            replace_by=date(2032, 5, 2),
            low_reservoir_alarm_ml=D("2.0"),
            reason="replace-by from the implant card",
            user=USER,
            now=later(5),
        )
        record = database.patient(PID)
        saved = database.current_version(PID)
        assert saved is not None
        result = database.check_programme(with_record(saved.programme, record), now=later(6))
        implausible = [f for f in result.findings if f.code is Code.REPLACE_BY_IMPLAUSIBLE]
        assert implausible and implausible[0].field == "pump.replace_by"
        assert result.hard


def test_a_corrected_serial_revises_the_pump_and_is_not_a_replacement(tmp_path: Path) -> None:
    with _saved(tmp_path) as database:
        revised = database.revise_pump(
            PID,
            serial="NGP123465",
            implanted_on=date(2024, 5, 3),
            replace_by=date(2031, 5, 2),
            low_reservoir_alarm_ml=D("3"),
            reason="digits swapped",
            user=USER,
            now=later(5),
        )
        record = database.patient(PID)
        assert record.pump == revised
        assert [p.serial for p in record.pumps] == ["NGP123465"]  # one pump, not two
        entry = database.audit_entries(patient_id=PID)[-1]
        assert entry.action == "pump.revised"
        assert entry.details["changes"]["serial"] == {"from": "NGP123456", "to": "NGP123465"}
        # The next saved version carries the corrected pump (the old one would be refused).
        saved = database.current_version(PID)
        assert saved is not None
        save(database, with_record(saved.programme, record), base=1, now=later(6))
        assert database.version(PID, 2).programme.pump.serial == "NGP123465"
        assert database.verify().ok


def test_a_pump_record_edit_is_checked_as_at_creation(tmp_path: Path) -> None:
    with _saved(tmp_path) as database:
        base = {
            "serial": "NGP123456",
            "implanted_on": date(2024, 5, 2),
            "replace_by": date(2031, 5, 2),
            "low_reservoir_alarm_ml": D("2.0"),
            "reason": "correction",
            "user": USER,
            "now": later(5),
        }
        for change, words in (
            ({"replace_by": date(2024, 5, 1)}, "must be after the implant date"),
            ({"implanted_on": date(1960, 1, 1)}, "before the patient's birth date"),
            ({"low_reservoir_alarm_ml": D("20")}, "under the 20 mL reservoir"),
            ({"serial": " "}, "must not be empty"),
            ({}, "nothing was changed"),
        ):
            with pytest.raises(InvalidRecordError, match=words):
                database.revise_pump(PID, **{**base, **change})  # type: ignore[arg-type]
        assert database.patient(PID).pump.low_reservoir_alarm_ml == D("2.0")  # type: ignore[union-attr]


def test_verify_catches_a_patient_revision_edited_by_hand(tmp_path: Path) -> None:
    path = tmp_path / "clinic.sqlite"
    with _saved(tmp_path) as database:
        database.revise_patient(
            patient(name="Janet Doe"), diagnosis="", reason="spelling", user=USER, now=later(5)
        )
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("DROP TRIGGER patient_revision_never_updated")
    conn.execute("UPDATE patient_revision SET birth_date = '1961-03-09'")
    conn.close()
    with Database.open(path, now=later(10)) as database:
        report = database.verify()
        assert not report.ok
        assert any("patient revision record" in p and "altered" in p for p in report.problems), (
            report.problems
        )


def test_a_database_before_record_corrections_migrates_in_place(tmp_path: Path) -> None:
    path = tmp_path / "clinic.sqlite"
    version = next(
        m.version for m in migrations.MIGRATIONS if m.apply is migrations._create_record_corrections
    )
    with _saved(tmp_path):
        pass
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("DROP TABLE patient_revision")
    conn.execute("DROP TABLE pump_serial_correction")
    conn.execute("DROP TABLE patient_order")  # the migration after it
    undo_opening_order(conn)
    conn.execute(f"PRAGMA user_version = {version - 1}")
    conn.close()
    with Database.open(path, now=later(60)) as database:
        assert migrations.user_version(database._sdb) == migrations.schema_version()
        entry = next(e for e in database.audit_entries() if e.details.get("schema") == version)
        assert entry.action == "database.migrated"
        assert entry.details["backup"] is not None and Path(entry.details["backup"]).exists()
        assert database.patient(PID).patient == patient()
        database.revise_patient(
            patient(name="Janet Doe"), diagnosis="", reason="spelling", user=USER, now=later(61)
        )
        assert database.patient(PID).patient.name == "Janet Doe"
        assert database.verify().ok
