"""What was done to the patient, as distinct from what was programmed: refills, boluses given
and screening trials (issue 3, "What it holds"). Rows are checked here, written (each with its audit
entry, in the caller's write transaction: :mod:`db.database`) and read here."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlite_utils import Database as SqliteDatabase

from db import audited, compounded, patients
from db.errors import HardFindingError, InvalidRecordError, MissingAcknowledgementError
from db.patients import MAX_REASON, checked_text
from db.records import (
    BolusGivenRecord,
    BolusKind,
    PumpRecord,
    RefillRecord,
    ScreeningRecord,
    ScreeningResponse,
)
from db.values import (
    checked_decimal,
    decimal_from,
    decimal_text,
    moment_from,
    moment_text,
    optional_decimal_from,
    optional_decimal_text,
)
from programmer.drug_library import DrugLibrary
from programmer.finding import Code, Severity
from programmer.pump_catalogue import PumpCatalogue
from programmer.refill import RefillFigures, refill_findings

# ---------------------------------------------------------------- refills


def check_refill(
    refill: RefillRecord,
    pump: PumpRecord,
    catalogue: PumpCatalogue,
    library: DrugLibrary,
    confirmed: Collection[Decimal] = frozenset(),
) -> None:
    """The storage layer's own guard on a refill record (domain.md, "Refill arithmetic"): the
    new volume fits the reservoir, the concentration is a library one (or one of ``confirmed``,
    the patient's confirmed compounded concentrations of the drug; never a screening one), and
    a discrepancy over the pump's limit carries a typed reason. The window computes the expected
    residual with the engine and shows the same finding first; this refuses a record that
    skipped that step."""
    for name in ("expected_residual_ml", "measured_residual_ml"):
        checked_decimal(getattr(refill, name), f"refill.{name}")
    volume = checked_decimal(refill.volume_added_ml, "refill.volume_added_ml", positive=True)
    concentration = checked_decimal(
        refill.concentration_mcg_per_ml, "refill.concentration_mcg_per_ml", positive=True
    )
    checked_text(refill.reason, "refill.reason", MAX_REASON, blank_ok=True)
    if refill.drug not in library.drugs:
        raise InvalidRecordError(f"'{refill.drug}' is not in the drug library", "refill.drug")
    drug = library.drug(refill.drug)
    model = catalogue.pump(pump.model)
    findings = refill_findings(
        RefillFigures(
            expected_residual_ml=refill.expected_residual_ml,
            measured_residual_ml=refill.measured_residual_ml,
            volume_added_ml=volume,
            drug=refill.drug,
            concentration_mcg_per_ml=concentration,
        ),
        model,
        drug,
        confirmed,
    )
    hard = tuple(f for f in findings if f.severity is Severity.HARD)
    if hard:
        raise HardFindingError("the refill cannot be recorded: " + hard[0].message, hard)
    unacknowledged = tuple(
        f for f in findings if f.code is Code.REFILL_DISCREPANCY and not refill.reason.strip()
    )
    if unacknowledged:
        raise MissingAcknowledgementError(unacknowledged[0].message, unacknowledged)


def insert_refill(
    sdb: SqliteDatabase, patient_id: str, refill: RefillRecord, *, user: str, audit_seq: int
) -> int:
    cursor = sdb.execute(
        "INSERT INTO refill (patient_id, at, expected_residual_ml, measured_residual_ml, "
        "volume_added_ml, concentration_mcg_per_ml, drug, reason, by_user, audit_seq) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            patient_id,
            moment_text(refill.at, "refill.at"),
            decimal_text(refill.expected_residual_ml),
            decimal_text(refill.measured_residual_ml),
            decimal_text(refill.volume_added_ml),
            decimal_text(refill.concentration_mcg_per_ml),
            refill.drug,
            refill.reason,
            user,
            audit_seq,
        ],
    )
    return int(cursor.lastrowid or 0)


def refills(sdb: SqliteDatabase, patient_id: str) -> list[RefillRecord]:
    """Oldest first."""
    return [
        RefillRecord(
            at=moment_from(at),
            expected_residual_ml=decimal_from(expected),
            measured_residual_ml=decimal_from(measured),
            volume_added_ml=decimal_from(added),
            concentration_mcg_per_ml=decimal_from(conc),
            drug=drug,
            reason=reason,
            by=by,
        )
        for at, expected, measured, added, conc, drug, reason, by in sdb.execute(
            "SELECT at, expected_residual_ml, measured_residual_ml, volume_added_ml, "
            "concentration_mcg_per_ml, drug, reason, by_user FROM refill WHERE patient_id = ? "
            "ORDER BY at, id",
            [patient_id],
        )
    ]


# ---------------------------------------------------------------- boluses given


def check_bolus(bolus: BolusGivenRecord) -> None:
    if not isinstance(bolus.kind, BolusKind):
        raise InvalidRecordError("must be single, priming, bridge or patient", "bolus.kind")
    checked_decimal(bolus.dose_mcg, "bolus.dose_mcg", positive=True)
    if (
        isinstance(bolus.duration_min, bool)
        or not isinstance(bolus.duration_min, int)
        or not 1 <= bolus.duration_min <= 1440
    ):
        raise InvalidRecordError("must be from 1 to 1440 minutes", "bolus.duration_min")
    checked_text(bolus.reason, "bolus.reason", MAX_REASON, blank_ok=True)


def insert_bolus(
    sdb: SqliteDatabase, patient_id: str, bolus: BolusGivenRecord, *, user: str, audit_seq: int
) -> int:
    cursor = sdb.execute(
        "INSERT INTO bolus_given (patient_id, at, kind, dose_mcg, duration_min, reason, by_user, "
        "audit_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            patient_id,
            moment_text(bolus.at, "bolus.at"),
            bolus.kind.value,
            decimal_text(bolus.dose_mcg),
            bolus.duration_min,
            bolus.reason,
            user,
            audit_seq,
        ],
    )
    return int(cursor.lastrowid or 0)


def boluses(sdb: SqliteDatabase, patient_id: str) -> list[BolusGivenRecord]:
    return [
        BolusGivenRecord(
            at=moment_from(at),
            kind=BolusKind(kind),
            dose_mcg=decimal_from(dose),
            duration_min=minutes,
            reason=reason,
            by=by,
        )
        for at, kind, dose, minutes, reason, by in sdb.execute(
            "SELECT at, kind, dose_mcg, duration_min, reason, by_user FROM bolus_given "
            "WHERE patient_id = ? ORDER BY at, id",
            [patient_id],
        )
    ]


def bridge_decisions(sdb: SqliteDatabase, patient_id: str) -> list[datetime]:
    """When a bridge decision was recorded for a concentration change, oldest first: each
    bridge bolus given, and each refill whose typed reason for giving none was recorded
    (``refill.bridge-bolus-omitted``, :func:`db.simulated_pumps.record_bridge_decision`)."""
    given = [b.at for b in boluses(sdb, patient_id) if b.kind is BolusKind.BRIDGE]
    omitted = [
        datetime.fromisoformat(at)
        for (at,) in sdb.execute(
            "SELECT json_extract(details, '$.refill_at') FROM audit "
            "WHERE patient_id = ? AND action = 'refill.bridge-bolus-omitted' ORDER BY seq",
            [patient_id],
        )
        if at is not None
    ]
    return sorted(given + omitted)


# ---------------------------------------------------------------- screening trials


def check_screening(screening: ScreeningRecord) -> None:
    checked_decimal(screening.dose_mcg, "screening.dose_mcg", positive=True)
    if not isinstance(screening.response, ScreeningResponse):
        raise InvalidRecordError("must be response, partial or no-response", "screening.response")
    if screening.effect_hours is not None:
        checked_decimal(screening.effect_hours, "screening.effect_hours")
    checked_text(screening.notes, "screening.notes", MAX_REASON, blank_ok=True)


def insert_screening(
    sdb: SqliteDatabase, patient_id: str, screening: ScreeningRecord, *, user: str, audit_seq: int
) -> int:
    cursor = sdb.execute(
        "INSERT INTO screening (patient_id, at, dose_mcg, response, effect_hours, notes, by_user, "
        "audit_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            patient_id,
            moment_text(screening.at, "screening.at"),
            decimal_text(screening.dose_mcg),
            screening.response.value,
            optional_decimal_text(screening.effect_hours),
            screening.notes,
            user,
            audit_seq,
        ],
    )
    return int(cursor.lastrowid or 0)


def screenings(sdb: SqliteDatabase, patient_id: str) -> list[ScreeningRecord]:
    rows: list[tuple[Any, ...]] = sdb.execute(
        "SELECT at, dose_mcg, response, effect_hours, notes, by_user FROM screening "
        "WHERE patient_id = ? ORDER BY at, id",
        [patient_id],
    ).fetchall()
    return [
        ScreeningRecord(
            at=moment_from(at),
            dose_mcg=decimal_from(dose),
            response=ScreeningResponse(response),
            effect_hours=optional_decimal_from(hours),
            notes=notes,
            by=by,
        )
        for at, dose, response, hours, notes, by in rows
    ]


# ---------------------------------------------------------------- audited writes


def record_refill(
    sdb: SqliteDatabase,
    patient_id: str,
    refill: RefillRecord,
    *,
    user: str,
    now: datetime,
    catalogue: PumpCatalogue,
    library: DrugLibrary,
) -> None:
    """Record a refill, audited as ``refill.recorded``. Refused when the volume exceeds the
    reservoir or the concentration is not a library one (nor one confirmed as compounded for
    this patient) (:class:`HardFindingError`), or when a discrepancy over the pump's limit has
    no reason (:class:`MissingAcknowledgementError`)."""
    record = patients.read_patient(sdb, patient_id)
    if record.pump is None:
        raise InvalidRecordError(f"patient {patient_id} has no pump recorded", "pump")
    check_refill(
        refill,
        record.pump,
        catalogue,
        library,
        compounded.concentrations_of(compounded.confirmations(sdb, patient_id), refill.drug),
    )
    audited.insert(
        sdb,
        patient_id,
        "refill",
        "refill.recorded",
        user=user,
        now=now,
        insert=lambda seq: insert_refill(sdb, patient_id, refill, user=user, audit_seq=seq),
        details={
            "at": refill.at.isoformat(),
            "discrepancy_ml": str(refill.discrepancy_ml),
            "reason": refill.reason,
        },
    )


def record_bolus_given(
    sdb: SqliteDatabase, patient_id: str, bolus: BolusGivenRecord, *, user: str, now: datetime
) -> None:
    """Record a bolus given (checked by :func:`check_bolus` first), audited as
    ``bolus.given``."""
    patients.patient_num(sdb, patient_id)
    audited.insert(
        sdb,
        patient_id,
        "bolus_given",
        "bolus.given",
        user=user,
        now=now,
        insert=lambda seq: insert_bolus(sdb, patient_id, bolus, user=user, audit_seq=seq),
        details={"kind": bolus.kind.value, "dose_mcg": str(bolus.dose_mcg)},
    )


def record_screening(
    sdb: SqliteDatabase, patient_id: str, screening: ScreeningRecord, *, user: str, now: datetime
) -> None:
    """Record a screening trial (checked by :func:`check_screening` first), audited as
    ``screening.recorded``."""
    patients.patient_num(sdb, patient_id)
    audited.insert(
        sdb,
        patient_id,
        "screening",
        "screening.recorded",
        user=user,
        now=now,
        insert=lambda seq: insert_screening(sdb, patient_id, screening, user=user, audit_seq=seq),
        details={"dose_mcg": str(screening.dose_mcg), "response": screening.response.value},
    )
