"""Adversarial clinical review: the Prometra II's refill date and its 3.0 mL.

Rule (domain.md, "Pumps", low-reservoir alarm row): SynchroMed II "recommended at 2 mL"; Prometra
II "refill date computed to 3.0 mL". The catalogue holds 3.0 mL only as the Prometra's
``default_low_alarm_ml`` (programmer/data/pump_catalogue.toml); the projection computes the alarm
and refill dates to whatever alarm volume the programme carries, and LOW_ALARM_TOO_LOW is judged
on the clinic's 2 mL for every model (programmer/findings.py::_check_reservoir). A Prometra
programme with a 2.0 mL alarm (typed as for a SynchroMed, or carried over from one) gets a
refill date five days later than the pump's own 3.0 mL computation, with no finding: the true
rule for one pump model is lost once a value is typed. Paths compared: the same patient's dates
with the Prometra's 3.0 mL and with 2.0 mL. Where it should live once: a per-model minimum
refill volume in the catalogue, applied by the projection (or a finding in _check_reservoir).
"""

from __future__ import annotations

from datetime import timedelta

from programmer.check_context import CheckContext
from programmer.finding import Code
from programmer.findings import check_programme
from programmer.projection import RefillLimit
from tests.programmer.factories import NOW, programme


def _result(alarm: str):
    p = programme(model="prometra-ii-20", alarm=alarm, concentration="2000")
    return check_programme(p, CheckContext.packaged(), now=NOW)


def test_prometra_refill_date_cannot_pass_its_3_ml_computation_unflagged():
    at_three = _result("3.0")
    at_two = _result("2.0")
    later = at_two.projection.next_refill_at > at_three.projection.next_refill_at
    assert not later or at_two.findings, (
        f"Prometra refill by {at_two.projection.next_refill_at:%Y-%m-%d} computed to 2.0 mL, "
        f"not {at_three.projection.next_refill_at:%Y-%m-%d} (3.0 mL), and no finding"
    )


def test_prometra_refill_date_is_that_of_3_ml_whatever_lower_alarm_is_typed():
    """The fix (programmer/projection.py::refill_volume, the catalogue's
    ``refill_computed_to_ml``): the date itself is the 3.0 mL one, not only flagged."""
    at_three, at_two = _result("3.0"), _result("2.0")
    assert at_two.projection.refill_volume_ml == 3
    assert at_two.projection.next_refill_at == at_three.projection.next_refill_at
    # The alarm itself still sounds at the volume programmed.
    assert at_two.projection.low_reservoir_alarm_at > at_three.projection.low_reservoir_alarm_at


def test_prometra_alarm_raised_above_3_ml_still_brings_the_refill_earlier():
    """domain.md: raise the alarm for patients with withdrawal signs; a higher alarm is never
    overridden by the pump's 3.0 mL."""
    at_three, at_four = _result("3.0"), _result("4.0")
    assert at_four.projection.refill_volume_ml == 4
    assert at_four.projection.next_refill_at < at_three.projection.next_refill_at


def test_synchromed_refill_date_is_computed_to_its_programmed_alarm():
    """No ``refill_computed_to_ml`` in the SynchroMed entries: the programmed alarm sets it."""
    p = programme(alarm="2.0", concentration="2000")
    projection = check_programme(p, CheckContext.packaged(), now=NOW).projection
    assert projection.refill_volume_ml == 2
    assert projection.refill_volume_at == projection.low_reservoir_alarm_at


def test_prometra_refill_overdue_is_judged_on_its_3_ml_date():
    """The engine's REFILL_OVERDUE follows the same date (one rule): just after the 3.0 mL
    refill date, with a 2.0 mL alarm whose own date is days later, the refill is overdue."""
    at_two = _result("2.0")
    p = at_two.projection
    assert p.refill_limited_by is RefillLimit.ALARM
    late = p.next_refill_at + timedelta(minutes=1)
    prometra = programme(model="prometra-ii-20", alarm="2.0", concentration="2000")
    codes = {f.code for f in check_programme(prometra, CheckContext.packaged(), now=late).findings}
    assert Code.REFILL_OVERDUE in codes
