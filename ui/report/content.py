"""What the session report says, assembled from the database records and the engine (issue 5:
"clinic, clinician, patient, pump, old and new programme with units, the rate plot and reservoir
projection, refill data, boluses, findings and the reasons given").

Pure: no Qt, no clock (the printing moment is passed in), no database writes. Every figure is a
string with its unit (domain.md: "Every dose on screen, in a report or an export shows its
unit"), so the PDF, a test or any later export shows exactly the same words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
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
from programmer.compare import Row, compare, summary_line
from programmer.findings import Finding, Severity, check_programme
from programmer.programme import Mode, Programme, Step
from programmer.projection import ClinicSettings, Projection, RefillLimit
from programmer.pump_catalogue import PumpCatalogue, PumpModel
from programmer.pump_status import battery_state
from programmer.refill import discrepancy_finding
from programmer.schedule import (
    daily_doses,
    patient_bolus_max_mcg_per_day,
    step_doses,
    step_end_min,
)
from programmer.units import apportion, exact
from programmer.words import DAY_NAMES, MODE_NAMES, by_severity, format_decimal, hhmm, moment
from ui.widgets.entry import format_fixed

if TYPE_CHECKING:
    from db.database import Database

DEFAULT_CLINIC = ClinicSettings().clinic_name  # until an administrator sets one
TRAINING_MARK = "TRAINING — NOT A CLINICAL RECORD"
REPORT_TITLE = "Programming session report"
DOSE_PLACES = 2  # mcg and mcg/day, as the schedule editor shows them
FLOW_PLACES = 4  # mL/day
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


# ---------------------------------------------------------------- the report's parts


@dataclass(frozen=True, slots=True)
class Item:
    """One labelled value, e.g. ``Item("Serial", "NGP-D00001")``."""

    label: str
    value: str


@dataclass(frozen=True, slots=True)
class StepLine:
    """One step of a day's schedule, each value with its unit."""

    start: str  # "07:00"
    end: str  # "08:00" ("24:00" for the end of the day)
    rate: str  # "60.00 mcg/h"
    dose: str  # "60.00 mcg" (apportioned: the shown doses add up to the shown total)


@dataclass(frozen=True, slots=True)
class DaySchedule:
    """The steps of one day (every day, or one weekday) with its 24-h totals."""

    title: str  # "Every day", "Monday"
    steps: tuple[StepLine, ...]
    total: str  # "290.00 mcg/day"
    flow: str  # "0.5800 mL/day"


@dataclass(frozen=True, slots=True)
class ScheduleTable:
    """A programme's schedule as the pump delivers it: one :class:`DaySchedule` per day."""

    heading: str  # "Version 5 (this version): Flexible"
    days: tuple[DaySchedule, ...]


@dataclass(frozen=True, slots=True)
class FindingLine:
    """A finding saved with the version and the reason typed for it (soft ones)."""

    code: str
    severity: Severity
    severity_words: str
    message: str
    field: str
    reason: str | None  # the acknowledgement typed at saving; None when none was needed

    @property
    def needs_reason(self) -> bool:
        return self.severity is Severity.SOFT


@dataclass(frozen=True, slots=True)
class RefillLine:
    """A refill recorded for the reported fill (domain.md, "Refill arithmetic")."""

    at: str
    by: str
    expected: str  # "15.30 mL"
    measured: str
    discrepancy: str  # "-0.40 mL (less left than expected)"
    significant: bool  # over the pump's 1 mL / 2 mL limit
    limit: str  # "2 mL"
    volume_added: str
    concentration: str  # "2000 mcg/mL baclofen"
    reason: str


@dataclass(frozen=True, slots=True)
class BolusLine:
    """A bolus planned in the programme, or one given and recorded."""

    when: str
    kind: str
    dose: str  # "50 mcg"
    duration: str  # "30 min"
    volume: str  # "0.050 mL" (at the concentration in the pump), or "" when unknown
    by: str
    reason: str


@dataclass(frozen=True, slots=True)
class PlotInputs:
    """What the Qt side needs to draw the report's two plots with the window's own widgets."""

    programme: Programme
    previous: Programme | None
    pump: PumpModel
    previous_pump: PumpModel | None  # the previous programme's pump model (it may differ)
    projection: Projection
    at: datetime  # the moment the projection was computed for (the version's save)
    version: int
    previous_version: int | None

    @property
    def same_fill(self) -> bool:
        """The previous programme ran on the same reservoir fill (a change between refills)."""
        return self.previous is not None and self.previous.reservoir == self.programme.reservoir


@dataclass(frozen=True, slots=True)
class SessionReport:
    """Everything the session report shows, as words and figures with units."""

    clinic: str
    training: bool
    printed_at: datetime
    printed_by: str
    patient_id: str
    patient_name: str
    version: int
    previous_version: int | None
    confirmed: bool
    saved_by: str
    saved_at: datetime
    reason: str
    summary_after: str
    summary_before: str | None
    patient: tuple[Item, ...]
    pump: tuple[Item, ...]
    drug: tuple[Item, ...]
    session: tuple[Item, ...]
    comparison: tuple[Row, ...]
    schedules: tuple[ScheduleTable, ...]
    projection: tuple[Item, ...]
    refills: tuple[RefillLine, ...]
    planned_boluses: tuple[BolusLine, ...]
    patient_bolus: str | None
    boluses_given: tuple[BolusLine, ...]
    boluses_given_not_shown: int
    findings: tuple[FindingLine, ...]
    plots: PlotInputs

    @property
    def title(self) -> str:
        return REPORT_TITLE

    @property
    def patient_line(self) -> str:
        """The patient as every page's header names them."""
        return f"{self.patient_name} ({self.patient_id})"

    @property
    def changed_rows(self) -> tuple[Row, ...]:
        return tuple(r for r in self.comparison if r.changed)


# ---------------------------------------------------------------- formatting


def _moment(value: datetime) -> str:
    return moment(value)


def _typed(value: Decimal) -> str:
    """A value a person typed, exactly as typed, with the installation's decimal separator."""
    return format_decimal(value)


def _ml(value: Decimal | Fraction, places: int = 2) -> str:
    text = _typed(value) if isinstance(value, Decimal) else format_fixed(value, places)
    return f"{text} mL"


def _signed_ml(value: Decimal) -> str:
    return f"{'+' if value > 0 else ''}{_typed(value)} mL"


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
        Item("Reservoir size", f"{_typed(pump.reservoir_ml)} mL"),
        Item("Low-reservoir alarm", _ml(p.low_reservoir_alarm_ml)),
    ]
    stored = next((r for r in record.pumps if r.serial == p.serial), None)
    if stored is not None and stored.catheter_model:
        try:
            catheter = catalogue.catheter(stored.catheter_model).display_name
        except KeyError:
            catheter = stored.catheter_model
        length = (
            f", {_typed(stored.catheter_length_cm)} cm implanted"
            if stored.catheter_length_cm is not None
            else ""
        )
        items.append(Item("Catheter", catheter + length))
    return tuple(items)


def _drug_items(programme: Programme) -> tuple[Item, ...]:
    fill = programme.reservoir
    return (
        Item("Drug", programme.drug.name),
        Item("Concentration", f"{_typed(programme.drug.concentration_mcg_per_ml)} mcg/mL"),
        Item("Reservoir filled", f"{_ml(fill.volume_ml)} on {_moment(fill.filled_at)}"),
    )


def _day_schedule(title: str, steps: Sequence[Step], conc: Fraction) -> DaySchedule:
    """A flexible day as the editor's table shows it: the step doses apportioned so that they
    add up to the shown total (domain.md: "The total shown must equal the sum of the step doses
    shown, at the precision shown")."""
    doses = apportion(step_doses(steps), DOSE_PLACES)
    lines = tuple(
        StepLine(
            start=hhmm(step.start_min),
            end=hhmm(step_end_min(steps, i)),
            rate=f"{_typed(step.rate_mcg_per_h)} mcg/h",
            dose=f"{format_decimal(dose)} mcg",
        )
        for i, (step, dose) in enumerate(zip(steps, doses.parts, strict=True))
    )
    total = sum(step_doses(steps), Fraction(0))
    return DaySchedule(
        title=title,
        steps=lines,
        total=f"{format_decimal(doses.total)} mcg/day",
        flow=f"{format_fixed(total / conc, FLOW_PLACES)} mL/day",
    )


def _constant_day(programme: Programme, pump: PumpModel, conc: Fraction) -> DaySchedule:
    """Stopped, minimum rate and simple continuous: one rate all day."""
    dose = daily_doses(programme, pump).by_weekday[0]
    rate = f"{format_fixed(dose / 24, DOSE_PLACES)} mcg/h"
    if programme.mode is Mode.STOPPED:
        rate = "0 mcg/h (no delivery)"
    return DaySchedule(
        title="Every day",
        steps=(StepLine("00:00", "24:00", rate, f"{format_fixed(dose, DOSE_PLACES)} mcg"),),
        total=f"{format_fixed(dose, DOSE_PLACES)} mcg/day",
        flow=f"{format_fixed(dose / conc, FLOW_PLACES)} mL/day",
    )


def schedule_days(programme: Programme, pump: PumpModel) -> tuple[DaySchedule, ...]:
    """The programme's schedule as day tables: start, end, rate (mcg/h), step dose (mcg) and
    the 24-h totals in mcg/day and mL/day."""
    conc = exact(programme.drug.concentration_mcg_per_ml)
    week = programme.week
    if programme.mode is not Mode.FLEXIBLE or week is None:
        return (_constant_day(programme, pump, conc),)
    days = [_day_schedule(DAY_NAMES[name], week.days[name], conc) for name in week.day_names()]
    # Consecutive weekdays with the same steps share one table ("Monday to Friday").
    runs: list[list[DaySchedule]] = []
    for day in days:
        if runs and _same_steps(runs[-1][0], day):
            runs[-1].append(day)
        else:
            runs.append([day])
    return tuple(replace(run[0], title=_run_title(run)) for run in runs)


def _same_steps(a: DaySchedule, b: DaySchedule) -> bool:
    return (a.steps, a.total, a.flow) == (b.steps, b.total, b.flow)


def _run_title(run: Sequence[DaySchedule]) -> str:
    if len(run) == 1:
        return run[0].title
    joint = " and " if len(run) == 2 else " to "
    return f"{run[0].title}{joint}{run[-1].title}"


def _schedules(
    version: ProgrammeVersion,
    previous: ProgrammeVersion | None,
    catalogue: PumpCatalogue,
) -> tuple[ScheduleTable, ...]:
    """This version's schedule, and the previous one's when it was delivered differently."""
    new = version.programme
    days = schedule_days(new, catalogue.pump(new.pump.model))
    tables = [
        ScheduleTable(f"Version {version.number} (this version): {MODE_NAMES[new.mode]}", days)
    ]
    if previous is not None:
        old = previous.programme
        old_days = schedule_days(old, catalogue.pump(old.pump.model))
        if old_days != days:
            tables.append(
                ScheduleTable(
                    f"Version {previous.number} (before): {MODE_NAMES[old.mode]}", old_days
                )
            )
    return tuple(tables)


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
            (_moment(alarm) if alarm else "not reached at this rate")
            + f" (at {_ml(programme.pump.low_reservoir_alarm_ml)})",
        ),
        Item(
            "Empty reservoir",
            _moment(projection.empty_at) if projection.empty_at else "never at this rate",
        ),
    ]
    limit = REFILL_LIMIT_WORDS[projection.refill_limited_by]
    if projection.refill_limited_by is RefillLimit.ALARM:
        limit += f" ({settings.refill_margin_days} days)"
    items += [
        Item("Next refill", f"{projection.next_refill_at:%Y-%m-%d}, set by {limit}"),
        Item("Drug stable until", f"{projection.stability_limit_at:%Y-%m-%d}"),
        Item(
            "Computed",
            f"as at the save ({_moment(at)})"
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
                at=_moment(r.at),
                by=r.by,
                expected=_ml(r.expected_residual_ml),
                measured=_ml(r.measured_residual_ml),
                discrepancy=_signed_ml(difference) + meaning,
                # The rule refill_findings applies, on the recorded figures.
                significant=discrepancy_finding(
                    r.expected_residual_ml, r.measured_residual_ml, pump
                )
                is not None,
                limit=f"{_typed(pump.refill_discrepancy_ml)} mL",
                volume_added=_ml(r.volume_added_ml),
                concentration=f"{_typed(r.concentration_mcg_per_ml)} mcg/mL {r.drug}",
                reason=r.reason,
            )
        )
    return tuple(lines)


def _planned_boluses(programme: Programme) -> tuple[BolusLine, ...]:
    conc = exact(programme.drug.concentration_mcg_per_ml)
    return tuple(
        BolusLine(
            when=_moment(b.start),
            kind="Planned bolus",
            dose=f"{_typed(b.dose_mcg)} mcg",
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
        f"{_typed(pb.dose_mcg)} mcg over {pb.duration_min} min per activation, lockout "
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
            when=_moment(b.at),
            kind=BOLUS_KIND_WORDS.get(b.kind, str(b.kind)),
            dose=f"{_typed(b.dose_mcg)} mcg",
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
        Item("Saved", f"{_moment(version.saved_at)} by {version.saved_by}"),
        Item("Reason given", version.reason),
        Item(
            "Compared with",
            f"version {previous.number}, saved {_moment(previous.saved_at)} by {previous.saved_by}"
            if previous is not None
            else "no earlier confirmed programme (first programme)",
        ),
        Item(
            "Checked against",
            f"drug library {version.library_version}, pump catalogue {version.catalogue_version}",
        ),
        Item("Printed", f"{_moment(now)} by {printed_by}"),
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
        schedules=_schedules(version, previous, catalogue),
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
