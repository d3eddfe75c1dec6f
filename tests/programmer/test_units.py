"""Units and exact conversions (domain.md, "Units and arithmetic")."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from programmer.units import (
    Apportioned,
    RateUnit,
    apportion,
    decimal_if_exact,
    exact,
    format_decimal,
    format_number,
    format_quantity,
    mcg_per_day_to_ml_per_day,
    ml_per_day_to_mcg_per_day,
    rate_from_mcg_per_h,
    rate_to_mcg_per_h,
    round_half_up,
)

# ---------------------------------------------------------------- worked figures (domain.md)


def test_flow_is_daily_dose_over_concentration() -> None:
    """domain.md: 400 mcg/day at 2000 mcg/mL = 0.200 mL/day."""
    assert mcg_per_day_to_ml_per_day(Decimal(400), Decimal(2000)) == Fraction(1, 5)
    assert ml_per_day_to_mcg_per_day(Decimal("0.2"), Decimal(2000)) == 400


def test_400_mcg_per_day_is_16_67_mcg_per_h_shown_and_not_exact() -> None:
    """domain.md: 400 mcg/day = 16.67 mcg/h; the exact value is 50/3, which has no finite
    decimal form, so an editor must ask rather than round it silently."""
    rate = rate_to_mcg_per_h(Decimal(400), RateUnit.MCG_PER_DAY, Decimal(2000))
    assert rate == Fraction(50, 3)
    assert format_quantity(rate, "mcg/h", 2) == "16.67 mcg/h"
    assert decimal_if_exact(rate, 6) is None


def test_ml_per_day_entry_converts_through_concentration() -> None:
    rate = rate_to_mcg_per_h(Decimal("0.2"), RateUnit.ML_PER_DAY, Decimal(2000))
    assert rate == Fraction(50, 3)
    assert rate_from_mcg_per_h(rate, RateUnit.ML_PER_DAY, Decimal(2000)) == Fraction(1, 5)


def test_per_hour_and_per_day_differ_by_exactly_24() -> None:
    """The 60 mcg/h-for-60 mcg/day case (domain.md): the same figure is 24x the dose."""
    per_hour = rate_to_mcg_per_h(Decimal(60), RateUnit.MCG_PER_H, Decimal(500))
    per_day = rate_to_mcg_per_h(Decimal(60), RateUnit.MCG_PER_DAY, Decimal(500))
    assert per_hour / per_day == 24
    assert rate_from_mcg_per_h(per_hour, RateUnit.MCG_PER_DAY, Decimal(500)) == 1440


def test_exact_keeps_typed_decimals_exact() -> None:
    assert exact(Decimal("0.1")) == Fraction(1, 10)  # not the float 0.1000000000000000055...
    assert exact(Fraction(1, 3)) == Fraction(1, 3)
    assert exact(7) == 7


@pytest.mark.parametrize(
    ("value", "places", "shown"),
    [
        (Fraction(1, 8), 2, "0.13"),  # half up, not half even
        (Decimal("2.5"), 0, "3"),
        (Decimal("-2.5"), 0, "-3"),  # half away from zero
        (Decimal("0.004"), 2, "0.00"),
        (Decimal("-0.004"), 2, "0.00"),  # never "-0.00"
        (Fraction(2, 3), 3, "0.667"),
        (Decimal(290), 2, "290.00"),
    ],
)
def test_round_half_up_for_display(value: Fraction | Decimal, places: int, shown: str) -> None:
    assert format_number(value, places) == shown
    assert str(round_half_up(value, places)) == shown


def test_every_quantity_shown_carries_its_unit() -> None:
    assert format_quantity(Decimal(290), "mcg/day", 2) == "290.00 mcg/day"
    assert format_quantity(Fraction(29, 50), "mL/day", 4) == "0.5800 mL/day"


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [
        (Fraction(1, 4), 6, Decimal("0.25")),
        (Fraction(600), 6, Decimal(600)),
        (Fraction(1, 3), 6, None),
        (Fraction(1, 10**7), 6, None),
        (Fraction(1, 10**6), 6, Decimal("0.000001")),
    ],
)
def test_decimal_if_exact(value: Fraction, places: int, expected: Decimal | None) -> None:
    result = decimal_if_exact(value, places)
    assert result == expected
    if result is not None:
        assert exact(result) == value


def test_format_decimal_never_uses_exponent_notation() -> None:
    assert format_decimal(Decimal("1E+2")) == "100"
    assert format_decimal(Decimal("0.000001")) == "0.000001"
    assert format_decimal(Decimal("10.50")) == "10.50"  # as typed


def test_apportion_makes_shown_step_doses_add_up_to_the_shown_total() -> None:
    """Three steps of 1/3 mcg each: naive rounding shows 0.33 + 0.33 + 0.33 = 0.99 against a
    total of 1.00; apportioning moves one hundredth to the largest remainder."""
    result = apportion([Fraction(1, 3)] * 3, 2)
    assert result.total == Decimal("1.00")
    assert sum(result.parts) == result.total
    assert sorted(result.parts) == [Decimal("0.33"), Decimal("0.33"), Decimal("0.34")]
    assert result.exact_parts == (False, False, False)
    assert result.total_exact


def test_apportion_leaves_exact_parts_alone() -> None:
    result = apportion([Decimal("10.25"), Fraction(1, 3), Fraction(2, 3)], 2)
    assert result.parts[0] == Decimal("10.25")
    assert result.exact_parts[0]
    assert sum(result.parts) == result.total == Decimal("11.25")


def test_apportion_refuses_negative_values() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        apportion([Fraction(-1)], 2)


def test_apportion_of_nothing_is_zero() -> None:
    assert apportion([], 2) == Apportioned((), Decimal("0.00"), (), True)


# ---------------------------------------------------------------- properties

concentrations = st.sampled_from([Decimal(c) for c in ("50", "500", "1000", "2000")]) | st.decimals(
    min_value=Decimal("0.001"), max_value=Decimal(100_000), places=3
)
rates = st.fractions(min_value=0, max_value=100_000, max_denominator=10**6)


@given(rate=rates, concentration=concentrations, unit=st.sampled_from(list(RateUnit)))
def test_rate_units_round_trip_exactly(
    rate: Fraction, concentration: Decimal, unit: RateUnit
) -> None:
    """mcg/h -> unit -> mcg/h is the identity, exactly, for every unit and concentration."""
    shown = rate_from_mcg_per_h(rate, unit, concentration)
    assert rate_to_mcg_per_h(shown, unit, concentration) == rate


@given(dose=rates, concentration=concentrations)
def test_mcg_per_day_and_ml_per_day_round_trip_exactly(
    dose: Fraction, concentration: Decimal
) -> None:
    flow = mcg_per_day_to_ml_per_day(dose, concentration)
    assert ml_per_day_to_mcg_per_day(flow, concentration) == dose
    # and through mcg/h: mcg/day -> mcg/h -> mL/day is the same flow
    per_hour = rate_to_mcg_per_h(dose, RateUnit.MCG_PER_DAY, concentration)
    assert rate_from_mcg_per_h(per_hour, RateUnit.ML_PER_DAY, concentration) == flow


@given(
    values=st.lists(st.fractions(min_value=0, max_value=10_000, max_denominator=7200), max_size=13),
    places=st.integers(min_value=0, max_value=4),
)
def test_apportioned_parts_always_sum_to_the_shown_total(
    values: list[Fraction], places: int
) -> None:
    """domain.md: "The total shown must equal the sum of the step doses shown"."""
    result = apportion(values, places)
    unit = Fraction(1, 10**places)
    assert sum(result.parts, Decimal(0)) == result.total
    assert result.total == round_half_up(sum(values, Fraction(0)), places)
    for part, value, is_exact in zip(result.parts, values, result.exact_parts, strict=True):
        assert abs(exact(part) - value) < unit  # within one unit of the last place shown
        assert is_exact == (exact(part) == value)
        if (value / unit).denominator == 1:
            assert exact(part) == value  # a part exact at this precision is never moved


@given(st.decimals(min_value=0, max_value=10**6, places=6, allow_nan=False, allow_infinity=False))
def test_a_finding_rounds_a_figure_as_the_table_does(value: Decimal) -> None:
    """One rounding rule: a finding's figure and a table cell's agree at the precision shown
    (a finding rounded 12.345 half-to-even to "12.34" while the table showed "12.35")."""
    from programmer.finding import num
    from programmer.units import format_number

    shown = format_number(value, 2)
    assert Decimal(num(value, 2)) == Decimal(shown)


def test_twelve_point_three_four_five_reads_the_same_in_a_finding_and_a_table() -> None:
    from programmer.finding import num
    from programmer.units import format_number

    assert num(Decimal("12.345")) == "12.35" == format_number(Decimal("12.345"), 2)
