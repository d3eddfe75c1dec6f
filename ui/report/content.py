"""What the session report says, assembled from the database records and the engine (issue 5:
"clinic, clinician, patient, pump, old and new programme with units, the rate plot and reservoir
projection, refill data, boluses, findings and the reasons given").

Pure: no Qt, no clock (the printing moment is passed in), no database writes. Every figure is a
string with its unit (domain.md: "Every dose on screen, in a report or an export shows its
unit"), so the PDF, a test or any later export shows exactly the same words.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING

from db.programmes import acknowledgement_key
from db.records import (
    BolusGivenRecord,
    BolusKind,
    PatientRecord,
    ProgrammeVersion,
    RefillRecord,
)
from programmer.check_context import CheckContext
from programmer.compare import compare, summary_line
from programmer.finding import Finding, Severity
from programmer.findings import check_programme
from programmer.programme import Mode, Programme
from programmer.projection import ClinicSettings, Projection, RefillLimit
from programmer.pump_catalogue import PumpCatalogue, PumpModel
from programmer.pump_status import battery_state
from programmer.refill import discrepancy_finding
from programmer.schedule import patient_bolus_max_mcg_per_day
from programmer.units import exact
from programmer.words import by_severity, format_decimal, mcg, moment
from ui.report.parts import (
    BolusLine,
    FindingLine,
    Item,
    PlotInputs,
    RefillLine,
    SessionReport,
)
from ui.report.schedule_tables import schedule_tables
from ui.widgets.entry import DOSE_PLACES, FLOW_PLACES, format_fixed

if TYPE_CHECKING:
    from db.database import Database

DEFAULT_CLINIC = ClinicSettings().clinic_name  # until an administrator sets one
MAX_BOLUSES_GIVEN = 20  # the most recent ones; the report says how many more there are

SEVERITY_WORDS = {
    Severity.HARD: "hard — blocks saving",
    Severity.SOFT: "soft — needs a typed reason",
    Severity.INFO: "information",
}
REFILL_LIMIT_WORDS = {
    RefillLimit.ALARM: "the low-reservoir alarm date less the refill margin",
    RefillLimit.STABILITY: "the drug's stability limit from the fill",
    RefillLimit.REPLACEMENT: "the pump's replace-by date",
}
BOLUS_KIND_WORDS = {
    BolusKind.SINGLE: "Single bolus",
    BolusKind.PRIMING: "Priming bolus",
    BolusKind.BRIDGE: "Bridge bolus",
    BolusKind.PATIENT: "Patient-activated bolus",
}


class ReportError(Exception):
    """The report cannot be made (no programme to report on): the message says why."""


# ---------------------------------------------------------------- formatting


def _ml(value: Decimal | Fraction, places: int = 2) -> str:
    text = format_decimal(value) if isinstance(value, Decimal) else format_fixed(value, places)
    return f"{text} mL"


def _signed_ml(value: Decimal) -> str:
    return f"{'+' if value > 0 else ''}{format_decimal(value)} mL"


# ---------------------------------------------------------------- sections


def _patient_items(record: PatientRecord, now: datetime) -> tuple[Item, ...]:
    p = record.patient
    items = [
        Item("Name", p.name),
        Item("Patient id", p.id),
        Item("Born", f"{p.birth_date.isoformat()} (age {p.age_on(now.date())})"),
        Item("Spasticity origin", p.spasticity_origin.value),
    ]
    if record.diagnosis:
        items.append(Item("Diagnosis", record.diagnosis))
    return tuple(items)


def _pump_items(
    record: PatientRecord,
    programme: Programme,
    pump: PumpModel,
    catalogue: PumpCatalogue,
    now: datetime,
) -> tuple[Item, ...]:
    """The pump the programme is for, with its replacement state on the printing day."""
    p = programme.pump
    state = battery_state(p.replace_by, now.date())
    items = [
        Item("Pump", f"{pump.display_name} ({pump.maker})"),
        Item("Serial", p.serial),
        Item("Implanted", p.implanted_on.isoformat()),
        Item("Replace by", p.replace_by.isoformat()),
        Item("Battery", f"{state.words} (on {now:%Y-%m-%d})"),
        Item("Reservoir size", _ml(pump.reservoir_ml)),
        Item("Low-reservoir alarm", _ml(p.low_reservoir_alarm_ml)),
    ]
    stored = next((r for r in record.pumps if r.serial == p.serial), None)
    if stored is not None and stored.catheter_model:
        try:
            catheter = catalogue.catheter(stored.catheter_model).display_name
        except KeyError:
            catheter = stored.catheter_model
        length = (
            f", {format_decimal(stored.catheter_length_cm)} cm implanted"
            if stored.catheter_length_cm is not None
            else ""
        )
        items.append(Item("Catheter", catheter + length))
    return tuple(items)


def _drug_items(programme: Programme) -> tuple[Item, ...]:
    fill = programme.reservoir
    return (
        Item("Drug", programme.drug.name),
        Item("Concentration", f"{format_decimal(programme.drug.concentration_mcg_per_ml)} mcg/mL"),
        Item("Reservoir filled", f"{_ml(fill.volume_ml)} on {moment(fill.filled_at)}"),
    )


def _projection_items(
    programme: Programme, projection: Projection, settings: ClinicSettings, at: datetime
) -> tuple[Item, ...]:
    doses = projection.daily_doses
    daily = f"{format_fixed(projection.daily_dose_mcg, DOSE_PLACES)} mcg/day"
    if doses.varies:
        daily += (
            f" (mean over the week; {format_fixed(doses.lowest, DOSE_PLACES)} to "
            f"{format_fixed(doses.highest, DOSE_PLACES)} mcg/day by weekday)"
        )
    items = [
        Item("Daily dose", daily),
        Item("Flow", f"{format_fixed(projection.flow_ml_per_day, FLOW_PLACES)} mL/day"),
    ]
    if programme.patient_bolus is not None and programme.mode in (
        Mode.SIMPLE_CONTINUOUS,
        Mode.FLEXIBLE,
    ):
        items.append(
            Item(
                "Worst case",
                f"{format_fixed(projection.worst_case_daily_dose_mcg, DOSE_PLACES)} mcg/day, "
                f"{format_fixed(projection.worst_case_flow_ml_per_day, FLOW_PLACES)} mL/day "
                "(every patient bolus used)",
            )
        )
    alarm = projection.low_reservoir_alarm_at
    items += [
        Item(
            "Low-reservoir alarm",
            (moment(alarm) if alarm else "not reached at this rate")
            + f" (at {_ml(programme.pump.low_reservoir_alarm_ml)})",
        ),
        Item(
            "Empty reservoir",
            moment(projection.empty_at) if projection.empty_at else "never at this rate",
        ),
    ]
    limit = REFILL_LIMIT_WORDS[projection.refill_limited_by]
    if projection.refill_limited_by is RefillLimit.ALARM:
        limit += f" ({settings.refill_margin_days} days)"
        if projection.refill_volume_ml != programme.pump.low_reservoir_alarm_ml:
            # domain.md, "Pumps": the Prometra II computes its refill date to 3.0 mL.
            limit += f", computed to the pump's {_ml(projection.refill_volume_ml, 1)}"
    items += [
        Item("Next refill", f"{projection.next_refill_at:%Y-%m-%d}, set by {limit}"),
        Item("Drug stable until", f"{projection.stability_limit_at:%Y-%m-%d}"),
        Item(
            "Computed",
            f"as at the save ({moment(at)})"
            + ("; the dates assume every patient bolus is used" if programme.patient_bolus else ""),
        ),
    ]
    return tuple(items)


def refills_for_fill(
    refills: Sequence[RefillRecord], programme: Programme, saved_at: datetime
) -> tuple[RefillRecord, ...]:
    """The refills that made the programme's fill: recorded on the fill's day or later, and no
    later than the save (or the fill, if that is later). A version saved between refills thus
    reports the refill its reservoir came from."""
    filled = programme.reservoir.filled_at
    until = max(saved_at, filled)
    return tuple(r for r in refills if filled.date() <= r.at.date() and r.at <= until)


def _refill_lines(refills: Sequence[RefillRecord], pump: PumpModel) -> tuple[RefillLine, ...]:
    lines = []
    for r in refills:
        difference = r.discrepancy_ml
        if difference > 0:
            meaning = " (more left than expected)"
        elif difference < 0:
            meaning = " (less left than expected)"
        else:
            meaning = ""
        lines.append(
            RefillLine(
                at=moment(r.at),
                by=r.by,
                expected=_ml(r.expected_residual_ml),
                measured=_ml(r.measured_residual_ml),
                discrepancy=_signed_ml(difference) + meaning,
                # The rule refill_findings applies, on the recorded figures.
                significant=discrepancy_finding(
                    r.expected_residual_ml, r.measured_residual_ml, pump
                )
                is not None,
                limit=_ml(pump.refill_discrepancy_ml),
                volume_added=_ml(r.volume_added_ml),
                concentration=f"{format_decimal(r.concentration_mcg_per_ml)} mcg/mL {r.drug}",
                reason=r.reason,
            )
        )
    return tuple(lines)


def _planned_boluses(programme: Programme) -> tuple[BolusLine, ...]:
    conc = exact(programme.drug.concentration_mcg_per_ml)
    return tuple(
        BolusLine(
            when=moment(b.start),
            kind="Planned bolus",
            dose=mcg(b.dose_mcg),
            duration=f"{b.duration_min} min",
            volume=_ml(exact(b.dose_mcg) / conc, 3),
            by="",
            reason="",
        )
        for b in programme.boluses
    )


def _patient_bolus(programme: Programme) -> str | None:
    pb = programme.patient_bolus
    if pb is None:
        return None
    most = format_fixed(patient_bolus_max_mcg_per_day(programme), DOSE_PLACES)
    return (
        f"{mcg(pb.dose_mcg)} over {pb.duration_min} min per activation, lockout "
        f"{pb.lockout_min} min, at most {pb.max_per_day} a day (up to {most} mcg/day)"
    )


def _boluses_given(
    given: Sequence[BolusGivenRecord], now: datetime
) -> tuple[tuple[BolusLine, ...], int]:
    """The boluses recorded up to the printing moment, most recent first (at most
    :data:`MAX_BOLUSES_GIVEN`), and how many older ones are left out."""
    shown = sorted((b for b in given if b.at <= now), key=lambda b: b.at, reverse=True)
    lines = tuple(
        BolusLine(
            when=moment(b.at),
            kind=BOLUS_KIND_WORDS.get(b.kind, str(b.kind)),
            dose=mcg(b.dose_mcg),
            duration=f"{b.duration_min} min",
            volume="",
            by=b.by,
            reason=b.reason,
        )
        for b in shown[:MAX_BOLUSES_GIVEN]
    )
    return lines, max(0, len(shown) - MAX_BOLUSES_GIVEN)


def _finding_lines(
    findings: Sequence[Finding], acknowledgements: dict[str, str]
) -> tuple[FindingLine, ...]:
    ordered = by_severity(findings)
    return tuple(
        FindingLine(
            code=f.code.value,
            severity=f.severity,
            severity_words=SEVERITY_WORDS[f.severity],
            message=f.message,
            field=f.field,
            reason=(
                acknowledgements.get(acknowledgement_key(f), "")
                if f.severity is Severity.SOFT
                else None
            ),
        )
        for f in ordered
    )


def _session_items(
    version: ProgrammeVersion,
    previous: ProgrammeVersion | None,
    printed_by: str,
    now: datetime,
    audit_head: tuple[int, str] | None = None,
) -> tuple[Item, ...]:
    status = "confirmed" if version.confirmed else "NOT CONFIRMED (draft): not running on the pump"
    items = [
        Item("Version", f"{version.number} ({status})"),
        Item("Saved", f"{moment(version.saved_at)} by {version.saved_by}"),
        Item("Reason given", version.reason),
        Item(
            "Compared with",
            f"version {previous.number}, saved {moment(previous.saved_at)} by {previous.saved_by}"
            if previous is not None
            else "no earlier confirmed programme (first programme)",
        ),
        Item(
            "Checked against",
            f"drug library {version.library_version}, pump catalogue {version.catalogue_version}",
        ),
        Item("Printed", f"{moment(now)} by {printed_by}"),
    ]
    if audit_head is not None:
        # Written down, it proves later that the trail was not rolled back or rewritten
        # (itb-console verify --expect-head HASH; product.md, "Records and files").
        seq, digest = audit_head
        groups = " ".join(digest[i : i + 16] for i in range(0, len(digest), 16))
        items.append(Item("Audit trail head", f"entry {seq}, {groups}"))
    return tuple(items)


# ---------------------------------------------------------------- assembly


def build_report(
    record: PatientRecord,
    version: ProgrammeVersion,
    previous: ProgrammeVersion | None,
    *,
    now: datetime,
    printed_by: str,
    refills: Sequence[RefillRecord] = (),
    boluses_given: Sequence[BolusGivenRecord] = (),
    clinic: str = DEFAULT_CLINIC,
    training: bool = False,
    context: CheckContext,
    audit_head: tuple[int, str] | None = None,
) -> SessionReport:
    """The report of ``version`` against ``previous`` (the programme it replaced, or None),
    printed at ``now`` by ``printed_by``. ``refills`` and ``boluses_given`` are the patient's
    records (all of them: the report picks the ones that belong to it).

    The projection is recomputed as at the save, against the previous programme, so that its
    dates are the ones the clinician saw when confirming; the findings and their reasons are the
    ones stored with the version."""
    catalogue, settings = context.catalogue, context.settings
    programme = version.programme
    before = previous.programme if previous is not None else None
    pump = catalogue.pump(programme.pump.model)
    result = check_programme(programme, context.with_current(before), now=version.saved_at)
    projection = result.projection
    given, not_shown = _boluses_given(boluses_given, now)
    return SessionReport(
        clinic=clinic.strip() or DEFAULT_CLINIC,
        training=training,
        printed_at=now,
        printed_by=printed_by,
        patient_id=record.patient.id,
        patient_name=record.patient.name,
        version=version.number,
        previous_version=None if previous is None else previous.number,
        confirmed=version.confirmed,
        saved_by=version.saved_by,
        saved_at=version.saved_at,
        reason=version.reason,
        summary_after=summary_line(programme, catalogue),
        summary_before=None if before is None else summary_line(before, catalogue),
        patient=_patient_items(record, now),
        pump=_pump_items(record, programme, pump, catalogue, now),
        drug=_drug_items(programme),
        session=_session_items(version, previous, printed_by, now, audit_head),
        comparison=tuple(compare(before, programme, catalogue)),
        schedules=schedule_tables(version, previous, catalogue),
        projection=_projection_items(programme, projection, settings, version.saved_at),
        refills=_refill_lines(refills_for_fill(refills, programme, version.saved_at), pump),
        planned_boluses=_planned_boluses(programme),
        patient_bolus=_patient_bolus(programme),
        boluses_given=given,
        boluses_given_not_shown=not_shown,
        findings=_finding_lines(version.findings, version.acknowledgements),
        plots=PlotInputs(
            programme=programme,
            previous=before,
            pump=pump,
            previous_pump=None if before is None else catalogue.pump(before.pump.model),
            projection=projection,
            at=version.saved_at,
            version=version.number,
            previous_version=None if previous is None else previous.number,
            earlier=result.earlier,
            previous_earlier=context.earlier,
        ),
    )


def previous_confirmed(
    versions: Sequence[ProgrammeVersion], number: int
) -> ProgrammeVersion | None:
    """The programme ``number`` replaced: the newest confirmed version before it (what the
    pump ran, and what the save checked the change against)."""
    earlier = [v for v in versions if v.confirmed and v.number < number]
    return max(earlier, key=lambda v: v.number, default=None)


def report_from_database(
    database: Database,
    patient_id: str,
    version_number: int | None = None,
    *,
    now: datetime,
    printed_by: str,
    clinic: str | None = None,
    training: bool = False,
) -> SessionReport:
    """The report of a patient's current programme (or of ``version_number``) from the
    database, under ``clinic`` (default: the clinic name of the database's settings). Raises
    the database's ``UnknownPatientError`` / ``UnknownVersionError``, and :class:`ReportError`
    when the patient has no confirmed programme yet."""
    record = database.patient(patient_id)
    versions = database.versions(patient_id)
    if version_number is None:
        confirmed = [v for v in versions if v.confirmed]
        if not confirmed:
            raise ReportError(
                f"patient {patient_id} has no confirmed programme yet: there is nothing to report"
            )
        version = confirmed[-1]
    else:
        version = database.version(patient_id, version_number)
    return build_report(
        record,
        version,
        previous_confirmed(versions, version.number),
        now=now,
        printed_by=printed_by,
        refills=database.refills(patient_id),
        boluses_given=database.boluses_given(patient_id),
        clinic=database.clinic_settings.clinic_name if clinic is None else clinic,
        training=training,
        # As at the save: the history before this version (Database.check_context).
        context=database.check_context(patient_id, version.saved_at, before_version=version.number),
        audit_head=database.audit_head(),
    )
