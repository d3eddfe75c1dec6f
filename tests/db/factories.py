"""Builders for the storage tests: valid programmes and pumps, changed by keyword. Every test
passes ``now`` explicitly (NOW unless it says otherwise), never the clock."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from db import migrations, worklist
from db.database import Database, PumpRecord
from db.programmes import acknowledgement_key
from programmer.check_context import CheckContext
from programmer.finding import Severity
from programmer.findings import check_programme
from programmer.programme import (
    DrugFill,
    Mode,
    Patient,
    PatientBolus,
    Programme,
    Pump,
    Reservoir,
    SpasticityOrigin,
    Step,
    WeekSchedule,
)

NOW = datetime(2026, 11, 22, 10, 0)
FILL = datetime(2026, 11, 22, 9, 30)
USER = "dr.test"


def D(text: str | int) -> Decimal:
    return Decimal(str(text))


def patient(
    patient_id: str = "MRN-0042",
    name: str = "Jane Doe",
    birth: date = date(1971, 3, 9),
    origin: SpasticityOrigin = SpasticityOrigin.SPINAL,
) -> Patient:
    return Patient(id=patient_id, name=name, birth_date=birth, spasticity_origin=origin)


def pump(
    serial: str = "NGP123456",
    model: str = "synchromed-ii-20",
    implanted: date = date(2024, 5, 2),
    replace_by: date = date(2031, 5, 2),
    alarm: str = "2.0",
) -> Pump:
    return Pump(model, serial, implanted, replace_by, D(alarm))


def pump_record(
    serial: str = "NGP123456",
    model: str = "synchromed-ii-20",
    implanted: date = date(2024, 5, 2),
    replace_by: date = date(2031, 5, 2),
    alarm: str = "2.0",
    catheter: str | None = "ascenda-8781",
    length: str | None = "50",
) -> PumpRecord:
    return PumpRecord(
        model=model,
        serial=serial,
        implanted_on=implanted,
        replace_by=replace_by,
        catheter_model=catheter,
        catheter_length_cm=None if length is None else D(length),
        low_reservoir_alarm_ml=D(alarm),
        removed_on=None,
    )


def programme(
    *,
    who: Patient | None = None,
    device: Pump | None = None,
    daily: str | int = "400",
    concentration: str = "2000",
    volume: str = "20",
    filled_at: datetime = FILL,
    mode: Mode = Mode.SIMPLE_CONTINUOUS,
    week: WeekSchedule | None = None,
    patient_bolus: PatientBolus | None = None,
) -> Programme:
    return Programme(
        patient=who or patient(),
        pump=device or pump(),
        drug=DrugFill("baclofen", D(concentration)),
        reservoir=Reservoir(D(volume), filled_at),
        mode=mode,
        daily_dose_mcg=D(daily) if mode is Mode.SIMPLE_CONTINUOUS else None,
        week=week if mode is Mode.FLEXIBLE else None,
        patient_bolus=patient_bolus,
    )


def flexible(*pairs: tuple[str, str]) -> WeekSchedule:
    """``flexible(("00:00", "10"), ("07:00", "20"))``: start HH:MM and rate in mcg/h."""
    steps = []
    for start, rate in pairs:
        hours, minutes = start.split(":")
        steps.append(Step(int(hours) * 60 + int(minutes), D(rate)))
    return WeekSchedule.every_day(tuple(steps))


def acks_for(
    programme: Programme, now: datetime = NOW, current: Programme | None = None, reason: str = "ok"
) -> dict[str, str]:
    """A typed reason for every soft finding the programme has."""
    result = check_programme(programme, CheckContext.packaged(current=current), now=now)
    return {acknowledgement_key(f): reason for f in result.findings if f.severity is Severity.SOFT}


def open_new(path: Path, *, now: datetime = NOW) -> Database:
    return Database.open(path, create=True, now=now)


# Tables of later schemas that today's code writes with every patient (db/patients.py). A test
# that builds a database at an older schema adds them while it writes, and drops them after, so
# that the migrations create them when the database is next opened.
LATER_WRITTEN = {
    "patient_order": migrations.SCHEMA_PATIENT_ORDER,
    "worklist_basis": worklist.BASIS_SCHEMA,  # read by every write (db.worklist.refresh)
}


def add_later_tables(database: Database) -> None:
    for schema in LATER_WRITTEN.values():
        database._sdb.executescript(schema)


def drop_later_tables(path: Path) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    for table in LATER_WRITTEN:
        conn.execute(f"DROP TABLE {table}")
    conn.close()


def undo_opening_order(conn: sqlite3.Connection) -> None:
    """Back to the schema before the recent list's opening numbers (migration
    ``_order_openings``), for a test that builds an older database with today's code: with the
    migration after it undone too (the worklist figures' stamp, ``_stamp_worklist_figures``)."""
    conn.execute("DROP TABLE worklist_basis")
    conn.execute("DROP INDEX patient_opened_by_order")
    conn.execute("ALTER TABLE patient_opened DROP COLUMN opened_seq")


def save(
    database: Database,
    prog: Programme,
    *,
    base: int | None = None,
    now: datetime = NOW,
    reason: str = "test save",
    confirmed: bool = True,
    user: str = USER,
) -> int:
    """Save with every soft finding acknowledged (those the save itself will meet, from the
    database's check context); returns the new version's number."""
    found = database.check_programme(prog, now=now).findings
    version = database.save_programme(
        prog,
        base_version=base,
        user=user,
        reason=reason,
        acknowledgements={
            acknowledgement_key(f): "ok" for f in found if f.severity is Severity.SOFT
        },
        now=now,
        confirmed=confirmed,
    )
    return version.number


def later(minutes: int) -> datetime:
    return NOW + timedelta(minutes=minutes)
