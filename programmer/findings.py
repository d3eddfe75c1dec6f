"""Findings: the one pure check of a programme (product.md, "Findings (stable codes)").

:func:`check_programme` returns every problem it sees, never the first only; the editor, the save
path, the confirm dialog and the command line all call it. The engine never clamps a value: it
reports, and the caller decides (a hard finding blocks saving; a soft one needs a typed reason).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from programmer.drug_library import Drug, DrugLibrary, PatientGroup, default_drug_library
from programmer.programme import EVERY_DAY, WEEKDAYS, Mode, Programme, Step
from programmer.projection import (
    ClinicSettings,
    Projection,
    RanBefore,
    RefillLimit,
    project,
    shifted,
)
from programmer.pump_catalogue import PumpCatalogue, PumpModel, default_pump_catalogue
from programmer.schedule import (
    DailyDoses,
    daily_doses,
    highest_rolling_day,
    patient_bolus_max_mcg_per_day,
    step_durations,
)
from programmer.units import MINUTES_PER_DAY, exact


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
    """A figure for a message: at most ``places`` decimals, trailing zeros dropped."""
    text = f"{float(round(Fraction(value), places)):.{places}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def day_label(name: str) -> str:
    return (
        "every day"
        if name == EVERY_DAY
        else {
            "mon": "Monday",
            "tue": "Tuesday",
            "wed": "Wednesday",
            "thu": "Thursday",
            "fri": "Friday",
            "sat": "Saturday",
            "sun": "Sunday",
        }[name]
    )


def _day_field(programme: Programme, weekday: int) -> str:
    if programme.mode is Mode.FLEXIBLE and programme.week is not None:
        return f"week.{programme.week.day_name_for_weekday(weekday)}"
    return "daily_dose_mcg" if programme.mode is Mode.SIMPLE_CONTINUOUS else "mode"


def _day_words(programme: Programme, weekday: int) -> str:
    if programme.mode is Mode.FLEXIBLE and programme.week is not None:
        name = programme.week.day_name_for_weekday(weekday)
        return "Every day" if name == EVERY_DAY else day_label(name)
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

    @property
    def hard(self) -> bool:
        return has_hard(self.findings)


def check_programme(
    programme: Programme,
    *,
    now: datetime,
    current: Programme | None = None,
    library: DrugLibrary | None = None,
    catalogue: PumpCatalogue | None = None,
    settings: ClinicSettings | None = None,
    earlier: Sequence[RanBefore] | None = None,
    confirmed_concentrations: Collection[Decimal] = frozenset(),
) -> CheckResult:
    """Every finding for ``programme`` (against ``current`` for the change limits), with the
    projection the date findings were computed from.

    ``confirmed_concentrations``: concentrations of the programme's drug outside the library
    that were confirmed as a compounded product for this patient (a separate, logged override:
    product.md, CONCENTRATION_UNKNOWN). They pass; the screening concentration never does.

    A change between refills takes effect at ``now``, on what is left of the same fill: unless
    ``earlier`` says which programmes ran on the fill, ``current`` is taken to have run until now
    when it shares the fill, so the new rate is never projected back over days already past."""
    library = library or default_drug_library()
    catalogue = catalogue or default_pump_catalogue()
    settings = settings or ClinicSettings()
    pump = catalogue.pump(programme.pump.model)
    drug = library.drug(programme.drug.name)
    findings: list[Finding] = []
    add = findings.append

    _check_concentration(programme, drug, confirmed_concentrations, add)
    doses = daily_doses(programme, pump)
    _check_schedule(programme, pump, add)
    _check_rates(programme, pump, add)
    _check_daily_limits(programme, pump, drug, doses, now, add)
    if current is not None:
        _check_change(programme, current, drug, doses, catalogue, now, add)
    _check_boluses(programme, pump, drug, add)
    _check_reservoir(programme, pump, settings, add)
    if programme.mode is Mode.STOPPED:
        add(
            Finding(
                Code.MODE_STOPPED,
                f"The programme stops delivery of {programme.drug.name}: abrupt withdrawal "
                "can be life-threatening. Plan monitoring and a restart.",
                "mode",
            )
        )
    if earlier is None:
        earlier = ()
        if current is not None and current.reservoir == programme.reservoir:
            try:
                earlier = (RanBefore(current, catalogue.pump(current.pump.model), now),)
            except KeyError:
                earlier = ()
    projection = project(programme, pump, drug, settings, doses=doses, earlier=earlier)
    _check_dates(programme, projection, settings, now, add)
    return CheckResult(tuple(findings), projection)


def _check_concentration(
    programme: Programme, drug: Drug, confirmed: Collection[Decimal], add: _Add
) -> None:
    conc = programme.drug.concentration_mcg_per_ml
    if conc in drug.concentrations_mcg_per_ml:
        return
    allowed = ", ".join(num(c) for c in drug.concentrations_mcg_per_ml)
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
        for name in programme.week.day_names():
            for i, step in enumerate(programme.week.days[name]):
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
    for where, what, dose_mcg, minutes in boluses:
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
) -> None:
    therapy = programme.mode in (Mode.SIMPLE_CONTINUOUS, Mode.FLEXIBLE)
    ptm = patient_bolus_max_mcg_per_day(programme) if therapy else Fraction(0)
    hard = exact(drug.hard_max_mcg_per_day)
    worst_weekday = max(range(7), key=lambda d: doses.by_weekday[d])
    worst = doses.by_weekday[worst_weekday] + ptm
    ptm_words = (
        f" ({num(doses.by_weekday[worst_weekday])} mcg programmed + {num(ptm)} mcg of "
        "patient boluses)"
        if ptm
        else ""
    )
    if worst > hard:
        add(
            Finding(
                Code.DOSE_ABOVE_HARD_LIMIT,
                f"{_day_words(programme, worst_weekday)}: 24-h total {num(worst)} mcg/day"
                f"{ptm_words} is over the {drug.name} hard maximum of {num(hard)} mcg/day.",
                _day_field(programme, worst_weekday),
            )
        )
    if not worst > hard:
        # Any 24 hours, not only calendar days: with a weekday pattern a heavy evening and the
        # next morning's steps can add up to more than either day.
        rolling = highest_rolling_day(programme, pump)
        if rolling is not None and rolling.dose_mcg + ptm > hard:
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
    # Planned boluses count on the calendar day they start.
    by_date: dict[date, list[int]] = defaultdict(list)
    for i, b in enumerate(programme.boluses):
        by_date[b.start.date()].append(i)
    for day, indices in sorted(by_date.items()):
        total = (
            doses.by_weekday[day.weekday()]
            + ptm
            + sum((exact(programme.boluses[i].dose_mcg) for i in indices), Fraction(0))
        )
        if total > hard and not worst > hard:
            add(
                Finding(
                    Code.DOSE_ABOVE_HARD_LIMIT,
                    f"{day.isoformat()}: with the bolus(es) planned that day the 24-h total is "
                    f"{num(total)} mcg, over the {drug.name} hard maximum of {num(hard)} mcg/day.",
                    f"boluses[{indices[-1]}].dose_mcg",
                )
            )
    if programme.mode is Mode.STOPPED:
        return
    group = patient_group(programme, drug, now.date())
    usual = drug.usual_range[group]
    low_weekday = min(range(7), key=lambda d: doses.by_weekday[d])
    lowest = doses.by_weekday[low_weekday]
    who = {
        PatientGroup.SPINAL: "spinal-origin spasticity",
        PatientGroup.CEREBRAL: "cerebral-origin spasticity",
        PatientGroup.CHILD: "a child under 12",
    }[group]
    range_words = (
        f"the usual {num(usual.low_mcg_per_day)} to {num(usual.high_mcg_per_day)} mcg/day for {who}"
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
                f"{range_words}{extra}.",
                _day_field(programme, low_weekday),
            )
        )
    if worst > exact(usual.high_mcg_per_day):
        add(
            Finding(
                Code.DOSE_OUTSIDE_USUAL_RANGE,
                f"{_day_words(programme, worst_weekday)}: 24-h total {num(worst)} mcg/day"
                f"{ptm_words} is over {range_words}.",
                _day_field(programme, worst_weekday),
            )
        )


def _check_change(
    programme: Programme,
    current: Programme,
    drug: Drug,
    doses: DailyDoses,
    catalogue: PumpCatalogue,
    now: datetime,
    add: _Add,
) -> None:
    """domain.md "Titration": the change in 24-h total against the current programme, weekday by
    weekday. A stopped or minimum-rate programme on either side is not a titration: stopping is
    MODE_STOPPED's business, restarting is flagged for tolerance lost."""
    if programme.mode is Mode.STOPPED:
        return
    try:
        current_pump = catalogue.pump(current.pump.model)
    except KeyError:
        current_pump = catalogue.pump(programme.pump.model)
    before = daily_doses(current, current_pump).by_weekday
    after = doses.by_weekday
    group = patient_group(programme, drug, now.date())
    step_pct = exact(drug.titration_pct_for(group))
    decrease_pct = exact(drug.decrease_large_pct)
    factor = exact(drug.extreme_factor)
    therapy = (Mode.SIMPLE_CONTINUOUS, Mode.FLEXIBLE)
    if current.mode not in therapy:
        if programme.mode in therapy:
            add(
                Finding(
                    Code.CHANGE_ABOVE_TITRATION,
                    f"Restarting {drug.name} at {num(doses.highest)} mcg/day from a "
                    f"{current.mode.value} programme: tolerance may have fallen; consider "
                    "restarting low and titrating.",
                    _day_field(programme, 0),
                )
            )
        return

    def ratio(d: int) -> Fraction:
        # From nothing to something is an unbounded increase; nothing to nothing is no change.
        if before[d]:
            return after[d] / before[d]
        return Fraction(10**9) if after[d] else Fraction(1)

    up = max(range(7), key=ratio)
    down = min(range(7), key=ratio)

    def words(d: int) -> str:
        if not before[d]:
            return f"{_day_words(programme, d)}: 0 -> {num(after[d])} mcg/day"
        change = (ratio(d) - 1) * 100
        sign = "+" if change >= 0 else "-"
        return (
            f"{_day_words(programme, d)}: {num(before[d])} -> {num(after[d])} mcg/day "
            f"({sign}{num(abs(change), 1)} %)"
        )

    if programme.mode in therapy and (ratio(up) > factor or ratio(down) < 1 / factor):
        d = up if ratio(up) > factor else down
        add(
            Finding(
                Code.CHANGE_EXTREME,
                f"{words(d)}: more than {num(factor)}x or under 1/{num(factor)} of the current "
                "dose. Check for a per-hour/per-day or decimal-point error.",
                _day_field(programme, d),
            )
        )
    if ratio(up) > 1 + step_pct / 100:
        add(
            Finding(
                Code.CHANGE_ABOVE_TITRATION,
                f"{words(up)}: more than the +{num(step_pct)} % titration step for "
                f"{group.value} patients.",
                _day_field(programme, up),
            )
        )
    if ratio(down) < 1 - decrease_pct / 100:
        add(
            Finding(
                Code.CHANGE_DECREASE_LARGE,
                f"{words(down)}: a decrease of more than {num(decrease_pct)} % risks withdrawal.",
                _day_field(programme, down),
            )
        )


def _check_boluses(programme: Programme, pump: PumpModel, drug: Drug, add: _Add) -> None:
    limit = exact(drug.bolus_max_mcg)
    for i, b in enumerate(programme.boluses):
        if exact(b.dose_mcg) > limit:
            add(
                Finding(
                    Code.BOLUS_ABOVE_LIMIT,
                    f"Bolus on {b.start:%Y-%m-%d %H:%M}: {num(b.dose_mcg)} mcg is over the "
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


def _check_reservoir(
    programme: Programme, pump: PumpModel, settings: ClinicSettings, add: _Add
) -> None:
    volume = programme.reservoir.volume_ml
    if volume > pump.reservoir_ml:
        add(
            Finding(
                Code.RESERVOIR_OVERFILL,
                f"{num(volume, 3)} mL is over the {pump.display_name} reservoir of "
                f"{num(pump.reservoir_ml)} mL.",
                "reservoir.volume_ml",
            )
        )
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
    if p.low_reservoir_alarm_at is not None and p.low_reservoir_alarm_at <= shifted(
        now, timedelta(days=settings.alarm_visit_window_days)
    ):
        when = "has already sounded" if p.low_reservoir_alarm_at <= now else "would sound"
        add(
            Finding(
                Code.ALARM_BEFORE_REFILL_VISIT,
                f"The low-reservoir alarm {when} on {p.low_reservoir_alarm_at:%Y-%m-%d %H:%M}, "
                f"within {settings.alarm_visit_window_days} days of now: refill first.",
                "reservoir.volume_ml",
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
