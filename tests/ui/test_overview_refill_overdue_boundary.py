"""Adversarial clinical review: when a refill becomes overdue, on the Overview (moved from
tests/adversary_clinical/test_refill_overdue_boundary.py; the engine's and the worklist's sides
are in tests/programmer/test_refill_overdue_boundary.py). product.md, REFILL_OVERDUE: "the next
refill date ... is already past at `now`"; one rule, programmer/projection.py::is_refill_overdue.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from programmer.check_context import CheckContext
from programmer.findings import check_programme
from tests.programmer.factories import NOW, programme
from ui.overview import _dated_alerts

# 40 mL of 2000 mcg/mL at 400 mcg/day: the 180-day stability limit sets the refill date;
# filled 180 days before NOW, it is due at NOW.
DUE_NOW = programme(
    model="synchromed-ii-40",
    concentration="2000",
    volume="40",
    filled_at=NOW - timedelta(days=180),
)


def _engine(at=NOW):  # type: ignore[no-untyped-def]
    return check_programme(DUE_NOW, CheckContext.packaged(), now=at)


def test_overview_cannot_alert_overdue_a_refill_the_engine_calls_due():
    alerts = _dated_alerts(_engine(), NOW)
    assert not [text for _, text in alerts if "overdue" in text.lower()]


def test_overview_alerts_a_refill_overdue_one_minute_after_it_fell_due():
    """The other side of the boundary, with the engine's finding taken away (the alert is for
    a record whose findings do not say so): a minute late is overdue."""
    late = NOW + timedelta(minutes=1)
    result = _engine(late)
    bare = replace(result, findings=())
    alerts = _dated_alerts(bare, late)
    assert [text for _, text in alerts if "overdue" in text.lower()]
