"""Patients and their implanted pumps: checks, rows, search and the recent list.

Functions here read or write through an open sqlite-utils database; the caller
(:class:`db.database.Database`) holds the transaction and writes the audit entry.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlite_utils import Database as SqliteDatabase

from db import search
from db.errors import InvalidRecordError, RecordMismatchError, UnknownPatientError
from db.names import refuse_hidden_characters
from db.records import PatientRecord, PatientSummary, ProgrammeVersion, PumpRecord
from db.values import (
    checked_decimal,
    date_from,
    date_text,
    decimal_from,
    decimal_text,
    fraction_from,
    moment_text,
    optional_decimal_from,
    optional_decimal_text,
    optional_moment_from,
)
from programmer.lookalikes import skeleton
from programmer.programme import Patient, Programme, Pump, SpasticityOrigin
from programmer.pump_catalogue import PumpCatalogue

# The same limits as the programme file (programme_file.py: ids 64, names 200 characters), so
# that every stored patient can be exported.
MAX_ID = 64
MAX_NAME = 200
MAX_SERIAL = 64
MAX_NOTES = 20_000
MAX_DIAGNOSIS = 500
MAX_REASON = 2000  # a typed reason: a change, an acknowledgement, a refill or bolus note
MAX_CATHETER_CM = Decimal(300)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_BUT_LINES = re.compile(r"[\x00-\x09\x0b\x0c\x0e-\x1f\x7f]")


def checked_text(value: object, field: str, max_len: int, *, blank_ok: bool = False) -> str:
    """Text a person typed: not empty (unless allowed), not too long, no control characters
    (line breaks only where ``blank_ok``, i.e. in free notes)."""
    if not isinstance(value, str):
        raise InvalidRecordError("must be text", field)
    if not blank_ok and not value.strip():
        raise InvalidRecordError("must not be empty", field)
    if len(value) > max_len:
        raise InvalidRecordError(f"is longer than {max_len} characters", field)
    if (_CONTROL_BUT_LINES if blank_ok else _CONTROL).search(value):
        raise InvalidRecordError("contains control characters", field)
    return value


def check_patient_name(name: object, field: str = "patient.name") -> str:
    """A patient's name, the one check of every path that stores one (the window's form, an
    import, the demonstration and training loaders): text of at most 200 characters with no
    control, format or bidirectional character (db/names.py), so no stored name can pass for
    another one on screen."""
    checked_text(name, field, MAX_NAME)
    assert isinstance(name, str)
    return refuse_hidden_characters(name, field)


def check_patient(patient: Patient, today: date) -> None:
    checked_text(patient.id, "patient.id", MAX_ID)
    refuse_hidden_characters(patient.id, "patient.id")
    if patient.id != patient.id.strip():
        raise InvalidRecordError("must not start or end with a space", "patient.id")
    check_patient_name(patient.name)
    if not isinstance(patient.birth_date, date) or isinstance(patient.birth_date, datetime):
        raise InvalidRecordError("must be a date", "patient.birth_date")
    if patient.birth_date > today:
        raise InvalidRecordError("is in the future", "patient.birth_date")
    if not isinstance(patient.spasticity_origin, SpasticityOrigin):
        raise InvalidRecordError("must be spinal or cerebral", "patient.spasticity_origin")


def check_pump(pump: PumpRecord, patient: Patient, catalogue: PumpCatalogue) -> None:
    if pump.model not in catalogue.pumps:
        known = ", ".join(sorted(catalogue.pumps))
        raise InvalidRecordError(f"'{pump.model}' is not in the pump catalogue ({known})", "pump")
    checked_text(pump.serial, "pump.serial", MAX_SERIAL)
    if pump.replace_by <= pump.implanted_on:
        raise InvalidRecordError("must be after the implant date", "pump.replace_by")
    if pump.implanted_on < patient.birth_date:
        raise InvalidRecordError("is before the patient's birth date", "pump.implanted_on")
    alarm = checked_decimal(
        pump.low_reservoir_alarm_ml, "pump.low_reservoir_alarm_ml", positive=True
    )
    reservoir = catalogue.pump(pump.model).reservoir_ml
    if alarm >= reservoir:
        raise InvalidRecordError(
            f"must be under the {reservoir} mL reservoir", "pump.low_reservoir_alarm_ml"
        )
    if pump.catheter_model is not None and pump.catheter_model not in catalogue.catheters:
        known = ", ".join(sorted(catalogue.catheters))
        raise InvalidRecordError(
            f"'{pump.catheter_model}' is not in the catheter catalogue ({known})",
            "pump.catheter_model",
        )
    if pump.catheter_length_cm is not None:
        length = checked_decimal(pump.catheter_length_cm, "pump.catheter_length_cm", positive=True)
        if length > MAX_CATHETER_CM:
            raise InvalidRecordError(
                f"is longer than any catheter ({MAX_CATHETER_CM} cm)", "pump.catheter_length_cm"
            )
    if pump.removed_on is not None:
        raise InvalidRecordError(
            "a pump being recorded is in place; its removal is recorded by the next pump",
            "pump.removed_on",
        )


def pump_record_from_programme(pump: Pump) -> PumpRecord:
    """The pump record a programme implies, for a patient first met through an imported file."""
    return PumpRecord.from_pump(pump)


def with_record(programme: Programme, record: PatientRecord) -> Programme:
    """``programme`` for the patient and pump as the record stands now: how the editor's
    pending programme follows a corrected record (the saved versions keep what they were saved
    with; the next one saved carries the correction, and every check of it uses it)."""
    pump = record.pump
    if pump is None or pump.model != programme.pump.model:
        return dataclasses.replace(programme, patient=record.patient)
    return dataclasses.replace(
        programme,
        patient=record.patient,
        pump=Pump(
            model=pump.model,
            serial=pump.serial,
            implanted_on=pump.implanted_on,
            replace_by=pump.replace_by,
            low_reservoir_alarm_ml=pump.low_reservoir_alarm_ml,
        ),
    )


def running(sdb: SqliteDatabase, version: ProgrammeVersion) -> Programme:
    """The programme of ``version`` (the patient's current one) as the pump runs it now: with the
    patient and pump record as they stand (:func:`with_record`). A correction of the pump record
    (Pump -> Edit pump record: the replace-by date, the low-reservoir alarm volume) or of the
    patient (the spasticity origin) applies to the programme already running, not only to the
    next one saved: domain.md, "Refill arithmetic" (the refill date is the earliest of the alarm
    date minus a margin, fill + stability, "and the pump's replacement date"). The one rule the
    worklist's figures, the Overview's check and the patient's slip project the current
    programme with."""
    return with_record(version.programme, read_patient(sdb, version.patient_id))


# ---------------------------------------------------------------- writing


# The browser's order and scan text of a patient's current name (db/migrations.py, "patient
# order"): the patient row keeps those of the name it was created with, so they are kept here,
# written with the patient and replaced with each correction, in the same transaction.
PUT_ORDER = (
    "INSERT INTO patient_order (patient_num, sort_key, scan_text) VALUES (?, ?, ?) "
    "ON CONFLICT (patient_num) DO UPDATE SET "
    "sort_key = excluded.sort_key, scan_text = excluded.scan_text"
)


def order_row(num: int, patient: Patient) -> tuple[int, str, str]:
    """Patient ``num``'s row of ``patient_order`` for its current record ``patient``."""
    return (num, search.sort_key(patient.name), search.scan_text(patient.name, patient.id))


def insert_patient(
    sdb: SqliteDatabase,
    patient: Patient,
    *,
    diagnosis: str,
    notes: str,
    now: datetime,
    audit_seq: int,
) -> int:
    """The patient's row, its search entry and its place in the browser's order; returns the
    row id. The row's own ``sort_key`` and ``scan_text`` stay those of the name at creation
    (the row never changes): nothing orders or scans by them."""
    cursor = sdb.execute(
        "INSERT INTO patient (id, name, birth_date, spasticity_origin, diagnosis, notes, "
        "sort_key, scan_text, created_at, audit_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            patient.id,
            patient.name,
            date_text(patient.birth_date),
            patient.spasticity_origin.value,
            diagnosis,
            notes,
            search.sort_key(patient.name),
            search.scan_text(patient.name, patient.id),
            moment_text(now, "now"),
            audit_seq,
        ],
    )
    num = int(cursor.lastrowid or 0)
    sdb.execute(
        "INSERT INTO patient_search (rowid, name, ident) VALUES (?, ?, ?)",
        [num, search.name_terms(patient.name), search.id_terms(patient.id)],
    )
    sdb.execute(PUT_ORDER, order_row(num, patient))
    return num


def insert_pump(
    sdb: SqliteDatabase,
    patient_id: str,
    pump: PumpRecord,
    *,
    user: str,
    now: datetime,
    audit_seq: int,
) -> int:
    cursor = sdb.execute(
        "INSERT INTO pump (patient_id, model, serial, implanted_on, replace_by, catheter_model, "
        "catheter_length_cm, low_reservoir_alarm_ml, recorded_at, recorded_by, audit_seq) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            patient_id,
            pump.model,
            pump.serial,
            date_text(pump.implanted_on),
            date_text(pump.replace_by),
            pump.catheter_model,
            optional_decimal_text(pump.catheter_length_cm),
            decimal_text(pump.low_reservoir_alarm_ml),
            moment_text(now, "now"),
            user,
            audit_seq,
        ],
    )
    return int(cursor.lastrowid or 0)


def insert_patient_revision(
    sdb: SqliteDatabase,
    patient: Patient,
    *,
    diagnosis: str,
    notes: str,
    reason: str,
    user: str,
    now: datetime,
    audit_seq: int,
) -> int:
    """A corrected record of ``patient`` (its id unchanged), the newest being the record; its
    search entry and its place in the browser's order follow the corrected name. Returns the
    row id."""
    was = read_patient(sdb, patient.id).patient
    cursor = sdb.execute(
        "INSERT INTO patient_revision (patient_id, name, birth_date, spasticity_origin, "
        "diagnosis, notes, reason, revised_at, revised_by, audit_seq) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            patient.id,
            patient.name,
            date_text(patient.birth_date),
            patient.spasticity_origin.value,
            diagnosis,
            notes,
            reason,
            moment_text(now, "now"),
            user,
            audit_seq,
        ],
    )
    num = patient_num(sdb, patient.id)
    # The search index is contentless: an entry is removed by giving back what it indexed.
    sdb.execute(
        "INSERT INTO patient_search (patient_search, rowid, name, ident) "
        "VALUES ('delete', ?, ?, ?)",
        [num, search.name_terms(was.name), search.id_terms(patient.id)],
    )
    sdb.execute(
        "INSERT INTO patient_search (rowid, name, ident) VALUES (?, ?, ?)",
        [num, search.name_terms(patient.name), search.id_terms(patient.id)],
    )
    sdb.execute(PUT_ORDER, order_row(num, patient))
    sdb.execute("INSERT OR IGNORE INTO worklist_stale (patient_id) VALUES (?)", [patient.id])
    return int(cursor.lastrowid or 0)


def insert_serial_correction(
    sdb: SqliteDatabase, patient_id: str, pump_row: int, corrects_serial: str, *, audit_seq: int
) -> int:
    """Name pump row ``pump_row`` as a revision of the pump recorded as ``corrects_serial``."""
    cursor = sdb.execute(
        "INSERT INTO pump_serial_correction (patient_id, pump_row, corrects_serial, audit_seq) "
        "VALUES (?, ?, ?, ?)",
        [patient_id, pump_row, corrects_serial, audit_seq],
    )
    return int(cursor.lastrowid or 0)


def mark_opened(sdb: SqliteDatabase, patient_id: str, now: datetime) -> None:
    """The patient was opened at ``now``: first in the recent list, by the next opening number
    (a simulated clock may give every opening the same time)."""
    num = patient_num(sdb, patient_id)
    sdb.execute(
        "INSERT INTO patient_opened (patient_num, opened_at, opened_seq) VALUES (?, ?, "
        "(SELECT coalesce(max(opened_seq), 0) + 1 FROM patient_opened)) "
        "ON CONFLICT (patient_num) DO UPDATE SET opened_at = excluded.opened_at, "
        "opened_seq = excluded.opened_seq",
        [num, moment_text(now, "now")],
    )


# ---------------------------------------------------------------- reading


def patient_num(sdb: SqliteDatabase, patient_id: str) -> int:
    row = sdb.execute("SELECT num FROM patient WHERE id = ?", [patient_id]).fetchone()
    if row is None:
        raise UnknownPatientError(f"no patient with id '{patient_id}' in this database")
    return int(row[0])


def exists(sdb: SqliteDatabase, patient_id: str) -> bool:
    return sdb.execute("SELECT 1 FROM patient WHERE id = ?", [patient_id]).fetchone() is not None


def id_reading_as(sdb: SqliteDatabase, patient_id: str) -> str | None:
    """The stored patient id that reads the same as ``patient_id`` (the same skeleton,
    programmer/lookalikes.py: another case, a look-alike letter), or None."""
    look = skeleton(patient_id)
    for (stored,) in sdb.execute("SELECT id FROM patient").fetchall():
        if skeleton(stored) == look:
            return str(stored)
    return None


def _patient(row: tuple[Any, ...]) -> Patient:
    pid, name, birth, origin = row
    return Patient(
        id=pid, name=name, birth_date=date_from(birth), spasticity_origin=SpasticityOrigin(origin)
    )


# The patient's record as it stands: the newest revision (db/migrations.py, record
# corrections), or the row written at creation when it was never corrected.
_CURRENT_RECORD = """
SELECT id, name, birth_date, spasticity_origin, diagnosis, notes FROM (
    SELECT patient_id AS id, name, birth_date, spasticity_origin, diagnosis, notes, id AS rank
    FROM patient_revision WHERE patient_id = :id
    UNION ALL
    SELECT id, name, birth_date, spasticity_origin, diagnosis, notes, 0 AS rank
    FROM patient WHERE id = :id
) ORDER BY rank DESC LIMIT 1
"""

# The current name of patient ``p`` in a query over the patient table.
CURRENT_NAME = (
    "coalesce((SELECT r.name FROM patient_revision r WHERE r.patient_id = p.id "
    "ORDER BY r.id DESC LIMIT 1), p.name)"
)


def _has_corrections(sdb: SqliteDatabase) -> bool:
    """False on a file from before the record corrections' schema (a test's older schema)."""
    return (
        sdb.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'patient_revision'"
        ).fetchone()
        is not None
    )


def _current_row(sdb: SqliteDatabase, patient_id: str) -> tuple[Any, ...] | None:
    if not _has_corrections(sdb):
        row = sdb.execute(
            "SELECT id, name, birth_date, spasticity_origin, diagnosis, notes FROM patient "
            "WHERE id = ?",
            [patient_id],
        ).fetchone()
    else:
        row = sdb.execute(_CURRENT_RECORD, {"id": patient_id}).fetchone()
    return None if row is None else tuple(row)


def read_patient(sdb: SqliteDatabase, patient_id: str) -> PatientRecord:
    """The patient's record as last corrected, with every pump."""
    row = _current_row(sdb, patient_id)
    if row is None:
        raise UnknownPatientError(f"no patient with id '{patient_id}' in this database")
    history = pumps(sdb, patient_id)
    return PatientRecord(
        patient=_patient(row[:4]),
        diagnosis=row[4],
        notes=row[5],
        pump=history[-1] if history else None,
        pumps=tuple(history),
    )


def pumps(sdb: SqliteDatabase, patient_id: str) -> list[PumpRecord]:
    """Every pump the patient has had, oldest first, each as last recorded; a pump's
    ``removed_on`` is the implant date of the one that replaced it."""
    latest: dict[str, PumpRecord] = {}
    # Rows revising the pump of another serial (a corrected serial), not replacing it.
    corrects = (
        dict(
            sdb.execute(
                "SELECT pump_row, corrects_serial FROM pump_serial_correction WHERE patient_id = ?",
                [patient_id],
            ).fetchall()
        )
        if _has_corrections(sdb)
        else {}
    )
    for row in sdb.execute(
        "SELECT id, model, serial, implanted_on, replace_by, catheter_model, catheter_length_cm, "
        "low_reservoir_alarm_ml FROM pump WHERE patient_id = ? ORDER BY id",
        [patient_id],
    ):
        row_id, model, serial, implanted, replace_by, catheter, length, alarm = row
        latest.pop(corrects.get(row_id, serial), None)
        latest.pop(serial, None)  # re-inserted so that order follows the latest revision
        latest[serial] = PumpRecord(
            model=model,
            serial=serial,
            implanted_on=date_from(implanted),
            replace_by=date_from(replace_by),
            catheter_model=catheter,
            catheter_length_cm=optional_decimal_from(length),
            low_reservoir_alarm_ml=decimal_from(alarm),
        )
    ordered = list(latest.values())
    return [
        PumpRecord(
            model=p.model,
            serial=p.serial,
            implanted_on=p.implanted_on,
            replace_by=p.replace_by,
            catheter_model=p.catheter_model,
            catheter_length_cm=p.catheter_length_cm,
            low_reservoir_alarm_ml=p.low_reservoir_alarm_ml,
            removed_on=ordered[i + 1].implanted_on if i + 1 < len(ordered) else None,
        )
        for i, p in enumerate(ordered)
    ]


def check_programme_matches(
    sdb: SqliteDatabase, patient: Patient, pump: Pump
) -> tuple[bool, PumpRecord | None]:
    """Refuse a programme whose patient details differ from the stored patient's, or whose pump
    is not the one in place (a wrong-patient file, or a replacement not yet recorded).
    Returns (patient exists, the stored current pump)."""
    row = _current_row(sdb, patient.id)
    if row is None:
        return False, None
    stored = _patient(row[:4])
    for label, theirs, ours in (
        ("name", patient.name, stored.name),
        ("birth date", patient.birth_date, stored.birth_date),
        ("spasticity origin", patient.spasticity_origin.value, stored.spasticity_origin.value),
    ):
        if theirs != ours:
            raise RecordMismatchError(
                f"the programme is for patient {patient.id} with {label} '{theirs}', but the "
                f"stored patient {patient.id} has '{ours}'. It may be another patient's "
                "programme: check the patient, and correct the file or the record."
            )
    history = pumps(sdb, patient.id)
    current = history[-1] if history else None
    if current is not None and (
        current.serial != pump.serial
        or current.model != pump.model
        or current.implanted_on != pump.implanted_on
    ):
        raise RecordMismatchError(
            f"the programme is for pump {pump.model} serial {pump.serial} implanted "
            f"{pump.implanted_on}, but patient {patient.id}'s recorded pump is {current.model} "
            f"serial {current.serial} implanted {current.implanted_on}. Record the pump "
            "replacement first, or check that this is the right patient's programme."
        )
    return True, current


_SUMMARY_COLUMNS = f"""
    p.id, {CURRENT_NAME},
    coalesce((SELECT r.birth_date FROM patient_revision r WHERE r.patient_id = p.id
              ORDER BY r.id DESC LIMIT 1), p.birth_date),
    coalesce((SELECT r.spasticity_origin FROM patient_revision r WHERE r.patient_id = p.id
              ORDER BY r.id DESC LIMIT 1), p.spasticity_origin),
    (SELECT model FROM pump WHERE pump.patient_id = p.id ORDER BY pump.id DESC LIMIT 1),
    (SELECT daily_dose_mcg FROM programme_version v
      WHERE v.patient_id = p.id AND v.confirmed = 1 ORDER BY v.number DESC LIMIT 1),
    o.opened_at
"""


def _summary(row: tuple[Any, ...]) -> PatientSummary:
    pid, name, birth, origin, model, dose, opened = row
    return PatientSummary(
        id=pid,
        name=name,
        birth_date=date_from(birth),
        spasticity_origin=origin,
        pump_model=model,
        daily_dose_mcg=None if dose is None else float(fraction_from(dose)),
        last_opened_at=optional_moment_from(opened),
    )


def search_patients(sdb: SqliteDatabase, text: str, limit: int) -> list[PatientSummary]:
    """Patients whose name or id words start with the typed words: the patient whose id is
    exactly what was typed first, then by name. Only the page's rows get their pump and dose
    looked up."""
    query = search.match_query(text)
    if query is None or limit <= 0:
        return []
    exact = sdb.execute(
        "SELECT num FROM patient WHERE id = ? COLLATE NOCASE ORDER BY num LIMIT 1", [text.strip()]
    ).fetchone()
    # How common the typed words are, counted only up to the point where it matters.
    matches = sdb.execute(
        "SELECT count(*) FROM (SELECT rowid FROM patient_search WHERE patient_search MATCH ? "
        "LIMIT ?)",
        [query, search.COMMON_MATCHES],
    ).fetchone()[0]
    page: list[tuple[int]] = []
    if matches >= search.COMMON_MATCHES:
        patterns = search.like_patterns(text)
        where = " AND ".join("scan_text LIKE ?" for _ in patterns)
        page = sdb.execute(
            f"""
            SELECT patient_num FROM patient_order INDEXED BY patient_order_by_name
            WHERE {where} AND sort_key <= (
                SELECT sort_key FROM patient_order INDEXED BY patient_order_by_name
                ORDER BY sort_key, patient_num LIMIT 1 OFFSET ?
            )
            ORDER BY sort_key, patient_num LIMIT ?
            """,
            [*patterns, search.SCAN_ROWS, limit + 1],
        ).fetchall()
    if len(page) <= limit:  # not common enough in the first names: sort the index matches
        page = sdb.execute(
            "SELECT o.patient_num FROM patient_search s "
            "JOIN patient_order o ON o.patient_num = s.rowid "
            "WHERE patient_search MATCH ? ORDER BY o.sort_key, o.patient_num LIMIT ?",
            [query, limit + 1],
        ).fetchall()
    nums = [int(row[0]) for row in page]
    if exact is not None:
        nums = [int(exact[0]), *(n for n in nums if n != exact[0])]
    return _summaries(sdb, nums[:limit])


def first_patients(sdb: SqliteDatabase, limit: int) -> list[PatientSummary]:
    """The first ``limit`` patients by current name (the browser's list before anything is
    typed)."""
    rows = sdb.execute(
        "SELECT patient_num FROM patient_order INDEXED BY patient_order_by_name "
        "ORDER BY sort_key, patient_num LIMIT ?",
        [max(limit, 0)],
    ).fetchall()
    return _summaries(sdb, [int(row[0]) for row in rows])


def _summaries(sdb: SqliteDatabase, nums: list[int]) -> list[PatientSummary]:
    """The browser lines of patients ``nums``, in that order."""
    if not nums:
        return []
    marks = ", ".join("?" for _ in nums)
    rows = sdb.execute(
        f"""
        SELECT p.num, {_SUMMARY_COLUMNS}
        FROM patient p LEFT JOIN patient_opened o ON o.patient_num = p.num
        WHERE p.num IN ({marks})
        """,
        nums,
    ).fetchall()
    by_num = {row[0]: _summary(row[1:]) for row in rows}
    return [by_num[n] for n in nums]


def recent_patients(sdb: SqliteDatabase, limit: int) -> list[PatientSummary]:
    rows = sdb.execute(
        f"""
        SELECT {_SUMMARY_COLUMNS}
        FROM patient_opened o CROSS JOIN patient p ON p.num = o.patient_num
        ORDER BY o.opened_seq DESC
        LIMIT ?
        """,
        [max(limit, 0)],
    ).fetchall()
    return [_summary(row) for row in rows]
