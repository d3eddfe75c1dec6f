"""The audited changes to a patient's record: a new patient, a replaced pump, and corrections of
the record, of the pump in place and of its catheter.

Each change is checked as at creation, stored as a new row (the earlier ones kept: a record is
never rewritten) and audited with what changed, in the caller's write transaction
(:meth:`db.database.Database._write`). The ``check_*`` functions hold what can be refused before
a transaction is taken; the rest needs the stored record.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from decimal import Decimal

from sqlite_utils import Database as SqliteDatabase

from db import audit, audited, patients
from db.errors import InvalidRecordError, PatientExistsError
from db.patients import MAX_DIAGNOSIS, MAX_NOTES, MAX_REASON, checked_text
from db.records import PatientRecord, PumpRecord
from programmer.lookalikes import patient_id_problem
from programmer.programme import Patient
from programmer.pump_catalogue import PumpCatalogue


def check_new(
    patient: Patient,
    pump: PumpRecord,
    *,
    diagnosis: str,
    notes: str,
    user: str,
    now: datetime,
    catalogue: PumpCatalogue,
) -> None:
    """What a new patient is refused for before anything is read: who and when, the record,
    the pump against the catalogue, the free texts."""
    audited.check_user(user, now)
    patients.check_patient(patient, now.date())
    patients.check_pump(pump, patient, catalogue)
    checked_text(diagnosis, "diagnosis", MAX_DIAGNOSIS, blank_ok=True)
    checked_text(notes, "notes", MAX_NOTES, blank_ok=True)


def create(
    sdb: SqliteDatabase,
    patient: Patient,
    pump: PumpRecord,
    *,
    diagnosis: str,
    notes: str,
    user: str,
    now: datetime,
) -> None:
    """A new patient with the pump in place (checked by :func:`check_new`), its first rows and
    their audit entry ("patient.created"); refused if the id is taken, reads like a stored one
    or is not plain ASCII (programmer/lookalikes.py: "МRN-0042" with a Cyrillic "М" would be a
    second record looking like "MRN-0042" that a search for it does not find). Ids stored
    before that rule stay as they are. Also the first save of a
    programme for a patient not yet stored (:func:`db.programmes.save`)."""
    problem = patient_id_problem(patient.id)
    if problem is not None:
        raise InvalidRecordError(problem, "patient.id")
    if patients.exists(sdb, patient.id):
        raise PatientExistsError(
            f"a patient with id '{patient.id}' is already in the database; open that "
            "record, or check the id"
        )
    twin = patients.id_reading_as(sdb, patient.id)
    if twin is not None:
        raise PatientExistsError(
            f"the id '{patient.id}' reads the same as '{twin}', the id of a patient already in "
            "the database (a different case or a look-alike letter): open that record, or "
            "check the id"
        )
    seq = audit.next_seq(sdb)
    num = patients.insert_patient(
        sdb, patient, diagnosis=diagnosis, notes=notes, now=now, audit_seq=seq
    )
    pump_id = patients.insert_pump(sdb, patient.id, pump, user=user, now=now, audit_seq=seq)
    audit.append(
        sdb,
        seq=seq,
        at=now,
        user=user,
        action="patient.created",
        patient_id=patient.id,
        details={"name": patient.name, "pump": f"{pump.model} {pump.serial}"},
        records=[("patient", num), ("pump", pump_id)],
    )


def replace_pump(
    sdb: SqliteDatabase,
    patient_id: str,
    pump: PumpRecord,
    *,
    user: str,
    now: datetime,
    catalogue: PumpCatalogue,
) -> None:
    """A new pump in place of the current one, which stays in the history (its removal date is
    the new pump's implant date): another serial, implanted no earlier than the one it
    replaces."""
    record = patients.read_patient(sdb, patient_id)
    patients.check_pump(pump, record.patient, catalogue)
    old = record.pump
    if old is not None and pump.serial == old.serial:
        raise InvalidRecordError(
            f"is the serial of the pump in place ({old.serial}): a replacement has another serial",
            "pump.serial",
        )
    if old is not None and pump.implanted_on < old.implanted_on:
        raise InvalidRecordError(
            f"is before the current pump's implant date {old.implanted_on}",
            "pump.implanted_on",
        )
    seq = audit.next_seq(sdb)
    pump_id = patients.insert_pump(sdb, patient_id, pump, user=user, now=now, audit_seq=seq)
    audit.append(
        sdb,
        seq=seq,
        at=now,
        user=user,
        action="pump.replaced",
        patient_id=patient_id,
        details={
            "removed": None if old is None else f"{old.model} {old.serial}",
            "implanted": f"{pump.model} {pump.serial}",
        },
        records=[("pump", pump_id)],
    )


def revise_catheter(
    sdb: SqliteDatabase,
    patient_id: str,
    catheter_model: str | None,
    catheter_length_cm: Decimal | None,
    *,
    user: str,
    now: datetime,
    catalogue: PumpCatalogue,
) -> PumpRecord:
    """The implanted catheter of the pump in place corrected (model and implanted length, as
    the priming and bridge boluses need them): a new revision of the pump's record; the
    catheter must connect to the pump's maker."""
    record = patients.read_patient(sdb, patient_id)
    old = record.pump
    if old is None:
        raise InvalidRecordError("no pump is recorded for this patient", "pump")
    revised = dataclasses.replace(
        old,
        catheter_model=catheter_model,
        catheter_length_cm=catheter_length_cm,
        removed_on=None,
    )
    patients.check_pump(revised, record.patient, catalogue)
    fitting = {c.model for c in catalogue.catheters_for(old.model)}
    if catheter_model is not None and catheter_model not in fitting:
        maker = catalogue.pump(old.model).maker
        raise InvalidRecordError(
            f"'{catheter_model}' does not connect to a {maker} pump", "pump.catheter_model"
        )
    seq = audit.next_seq(sdb)
    pump_id = patients.insert_pump(sdb, patient_id, revised, user=user, now=now, audit_seq=seq)
    audit.append(
        sdb,
        seq=seq,
        at=now,
        user=user,
        action="pump.catheter_revised",
        patient_id=patient_id,
        details={"serial": old.serial, "from": _catheter(old), "to": _catheter(revised)},
        records=[("pump", pump_id)],
    )
    return revised


def _catheter(pump: PumpRecord) -> str | None:
    if pump.catheter_model is None:
        return None
    length = "" if pump.catheter_length_cm is None else f", {pump.catheter_length_cm} cm"
    return f"{pump.catheter_model}{length}"


def check_revision(
    patient: Patient, *, diagnosis: str, reason: str, user: str, now: datetime
) -> None:
    """What a correction of the record is refused for before anything is read."""
    audited.check_user(user, now)
    checked_text(reason, "reason", MAX_REASON)
    patients.check_patient(patient, now.date())
    checked_text(diagnosis, "diagnosis", MAX_DIAGNOSIS, blank_ok=True)


def revise_patient(
    sdb: SqliteDatabase,
    patient: Patient,
    *,
    diagnosis: str,
    reason: str,
    user: str,
    now: datetime,
) -> PatientRecord:
    """The record of patient ``patient.id`` corrected (name, birth date, spasticity origin,
    diagnosis; checked by :func:`check_revision`): a new revision, the earlier ones kept, the
    birth date never after a pump's implant. Saved programmes keep the record they were saved
    with; the pending programme takes this one when the patient is next opened
    (ui/record_edit.py), and the next saved version carries it."""
    record = patients.read_patient(sdb, patient.id)
    for pump in record.pumps:
        if pump.implanted_on < patient.birth_date:
            raise InvalidRecordError(
                f"is after the implant of pump {pump.serial} on {pump.implanted_on}",
                "patient.birth_date",
            )
    was = record.patient
    changes = _changes(
        ("name", was.name, patient.name),
        ("birth_date", was.birth_date, patient.birth_date),
        ("spasticity_origin", was.spasticity_origin.value, patient.spasticity_origin.value),
        ("diagnosis", record.diagnosis, diagnosis),
    )
    if not changes:
        raise InvalidRecordError("nothing was changed in the record", "patient")
    seq = audit.next_seq(sdb)
    row = patients.insert_patient_revision(
        sdb,
        patient,
        diagnosis=diagnosis,
        notes=record.notes,
        reason=reason,
        user=user,
        now=now,
        audit_seq=seq,
    )
    audit.append(
        sdb,
        seq=seq,
        at=now,
        user=user,
        action="patient.revised",
        patient_id=patient.id,
        details={"changes": changes, "reason": reason},
        records=[("patient_revision", row)],
    )
    return patients.read_patient(sdb, patient.id)


def check_pump_revision(*, reason: str, user: str, now: datetime) -> None:
    """What a correction of the pump's record is refused for before anything is read."""
    audited.check_user(user, now)
    checked_text(reason, "reason", MAX_REASON)


def revise_pump(
    sdb: SqliteDatabase,
    patient_id: str,
    *,
    serial: str,
    implanted_on: date,
    replace_by: date,
    low_reservoir_alarm_ml: Decimal,
    reason: str,
    user: str,
    now: datetime,
    catalogue: PumpCatalogue,
) -> PumpRecord:
    """The record of the pump in place corrected (serial, implant and replace-by dates,
    low-reservoir alarm; checked by :func:`check_pump_revision`): a new revision of the pump's
    record, the earlier one kept (a corrected serial is named as a revision, not a
    replacement), checked as at creation. A replace-by later than the battery allows is the
    engine's REPLACE_BY_IMPLAUSIBLE, a hard finding of every check of the pending programme
    that takes this record."""
    record = patients.read_patient(sdb, patient_id)
    old = record.pump
    if old is None:
        raise InvalidRecordError("no pump is recorded for this patient", "pump")
    revised = dataclasses.replace(
        old,
        serial=serial,
        implanted_on=implanted_on,
        replace_by=replace_by,
        low_reservoir_alarm_ml=low_reservoir_alarm_ml,
        removed_on=None,
    )
    patients.check_pump(revised, record.patient, catalogue)
    earlier = record.pumps[:-1]
    if any(p.serial == serial for p in earlier):
        raise InvalidRecordError("is the serial of an earlier pump of this patient", "pump.serial")
    if earlier and implanted_on < earlier[-1].implanted_on:
        raise InvalidRecordError(
            f"is before the previous pump's implant date {earlier[-1].implanted_on}",
            "pump.implanted_on",
        )
    changes = _changes(
        ("serial", old.serial, revised.serial),
        ("implanted_on", old.implanted_on, revised.implanted_on),
        ("replace_by", old.replace_by, revised.replace_by),
        ("low_reservoir_alarm_ml", old.low_reservoir_alarm_ml, revised.low_reservoir_alarm_ml),
    )
    if not changes:
        raise InvalidRecordError("nothing was changed in the pump's record", "pump")
    seq = audit.next_seq(sdb)
    pump_id = patients.insert_pump(sdb, patient_id, revised, user=user, now=now, audit_seq=seq)
    records = [("pump", pump_id)]
    if serial != old.serial:
        correction = patients.insert_serial_correction(
            sdb, patient_id, pump_id, old.serial, audit_seq=seq
        )
        records.append(("pump_serial_correction", correction))
    audit.append(
        sdb,
        seq=seq,
        at=now,
        user=user,
        action="pump.revised",
        patient_id=patient_id,
        details={"serial": old.serial, "changes": changes, "reason": reason},
        records=records,
    )
    return revised


def _changes(*fields: tuple[str, object, object]) -> dict[str, dict[str, str]]:
    """The audit entry's "changes": each field whose value differs, from and to as text."""
    return {label: {"from": str(old), "to": str(new)} for label, old, new in fields if old != new}
