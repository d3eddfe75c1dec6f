"""Arithmetic of a day of steps and of the week (domain.md: "A flexible schedule's 24-h total =
sum over its steps of rate x duration")."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from programmer.programme import WEEKDAYS, Mode, Step, WeekSchedule
from programmer.pump_catalogue import default_pump_catalogue
from programmer.schedule import (
    basal_rates_by_weekday,
    daily_doses,
    day_total_mcg,
    patient_bolus_max_mcg_per_day,
    step_doses,
    step_durations,
    step_end_min,
)
from programmer.units import apportion, exact
from tests.programmer.factories import every_day, patient_bolus, programme, steps
from tests.programmer.strategies import flexible_days

SYNCHROMED_20 = default_pump_catalogue().pump("synchromed-ii-20")


def test_example_day_totals_290_mcg() -> None:
    """examples/flexible.json: 10 mcg/h, 60 mcg/h from 07:00 to 08:00, then 10 mcg/h."""
    day = steps(("00:00", "10"), ("07:00", "60"), ("08:00", "10"))
    assert step_durations(day) == [420, 60, 960]
    assert step_doses(day) == [70, 60, 160]
    assert day_total_mcg(day) == 290
    assert [step_end_min(day, i) for i in range(3)] == [420, 480, 1440]


def test_last_step_lasts_until_midnight() -> None:
    day = steps(("00:00", "12"), ("23:50", "60"))
    assert step_durations(day) == [1430, 10]
    assert day_total_mcg(day) == Fraction(12 * 1430 + 60 * 10, 60)


def test_a_day_not_starting_at_midnight_wraps_its_last_step() -> None:
    """Invalid for saving (SCHEDULE_INVALID), but still arithmetic: the last step carries on
    until the first start of the next day, so every minute belongs to exactly one step."""
    day = steps(("06:00", "10"), ("18:00", "20"))
    assert step_durations(day) == [720, 720]
    assert sum(step_durations(day)) == 1440
    assert day_total_mcg(day) == 120 + 240


def test_empty_day_has_no_dose() -> None:
    assert step_durations([]) == []
    assert day_total_mcg([]) == 0


def test_daily_doses_by_mode() -> None:
    catalogue = default_pump_catalogue()
    pump = catalogue.pump("synchromed-ii-20")
    assert daily_doses(programme(mode=Mode.STOPPED), pump).by_weekday == (0,) * 7
    # Minimum rate: the pump's lowest flow at the fill concentration, 0.048 mL/day x 500 mcg/mL.
    assert daily_doses(programme(mode=Mode.MINIMUM_RATE), pump).by_weekday == (24,) * 7
    assert daily_doses(programme(daily_dose="400"), pump).by_weekday == (400,) * 7
    flexible = programme(week=every_day(("00:00", "10"), ("07:00", "60"), ("08:00", "10")))
    doses = daily_doses(flexible, pump)
    assert doses.by_weekday == (290,) * 7
    assert doses.mean == doses.highest == doses.lowest == 290
    assert not doses.varies


def test_weekday_pattern_gives_each_day_its_own_total_monday_first() -> None:
    days = {d: steps(("00:00", str(10 + i))) for i, d in enumerate(WEEKDAYS)}
    p = programme(week=WeekSchedule.by_weekday(days))
    doses = daily_doses(p, SYNCHROMED_20)
    assert doses.by_weekday == tuple(Fraction(24 * (10 + i)) for i in range(7))
    assert doses.highest == 24 * 16 and doses.lowest == 240
    assert doses.mean == Fraction(24 * 13)
    assert doses.varies


def test_patient_boluses_add_dose_times_activations() -> None:
    assert patient_bolus_max_mcg_per_day(programme()) == 0
    p = programme(patient_bolus=patient_bolus(dose="20.5", max_per_day=4))
    assert patient_bolus_max_mcg_per_day(p) == 82


def test_basal_rates_make_the_wrap_around_explicit() -> None:
    p = programme(week=every_day(("06:00", "10"), ("18:00", "20")))
    segments = basal_rates_by_weekday(p, SYNCHROMED_20)
    assert segments == [[(0, 20), (360, 10), (1080, 20)]] * 7


def test_basal_rates_of_simple_continuous_are_one_even_rate() -> None:
    segments = basal_rates_by_weekday(programme(daily_dose="400"), SYNCHROMED_20)
    assert segments == [[(0, Fraction(50, 3))]] * 7


# ---------------------------------------------------------------- properties

three_place_rates = st.decimals(
    min_value=0, max_value=Decimal(1000), places=3, allow_nan=False, allow_infinity=False
)


@given(day=flexible_days(rates=three_place_rates))
def test_day_total_equals_sum_of_step_doses_exactly(day: tuple[Step, ...]) -> None:
    """For any valid flexible day (steps at whole minutes strictly increasing from 00:00, rates
    with at most 3 decimals) the 24-h total is exactly the sum of rate x duration, and the
    step doses shown at 2 decimals add up to the total shown."""
    ends = [s.start_min for s in day[1:]] + [1440]
    oracle = sum(
        (
            exact(s.rate_mcg_per_h) * (end - s.start_min) / 60
            for s, end in zip(day, ends, strict=True)
        ),
        Fraction(0),
    )
    assert sum(step_durations(day)) == 1440
    assert day_total_mcg(day) == oracle == sum(step_doses(day), Fraction(0))
    shown = apportion(step_doses(day), 2)
    assert sum(shown.parts, Decimal(0)) == shown.total


@given(day=flexible_days(rates=three_place_rates))
def test_day_total_does_not_depend_on_the_order_steps_are_listed(day: tuple[Step, ...]) -> None:
    assert day_total_mcg(tuple(reversed(day))) == day_total_mcg(day)
