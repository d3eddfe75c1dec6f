"""The holes an independent clinical review found (issue 9, "The engine must catch"), one test
(or more) per numbered hazard, named after it. Figures are worked by hand from domain.md and
product.md ("Findings (stable codes)", "Rules the table implies, made explicit")."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from programmer.boluses import bridge_bolus
from programmer.check_context import CheckContext
from programmer.finding import Code, Finding, Severity
from programmer.findings import check_programme
from programmer.programme import WEEKDAYS, Mode, Programme, WeekSchedule
from programmer.projection import BridgeGiven, RanBefore, ReservoirModel
from programmer.pump_catalogue import default_pump_catalogue
from programmer.refill import after_refill, expected_residual_ml
from programmer.schedule import (
    basal_rates_by_weekday,
    heaviest_bolus_window,
    highest_rolling_day,
    week_delivery,
)
from programmer.simulated_pump import Alarm, SimulatedPump
from tests.programmer.factories import (
    FILL,
    NOW,
    bolus,
    patient_bolus,
    programme,
    steps,
)

CATALOGUE = default_pump_catalogue()


def findings(
    p: Programme,
    *,
    now: datetime = NOW,
    current: Programme | None = None,
    last_therapy: Programme | None = None,
    day_before: Programme | None = None,
) -> tuple[Finding, ...]:
    context = CheckContext.packaged(
        current=current, last_therapy=last_therapy, day_before=day_before
    )
    return check_programme(p, context, now=now).findings


def of(found: tuple[Finding, ...], code: Code) -> list[Finding]:
    return [f for f in found if f.code is code]


def codes(found: tuple[Finding, ...]) -> set[Code]:
    return {f.code for f in found}


# ------------------------------------------------ 1. concentration changed on the same fill


def test_concentration_changed_on_the_same_fill_is_hard() -> None:
    """2000 mcg/mL in the reservoir programmed as 500 mcg/mL delivers 4x the dose."""
    current = programme(concentration="2000", daily_dose="400")
    changed = programme(concentration="500", daily_dose="400")  # same filled_at
    (f,) = of(findings(changed, current=current), Code.CONCENTRATION_CHANGED_WITHOUT_REFILL)
    assert f.severity is Severity.HARD
    assert f.field == "drug.concentration_mcg_per_ml"
    assert "4x" in f.message and "2000 mcg/mL" in f.message


def test_concentration_changed_with_a_refill_is_not_flagged() -> None:
    current = programme(concentration="2000")
    refilled = after_refill(current, NOW, Decimal(20), Decimal(500))
    assert Code.CONCENTRATION_CHANGED_WITHOUT_REFILL not in codes(
        findings(refilled, current=current)
    )


# ------------------------------------------------ 2. restart at a trap dose


def test_restart_from_stopped_at_a_per_hour_figure_is_extreme_against_the_last_therapy() -> None:
    """Stopped now; the last therapy was 60 mcg/day; 60 mcg/h typed = 1440 mcg/day: 24x."""
    stopped = programme(mode=Mode.STOPPED)
    last = programme(daily_dose="60")
    trap = programme(daily_dose="1440")
    (f,) = of(findings(trap, current=stopped, last_therapy=last), Code.CHANGE_EXTREME)
    assert f.severity is Severity.HARD and "last therapy" in f.message
    # Within 3x of the last therapy: a soft restart finding only.
    ok = findings(programme(daily_dose="150"), current=stopped, last_therapy=last)
    assert Code.CHANGE_EXTREME not in codes(ok)
    assert "tolerance" in of(ok, Code.CHANGE_ABOVE_TITRATION)[0].message


def test_restart_from_minimum_rate_is_judged_like_a_restart_from_stopped() -> None:
    minimum = programme(mode=Mode.MINIMUM_RATE)
    last = programme(daily_dose="100")
    assert Code.CHANGE_EXTREME in codes(
        findings(programme(daily_dose="400"), current=minimum, last_therapy=last)
    )


def test_last_therapy_given_without_a_current_programme_is_judged_as_a_restart() -> None:
    """The conservative reading of ``check --last-therapy FILE`` with no --current."""
    last = programme(daily_dose="60")
    assert Code.CHANGE_EXTREME in codes(findings(programme(daily_dose="400"), last_therapy=last))


def test_restart_above_the_usual_range_with_no_therapy_known_is_extreme() -> None:
    """No last therapy known: above the top of the usual range (800 mcg/day spinal) is hard."""
    stopped = programme(mode=Mode.STOPPED)
    assert Code.CHANGE_EXTREME in codes(findings(programme(daily_dose="801"), current=stopped))
    at_top = findings(programme(daily_dose="800"), current=stopped)
    assert Code.CHANGE_EXTREME not in codes(at_top)
    assert Code.CHANGE_ABOVE_TITRATION in codes(at_top)


# ------------------------------------------------ 3. any 24 hours with planned boluses


def test_boluses_either_side_of_midnight_cannot_pass_a_window_over_the_hard_maximum() -> None:
    """1900 mcg/day and two 75 mcg boluses, 23:00 and 01:00: each calendar day holds 1975 mcg,
    but 22:00 to 22:00 holds 1900 + 150 = 2050 mcg."""
    day = NOW.date() + timedelta(days=1)
    late = datetime.combine(day, datetime.min.time()) + timedelta(hours=23)
    early = late + timedelta(hours=2)
    p = programme(daily_dose="1900", boluses=[bolus(late, "75"), bolus(early, "75")])
    (f,) = of(findings(p), Code.DOSE_ABOVE_HARD_LIMIT)
    assert f.field == "boluses[1].dose_mcg"
    assert "2050 mcg" in f.message
    assert check_programme(p, now=NOW).worst_day_mcg == 2050


def test_patient_bolus_worst_case_is_added_to_the_bolus_window() -> None:
    day = datetime.combine(NOW.date() + timedelta(days=1), datetime.min.time())
    p = programme(
        daily_dose="1801",
        boluses=[bolus(day + timedelta(hours=12), "100")],
        patient_bolus=patient_bolus(dose="25", max_per_day=4),  # 100 mcg a day
    )
    # Each calendar day without the bolus: 1801 + 100 = 1901; with it 2001 mcg.
    (f,) = of(findings(p), Code.DOSE_ABOVE_HARD_LIMIT)
    assert "100 mcg of patient boluses" in f.message and "2001 mcg" in f.message
    assert check_programme(p, now=NOW).worst_day_mcg == 2001


def _oracle(p: Programme) -> Fraction:
    """Minute by minute, independently: the most any whole-minute 24 hours deliver with the
    planned boluses, a bolus counting whole in every window it runs in (the conservative
    reading documented in heaviest_bolus_window)."""
    pump = CATALOGUE.pump(p.pump.model)
    days = basal_rates_by_weekday(p, pump)
    first = min(b.start for b in p.boluses)
    last = max(b.start + timedelta(minutes=b.duration_min) for b in p.boluses)
    origin = datetime.combine(first.date(), datetime.min.time()) - timedelta(days=1)
    span = int((last - origin) / timedelta(minutes=1)) + 2 * 1440
    per_minute: list[Fraction] = []
    for m in range(span + 1440):
        moment = origin + timedelta(minutes=m)
        segments = days[moment.weekday()]
        minute = moment.hour * 60 + moment.minute
        rate = next(r for s, r in reversed(segments) if s <= minute)
        per_minute.append(rate / 60)
    best = Fraction(0)
    window = sum(per_minute[:1440], Fraction(0))  # basal of the 24 hours from minute s
    for s in range(span):
        if s:
            window += per_minute[s + 1439] - per_minute[s - 1]
        start = origin + timedelta(minutes=s)
        end = start + timedelta(days=1)
        inside = [
            b
            for b in p.boluses
            if b.start < end and b.start + timedelta(minutes=b.duration_min) > start
        ]
        if inside:
            best = max(best, window + sum((Fraction(b.dose_mcg) for b in inside), Fraction(0)))
    return best


@settings(max_examples=25, deadline=None)
@given(
    rates=st.lists(st.integers(min_value=5, max_value=90), min_size=7, max_size=7),
    evening=st.integers(min_value=0, max_value=23),
    offsets=st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=2 * 1440),
            st.integers(min_value=1, max_value=120),
            st.integers(min_value=1, max_value=100),
        ),
        min_size=1,
        max_size=3,
    ),
)
def test_bolus_window_matches_a_minute_by_minute_oracle(
    rates: list[int], evening: int, offsets: list[tuple[int, int, int]]
) -> None:
    """Hazard 3's property: the exact window equals an independent minute-by-minute search,
    across midnight and weekdays."""
    week = WeekSchedule.by_weekday(
        {
            d: steps(("00:00", str(rates[i])), (f"{evening:02d}:00", str(rates[(i + 3) % 7])))
            if evening
            else steps(("00:00", str(rates[i])))
            for i, d in enumerate(WEEKDAYS)
        }
    )
    start = datetime(2026, 11, 23, 0, 0)
    boluses = [bolus(start + timedelta(minutes=m), str(dose), dur) for m, dur, dose in offsets]
    p = programme(week=week, concentration="2000", boluses=boluses)
    pump = CATALOGUE.pump(p.pump.model)
    window = heaviest_bolus_window(p, pump)
    assert window is not None
    assert window.dose_mcg == _oracle(p)
    # The pruned search (what check_programme runs, with the basal cap) finds the same.
    rolling = highest_rolling_day(p, pump)
    assert rolling is not None
    pruned = heaviest_bolus_window(p, pump, week_delivery(p, pump), rolling.dose_mcg)
    assert pruned is not None and pruned.dose_mcg == window.dose_mcg


# ------------------------------------------------ 4. overlapping planned boluses


def test_overlapping_planned_boluses_are_hard() -> None:
    at = NOW + timedelta(days=1)
    p = programme(boluses=[bolus(at, "20", 30), bolus(at + timedelta(minutes=29), "20", 30)])
    (f,) = of(findings(p), Code.BOLUS_OVERLAP)
    assert f.severity is Severity.HARD and f.field == "boluses[1].start"
    # One ending at the minute the next starts does not overlap.
    back_to_back = programme(
        boluses=[bolus(at, "20", 30), bolus(at + timedelta(minutes=30), "20", 30)]
    )
    assert Code.BOLUS_OVERLAP not in codes(findings(back_to_back))


# ------------------------------------------------ 5. patient-bolus settings never ignored


def test_patient_boluses_count_in_the_minimum_rate_worst_case() -> None:
    p = programme(mode=Mode.MINIMUM_RATE, patient_bolus=patient_bolus(dose="100", max_per_day=20))
    (f,) = of(findings(p), Code.DOSE_ABOVE_HARD_LIMIT)  # 24 + 2000 mcg in a day
    assert "patient boluses" in f.message


def test_patient_bolus_settings_on_a_stopped_pump_are_refused() -> None:
    (f,) = of(
        findings(programme(mode=Mode.STOPPED, patient_bolus=patient_bolus())),
        Code.PATIENT_BOLUS_NOT_ALLOWED,
    )
    assert f.severity is Severity.HARD and f.field == "patient_bolus"


def test_patient_bolus_on_prometra_with_baclofen_is_refused_by_catalogue_data() -> None:
    """domain.md: Prometra's Patient Therapy Controller is not for intrathecal baclofen."""
    prometra = programme(model="prometra-ii-20", alarm="3", patient_bolus=patient_bolus())
    (f,) = of(findings(prometra), Code.PATIENT_BOLUS_NOT_ALLOWED)
    assert "not for baclofen" in f.message
    assert not CATALOGUE.pump("prometra-ii-20").allows_patient_bolus("baclofen")
    synchromed = programme(patient_bolus=patient_bolus())
    assert Code.PATIENT_BOLUS_NOT_ALLOWED not in codes(findings(synchromed))


# ------------------------------------------------ 6. a day that delivers nothing


def test_a_flexible_all_zero_day_is_mode_stopped_whatever_the_mode() -> None:
    """A Prometra allows zero-rate steps: an all-zero Sunday stops baclofen that day."""
    days = {d: steps(("00:00", "20")) for d in WEEKDAYS}
    days["sun"] = steps(("00:00", "0"))
    p = programme(week=WeekSchedule.by_weekday(days), model="prometra-ii-20", alarm="3")
    (f,) = of(findings(p), Code.MODE_STOPPED)
    assert f.field == "week.sun" and "withdrawal" in f.message


# ------------------------------------------------ 7. past dates


def test_a_refill_date_already_past_is_refill_overdue() -> None:
    # 400 mcg/day at 500 mcg/mL: 0.8 mL/day from 20 mL, alarm after 22.5 days, refill due 7
    # days before: 15.5 days after the fill.
    p = programme(filled_at=FILL)
    assert Code.REFILL_OVERDUE not in codes(findings(p, now=FILL + timedelta(days=15)))
    (f,) = of(findings(p, now=FILL + timedelta(days=16)), Code.REFILL_OVERDUE)
    assert f.severity is Severity.SOFT and "low-reservoir alarm" in f.message


def test_a_reservoir_projected_empty_before_now_is_reservoir_empty() -> None:
    p = programme(filled_at=FILL)  # empty after 25 days
    assert Code.RESERVOIR_EMPTY not in codes(findings(p, now=FILL + timedelta(days=24)))
    (f,) = of(findings(p, now=FILL + timedelta(days=26)), Code.RESERVOIR_EMPTY)
    assert "withdrawal" in f.message


def test_next_refill_never_before_the_fill_and_an_old_alarm_is_not_within_7_days() -> None:
    # 2.5 mL: the 2 mL alarm after 15 hours; alarm minus 7 days would be before the fill.
    p = programme(volume="2.5", filled_at=FILL)
    result = check_programme(p, now=FILL + timedelta(days=30))
    assert result.projection.next_refill_at >= FILL
    (alarm,) = of(result.findings, Code.ALARM_BEFORE_REFILL_VISIT)
    assert "within 7 days" not in alarm.message and "already sounded" in alarm.message
    assert "days ago" in alarm.message


# ------------------------------------------------ 8. replace-by beyond the battery


def test_replace_by_later_than_the_battery_service_life_is_implausible() -> None:
    """SynchroMed II shuts off at 7 years (catalogue data)."""
    assert CATALOGUE.pump("synchromed-ii-20").battery_service_life_years == 7
    at_life = programme(implanted_on=date(2024, 5, 2), replace_by=date(2031, 5, 2))
    assert Code.REPLACE_BY_IMPLAUSIBLE not in codes(findings(at_life))
    beyond = programme(implanted_on=date(2024, 5, 2), replace_by=date(2031, 5, 3))
    (f,) = of(findings(beyond), Code.REPLACE_BY_IMPLAUSIBLE)
    assert f.severity is Severity.HARD and f.field == "pump.replace_by"


# ------------------------------------------------ 9. the bridge bolus in the reservoir


def test_expected_residual_accounts_for_the_bridge_bolus() -> None:
    """2000 -> 500 mcg/mL at 400 mcg/day, Ascenda catheter 50 cm: dead space 0.21 + 0.11 =
    0.32 mL. At the new flow (0.8 mL/day) the programme alone would count 4 x 0.32 = 1.28 mL
    over the bridge; the reservoir gives only 0.32 mL: about 1 mL of difference."""
    pump = CATALOGUE.pump("synchromed-ii-20")
    old = programme(concentration="2000", daily_dose="400")
    new = after_refill(old, NOW, Decimal(20), Decimal(500))
    b = bridge_bolus(
        pump,
        CATALOGUE.catheter("ascenda-8781"),
        Decimal(50),
        Decimal(2000),
        Decimal(500),
        Fraction(400),
    )
    assert b.volume_ml == Fraction(32, 100)
    given = BridgeGiven(NOW, b.volume_ml, b.duration_min)
    later = NOW + timedelta(days=3)
    without = expected_residual_ml(new, pump, later)
    with_bridge = expected_residual_ml(new, pump, later, bridges=(given,))
    assert with_bridge - without == Fraction(128, 100) - Fraction(32, 100)


def test_the_simulated_pump_gives_the_bridge_at_the_old_dose_flow() -> None:
    pump_model = CATALOGUE.pump("synchromed-ii-20")
    refilled = programme(concentration="500", daily_dose="400", filled_at=NOW)
    pump = SimulatedPump.implanted(pump_model, refilled, NOW)
    pump.give_bridge_bolus(Fraction(32, 100), Fraction(32, 100) / Fraction(2, 10) * 1440, "bridge")
    pump.advance(NOW + timedelta(days=3))
    model = ReservoirModel(
        refilled, pump_model, worst_case=False, bridges=(pump.bridge,) if pump.bridge else ()
    )
    assert pump.reservoir_ml == model.volume_at(NOW + timedelta(days=3))
    assert pump.reservoir_ml == 20 - Fraction(32, 100) - Fraction(8, 10) * (3 - Fraction(16, 10))


# ------------------------------------------------ 10. filled at or below the alarm volume


def test_simulated_pump_filled_at_the_alarm_volume_alarms_at_once() -> None:
    p = programme(volume="2", filled_at=NOW)
    pump = SimulatedPump.implanted(CATALOGUE.pump("synchromed-ii-20"), p, NOW)
    assert Alarm.LOW_RESERVOIR in pump.alarms
    above = SimulatedPump.implanted(
        CATALOGUE.pump("synchromed-ii-20"), programme(volume="2.5", filled_at=NOW), NOW
    )
    assert Alarm.LOW_RESERVOIR not in above.alarms


def test_simulated_pump_refilled_below_the_alarm_volume_alarms_at_once() -> None:
    p = programme(volume="20", filled_at=NOW)
    pump = SimulatedPump.implanted(CATALOGUE.pump("synchromed-ii-20"), p, NOW)
    pump.stop()
    pump.advance(NOW + timedelta(minutes=1))
    pump.send(after_refill(p, NOW + timedelta(minutes=1), Decimal("1.5")))
    pump.read_back()
    pump.restart()
    assert Alarm.LOW_RESERVOIR in pump.alarms


# ------------------------------------------------ 12. at most one change a day


def test_small_increases_in_one_day_cannot_walk_past_the_titration_limit() -> None:
    """400 -> 500 -> 600 mcg/day within hours: each +25 % of the one before (under the +30 %
    spinal step), but +50 % of the programme in force 24 hours before."""
    day_before = programme(daily_dose="400")
    current = programme(daily_dose="500")
    (f,) = of(
        findings(programme(daily_dose="600"), current=current, day_before=day_before),
        Code.CHANGE_ABOVE_TITRATION,
    )
    assert "24 hours before" in f.message and "+50 %" in f.message
    assert Code.CHANGE_ABOVE_TITRATION not in codes(
        findings(programme(daily_dose="600"), current=current)
    )


def test_small_steps_cannot_walk_past_the_extreme_factor_either() -> None:
    day_before = programme(daily_dose="100")
    current = programme(daily_dose="250")
    assert Code.CHANGE_EXTREME in codes(
        findings(programme(daily_dose="320"), current=current, day_before=day_before)
    )


# ------------------------------------------------ 13. the JSON figures


def test_worst_day_includes_boluses_and_patient_boluses() -> None:
    at = NOW + timedelta(days=1)
    p = programme(boluses=[bolus(at, "50")], patient_bolus=patient_bolus(dose="20", max_per_day=4))
    result = check_programme(p, now=NOW)
    assert result.worst_day_mcg == 400 + 50 + 80
    assert result.projection.worst_case_flow_ml_per_day == Fraction(480, 500)


@pytest.mark.parametrize("now_offset", [0, 1])
def test_change_between_refills_earlier_runs_are_carried_in_the_result(now_offset: int) -> None:
    current = programme(daily_dose="400")
    now = FILL + timedelta(days=5 + now_offset)
    result = check_programme(
        programme(daily_dose="440"), CheckContext.packaged(current=current), now=now
    )
    assert result.earlier and isinstance(result.earlier[-1], RanBefore)
    assert result.earlier[-1].until == now
