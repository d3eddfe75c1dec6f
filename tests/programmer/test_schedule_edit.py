"""The editing operations behind the schedule editor (programmer/schedule_edit.py)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from programmer import schedule_edit as se
from programmer.check_context import CheckContext
from programmer.finding import Code
from programmer.findings import check_programme
from programmer.programme import (
    EVERY_DAY,
    WEEKDAYS,
    Bolus,
    Mode,
    PatientBolus,
    Programme,
    Step,
    WeekSchedule,
)
from programmer.programme_file import dumps, load, loads
from programmer.pump_catalogue import default_pump_catalogue
from programmer.schedule import daily_doses, day_total_mcg, step_durations
from programmer.units import RateUnit, exact

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "flexible.json"
NOW = datetime(2026, 11, 23, 10, 0)
PUMP = default_pump_catalogue().pump("synchromed-ii-20")


@pytest.fixture(scope="module")
def flexible() -> Programme:
    return load(EXAMPLE)


def _with_steps(base: Programme, steps: tuple[Step, ...]) -> Programme:
    return base.with_changes(mode=Mode.FLEXIBLE, week=WeekSchedule.every_day(steps))


def _codes(programme: Programme, current: Programme | None = None) -> set[Code]:
    return {
        f.code
        for f in check_programme(
            programme, CheckContext.packaged(current=current), now=NOW
        ).findings
    }


# ---------------------------------------------------------------- unit entry


def test_exact_entry_converts_without_loss() -> None:
    entry = se.convert_rate(Decimal(60), RateUnit.MCG_PER_DAY, Decimal(500))
    assert entry.exact
    assert entry.nearest == Decimal("2.5")
    assert entry.shown == "2.5 mcg/h"


def test_inexact_entry_is_flagged_with_nearest_offer_not_rounded() -> None:
    entry = se.convert_rate(Decimal(100), RateUnit.MCG_PER_DAY, Decimal(500))
    assert not entry.exact
    assert entry.value == Fraction(25, 6)
    assert entry.shown == "4.166666… mcg/h"
    assert entry.nearest == Decimal("4.166667")
    assert entry.nearest_text == "4.166667 mcg/h (100.000008 mcg/day)"


def test_ml_per_day_entry_uses_concentration() -> None:
    entry = se.convert_rate(Decimal("0.12"), RateUnit.ML_PER_DAY, Decimal(500))
    assert entry.exact and entry.nearest == Decimal("2.5")  # 60 mcg/day
    inexact = se.convert_rate(Decimal("0.2"), RateUnit.ML_PER_DAY, Decimal(500))
    assert not inexact.exact
    assert inexact.nearest_text == "4.166667 mcg/h (0.200000016 mL/day)"


decimals = st.decimals(min_value=0, max_value=100_000, places=3, allow_nan=False)
units = st.sampled_from(list(RateUnit))
concentrations = st.sampled_from([Decimal(50), Decimal(500), Decimal(1000), Decimal(2000)])


@given(decimals, units, concentrations)
def test_entry_round_trip_is_exact_or_offers_the_nearest(
    value: Decimal, unit: RateUnit, conc: Decimal
) -> None:
    entry = se.convert_rate(value, unit, conc)
    if entry.exact:
        assert exact(entry.nearest) == entry.value
        back = se.convert_rate(entry.nearest, RateUnit.MCG_PER_H, conc, unit)
        assert back.value == exact(value)
    else:
        assert abs(exact(entry.nearest) - entry.value) <= Fraction(1, 2 * 10**6)
        assert entry.nearest.as_tuple().exponent >= -6  # type: ignore[operator]


# ---------------------------------------------------------------- steps


def test_set_step_rate_and_start(flexible: Programme) -> None:
    p = se.set_step_rate(flexible, EVERY_DAY, 1, Decimal(30))
    assert p.week is not None and p.week.days[EVERY_DAY][1].rate_mcg_per_h == Decimal(30)
    p = se.set_step_start(p, EVERY_DAY, 1, 6 * 60)
    assert p.week is not None and p.week.days[EVERY_DAY][1] == Step(360, Decimal(30))
    assert flexible.week is not None and flexible.week.days[EVERY_DAY][1].start_min == 420


def test_start_out_of_order_is_kept_and_reported_not_sorted(flexible: Programme) -> None:
    p = se.set_step_start(flexible, EVERY_DAY, 1, 9 * 60)  # after step 3's 08:00
    assert p.week is not None
    assert [s.start_min for s in p.week.days[EVERY_DAY]] == [0, 540, 480]
    assert Code.SCHEDULE_INVALID in _codes(p)


@pytest.mark.parametrize(
    ("rate", "words"),
    [
        (Decimal(-1), "negative"),
        (Decimal("1.1234567"), "decimal places"),
        (Decimal(10**7), "beyond any possible"),
        (Decimal("NaN"), "number"),
    ],
)
def test_rates_the_file_cannot_hold_are_refused(
    flexible: Programme, rate: Decimal, words: str
) -> None:
    with pytest.raises(se.EditError, match=words):
        se.set_step_rate(flexible, EVERY_DAY, 0, rate)


def test_a_rate_over_the_pump_limit_is_kept_and_reported(flexible: Programme) -> None:
    p = se.set_step_rate(flexible, EVERY_DAY, 0, Decimal(5000))
    assert p.week is not None and p.week.days[EVERY_DAY][0].rate_mcg_per_h == Decimal(5000)
    assert Code.RATE_ABOVE_PUMP_MAX in _codes(p)


def test_bad_start_and_missing_step_are_refused(flexible: Programme) -> None:
    with pytest.raises(se.EditError, match="00:00 and 23:59"):
        se.set_step_start(flexible, EVERY_DAY, 1, 1440)
    with pytest.raises(se.EditError, match="no step 4"):
        se.set_step_rate(flexible, EVERY_DAY, 3, Decimal(1))
    with pytest.raises(se.EditError, match="no day 'mon'"):
        se.set_step_rate(flexible, "mon", 0, Decimal(1))
    simple = se.set_mode(flexible, Mode.SIMPLE_CONTINUOUS, PUMP)
    with pytest.raises(se.EditError, match="flexible mode only"):
        se.set_step_rate(simple, EVERY_DAY, 0, Decimal(1))


def test_add_step_at_midpoint_same_rate(flexible: Programme) -> None:
    p = se.add_step(flexible, EVERY_DAY, 1)  # 07:00-08:00 at 60
    assert p.week is not None
    assert p.week.days[EVERY_DAY][2] == Step(450, Decimal("60.0"))
    p = se.add_step(flexible, EVERY_DAY, 2)  # 08:00-24:00 -> 16:00
    assert p.week is not None and p.week.days[EVERY_DAY][3].start_min == 16 * 60


def test_split_step_at_a_given_time(flexible: Programme) -> None:
    p = se.split_step(flexible, EVERY_DAY, 0, 5 * 60)
    assert p.week is not None
    assert [s.start_min for s in p.week.days[EVERY_DAY]] == [0, 300, 420, 480]
    with pytest.raises(se.EditError, match="inside the step"):
        se.split_step(flexible, EVERY_DAY, 0, 7 * 60)


def test_too_short_step_cannot_take_a_new_one(flexible: Programme) -> None:
    p = _with_steps(flexible, (Step(0, Decimal(1)), Step(1439, Decimal(2))))
    with pytest.raises(se.EditError, match="too short"):
        se.add_step(p, EVERY_DAY, 1)


def test_delete_step_gives_its_time_to_the_step_before(flexible: Programme) -> None:
    p = se.delete_step(flexible, EVERY_DAY, 1)
    assert p.week is not None
    assert p.week.days[EVERY_DAY] == (Step(0, Decimal("10.0")), Step(480, Decimal("10.0")))


def test_delete_first_step_keeps_the_day_starting_at_midnight(flexible: Programme) -> None:
    p = se.delete_step(flexible, EVERY_DAY, 0)
    assert p.week is not None
    assert p.week.days[EVERY_DAY] == (Step(0, Decimal("60.0")), Step(480, Decimal("10.0")))
    assert Code.SCHEDULE_INVALID not in _codes(p)


def test_the_only_step_cannot_be_deleted(flexible: Programme) -> None:
    p = _with_steps(flexible, (Step(0, Decimal(10)),))
    with pytest.raises(se.EditError, match="at least one step"):
        se.delete_step(p, EVERY_DAY, 0)


def _day_from(pairs: list[tuple[int, Decimal]]) -> tuple[Step, ...]:
    """A valid day: 00:00 at 5 mcg/h, then the drawn starts (deduplicated, in order)."""
    later = sorted(dict(pairs).items())
    return (Step(0, Decimal(5)), *(Step(m, r) for m, r in later))


steps_strategy = st.lists(
    st.tuples(
        st.integers(min_value=1, max_value=1439),
        st.decimals(min_value=0, max_value=500, places=2, allow_nan=False),
    ),
    max_size=12,
).map(_day_from)


@given(steps_strategy, st.data())
def test_add_and_split_keep_the_day_total(
    flexible: Programme, steps: tuple[Step, ...], data: st.DataObject
) -> None:
    p = _with_steps(flexible, steps)
    index = data.draw(st.integers(min_value=0, max_value=len(steps) - 1))
    try:
        added = se.add_step(p, EVERY_DAY, index)
    except se.EditError:
        assert step_durations(steps)[index] < 2
        return
    assert added.week is not None
    assert day_total_mcg(added.week.days[EVERY_DAY]) == day_total_mcg(steps)
    assert len(added.week.days[EVERY_DAY]) == len(steps) + 1


@given(steps_strategy, st.data())
def test_delete_keeps_every_minute_covered_from_midnight(
    flexible: Programme, steps: tuple[Step, ...], data: st.DataObject
) -> None:
    if len(steps) < 2:
        return
    p = _with_steps(flexible, steps)
    index = data.draw(st.integers(min_value=0, max_value=len(steps) - 1))
    deleted = se.delete_step(p, EVERY_DAY, index)
    assert deleted.week is not None
    remaining = deleted.week.days[EVERY_DAY]
    assert remaining[0].start_min == 0
    assert sum(step_durations(remaining)) == 1440
    # The time of the deleted step went to a neighbour, at that neighbour's rate.
    neighbour = steps[index - 1] if index else steps[1]
    expected = (
        day_total_mcg(steps)
        + (exact(neighbour.rate_mcg_per_h) - exact(steps[index].rate_mcg_per_h))
        * step_durations(steps)[index]
        / 60
    )
    assert day_total_mcg(remaining) == expected


# ---------------------------------------------------------------- scaling


def test_scale_all_by_percent(flexible: Programme) -> None:
    result = se.scale_rates(flexible, Decimal(110), PUMP)
    assert result.programme.week is not None
    assert [s.rate_mcg_per_h for s in result.programme.week.days[EVERY_DAY]] == [
        Decimal(11),
        Decimal(66),
        Decimal(11),
    ]
    assert not result.outside_limits and not result.rounded
    assert daily_doses(result.programme, PUMP).mean == 319


def test_scaling_beyond_pump_limits_is_listed_not_clamped(flexible: Programme) -> None:
    # 60 mcg/h at 500 mcg/mL is 2.88 mL/day; x 1000 % is 28.8 mL/day, over the 24 mL/day maximum.
    result = se.scale_rates(flexible, Decimal(1000), PUMP)
    assert [v.field for v in result.outside_limits] == ["week.every_day[1].rate_mcg_per_h"]
    assert result.outside_limits[0].limit is se.PumpLimit.ABOVE
    assert result.outside_limits[0].after == Decimal(600)
    found = check_programme(result.programme, now=NOW).findings
    assert {f.field for f in found if f.code is Code.RATE_ABOVE_PUMP_MAX} == {
        "week.every_day[1].rate_mcg_per_h"
    }


def test_scaling_that_needs_a_seventh_decimal_says_so(flexible: Programme) -> None:
    p = _with_steps(flexible, (Step(0, Decimal("10.333333")),))
    result = se.scale_rates(p, Decimal(115), PUMP)
    (value,) = result.values
    assert value.rounded
    assert value.exact_after == Fraction(10333333, 10**6) * Fraction(115, 100)
    assert value.after == Decimal("11.883333")


@given(steps_strategy, st.decimals(min_value=0, max_value=400, places=1, allow_nan=False))
def test_scale_limits_agree_with_the_findings(
    flexible: Programme, steps: tuple[Step, ...], percent: Decimal
) -> None:
    result = se.scale_rates(_with_steps(flexible, steps), percent, PUMP)
    findings = check_programme(result.programme, now=NOW).findings
    flagged = {
        f.field for f in findings if f.code in (Code.RATE_BELOW_PUMP_MIN, Code.RATE_ABOVE_PUMP_MAX)
    }
    assert flagged == {v.field for v in result.outside_limits}


def test_scale_simple_daily_dose(flexible: Programme) -> None:
    simple = se.set_mode(flexible, Mode.SIMPLE_CONTINUOUS, PUMP)
    result = se.scale_rates(simple, Decimal(50), PUMP)
    assert result.programme.daily_dose_mcg == Decimal(145)
    assert result.values[0].field == "daily_dose_mcg"


def test_nothing_to_scale_when_stopped(flexible: Programme) -> None:
    with pytest.raises(se.EditError):
        se.scale_rates(se.set_mode(flexible, Mode.STOPPED, PUMP), Decimal(120), PUMP)


# ---------------------------------------------------------------- modes


def test_flexible_to_simple_keeps_the_daily_dose(flexible: Programme) -> None:
    simple = se.set_mode(flexible, Mode.SIMPLE_CONTINUOUS, PUMP)
    assert simple.daily_dose_mcg == Decimal(290) and simple.week is None


def test_simple_to_flexible_gives_one_midnight_step_when_exact(flexible: Programme) -> None:
    simple = se.set_daily_dose(se.set_mode(flexible, Mode.SIMPLE_CONTINUOUS, PUMP), Decimal(300))
    p = se.set_mode(simple, Mode.FLEXIBLE, PUMP)
    assert p.week == WeekSchedule.every_day((Step(0, Decimal("12.5")),))
    assert p.daily_dose_mcg is None


def test_simple_to_flexible_inexact_asks_first(flexible: Programme) -> None:
    simple = se.set_daily_dose(se.set_mode(flexible, Mode.SIMPLE_CONTINUOUS, PUMP), Decimal(100))
    with pytest.raises(se.InexactEntry) as caught:
        se.set_mode(simple, Mode.FLEXIBLE, PUMP)
    assert caught.value.entry.nearest == Decimal("4.166667")
    p = se.set_mode(simple, Mode.FLEXIBLE, PUMP, accept_nearest=True)
    assert p.week == WeekSchedule.every_day((Step(0, Decimal("4.166667")),))


def test_stopped_and_back_uses_the_template(flexible: Programme) -> None:
    stopped = se.set_mode(flexible, Mode.STOPPED, PUMP)
    assert stopped.week is None and stopped.daily_dose_mcg is None
    assert Code.MODE_STOPPED in _codes(stopped)
    again = se.set_mode(stopped, Mode.FLEXIBLE, PUMP, template=flexible)
    assert again == flexible
    no_template = se.set_mode(stopped, Mode.FLEXIBLE, PUMP)
    # The pump's lowest flow, 0.048 mL/day at 500 mcg/mL = 24 mcg/day = 1 mcg/h.
    assert no_template.week == WeekSchedule.every_day((Step(0, Decimal(1)),))


def test_mode_changes_stay_writable(flexible: Programme) -> None:
    p = flexible
    for mode in (Mode.SIMPLE_CONTINUOUS, Mode.MINIMUM_RATE, Mode.FLEXIBLE, Mode.STOPPED):
        p = se.set_mode(p, mode, PUMP, template=flexible)
        assert loads(dumps(p)) == p


# ---------------------------------------------------------------- week pattern


def test_weekday_pattern_round_trip(flexible: Programme) -> None:
    week = se.to_weekday_pattern(flexible)
    assert week.week is not None and set(week.week.days) == set(WEEKDAYS)
    assert not se.days_differ(week)
    assert se.to_every_day(week, "mon") == flexible


def test_copy_day_to_other_days(flexible: Programme) -> None:
    week = se.to_weekday_pattern(flexible)
    week = se.set_step_rate(week, "sat", 1, Decimal(20))
    copied = se.copy_day(week, "sat", ["sun", "fri"])
    assert copied.week is not None
    assert copied.week.days["sun"] == copied.week.days["sat"] == copied.week.days["fri"]
    assert copied.week.days["mon"] != copied.week.days["sat"]
    assert se.days_differ(copied)
    assert loads(dumps(copied)) == copied
    with pytest.raises(se.EditError, match="weekday pattern"):
        se.copy_day(flexible, EVERY_DAY, ["mon"])


# ---------------------------------------------------------------- boluses, concentration


def test_boluses_add_edit_remove(flexible: Programme) -> None:
    bolus = Bolus(datetime(2026, 11, 24, 9, 0), Decimal(150), 60)
    p = se.add_bolus(flexible, bolus)
    assert p.boluses[-1] == bolus
    assert "boluses[1].dose_mcg" in {f.field for f in check_programme(p, now=NOW).findings}
    p = se.set_bolus(p, 1, Bolus(bolus.start, Decimal(40), 60))
    assert p.boluses[1].dose_mcg == Decimal(40)
    p = se.remove_bolus(p, 0)
    assert len(p.boluses) == 1 and p.boluses[0].dose_mcg == Decimal(40)
    with pytest.raises(se.EditError, match="greater than 0"):
        se.add_bolus(flexible, Bolus(bolus.start, Decimal(0), 60))


def test_patient_bolus_settings(flexible: Programme) -> None:
    p = se.set_patient_bolus(flexible, PatientBolus(Decimal(20), 30, 10, 4))
    assert Code.PATIENT_BOLUS_LOCKOUT in _codes(p)  # reported, not refused
    assert se.set_patient_bolus(flexible, None).patient_bolus is None
    with pytest.raises(se.EditError):
        se.set_patient_bolus(flexible, PatientBolus(Decimal(20), 0, 10, 4))


def test_concentration_keeps_the_dose(flexible: Programme) -> None:
    p = se.set_concentration(flexible, Decimal(1000))
    assert p.drug.concentration_mcg_per_ml == Decimal(1000)
    assert daily_doses(p, PUMP).mean == daily_doses(flexible, PUMP).mean
    assert Code.CONCENTRATION_UNKNOWN in _codes(se.set_concentration(flexible, Decimal(750)))


# ---------------------------------------------------------------- fields and changes


def test_parse_field() -> None:
    assert se.parse_field("week.every_day[1].rate_mcg_per_h") == se.FieldRef(
        "week.every_day[1].rate_mcg_per_h", "week", EVERY_DAY, 1, "rate_mcg_per_h"
    )
    assert se.parse_field("week.tue").day == "tue"
    assert se.parse_field("boluses[2].dose_mcg").index == 2
    assert se.parse_field("patient_bolus.lockout_min").attribute == "lockout_min"
    assert se.parse_field("daily_dose_mcg").section == "daily_dose_mcg"
    assert se.step_field("mon", 0, "start") == "week.mon[0].start"


def test_changed_steps_names_what_changed_the_total(flexible: Programme) -> None:
    assert se.changed_steps(flexible, flexible, PUMP, EVERY_DAY) == frozenset()
    p = se.set_step_rate(flexible, EVERY_DAY, 2, Decimal(12))
    assert se.changed_steps(p, flexible, PUMP, EVERY_DAY) == {2}
    moved = se.set_step_start(flexible, EVERY_DAY, 1, 6 * 60)
    assert se.changed_steps(moved, flexible, PUMP, EVERY_DAY) == {1}
    week = se.set_step_rate(se.to_weekday_pattern(flexible), "wed", 0, Decimal(11))
    assert se.changed_steps(week, flexible, PUMP, "wed") == {0}
    assert se.changed_steps(week, flexible, PUMP, "thu") == frozenset()
