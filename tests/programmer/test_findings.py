"""Findings: every code check_programme can emit, triggered just past its limit and not at it
(product.md, "Findings (stable codes)"; domain.md for the figures). Each check also verifies
that every finding names a field the programme file has, carries its severity from the table,
and writes its figures with their units."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from programmer.check_context import CheckContext
from programmer.drug_library import default_drug_library
from programmer.finding import SEVERITY, Code, Finding, Severity, has_hard
from programmer.findings import check_programme
from programmer.programme import WEEKDAYS, Mode, Programme, Step, WeekSchedule
from programmer.programme_file import programme_to_json
from programmer.pump_catalogue import default_pump_catalogue
from programmer.units import exact
from tests.programmer.factories import (
    NOW,
    D,
    bolus,
    every_day,
    patient_bolus,
    programme,
    resolve_field,
    steps,
)
from tests.programmer.strategies import decimals, file_programmes, flexible_days, minutes

# product.md's table, written out again: the codes and severities are part of the interface.
PRODUCT_SEVERITIES = {
    "CONCENTRATION_UNKNOWN": "hard",
    "RATE_BELOW_PUMP_MIN": "hard",
    "RATE_ABOVE_PUMP_MAX": "hard",
    "DOSE_ABOVE_HARD_LIMIT": "hard",
    "DOSE_OUTSIDE_USUAL_RANGE": "soft",
    "CHANGE_ABOVE_TITRATION": "soft",
    "CHANGE_DECREASE_LARGE": "soft",
    "CHANGE_EXTREME": "hard",
    "SCHEDULE_INVALID": "hard",
    "BOLUS_ABOVE_LIMIT": "hard",
    "PATIENT_BOLUS_LOCKOUT": "hard",
    "RESERVOIR_OVERFILL": "hard",
    "REFILL_BEYOND_STABILITY": "info",
    "ALARM_BEFORE_REFILL_VISIT": "soft",
    "REPLACEMENT_BEFORE_REFILL": "soft",
    "REFILL_DISCREPANCY": "soft",
    "LOW_ALARM_TOO_LOW": "soft",
    "MODE_STOPPED": "soft",
    "CONCENTRATION_CHANGED_WITHOUT_REFILL": "hard",
    "BOLUS_OVERLAP": "hard",
    "PATIENT_BOLUS_NOT_ALLOWED": "hard",
    "REFILL_OVERDUE": "soft",
    "RESERVOIR_EMPTY": "soft",
    "REPLACE_BY_IMPLAUSIBLE": "hard",
    # Not yet in product.md's table (adversarial clinical review; the lead adds the rows):
    "FILL_VOLUME_CHANGED_WITHOUT_REFILL": "hard",
    "FILL_TIME_AFTER_NOW": "hard",
    "CONCENTRATION_CHANGED_WITHOUT_BRIDGE": "soft",
}

# The unit each code's message must show with its figures.
UNITS = {
    Code.CONCENTRATION_UNKNOWN: ("mcg/mL",),
    Code.RATE_BELOW_PUMP_MIN: ("mL/day", "mcg/h"),
    Code.RATE_ABOVE_PUMP_MAX: ("mL/day", "mcg/h"),
    Code.DOSE_ABOVE_HARD_LIMIT: ("mcg/day",),
    Code.DOSE_OUTSIDE_USUAL_RANGE: ("mcg/day",),
    Code.CHANGE_ABOVE_TITRATION: ("mcg/day",),
    Code.CHANGE_DECREASE_LARGE: ("mcg/day", "%"),
    Code.CHANGE_EXTREME: ("mcg/day",),
    Code.BOLUS_ABOVE_LIMIT: ("mcg",),
    Code.PATIENT_BOLUS_LOCKOUT: ("min",),
    Code.RESERVOIR_OVERFILL: ("mL",),
    Code.LOW_ALARM_TOO_LOW: ("mL",),
}
# A figure in a message is followed by its unit, or by a word that joins it to a figure that
# has one ("300 to 800 mcg/day", "60 -> 1440 mcg/day").
_FIGURE = re.compile(r"(?<![\w.:/-])(\d+(?:\.\d+)?)(?![\w.:/-])")
_AFTER_FIGURE = re.compile(
    r"\s?(mcg/day|mcg/h|mcg/mL|mL/day|mL|mcg|min|%|x\b|to\b|->|days\b|,(?= \d))"
)


def check(
    p: Programme, *, current: Programme | None = None, now: datetime = NOW
) -> tuple[Finding, ...]:
    findings = check_programme(p, CheckContext.packaged(current=current), now=now).findings
    document = programme_to_json(p)
    for f in findings:
        assert f.severity.value == PRODUCT_SEVERITIES[f.code.value]
        resolve_field(document, f.field)  # the field is one the file has
        assert f.message and "\n" not in f.message
        for unit in UNITS.get(f.code, ()):
            assert unit in f.message, (f.code, f.message)
        if f.code in UNITS and f.code is not Code.PATIENT_BOLUS_LOCKOUT:  # that one counts
            _assert_figures_have_units(f.message)
    return findings


def _assert_figures_have_units(message: str) -> None:
    words = re.sub(r"\d{4}-\d{2}-\d{2}( \d{2}:\d{2})?|\d{2}:\d{2}|step \d+|1/\d+", "", message)
    for match in _FIGURE.finditer(words):
        assert _AFTER_FIGURE.match(words, match.end()), (match.group(), message)


def codes(findings: tuple[Finding, ...]) -> list[Code]:
    return [f.code for f in findings]


def of(findings: tuple[Finding, ...], code: Code) -> list[Finding]:
    return [f for f in findings if f.code is code]


def test_severities_are_those_of_product_md() -> None:
    assert {c.value: s.value for c, s in SEVERITY.items()} == PRODUCT_SEVERITIES
    assert {c.value for c in Code} == set(PRODUCT_SEVERITIES)


def test_a_good_programme_has_no_findings() -> None:
    assert check(programme()) == ()


def test_findings_are_pure_and_ignore_the_clock() -> None:
    p = programme(week=every_day(("00:00", "10"), ("07:00", "60"), ("08:00", "10")))
    assert check(p) == check(p)


def test_every_problem_is_reported_not_the_first_only() -> None:
    p = programme(
        week=every_day(("01:00", "90"), ("00:30", "0")),  # 90 mcg/h for 23.5 h
        concentration="750",
        volume="21",
        alarm="1",
        boluses=[bolus(NOW + timedelta(hours=2), "150")],
        patient_bolus=patient_bolus(dose="20", duration=30, lockout=10),
    )
    found = set(codes(check(p)))
    assert {
        Code.CONCENTRATION_UNKNOWN,
        Code.SCHEDULE_INVALID,
        Code.RATE_BELOW_PUMP_MIN,
        Code.DOSE_ABOVE_HARD_LIMIT,
        Code.BOLUS_ABOVE_LIMIT,
        Code.PATIENT_BOLUS_LOCKOUT,
        Code.RESERVOIR_OVERFILL,
        Code.LOW_ALARM_TOO_LOW,
    } <= found


# ---------------------------------------------------------------- concentration


@pytest.mark.parametrize("concentration", ["500", "1000", "2000", "2000.000"])
def test_library_concentrations_pass(concentration: str) -> None:
    assert Code.CONCENTRATION_UNKNOWN not in codes(check(programme(concentration=concentration)))


def test_unknown_concentration_is_a_hard_finding() -> None:
    (f,) = of(check(programme(concentration="750", daily_dose="400")), Code.CONCENTRATION_UNKNOWN)
    assert f.severity is Severity.HARD
    assert f.field == "drug.concentration_mcg_per_ml"
    assert "750 mcg/mL" in f.message and "500, 1000, 2000 mcg/mL" in f.message


def test_mg_per_ml_typed_as_mcg_per_ml_is_refused() -> None:
    """mg/mL vs mcg/mL (domain.md failure patterns): "2" meaning 2 mg/mL is not 2000 mcg/mL."""
    findings = check(programme(concentration="2", daily_dose="400"))
    assert Code.CONCENTRATION_UNKNOWN in codes(findings)
    assert has_hard(findings)


def test_screening_concentration_is_not_a_pump_fill() -> None:
    (f,) = of(check(programme(concentration="50", daily_dose="400")), Code.CONCENTRATION_UNKNOWN)
    assert "screening" in f.message


def test_a_confirmed_compounded_concentration_passes_for_that_value_only() -> None:
    """product.md: confirming a compounded value is a separate, logged override; the check takes
    the confirmed values it is given, and no others."""
    odd = programme(concentration="1500", daily_dose="400")
    confirmed = frozenset({D("1500.0")})
    findings = check_programme(
        odd, CheckContext.packaged(confirmed=(("baclofen", c) for c in confirmed)), now=NOW
    ).findings
    assert Code.CONCENTRATION_UNKNOWN not in codes(findings)
    other = programme(concentration="1200", daily_dose="400")
    findings = check_programme(
        other, CheckContext.packaged(confirmed=(("baclofen", c) for c in confirmed)), now=NOW
    ).findings
    assert Code.CONCENTRATION_UNKNOWN in codes(findings)


def test_the_screening_concentration_stays_unknown_even_if_confirmed() -> None:
    screening = programme(concentration="50", daily_dose="400")
    findings = check_programme(
        screening, CheckContext.packaged(confirmed={("baclofen", D("50"))}), now=NOW
    ).findings
    (f,) = of(findings, Code.CONCENTRATION_UNKNOWN)
    assert "screening" in f.message and f.severity is Severity.HARD


# ---------------------------------------------------------------- pump flow limits


def test_simple_continuous_at_the_lowest_flow_passes() -> None:
    # 0.048 mL/day x 500 mcg/mL = 24 mcg/day
    findings = check(programme(daily_dose="24"))
    assert Code.RATE_BELOW_PUMP_MIN not in codes(findings)


def test_simple_continuous_under_the_lowest_flow_is_hard() -> None:
    (f,) = of(check(programme(daily_dose="23.999")), Code.RATE_BELOW_PUMP_MIN)
    assert f.field == "daily_dose_mcg"
    assert "0.048 mL/day" in f.message


def test_zero_daily_dose_points_to_the_stopped_mode() -> None:
    (f,) = of(check(programme(daily_dose="0")), Code.RATE_BELOW_PUMP_MIN)
    assert "stopped mode" in f.message


def test_simple_continuous_over_the_highest_flow_is_hard() -> None:
    # SynchroMed II highest flow 24 mL/day x 500 mcg/mL = 12000 mcg/day
    assert Code.RATE_ABOVE_PUMP_MAX not in codes(check(programme(daily_dose="12000")))
    (f,) = of(check(programme(daily_dose="12000.001")), Code.RATE_ABOVE_PUMP_MAX)
    assert f.field == "daily_dose_mcg"


def test_flexible_step_rates_at_the_pump_limits_pass() -> None:
    # 1 mcg/h x 24 / 500 mcg/mL = 0.048 mL/day; 500 mcg/h = 24 mL/day
    p = programme(week=every_day(("00:00", "1"), ("12:00", "500")))
    found = codes(check(p))
    assert Code.RATE_BELOW_PUMP_MIN not in found
    assert Code.RATE_ABOVE_PUMP_MAX not in found


def test_flexible_step_rates_past_the_pump_limits_are_hard_and_point_at_the_step() -> None:
    p = programme(week=every_day(("00:00", "0.999"), ("12:00", "500.001")))
    findings = check(p)
    (low,) = of(findings, Code.RATE_BELOW_PUMP_MIN)
    (high,) = of(findings, Code.RATE_ABOVE_PUMP_MAX)
    assert low.field == "week.every_day[0].rate_mcg_per_h"
    assert high.field == "week.every_day[1].rate_mcg_per_h"
    assert "0.999 mcg/h" in low.message and "500.001 mcg/h" in high.message


def test_zero_rate_step_depends_on_the_pump_model() -> None:
    """product.md: a rate of zero is allowed only where the pump model allows it (data)."""
    week = every_day(("00:00", "10"), ("12:00", "0"))
    (f,) = of(check(programme(week=week)), Code.RATE_BELOW_PUMP_MIN)
    assert f.field == "week.every_day[1].rate_mcg_per_h"
    assert "does not allow zero-rate steps" in f.message
    prometra = programme(week=week, model="prometra-ii-20", alarm="3")
    assert Code.RATE_BELOW_PUMP_MIN not in codes(check(prometra))


def test_bolus_too_fast_for_the_pump_is_hard() -> None:
    # 100 mcg at 500 mcg/mL = 0.2 mL; at 24 mL/day that takes 12 min.
    ok = programme(boluses=[bolus(NOW + timedelta(hours=1), "100", 12)])
    assert Code.RATE_ABOVE_PUMP_MAX not in codes(check(ok))
    fast = programme(boluses=[bolus(NOW + timedelta(hours=1), "100", 11)])
    (f,) = of(check(fast), Code.RATE_ABOVE_PUMP_MAX)
    assert f.field == "boluses[0].duration_min"
    assert "100 mcg over 11 min" in f.message


def test_patient_bolus_too_fast_for_the_pump_is_hard() -> None:
    # 20 mcg = 0.04 mL needs 2.4 min at 24 mL/day
    ok = programme(patient_bolus=patient_bolus(dose="20", duration=3))
    assert Code.RATE_ABOVE_PUMP_MAX not in codes(check(ok))
    fast = programme(patient_bolus=patient_bolus(dose="20", duration=2))
    (f,) = of(check(fast), Code.RATE_ABOVE_PUMP_MAX)
    assert f.field == "patient_bolus.duration_min"


# ---------------------------------------------------------------- daily dose limits


def test_exactly_the_hard_maximum_is_not_over_it() -> None:
    findings = check(programme(daily_dose="2000"))
    assert Code.DOSE_ABOVE_HARD_LIMIT not in codes(findings)
    assert not has_hard(findings)


def test_a_hundredth_over_the_hard_maximum_is_hard() -> None:
    (f,) = of(check(programme(daily_dose="2000.01")), Code.DOSE_ABOVE_HARD_LIMIT)
    assert f.severity is Severity.HARD
    assert f.field == "daily_dose_mcg"
    assert "2000.01 mcg/day" in f.message and "2000 mcg/day" in f.message


def test_hard_maximum_counts_every_patient_bolus() -> None:
    """product.md: 24-h total *with all patient boluses used*."""
    at_limit = programme(daily_dose="1920", patient_bolus=patient_bolus(dose="20", max_per_day=4))
    assert Code.DOSE_ABOVE_HARD_LIMIT not in codes(check(at_limit))
    over = programme(daily_dose="1920", patient_bolus=patient_bolus(dose="20.01", max_per_day=4))
    (f,) = of(check(over), Code.DOSE_ABOVE_HARD_LIMIT)
    assert "patient boluses" in f.message and "1920 mcg" in f.message


def test_hard_maximum_on_one_weekday_names_that_weekday() -> None:
    days = {d: steps(("00:00", "40")) for d in WEEKDAYS}  # 960 mcg/day
    days["fri"] = steps(("00:00", "40"), ("12:00", "127"))  # 480 + 1524 = 2004 mcg/day
    (f,) = of(check(programme(week=WeekSchedule.by_weekday(days))), Code.DOSE_ABOVE_HARD_LIMIT)
    assert f.field == "week.fri"
    assert f.message.startswith("Friday")


def test_planned_bolus_pushing_its_day_over_the_hard_maximum_is_hard() -> None:
    day = NOW + timedelta(days=1)
    at_limit = programme(daily_dose="1950", boluses=[bolus(day, "50")])
    assert Code.DOSE_ABOVE_HARD_LIMIT not in codes(check(at_limit))
    over = programme(daily_dose="1950", boluses=[bolus(day, "25"), bolus(day, "25.01")])
    (f,) = of(check(over), Code.DOSE_ABOVE_HARD_LIMIT)
    assert f.field == "boluses[1].dose_mcg"
    assert day.date().isoformat() in f.message


@pytest.mark.parametrize(
    ("origin", "low", "high"), [("spinal", "300", "800"), ("cerebral", "90", "703")]
)
def test_usual_range_edges_are_inside_it(origin: str, low: str, high: str) -> None:
    for dose in (low, high):
        found = codes(check(programme(origin=origin, daily_dose=dose)))
        assert Code.DOSE_OUTSIDE_USUAL_RANGE not in found


@pytest.mark.parametrize(
    ("origin", "dose"),
    [("spinal", "299.99"), ("spinal", "800.01"), ("cerebral", "89.99"), ("cerebral", "703.01")],
)
def test_outside_the_usual_range_is_soft(origin: str, dose: str) -> None:
    findings = check(programme(origin=origin, daily_dose=dose))
    (f,) = of(findings, Code.DOSE_OUTSIDE_USUAL_RANGE)
    assert f.severity is Severity.SOFT and not has_hard(findings)
    assert f"{origin}-origin" in f.message


def test_usual_range_upper_edge_counts_patient_boluses() -> None:
    at_edge = programme(daily_dose="720", patient_bolus=patient_bolus(dose="20", max_per_day=4))
    assert Code.DOSE_OUTSIDE_USUAL_RANGE not in codes(check(at_edge))
    over = programme(daily_dose="720.01", patient_bolus=patient_bolus(dose="20", max_per_day=4))
    assert Code.DOSE_OUTSIDE_USUAL_RANGE in codes(check(over))


def test_child_under_12_gets_the_childrens_range() -> None:
    """domain.md: children under 12, 24 to 1199 mcg/day. Twelve on the day is no longer a child."""
    eleven = date(NOW.year - 12, NOW.month, NOW.day) + timedelta(days=1)
    child = programme(birth_date=eleven, daily_dose="1000")
    assert Code.DOSE_OUTSIDE_USUAL_RANGE not in codes(check(child))
    twelve = programme(birth_date=date(NOW.year - 12, NOW.month, NOW.day), daily_dose="1000")
    (f,) = of(check(twelve), Code.DOSE_OUTSIDE_USUAL_RANGE)
    assert "spinal-origin" in f.message
    (f,) = of(
        check(programme(birth_date=eleven, daily_dose="1199.01")), Code.DOSE_OUTSIDE_USUAL_RANGE
    )
    assert "child under 12" in f.message


def test_minimum_rate_is_below_the_usual_range_and_says_why() -> None:
    (f,) = of(check(programme(mode=Mode.MINIMUM_RATE)), Code.DOSE_OUTSIDE_USUAL_RANGE)
    assert f.field == "mode"
    assert "no therapy" in f.message


# ---------------------------------------------------------------- change against the current


def test_titration_step_edge_is_allowed_and_past_it_is_soft() -> None:
    current = programme(daily_dose="400")
    assert check(programme(daily_dose="520"), current=current) == ()  # +30 %
    findings = check(programme(daily_dose="520.01"), current=current)
    (f,) = of(findings, Code.CHANGE_ABOVE_TITRATION)
    assert f.severity is Severity.SOFT and not has_hard(findings)
    assert "400 -> 520.01 mcg/day" in f.message and "+30 %" in f.message


def test_cerebral_titration_step_is_15_percent() -> None:
    current = programme(daily_dose="400", origin="cerebral")
    assert check(programme(daily_dose="460", origin="cerebral"), current=current) == ()
    found = codes(check(programme(daily_dose="460.01", origin="cerebral"), current=current))
    assert found == [Code.CHANGE_ABOVE_TITRATION]


def test_child_titrates_by_the_most_cautious_step() -> None:
    child = date(NOW.year - 8, 1, 1)
    current = programme(daily_dose="400", birth_date=child)
    assert check(programme(daily_dose="460", birth_date=child), current=current) == ()
    found = codes(check(programme(daily_dose="460.01", birth_date=child), current=current))
    assert found == [Code.CHANGE_ABOVE_TITRATION]


def test_large_decrease_edge_is_allowed_and_past_it_is_soft() -> None:
    """domain.md: down 10 to 20 %; more risks withdrawal."""
    current = programme(daily_dose="400")
    assert check(programme(daily_dose="320"), current=current) == ()
    (f,) = of(check(programme(daily_dose="319.99"), current=current), Code.CHANGE_DECREASE_LARGE)
    assert f.severity is Severity.SOFT
    assert "withdrawal" in f.message


def test_three_times_the_current_dose_is_not_extreme_but_more_is() -> None:
    current = programme(daily_dose="400")
    at_edge = check(programme(daily_dose="1200"), current=current)
    assert Code.CHANGE_EXTREME not in codes(at_edge)
    assert not has_hard(at_edge)
    (f,) = of(check(programme(daily_dose="1200.01"), current=current), Code.CHANGE_EXTREME)
    assert f.severity is Severity.HARD
    assert f.field == "daily_dose_mcg"


def test_a_third_of_the_current_dose_is_not_extreme_but_less_is() -> None:
    current = programme(daily_dose="900")
    assert Code.CHANGE_EXTREME not in codes(check(programme(daily_dose="300"), current=current))
    found = codes(check(programme(daily_dose="299.99"), current=current))
    assert Code.CHANGE_EXTREME in found
    assert Code.CHANGE_DECREASE_LARGE in found


def test_per_hour_entry_cannot_pass_as_per_day() -> None:
    """domain.md's real case: 60 mcg/h programmed for 60 mcg/day, a 24x overdose, must block."""
    current = programme(daily_dose="60", concentration="500")
    typed_per_hour = programme(week=every_day(("00:00", "60")), concentration="500")
    findings = check(typed_per_hour, current=current)
    (f,) = of(findings, Code.CHANGE_EXTREME)
    assert f.severity is Severity.HARD
    assert f.field == "week.every_day"
    assert "60 -> 1440 mcg/day" in f.message and "per-hour/per-day" in f.message


def test_decimal_point_slip_is_extreme() -> None:
    """domain.md: decimal point and extra-zero errors (10x)."""
    current = programme(daily_dose="150")
    assert Code.CHANGE_EXTREME in codes(check(programme(daily_dose="1500"), current=current))
    assert Code.CHANGE_EXTREME in codes(check(programme(daily_dose="15"), current=current))


def test_change_is_judged_weekday_by_weekday() -> None:
    current = programme(daily_dose="400")
    days = {d: steps(("00:00", "16.666")) for d in WEEKDAYS}  # 399.984 mcg/day
    days["sat"] = steps(("00:00", "50.5"))  # 1212 mcg/day, more than 3x
    (f,) = of(
        check(programme(week=WeekSchedule.by_weekday(days)), current=current), Code.CHANGE_EXTREME
    )
    assert f.field == "week.sat"
    assert f.message.startswith("Saturday")


def test_restarting_from_stopped_is_flagged_for_lost_tolerance() -> None:
    findings = check(programme(daily_dose="400"), current=programme(mode=Mode.STOPPED))
    (f,) = of(findings, Code.CHANGE_ABOVE_TITRATION)
    assert "tolerance" in f.message
    assert Code.CHANGE_EXTREME not in codes(findings)


def test_stopping_is_mode_stopped_not_a_change_finding() -> None:
    findings = check(programme(mode=Mode.STOPPED), current=programme(daily_dose="400"))
    assert Code.MODE_STOPPED in codes(findings)
    assert not {Code.CHANGE_EXTREME, Code.CHANGE_DECREASE_LARGE} & set(codes(findings))


def test_nothing_to_nothing_is_not_an_extreme_change() -> None:
    """A current programme delivering 0 mcg/day (all zero-rate steps on a Prometra) and a new
    one that does the same is no change. From 0 to something is a restart (product.md, "Rules
    the table implies", which changed this test: it was an unbounded increase): soft within the
    usual range when no therapy programme is known."""
    zero = programme(week=every_day(("00:00", "0")), model="prometra-ii-20", alarm="3")
    assert Code.CHANGE_EXTREME not in codes(check(zero, current=zero))
    restart = check(programme(daily_dose="400"), current=zero)
    assert Code.CHANGE_EXTREME not in codes(restart)
    (f,) = of(restart, Code.CHANGE_ABOVE_TITRATION)
    assert "Restarting" in f.message and "zero-rate" in f.message


# ---------------------------------------------------------------- schedule rules


def test_valid_flexible_schedule_has_no_schedule_finding() -> None:
    p = programme(week=every_day(*[(f"{h:02d}:00", "16") for h in range(0, 24, 2)]))
    assert Code.SCHEDULE_INVALID not in codes(check(p))


def test_first_step_not_at_midnight_is_invalid() -> None:
    (f,) = of(check(programme(week=every_day(("00:01", "16")))), Code.SCHEDULE_INVALID)
    assert f.field == "week.every_day[0].start"
    assert "00:01" in f.message


def test_steps_not_increasing_are_invalid() -> None:
    week = every_day(("00:00", "16"), ("08:00", "16"), ("08:00", "17"), ("07:00", "16"))
    found = of(check(programme(week=week)), Code.SCHEDULE_INVALID)
    assert [f.field for f in found] == ["week.every_day[2].start", "week.every_day[3].start"]


def test_thirteen_changes_a_day_is_the_synchromed_limit() -> None:
    thirteen = [(f"{h:02d}:00", "16") for h in range(13)]
    assert Code.SCHEDULE_INVALID not in codes(check(programme(week=every_day(*thirteen))))
    fourteen = [*thirteen, ("13:00", "16")]
    (f,) = of(check(programme(week=every_day(*fourteen))), Code.SCHEDULE_INVALID)
    assert f.field == "week.every_day"
    assert "14 steps" in f.message and "13" in f.message


def test_step_shorter_than_the_pump_minimum_is_invalid() -> None:
    """min_step_min (10 min for SynchroMed II) comes from the catalogue, and the last step
    counts until 24:00."""
    ok = programme(
        week=every_day(("00:00", "16"), ("08:00", "20"), ("08:10", "16"), ("23:50", "20"))
    )
    assert Code.SCHEDULE_INVALID not in codes(check(ok))
    short = programme(
        week=every_day(("00:00", "16"), ("08:00", "20"), ("08:09", "16"), ("23:51", "20"))
    )
    found = of(check(short), Code.SCHEDULE_INVALID)
    assert [f.field for f in found] == ["week.every_day[1].start", "week.every_day[3].start"]
    assert all("9 min" in f.message for f in found)


def test_empty_weekday_is_invalid() -> None:
    days = {d: steps(("00:00", "16")) for d in WEEKDAYS}
    days["wed"] = ()
    (f,) = of(check(programme(week=WeekSchedule.by_weekday(days))), Code.SCHEDULE_INVALID)
    assert f.field == "week.wed"


# ---------------------------------------------------------------- boluses


def test_bolus_at_the_library_maximum_passes_and_over_it_is_hard() -> None:
    at = NOW + timedelta(hours=3)
    assert Code.BOLUS_ABOVE_LIMIT not in codes(check(programme(boluses=[bolus(at, "100")])))
    (f,) = of(check(programme(boluses=[bolus(at, "100.01")])), Code.BOLUS_ABOVE_LIMIT)
    assert f.field == "boluses[0].dose_mcg"
    assert "100.01 mcg" in f.message and "100 mcg" in f.message


def test_patient_bolus_over_the_library_maximum_is_hard() -> None:
    ok = programme(patient_bolus=patient_bolus(dose="100", duration=30, max_per_day=1))
    assert Code.BOLUS_ABOVE_LIMIT not in codes(check(ok))
    over = programme(patient_bolus=patient_bolus(dose="100.01", duration=30, max_per_day=1))
    (f,) = of(check(over), Code.BOLUS_ABOVE_LIMIT)
    assert f.field == "patient_bolus.dose_mcg"


def test_patient_bolus_lockout_shorter_than_its_duration_is_hard() -> None:
    ok = programme(patient_bolus=patient_bolus(duration=30, lockout=30))
    assert Code.PATIENT_BOLUS_LOCKOUT not in codes(check(ok))
    (f,) = of(
        check(programme(patient_bolus=patient_bolus(duration=30, lockout=29))),
        Code.PATIENT_BOLUS_LOCKOUT,
    )
    assert f.field == "patient_bolus.lockout_min"


def test_more_patient_boluses_than_the_lockout_allows_in_a_day_is_hard() -> None:
    # Four activations need 3 lockouts inside 24 h: 3 x 479 min fits, 3 x 480 min does not.
    ok = programme(patient_bolus=patient_bolus(dose="5", lockout=479, max_per_day=4))
    assert Code.PATIENT_BOLUS_LOCKOUT not in codes(check(ok))
    (f,) = of(
        check(programme(patient_bolus=patient_bolus(dose="5", lockout=480, max_per_day=4))),
        Code.PATIENT_BOLUS_LOCKOUT,
    )
    assert f.field == "patient_bolus.max_per_day"
    assert "at most 3" in f.message


# ---------------------------------------------------------------- reservoir and alarm


def test_reservoir_full_to_its_size_passes_and_over_it_is_hard() -> None:
    assert Code.RESERVOIR_OVERFILL not in codes(check(programme(volume="20")))
    (f,) = of(check(programme(volume="20.001")), Code.RESERVOIR_OVERFILL)
    assert f.field == "reservoir.volume_ml"
    assert "20.001 mL" in f.message
    assert Code.RESERVOIR_OVERFILL not in codes(
        check(programme(model="synchromed-ii-40", volume="40"))
    )


def test_low_reservoir_alarm_under_2_ml_is_soft() -> None:
    assert Code.LOW_ALARM_TOO_LOW not in codes(check(programme(alarm="2")))
    (f,) = of(check(programme(alarm="1.999")), Code.LOW_ALARM_TOO_LOW)
    assert f.field == "pump.low_reservoir_alarm_ml"
    assert f.severity is Severity.SOFT


def test_stopped_mode_warns_of_withdrawal() -> None:
    (f,) = of(check(programme(mode=Mode.STOPPED)), Code.MODE_STOPPED)
    assert f.field == "mode" and "withdrawal" in f.message
    assert Code.MODE_STOPPED not in codes(check(programme(mode=Mode.MINIMUM_RATE)))


# ---------------------------------------------------------------- dates


def test_refill_set_by_stability_is_reported_as_info() -> None:
    """domain.md: 40 mL of 2000 mcg/mL at 400 mcg/day: the 180-day stability limit sets the
    refill date, before the alarm (190 days) less its 7-day margin."""
    p = programme(model="synchromed-ii-40", volume="40", concentration="2000", daily_dose="400")
    findings = check(p)
    assert codes(findings) == [Code.REFILL_BEYOND_STABILITY]
    (f,) = findings
    assert f.severity is Severity.INFO and f.field == "reservoir.filled_at"
    assert "2027-05-21" in f.message


def test_alarm_within_a_week_of_now_is_soft() -> None:
    # 400 mcg/day at 500 mcg/mL = 0.8 mL/day; 7.6 mL reaches the 2 mL alarm in exactly 7 days.
    at_edge = programme(volume="7.6", filled_at=NOW)
    (f,) = of(check(at_edge), Code.ALARM_BEFORE_REFILL_VISIT)
    assert f.field == "reservoir.volume_ml"
    assert "would sound" in f.message and "2026-11-29 10:00" in f.message
    later = programme(volume="7.6008", filled_at=NOW)  # 1.44 minutes later
    assert Code.ALARM_BEFORE_REFILL_VISIT not in codes(check(later))


def test_alarm_already_sounded_says_so() -> None:
    p = programme(volume="7.6", filled_at=NOW - timedelta(days=30))
    (f,) = of(check(p), Code.ALARM_BEFORE_REFILL_VISIT)
    assert "already sounded" in f.message


def test_replacement_before_the_refill_is_soft() -> None:
    """product.md: the pump's replace-by date before the refill would otherwise be due. On a
    tie with the stability limit, stability is named (the refill is due either way)."""
    filled = datetime(2026, 11, 22, 0, 0)
    base = {
        "model": "synchromed-ii-40",
        "volume": "40",
        "concentration": "2000",
        "filled_at": filled,
    }
    tie = programme(**base, replace_by=date(2027, 5, 21))  # = fill + 180 days
    assert codes(check(tie)) == [Code.REFILL_BEYOND_STABILITY]
    before = programme(**base, replace_by=date(2027, 5, 20))
    findings = check(before)
    assert codes(findings) == [Code.REPLACEMENT_BEFORE_REFILL]
    assert findings[0].field == "pump.replace_by" and "2027-05-20" in findings[0].message


# ---------------------------------------------------------------- hard limit, any schedule

_LIMIT = exact(default_drug_library().drug("baclofen").hard_max_mcg_per_day)


def _oracle_total(day: tuple[Step, ...]) -> Fraction:
    ends = [s.start_min for s in day[1:]] + [1440]
    return sum(
        (exact(s.rate_mcg_per_h) * (e - s.start_min) / 60 for s, e in zip(day, ends, strict=True)),
        Fraction(0),
    )


def _oracle_rolling_max(p: Programme) -> Fraction:
    """The most delivered in any 24 hours across the week, minute by minute, as the pump runs a
    day: its steps in time order (the later-listed one at an equal start), the minutes before
    the first step at the day's last rate."""
    if p.week is None:
        return exact(p.daily_dose_mcg or Decimal(0))
    week: list[Fraction] = []
    for d in range(7):
        day = sorted(enumerate(p.week.steps_for_weekday(d)), key=lambda e: (e[1].start_min, e[0]))
        if not day:
            week += [Fraction(0)] * 1440
            continue
        for minute in range(1440):
            current = [s for _, s in day if s.start_min <= minute]
            rate = (current[-1] if current else day[-1][1]).rate_mcg_per_h
            week.append(exact(rate) / 60)
    doubled = week + week[:1440]
    window = sum(doubled[:1440], Fraction(0))
    best = window
    for i in range(1, len(week)):
        window += doubled[i + 1439] - doubled[i - 1]
        best = max(best, window)
    return best


near_limit_rates = decimals(0, 180, 3)  # 24 h at 83.3 mcg/h is the 2000 mcg/day limit


@st.composite
def dosing_programmes(draw: st.DrawFn) -> Programme:
    model = draw(st.sampled_from(sorted(default_pump_catalogue().pumps)))
    kind = draw(st.sampled_from(["simple", "every_day", "by_weekday"]))
    common = {
        "model": model,
        "alarm": "3",
        "concentration": draw(st.sampled_from(["500", "1000", "2000", "750", "50"])),
        "origin": draw(st.sampled_from(["spinal", "cerebral"])),
        "patient_bolus": draw(
            st.none()
            | st.builds(
                patient_bolus,
                dose=decimals("0.001", 120, 3).map(str),
                max_per_day=st.integers(1, 12),
            )
        ),
    }
    if kind == "simple":
        return programme(daily_dose=str(draw(decimals(1000, 3000, 3))), **common)
    days = flexible_days(rates=near_limit_rates)
    if kind == "every_day":
        return programme(week=WeekSchedule.every_day(draw(days)), **common)
    week = WeekSchedule.by_weekday({d: draw(days) for d in WEEKDAYS})
    return programme(week=week, **common)


@given(p=dosing_programmes())
def test_no_overdose_schedule_passes_without_hard_finding(p: Programme) -> None:
    """Whatever the schedule: a programmed 24-h total over the library's hard maximum on any
    weekday, or in any 24 hours across midnight (both computed here independently, step by step
    and minute by minute) always comes back with a hard finding, DOSE_ABOVE_HARD_LIMIT among
    them; and never without such a total."""
    if p.week is not None:
        totals = [_oracle_total(p.week.steps_for_weekday(d)) for d in range(7)]
    else:
        totals = [exact(p.daily_dose_mcg or Decimal(0))] * 7
    findings = check_programme(p, now=NOW).findings
    if max(totals) > _LIMIT:
        assert has_hard(findings)
        assert Code.DOSE_ABOVE_HARD_LIMIT in codes(findings)
    ptm = exact(p.patient_bolus.dose_mcg) * p.patient_bolus.max_per_day if p.patient_bolus else 0
    rolling = _oracle_rolling_max(p)
    if rolling + ptm > _LIMIT:
        assert Code.DOSE_ABOVE_HARD_LIMIT in codes(findings)
    else:
        assert Code.DOSE_ABOVE_HARD_LIMIT not in codes(findings)


def test_hard_maximum_comes_from_the_library_not_the_code() -> None:
    """A stricter library (an administrator's edit) moves the limit."""
    library = default_drug_library()
    drug = library.drug("baclofen")
    from dataclasses import replace

    strict = replace(library, drugs={"baclofen": replace(drug, hard_max_mcg_per_day=D("1000"))})
    findings = check_programme(
        programme(daily_dose="1000.5"), CheckContext.packaged(library=strict), now=NOW
    ).findings
    assert Code.DOSE_ABOVE_HARD_LIMIT in codes(findings)


@settings(max_examples=200)
@given(p=file_programmes(), current=st.none() | file_programmes(), now=minutes)
def test_any_programme_the_file_can_hold_is_checked_without_failing(
    p: Programme, current: Programme | None, now: datetime
) -> None:
    """Whatever a file holds (years 1 to 9999, flows too small ever to empty the reservoir,
    doses far past any limit), the check returns findings, each naming a field of the file."""
    result = check_programme(p, CheckContext.packaged(current=current), now=now)
    document = programme_to_json(p)
    for f in result.findings:
        resolve_field(document, f.field)
        assert f.severity.value == PRODUCT_SEVERITIES[f.code.value]
        assert f.message and "\n" not in f.message
    projection = result.projection
    if projection.low_reservoir_alarm_at and projection.empty_at:
        assert projection.low_reservoir_alarm_at <= projection.empty_at
