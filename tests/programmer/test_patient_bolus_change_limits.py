"""Adversarial clinical review: the change limits and the patient-bolus worst case.

Rule (product.md, "Findings (stable codes)"): CHANGE_EXTREME is hard when the 24-h total is more
than 3x the current one, CHANGE_ABOVE_TITRATION soft when it is up more than the titration step;
"Patient-bolus settings are never silently ignored: counted in the worst case wherever the pump
would deliver them" (product.md, "Rules the table implies"; domain.md "Dose error reduction":
limits per drug and patient). The engine already counts the patient boluses in the 24-h total
for DOSE_ABOVE_HARD_LIMIT and DOSE_OUTSIDE_USUAL_RANGE (dose_checks.check_daily_limits), but
check_changes compares only the programmed basal: the same 11x rise in what the patient can
receive is a hard CHANGE_EXTREME when typed as a basal dose and passes with no finding at all
when given as patient-bolus settings (one path of the engine against another).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from programmer.check_context import CheckContext
from programmer.dose_change import change_words, day_change
from programmer.finding import Code
from programmer.findings import check_programme
from programmer.programme import PatientBolus
from tests.programmer.factories import NOW, programme

CHILD = date(2018, 1, 1)  # 8 years old at NOW: usual range 24 to 1199 mcg/day


def _codes(new, current) -> set[Code]:
    result = check_programme(new, CheckContext.packaged(current=current), now=NOW)
    return {f.code for f in result.findings}


def test_basal_rise_of_11x_is_change_extreme():
    """The reference: 100 -> 1100 mcg/day typed as the basal dose is refused (holds today)."""
    current = programme(daily_dose="100", birth_date=CHILD)
    assert Code.CHANGE_EXTREME in _codes(programme(daily_dose="1100", birth_date=CHILD), current)


def test_patient_bolus_rise_of_11x_cannot_pass_change_extreme():
    """100 mcg/day, unchanged basal, plus ten 100 mcg patient boluses a day (30 min, 60 min
    lockout): the worst 24 hours go from 100 to 1100 mcg (worst_day_mcg says so), 11x the
    current programme, yet the check gives neither CHANGE_EXTREME nor CHANGE_ABOVE_TITRATION."""
    current = programme(daily_dose="100", birth_date=CHILD)
    new = programme(
        daily_dose="100",
        birth_date=CHILD,
        patient_bolus=PatientBolus(Decimal("100"), 30, 60, 10),
    )
    result = check_programme(new, CheckContext.packaged(current=current), now=NOW)
    assert result.worst_day_mcg == 1100
    codes = {f.code for f in result.findings}
    assert Code.CHANGE_EXTREME in codes


def test_patient_bolus_rise_of_50_percent_cannot_pass_titration():
    """400 mcg/day plus four 50 mcg patient boluses (+50 % in the worst case, against the
    +30 % spinal titration step) against the same 400 mcg/day without them."""
    current = programme(daily_dose="400")
    new = programme(daily_dose="400", patient_bolus=PatientBolus(Decimal("50"), 10, 120, 4))
    assert Code.CHANGE_ABOVE_TITRATION in _codes(new, current)


# The figures each side uses (programmer/dose_checks.py::_check_change): the programmed dose
# against the programmed dose for every limit, and the worst case (programmed + every patient
# bolus used) against the reference's worst case for the increases.

CHANGE_CODES = {Code.CHANGE_EXTREME, Code.CHANGE_ABOVE_TITRATION, Code.CHANGE_DECREASE_LARGE}
PTM = PatientBolus(Decimal("100"), 30, 60, 10)  # 1000 mcg a day when every activation is used


def test_unchanged_patient_bolus_setting_is_no_change():
    """The same patient-bolus settings on both sides and the same dose: no change finding."""
    current = programme(daily_dose="100", birth_date=CHILD, patient_bolus=PTM)
    new = programme(daily_dose="100", birth_date=CHILD, patient_bolus=PTM)
    assert not _codes(new, current) & CHANGE_CODES


def test_decimal_slip_in_dose_cannot_hide_behind_a_patient_bolus_allowance():
    """100 -> 1000 mcg/day typed with the same 1000 mcg/day patient-bolus allowance on both
    sides: the worst case only goes 1100 -> 2000 (under 3x), but the programmed dose is 10x:
    still the hard CHANGE_EXTREME (the worst case is not the only figure)."""
    current = programme(daily_dose="100", birth_date=CHILD, patient_bolus=PTM)
    new = programme(daily_dose="1000", birth_date=CHILD, patient_bolus=PTM)
    assert Code.CHANGE_EXTREME in _codes(new, current)


def test_removing_patient_boluses_is_not_a_dose_decrease():
    """The worst case falls 1100 -> 100 when the patient boluses are removed, but what the
    patient surely receives (100 mcg/day) is unchanged: no decrease finding, no hard block."""
    current = programme(daily_dose="100", birth_date=CHILD, patient_bolus=PTM)
    new = programme(daily_dose="100", birth_date=CHILD)
    assert not _codes(new, current) & CHANGE_CODES


def test_patient_bolus_change_message_names_both_figures_with_units():
    current = programme(daily_dose="400")
    new = programme(daily_dose="400", patient_bolus=PatientBolus(Decimal("50"), 10, 120, 4))
    result = check_programme(new, CheckContext.packaged(current=current), now=NOW)
    (finding,) = [f for f in result.findings if f.code is Code.CHANGE_ABOVE_TITRATION]
    assert "400 -> 600 mcg/day (+50 %)" in finding.message
    assert "400 mcg programmed + 200 mcg of patient boluses" in finding.message
    assert finding.field == "patient_bolus"


def test_patient_bolus_rise_against_the_day_before_cannot_pass_titration():
    """At most one change a day: the programme in force 24 hours before now is a reference
    too, with its own worst case."""
    before = programme(daily_dose="400")
    current = programme(daily_dose="400", patient_bolus=PatientBolus(Decimal("25"), 10, 120, 4))
    new = programme(daily_dose="400", patient_bolus=PatientBolus(Decimal("50"), 10, 120, 4))
    context = CheckContext.packaged(current=current, day_before=before)
    findings = check_programme(new, context, now=NOW).findings
    assert Code.CHANGE_ABOVE_TITRATION in {f.code for f in findings}


def test_patient_bolus_restart_cannot_pass_change_extreme():
    """A restart from a stopped pump against the last therapy programme: 100 mcg/day then,
    100 mcg/day plus 1000 mcg of patient boluses now."""
    stopped = programme(mode="stopped", daily_dose=None, birth_date=CHILD)
    last = programme(daily_dose="100", birth_date=CHILD)
    new = programme(daily_dose="100", birth_date=CHILD, patient_bolus=PTM)
    context = CheckContext.packaged(current=stopped, last_therapy=last)
    findings = check_programme(new, context, now=NOW).findings
    assert Code.CHANGE_EXTREME in {f.code for f in findings}


_doses = st.integers(min_value=30, max_value=1500).map(Decimal)
_ptms = st.one_of(
    st.none(),
    st.builds(
        lambda dose, count: PatientBolus(Decimal(dose), 10, 120, count),
        st.integers(min_value=5, max_value=100),
        st.integers(min_value=1, max_value=6),
    ),
)


@settings(max_examples=60, deadline=None)
@given(before=_doses, after=_doses, ptm=_ptms)
def test_same_patient_bolus_settings_change_nothing_in_the_change_findings(before, after, ptm):
    """Property: with the same patient-bolus settings on both sides the change findings are
    those of the programmed doses alone (an unchanged bolus setting is no change)."""
    with_ptm = _codes(
        programme(daily_dose=str(after), patient_bolus=ptm),
        programme(daily_dose=str(before), patient_bolus=ptm),
    )
    without = _codes(programme(daily_dose=str(after)), programme(daily_dose=str(before)))
    assert with_ptm & CHANGE_CODES == without & CHANGE_CODES


@settings(max_examples=60, deadline=None)
@given(before=_doses, after=_doses, ptm_before=_ptms, ptm_after=_ptms)
def test_shown_change_is_over_its_limit_exactly_when_the_engine_finds_it(
    before, after, ptm_before, ptm_after
):
    """Property, one rule: the figure the editor and the visit review show
    (programmer/dose_change.py::day_change) is over its limit exactly when the engine gives a
    change finding, with patient boluses on either side."""
    current = programme(daily_dose=str(before), patient_bolus=ptm_before)
    new = programme(daily_dose=str(after), patient_bolus=ptm_after)
    context = CheckContext.packaged(current=current)
    change = day_change(
        new, current, 0, library=context.library, catalogue=context.catalogue, today=NOW.date()
    )
    assert change is not None
    assert change.within_limit == (not _codes(new, current) & CHANGE_CODES)


def test_shown_change_names_the_worst_case_when_the_patient_boluses_differ():
    current = programme(daily_dose="400")
    new = programme(daily_dose="400", patient_bolus=PatientBolus(Decimal("50"), 10, 120, 4))
    context = CheckContext.packaged(current=current)
    change = day_change(
        new, current, 0, library=context.library, catalogue=context.catalogue, today=NOW.date()
    )
    assert change is not None and change.changed and not change.within_limit
    assert change_words(change) == (
        "±0 mcg/day (no change); with every patient bolus used 400.00 -> 600.00 mcg/day "
        "(+50.0 %: over the +30 % limit)"
    )
