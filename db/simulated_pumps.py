"""The simulated pump implanted in each patient (issue: programmer workflows), kept in the
``simulated_pump`` table as the JSON of :meth:`SimulatedPump.to_json`.

A patient's pump is started on the first interrogation from the programmes on record (the
current confirmed version, and the ones before it on the same fill) and brought forward to the
moment it is read. Its state is a row that changes over time, so every write here appends an
audit entry in the same transaction: interrogations, transmissions (complete or cut off),
acknowledged alarms, boluses given on the pump, an undone session. The caller holds the
transaction (``Database._write``); these functions read and write the rows.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlite_utils import Database as SqliteDatabase

from db import audit, patients, programmes, treatments
from db.errors import DatabaseError, InvalidRecordError
from db.programmes import Reference
from db.records import BolusGivenRecord, BolusKind, RefillRecord
from db.values import moment_from, moment_text
from programmer.programme import Programme
from programmer.refill import earlier_on_fill
from programmer.simulated_pump import PumpStateError, SimulatedPump
from programmer.units import MINUTES_PER_DAY, round_half_up

# A bridge bolus pushes the old fluid out at the old daily flow, which takes more than a day at
# low flows (domain.md, "Infusion modes"); other boluses last at most a day (treatments).
MAX_BRIDGE_MIN = 30 * MINUTES_PER_DAY


class PumpChangedError(DatabaseError):
    """The pump's stored state changed (another window) since this one read it: nothing was
    stored; read the pump again and redo the action on what it holds now."""


@dataclass
class StoredPump(SimulatedPump):
    """A simulated pump as read from (or first started for) the database, remembering which
    stored state it came from, so that a write over another window's never passes silently
    (product.md: "two windows on one database never silently overwrite each other's changes").
    """

    revision: str | None = field(default=None, compare=False, repr=False)


def _revision(state: str) -> str:
    return hashlib.sha256(state.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class StoppedPump:
    """A patient whose pump was left stopped by a programming session cut off half-way."""

    patient_id: str
    name: str
    serial: str
    since: datetime  # when the state was last written (the interrupted session)


def history(
    sdb: SqliteDatabase, patient_id: str, reference: Reference, upto: int | None = None
) -> list[tuple[datetime, Programme]]:
    """The confirmed programmes on record, each with the moment it took effect (its save),
    oldest first, up to version ``upto`` (the newest when None)."""
    return [
        (v.saved_at, v.programme)
        for v in programmes.read_all(sdb, patient_id, reference)
        if v.confirmed and (upto is None or v.number <= upto)
    ]


def read(
    sdb: SqliteDatabase, patient_id: str, *, now: datetime, reference: Reference
) -> SimulatedPump | None:
    """The patient's simulated pump brought forward to ``now`` (in memory: reading changes
    nothing stored), or None before its first interrogation. A stored pump whose serial is not
    the pump on record belongs to a pump since replaced and is not this patient's pump any more.
    """
    record = patients.read_patient(sdb, patient_id)
    row = sdb.execute(
        "SELECT serial, state FROM simulated_pump WHERE patient_id = ?", [patient_id]
    ).fetchone()
    if row is None or record.pump is None or row[0] != record.pump.serial:
        return None
    # A pump state edited outside the console is never run on (db/audit.py: tracked rows).
    audit.confirm_row(sdb, "simulated_pump", patient_id, f"the simulated pump of {patient_id}")
    try:
        pump = StoredPump.from_json(
            row[1], catalogue=reference.catalogue, library=reference.library
        )
    except PumpStateError as exc:
        raise DatabaseError(
            f"the simulated pump of patient {patient_id} cannot be read: {exc}"
        ) from None
    assert isinstance(pump, StoredPump)  # from_json builds the class it is called on
    pump.revision = _revision(row[1])
    bring_to(pump, now)
    return pump


def bring_to(pump: SimulatedPump, now: datetime) -> None:
    """Advance the pump's clock to ``now``; a console clock behind the pump's (a training clock
    moved back) leaves it where it is, since the pump's clock only moves forward."""
    if now > pump.clock:
        pump.advance(now)


def start(
    sdb: SqliteDatabase,
    patient_id: str,
    *,
    now: datetime,
    reference: Reference,
    running_version: int | None = None,
) -> SimulatedPump:
    """A new simulated pump running the patient's confirmed programme (version
    ``running_version``, else the current one), delivering since its fill as the record says."""
    record = patients.read_patient(sdb, patient_id)
    if record.pump is None:
        raise InvalidRecordError(f"patient {patient_id} has no pump recorded", "pump")
    runs = history(sdb, patient_id, reference, running_version)
    if not runs:
        raise InvalidRecordError(
            f"patient {patient_id} has no confirmed programme for the pump to run: save one first",
            "programme",
        )
    programme = runs[-1][1]
    model = reference.catalogue.pump(programme.pump.model)
    earlier = earlier_on_fill(runs, reference.catalogue)
    return StoredPump.implanted(model, programme, now, earlier)  # nothing stored yet: no revision


def summary(pump: SimulatedPump) -> dict[str, Any]:
    """What an audit entry says of the pump's state after the write."""
    state = pump.to_json()
    return {
        "serial": pump.programme.pump.serial,
        "running": pump.running,
        "session": None if pump.session is None else [s.value for s in pump.session],
        "reservoir_ml": str(round_half_up(pump.reservoir_ml, 3)),
        "alarms": sorted(a.value for a in pump.alarms),
        "state_sha256": hashlib.sha256(state.encode("utf-8")).hexdigest(),
    }


def check_given(bolus: BolusGivenRecord) -> None:
    """A bolus given is checked as :func:`db.treatments.check_bolus` does, except that a bridge
    bolus may last longer than a day (up to :data:`MAX_BRIDGE_MIN`)."""
    long_bridge = bolus.kind is BolusKind.BRIDGE and bolus.duration_min > MINUTES_PER_DAY
    treatments.check_bolus(replace(bolus, duration_min=MINUTES_PER_DAY) if long_bridge else bolus)
    if long_bridge and bolus.duration_min > MAX_BRIDGE_MIN:
        raise InvalidRecordError(
            f"a bridge bolus lasts at most {MAX_BRIDGE_MIN} minutes", "bolus.duration_min"
        )


def write(
    sdb: SqliteDatabase,
    patient_id: str,
    pump: SimulatedPump,
    *,
    action: str,
    details: Mapping[str, Any],
    user: str,
    now: datetime,
    boluses: Sequence[BolusGivenRecord] = (),
) -> None:
    """Store the pump's state after what was done to it (a transmission, complete or cut off;
    an alarm acknowledged; a bolus given on it; a session undone), with the boluses it gave, and
    the audit entry ``action`` for them."""
    record = patients.read_patient(sdb, patient_id)
    serial = pump.programme.pump.serial
    if record.pump is None or record.pump.serial != serial:
        raise InvalidRecordError(
            f"the simulated pump {serial} is not the pump on record for patient {patient_id}",
            "pump.serial",
        )
    for bolus in boluses:
        check_given(bolus)
    stored = sdb.execute(
        "SELECT state, updated_at FROM simulated_pump WHERE patient_id = ?", [patient_id]
    ).fetchone()
    expected = pump.revision if isinstance(pump, StoredPump) else None
    if stored is not None:
        audit.confirm_row(sdb, "simulated_pump", patient_id, f"the simulated pump of {patient_id}")
    if stored is not None and _revision(stored[0]) != expected:
        raise PumpChangedError(
            f"the pump of patient {patient_id} was changed elsewhere (another window, at "
            f"{stored[1]}) after it was read here: nothing was stored. Interrogate the pump "
            "again and redo this on what it holds now."
        )
    seq = audit.next_seq(sdb)
    rows = [
        treatments.insert_bolus(sdb, patient_id, bolus, user=user, audit_seq=seq)
        for bolus in boluses
    ]
    state = pump.to_json()
    sdb.execute(
        "INSERT INTO simulated_pump (patient_id, serial, state, updated_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (patient_id) DO UPDATE SET serial = excluded.serial, "
        "state = excluded.state, updated_at = excluded.updated_at",
        [patient_id, serial, state, moment_text(now, "now")],
    )
    if isinstance(pump, StoredPump):
        pump.revision = _revision(state)
    full: dict[str, Any] = {**summary(pump), **details}
    if boluses:
        full["boluses"] = [
            {"kind": b.kind.value, "dose_mcg": str(b.dose_mcg), "duration_min": b.duration_min}
            for b in boluses
        ]
    audit.append(
        sdb,
        seq=seq,
        at=now,
        user=user,
        action=action,
        patient_id=patient_id,
        details=full,
        records=[("bolus_given", rowid) for rowid in rows],
    )


def interrogate(
    sdb: SqliteDatabase,
    patient_id: str,
    *,
    user: str,
    now: datetime,
    reference: Reference,
    running_version: int | None = None,
) -> SimulatedPump:
    """Read the pump and log the interrogation. The first interrogation starts the simulated
    pump on the confirmed programme ``running_version`` (else the current one), delivering
    since its fill as the record says."""
    pump = read(sdb, patient_id, now=now, reference=reference)
    started = pump is None
    if pump is None:
        pump = start(sdb, patient_id, now=now, reference=reference, running_version=running_version)
    write(
        sdb,
        patient_id,
        pump,
        action="pump.interrogated",
        details={"started": started},
        user=user,
        now=now,
    )
    return pump


def stopped(sdb: SqliteDatabase) -> list[StoppedPump]:
    """Every patient whose pump has an unfinished programming session, by current name. A pump
    since replaced (another serial on record) is not listed."""
    rows = sdb.execute(
        f"SELECT s.patient_id, {patients.CURRENT_NAME}, s.serial, s.updated_at "
        "FROM simulated_pump s "
        "JOIN patient p ON p.id = s.patient_id "
        "JOIN patient_order o ON o.patient_num = p.num "
        "WHERE json_extract(s.state, '$.session') IS NOT NULL "
        "AND s.serial = (SELECT serial FROM pump WHERE patient_id = s.patient_id "
        "ORDER BY id DESC LIMIT 1) ORDER BY o.sort_key, p.num"
    ).fetchall()
    return [StoppedPump(pid, name, serial, moment_from(at)) for pid, name, serial, at in rows]


def record_bridge_decision(
    sdb: SqliteDatabase,
    patient_id: str,
    refill: RefillRecord,
    *,
    bridge: BolusGivenRecord | None,
    omitted_reason: str,
    user: str,
    now: datetime,
    reference: Reference,
) -> None:
    """With a refill that changes the concentration on record: the bridge bolus given, or the
    typed reason for giving none (domain.md, bridge bolus; the omission is flagged, and recorded
    with its reason). Nothing is written when the concentration stays the same."""
    current = programmes.read_current(sdb, patient_id, reference)
    if current is None:
        return
    old = current.programme.drug.concentration_mcg_per_ml
    if refill.concentration_mcg_per_ml == old:
        if bridge is not None:
            raise InvalidRecordError(
                "a bridge bolus is given only when the concentration changes",
                "refill.bridge_bolus",
            )
        return
    change = {
        "from_mcg_per_ml": str(old),
        "to_mcg_per_ml": str(refill.concentration_mcg_per_ml),
        "refill_at": refill.at.isoformat(),
    }
    seq = audit.next_seq(sdb)
    if bridge is not None:
        check_given(bridge)
        rowid = treatments.insert_bolus(sdb, patient_id, bridge, user=user, audit_seq=seq)
        audit.append(
            sdb,
            seq=seq,
            at=now,
            user=user,
            action="bolus.given",
            patient_id=patient_id,
            details={
                "kind": bridge.kind.value,
                "dose_mcg": str(bridge.dose_mcg),
                "duration_min": bridge.duration_min,
                **change,
            },
            records=[("bolus_given", rowid)],
        )
        return
    if not omitted_reason.strip():
        raise InvalidRecordError(
            "a concentration change without a bridge bolus needs a typed reason",
            "refill.bridge_bolus",
        )
    patients.checked_text(omitted_reason, "refill.bridge_bolus_reason", patients.MAX_REASON)
    audit.append(
        sdb,
        seq=seq,
        at=now,
        user=user,
        action="refill.bridge-bolus-omitted",
        patient_id=patient_id,
        details={"reason": omitted_reason.strip(), **change},
    )


def record_refill_visit(
    sdb: SqliteDatabase,
    patient_id: str,
    refill: RefillRecord,
    *,
    bridge: BolusGivenRecord | None,
    omitted_reason: str,
    user: str,
    now: datetime,
    reference: Reference,
) -> None:
    """A refill (:func:`db.treatments.record_refill`) and, when it changes the concentration on
    record, the bridge bolus given or the typed reason for giving none
    (:func:`record_bridge_decision`), in the caller's one write transaction."""
    treatments.record_refill(
        sdb,
        patient_id,
        refill,
        user=user,
        now=now,
        catalogue=reference.catalogue,
        library=reference.library,
    )
    record_bridge_decision(
        sdb,
        patient_id,
        refill,
        bridge=bridge,
        omitted_reason=omitted_reason,
        user=user,
        now=now,
        reference=reference,
    )
