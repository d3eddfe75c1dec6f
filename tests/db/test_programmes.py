"""Programme versions: immutable, numbered per patient, checked by the engine on the way in,
never silently overwritten, stored as canonical text so that an export is byte-for-byte stable."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from db import programmes
from db.database import (
    ConflictError,
    Database,
    HardFindingError,
    InvalidRecordError,
    MissingAcknowledgementError,
    RecordMismatchError,
    acknowledgement_key,
)
from programmer.finding import Code
from programmer.programme import Mode, PatientBolus
from programmer.programme_file import dumps
from tests.db.factories import (
    FILL,
    NOW,
    USER,
    acks_for,
    flexible,
    later,
    open_new,
    patient,
    programme,
    pump,
    pump_record,
    save,
)

DAY = 60 * 24


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    with open_new(tmp_path / "clinic.sqlite") as database:
        yield database


def test_saved_version_reads_back_exactly(database: Database) -> None:
    prog = programme(daily="400")
    version = database.save_programme(
        prog, base_version=None, user=USER, reason="first", acknowledgements={}, now=NOW
    )
    assert version.number == 1
    assert version.programme == prog
    assert version.programme_json == dumps(prog)
    assert version.daily_dose_mcg == Fraction(400)
    assert version.flow_ml_per_day == Fraction(1, 5)
    assert version.library_version == database.library.version
    assert version.catalogue_version == database.catalogue.version
    assert (version.saved_by, version.saved_at, version.reason) == (USER, NOW, "first")
    assert version.confirmed and version.based_on is None
    assert database.version("MRN-0042", 1) == version
    assert database.current_version("MRN-0042") == version
    assert database.versions("MRN-0042") == [version]


def test_daily_dose_is_kept_exact(database: Database) -> None:
    week = flexible(("00:00", "10"), ("07:00", "20.5"), ("08:00", "10"))
    prog = programme(mode=Mode.FLEXIBLE, week=week)
    save(database, prog)
    stored = database.current_version("MRN-0042")
    assert stored is not None
    assert stored.daily_dose_mcg == Fraction(2505, 10)  # 23 h x 10 + 1 h x 20.5
    assert stored.flow_ml_per_day == Fraction(2505, 10) / 2000


def test_versions_are_numbered_per_patient(database: Database) -> None:
    other = patient("MRN-7", "John Roe")
    assert save(database, programme()) == 1
    assert save(database, programme(who=other, device=pump("S7"))) == 1
    assert save(database, programme(daily="420"), base=1, now=later(DAY)) == 2
    assert [v.number for v in database.versions("MRN-0042")] == [1, 2]
    assert [v.number for v in database.versions("MRN-7")] == [1]


def test_current_is_the_newest_confirmed(database: Database) -> None:
    save(database, programme(daily="400"))
    save(database, programme(daily="420"), base=1, now=later(DAY), confirmed=False)
    current = database.current_version("MRN-0042")
    latest = database.latest_version("MRN-0042")
    assert current is not None and current.number == 1
    assert latest is not None and latest.number == 2 and not latest.confirmed
    assert database.audit_entries()[-1].action == "programme.drafted"
    save(database, programme(daily="440"), base=2, now=later(2 * DAY))
    current = database.current_version("MRN-0042")
    assert current is not None and current.number == 3


def test_hard_finding_refuses_the_save_and_writes_nothing(database: Database) -> None:
    prog = programme(daily="2400")  # over the 2000 mcg/day hard maximum
    entries = len(database.audit_entries())
    with pytest.raises(HardFindingError) as info:
        database.save_programme(
            prog, base_version=None, user=USER, reason="x", acknowledgements={}, now=NOW
        )
    assert Code.DOSE_ABOVE_HARD_LIMIT in [f.code for f in info.value.findings]
    assert all(f.severity.value == "hard" for f in info.value.findings)
    assert database.search_patients("jane") == []  # not even the patient (one transaction)
    assert len(database.audit_entries()) == entries


def test_change_limits_use_the_stored_current_programme(database: Database) -> None:
    save(database, programme(daily="400"))
    # 400 -> 1400 mcg/day is more than 3x: the per-hour/per-day trap.
    with pytest.raises(HardFindingError) as info:
        save(database, programme(daily="1400"), base=1, now=later(DAY))
    assert Code.CHANGE_EXTREME in [f.code for f in info.value.findings]
    assert [v.number for v in database.versions("MRN-0042")] == [1]


def test_soft_finding_needs_a_typed_reason(database: Database) -> None:
    save(database, programme(daily="400"))
    prog = programme(daily="600")  # +50 %: over the 30 % titration step
    for acks in ({}, {f"{Code.CHANGE_ABOVE_TITRATION.value}@daily_dose_mcg": "   "}):
        with pytest.raises(MissingAcknowledgementError) as info:
            database.save_programme(
                prog, base_version=1, user=USER, reason="up", acknowledgements=acks, now=later(DAY)
            )
        assert [f.code for f in info.value.findings] == [Code.CHANGE_ABOVE_TITRATION]
    assert [v.number for v in database.versions("MRN-0042")] == [1]
    key = acknowledgement_key(info.value.findings[0])
    assert key == "CHANGE_ABOVE_TITRATION@daily_dose_mcg"
    version = database.save_programme(
        prog,
        base_version=1,
        user=USER,
        reason="up",
        acknowledgements={key: "Severe spasms; reviewed", "STALE@nowhere": "not stored"},
        now=later(DAY),
    )
    assert version.acknowledgements == {key: "Severe spasms; reviewed"}
    entry = database.audit_entries()[-1]
    assert entry.details["overrides"] == [
        {
            "code": "CHANGE_ABOVE_TITRATION",
            "field": "daily_dose_mcg",
            "reason": "Severe spasms; reviewed",
        }
    ]
    assert [f.code for f in version.findings] == [Code.CHANGE_ABOVE_TITRATION]


def test_concurrent_save_never_silently_overwrites(tmp_path: Path) -> None:
    """Two windows on one database both edit version 1: the second save is refused with the
    version the first one saved, for the user to compare and redo."""
    path = tmp_path / "clinic.sqlite"
    with open_new(path) as first:
        save(first, programme(daily="400"))
    window_a = Database.open(path, now=NOW)
    window_b = Database.open(path, now=NOW)
    base_a = window_a.latest_version("MRN-0042")
    base_b = window_b.latest_version("MRN-0042")
    assert base_a is not None and base_b is not None
    save(window_a, programme(daily="420"), base=base_a.number, now=later(DAY), user="dr.a")
    with pytest.raises(ConflictError, match=r"saved by dr\.a") as info:
        save(window_b, programme(daily="380"), base=base_b.number, now=later(DAY), user="dr.b")
    assert info.value.latest.number == 2
    assert info.value.latest.saved_by == "dr.a"
    assert info.value.latest.daily_dose_mcg == 420
    assert [v.daily_dose_mcg for v in window_b.versions("MRN-0042")] == [400, 420]
    window_a.close()
    window_b.close()


def test_first_programme_conflicts_with_an_existing_one(database: Database) -> None:
    save(database, programme())
    with pytest.raises(ConflictError) as info:
        save(database, programme(daily="420"), base=None, now=later(DAY))
    assert info.value.latest.number == 1


def test_base_beyond_the_history_is_refused(database: Database) -> None:
    with pytest.raises(InvalidRecordError, match="no saved programme"):
        save(database, programme(), base=1)
    save(database, programme())
    with pytest.raises(ConflictError):
        save(database, programme(), base=5, now=later(DAY))


def test_unique_number_backs_the_conflict_check(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Even if the in-transaction check were wrong, UNIQUE (patient_id, number) refuses a
    second version 2, and the refusal is still a ConflictError."""
    save(database, programme())
    save(database, programme(daily="420"), base=1, now=later(DAY))
    monkeypatch.setattr(programmes, "latest_number", lambda sdb, pid: 1)
    with pytest.raises(ConflictError) as info:
        save(database, programme(daily="380"), base=1, now=later(2 * DAY))
    assert info.value.latest.number == 2
    monkeypatch.undo()
    assert [v.daily_dose_mcg for v in database.versions("MRN-0042")] == [400, 420]


def test_versions_are_never_updated_or_deleted(database: Database) -> None:
    save(database, programme())
    conn = database._sdb.conn
    with pytest.raises(sqlite3.IntegrityError, match="never changed"):
        conn.execute("UPDATE programme_version SET reason = 'edited'")
    with pytest.raises(sqlite3.IntegrityError, match="never deleted"):
        conn.execute("DELETE FROM programme_version")
    for table in ("patient", "pump", "audit"):
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute(f"DELETE FROM {table}")
    conn.rollback()
    assert database.verify().ok


def test_version_numbers_have_no_gaps(database: Database) -> None:
    save(database, programme())
    with pytest.raises(sqlite3.IntegrityError, match="follow on"):
        database._sdb.conn.execute(
            "INSERT INTO programme_version SELECT NULL, patient_id, 5, NULL, programme_json, "
            "mode, daily_dose_mcg, flow_ml_per_day, library_version, catalogue_version, "
            "findings, acknowledgements, saved_by, saved_at, reason, confirmed, audit_seq "
            "FROM programme_version"
        )
    database._sdb.conn.rollback()


def test_import_path_creates_patient_and_pump(database: Database) -> None:
    save(database, programme())
    record = database.patient("MRN-0042")
    assert record.patient == patient()
    assert record.pump == pump_record(catheter=None, length=None)
    actions = [e.action for e in database.audit_entries(patient_id="MRN-0042")]
    assert actions == ["patient.created", "programme.saved"]


def test_programme_for_another_patient_with_the_same_id_is_refused(database: Database) -> None:
    save(database, programme())
    other = programme(who=patient(name="Janet Dough"), daily="420")
    with pytest.raises(RecordMismatchError, match="Janet Dough"):
        save(database, other, base=1, now=later(DAY))
    born = programme(who=patient(birth=date(1980, 1, 1)), daily="420")
    with pytest.raises(RecordMismatchError, match="birth date"):
        save(database, born, base=1, now=later(DAY))


def test_programme_for_an_unrecorded_pump_is_refused(database: Database) -> None:
    save(database, programme())
    with pytest.raises(RecordMismatchError, match="Record the pump replacement first"):
        save(database, programme(device=pump("NGP-NEW")), base=1, now=later(DAY))
    database.replace_pump(
        "MRN-0042", pump_record("NGP-NEW", implanted=date(2026, 11, 22)), user=USER, now=later(1)
    )
    new_pump = pump("NGP-NEW", implanted=date(2026, 11, 22))
    assert save(database, programme(device=new_pump), base=1, now=later(DAY)) == 2


def test_changed_alarm_revises_the_pump_record(database: Database) -> None:
    database.create_patient(patient(), pump_record(), user=USER, now=NOW)
    save(database, programme(device=pump(alarm="4.0")), now=later(1))
    record = database.patient("MRN-0042")
    assert record.pump is not None
    assert record.pump.low_reservoir_alarm_ml == Decimal("4.0")
    assert record.pump.catheter_model == "ascenda-8781"  # kept from the record
    assert len(record.pumps) == 1  # a revision, not a replacement
    assert database.verify().ok


def test_programme_the_file_cannot_hold_is_refused(database: Database) -> None:
    seconds = programme(filled_at=FILL.replace(second=30))
    with pytest.raises(InvalidRecordError, match="cannot represent exactly"):
        save(database, seconds)
    too_precise = programme(daily="400.1234567")
    with pytest.raises(InvalidRecordError):
        save(database, too_precise)
    assert database.search_patients("jane") == []


def test_times_must_be_local(database: Database) -> None:
    aware = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
    with pytest.raises(InvalidRecordError, match="time zone"):
        database.save_programme(
            programme(), base_version=None, user=USER, reason="x", acknowledgements={}, now=aware
        )
    with pytest.raises(InvalidRecordError, match="time zone"):
        database.create_patient(patient(), pump_record(), user=USER, now=aware)


def test_blank_reason_is_refused(database: Database) -> None:
    with pytest.raises(InvalidRecordError, match="reason"):
        database.save_programme(
            programme(), base_version=None, user=USER, reason=" ", acknowledgements={}, now=NOW
        )


def test_patient_bolus_programme_round_trips(database: Database) -> None:
    prog = programme(daily="400", patient_bolus=PatientBolus(Decimal("20"), 10, 120, 4))
    save(database, prog)
    stored = database.current_version("MRN-0042")
    assert stored is not None and stored.programme == prog
    assert stored.programme_json == dumps(prog)


def test_soft_findings_acknowledged_in_one_go(database: Database) -> None:
    prog = programme(daily="100")  # under the usual spinal range
    acks = acks_for(prog, reason="Starting low after screening")
    assert list(acks) == ["DOSE_OUTSIDE_USUAL_RANGE@daily_dose_mcg"]
    version = database.save_programme(
        prog, base_version=None, user=USER, reason="start", acknowledgements=acks, now=NOW
    )
    assert version.acknowledgements == acks
