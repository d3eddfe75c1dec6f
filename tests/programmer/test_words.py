"""The one words module: numbers, quantities, times, days, modes and the order of findings are
said one way on every screen, report and the command line (issue 14)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from programmer.finding import SEVERITY, Code, Finding, Severity, num
from programmer.programme import EVERY_DAY, WEEKDAYS, Mode
from programmer.units import set_decimal_separator
from programmer.words import (
    DAY_NAMES,
    MODE_NAMES,
    SEVERITY_ORDER,
    WEEKDAY_ABBREVIATIONS,
    WEEKDAY_NAMES,
    by_severity,
    day_label,
    day_title,
    format_number,
    format_quantity,
    format_short,
    hhmm,
    hhmm_of_hours,
    mcg,
    mcg_day,
    ml,
    ml_day,
    moment,
    severity_rank,
)


@pytest.fixture
def comma() -> Iterator[None]:
    set_decimal_separator(",")
    yield
    set_decimal_separator(".")


# ---------------------------------------------------------------- severity order

findings_lists = st.lists(
    st.builds(Finding, st.sampled_from(list(Code)), st.text(max_size=5), st.text(max_size=5)),
    max_size=30,
)


@given(findings_lists)
def test_hard_findings_always_come_before_soft_before_information(found: list[Finding]) -> None:
    """A hard finding blocks saving: no screen may list it below a soft or information one."""
    ranks = [severity_rank(f.severity) for f in by_severity(found)]
    assert ranks == sorted(ranks)
    shown = [f.severity for f in by_severity(found)]
    hard, soft, info = (shown.count(s) for s in (Severity.HARD, Severity.SOFT, Severity.INFO))
    assert shown == [Severity.HARD] * hard + [Severity.SOFT] * soft + [Severity.INFO] * info


@given(findings_lists)
def test_the_severity_order_drops_nothing_and_keeps_the_check_order_within_a_severity(
    found: list[Finding],
) -> None:
    ordered = by_severity(found)
    assert sorted(map(id, ordered)) == sorted(map(id, found))
    for severity in Severity:
        assert [f for f in ordered if f.severity is severity] == [
            f for f in found if f.severity is severity
        ]


def test_every_severity_of_every_code_has_a_place_in_the_order() -> None:
    assert set(SEVERITY_ORDER) == {s.value for s in Severity}
    assert {SEVERITY[c] for c in Code} <= set(SEVERITY_ORDER)
    assert [severity_rank(s) for s in (Severity.HARD, Severity.SOFT, Severity.INFO)] == [0, 1, 2]


# ---------------------------------------------------------------- numbers and quantities


def test_a_finding_and_a_table_round_12_345_the_same_way() -> None:
    """The one rounding rule (half away from zero): 12.345 is 12.35 in a finding and a cell."""
    assert num(Decimal("12.345")) == format_short(Decimal("12.345"), 2) == "12.35"
    assert format_number(Decimal("12.345"), 2) == "12.35"
    assert format_number(Decimal("-0.125"), 2) == "-0.13"


@given(st.fractions(min_value=0, max_value=10**6))
def test_every_dose_shown_carries_its_unit(value: Fraction) -> None:
    assert mcg_day(value) == f"{format_number(value, 2)} mcg/day"
    assert ml_day(value) == f"{format_number(value, 4)} mL/day"
    assert ml(value) == f"{format_number(value, 2)} mL"
    assert ml(value, 4) == format_quantity(value, "mL", 4)


def test_quantities_for_a_few_values() -> None:
    assert mcg(Decimal("50")) == "50 mcg"
    assert mcg(Decimal("12.50")) == "12.50 mcg"  # a typed value exactly as typed
    assert mcg_day(Fraction(290)) == "290.00 mcg/day"
    assert mcg_day(Fraction(50, 3)) == "16.67 mcg/day"
    assert ml_day(Fraction(29, 50)) == "0.5800 mL/day"
    assert ml(Decimal("18.4")) == "18.40 mL"
    assert ml(Fraction(1, 8), 2) == "0.13 mL"


@pytest.mark.usefixtures("comma")
def test_quantities_use_the_clinic_decimal_separator() -> None:
    assert mcg(Decimal("12.5")) == "12,5 mcg"
    assert mcg_day(Fraction(290)) == "290,00 mcg/day"
    assert ml_day(Fraction(29, 50)) == "0,5800 mL/day"
    assert ml(Decimal("18.4")) == "18,40 mL"


# ---------------------------------------------------------------- times


@given(st.integers(min_value=0, max_value=1440))
def test_a_time_of_day_reads_back_as_its_minutes(minutes: int) -> None:
    text = hhmm(minutes)
    hours, mins = text.split(":")
    assert len(text) == 5 and int(hours) * 60 + int(mins) == minutes


def test_times_for_a_few_values() -> None:
    assert [hhmm(m) for m in (0, 5, 450, 1439, 1440)] == [
        "00:00",
        "00:05",
        "07:30",
        "23:59",
        "24:00",
    ]
    assert hhmm_of_hours(7.5) == "07:30"
    assert hhmm_of_hours(24) == "24:00"
    assert hhmm_of_hours(1 / 60 * 0.4) == "00:00"  # to the nearest minute
    assert moment(datetime(2026, 11, 23, 8, 5, 59)) == "2026-11-23 08:05"


# ---------------------------------------------------------------- days and modes


def test_day_names_for_every_schedule_day() -> None:
    assert day_title(EVERY_DAY) == "Every day"
    assert day_label(EVERY_DAY) == "every day"
    assert [day_title(d) for d in WEEKDAYS] == list(WEEKDAY_NAMES)
    assert [day_label(d) for d in WEEKDAYS] == list(WEEKDAY_NAMES)
    assert day_label("mon") == "Monday" and day_title("sun") == "Sunday"
    assert WEEKDAY_ABBREVIATIONS == ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    assert [n[:3] for n in WEEKDAY_NAMES] == list(WEEKDAY_ABBREVIATIONS)
    assert set(DAY_NAMES) == {EVERY_DAY, *WEEKDAYS}


def test_an_unknown_day_name_is_refused_in_a_sentence() -> None:
    with pytest.raises(KeyError):
        day_label("someday")


def test_every_mode_has_one_name() -> None:
    assert set(MODE_NAMES) == set(Mode)
    assert MODE_NAMES[Mode.FLEXIBLE] == "Flexible"
    assert MODE_NAMES[Mode.SIMPLE_CONTINUOUS] == "Simple continuous"
    assert MODE_NAMES[Mode.MINIMUM_RATE] == "Minimum rate"
    assert MODE_NAMES[Mode.STOPPED] == "Stopped"
