"""The simulated pump's stored state (db/simulated_pumps.py): started on the first
interrogation from the record, brought forward when read, every write audited in the same
transaction, an interrupted session kept across reopening."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from db.database import (
    BolusGivenRecord,
    BolusKind,
    Database,
    DatabaseError,
    InvalidRecordError,
    RefillRecord,
)
from programmer.simulated_pump import SessionStep
from programmer.telemetry import Link, transmit
from tests.db.factories import FILL, NOW, USER, open_new, patient, programme, pump_record, save

PID = "MRN-0042"


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    with open_new(tmp_path / "clinic.sqlite") as database:
        database.create_patient(patient(), pump_record(), user=USER, now=NOW)
        save(database, programme())  # 400 mcg/day at 2000 mcg/mL: 0.2 mL/day from FILL
        yield database


def actions(database: Database) -> list[str]:
    return [e.action for e in database.audit_entries(patient_id=PID)]


def test_there_is_no_pump_before_the_first_interrogation(database: Database) -> None:
    assert database.simulated_pump(PID, now=NOW) is None
    assert database.stopped_pumps() == []


def test_first_interrogation_starts_the_pump_on_the_current_programme(
    database: Database,
) -> None:
    at = FILL + timedelta(days=10)
    pump = database.interrogate_pump(PID, user=USER, now=at)
    current = database.current_version(PID)
    assert current is not None and pump.programme == current.programme
    assert pump.reservoir_ml == 20 - 2  # 10 days at 0.2 mL/day
    assert pump.running and pump.clock == at
    entry = database.audit_entries(patient_id=PID)[-1]
    assert entry.action == "pump.interrogated"
    assert entry.details["started"] is True
    assert entry.details["reservoir_ml"] == "18.000"
    again = database.interrogate_pump(PID, user=USER, now=at)
    assert again == pump
    assert database.audit_entries(patient_id=PID)[-1].details["started"] is False


def test_reading_brings_the_pump_forward_and_stores_nothing(database: Database) -> None:
    database.interrogate_pump(PID, user=USER, now=FILL + timedelta(days=1))
    before = actions(database)
    pump = database.simulated_pump(PID, now=FILL + timedelta(days=11))
    assert pump is not None and pump.reservoir_ml == 20 - Fraction(11, 5)
    assert actions(database) == before
    stored = database.simulated_pump(PID, now=FILL + timedelta(days=1))
    assert stored is not None and stored.reservoir_ml == 20 - Fraction(1, 5)


def test_a_change_between_refills_is_delivered_as_it_happened(database: Database) -> None:
    current = database.current_version(PID)
    assert current is not None
    changed_at = FILL + timedelta(days=5)
    save(
        database,
        current.programme.with_changes(daily_dose_mcg=Decimal(800)),
        base=current.number,
        now=changed_at,
    )
    pump = database.interrogate_pump(PID, user=USER, now=FILL + timedelta(days=10))
    # 5 days at 0.2 mL/day, then 5 days at 0.4 mL/day (plus the half hour to the first save).
    assert pump.reservoir_ml == 20 - Fraction(1) - Fraction(2)


def test_interrupted_transmission_is_kept_across_reopening(
    database: Database, tmp_path: Path
) -> None:
    pump = database.interrogate_pump(PID, user=USER, now=NOW)
    result = transmit(
        pump, pump.programme.with_changes(daily_dose_mcg=Decimal(440)), Link(SessionStep.SEND)
    )
    assert not result.completed
    database.store_pump(
        PID,
        pump,
        action="pump.transmission-interrupted",
        details={"message": result.message},
        user=USER,
        now=NOW,
    )
    database.close()
    with Database.open(tmp_path / "clinic.sqlite", now=NOW) as reopened:
        stored = reopened.simulated_pump(PID, now=NOW + timedelta(hours=2))
        assert stored is not None and stored.stopped_by_session and not stored.running
        [stopped] = reopened.stopped_pumps()
        assert (stopped.patient_id, stopped.name) == (PID, "Jane Doe")
        entry = reopened.audit_entries(patient_id=PID)[-1]
        assert entry.action == "pump.transmission-interrupted"
        assert entry.details["session"] == ["stop"]
        assert entry.details["running"] is False
        stored.resume_without_change()
        reopened.store_pump(
            PID, stored, action="pump.session-undone", details={}, user=USER, now=NOW
        )
        assert reopened.stopped_pumps() == []
        assert reopened.verify().ok


def test_boluses_given_on_the_pump_are_stored_with_its_state(database: Database) -> None:
    pump = database.interrogate_pump(PID, user=USER, now=NOW)
    pump.give_priming_bolus(Fraction("0.32"), "Priming bolus 0.32 mL")
    priming = BolusGivenRecord(NOW, BolusKind.PRIMING, Decimal("640"), 20, reason="implant")
    database.store_pump(
        PID, pump, action="bolus.given", details={}, user=USER, now=NOW, boluses=(priming,)
    )
    [given] = database.boluses_given(PID)
    assert (given.kind, given.dose_mcg, given.by) == (BolusKind.PRIMING, Decimal("640"), USER)
    entry = database.audit_entries(patient_id=PID)[-1]
    assert entry.details["records"][0][0] == "bolus_given"
    assert entry.details["boluses"][0]["kind"] == "priming"
    stored = database.simulated_pump(PID, now=NOW)
    assert stored is not None and stored.reservoir_ml == pump.reservoir_ml
    assert database.verify().ok


def test_a_bad_bolus_stores_nothing(database: Database) -> None:
    pump = database.interrogate_pump(PID, user=USER, now=NOW)
    before = actions(database)
    pump.give_priming_bolus(Fraction("0.32"), "Priming bolus")
    bad = BolusGivenRecord(NOW, BolusKind.PRIMING, Decimal("640"), 0)
    with pytest.raises(InvalidRecordError):
        database.store_pump(
            PID, pump, action="bolus.given", details={}, user=USER, now=NOW, boluses=(bad,)
        )
    assert actions(database) == before
    stored = database.simulated_pump(PID, now=NOW)
    assert stored is not None and stored.reservoir_ml != pump.reservoir_ml


def test_a_replaced_pump_is_not_the_patients_pump_any_more(database: Database) -> None:
    old = database.interrogate_pump(PID, user=USER, now=NOW)
    old.stop()
    database.store_pump(PID, old, action="pump.test", details={}, user=USER, now=NOW)
    assert len(database.stopped_pumps()) == 1
    database.replace_pump(
        PID, pump_record(serial="NEW-1", implanted=date(2026, 11, 22)), user=USER, now=NOW
    )
    assert database.simulated_pump(PID, now=NOW) is None
    assert database.stopped_pumps() == []
    with pytest.raises(InvalidRecordError, match="not the pump on record"):
        database.store_pump(PID, old, action="pump.test", details={}, user=USER, now=NOW)


def test_a_damaged_state_is_reported_not_guessed(database: Database) -> None:
    database.interrogate_pump(PID, user=USER, now=NOW)
    database._sdb.execute("UPDATE simulated_pump SET state = '{\"format\": 1}'")
    # Damaged outside the console: refused as not what the audit trail recorded (issue 10).
    with pytest.raises(DatabaseError, match="simulated pump of MRN-0042 was changed outside"):
        database.simulated_pump(PID, now=NOW)


def refill(concentration: str, reason: str = "") -> RefillRecord:
    return RefillRecord(
        at=NOW,
        expected_residual_ml=Decimal("19.9"),
        measured_residual_ml=Decimal("19.8"),
        volume_added_ml=Decimal("20"),
        concentration_mcg_per_ml=Decimal(concentration),
        drug="baclofen",
        reason=reason,
    )


def test_refill_with_a_bridge_bolus_records_both_in_one_transaction(database: Database) -> None:
    bridge = BolusGivenRecord(NOW, BolusKind.BRIDGE, Decimal("641.6"), 2310, reason="bridge")
    database.record_refill_visit(PID, refill("1000"), bridge=bridge, user=USER, now=NOW)
    assert [r.concentration_mcg_per_ml for r in database.refills(PID)] == [Decimal("1000")]
    [given] = database.boluses_given(PID)
    assert given.kind is BolusKind.BRIDGE and given.duration_min == 2310  # over a day
    assert actions(database)[-2:] == ["refill.recorded", "bolus.given"]
    assert database.audit_entries(patient_id=PID)[-1].details["from_mcg_per_ml"] == "2000"


def test_concentration_change_without_bridge_bolus_needs_a_recorded_reason(
    database: Database,
) -> None:
    before = actions(database)
    with pytest.raises(InvalidRecordError, match="without a bridge bolus needs a typed reason"):
        database.record_refill_visit(PID, refill("1000"), user=USER, now=NOW)
    assert actions(database) == before and database.refills(PID) == []
    database.record_refill_visit(
        PID, refill("1000"), bridge_omitted_reason="Dose halved on purpose", user=USER, now=NOW
    )
    entry = database.audit_entries(patient_id=PID)[-1]
    assert entry.action == "refill.bridge-bolus-omitted"
    assert entry.details["reason"] == "Dose halved on purpose"


def test_same_concentration_refill_needs_no_bridge_decision(database: Database) -> None:
    database.record_refill_visit(PID, refill("2000"), user=USER, now=NOW)
    assert actions(database)[-1] == "refill.recorded"
    bridge = BolusGivenRecord(NOW, BolusKind.BRIDGE, Decimal("100"), 60)
    with pytest.raises(InvalidRecordError, match="only when the concentration changes"):
        database.record_refill_visit(PID, refill("2000"), bridge=bridge, user=USER, now=NOW)


def test_two_windows_never_silently_overwrite_each_others_pump_state(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Hazard: a second window's acknowledgement or transmission lost under the first's."""
    from datetime import datetime, timedelta

    import pytest

    from db.database import Database
    from db.seed.demo_patients import seed_demo_patients
    from db.simulated_pumps import PumpChangedError

    now = datetime(2026, 11, 22, 10, 0)
    with Database.open(tmp_path / "c.sqlite", on_create=seed_demo_patients, now=now) as database:
        first = database.interrogate_pump("DEMO-0002", user="dr.one", now=now)
        # Window two reads it a minute later: the pump has delivered meanwhile (a new state).
        second = database.interrogate_pump(
            "DEMO-0002", user="dr.two", now=now + timedelta(minutes=1)
        )
        first.stop()  # window one starts a programming session...
        later = now + timedelta(minutes=5)
        with pytest.raises(PumpChangedError):  # ...on a state window two has since rewritten
            database.store_pump(
                "DEMO-0002", first, action="pump.test", details={}, user="dr.one", now=later
            )
        stored = database.simulated_pump("DEMO-0002", now=later)
        assert stored is not None and stored.running  # nothing of window one's was stored
        database.store_pump(
            "DEMO-0002", second, action="pump.test", details={}, user="dr.two", now=later
        )
        # Having stored, window two can go on storing its own later changes.
        database.store_pump(
            "DEMO-0002",
            second,
            action="pump.test",
            details={},
            user="dr.two",
            now=later + timedelta(minutes=1),
        )
        assert database.verify().ok
