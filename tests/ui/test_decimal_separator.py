"""The installation's decimal separator (issue 12): "." or ",", one per installation, used by
every number the console shows or reads; the other separator and group separators are refused
with a message, never guessed at ("1,000" is 1000 in one locale and 1.000 in another: the 1000x
error of domain.md)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pytestqt.qtbot import QtBot

from programmer import units
from programmer.programme_file import MAX_DECIMAL_PLACES
from programmer.units import RateUnit
from ui.widgets.entry import (
    EntryError,
    format_fixed,
    format_plain,
    format_rate,
    parse_decimal,
)

SEPARATORS = (".", ",")

typed_values = st.decimals(min_value=0, max_value=10**6, places=MAX_DECIMAL_PLACES, allow_nan=False)


@pytest.fixture(params=SEPARATORS)
def separator(request: pytest.FixtureRequest) -> Iterator[str]:
    units.set_decimal_separator(request.param)
    yield request.param
    units.set_decimal_separator(".")


@pytest.mark.parametrize("sep", SEPARATORS)
@given(value=typed_values)
def test_any_value_formatted_then_parsed_is_the_same_value(sep: str, value: Decimal) -> None:
    units.set_decimal_separator(sep)
    try:
        for text in (format_plain(value), format_fixed(value, 2), units.format_decimal(value)):
            assert parse_decimal(text) == value
            assert ("." if sep == "," else ",") not in text
        shown = format_rate(value, RateUnit.ML_PER_DAY)
        assert parse_decimal(shown.removesuffix(" mL/day")) == value
    finally:
        units.set_decimal_separator(".")


@pytest.mark.parametrize("sep", SEPARATORS)
@given(value=typed_values)
def test_an_explicit_separator_round_trips_whatever_the_installation_uses(
    sep: str, value: Decimal
) -> None:
    assert parse_decimal(format_plain(value, separator=sep), separator=sep) == value


def test_a_point_typed_where_the_comma_is_the_separator_is_refused(separator: str) -> None:
    """Hazard: "1.5" in a comma installation is never read as 15 nor as 1.5 silently."""
    other = "," if separator == "." else "."
    with pytest.raises(EntryError, match=f"use {separator} as the decimal separator here"):
        parse_decimal(f"1{other}5", what="Rate")
    assert parse_decimal(f"1{separator}5") == Decimal("1.5")


@pytest.mark.parametrize("typed", ["1,000.5", "1.000,5", "1 000,5", "1 000.5", "1'000", "1_000"])
def test_group_separators_are_never_accepted(separator: str, typed: str) -> None:
    """Hazard: a thousands separator read as a decimal one is a 1000x dose error."""
    with pytest.raises(EntryError, match="no thousands separators"):
        parse_decimal(typed, what="Rate")


def test_a_lone_group_separator_is_refused_as_the_other_separator() -> None:
    units.set_decimal_separator(",")
    try:
        with pytest.raises(EntryError, match="use , as the decimal separator here"):
            parse_decimal("1.000")  # 1000 to some, 1 to others: neither is taken
    finally:
        units.set_decimal_separator(".")


def test_displays_use_the_installation_separator() -> None:
    units.set_decimal_separator(",")
    try:
        assert format_rate(Decimal("60"), RateUnit.MCG_PER_H) == "60,00 mcg/h"
        assert format_plain(Decimal("2.5")) == "2,5"
        assert units.format_quantity(Decimal("290"), "mcg/day", 2) == "290,00 mcg/day"
        assert format_fixed(Decimal(100) / 3, 2).startswith("≈33,33")
    finally:
        units.set_decimal_separator(".")
    assert format_rate(Decimal("60"), RateUnit.MCG_PER_H) == "60.00 mcg/h"


def test_only_point_or_comma_can_be_the_separator() -> None:
    for bad in (";", " ", "", "'", ".."):
        with pytest.raises(ValueError, match=re.escape("'.' or ','")):
            units.set_decimal_separator(bad)
    assert units.decimal_separator() == "."


def test_figures_in_sentences_drop_trailing_zeros_with_either_separator() -> None:
    """ "396,00" must shorten to "396" exactly as "396.00" does (the trimming looked for a
    point only)."""
    from fractions import Fraction

    from programmer.finding import num

    for sep in SEPARATORS:
        units.set_decimal_separator(sep)
        try:
            assert units.format_short(Decimal("396.00"), 2) == "396"
            assert units.format_short(Fraction(396, 1000), 4) == f"0{sep}396"
            assert num(Fraction(25, 2)) == f"12{sep}5"
            assert num(30) == "30"
        finally:
            units.set_decimal_separator(".")


def test_plot_value_axes_use_the_separator(qtbot: QtBot) -> None:
    from ui.widgets.plots import ReservoirPlot

    plot = ReservoirPlot()
    qtbot.addWidget(plot)
    axis = plot.plot_item.getAxis("left")
    units.set_decimal_separator(",")
    try:
        assert axis.tickStrings([2.5, 5.0], 1.0, 0.5) == ["2,5", "5,0"]
    finally:
        units.set_decimal_separator(".")
    assert axis.tickStrings([2.5], 1.0, 0.5) == ["2.5"]


def test_a_list_of_figures_never_reads_as_one_number_with_the_comma() -> None:
    """Hazard: "12,5, 25" could be read as 12.525 or as three figures."""
    assert units.join_figures(["12.5", "25"]) == "12.5, 25"
    units.set_decimal_separator(",")
    try:
        assert units.join_figures(["12,5", "25"]) == "12,5; 25"
    finally:
        units.set_decimal_separator(".")
