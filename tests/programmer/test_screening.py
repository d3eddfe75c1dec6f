"""The starting pump dose from screening (programmer/screening.py; domain.md, "Screening")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from programmer.screening import (
    ScreeningValueError,
    parse_effect_hours,
    parse_screening_dose,
    suggest_starting_dose,
)

AT = datetime(2026, 9, 1, 9, 0)


@dataclass(frozen=True)
class T:
    at: datetime
    dose_mcg: Decimal
    response: str
    effect_hours: Decimal | None = None


def test_twice_the_dose_that_worked_when_its_effect_lasted_8_h_or_less() -> None:
    trials = [
        T(AT, Decimal(50), "no-response"),
        T(AT + timedelta(days=1), Decimal(75), "response", Decimal(6)),
    ]
    s = suggest_starting_dose(trials)
    assert s is not None and s.daily_dose_mcg == Decimal(150) and s.doubled
    assert "2 × 75 mcg = 150 mcg over 24 h" in s.arithmetic and "6 h" in s.arithmetic


def test_the_same_dose_when_its_effect_lasted_over_8_h() -> None:
    s = suggest_starting_dose([T(AT, Decimal(50), "response", Decimal("8.5"))])
    assert s is not None and s.daily_dose_mcg == Decimal(50) and not s.doubled
    exactly_8 = suggest_starting_dose([T(AT, Decimal(50), "response", Decimal(8))])
    assert exactly_8 is not None and exactly_8.daily_dose_mcg == Decimal(100)


def test_no_suggestion_without_a_trial_that_worked() -> None:
    assert suggest_starting_dose([T(AT, Decimal(100), "no-response")]) is None
    assert suggest_starting_dose([T(AT, Decimal(100), "partial", Decimal(3))]) is None


@given(
    st.lists(
        st.tuples(
            st.sampled_from([Decimal(50), Decimal(75), Decimal(100), Decimal("62.5")]),
            st.sampled_from(["response", "partial", "no-response"]),
            st.decimals(min_value=Decimal("0.5"), max_value=Decimal(24), places=1),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_suggestion_is_the_lowest_dose_that_worked_doubled_unless_its_effect_lasted(
    rows: list[tuple[Decimal, str, Decimal]],
) -> None:
    trials = [T(AT + timedelta(days=i), d, r, h) for i, (d, r, h) in enumerate(rows)]
    s = suggest_starting_dose(trials)
    worked = [t for t in trials if t.response == "response"]
    if not worked:
        assert s is None
        return
    assert s is not None
    lowest = min(t.dose_mcg for t in worked)
    assert s.screening_dose_mcg == lowest
    assert s.daily_dose_mcg in (lowest, 2 * lowest)
    assert (s.daily_dose_mcg == 2 * lowest) == (s.effect_hours is not None and s.effect_hours <= 8)
    assert (
        f"= {s.daily_dose_mcg.normalize():f}".rstrip("0").rstrip(".")
        in s.arithmetic.replace(".0 ", " ")
        or str(s.daily_dose_mcg) in s.arithmetic
    )


@pytest.mark.parametrize("typed", ["500", "1000", "0", "-50", "fifty", "nan", "inf"])
def test_a_screening_dose_typed_10x_or_not_a_dose_is_refused(typed: str) -> None:
    with pytest.raises(ScreeningValueError):
        parse_screening_dose(typed)


def test_screening_dose_is_kept_exactly_as_typed() -> None:
    assert parse_screening_dose("62.5") == Decimal("62.5")


def test_hours_are_needed_for_a_response_and_refused_without_one() -> None:
    with pytest.raises(ScreeningValueError, match="hours"):
        parse_effect_hours("", "response")
    with pytest.raises(ScreeningValueError):
        parse_effect_hours("4", "no-response")
    assert parse_effect_hours("", "no-response") is None
    assert parse_effect_hours("6.5", "response") == Decimal("6.5")
    with pytest.raises(ScreeningValueError):
        parse_effect_hours("100", "response")
