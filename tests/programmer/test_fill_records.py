"""What a fill records, and how it may change (adversarial clinical review): the fill time is
never after ``now``; on the same fill the volume stays; a new fill at another concentration
needs a bridge decision (domain.md, "Refill arithmetic" and "Infusion modes", bridge bolus)."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from programmer.check_context import CheckContext
from programmer.finding import Code, Severity
from programmer.findings import check_programme
from tests.programmer.factories import NOW, programme

LAST_FILL = NOW - timedelta(days=30)


def codes_of(prog, *, current=None, bridges=(), now=NOW) -> list[Code]:
    context = CheckContext.packaged(current=current, bridge_decisions=bridges)
    return [f.code for f in check_programme(prog, context, now=now).findings]


@given(st.integers(min_value=-60 * 24 * 400, max_value=60 * 24 * 400))
def test_a_fill_time_after_now_is_hard_by_any_margin(minutes: int) -> None:
    filled = NOW + timedelta(minutes=minutes)
    result = check_programme(programme(filled_at=filled), CheckContext.packaged(), now=NOW)
    future = [f for f in result.findings if f.code is Code.FILL_TIME_AFTER_NOW]
    assert bool(future) is (minutes > 0)
    for f in future:
        assert f.severity is Severity.HARD and f.field == "reservoir.filled_at"
        assert f"{filled:%Y-%m-%d %H:%M}" in f.message


def test_a_fill_a_year_ahead_cannot_hide_an_empty_reservoir() -> None:
    """The mistyped year (2027 for 2026) is refused, and the true fill still shows the empty
    reservoir the future one hid."""
    true_fill = NOW - timedelta(days=120)
    typo = true_fill.replace(year=true_fill.year + 1)
    assert Code.RESERVOIR_EMPTY in codes_of(programme(filled_at=true_fill))
    assert Code.FILL_TIME_AFTER_NOW in codes_of(programme(filled_at=typo))


@given(st.decimals(min_value="0.1", max_value="20", places=1))
def test_the_volume_of_the_same_fill_cannot_be_rewritten(volume) -> None:
    current = programme(volume="20", filled_at=LAST_FILL)
    rewritten = programme(volume=str(volume), filled_at=LAST_FILL)
    found = [
        f
        for f in check_programme(
            rewritten, CheckContext.packaged(current=current), now=NOW
        ).findings
        if f.code is Code.FILL_VOLUME_CHANGED_WITHOUT_REFILL
    ]
    assert bool(found) is (volume != 20)
    for f in found:
        assert f.severity is Severity.HARD and f.field == "reservoir.volume_ml"
        assert "mL" in f.message


def test_a_new_fill_may_have_another_volume() -> None:
    current = programme(volume="20", filled_at=LAST_FILL)
    refilled = programme(volume="18", filled_at=NOW - timedelta(hours=1))
    assert Code.FILL_VOLUME_CHANGED_WITHOUT_REFILL not in codes_of(refilled, current=current)


def test_a_concentration_change_on_a_new_fill_without_a_bridge_needs_a_reason() -> None:
    current = programme(concentration="2000", filled_at=LAST_FILL)
    refill_at = NOW - timedelta(hours=1)
    refilled = programme(concentration="500", filled_at=refill_at)
    result = check_programme(refilled, CheckContext.packaged(current=current), now=NOW)
    found = [f for f in result.findings if f.code is Code.CONCENTRATION_CHANGED_WITHOUT_BRIDGE]
    assert len(found) == 1
    assert found[0].severity is Severity.SOFT
    assert found[0].field == "drug.concentration_mcg_per_ml"
    assert "2000 to 500 mcg/mL" in found[0].message and "4x" in found[0].message
    # a bridge decision recorded at the refill satisfies it; one from an earlier fill does not
    assert Code.CONCENTRATION_CHANGED_WITHOUT_BRIDGE not in codes_of(
        refilled, current=current, bridges=(refill_at,)
    )
    assert Code.CONCENTRATION_CHANGED_WITHOUT_BRIDGE in codes_of(
        refilled, current=current, bridges=(LAST_FILL,)
    )


def test_no_bridge_is_asked_for_without_a_concentration_change() -> None:
    current = programme(concentration="500", filled_at=LAST_FILL)
    refilled = programme(concentration="500", filled_at=NOW - timedelta(hours=1))
    assert Code.CONCENTRATION_CHANGED_WITHOUT_BRIDGE not in codes_of(refilled, current=current)
    assert Code.CONCENTRATION_CHANGED_WITHOUT_BRIDGE not in codes_of(refilled)


def test_the_same_fill_at_another_concentration_stays_hard_not_a_bridge_question() -> None:
    current = programme(concentration="2000", filled_at=LAST_FILL)
    same_fill = programme(concentration="500", filled_at=LAST_FILL)
    found = codes_of(same_fill, current=current)
    assert Code.CONCENTRATION_CHANGED_WITHOUT_REFILL in found
    assert Code.CONCENTRATION_CHANGED_WITHOUT_BRIDGE not in found
