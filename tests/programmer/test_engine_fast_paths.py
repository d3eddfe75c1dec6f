"""The engine's fast paths (issue 14, budgets) give exactly what the plain computation gives.

Each test computes the plain way here (Fractions, one step or one minute at a time) and asks the
engine's faster form for the same thing, for arbitrary inputs: a fast path that drifted by one
microgram or chose another window would change a finding a clinician reads."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from programmer.check_context import CheckContext
from programmer.device_checks import check_rates, check_schedule
from programmer.finding import Code, Finding
from programmer.findings import check_programme
from programmer.programme import WEEKDAYS, Bolus, Programme, Step, WeekSchedule
from programmer.pump_catalogue import default_pump_catalogue
from programmer.schedule import (
    DailyDoses,
    basal_rates_by_weekday,
    day_form,
    day_total_mcg,
    heaviest_bolus_window,
    highest_rolling_day,
    step_durations,
    week_delivery,
)
from programmer.units import MINUTES_PER_DAY, exact
from tests.programmer.factories import patient_bolus, programme
from tests.programmer.strategies import decimals, file_programmes, flexible_days, minutes
from tests.programmer.test_findings import dosing_programmes
from tests.programmer.test_review_hazards import _oracle as bolus_window_oracle

CATALOGUE = default_pump_catalogue()
MODELS = sorted(CATALOGUE.pumps)
FILL = datetime(2026, 11, 22, 9, 30)


@given(
    value=decimals(-1_000_000, 1_000_000, 6)
    | st.integers(-(10**12), 10**12)
    | st.sampled_from([Decimal("1.0"), Decimal("1.00"), Decimal(1), 1, Decimal("-0"), 0])
)
def test_a_kept_fraction_is_the_exact_value_of_what_was_typed(value: Decimal | int) -> None:
    """``exact`` keeps the Fractions of typed values: asked again, or for an equal value
    written otherwise (1, 1.0, 1.00), it gives the same exact Fraction."""
    first, again = exact(value), exact(value)
    assert type(first) is Fraction and first == again == Fraction(value)


def _plain_durations(steps: list[Step]) -> list[int]:
    """Each step until the next start in time order (the later-listed at an equal start), the
    last until the first start of the next day."""
    order = sorted(range(len(steps)), key=lambda i: (steps[i].start_min, i))
    durations = [0] * len(steps)
    for pos, i in enumerate(order):
        following = steps[order[(pos + 1) % len(order)]].start_min
        durations[i] = (
            following - steps[i].start_min + (MINUTES_PER_DAY if pos + 1 == len(order) else 0)
        )
    return durations


@given(
    starts=st.lists(st.integers(0, MINUTES_PER_DAY - 1), max_size=14)
    | flexible_days().map(lambda day: [s.start_min for s in day])
)
def test_step_durations_in_time_order_equal_the_sorted_computation(starts: list[int]) -> None:
    """The shortcut for steps listed in time order gives what sorting gives, and any order
    (unsorted, equal starts) still takes the sorted way."""
    steps = [Step(s, Decimal(1)) for s in starts]
    assert step_durations(steps) == _plain_durations(steps)


@given(
    doses=st.lists(
        st.fractions() | st.sampled_from([Fraction(290), Fraction(580, 2)]), min_size=7, max_size=7
    )
)
def test_weekly_figures_worked_out_once_equal_the_fraction_arithmetic(
    doses: list[Fraction],
) -> None:
    """The mean, the highest and lowest day and the first weekday of each (the weekday a
    finding names), worked out in integers when the doses are made, equal the Fraction sum and
    comparisons."""
    weekly = DailyDoses(tuple(doses))
    assert weekly.mean == sum(doses, Fraction(0)) / 7
    assert (weekly.highest, weekly.lowest) == (max(doses), min(doses))
    assert weekly.highest_weekday == max(range(7), key=lambda d: doses[d])
    assert weekly.lowest_weekday == min(range(7), key=lambda d: doses[d])


def _plain_heaviest_day(p: Programme) -> tuple[Fraction, int, int]:
    """Minute by minute over the repeating week: the most any 24 hours deliver, and the first
    minute (weekday, minute of the day) such 24 hours start."""
    days = basal_rates_by_weekday(p, CATALOGUE.pump(p.pump.model))
    scale = math.lcm(*(rate.denominator for day in days for _, rate in day))
    per_minute: list[int] = []  # mcg/h x scale, each minute of the week
    for day in days:
        ends = [s for s, _ in day[1:]] + [MINUTES_PER_DAY]
        for (start, rate), end in zip(day, ends, strict=True):
            per_minute += [int(rate * scale)] * (end - start)
    doubled = per_minute + per_minute[:MINUTES_PER_DAY]
    window = sum(doubled[:MINUTES_PER_DAY])
    best, best_start = window, 0
    for i in range(1, len(per_minute)):
        window += doubled[i + MINUTES_PER_DAY - 1] - doubled[i - 1]
        if window > best:
            best, best_start = window, i
    weekday, minute = divmod(best_start, MINUTES_PER_DAY)
    return Fraction(best, 60 * scale), weekday, minute


@settings(max_examples=40)
@given(days=st.lists(flexible_days(max_steps=6, rates=decimals(0, 90, 1)), min_size=7, max_size=7))
def test_rolling_day_sweep_finds_the_first_heaviest_24_hours_minute_by_minute(
    days: list[tuple[Step, ...]],
) -> None:
    """The sweep over step edges names the same 24 hours as trying every minute: the most
    delivered and the first start that delivers it (its time is in the finding's message)."""
    p = programme(week=WeekSchedule.by_weekday(dict(zip(WEEKDAYS, days, strict=True))))
    rolling = highest_rolling_day(p, CATALOGUE.pump(p.pump.model))
    assert rolling is not None
    assert (rolling.dose_mcg, rolling.weekday, rolling.start_min) == _plain_heaviest_day(p)


# Rates around a pump's lowest and highest flow at the concentrations below (SynchroMed II at
# 500 mcg/mL: 1 to 500 mcg/h), zero, and the limits themselves.
_rates = (
    decimals(0, 3, 3)
    | decimals(0, 700, 3)
    | st.sampled_from([Decimal(0), Decimal(1), Decimal("0.999"), Decimal(500), Decimal("500.001")])
)


@st.composite
def _rate_programmes(draw: st.DrawFn) -> Programme:
    days = flexible_days(max_steps=4, rates=_rates)
    week = draw(
        days.map(WeekSchedule.every_day)
        | st.lists(days, min_size=7, max_size=7).map(
            lambda d: WeekSchedule.by_weekday(dict(zip(WEEKDAYS, d, strict=True)))
        )
    )
    boluses = draw(
        st.lists(
            st.builds(
                Bolus,
                st.just(FILL + timedelta(hours=1)),
                decimals("0.001", 1000, 3),
                st.integers(1, 120),
            ),
            max_size=3,
        )
    )
    pb = draw(
        st.none()
        | st.builds(
            patient_bolus, dose=decimals("0.001", 200, 3).map(str), duration=st.integers(1, 60)
        )
    )
    return programme(
        week=week,
        model=draw(st.sampled_from(MODELS)),
        concentration=draw(st.sampled_from(["500", "2000", "50", "1000"])),
        boluses=boluses,
        patient_bolus=pb,
    )


def _plain_rate_codes(p: Programme) -> list[tuple[Code, str]]:
    """Every step and bolus compared on its own, as flows in Fractions."""
    pump = CATALOGUE.pump(p.pump.model)
    conc = exact(p.drug.concentration_mcg_per_ml)
    lo, hi = exact(pump.min_flow_ml_per_day), exact(pump.max_flow_ml_per_day)
    expected = []
    assert p.week is not None
    for name in p.week.day_names():
        for i, step in enumerate(p.week.days[name]):
            flow = exact(step.rate_mcg_per_h) * 24 / conc
            field = f"week.{name}[{i}].rate_mcg_per_h"
            if flow == 0:
                if not pump.zero_rate_steps:
                    expected.append((Code.RATE_BELOW_PUMP_MIN, field))
            elif flow < lo:
                expected.append((Code.RATE_BELOW_PUMP_MIN, field))
            elif flow > hi:
                expected.append((Code.RATE_ABOVE_PUMP_MAX, field))
    asked = [(f"boluses[{i}]", b.dose_mcg, b.duration_min) for i, b in enumerate(p.boluses)]
    if p.patient_bolus is not None:
        asked.append(("patient_bolus", p.patient_bolus.dose_mcg, p.patient_bolus.duration_min))
    for where, dose, lasting in asked:
        if exact(dose) / conc * MINUTES_PER_DAY / lasting > hi:
            expected.append((Code.RATE_ABOVE_PUMP_MAX, f"{where}.duration_min"))
    return expected


@given(p=_rate_programmes())
def test_rate_findings_with_the_week_checked_at_once_equal_each_step_checked(
    p: Programme,
) -> None:
    """Hazard: the week's rates compared at their lowest and highest, and the boluses' flows in
    integers, must flag exactly the steps and boluses outside the pump's flows that comparing
    each one as a flow would, in the same order: none hidden, none invented."""
    found: list[Finding] = []
    check_rates(p, CATALOGUE.pump(p.pump.model), found.append)
    assert [(f.code, f.field) for f in found] == _plain_rate_codes(p)


# Any day a WeekSchedule can hold: unsorted, equal starts, empty, too many or too short steps.
any_days = (
    st.lists(
        st.builds(Step, st.integers(0, MINUTES_PER_DAY - 1), decimals(0, 500, 3)), max_size=15
    ).map(tuple)
    | flexible_days()
)


def _plain_minute_rates(steps: tuple[Step, ...]) -> list[Fraction]:
    """The rate (mcg/h) the pump gives in each minute of the day: the step started last at or
    before it (the later-listed at an equal start), before the first start the day's last."""
    if not steps:
        return [Fraction(0)] * MINUTES_PER_DAY
    ordered = [s for _, s in sorted(enumerate(steps), key=lambda e: (e[1].start_min, e[0]))]
    rates = []
    for minute in range(MINUTES_PER_DAY):
        started = [s for s in ordered if s.start_min <= minute]
        rates.append(exact((started[-1] if started else ordered[-1]).rate_mcg_per_h))
    return rates


@settings(max_examples=60)
@given(steps=any_days)
def test_a_day_worked_out_once_equals_the_plain_computation(steps: tuple[Step, ...]) -> None:
    """The form kept for a day's steps is what the plain computation gives: durations, the
    24-h total as the sum of the step doses, the delivered segments minute by minute, the
    extremes; and the same whether worked out now, kept, or asked for with an equal copy."""
    form = day_form(steps)
    assert day_form(steps) is form  # kept
    assert day_form(tuple(list(steps))) == form == day_form(list(steps))
    assert list(form.durations) == _plain_durations(list(steps)) == step_durations(steps)
    doses = [exact(s.rate_mcg_per_h) * m / 60 for s, m in zip(steps, form.durations, strict=True)]
    assert form.total_mcg == sum(doses, Fraction(0)) == day_total_mcg(steps)
    ends = [start for start, _ in form.delivered[1:]] + [MINUTES_PER_DAY]
    expanded = []
    for (start, rate), end in zip(form.delivered, ends, strict=True):
        expanded += [exact(rate)] * (end - start)
    assert form.delivered[0][0] == 0 and expanded == _plain_minute_rates(steps)
    assert form.integer == tuple((s, r.as_integer_ratio()) for s, r in form.delivered)
    starts = [s.start_min for s in steps]
    assert form.in_time_order == (starts == sorted(set(starts)))
    assert form.shortest_min == min(form.durations, default=None)
    rates = [s.rate_mcg_per_h for s in steps]
    assert (form.lowest_rate, form.highest_rate) == (
        min(rates, default=None),
        max(rates, default=None),
    )


def _total_of_a_new_day(rate: int) -> Fraction:
    """The total of a day made here and freed on return (the next one may reuse its identity)."""
    return day_total_mcg((Step(0, Decimal(rate)), Step(600, Decimal("2.5"))))


def test_an_edited_day_is_never_given_the_form_of_the_day_it_replaced() -> None:
    """Hazard: the forms are kept by the identity of the steps tuple. A day edited into a new
    tuple gets its own total, also once the tuple it replaced is freed and its identity given
    to the new one, and after the kept forms were dropped."""
    for i in range(3 * 512):
        rate = i % 50 + 1
        assert _total_of_a_new_day(rate) == rate * 10 + Fraction(5, 2) * 14
        steps = (Step(0, Decimal(rate)), Step(600, Decimal("2.5")))
        edited = (steps[0], Step(600, Decimal(i % 7)))
        assert day_total_mcg(steps) == rate * 10 + Fraction(5, 2) * 14
        assert day_total_mcg(edited) == rate * 10 + (i % 7) * 14


def _plain_schedule_codes(p: Programme) -> list[tuple[Code, str]]:
    pump = CATALOGUE.pump(p.pump.model)
    expected: list[tuple[Code, str]] = []
    assert p.week is not None
    for name in p.week.day_names():
        steps = p.week.days[name]
        if not steps:
            expected.append((Code.SCHEDULE_INVALID, f"week.{name}"))
            continue
        if steps[0].start_min != 0:
            expected.append((Code.SCHEDULE_INVALID, f"week.{name}[0].start"))
        starts = [s.start_min for s in steps]
        late = [i for i in range(1, len(steps)) if starts[i] <= starts[i - 1]]
        expected += [(Code.SCHEDULE_INVALID, f"week.{name}[{i}].start") for i in late]
        if len(steps) > pump.max_steps_per_day:
            expected.append((Code.SCHEDULE_INVALID, f"week.{name}"))
        if not late:
            lasting = [b - a for a, b in zip(starts, [*starts[1:], starts[0] + 1440], strict=True)]
            short = [i for i, m in enumerate(lasting) if m < pump.min_step_min]
            expected += [(Code.SCHEDULE_INVALID, f"week.{name}[{i}].start") for i in short]
    return expected


@given(
    week=any_days.map(WeekSchedule.every_day)
    | st.lists(any_days, min_size=7, max_size=7).map(
        lambda d: WeekSchedule.by_weekday(dict(zip(WEEKDAYS, d, strict=True)))
    ),
    model=st.sampled_from(MODELS),
)
def test_schedule_findings_with_valid_days_passed_at_once_equal_each_rule_checked(
    week: WeekSchedule, model: str
) -> None:
    """Hazard: a day passed as valid from its kept form (in time order, from 00:00, steps
    neither too many nor too short) must be one each schedule rule passes; every other day
    gets every finding the rules give, in order."""
    p = programme(week=week, model=model)
    found: list[Finding] = []
    check_schedule(p, CATALOGUE.pump(model), found.append)
    assert [(f.code, f.field) for f in found] == _plain_schedule_codes(p)


@settings(max_examples=150)
@given(
    p=file_programmes() | dosing_programmes(),
    current=st.none() | file_programmes() | dosing_programmes(),
    now=minutes,
)
def test_a_check_from_kept_day_forms_equals_a_check_worked_out_afresh(
    p: Programme, current: Programme | None, now: datetime
) -> None:
    """The whole check with every day's form kept from before gives exactly the check of an
    equal programme whose days are all new tuples (nothing kept for them)."""
    context = CheckContext.packaged(current=current)
    kept = check_programme(p, context, now=now)
    assert check_programme(p, context, now=now) == kept
    if p.week is not None:
        copy = WeekSchedule({name: tuple(list(steps)) for name, steps in p.week.days.items()})
        afresh = check_programme(p.with_changes(week=copy), context, now=now)
        assert afresh == kept


def _basal_of_24_hours_from(p: Programme, start: datetime) -> Fraction:
    """Minute by minute: the basal dose from ``start`` for 24 hours."""
    days = basal_rates_by_weekday(p, CATALOGUE.pump(p.pump.model))
    total = Fraction(0)
    for m in range(MINUTES_PER_DAY):
        moment = start + timedelta(minutes=m)
        minute = moment.hour * 60 + moment.minute
        total += next(r for s, r in reversed(days[moment.weekday()]) if s <= minute) / 60
    return total


@settings(max_examples=20, deadline=None)
@given(
    days=st.lists(flexible_days(max_steps=8, rates=decimals(1, 90, 2)), min_size=7, max_size=7),
    planned=st.lists(
        st.tuples(st.integers(0, 3 * MINUTES_PER_DAY), st.integers(1, 120), decimals(1, 100, 1)),
        min_size=1,
        max_size=3,
    ),
)
def test_bolus_window_carried_by_slope_names_the_24_hours_it_reports(
    days: list[tuple[Step, ...]], planned: list[tuple[int, int, Decimal]]
) -> None:
    """The heaviest 24 hours with planned boluses, their basal carried from one candidate to
    the next by slope: the dose is the minute-by-minute search's, and it is what the reported
    24 hours deliver, basal minute by minute plus exactly the boluses reported (those that run
    in them), with and without the basal cap the check passes."""
    start = datetime(2026, 11, 23, 0, 0)
    boluses = tuple(Bolus(start + timedelta(minutes=m), dose, d) for m, d, dose in planned)
    week = WeekSchedule.by_weekday(dict(zip(WEEKDAYS, days, strict=True)))
    p = programme(week=week, concentration="2000", boluses=boluses)
    pump = CATALOGUE.pump(p.pump.model)
    rolling = highest_rolling_day(p, pump)
    assert rolling is not None
    expected = bolus_window_oracle(p)
    for cap in (None, rolling.dose_mcg):
        window = heaviest_bolus_window(p, pump, week_delivery(p, pump), cap)
        assert window is not None and window.dose_mcg == expected
        end = window.start + timedelta(days=1)
        running = tuple(
            i
            for i, b in enumerate(boluses)
            if b.start < end and b.start + timedelta(minutes=b.duration_min) > window.start
        )
        assert window.boluses == running
        given_doses = sum((exact(boluses[i].dose_mcg) for i in running), Fraction(0))
        assert window.dose_mcg == _basal_of_24_hours_from(p, window.start) + given_doses
