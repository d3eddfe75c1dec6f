"""Compounded concentrations confirmed for a patient (product.md, CONCENTRATION_UNKNOWN:
"confirming a compounded value is a separate, logged override"; domain.md, "Dose error
reduction": every override is logged with who, when and why).

A concentration outside the drug library is refused for a pump fill until a clinician (or an
administrator) confirms, with a typed reason, that it is a known compounded product for this
patient. The confirmation is a record of its own, in the audit trail; from then on the engine's
check, the save and the refill take that concentration of that drug for that patient. The
screening concentration can never be confirmed (:meth:`programmer.drug_library.Drug.
compounded_refusal`). Rows are checked, written (with their audit entry, :func:`confirm`) and
read here; the caller holds the write transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from sqlite_utils import Database as SqliteDatabase

from db import audit, patients
from db import kind as kinds
from db import users as accounts
from db.errors import DatabaseError, InvalidRecordError
from db.kind import DatabaseKind
from db.records import CompoundedConfirmation
from db.users import Role, User
from db.values import decimal_from, decimal_text, moment_from, moment_text
from programmer.drug_library import DrugLibrary
from programmer.programme import Programme


class ConfirmationRefusedError(DatabaseError):
    """A compounded concentration was not confirmed (who may not, or what cannot be); nothing
    was recorded."""


def confirming_user(sdb: SqliteDatabase, user: User | str, kind: DatabaseKind) -> str:
    """The stored name of whoever confirms, checked now against the accounts: an active
    clinician or administrator (a trainer too, in a training database, where trainers
    demonstrate the refill). A database without accounts (scripts, tests) records the name as
    given, like every other write there."""
    name = user.name if isinstance(user, User) else user
    if not accounts.has_users(sdb):
        return name
    account = accounts.find_account(sdb, name)
    allowed = {Role.CLINICIAN, Role.ADMINISTRATOR}
    if kind is DatabaseKind.TRAINING:
        allowed.add(Role.TRAINER)
    if account is None or not account.record.active or account.record.role not in allowed:
        raise ConfirmationRefusedError(
            f"Only a clinician or an administrator can confirm a compounded concentration, and "
            f"{name} is not an active one in this database. Nothing was recorded."
        )
    return account.record.name


def insert(
    sdb: SqliteDatabase,
    patient_id: str,
    drug: str,
    concentration_mcg_per_ml: Decimal,
    *,
    reason: str,
    by: str,
    now: datetime,
    audit_seq: int,
) -> int:
    cursor = sdb.execute(
        "INSERT INTO compounded_confirmation (patient_id, drug, concentration_mcg_per_ml, "
        "reason, confirmed_by, confirmed_at, audit_seq) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            patient_id,
            drug,
            decimal_text(concentration_mcg_per_ml),
            reason,
            by,
            moment_text(now, "now"),
            audit_seq,
        ],
    )
    return int(cursor.lastrowid or 0)


def confirmations(sdb: SqliteDatabase, patient_id: str) -> list[CompoundedConfirmation]:
    """The patient's confirmations, oldest first."""
    return [
        CompoundedConfirmation(
            patient_id=patient_id,
            drug=drug,
            concentration_mcg_per_ml=decimal_from(conc),
            reason=reason,
            by=by,
            at=moment_from(at),
        )
        for drug, conc, reason, by, at in sdb.execute(
            "SELECT drug, concentration_mcg_per_ml, reason, confirmed_by, confirmed_at "
            "FROM compounded_confirmation WHERE patient_id = ? ORDER BY id",
            [patient_id],
        ).fetchall()
    ]


def concentrations_of(confirmed: Iterable[CompoundedConfirmation], drug: str) -> frozenset[Decimal]:
    """The confirmed concentrations of ``drug``: what the engine's check takes."""
    return frozenset(c.concentration_mcg_per_ml for c in confirmed if c.drug == drug)


def latest_for(
    confirmed: Iterable[CompoundedConfirmation], drug: str, concentration_mcg_per_ml: Decimal
) -> CompoundedConfirmation | None:
    """The newest confirmation of that concentration of ``drug`` (None: never confirmed)."""
    matching = [
        c
        for c in confirmed
        if c.drug == drug and c.concentration_mcg_per_ml == concentration_mcg_per_ml
    ]
    return matching[-1] if matching else None


def save_audit_words(
    sdb: SqliteDatabase, programme: Programme, library: DrugLibrary
) -> dict[str, object]:
    """For a save's audit entry: the confirmation a compounded concentration rests on."""
    drug = programme.drug
    if drug.concentration_mcg_per_ml in library.drug(drug.name).concentrations_mcg_per_ml:
        return {}
    found = latest_for(
        confirmations(sdb, programme.patient.id),
        drug.name,
        drug.concentration_mcg_per_ml,
    )
    if found is None:
        return {}
    return {
        "compounded_concentration": {
            "concentration_mcg_per_ml": str(found.concentration_mcg_per_ml),
            "confirmed_by": found.by,
            "confirmed_at": found.at.isoformat(),
            "reason": found.reason,
        }
    }


def confirm(
    sdb: SqliteDatabase,
    patient_id: str,
    drug: str,
    concentration_mcg_per_ml: Decimal,
    *,
    reason: str,
    user: User | str,
    now: datetime,
    library: DrugLibrary,
) -> CompoundedConfirmation:
    """Confirm that ``concentration_mcg_per_ml`` (checked positive) of ``drug``, outside
    ``library``, is a known compounded product for this patient: the logged override that lets
    the check, the save and the refill take it (CONCENTRATION_UNKNOWN). Only an active
    clinician or administrator (:func:`confirming_user`); the screening concentration, or a
    library one, is refused (:class:`ConfirmationRefusedError`). Audited as
    ``override.compounded_concentration`` with who, when and why (``reason``, checked)."""
    patients.patient_num(sdb, patient_id)
    if drug not in library.drugs:
        raise InvalidRecordError(f"'{drug}' is not in the drug library", "drug")
    refusal = library.drug(drug).compounded_refusal(concentration_mcg_per_ml)
    if refusal is not None:
        raise ConfirmationRefusedError(f"{refusal}. Nothing was recorded.")
    who = confirming_user(sdb, user, kinds.read_kind(sdb))
    why = reason.strip()
    seq = audit.next_seq(sdb)
    rowid = insert(
        sdb, patient_id, drug, concentration_mcg_per_ml, reason=why, by=who, now=now, audit_seq=seq
    )
    audit.append(
        sdb,
        seq=seq,
        at=now,
        user=who,
        action="override.compounded_concentration",
        patient_id=patient_id,
        details={
            "drug": drug,
            "concentration_mcg_per_ml": str(concentration_mcg_per_ml),
            "reason": why,
            "library_version": library.version,
        },
        records=[("compounded_confirmation", rowid)],
    )
    return CompoundedConfirmation(patient_id, drug, concentration_mcg_per_ml, why, who, now)
