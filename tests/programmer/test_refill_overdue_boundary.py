"""Adversarial clinical review: when a refill becomes overdue, path by path.

Rule (product.md, "Findings (stable codes)"): REFILL_OVERDUE when "the next refill date (alarm or
stability) is already past at `now`"; the engine (programmer/findings.py::_check_dates, used by
`check`, `project`, the editor and the save path) says so in code: "a refill due at ``now`` is
due, not yet overdue". The worklist (programmer/worklist.py::classify: ``moment <= now``) and the
Overview's own alert (ui/overview.py::_dated_alerts: ``next_refill_at <= now``, shown as a hard
alert) call the same moment overdue. So at the minute the refill falls due, `project --json`
and the editor say "due" while the worklist says status "overdue" (reason refill-overdue) and
the Overview shows a hard "Refill overdue" alert: one rule, three answers. Where it should live
once: a single "is the refill overdue at now" predicate in programmer/projection.py that the
engine, the worklist and the Overview all call.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from hypothesis import example, given, settings
from hypothesis import strategies as st

from programmer.check_context import CheckContext
from programmer.finding import Code
from programmer.findings import check_programme
from programmer.programme import Programme
from programmer.projection import RefillLimit
from programmer.worklist import PatientFigures, Reason, Status, classify
from tests.programmer.factories import NOW, programme

# 40 mL of 2000 mcg/mL at 400 mcg/day: the alarm is 190 days away, so the 180-day stability
# limit sets the refill date (domain.md's example); filled 180 days before NOW, it is due at NOW.
DUE_NOW = programme(
    model="synchromed-ii-40",
    concentration="2000",
    volume="40",
    filled_at=NOW - timedelta(days=180),
)


def _engine(programme=DUE_NOW):  # type: ignore[no-untyped-def]
    return check_programme(programme, CheckContext.packaged(), now=NOW)


def _filled(minutes: int) -> Programme:
    """DUE_NOW filled ``minutes`` later (earlier when negative)."""
    filled = DUE_NOW.reservoir.filled_at + timedelta(minutes=minutes)
    return DUE_NOW.with_changes(reservoir=replace(DUE_NOW.reservoir, filled_at=filled))


def _worklist_item(programme=DUE_NOW):  # type: ignore[no-untyped-def]
    p = _engine(programme).projection
    figures = PatientFigures(
        patient_id="MRN-0001",
        name="Test Patient",
        next_refill_at=p.next_refill_at,
        refill_limited_by=p.refill_limited_by,
        low_reservoir_alarm_at=p.low_reservoir_alarm_at,
        empty_at=p.empty_at,
        replace_by=programme.pump.replace_by,
        stopped=False,
        untransmitted_version=None,
    )
    return classify(figures, NOW, 28)


def test_the_refill_is_due_exactly_now():
    """The premise, and the engine's answer: due at now, not overdue."""
    result = _engine()
    assert result.projection.next_refill_at == NOW
    assert result.projection.refill_limited_by is RefillLimit.STABILITY
    assert Code.REFILL_OVERDUE not in {f.code for f in result.findings}


def test_worklist_cannot_call_overdue_a_refill_the_engine_calls_due():
    p = _engine().projection
    figures = PatientFigures(
        patient_id="MRN-0001",
        name="Test Patient",
        next_refill_at=p.next_refill_at,
        refill_limited_by=p.refill_limited_by,
        low_reservoir_alarm_at=p.low_reservoir_alarm_at,
        empty_at=p.empty_at,
        replace_by=DUE_NOW.pump.replace_by,
        stopped=False,
        untransmitted_version=None,
    )
    item = classify(figures, NOW, 28)
    assert item is not None
    assert Reason.REFILL_OVERDUE not in item.reasons
    assert item.status is not Status.OVERDUE


def test_worklist_calls_a_refill_overdue_one_minute_after_it_fell_due():
    """The other side of the boundary: a minute late is overdue on both paths."""
    late = _filled(-1)
    assert Code.REFILL_OVERDUE in {f.code for f in _engine(late).findings}
    item = _worklist_item(late)
    assert item is not None and Reason.REFILL_OVERDUE in item.reasons
    assert item.status is Status.OVERDUE


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=-3 * 24 * 60, max_value=3 * 24 * 60))
@example(0)  # due exactly at now
def test_worklist_and_engine_agree_on_a_refill_overdue_around_its_date(minutes: int) -> None:
    """Property, one rule (programmer/projection.py::is_refill_overdue): filled ``minutes``
    around 180 days before now, the worklist says "refill overdue" exactly when the engine
    gives REFILL_OVERDUE."""
    moved = _filled(minutes)
    engine = Code.REFILL_OVERDUE in {f.code for f in _engine(moved).findings}
    item = _worklist_item(moved)
    assert engine == (item is not None and Reason.REFILL_OVERDUE in item.reasons)
