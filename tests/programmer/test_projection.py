"""Reservoir projection (domain.md, "Refill arithmetic"; product.md, "Command line")."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from programmer.drug_library import default_drug_library
from programmer.programme import WEEKDAYS, Mode, Programme, WeekSchedule
from programmer.projection import (
    ClinicSettings,
    DeliveryModel,
    Projection,
    RefillLimit,
    project,
    reservoir_curve,
    shifted,
)
from programmer.pump_catalogue import PumpModel, default_pump_catalogue
from programmer.units import exact
from tests.programmer.factories import (
    FILL,
    bolus,
    every_day,
    patient_bolus,
    programme,
    steps,
)
from tests.programmer.strategies import decimals, flexible_days

BACLOFEN = default_drug_library().drug("baclofen")
CATALOGUE = default_pump_catalogue()


def pump_of(p: Programme) -> PumpModel:
    return CATALOGUE.pump(p.pump.model)


def projection_of(p: Programme, settings: ClinicSettings | None = None) -> Projection:
    return project(p, pump_of(p), BACLOFEN, settings)


def domain_example(**changes: object) -> Programme:
    """domain.md: 40 mL of 2000 mcg/mL at 400 mcg/day."""
    fields: dict[str, object] = {
        "model": "synchromed-ii-40",
        "volume": "40",
        "concentration": "2000",
        "daily_dose": "400",
    }
    fields.update(changes)
    return programme(**fields)  # type: ignore[arg-type]


def test_domain_example_alarm_after_190_days_empty_after_200_refill_by_stability() -> None:
    p = domain_example()
    proj = projection_of(p)
    assert proj.daily_dose_mcg == 400
    assert proj.flow_ml_per_day == Fraction(1, 5)
    assert proj.low_reservoir_alarm_at == FILL + timedelta(days=190)
    assert proj.empty_at == FILL + timedelta(days=200)
    assert proj.stability_limit_at == FILL + timedelta(days=180)
    assert proj.next_refill_at == FILL + timedelta(days=180)
    assert proj.refill_limited_by is RefillLimit.STABILITY


def test_refill_set_by_the_alarm_less_the_clinic_margin() -> None:
    # 400 mcg/day at 500 mcg/mL = 0.8 mL/day: 18 mL to the 2 mL alarm is 22.5 days.
    proj = projection_of(programme())
    assert proj.low_reservoir_alarm_at == FILL + timedelta(days=22, hours=12)
    assert proj.next_refill_at == FILL + timedelta(days=15, hours=12)
    assert proj.refill_limited_by is RefillLimit.ALARM
    wider = projection_of(programme(), ClinicSettings(refill_margin_days=10))
    assert wider.next_refill_at == FILL + timedelta(days=12, hours=12)


def test_refill_set_by_the_pump_replacement_date() -> None:
    p = domain_example(replace_by=date(2027, 1, 15))
    proj = projection_of(p)
    assert proj.next_refill_at == datetime(2027, 1, 15)
    assert proj.refill_limited_by is RefillLimit.REPLACEMENT


def test_worst_case_uses_every_patient_bolus() -> None:
    """domain.md: days to alarm with every patient bolus used."""
    p = programme(daily_dose="400", patient_bolus=patient_bolus(dose="20", max_per_day=4))
    proj = projection_of(p)
    assert proj.daily_dose_mcg == 400  # programmed
    assert proj.worst_case_daily_dose_mcg == 480
    assert proj.worst_case_flow_ml_per_day == Fraction(24, 25)
    # 18 mL at 0.96 mL/day = 18.75 days
    assert proj.low_reservoir_alarm_at == FILL + timedelta(days=18, hours=18)


def test_planned_bolus_is_delivered_at_its_start() -> None:
    at = FILL + timedelta(days=2)
    p = programme(daily_dose="400", boluses=[bolus(at, "100")])  # 0.2 mL
    model = DeliveryModel(p, pump_of(p), worst_case=True)
    assert model.volume_at(at) == 20 - Fraction(8, 5)  # not yet
    assert (
        model.volume_at(at + timedelta(minutes=1))
        == 20 - Fraction(8, 5) - Fraction(1, 5) - Fraction(8, 10) / 1440
    )
    # 0.2 mL earlier alarm: 0.25 days = 6 h sooner than 22.5 days
    assert projection_of(p).low_reservoir_alarm_at == FILL + timedelta(days=22, hours=6)


def test_bolus_that_crosses_the_alarm_sets_the_alarm_time() -> None:
    at = FILL + timedelta(days=22)  # 19.7 - 22 x 0.8 = 2.1 mL left; the bolus is 0.2 mL
    p = programme(daily_dose="400", volume="19.7", boluses=[bolus(at, "100")])
    assert projection_of(p).low_reservoir_alarm_at == at


def test_boluses_before_the_fill_do_not_count() -> None:
    p = programme(boluses=[bolus(FILL - timedelta(days=1), "100")])
    assert projection_of(p) == projection_of(programme())


def test_weekday_pattern_is_followed_from_the_fill_weekday() -> None:
    """A fill on Sunday (FILL) with 0.96 mL on Sundays and 0.48 mL other days."""
    days = {d: steps(("00:00", "10")) for d in WEEKDAYS}  # 240 mcg/day = 0.48 mL/day
    days["sun"] = steps(("00:00", "20"))
    fill = datetime(2026, 11, 22, 0, 0)
    assert fill.weekday() == 6
    p = programme(week=WeekSchedule.by_weekday(days), filled_at=fill, volume="20")
    model = DeliveryModel(p, pump_of(p), worst_case=True)
    assert model.volume_at(fill + timedelta(days=1)) == Decimal("19.04")
    assert model.volume_at(fill + timedelta(days=7)) == 20 - Fraction(96 + 6 * 48, 100)
    # 18 mL: 4 whole weeks deliver 15.36 mL; then Sunday 0.96 + 3 days x 0.48 = 2.4 -> 17.76;
    # the remaining 0.24 mL takes half of Thursday.
    proj = projection_of(p)
    assert proj.low_reservoir_alarm_at == fill + timedelta(days=28 + 4, hours=12)
    assert proj.daily_dose_mcg == Fraction(240 * 6 + 480, 7)


def test_flexible_day_alarm_falls_inside_a_step() -> None:
    p = programme(week=every_day(("00:00", "10"), ("07:00", "60"), ("08:00", "10")))
    model = DeliveryModel(p, pump_of(p), worst_case=True)
    alarm = projection_of(p).low_reservoir_alarm_at
    assert alarm is not None
    assert model.volume_at(alarm) >= 2 > model.volume_at(alarm + timedelta(minutes=1))


def test_stopped_pump_never_alarms_and_refill_is_by_stability() -> None:
    proj = projection_of(programme(mode=Mode.STOPPED))
    assert proj.low_reservoir_alarm_at is None and proj.empty_at is None
    assert proj.refill_limited_by is RefillLimit.STABILITY
    assert proj.daily_dose_mcg == 0 and proj.flow_ml_per_day == 0


def test_minimum_rate_flows_at_the_pump_lowest_flow() -> None:
    proj = projection_of(programme(mode=Mode.MINIMUM_RATE))
    assert proj.flow_ml_per_day == Decimal("0.048")
    # Patient boluses are never silently ignored (product.md; this assertion changed with it):
    # the minimum-rate pump still delivers them, so the worst case counts 4 x 20 mcg at 500.
    with_pb = projection_of(programme(mode=Mode.MINIMUM_RATE, patient_bolus=patient_bolus()))
    assert with_pb.worst_case_flow_ml_per_day == Decimal("0.048") + Decimal("0.16")


def test_reservoir_already_at_the_alarm_alarms_at_the_fill() -> None:
    proj = projection_of(programme(volume="1.5"))
    assert proj.low_reservoir_alarm_at == FILL
    assert proj.refill_limited_by is RefillLimit.ALARM


def test_projection_near_the_end_of_the_calendar_does_not_fail() -> None:
    """A fill in year 9999 (or a flow so small the reservoir outlives the calendar) gives
    "never" for dates past 9999-12-31, not an overflow."""
    late = programme(filled_at=datetime(9999, 12, 1, 0, 0), replace_by=date(9999, 12, 31))
    proj = projection_of(late)
    assert proj.low_reservoir_alarm_at == datetime(9999, 12, 23, 12, 0)
    assert proj.stability_limit_at == datetime.max
    tiny = programme(
        week=every_day(("00:00", "0.000001")), model="prometra-ii-40", volume="40", alarm="3"
    )
    proj = projection_of(tiny)
    assert proj.low_reservoir_alarm_at is None and proj.empty_at is None
    early = programme(filled_at=datetime(1, 1, 1), volume="1", implanted_on=date(1, 1, 1))
    assert projection_of(early).next_refill_at == datetime.min


def test_shifted_holds_at_the_calendar_ends() -> None:
    assert shifted(datetime(2026, 1, 1), timedelta(days=1)) == datetime(2026, 1, 2)
    assert shifted(datetime(9999, 12, 31), timedelta(days=1)) == datetime.max
    assert shifted(datetime(1, 1, 1), timedelta(days=-1)) == datetime.min


def test_reservoir_curve_has_midnights_and_both_sides_of_a_bolus() -> None:
    at = FILL + timedelta(days=1, hours=3)
    p = programme(boluses=[bolus(at, "100")])
    points = reservoir_curve(p, pump_of(p), date(2026, 11, 25))
    moments = [m for m, _ in points]
    assert moments[0] == FILL and points[0][1] == 20.0
    assert datetime(2026, 11, 23) in moments and datetime(2026, 11, 25) in moments
    i = moments.index(at)
    assert points[i][1] - points[i + 1][1] > 0.19  # the 0.2 mL bolus
    assert all(a >= b for (_, a), (_, b) in pairwise(points))


# ---------------------------------------------------------------- properties


@st.composite
def delivering_programmes(draw: st.DrawFn) -> Programme:
    model = draw(st.sampled_from(["synchromed-ii-20", "prometra-ii-40"]))
    pump = CATALOGUE.pump(model)
    alarm = str(pump.default_low_alarm_ml)
    fill = draw(
        st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1))
    ).replace(second=0, microsecond=0)
    boluses = draw(
        st.lists(
            st.builds(
                bolus,
                st.integers(0, 60 * 24 * 200).map(lambda m: fill + timedelta(minutes=m)),
                decimals(1, 100, 2).map(str),
            ),
            max_size=3,
        )
    )
    common = {
        "model": model,
        "alarm": alarm,
        "filled_at": fill,
        "volume": str(draw(decimals(0, pump.reservoir_ml, 3))),
        "concentration": draw(st.sampled_from(["500", "1000", "2000"])),
        "boluses": boluses,
        "patient_bolus": draw(st.none() | st.just(patient_bolus())),
    }
    if draw(st.booleans()):
        return programme(daily_dose=str(draw(decimals(0, 1500, 3))), **common)
    days = flexible_days(rates=decimals(0, 100, 3))
    week = draw(
        st.one_of(
            days.map(WeekSchedule.every_day),
            st.fixed_dictionaries({d: days for d in WEEKDAYS}).map(WeekSchedule.by_weekday),
        )
    )
    return programme(week=week, **common)


@given(
    p=delivering_programmes(),
    offsets=st.lists(st.integers(0, 60 * 24 * 400), min_size=2, max_size=6),
)
def test_reservoir_volume_never_rises_between_refills(p: Programme, offsets: list[int]) -> None:
    """volume_at is non-increasing in time: the projection never invents drug."""
    model = DeliveryModel(p, pump_of(p), worst_case=True)
    fill = p.reservoir.filled_at
    volumes = [model.volume_at(fill + timedelta(minutes=m)) for m in sorted(offsets)]
    assert all(a >= b for a, b in pairwise(volumes))
    assert model.volume_at(fill) == exact(p.reservoir.volume_ml)


@given(p=delivering_programmes(), extra=decimals("0.001", 20, 3))
def test_more_drug_in_the_reservoir_never_brings_the_alarm_earlier(
    p: Programme, extra: Decimal
) -> None:
    fuller = p.with_changes(
        reservoir=p.reservoir.__class__(p.reservoir.volume_ml + extra, p.reservoir.filled_at)
    )
    before, after = projection_of(p), projection_of(fuller)
    for a, b in [
        (before.low_reservoir_alarm_at, after.low_reservoir_alarm_at),
        (before.empty_at, after.empty_at),
    ]:
        if a is None:
            assert b is None
        elif b is not None:
            assert b >= a
    assert after.next_refill_at >= before.next_refill_at


@given(p=delivering_programmes())
def test_alarm_is_never_shown_later_than_it_sounds(p: Programme) -> None:
    """Dates are rounded down to the minute: at the alarm time shown the reservoir still holds
    the alarm volume or more; a minute later it holds no more than that."""
    proj = projection_of(p)
    model = DeliveryModel(p, pump_of(p), worst_case=True)
    alarm_ml = exact(p.pump.low_reservoir_alarm_ml)
    if proj.low_reservoir_alarm_at is None:
        return
    if proj.low_reservoir_alarm_at > p.reservoir.filled_at:
        assert model.volume_at(proj.low_reservoir_alarm_at) >= alarm_ml
    assert model.volume_at(proj.low_reservoir_alarm_at + timedelta(minutes=1)) <= alarm_ml


def _reference_delivered_ml(p: Programme, end: datetime) -> Fraction:
    """Volume delivered from the fill to ``end`` walked day by day and step by step, straight
    from the programme (valid days only: the first step at 00:00); an oracle for DeliveryModel."""
    fill = p.reservoir.filled_at
    conc = exact(p.drug.concentration_mcg_per_ml)
    ptm = exact(p.patient_bolus.dose_mcg) * p.patient_bolus.max_per_day if p.patient_bolus else 0
    total = Fraction(0)
    day = datetime.combine(fill.date(), datetime.min.time())
    while day < end:
        if p.week is not None:
            steps_today = p.week.steps_for_weekday(day.weekday())
            pieces = [
                (s.start_min, e, exact(s.rate_mcg_per_h))
                for s, e in zip(
                    steps_today, [*(x.start_min for x in steps_today[1:]), 1440], strict=True
                )
            ]
        else:
            pieces = [(0, 1440, exact(p.daily_dose_mcg or 0) / 24)]
        for start, stop, rate in pieces:
            a = max(day + timedelta(minutes=start), fill)
            b = min(day + timedelta(minutes=stop), end)
            if b > a:
                minutes = Fraction((b - a) // timedelta(microseconds=1), 60_000_000)
                total += minutes * (rate / 60 + Fraction(ptm) / 1440) / conc
        day += timedelta(days=1)
    for b in p.boluses:
        if fill <= b.start < end:
            total += exact(b.dose_mcg) / conc
    return total


@given(
    p=delivering_programmes(),
    offsets=st.lists(st.integers(0, 60 * 24 * 60), min_size=1, max_size=4),
    seconds=st.integers(0, 59),
)
def test_delivery_model_matches_a_step_by_step_walk(
    p: Programme, offsets: list[int], seconds: int
) -> None:
    """The closed-form model gives exactly the volume a plain walk over the days gives."""
    model = DeliveryModel(p, pump_of(p), worst_case=True)
    fill = p.reservoir.filled_at
    for m in offsets:
        moment = fill + timedelta(minutes=m, seconds=seconds)
        assert model.volume_at(moment) == exact(p.reservoir.volume_ml) - _reference_delivered_ml(
            p, moment
        )


# ---------------------------------------------------------------- a change between refills


def test_change_between_refills_is_projected_from_now_not_from_the_fill() -> None:
    """Hazard: projecting a new, higher rate back to the fill date shows an alarm 'already
    sounded' and an early empty date; the change only acts on what is left now."""
    from datetime import datetime, timedelta
    from decimal import Decimal

    from programmer.check_context import CheckContext
    from programmer.finding import Code
    from programmer.findings import check_programme
    from programmer.programme_file import load

    examples = __import__("pathlib").Path(__file__).resolve().parents[2] / "examples"
    current = load(examples / "domain-40ml-2000-400.json")  # 0.2 mL/day from a 40 mL fill
    fill = current.reservoir.filled_at
    now = fill + timedelta(days=100)  # 20 mL delivered, 20 mL left
    doubled = current.with_changes(daily_dose_mcg=Decimal(800))  # 0.4 mL/day from now on
    result = check_programme(doubled, CheckContext.packaged(current=current), now=now)
    # (20 - 2) mL / 0.4 mL/day = 45 days after now; not (40 - 2) / 0.4 = 95 days after the fill.
    assert result.projection.low_reservoir_alarm_at == now + timedelta(days=45)
    assert result.projection.empty_at == now + timedelta(days=50)
    assert Code.ALARM_BEFORE_REFILL_VISIT not in {f.code for f in result.findings}
    # Unchanged, the pending programme projects exactly like the current one.
    same = check_programme(current, CheckContext.packaged(current=current), now=now).projection
    alone = check_programme(current, now=now).projection
    assert same.low_reservoir_alarm_at == alone.low_reservoir_alarm_at == fill + timedelta(days=190)
    assert isinstance(now, datetime)


def test_reservoir_model_chains_programmes_on_one_fill() -> None:
    from datetime import timedelta
    from decimal import Decimal
    from fractions import Fraction

    from programmer.programme_file import load
    from programmer.projection import RanBefore, ReservoirModel
    from programmer.pump_catalogue import default_pump_catalogue

    examples = __import__("pathlib").Path(__file__).resolve().parents[2] / "examples"
    first = load(examples / "domain-40ml-2000-400.json")
    pump = default_pump_catalogue().pump(first.pump.model)
    fill = first.reservoir.filled_at
    second = first.with_changes(daily_dose_mcg=Decimal(800))
    third = first.with_changes(daily_dose_mcg=Decimal(200))
    model = ReservoirModel(
        third,
        pump,
        worst_case=False,
        earlier=(
            RanBefore(first, pump, fill + timedelta(days=10)),
            RanBefore(second, pump, fill + timedelta(days=20)),
        ),
    )
    # 10 days x 0.2 + 10 days x 0.4 = 6 mL, then 0.1 mL/day.
    assert model.volume_at(fill + timedelta(days=10)) == 38
    assert model.volume_at(fill + timedelta(days=20)) == 34
    assert model.volume_at(fill + timedelta(days=30)) == 33
    assert model.when_volume_reaches(Fraction(35)) == fill + timedelta(days=17, hours=12)
    assert model.when_volume_reaches(Fraction(2)) == fill + timedelta(days=20 + 320)


@given(
    high=st.integers(min_value=50, max_value=1500),
    low=st.integers(min_value=50, max_value=1500),
    changed_after_h=st.integers(min_value=1, max_value=24 * 30),
    later_h=st.integers(min_value=0, max_value=24 * 30),
)
def test_reservoir_at_after_a_mid_fill_change_counts_the_earlier_dose_not_the_new_one(
    high: int, low: int, changed_after_h: int, later_h: int
) -> None:
    """domain.md, "Refill arithmetic": expected residual = volume at last refill - delivery
    since. After a change mid-fill the reservoir is the fill less what the earlier programme
    gave until the change and what the new one gave since, exactly; not the new dose projected
    back to the fill (what the Overview once showed)."""
    from programmer.projection import RanBefore, reservoir_at

    before = programme(daily_dose=str(high), volume="20")
    after = programme(daily_dose=str(low), volume="20")
    pump = pump_of(after)
    changed = FILL + timedelta(hours=changed_after_h)
    at = changed + timedelta(hours=later_h)
    left = reservoir_at(after, pump, at, earlier=(RanBefore(before, pump, changed),))
    conc = Fraction(500)
    expected = 20 - Fraction(high, 24) * changed_after_h / conc - Fraction(low, 24) * later_h / conc
    assert left == expected
    alone = reservoir_at(after, pump, at)
    assert alone == 20 - Fraction(low, 24) * (changed_after_h + later_h) / conc
    if high != low:
        assert left != alone


def test_reservoir_at_ignores_a_programme_that_ran_on_another_fill() -> None:
    """A programme of the previous fill delivered from another reservoir: it changes nothing."""
    from programmer.projection import RanBefore, reservoir_at

    old_fill = programme(daily_dose="1500", filled_at=FILL - timedelta(days=30))
    current = programme(daily_dose="400")
    pump = pump_of(current)
    at = FILL + timedelta(days=5)
    earlier = (RanBefore(old_fill, pump, FILL),)
    assert reservoir_at(current, pump, at, earlier=earlier) == reservoir_at(current, pump, at)
    assert reservoir_at(current, pump, at) == 20 - Fraction(400 * 5, 500)


def test_reservoir_curve_passes_through_reservoir_at_after_a_mid_fill_change() -> None:
    """The plotted curve (worst case, no patient bolus here so the same as programmed) and the
    reservoir-now figure come from the same history."""
    from programmer.projection import RanBefore, reservoir_at

    before = programme(daily_dose="800")
    after = programme(daily_dose="300")
    pump = pump_of(after)
    changed = FILL + timedelta(days=11)
    earlier = (RanBefore(before, pump, changed),)
    points = dict(reservoir_curve(after, pump, (FILL + timedelta(days=13)).date(), earlier=earlier))
    midnight = datetime.combine((FILL + timedelta(days=12)).date(), datetime.min.time())
    assert points[midnight] == float(reservoir_at(after, pump, midnight, earlier=earlier))
