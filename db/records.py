"""What the database hands out and takes in: small frozen dataclasses, one per kind of record.

Numbers a person typed are :class:`~decimal.Decimal`; numbers the engine computed (daily dose,
flow) are exact :class:`~fractions.Fraction`; moments are local times without a zone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from typing import Any

from programmer.finding import Finding
from programmer.programme import Mode, Patient, Programme, Pump


@dataclass(frozen=True, slots=True)
class PatientSummary:
    """One line of the patient browser: enough to pick the right patient."""

    id: str
    name: str
    birth_date: date
    spasticity_origin: str
    pump_model: str | None
    daily_dose_mcg: float | None  # of the current programme, for display only
    last_opened_at: datetime | None


@dataclass(frozen=True, slots=True)
class PumpRecord:
    """An implanted pump. ``removed_on`` is filled in when read back: the day the next pump was
    implanted (None for the pump in place); a pump being recorded has ``removed_on=None``."""

    model: str
    serial: str
    implanted_on: date
    replace_by: date
    catheter_model: str | None
    catheter_length_cm: Decimal | None
    low_reservoir_alarm_ml: Decimal
    removed_on: date | None = None

    @classmethod
    def from_pump(
        cls,
        pump: Pump,
        *,
        catheter_model: str | None = None,
        catheter_length_cm: Decimal | None = None,
    ) -> PumpRecord:
        """The record of the pump a programme names (in place: ``removed_on`` is None)."""
        return cls(
            model=pump.model,
            serial=pump.serial,
            implanted_on=pump.implanted_on,
            replace_by=pump.replace_by,
            catheter_model=catheter_model,
            catheter_length_cm=catheter_length_cm,
            low_reservoir_alarm_ml=pump.low_reservoir_alarm_ml,
        )

    def to_pump(self) -> Pump:
        """The pump as a programme names it."""
        return Pump(
            model=self.model,
            serial=self.serial,
            implanted_on=self.implanted_on,
            replace_by=self.replace_by,
            low_reservoir_alarm_ml=self.low_reservoir_alarm_ml,
        )

    def revised_by(self, pump: Pump) -> PumpRecord:
        """This pump's next revision when a programme changes its record: the replace-by date
        and the low-reservoir alarm are the programme's, the rest stays (the pump in place)."""
        return PumpRecord(
            model=self.model,
            serial=self.serial,
            implanted_on=self.implanted_on,
            replace_by=pump.replace_by,
            catheter_model=self.catheter_model,
            catheter_length_cm=self.catheter_length_cm,
            low_reservoir_alarm_ml=pump.low_reservoir_alarm_ml,
        )


@dataclass(frozen=True, slots=True)
class PatientRecord:
    patient: Patient
    diagnosis: str
    notes: str
    pump: PumpRecord | None  # the pump in place now
    pumps: tuple[PumpRecord, ...]  # every pump, oldest first (the last is ``pump``)


@dataclass(frozen=True, slots=True)
class ProgrammeVersion:
    """One saved programme, never changed once written.

    ``daily_dose_mcg`` and ``flow_ml_per_day`` are the exact projection figures (mean over the
    week) at the time of saving, stored as fractions so that the dose history plots the value
    the clinician saw. ``acknowledgements`` maps ``"CODE@field"`` to the reason typed for that
    soft finding."""

    patient_id: str
    number: int
    programme: Programme
    programme_json: str  # the canonical itb-programme/1 text, exported byte for byte
    daily_dose_mcg: Fraction
    flow_ml_per_day: Fraction
    library_version: str
    catalogue_version: str
    findings: tuple[Finding, ...]
    acknowledgements: dict[str, str]
    saved_by: str
    saved_at: datetime
    reason: str
    confirmed: bool
    based_on: int | None  # the version the editor started from (None for a first programme)

    @property
    def mode(self) -> Mode:
        return self.programme.mode


@dataclass(frozen=True, slots=True)
class RefillRecord:
    """A refill visit (domain.md, "Refill arithmetic"): the residual is withdrawn and measured,
    compared with the expected one, and fresh drug added. ``reason`` is the typed
    acknowledgement a significant discrepancy needs; ``by`` is filled in when read back."""

    at: datetime
    expected_residual_ml: Decimal
    measured_residual_ml: Decimal
    volume_added_ml: Decimal
    concentration_mcg_per_ml: Decimal
    drug: str
    reason: str = ""
    by: str = ""

    @property
    def discrepancy_ml(self) -> Decimal:
        """Measured minus expected: positive means more left than expected (under-delivery)."""
        return self.measured_residual_ml - self.expected_residual_ml


class BolusKind(StrEnum):
    """domain.md, "Infusion modes": the boluses a clinician gives."""

    SINGLE = "single"
    PRIMING = "priming"
    BRIDGE = "bridge"
    PATIENT = "patient"


@dataclass(frozen=True, slots=True)
class BolusGivenRecord:
    at: datetime
    kind: BolusKind
    dose_mcg: Decimal
    duration_min: int
    reason: str = ""
    by: str = ""


class ScreeningResponse(StrEnum):
    """The outcome of a screening bolus by lumbar puncture (domain.md, "Screening")."""

    RESPONSE = "response"
    PARTIAL = "partial"
    NO_RESPONSE = "no-response"


@dataclass(frozen=True, slots=True)
class ScreeningRecord:
    at: datetime
    dose_mcg: Decimal
    response: ScreeningResponse
    effect_hours: Decimal | None  # how long the effect lasted; None without a response
    notes: str = ""
    by: str = ""


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One entry of the append-only audit trail; ``hash`` covers the entry and ``prev_hash``."""

    seq: int
    at: datetime
    user: str
    action: str
    patient_id: str | None
    details: dict[str, Any]
    prev_hash: str
    hash: str


@dataclass(frozen=True, slots=True)
class VerifyReport:
    """The outcome of :meth:`db.database.Database.verify`: ``ok`` only when SQLite finds the file
    sound and the audit trail and records are unaltered."""

    integrity_ok: bool
    audit_ok: bool
    audit_entries: int
    audit_head: str  # hash of the last entry: write it down to prove later nothing was rewritten
    problems: list[str] = field(default_factory=list)
    seen_head: tuple[int, str] | None = None  # the last head this workstation saw (db.anchor)

    @property
    def ok(self) -> bool:
        return self.integrity_ok and self.audit_ok


@dataclass(frozen=True, slots=True)
class LibraryVersionRecord:
    """A drug library version an administrator imported; the newest is the active one."""

    version: str
    imported_at: datetime
    imported_by: str
    active: bool
    toml_text: str  # exactly as imported


@dataclass(frozen=True, slots=True)
class LibraryChange:
    """What an import did: the version now active, the one it replaced, and each limit that
    differs, in words with units (as in its audit entry)."""

    version: str
    previous_version: str
    changes: tuple[str, ...]
    imported_at: datetime
    imported_by: str


@dataclass(frozen=True, slots=True)
class CompoundedConfirmation:
    """A concentration outside the drug library confirmed, by ``by`` at ``at`` and why, as a
    known compounded product for one patient (product.md, CONCENTRATION_UNKNOWN's override)."""

    patient_id: str
    drug: str
    concentration_mcg_per_ml: Decimal
    reason: str
    by: str
    at: datetime
