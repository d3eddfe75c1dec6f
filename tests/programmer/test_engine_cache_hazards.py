"""Adversarial tests of the engine's caches (issue 14): ``units.exact`` keeps Fractions by typed
value, ``schedule.day_form`` keeps each day's form by the identity of its steps tuple, and
``schedule.integer_rates_by_weekday`` keeps the last programme's rates by identity.

A kept answer that outlived what it was worked out from would change a finding a clinician
reads. So after any sequence of edits (equal values written otherwise: 1, 1.0, 1.00, 1E+0, -0;
days copied so that several weekdays share one tuple; a day edited away and back to an earlier
tuple; other programmes checked in between) the check of a programme, with every cache warm,
must equal the check of a deep copy of it with every cache emptied."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from programmer import schedule, units
from programmer import schedule_edit as edit
from programmer.check_context import CheckContext
from programmer.findings import CheckResult, check_programme
from programmer.programme import WEEKDAYS, Bolus, Mode, Programme
from programmer.pump_catalogue import default_pump_catalogue
from tests.programmer.strategies import file_programmes
from tests.programmer.test_findings import dosing_programmes

CATALOGUE = default_pump_catalogue()
NOW = datetime(2026, 12, 1, 10, 0)

# Equal values written otherwise, and the boundary ones (zero, the smallest step, repeating).
TYPED = st.sampled_from(
    [
        "1",
        "1.0",
        "1.00",
        "1E+0",
        "0.1E+1",
        "10E-1",
        "-0",
        "0",
        "0.00",
        "0E+3",
        "2.5",
        "2.50",
        "25E-1",
        "100",
        "1E+2",
        "100.000000",
        "0.000001",
        "1E-6",
        "4.166666",
        "20.8",
        "20.80",
        "83.33",
        "500",
        "5E+2",
    ]
).map(Decimal) | st.decimals(0, 2000, places=3, allow_nan=False, allow_infinity=False)

OPS = st.tuples(
    st.sampled_from(
        [
            "rate",
            "start",
            "split",
            "add",
            "delete",
            "weekday",
            "every_day",
            "copy",
            "concentration",
            "scale",
            "mode",
            "bolus",
            "remove_bolus",
            "back",
        ]
    ),
    st.integers(0, 12),
    TYPED,
    st.integers(0, 1439),
    st.sampled_from(WEEKDAYS),
    st.sampled_from(["500", "500.0", "5E+2", "1000", "2000", "50", "750"]),
)


Op = tuple[str, int, Decimal, int, str, str]


def _edit(p: Programme, op: Op, history: list[Programme]) -> Programme:
    """One editor operation (programmer/schedule_edit.py); a refused one changes nothing."""
    kind, i, value, minute, weekday, concentration = op
    pump = CATALOGUE.pump(p.pump.model)
    names = p.week.day_names() if p.mode is Mode.FLEXIBLE and p.week is not None else ()
    day = names[i % len(names)] if names else None
    index = i % len(p.week.days[day]) if day is not None and p.week is not None else 0
    try:
        if day is not None and kind == "rate":
            return edit.set_step_rate(p, day, index, value)
        if day is not None and kind == "start":
            return edit.set_step_start(p, day, index, minute)
        if day is not None and kind == "split":
            return edit.split_step(p, day, index, minute)
        if day is not None and kind == "add":
            return edit.add_step(p, day, index)
        if day is not None and kind == "delete":
            return edit.delete_step(p, day, index)
        if day is not None and kind == "weekday":
            return edit.to_weekday_pattern(p)
        if day is not None and kind == "every_day":
            return edit.to_every_day(p, day)
        if day is not None and kind == "copy":
            return edit.copy_day(p, weekday, [WEEKDAYS[i % 7]])
        if kind == "concentration":
            return edit.set_concentration(p, Decimal(concentration))
        if kind == "scale":
            return edit.scale_rates(p, Decimal(i * 10 + 5), pump).programme
        if kind == "mode":
            return edit.set_mode(p, list(Mode)[i % 4], pump, accept_nearest=True)
        if kind == "bolus":
            dose = value if value > 0 else Decimal(1)
            return edit.add_bolus(p, Bolus(NOW + timedelta(minutes=7 * minute), dose, 1 + minute))
        if kind == "remove_bolus" and p.boluses:
            return edit.remove_bolus(p, i % len(p.boluses))
        if kind == "back":
            return history[i % len(history)]  # the very objects checked before
    except edit.EditError:
        return p
    return p


def _seen(result: CheckResult) -> tuple[object, ...]:
    """What a clinician or the save path sees of a check."""
    return (
        [(f.code, f.severity, f.message, f.field) for f in result.findings],
        repr(result.projection),
        result.worst_day_mcg,
        result.earlier,
    )


def _afresh(p: Programme, context: CheckContext | None) -> tuple[object, ...]:
    """The check of an equal copy, worked out with every cache emptied."""
    schedule._forms.clear()
    schedule._last_rates.clear()
    units._fraction_of.cache_clear()
    return _seen(check_programme(copy.deepcopy(p), context, now=NOW))


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    start=dosing_programmes() | file_programmes(),
    ops=st.lists(OPS, max_size=12),
    against_start=st.booleans(),
)
def test_a_warm_check_after_any_edits_equals_a_cold_check_of_an_equal_copy(
    start: Programme, ops: list[Op], against_start: bool
) -> None:
    context = CheckContext.packaged(current=start) if against_start else None
    history = [start]
    p = start
    for op in ops:
        p = _edit(p, op, history)
        history.append(p)
        # Warm: every programme so far checked again (kept forms of shared and revisited
        # tuples, the last programme's rates, the Fractions of every typed value).
        for earlier in history[-3:]:
            check_programme(earlier, context, now=NOW)
        warm = _seen(check_programme(p, context, now=NOW))
        assert warm == _afresh(p, context)
