"""Whatever is typed or pasted into a number field, the shared parsers give a value or an
EntryError with a short message, never another exception (issue 10: "²" and a 5000-digit
number raised tracebacks from int()). No Qt needed."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ui.editor.bolus_model import parse_moment
from ui.widgets.entry import EntryError, parse_decimal, parse_time, parse_whole

TYPED = st.one_of(
    st.text(max_size=40),
    st.text(alphabet="0123456789.²³¹٣１", max_size=40),
    st.text(alphabet="0123456789", min_size=4000, max_size=6000),
)


@given(TYPED)
def test_any_typed_text_is_a_value_or_a_clear_refusal(text: str) -> None:
    for parse in (
        lambda t: parse_decimal(t, what="The dose"),
        lambda t: parse_whole(t, what="The lockout", low=1, high=1440, unit="minutes"),
        lambda t: parse_time(t),
        lambda t: parse_moment(t),
    ):
        try:
            parse(text)
        except EntryError as error:
            assert 0 < len(str(error)) < 300


@given(st.decimals(min_value=0, max_value=10**8, places=3, allow_nan=False))
def test_a_plain_number_reads_back_exactly(value: Decimal) -> None:
    assert parse_decimal(str(value)) == value


@pytest.mark.parametrize("typed", ["²", "³", "٣", "１２", "9" * 5000])
def test_non_ascii_digits_and_huge_numbers_are_refused(typed: str) -> None:
    with pytest.raises(EntryError):
        parse_decimal(typed, what="The dose")
    with pytest.raises(EntryError):
        parse_whole(typed, what="The lockout", low=1, high=1440, unit="minutes")
