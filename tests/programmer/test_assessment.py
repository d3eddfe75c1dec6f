"""Assessment scales (programmer/assessment.py): every value typed is on its scale or refused
with a message naming the field, never rounded or clamped."""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from programmer.assessment import (
    AshworthGrade,
    Assessment,
    AssessmentValueError,
    SignKind,
    check_assessment,
    default_scales,
    parse_ashworth,
    parse_goal_score,
    parse_pain,
    parse_penn,
)

AT = datetime(2026, 12, 1, 9, 0)


@pytest.mark.parametrize("typed", ["0", "1", "1+", " 1 + ", "2", "3", "4"])
def test_every_modified_ashworth_grade_is_accepted(typed: str) -> None:
    assert parse_ashworth(typed, "ashworth.x") is not None


@pytest.mark.parametrize("typed", ["5", "1-", "2+", "-1", "1.5", "one", "4+", "0+"])
def test_a_modified_ashworth_of_5_or_any_other_value_off_the_scale_is_refused(typed: str) -> None:
    with pytest.raises(AssessmentValueError) as caught:
        parse_ashworth(typed, "ashworth.Hip flexors, left")
    assert caught.value.field == "ashworth.Hip flexors, left"
    assert "0, 1, 1+, 2, 3 or 4" in str(caught.value)


def test_blank_means_not_assessed() -> None:
    assert parse_ashworth("  ", "f") is None and parse_pain("") is None


@given(st.integers(min_value=-1000, max_value=1000))
def test_whole_scores_are_accepted_exactly_inside_their_scale_and_refused_outside(n: int) -> None:
    for parse, low, high in ((parse_penn, 0, 4), (parse_pain, 0, 10), (parse_goal_score, -2, 2)):
        if low <= n <= high:
            assert parse(str(n)) == n
        else:
            with pytest.raises(AssessmentValueError):
                parse(str(n))


@given(
    st.decimals(min_value=-20, max_value=20, places=2, allow_nan=False).filter(
        lambda d: d != d.to_integral_value()
    )
)
def test_a_fractional_score_is_refused_not_rounded(value: object) -> None:
    for parse in (parse_penn, parse_pain, parse_goal_score):
        with pytest.raises(AssessmentValueError, match="whole number"):
            parse(str(value))


def test_plus_sign_goal_score_is_read_as_typed() -> None:
    assert parse_goal_score("+2") == 2 and parse_goal_score("-2") == -2


def test_the_checklist_holds_the_domain_overdose_and_withdrawal_signs() -> None:
    scales = default_scales()
    overdose = {s.words for s in scales.signs if s.kind is SignKind.OVERDOSE}
    withdrawal = {s.words for s in scales.signs if s.kind is SignKind.WITHDRAWAL}
    assert {"Drowsiness", "Respiratory depression", "Seizures"} <= overdose
    assert {"Return of spasticity", "Itching", "High fever", "Rigidity"} <= withdrawal
    assert "Hip flexors, left" in scales.muscle_groups


def test_a_record_off_the_scales_or_empty_is_refused() -> None:
    good = Assessment(at=AT, ashworth={"Hip flexors, left": AshworthGrade.G1_PLUS}, pain=3)
    check_assessment(good)
    assert good.mean_ashworth == 1.5
    for bad in (
        Assessment(at=AT, pain=11),
        Assessment(at=AT, penn=5),
        Assessment(at=AT, goal_score=1),  # a score without its goal
        Assessment(at=AT, ashworth={"Tail": AshworthGrade.G1}),
        Assessment(at=AT, signs=frozenset({"hiccups"})),
        Assessment(at=AT),
    ):
        with pytest.raises(AssessmentValueError):
            check_assessment(bad)
