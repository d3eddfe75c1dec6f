"""Programme versions: immutable rows numbered per patient, each with the canonical programme text,
its exact daily dose and flow, the findings it was checked with and the reasons typed for them.

The rules a save must pass live in :meth:`db.database.Database.save_programme`; this module
reads and writes the rows.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from typing import Any, NoReturn

from sqlite_utils import Database as SqliteDatabase

from db.errors import (
    ConflictError,
    DatabaseError,
    HardFindingError,
    InvalidRecordError,
    MissingAcknowledgementError,
    UnknownVersionError,
)
from db.patients import MAX_REASON, checked_text
from db.records import ProgrammeVersion
from db.values import fraction_from, fraction_text, moment_from, moment_text
from programmer.drug_library import DrugLibrary
from programmer.errors import ProgrammeFileError
from programmer.findings import Code, Finding, Severity
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
