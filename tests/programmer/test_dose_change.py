"""The change of the 24-h total beside its limit (issue 9: "+9 % of +30 %")."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from programmer import schedule_edit as se
from programmer.check_context import CheckContext
from programmer.dose_change import change_words, day_change, dose_change
from programmer.drug_library import default_drug_library
from programmer.finding import Code
from programmer.findings import check_programme
from programmer.programme import EVERY_DAY, Mode, SpasticityOrigin
from programmer.programme_file import load
from programmer.pump_catalogue import default_pump_catalogue

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "flexible.json"
NOW = datetime(2026, 11, 23, 10, 0)
TODAY = NOW.date()

doses = st.one_of(
    st.fractions(min_value=0, max_value=5000, max_denominator=1000),
    st.integers(min_value=0, max_value=5000).map(lambda n: Fraction(n, 1000)),
)
limits = st.integers(min_value=1, max_value=100)


@given(doses, doses, limits, limits)
def test_change_percent_is_the_exact_ratio_and_names_the_limit_in_its_direction(
    before: Fraction, after: Fraction, up: int, down: int
) -> None:
    change = dose_change(before, after, titration_pct=up, decrease_pct=down)
    assert change.delta_mcg == after - before
    if before == 0:
        assert change.percent is None
        assert change.within_limit == (after == 0)
    else:
        assert change.percent is not None
        assert before * (1 + change.percent / 100) == after
        assert change.within_limit == (before * (100 - down) <= after * 100 <= before * (100 + up))
    assert change.limit_pct == (-down if after < before else up)


@given(doses, doses, limits, limits)
def test_an_over_limit_change_is_never_worded_as_within(
    before: Fraction, after: Fraction, up: int, down: int
) -> None:
    """The words a clinician reads say "over" exactly when the change passes its limit."""
    change = dose_change(before, after, titration_pct=up, decrease_pct=down)
    words = change_words(change)
    if change.delta_mcg != 0:  # the direction is never lost to rounding
        assert words[0] == ("+" if after > before else "-")
    if change.percent is not None and change.delta_mcg != 0:
        assert ("over the" in words) == (not change.within_limit)


def test_plus_nine_percent_of_a_thirty_percent_step_reads_so() -> None:
    words = change_words(dose_change(290, Decimal("316.1"), titration_pct=30, decrease_pct=20))
    assert words == "+26.10 mcg/day (+9.0 % of +30 %)"
    over = change_words(dose_change(290, 200, titration_pct=30, decrease_pct=20))
    assert over == "-90.00 mcg/day (-31.0 %: over the -20 % limit)"
    assert change_words(dose_change(290, 290, titration_pct=30, decrease_pct=20)) == (
        "±0 mcg/day (no change)"
    )


def test_day_change_takes_the_patients_titration_step_from_the_library() -> None:
    """30 % for spinal origin, 15 % for cerebral (the packaged library), as the engine does."""
    library, catalogue = default_drug_library(), default_pump_catalogue()
    current = load(EXAMPLE)
    pending = se.set_step_rate(current, EVERY_DAY, 1, Decimal(90))  # 290 -> 320 mcg/day
    spinal = replace(current.patient, spasticity_origin=SpasticityOrigin.SPINAL)
    cerebral = replace(current.patient, spasticity_origin=SpasticityOrigin.CEREBRAL)
    for patient, step in ((spinal, 30), (cerebral, 15)):
        before, after = replace(current, patient=patient), replace(pending, patient=patient)
        change = day_change(after, before, 0, library=library, catalogue=catalogue, today=TODAY)
        assert change is not None
        assert change.titration_pct == step
        assert change.before_mcg == 290 and change.after_mcg == 320
        flagged = Code.CHANGE_ABOVE_TITRATION in {
            f.code
            for f in check_programme(
                after, CheckContext.packaged(current=before, library=library), now=NOW
            ).findings
        }
        assert flagged == (not change.within_limit)


def test_no_change_figure_without_a_saved_therapy_programme() -> None:
    library, catalogue = default_drug_library(), default_pump_catalogue()
    current = load(EXAMPLE)
    pump = catalogue.pump(current.pump.model)
    stopped = se.set_mode(current, mode=Mode.STOPPED, pump=pump, template=current)
    for before in (None, stopped):
        assert (
            day_change(current, before, 0, library=library, catalogue=catalogue, today=TODAY)
            is None
        )


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=30, max_value=200))
def test_the_figure_beside_the_total_never_contradicts_the_engines_change_findings(
    percent: int,
) -> None:
    """Shown "within" exactly when the engine raises neither CHANGE_ABOVE_TITRATION nor
    CHANGE_DECREASE_LARGE: a clinician never reads "+29 % of +30 %" beside a titration finding."""
    library, catalogue = default_drug_library(), default_pump_catalogue()
    current = load(EXAMPLE)
    pump = catalogue.pump(current.pump.model)
    pending = se.scale_rates(current, Decimal(percent), pump).programme
    change = day_change(pending, current, 0, library=library, catalogue=catalogue, today=TODAY)
    assert change is not None
    codes = {
        f.code
        for f in check_programme(pending, CheckContext.packaged(current=current), now=NOW).findings
    }
    flagged = {Code.CHANGE_ABOVE_TITRATION, Code.CHANGE_DECREASE_LARGE} & codes
    assert change.within_limit == (not flagged)
