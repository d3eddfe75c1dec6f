"""Findings: the one pure check of a programme (product.md, "Findings (stable codes)").

:func:`check_programme` returns every problem it sees, never the first only; the editor, the save
path, the confirm dialog and the command line all call it. The engine never clamps a value: it
reports, and the caller decides (a hard finding blocks saving; a soft one needs a typed reason).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from programmer.check_context import CheckContext
from programmer.drug_library import Drug, PatientGroup
from programmer.programme import WEEKDAYS, Mode, Programme, Step
from programmer.projection import (
    ClinicSettings,
    Projection,
    RanBefore,
    RefillLimit,
    project,
    shifted,
)
from programmer.pump_catalogue import PumpCatalogue, PumpModel
from programmer.schedule import (
    DailyDoses,
    DayForm,
    daily_doses,
    day_form,
    heaviest_bolus_window,
    highest_rolling_day,
    patient_bolus_worst_mcg_per_day,
    step_durations,
    week_delivery,
)
from programmer.units import MINUTES_PER_DAY, exact
from programmer.words import day_label, day_title, format_short, hhmm, join_figures, moment


class Severity(StrEnum):
    HARD = "hard"  # cannot be saved
    SOFT = "soft"  # needs a typed reason, recorded
    INFO = "info"


class Code(StrEnum):
    CONCENTRATION_UNKNOWN = "CONCENTRATION_UNKNOWN"
    RATE_BELOW_PUMP_MIN = "RATE_BELOW_PUMP_MIN"
    RATE_ABOVE_PUMP_MAX = "RATE_ABOVE_PUMP_MAX"
    DOSE_ABOVE_HARD_LIMIT = "DOSE_ABOVE_HARD_LIMIT"
    DOSE_OUTSIDE_USUAL_RANGE = "DOSE_OUTSIDE_USUAL_RANGE"
    CHANGE_ABOVE_TITRATION = "CHANGE_ABOVE_TITRATION"
    CHANGE_DECREASE_LARGE = "CHANGE_DECREASE_LARGE"
    CHANGE_EXTREME = "CHANGE_EXTREME"
    SCHEDULE_INVALID = "SCHEDULE_INVALID"
    BOLUS_ABOVE_LIMIT = "BOLUS_ABOVE_LIMIT"
    PATIENT_BOLUS_LOCKOUT = "PATIENT_BOLUS_LOCKOUT"
    RESERVOIR_OVERFILL = "RESERVOIR_OVERFILL"
    REFILL_BEYOND_STABILITY = "REFILL_BEYOND_STABILITY"
    ALARM_BEFORE_REFILL_VISIT = "ALARM_BEFORE_REFILL_VISIT"
    REPLACEMENT_BEFORE_REFILL = "REPLACEMENT_BEFORE_REFILL"
    REFILL_DISCREPANCY = "REFILL_DISCREPANCY"
    LOW_ALARM_TOO_LOW = "LOW_ALARM_TOO_LOW"
    MODE_STOPPED = "MODE_STOPPED"
    CONCENTRATION_CHANGED_WITHOUT_REFILL = "CONCENTRATION_CHANGED_WITHOUT_REFILL"
    BOLUS_OVERLAP = "BOLUS_OVERLAP"
    PATIENT_BOLUS_NOT_ALLOWED = "PATIENT_BOLUS_NOT_ALLOWED"
    REFILL_OVERDUE = "REFILL_OVERDUE"
    RESERVOIR_EMPTY = "RESERVOIR_EMPTY"
    REPLACE_BY_IMPLAUSIBLE = "REPLACE_BY_IMPLAUSIBLE"


SEVERITY: dict[Code, Severity] = {
    Code.CONCENTRATION_UNKNOWN: Severity.HARD,
    Code.RATE_BELOW_PUMP_MIN: Severity.HARD,
    Code.RATE_ABOVE_PUMP_MAX: Severity.HARD,
    Code.DOSE_ABOVE_HARD_LIMIT: Severity.HARD,
    Code.DOSE_OUTSIDE_USUAL_RANGE: Severity.SOFT,
    Code.CHANGE_ABOVE_TITRATION: Severity.SOFT,
    Code.CHANGE_DECREASE_LARGE: Severity.SOFT,
    Code.CHANGE_EXTREME: Severity.HARD,
    Code.SCHEDULE_INVALID: Severity.HARD,
    Code.BOLUS_ABOVE_LIMIT: Severity.HARD,
    Code.PATIENT_BOLUS_LOCKOUT: Severity.HARD,
    Code.RESERVOIR_OVERFILL: Severity.HARD,
    Code.REFILL_BEYOND_STABILITY: Severity.INFO,
    Code.ALARM_BEFORE_REFILL_VISIT: Severity.SOFT,
    Code.REPLACEMENT_BEFORE_REFILL: Severity.SOFT,
    Code.REFILL_DISCREPANCY: Severity.SOFT,
    Code.LOW_ALARM_TOO_LOW: Severity.SOFT,
    Code.MODE_STOPPED: Severity.SOFT,
    Code.CONCENTRATION_CHANGED_WITHOUT_REFILL: Severity.HARD,
    Code.BOLUS_OVERLAP: Severity.HARD,
    Code.PATIENT_BOLUS_NOT_ALLOWED: Severity.HARD,
    Code.REFILL_OVERDUE: Severity.SOFT,
    Code.RESERVOIR_EMPTY: Severity.SOFT,
    Code.REPLACE_BY_IMPLAUSIBLE: Severity.HARD,
}


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem: a stable code, its severity, a message a clinician understands, and the
    programme-file field it concerns (e.g. ``week.every_day[1].rate_mcg_per_h``)."""

    code: Code
    message: str
    field: str

    @property
    def severity(self) -> Severity:
        return SEVERITY[self.code]

    def as_json(self) -> dict[str, str]:
        return {
            "code": self.code.value,
            "severity": self.severity.value,
            "message": self.message,
            "field": self.field,
        }


_Add = Callable[[Finding], None]  # the checks' sink for findings (list.append)


def has_hard(findings: tuple[Finding, ...] | list[Finding]) -> bool:
    return any(f.severity is Severity.HARD for f in findings)


def num(value: Fraction | Decimal | int, places: int = 2) -> str:
    """A figure for a message: at most ``places`` decimals, trailing zeros dropped, rounded by
    the one display rule (half away from zero, :func:`programmer.units.round_half_up`), so a
    finding and a table cell never show the same value differently (12.345 is 12.35 in both)."""
    return format_short(value, places)


def _day_field(programme: Programme, weekday: int) -> str:
    if programme.mode is Mode.FLEXIBLE and programme.week is not None:
        return f"week.{programme.week.day_name_for_weekday(weekday)}"
    return "daily_dose_mcg" if programme.mode is Mode.SIMPLE_CONTINUOUS else "mode"


def _day_words(programme: Programme, weekday: int) -> str:
    if programme.mode is Mode.FLEXIBLE and programme.week is not None:
        name = programme.week.day_name_for_weekday(weekday)
        return day_title(name)
    return "Daily"


def patient_group(programme: Programme, drug: Drug, today: date) -> PatientGroup:
    """domain.md: the children's usual range applies under 12 years of age."""
    if PatientGroup.CHILD in drug.usual_range and programme.patient.age_on(today) < 12:
        return PatientGroup.CHILD
    return PatientGroup(programme.patient.spasticity_origin.value)


@dataclass(frozen=True, slots=True)
class CheckResult:
    findings: tuple[Finding, ...]
    projection: Projection
    # The most any 24 hours deliver: basal, planned boluses at their times and every patient
    # bolus (product.md: ``worst_day_mcg``, the figure DOSE_ABOVE_HARD_LIMIT is judged on).
    worst_day_mcg: Fraction = Fraction(0)
    # The programmes that ran on the fill before this one, as the projection took them.
    earlier: tuple[RanBefore, ...] = ()

    @property
    def hard(self) -> bool:
        return has_hard(self.findings)


THERAPY = (Mode.SIMPLE_CONTINUOUS, Mode.FLEXIBLE)


def delivers_therapy(programme: Programme, doses: DailyDoses) -> bool:
    """Whether a programme gives therapy: not stopped, not minimum rate, not all zero (the
    restart rule of product.md, "Rules the table implies")."""
    return programme.mode in THERAPY and doses.highest > 0


def check_programme(
    programme: Programme, context: CheckContext | None = None, *, now: datetime
) -> CheckResult:
    """Every finding for ``programme`` against the facts of ``context`` (the packaged library
    and catalogue and no history when None), with the projection the date findings were
    computed from.

    A change between refills takes effect at ``now``, on what is left of the same fill: the
    context's current programme is taken to have run until now when it shares the fill (after
    the ``earlier`` ones), so the new rate is never projected back over days already past."""
    if context is None:
        context = CheckContext.packaged()
    catalogue, settings, current = context.catalogue, context.settings, context.current
    pump = catalogue.pump(programme.pump.model)
    drug = context.library.drug(programme.drug.name)
    findings: list[Finding] = []
    add = findings.append

    _check_concentration(programme, drug, context.confirmed_for(programme.drug.name), add)
    if current is not None:
        _check_same_fill(programme, current, add)
    doses = daily_doses(programme, pump)
    _check_schedule(programme, pump, add)
    _check_rates(programme, pump, add)
    worst_day = _check_daily_limits(programme, pump, drug, doses, now, add)
    _check_changes(programme, context, drug, doses, now, add)
    _check_boluses(programme, pump, drug, add)
    _check_reservoir(programme, pump, settings, add)
    _check_pump(programme, pump, add)
    _check_stopped(programme, doses, add)
    earlier: tuple[RanBefore, ...] = ()
    if current is not None and current.reservoir == programme.reservoir:
        try:
            earlier = (
                *context.earlier,
                RanBefore(current, catalogue.pump(current.pump.model), now),
            )
        except KeyError:
            earlier = context.earlier
    projection = project(programme, pump, drug, settings, doses=doses, earlier=earlier)
    _check_dates(programme, projection, settings, now, add)
    return CheckResult(tuple(findings), projection, worst_day, earlier)


def _check_same_fill(programme: Programme, current: Programme, add: _Add) -> None:
    """A concentration changes only with a refill: on the same fill (same ``filled_at``) the pump
    still holds the old drug, so a new concentration mis-scales every dose (product.md,
    CONCENTRATION_CHANGED_WITHOUT_REFILL: 2000 mcg/mL programmed as 500 delivers 4x)."""
    if programme.reservoir.filled_at != current.reservoir.filled_at:
        return
    old = exact(current.drug.concentration_mcg_per_ml)
    new = exact(programme.drug.concentration_mcg_per_ml)
    if old == new:
        return
    effect = (
        f"the pump still holds {num(old)} mcg/mL, so every dose would be "
        f"{num(old / new)}x the one programmed"
    )
    add(
        Finding(
            Code.CONCENTRATION_CHANGED_WITHOUT_REFILL,
            f"{programme.drug.name} {num(new)} mcg/mL on the fill of "
            f"{moment(programme.reservoir.filled_at)}, which holds {current.drug.name} "
            f"{num(old)} mcg/mL: {effect}. A concentration changes only with a refill: record "
            "the refill first.",
            "drug.concentration_mcg_per_ml",
        )
    )


def _check_stopped(programme: Programme, doses: DailyDoses, add: _Add) -> None:
    """MODE_STOPPED: the stopped mode, or any day whose schedule delivers nothing, whatever the
    mode (product.md: "programme stops delivery of baclofen on any day")."""
    words = (
        f"abrupt withdrawal of {programme.drug.name} can be life-threatening. Plan monitoring "
        "and a restart."
    )
    if programme.mode is Mode.STOPPED:
        add(
            Finding(
                Code.MODE_STOPPED,
                f"The programme stops delivery of {programme.drug.name}: abrupt withdrawal "
                "can be life-threatening. Plan monitoring and a restart.",
                "mode",
            )
        )
        return
    if programme.mode is Mode.FLEXIBLE and programme.week is not None:
        for name in programme.week.day_names():
            if all(step.rate_mcg_per_h == 0 for step in programme.week.days[name]):
                add(
                    Finding(
                        Code.MODE_STOPPED,
                        f"{day_label(name).capitalize()}: the schedule delivers nothing, which "
                        f"stops {programme.drug.name} that day: {words}",
                        f"week.{name}",
                    )
                )
    elif programme.mode is Mode.SIMPLE_CONTINUOUS and doses.highest == 0:
        add(
            Finding(
                Code.MODE_STOPPED,
                f"A daily dose of 0 mcg/day stops {programme.drug.name}: {words}",
                "daily_dose_mcg",
            )
        )


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year + years, day=28)


def _check_pump(programme: Programme, pump: PumpModel, add: _Add) -> None:
    """REPLACE_BY_IMPLAUSIBLE: a replace-by date later than implant + the battery's service life
    (catalogue data; domain.md: SynchroMed II shuts off at 7 years; a wrong replace-by date shown
    by programmer software was a real recall)."""
    years = pump.battery_service_life_years
    if years is None:
        return
    latest = _add_years(programme.pump.implanted_on, years)
    if programme.pump.replace_by > latest:
        add(
            Finding(
                Code.REPLACE_BY_IMPLAUSIBLE,
                f"Replace-by {programme.pump.replace_by:%Y-%m-%d} is later than the "
                f"{pump.display_name}'s battery allows: implanted "
                f"{programme.pump.implanted_on:%Y-%m-%d}, it shuts off after {years} years, by "
                f"{latest:%Y-%m-%d}. Correct the date.",
                "pump.replace_by",
            )
        )


def _check_concentration(
    programme: Programme, drug: Drug, confirmed: Collection[Decimal], add: _Add
) -> None:
    conc = programme.drug.concentration_mcg_per_ml
    if conc in drug.concentrations_mcg_per_ml:
        return
    allowed = join_figures(num(c) for c in drug.concentrations_mcg_per_ml)
    if conc in drug.screening_concentrations_mcg_per_ml:
        # Never a pump fill, confirmed or not (domain.md: screening by lumbar puncture).
        why = f"{num(conc)} mcg/mL is for screening by lumbar puncture only, not a pump fill"
    elif conc in confirmed:
        return
    else:
        why = (
            f"{num(conc, 6)} mcg/mL is not a {drug.name} concentration in the drug library "
            "(a dilution or compounded product must be confirmed explicitly)"
        )
    add(
        Finding(
            Code.CONCENTRATION_UNKNOWN,
            f"{why}. Library concentrations: {allowed} mcg/mL.",
            "drug.concentration_mcg_per_ml",
        )
    )


def _check_schedule(programme: Programme, pump: PumpModel, add: _Add) -> None:
    if programme.mode is not Mode.FLEXIBLE or programme.week is None:
        return
    for name in programme.week.day_names():
        steps = programme.week.days[name]
        if _valid_day(day_form(steps), steps, pump):
            continue
        where = f"week.{name}"
        label = day_label(name).capitalize()
        if not steps:
            add(Finding(Code.SCHEDULE_INVALID, f"{label}: the day has no steps.", where))
            continue
        if steps[0].start_min != 0:
            add(
                Finding(
                    Code.SCHEDULE_INVALID,
                    f"{label}: the first step starts at {hhmm(steps[0].start_min)}; a flexible "
                    "day starts at 00:00.",
                    f"{where}[0].start",
                )
            )
        for i in range(1, len(steps)):
            if steps[i].start_min <= steps[i - 1].start_min:
                add(
                    Finding(
                        Code.SCHEDULE_INVALID,
                        f"{label}, step {i + 1}: starts at {hhmm(steps[i].start_min)}, not after "
                        f"step {i}'s {hhmm(steps[i - 1].start_min)}.",
                        f"{where}[{i}].start",
                    )
                )
        if len(steps) > pump.max_steps_per_day:
            add(
                Finding(
                    Code.SCHEDULE_INVALID,
                    f"{label}: {len(steps)} steps; the {pump.display_name} allows at most "
                    f"{pump.max_steps_per_day} a day.",
                    where,
                )
            )
        increasing = all(steps[i].start_min > steps[i - 1].start_min for i in range(1, len(steps)))
        if increasing:
            for i, minutes in enumerate(step_durations(steps)):
                if minutes < pump.min_step_min:
                    add(
                        Finding(
                            Code.SCHEDULE_INVALID,
                            f"{label}, step {i + 1} ({hhmm(steps[i].start_min)}): lasts {minutes} "
                            f"min; the {pump.display_name}'s shortest step is "
                            f"{pump.min_step_min} min.",
                            f"{where}[{i}].start",
                        )
                    )


def _valid_day(form: DayForm, steps: tuple[Step, ...], pump: PumpModel) -> bool:
    """Whether a day passes every test of :func:`_check_schedule` (from 00:00, starts in time
    order, at most the pump's steps, none shorter than its shortest): then it has no finding."""
    return (
        form.in_time_order
        and form.shortest_min is not None
        and form.shortest_min >= pump.min_step_min
        and steps[0].start_min == 0
        and len(steps) <= pump.max_steps_per_day
    )


def _flow_words(flow: Fraction) -> str:
    return f"{num(flow, 4)} mL/day"


def _check_rates(programme: Programme, pump: PumpModel, add: _Add) -> None:
    conc = exact(programme.drug.concentration_mcg_per_ml)
    lo, hi = exact(pump.min_flow_ml_per_day), exact(pump.max_flow_ml_per_day)

    def limits() -> str:
        return (
            f"the {pump.display_name} delivers {num(lo, 4)} to {num(hi, 4)} mL/day "
            f"({num(lo * conc / 24)} to {num(hi * conc / 24)} mcg/h at {num(conc)} mcg/mL)"
        )

    if programme.mode is Mode.SIMPLE_CONTINUOUS and programme.daily_dose_mcg is not None:
        dose = exact(programme.daily_dose_mcg)
        flow = dose / conc
        if flow < lo:
            add(
                Finding(
                    Code.RATE_BELOW_PUMP_MIN,
                    f"{num(dose)} mcg/day is {_flow_words(flow)}, under the lowest flow: "
                    f"{limits()}."
                    + (" To stop delivery choose the stopped mode." if dose == 0 else ""),
                    "daily_dose_mcg",
                )
            )
        elif flow > hi:
            add(
                Finding(
                    Code.RATE_ABOVE_PUMP_MAX,
                    f"{num(dose)} mcg/day is {_flow_words(flow)}, over the highest flow: "
                    f"{limits()}.",
                    "daily_dose_mcg",
                )
            )
    if programme.mode is Mode.FLEXIBLE and programme.week is not None:
        # The pump's flows as rates (mcg/h), compared with each typed rate in integers: the
        # same exact test as flow < lowest flow, without a Fraction per step.
        lo_rate, hi_rate = lo * conc / 24, hi * conc / 24
        days = programme.week.days
        names = programme.week.day_names()
        forms = [day_form(days[name]) for name in names]
        lowest = [f.lowest_rate for f in forms if f.lowest_rate is not None]
        highest = [f.highest_rate for f in forms if f.highest_rate is not None]
        if lowest and _all_within(min(lowest), max(highest), lo_rate, hi_rate):
            names = ()  # no step is outside: two comparisons instead of one a step
        for name in names:
            for i, step in enumerate(days[name]):
                n, d = step.rate_mcg_per_h.as_integer_ratio()
                if n == 0:
                    code = None if pump.zero_rate_steps else Code.RATE_BELOW_PUMP_MIN
                elif n * lo_rate.denominator < lo_rate.numerator * d:
                    code = Code.RATE_BELOW_PUMP_MIN
                elif n * hi_rate.denominator > hi_rate.numerator * d:
                    code = Code.RATE_ABOVE_PUMP_MAX
                else:
                    code = None
                if code is not None:
                    add(_rate_finding(code, programme, pump, name, i, step, limits()))
    boluses = [
        (f"boluses[{i}]", "Bolus", b.dose_mcg, b.duration_min)
        for i, b in enumerate(programme.boluses)
    ]
    if programme.patient_bolus is not None:
        pb = programme.patient_bolus
        boluses.append(("patient_bolus", "Patient bolus", pb.dose_mcg, pb.duration_min))
    hi_dose = hi * conc  # mcg/day at the highest flow
    for where, what, dose_mcg, minutes in boluses:
        if minutes > 0 and conc > 0:
            # flow > hi, i.e. dose x 1440 / minutes > hi x conc, compared in integers.
            n, d = dose_mcg.as_integer_ratio()
            if n * MINUTES_PER_DAY * hi_dose.denominator <= hi_dose.numerator * minutes * d:
                continue
        flow = exact(dose_mcg) / conc * MINUTES_PER_DAY / minutes
        if flow > hi:
            add(
                Finding(
                    Code.RATE_ABOVE_PUMP_MAX,
                    f"{what} of {num(dose_mcg)} mcg over {minutes} min needs "
                    f"{_flow_words(flow)}, over the highest flow: {limits()}. Lengthen it.",
                    f"{where}.duration_min",
                )
            )


def _all_within(lowest: Decimal, highest: Decimal, lo_rate: Fraction, hi_rate: Fraction) -> bool:
    """Whether every rate from ``lowest`` to ``highest`` (mcg/h) is above zero and within the
    pump's rates: then no step of the week has a rate finding."""
    return lowest > 0 and exact(lowest) >= lo_rate and exact(highest) <= hi_rate


def _rate_finding(
    code: Code, programme: Programme, pump: PumpModel, name: str, i: int, step: Step, limits: str
) -> Finding:
    rate = exact(step.rate_mcg_per_h)
    flow = rate * 24 / exact(programme.drug.concentration_mcg_per_ml)
    at = f"{day_label(name).capitalize()}, step {i + 1} ({hhmm(step.start_min)})"
    if rate == 0:
        why = (
            f"a rate of 0 mcg/h; the {pump.display_name} does not allow zero-rate steps: {limits}."
        )
    elif code is Code.RATE_BELOW_PUMP_MIN:
        why = f"{num(rate, 4)} mcg/h is {_flow_words(flow)}, under the lowest flow: {limits}."
    else:
        why = f"{num(rate, 4)} mcg/h is {_flow_words(flow)}, over the highest flow: {limits}."
    return Finding(code, f"{at}: {why}", f"week.{name}[{i}].rate_mcg_per_h")


def _check_daily_limits(
    programme: Programme,
    pump: PumpModel,
    drug: Drug,
    doses: DailyDoses,
    now: datetime,
    add: _Add,
) -> Fraction:
    """The hard maximum over any 24 hours (product.md: across midnight and weekdays, with the
    planned boluses at their times and every patient bolus added) and the usual range. Returns
    the worst 24 hours' dose (``worst_day_mcg``)."""
    ptm = patient_bolus_worst_mcg_per_day(programme)
    hard = exact(drug.hard_max_mcg_per_day)
    worst_weekday = doses.highest_weekday
    worst = doses.by_weekday[worst_weekday] + ptm

    def ptm_words() -> str:  # only when a finding is given (formatting figures costs)
        return (
            f" ({num(doses.by_weekday[worst_weekday])} mcg programmed + {num(ptm)} mcg of "
            "patient boluses)"
            if ptm
            else ""
        )

    delivery = week_delivery(programme, pump)  # built once for both windows
    rolling = highest_rolling_day(programme, pump, delivery)
    basal_worst = doses.highest if rolling is None else max(rolling.dose_mcg, doses.highest)
    with_boluses = heaviest_bolus_window(programme, pump, delivery, basal_worst)
    worst_day = max(basal_worst, with_boluses.dose_mcg if with_boluses else Fraction(0)) + ptm
    if worst > hard:
        add(
            Finding(
                Code.DOSE_ABOVE_HARD_LIMIT,
                f"{_day_words(programme, worst_weekday)}: 24-h total {num(worst)} mcg/day"
                f"{ptm_words()} is over the {drug.name} hard maximum of {num(hard)} mcg/day.",
                _day_field(programme, worst_weekday),
            )
        )
    elif rolling is not None and rolling.dose_mcg + ptm > hard:
        # Any 24 hours, not only calendar days: with a weekday pattern a heavy evening and the
        # next morning's steps can add up to more than either day.
        first, then = WEEKDAYS[rolling.weekday], WEEKDAYS[(rolling.weekday + 1) % 7]
        start = f"{day_label(first)} {hhmm(rolling.start_min)}"
        end = f"{day_label(then)} {hhmm(rolling.start_min)}"
        add(
            Finding(
                Code.DOSE_ABOVE_HARD_LIMIT,
                f"From {start} to {end}: {num(rolling.dose_mcg + ptm)} mcg in 24 hours"
                + (f" (with {num(ptm)} mcg of patient boluses)" if ptm else "")
                + f", over the {drug.name} hard maximum of {num(hard)} mcg/day, though "
                "each calendar day is under it.",
                _day_field(programme, rolling.weekday),
            )
        )
    elif with_boluses is not None and with_boluses.dose_mcg + ptm > hard:
        since = with_boluses.start
        until = since + timedelta(days=1)
        planned = sum(
            (exact(programme.boluses[i].dose_mcg) for i in with_boluses.boluses), Fraction(0)
        )
        add(
            Finding(
                Code.DOSE_ABOVE_HARD_LIMIT,
                f"From {moment(since)} to {moment(until)}: with "
                f"{num(planned)} mcg of planned boluses"
                + (f" and {num(ptm)} mcg of patient boluses" if ptm else "")
                + f" these hours deliver {num(with_boluses.dose_mcg + ptm)} mcg, over the "
                f"{drug.name} hard maximum of {num(hard)} mcg/day.",
                f"boluses[{max(with_boluses.boluses)}].dose_mcg",
            )
        )
    if programme.mode is Mode.STOPPED:
        return worst_day
    group = patient_group(programme, drug, now.date())
    usual = drug.usual_range[group]
    low_weekday = doses.lowest_weekday
    lowest = doses.by_weekday[low_weekday]

    def range_words() -> str:
        return (
            f"the usual {num(usual.low_mcg_per_day)} to {num(usual.high_mcg_per_day)} mcg/day "
            f"for {_GROUP_WORDS[group]}"
        )

    if lowest < exact(usual.low_mcg_per_day):
        extra = (
            " (minimum rate keeps the catheter open but gives no therapy)"
            if programme.mode is Mode.MINIMUM_RATE
            else ""
        )
        add(
            Finding(
                Code.DOSE_OUTSIDE_USUAL_RANGE,
                f"{_day_words(programme, low_weekday)}: {num(lowest)} mcg/day is under "
                f"{range_words()}{extra}.",
                _day_field(programme, low_weekday),
            )
        )
    if worst > exact(usual.high_mcg_per_day):
        add(
            Finding(
                Code.DOSE_OUTSIDE_USUAL_RANGE,
                f"{_day_words(programme, worst_weekday)}: 24-h total {num(worst)} mcg/day"
                f"{ptm_words()} is over {range_words()}.",
                _day_field(programme, worst_weekday),
            )
        )
    return worst_day


_GROUP_WORDS = {
    PatientGroup.SPINAL: "spinal-origin spasticity",
    PatientGroup.CEREBRAL: "cerebral-origin spasticity",
    PatientGroup.CHILD: "a child under 12",
}


def _check_changes(
    programme: Programme,
    context: CheckContext,
    drug: Drug,
    doses: DailyDoses,
    now: datetime,
    add: _Add,
) -> None:
    """domain.md "Titration", product.md "Rules the table implies": the change against the
    current programme and against the one in force 24 hours before now (at most one change a
    day: small steps in a row cannot walk past the limits), weekday by weekday. A restart from a
    programme that delivers no therapy is judged against the last therapy programme. A finding
    is given once per code (against the current programme when both references trip it)."""
    if programme.mode is Mode.STOPPED:
        return  # stopping is MODE_STOPPED's business
    catalogue = context.catalogue
    seen: set[Code] = set()

    def once(finding: Finding) -> None:
        if finding.code not in seen:
            seen.add(finding.code)
            add(finding)

    references: list[tuple[Programme, str]] = []
    if context.current is not None:
        references.append((context.current, "the current programme"))
    day_before = context.day_before
    if day_before is not None and day_before != context.current:
        references.append((day_before, "the programme in force 24 hours before now"))
    restart_checked = False
    for reference, against in references:
        before = daily_doses(reference, _pump_for(reference, programme, catalogue))
        if delivers_therapy(reference, before):
            _check_change(programme, before.by_weekday, against, drug, doses, now, once)
        elif not restart_checked:
            restart_checked = True
            _check_restart(programme, reference, context, drug, doses, now, once)
    if not references and context.last_therapy is not None:
        # A last therapy programme given with no current one (``check --last-therapy`` alone):
        # the conservative reading is a restart from a programme that gave no therapy.
        _check_restart(programme, None, context, drug, doses, now, once)


def _pump_for(reference: Programme, programme: Programme, catalogue: PumpCatalogue) -> PumpModel:
    try:
        return catalogue.pump(reference.pump.model)
    except KeyError:
        return catalogue.pump(programme.pump.model)


def _check_restart(
    programme: Programme,
    reference: Programme | None,
    context: CheckContext,
    drug: Drug,
    doses: DailyDoses,
    now: datetime,
    add: _Add,
) -> None:
    """A restart from a programme that delivers no therapy (stopped, minimum rate, all zero):
    more than the extreme factor times the last therapy programme, or under its inverse, is
    CHANGE_EXTREME (a per-hour figure typed for a per-day one); with no last therapy known, a
    restart above the top of the usual range is. Any other restart is soft: tolerance may have
    fallen (product.md, "Rules the table implies")."""
    if not delivers_therapy(programme, doses):
        return
    factor = exact(drug.extreme_factor)
    group = patient_group(programme, drug, now.date())
    field = _day_field(programme, doses.highest_weekday)
    was = (
        "no-therapy"
        if reference is None
        else {Mode.STOPPED: "stopped", Mode.MINIMUM_RATE: "minimum-rate"}.get(
            reference.mode, "zero-rate"
        )
    )
    last = context.last_therapy
    last_doses = (
        None if last is None else daily_doses(last, _pump_for(last, programme, context.catalogue))
    )
    if last is not None and last_doses is not None and delivers_therapy(last, last_doses):
        for d in range(7):
            old, new = last_doses.by_weekday[d], doses.by_weekday[d]
            if new > old * factor or new * factor < old:
                add(
                    Finding(
                        Code.CHANGE_EXTREME,
                        f"Restarting {drug.name} from a {was} programme: "
                        f"{_day_words(programme, d)} {num(new)} mcg/day against "
                        f"{num(old)} mcg/day in the last therapy programme, more than "
                        f"{num(factor)}x or under 1/{num(factor)} of it. Check for a "
                        "per-hour/per-day or decimal-point error.",
                        _day_field(programme, d),
                    )
                )
                return
    else:
        top = exact(drug.usual_range[group].high_mcg_per_day)
        if doses.highest > top:
            add(
                Finding(
                    Code.CHANGE_EXTREME,
                    f"Restarting {drug.name} at {num(doses.highest)} mcg/day from a {was} "
                    f"programme, with no earlier therapy programme known: above the top of the "
                    f"usual {num(top)} mcg/day for {_GROUP_WORDS[group]}. Check for a "
                    "per-hour/per-day or decimal-point error; restart low and titrate.",
                    field,
                )
            )
            return
    add(
        Finding(
            Code.CHANGE_ABOVE_TITRATION,
            f"Restarting {drug.name} at {num(doses.highest)} mcg/day from a {was} programme: "
            "tolerance may have fallen; consider restarting low and titrating.",
            field,
        )
    )


def _check_change(
    programme: Programme,
    before: tuple[Fraction, ...],
    against: str,
    drug: Drug,
    doses: DailyDoses,
    now: datetime,
    add: _Add,
) -> None:
    """The change in 24-h total against one therapy programme (``before``: its doses by
    weekday), weekday by weekday."""
    after = doses.by_weekday
    group = patient_group(programme, drug, now.date())
    step_pct = exact(drug.titration_pct_for(group))
    decrease_pct = exact(drug.decrease_large_pct)
    factor = exact(drug.extreme_factor)

    def ratio(d: int) -> Fraction:
        # From nothing to something is an unbounded increase; nothing to nothing is no change.
        if before[d]:
            return after[d] / before[d]
        return Fraction(10**9) if after[d] else Fraction(1)

    ratios = [ratio(d) for d in range(7)]
    up = max(range(7), key=ratios.__getitem__)
    down = min(range(7), key=ratios.__getitem__)
    suffix = "" if against == "the current programme" else f" (against {against})"

    def words(d: int) -> str:
        if not before[d]:
            return f"{_day_words(programme, d)}: 0 -> {num(after[d])} mcg/day{suffix}"
        change = (ratios[d] - 1) * 100
        sign = "+" if change >= 0 else "-"
        return (
            f"{_day_words(programme, d)}: {num(before[d])} -> {num(after[d])} mcg/day "
            f"({sign}{num(abs(change), 1)} %){suffix}"
        )

    if programme.mode in THERAPY and (ratios[up] > factor or ratios[down] < 1 / factor):
        d = up if ratios[up] > factor else down
        add(
            Finding(
                Code.CHANGE_EXTREME,
                f"{words(d)}: more than {num(factor)}x or under 1/{num(factor)} of the "
                f"{'current' if not suffix else 'earlier'} dose. Check for a per-hour/per-day "
                "or decimal-point error.",
                _day_field(programme, d),
            )
        )
    if ratios[up] > 1 + step_pct / 100:
        add(
            Finding(
                Code.CHANGE_ABOVE_TITRATION,
                f"{words(up)}: more than the +{num(step_pct)} % titration step for "
                f"{group.value} patients" + (" (at most one change a day)" if suffix else "") + ".",
                _day_field(programme, up),
            )
        )
    if ratios[down] < 1 - decrease_pct / 100:
        add(
            Finding(
                Code.CHANGE_DECREASE_LARGE,
                f"{words(down)}: a decrease of more than {num(decrease_pct)} % risks withdrawal.",
                _day_field(programme, down),
            )
        )


def _check_bolus_overlap(programme: Programme, add: _Add) -> None:
    """BOLUS_OVERLAP: a pump gives one bolus at a time. A bolus overlaps when it starts before
    an earlier-starting one has ended (one ending at the minute the next starts does not)."""
    order = sorted(range(len(programme.boluses)), key=lambda i: programme.boluses[i].start)
    running: int | None = None  # the bolus that ends last among those started so far
    for i in order:
        b = programme.boluses[i]
        if running is not None:
            r = programme.boluses[running]
            r_end = r.start + timedelta(minutes=r.duration_min)
            if b.start < r_end:
                add(
                    Finding(
                        Code.BOLUS_OVERLAP,
                        f"Bolus on {moment(b.start)} starts while the bolus from "
                        f"{moment(r.start)} ({r.duration_min} min) runs until "
                        f"{r_end:%H:%M}: a pump gives one bolus at a time. Move it to "
                        f"{moment(r_end)} or later.",
                        f"boluses[{i}].start",
                    )
                )
            if b.start + timedelta(minutes=b.duration_min) > r_end:
                running = i
        else:
            running = i


def _check_patient_bolus_allowed(programme: Programme, pump: PumpModel, add: _Add) -> None:
    """PATIENT_BOLUS_NOT_ALLOWED: settings where the pump would not deliver them (stopped) or
    the pump/drug pair does not allow them (catalogue data; domain.md: Prometra's controller is
    not for baclofen). Never silently ignored (product.md)."""
    if programme.patient_bolus is None:
        return
    if programme.mode is Mode.STOPPED:
        why = (
            "a stopped pump delivers no patient-activated bolus; remove the patient-bolus "
            "settings, or choose a mode that delivers"
        )
    elif not pump.allows_patient_bolus(programme.drug.name):
        allowed = ", ".join(pump.patient_bolus_drugs) or "no drug"
        why = (
            f"the {pump.display_name}'s patient controller is not for {programme.drug.name} "
            f"(only {allowed}); remove the patient-bolus settings"
        )
    else:
        return
    add(Finding(Code.PATIENT_BOLUS_NOT_ALLOWED, f"Patient bolus: {why}.", "patient_bolus"))


def _check_boluses(programme: Programme, pump: PumpModel, drug: Drug, add: _Add) -> None:
    _check_bolus_overlap(programme, add)
    _check_patient_bolus_allowed(programme, pump, add)
    limit = exact(drug.bolus_max_mcg)
    for i, b in enumerate(programme.boluses):
        if exact(b.dose_mcg) > limit:
            add(
                Finding(
                    Code.BOLUS_ABOVE_LIMIT,
                    f"Bolus on {moment(b.start)}: {num(b.dose_mcg)} mcg is over the "
                    f"{drug.name} bolus maximum of {num(limit)} mcg.",
                    f"boluses[{i}].dose_mcg",
                )
            )
    pb = programme.patient_bolus
    if pb is None:
        return
    if exact(pb.dose_mcg) > limit:
        add(
            Finding(
                Code.BOLUS_ABOVE_LIMIT,
                f"Patient bolus of {num(pb.dose_mcg)} mcg is over the {drug.name} bolus maximum "
                f"of {num(limit)} mcg.",
                "patient_bolus.dose_mcg",
            )
        )
    if pb.lockout_min < pb.duration_min:
        add(
            Finding(
                Code.PATIENT_BOLUS_LOCKOUT,
                f"Patient bolus lockout of {pb.lockout_min} min is shorter than its "
                f"{pb.duration_min} min duration.",
                "patient_bolus.lockout_min",
            )
        )
    # The lockout runs from the start of one activation to the next (so a lockout under the
    # bolus duration is refused above); the worst-case dose never relies on it: it counts every
    # allowed activation (the conservative reading, product.md "never silently ignored").
    if (pb.max_per_day - 1) * pb.lockout_min >= MINUTES_PER_DAY:
        possible = (MINUTES_PER_DAY - 1) // pb.lockout_min + 1
        add(
            Finding(
                Code.PATIENT_BOLUS_LOCKOUT,
                f"{pb.max_per_day} patient boluses a day cannot fit with a {pb.lockout_min} min "
                f"lockout (at most {possible}).",
                "patient_bolus.max_per_day",
            )
        )


def overfill_finding(volume_ml: Decimal, pump: PumpModel, field: str) -> Finding | None:
    """RESERVOIR_OVERFILL: more than the reservoir holds (domain.md: "New volume may not exceed
    the reservoir size"); one wording for the programme's fill and a refill's volume added."""
    if volume_ml <= pump.reservoir_ml:
        return None
    return Finding(
        Code.RESERVOIR_OVERFILL,
        f"{num(volume_ml, 3)} mL is over the {num(pump.reservoir_ml)} mL reservoir of the "
        f"{pump.display_name}.",
        field,
    )


def _check_reservoir(
    programme: Programme, pump: PumpModel, settings: ClinicSettings, add: _Add
) -> None:
    overfill = overfill_finding(programme.reservoir.volume_ml, pump, "reservoir.volume_ml")
    if overfill is not None:
        add(overfill)
    alarm = programme.pump.low_reservoir_alarm_ml
    if alarm < settings.min_low_alarm_ml:
        add(
            Finding(
                Code.LOW_ALARM_TOO_LOW,
                f"Low-reservoir alarm at {num(alarm, 3)} mL is under the recommended "
                f"{num(settings.min_low_alarm_ml)} mL (raise to 4 mL for patients with "
                "withdrawal signs above 2 mL).",
                "pump.low_reservoir_alarm_ml",
            )
        )


def _check_dates(
    programme: Programme, p: Projection, settings: ClinicSettings, now: datetime, add: _Add
) -> None:
    if p.refill_limited_by is RefillLimit.STABILITY:
        add(
            Finding(
                Code.REFILL_BEYOND_STABILITY,
                f"Next refill by {p.next_refill_at:%Y-%m-%d} is set by the drug's stability "
                "limit, before the low-reservoir alarm.",
                "reservoir.filled_at",
            )
        )
    if p.empty_at is not None and p.empty_at <= now:
        add(
            Finding(
                Code.RESERVOIR_EMPTY,
                f"The reservoir is projected empty since {moment(p.empty_at)} "
                f"({_ago(p.empty_at, now)}): the patient may be in withdrawal. Check the "
                "patient and refill now.",
                "reservoir.volume_ml",
            )
        )
    alarm = p.low_reservoir_alarm_at
    if alarm is not None and alarm <= now:
        add(
            Finding(
                Code.ALARM_BEFORE_REFILL_VISIT,
                f"The low-reservoir alarm has already sounded, on {moment(alarm)} "
                f"({_ago(alarm, now)}): refill now.",
                "reservoir.volume_ml",
            )
        )
    elif alarm is not None and alarm <= shifted(
        now, timedelta(days=settings.alarm_visit_window_days)
    ):
        add(
            Finding(
                Code.ALARM_BEFORE_REFILL_VISIT,
                f"The low-reservoir alarm would sound on {moment(alarm)}, within "
                f"{settings.alarm_visit_window_days} days of now: refill first.",
                "reservoir.volume_ml",
            )
        )
    # REFILL_OVERDUE: the refill date the alarm or the stability limit sets is already past
    # (the replace-by date is the battery's business); a refill due at ``now`` is due, not yet
    # overdue.
    due = [p.stability_limit_at]
    if alarm is not None:
        due.append(
            max(
                shifted(alarm, -timedelta(days=settings.refill_margin_days)),
                programme.reservoir.filled_at,
            )
        )
    refill_due = min(due)
    if refill_due < now:
        by = "stability limit" if refill_due == p.stability_limit_at else "low-reservoir alarm"
        add(
            Finding(
                Code.REFILL_OVERDUE,
                f"The refill was due by {moment(refill_due)} ({_ago(refill_due, now)}, "
                f"set by the {by}): refill now.",
                "reservoir.filled_at",
            )
        )
    if p.refill_limited_by is RefillLimit.REPLACEMENT:
        add(
            Finding(
                Code.REPLACEMENT_BEFORE_REFILL,
                f"The pump's replace-by date {programme.pump.replace_by:%Y-%m-%d} comes before "
                "the refill would otherwise be due: plan the replacement now.",
                "pump.replace_by",
            )
        )


def _ago(moment: datetime, now: datetime) -> str:
    """How long before ``now`` ``moment`` was, in words with its unit."""
    minutes = int((now - moment).total_seconds() // 60)
    if minutes < 60:
        return f"{minutes} min ago"
    if minutes < 48 * 60:
        return f"{minutes // 60} h ago"
    return f"{minutes // (24 * 60)} days ago"
