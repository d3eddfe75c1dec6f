"""The programme against its pump and drug (product.md, "Findings (stable codes)"): the pump
model and its replace-by date, the concentration against the library, the schedule's shape (steps,
starts, the day covered) and every rate within the pump's flows. Part of the one check,
:func:`programmer.findings.check_programme`.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from decimal import Decimal
from fractions import Fraction

from programmer.drug_library import Drug
from programmer.finding import Add, Code, Finding, num
from programmer.programme import Mode, Programme, Step
from programmer.pump_catalogue import PumpModel
from programmer.schedule import (
    DayForm,
    day_form,
    step_durations,
)
from programmer.units import MINUTES_PER_DAY, exact
from programmer.words import day_label, hhmm, join_figures


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year + years, day=28)


def check_pump(programme: Programme, pump: PumpModel, add: Add) -> None:
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


def check_concentration(
    programme: Programme, drug: Drug, confirmed: Collection[Decimal], add: Add
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


def check_schedule(programme: Programme, pump: PumpModel, add: Add) -> None:
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
    """Whether a day passes every test of :func:`check_schedule` (from 00:00, starts in time
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


def check_rates(programme: Programme, pump: PumpModel, add: Add) -> None:
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
