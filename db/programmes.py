"""Programme versions: immutable rows numbered per patient, each with the canonical programme text,
its exact daily dose and flow, the findings it was checked with and the reasons typed for them.

The rules a save must pass live here too (:func:`save`, which
:meth:`db.database.Database.save_programme` calls in its write transaction).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from typing import Any, NoReturn

from sqlite_utils import Database as SqliteDatabase

from db import audit, audited, compounded, patients
from db.errors import (
    ConflictError,
    DatabaseError,
    HardFindingError,
    InvalidRecordError,
    MissingAcknowledgementError,
    UnknownVersionError,
)
from db.patients import MAX_REASON, checked_text
from db.records import ProgrammeVersion, PumpRecord
from db.values import fraction_from, fraction_text, moment_from, moment_text
from programmer.check_context import CheckContext
from programmer.drug_library import DrugLibrary
from programmer.errors import ProgrammeFileError
from programmer.finding import Code, Finding, Severity
from programmer.findings import CheckResult, check_programme
from programmer.programme import Programme
from programmer.programme_file import dumps, loads
from programmer.pump_catalogue import PumpCatalogue

_COLUMNS = (
    "patient_id, number, programme_json, daily_dose_mcg, flow_ml_per_day, library_version, "
    "catalogue_version, findings, acknowledgements, saved_by, saved_at, reason, confirmed, "
    "based_on"
)


@dataclass(frozen=True, slots=True)
class Reference:
    """The pump catalogue and drug library stored programmes are read with."""

    catalogue: PumpCatalogue
    library: DrugLibrary


def acknowledgement_key(finding: Finding) -> str:
    """The key a soft finding's typed reason is filed under: ``"CODE@field"``."""
    return f"{finding.code.value}@{finding.field}"


def canonical_text(programme: Programme, reference: Reference) -> str:
    """The programme's canonical file text, refused if the file could not hold the programme
    exactly (a value the format refuses, or one it would round, such as seconds in a time):
    what is stored must export and re-import as the very same programme."""
    text = dumps(programme)
    try:
        again = loads(text, catalogue=reference.catalogue, library=reference.library)
    except ProgrammeFileError as exc:
        raise InvalidRecordError(f"the programme cannot be saved: {exc}") from None
    if again != programme:
        raise InvalidRecordError(
            "the programme holds a value the programme file cannot represent exactly (times "
            "are whole minutes, numbers at most 6 decimals); nothing was saved"
        )
    return text


def latest_number(sdb: SqliteDatabase, patient_id: str) -> int | None:
    row = sdb.execute(
        "SELECT max(number) FROM programme_version WHERE patient_id = ?", [patient_id]
    ).fetchone()
    return None if row[0] is None else int(row[0])


def insert(
    sdb: SqliteDatabase,
    *,
    patient_id: str,
    number: int,
    based_on: int | None,
    text: str,
    programme: Programme,
    daily_dose_mcg: Fraction,
    flow_ml_per_day: Fraction,
    library_version: str,
    catalogue_version: str,
    findings: tuple[Finding, ...],
    acknowledgements: Mapping[str, str],
    user: str,
    now: datetime,
    reason: str,
    confirmed: bool,
    audit_seq: int,
) -> int:
    cursor = sdb.execute(
        "INSERT INTO programme_version (patient_id, number, based_on, programme_json, mode, "
        "daily_dose_mcg, flow_ml_per_day, library_version, catalogue_version, findings, "
        "acknowledgements, saved_by, saved_at, reason, confirmed, audit_seq) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            patient_id,
            number,
            based_on,
            text,
            programme.mode.value,
            fraction_text(daily_dose_mcg),
            fraction_text(flow_ml_per_day),
            library_version,
            catalogue_version,
            json.dumps([f.as_json() for f in findings], ensure_ascii=False),
            json.dumps(dict(acknowledgements), ensure_ascii=False, sort_keys=True),
            user,
            moment_text(now, "now"),
            reason,
            int(confirmed),
            audit_seq,
        ],
    )
    return int(cursor.lastrowid or 0)


def _finding(data: dict[str, Any]) -> Finding:
    return Finding(Code(data["code"]), data["message"], data["field"])


def _version(row: tuple[Any, ...], reference: Reference) -> ProgrammeVersion:
    (
        patient_id,
        number,
        text,
        dose,
        flow,
        library_version,
        catalogue_version,
        findings,
        acknowledgements,
        saved_by,
        saved_at,
        reason,
        confirmed,
        based_on,
    ) = row
    try:
        programme = loads(text, catalogue=reference.catalogue, library=reference.library)
    except ProgrammeFileError as exc:
        # The file format checks drug and pump against the reference data: a version saved
        # under an older catalogue may name a model this one no longer has.
        raise DatabaseError(
            f"version {number} of patient {patient_id} cannot be read with this program's pump "
            f"catalogue and drug library ({exc}); export it with the console that saved it"
        ) from None
    return ProgrammeVersion(
        patient_id=patient_id,
        number=number,
        programme=programme,
        programme_json=text,
        daily_dose_mcg=fraction_from(dose),
        flow_ml_per_day=fraction_from(flow),
        library_version=library_version,
        catalogue_version=catalogue_version,
        findings=tuple(_finding(f) for f in json.loads(findings)),
        acknowledgements=dict(json.loads(acknowledgements)),
        saved_by=saved_by,
        saved_at=moment_from(saved_at),
        reason=reason,
        confirmed=bool(confirmed),
        based_on=based_on,
    )


def read(
    sdb: SqliteDatabase, patient_id: str, number: int, reference: Reference
) -> ProgrammeVersion:
    row = sdb.execute(
        f"SELECT {_COLUMNS} FROM programme_version WHERE patient_id = ? AND number = ?",
        [patient_id, number],
    ).fetchone()
    if row is None:
        raise UnknownVersionError(f"patient {patient_id} has no programme version {number}")
    return _version(row, reference)


def read_all(sdb: SqliteDatabase, patient_id: str, reference: Reference) -> list[ProgrammeVersion]:
    rows = sdb.execute(
        f"SELECT {_COLUMNS} FROM programme_version WHERE patient_id = ? ORDER BY number",
        [patient_id],
    ).fetchall()
    return [_version(row, reference) for row in rows]


def read_current(
    sdb: SqliteDatabase, patient_id: str, reference: Reference
) -> ProgrammeVersion | None:
    """The newest confirmed version: the programme the patient's pump runs."""
    row = sdb.execute(
        f"SELECT {_COLUMNS} FROM programme_version WHERE patient_id = ? AND confirmed = 1 "
        "ORDER BY number DESC LIMIT 1",
        [patient_id],
    ).fetchone()
    return None if row is None else _version(row, reference)


def read_latest(
    sdb: SqliteDatabase, patient_id: str, reference: Reference
) -> ProgrammeVersion | None:
    """The newest version, confirmed or not: the one a new save must be based on."""
    number = latest_number(sdb, patient_id)
    return None if number is None else read(sdb, patient_id, number, reference)


def acknowledged(
    findings: tuple[Finding, ...], acknowledgements: Mapping[str, str]
) -> dict[str, str]:
    """The typed reasons for the soft findings, or a refusal naming what is still missing.
    Reasons given for findings the programme does not have are not stored."""
    hard = tuple(f for f in findings if f.severity is Severity.HARD)
    if hard:
        raise HardFindingError(
            f"The programme cannot be saved: {len(hard)} hard finding(s). {hard[0].message}",
            hard,
        )
    soft = [f for f in findings if f.severity is Severity.SOFT]
    missing = tuple(
        f for f in soft if not str(acknowledgements.get(acknowledgement_key(f), "")).strip()
    )
    if missing:
        raise MissingAcknowledgementError(
            f"{len(missing)} warning(s) need a typed reason before saving: "
            + "; ".join(f"{f.code.value} ({f.field})" for f in missing),
            missing,
        )
    acks: dict[str, str] = {}
    for f in soft:
        key = acknowledgement_key(f)
        reason = acknowledgements[key]
        checked_text(reason, f"acknowledgements[{key}]", MAX_REASON, blank_ok=True)
        acks[key] = reason
    return acks


def refuse_conflict(
    sdb: SqliteDatabase,
    patient_id: str,
    base: int | None,
    latest: int | None,
    reference: Reference,
) -> NoReturn:
    """A save based on ``base`` while ``latest`` is the newest version: refused, naming who
    saved the newer one (:class:`ConflictError`); no base at all is an invalid record."""
    if latest is None:
        raise InvalidRecordError(
            f"patient {patient_id} has no saved programme, so there is no version {base} "
            "to base this one on",
            "base_version",
        )
    newest = read(sdb, patient_id, latest, reference)
    started = "a new programme" if base is None else f"version {base}"
    raise ConflictError(
        f"Version {latest} of {patient_id}'s programme was saved by {newest.saved_by} at "
        f"{newest.saved_at:%Y-%m-%d %H:%M} after this edit began from {started}. Nothing "
        "was overwritten: compare with the newest version and make the change again.",
        newest,
    )


def checked_for_save(
    programme: Programme, *, user: str, reason: str, now: datetime, reference: Reference
) -> tuple[str, PumpRecord]:
    """What a save checks before it takes the write lock: who and when, the reason, the
    programme's canonical text, the patient and the pump (its record and the catalogue)."""
    audited.check_user(user, now)
    checked_text(reason, "reason", MAX_REASON)
    text = canonical_text(programme, reference)
    patients.check_patient(programme.patient, now.date())
    pump_record = patients.pump_record_from_programme(programme.pump)
    patients.check_pump(pump_record, programme.patient, reference.catalogue)
    return text, pump_record


def save(
    sdb: SqliteDatabase,
    programme: Programme,
    *,
    text: str,
    pump_record: PumpRecord,
    base_version: int | None,
    user: str,
    reason: str,
    acknowledgements: Mapping[str, str],
    now: datetime,
    confirmed: bool,
    reference: Reference,
    context: Callable[[DrugLibrary], CheckContext],
    insert_patient: Callable[[PumpRecord], None],
) -> ProgrammeVersion:
    """Store ``programme`` (checked by :func:`checked_for_save` into ``text`` and
    ``pump_record``) as the patient's next version, with its audit entry, in the caller's write
    transaction. ``base_version`` is the number of the newest version the editor started from
    (None for a patient's first programme); if another has been saved since, the save is
    refused with :class:`ConflictError` rather than silently replacing it.

    The programme is checked here with the engine's :func:`check_programme` against
    ``context(library)`` (the patient's check context, with the library ``reference`` holds,
    the one checked and recorded): a hard finding refuses it (:class:`HardFindingError`), and
    each soft finding needs a non-blank reason under ``acknowledgement_key(finding)``
    (:class:`MissingAcknowledgementError`). A patient or pump not yet in the database is
    created from the programme with ``insert_patient(pump_record)`` (the import path); one that
    differs from the stored record is refused (:class:`RecordMismatchError`)."""
    patient_id = programme.patient.id
    library = reference.library
    latest = latest_number(sdb, patient_id)
    if base_version != latest:
        refuse_conflict(sdb, patient_id, base_version, latest, reference)
    known, current_pump = patients.check_programme_matches(sdb, programme.patient, programme.pump)
    if not known:
        insert_patient(pump_record)
    result: CheckResult = check_programme(programme, context(library), now=now)
    acks = acknowledged(result.findings, acknowledgements)
    seq = audit.next_seq(sdb)
    records: list[tuple[str, int]] = []
    if current_pump is not None and (
        current_pump.replace_by != programme.pump.replace_by
        or current_pump.low_reservoir_alarm_ml != programme.pump.low_reservoir_alarm_ml
    ):
        # The programme changes the pump's record (a new low-reservoir alarm, or a corrected
        # replace-by date): a new revision row, the old one kept.
        revised = current_pump.revised_by(programme.pump)
        records.append(
            (
                "pump",
                patients.insert_pump(sdb, patient_id, revised, user=user, now=now, audit_seq=seq),
            )
        )
    number = (latest or 0) + 1
    projection = result.projection
    try:
        rowid = insert(
            sdb,
            patient_id=patient_id,
            number=number,
            based_on=base_version,
            text=text,
            programme=programme,
            daily_dose_mcg=projection.daily_dose_mcg,
            flow_ml_per_day=projection.flow_ml_per_day,
            library_version=library.version,
            catalogue_version=reference.catalogue.version,
            findings=result.findings,
            acknowledgements=acks,
            user=user,
            now=now,
            reason=reason,
            confirmed=confirmed,
            audit_seq=seq,
        )
    except sqlite3.IntegrityError as exc:
        # Only reachable if the check above was bypassed: the UNIQUE (patient, number)
        # constraint is the last line against two saves of the same number.
        if "UNIQUE" in str(exc) or "follow on" in str(exc):
            refuse_conflict(sdb, patient_id, base_version, number, reference)
        raise
    records.append(("programme_version", rowid))
    audit.append(
        sdb,
        seq=seq,
        at=now,
        user=user,
        action="programme.saved" if confirmed else "programme.drafted",
        patient_id=patient_id,
        details={
            "version": number,
            "based_on": base_version,
            "reason": reason,
            "mode": programme.mode.value,
            "daily_dose_mcg": str(projection.daily_dose_mcg),
            "library_version": library.version,
            "overrides": [
                {"code": f.code.value, "field": f.field, "reason": acks[key]}
                for f in result.findings
                if (key := acknowledgement_key(f)) in acks
            ],
            **compounded.save_audit_words(sdb, programme, library),
        },
        records=records,
    )
    return read(sdb, patient_id, number, reference)
