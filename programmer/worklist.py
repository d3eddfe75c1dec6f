"""The clinic's worklist (product.md, "Clinic worklist"): which patients need attention within
N days of ``now``, and why, from each patient's stored figures (the projected dates of the
programme the pump runs, its replace-by date, whether it is stopped, and whether a saved version
has not reached the pump yet).

Pure: the figures are computed when a patient's record changes (db/worklist.py), and this module
only compares them with ``now``, so opening the worklist never re-projects anyone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from programmer.projection import RefillLimit, is_empty_by, is_refill_overdue, shifted
from programmer.pump_status import PLANNING_DAYS

DEFAULT_DAYS = 28  # product.md: "within N days (default 28)"
MAX_DAYS = 3660  # ten years: any longer is a typing error, not a planning horizon


class Status(StrEnum):
    """How urgent the patient is (product.md: ``status`` overdue | due | ok)."""

    OVERDUE = "overdue"  # a refill, alarm, empty or replace-by date is already past
    DUE = "due"  # one falls within the window, or the pump is stopped
    OK = "ok"  # on the list only for something to plan (a version to transmit, a replacement)


class Reason(StrEnum):
    """Why a patient is on the list; the value is the stable code the JSON and CSV carry."""

    REFILL_OVERDUE = "refill-overdue"
    REFILL_DUE = "refill-due"
    ALARM_PASSED = "alarm-passed"
    ALARM_DUE = "alarm-due"
    EMPTY_PASSED = "empty-passed"
    EMPTY_DUE = "empty-due"
    REPLACE_BY_PASSED = "replace-by-passed"
    REPLACE_BY_DUE = "replace-by-due"
    BATTERY_WARNING = "battery-warning"
    REPLACEMENT_BEFORE_REFILL = "replacement-before-refill"
    PUMP_STOPPED = "pump-stopped"
    NOT_TRANSMITTED = "not-transmitted"
    RECORD_UNREADABLE = "record-unreadable"

    @property
    def words(self) -> str:
        return _WORDS[self]

    @property
    def overdue(self) -> bool:
        return self in _OVERDUE


_WORDS = {
    Reason.REFILL_OVERDUE: "refill overdue",
    Reason.REFILL_DUE: "refill due",
    Reason.ALARM_PASSED: "low-reservoir alarm already reached",
    Reason.ALARM_DUE: "low-reservoir alarm due",
    Reason.EMPTY_PASSED: "reservoir projected empty: withdrawal risk",
    Reason.EMPTY_DUE: "reservoir empty due",
    Reason.REPLACE_BY_PASSED: "pump past its replace-by date",
    Reason.REPLACE_BY_DUE: "pump replace-by date due",
    Reason.BATTERY_WARNING: "battery: plan the replacement",
    Reason.REPLACEMENT_BEFORE_REFILL: "replacement comes before the next refill",
    Reason.PUMP_STOPPED: "pump stopped: withdrawal risk",
    Reason.NOT_TRANSMITTED: "saved version not yet transmitted",
    Reason.RECORD_UNREADABLE: "dates cannot be computed from the record: open and check it",
}
_OVERDUE = frozenset(
    {
        Reason.REFILL_OVERDUE,
        Reason.ALARM_PASSED,
        Reason.EMPTY_PASSED,
        Reason.REPLACE_BY_PASSED,
    }
)


@dataclass(frozen=True, slots=True)
class PatientFigures:
    """What is stored for one patient: the dates of the programme the pump runs (None without
    a confirmed programme, or a date the reservoir never reaches), the pump's replace-by date
    (None without a pump), and its state."""

    patient_id: str
    name: str
    next_refill_at: datetime | None
    refill_limited_by: RefillLimit | None
    low_reservoir_alarm_at: datetime | None
    empty_at: datetime | None
    replace_by: date | None
    stopped: bool
    untransmitted_version: int | None  # the saved version the pump does not run yet
    # Why the dates could not be computed (the record cannot be read with this program's
    # catalogue or library): such a patient is always listed, never silently left off.
    problem: str | None = None

    @property
    def battery_warning_at(self) -> datetime | None:
        """When the replacement must be planned (domain.md, "Pumps": "plan replacement about
        6 months ahead"; programmer.pump_status)."""
        if self.replace_by is None:
            return None
        return shifted(datetime.combine(self.replace_by, time.min), -timedelta(days=PLANNING_DAYS))

    @property
    def attention_at(self) -> datetime | None:
        """The earliest date that can put the patient on the list: stored beside the figures so
        the database picks the candidates with one indexed comparison."""
        replace = None if self.replace_by is None else datetime.combine(self.replace_by, time.min)
        dates = [
            d
            for d in (
                self.next_refill_at,
                self.low_reservoir_alarm_at,
                self.empty_at,
                replace,
                self.battery_warning_at,
            )
            if d is not None
        ]
        return min(dates, default=None)

    @property
    def replacement_first(self) -> bool:
        """The pump must be replaced (or its battery warning comes) before the next refill: the
        clinic will not see the patient again in time, so the replacement is planned now."""
        if self.next_refill_at is None:
            return False
        warning = self.battery_warning_at
        return self.refill_limited_by is RefillLimit.REPLACEMENT or (
            warning is not None and warning <= self.next_refill_at
        )


@dataclass(frozen=True, slots=True)
class WorklistItem:
    figures: PatientFigures
    status: Status
    reasons: tuple[Reason, ...]


def horizon(now: datetime, days: int) -> datetime:
    """The end of the window: ``days`` days after ``now``."""
    return shifted(now, timedelta(days=days))


def classify(figures: PatientFigures, now: datetime, days: int) -> WorklistItem | None:
    """The patient's line on the worklist at ``now`` with a window of ``days`` days, or None
    when nothing about the patient falls due in it."""
    if days < 0:
        raise ValueError("the worklist window is a number of days, 0 or more")
    end = horizon(now, days)
    reasons: list[Reason] = []

    def reached(moment: datetime, now: datetime) -> bool:
        return moment <= now

    def dated(
        moment: datetime | None,
        passed: Reason,
        due: Reason,
        past: Callable[[datetime, datetime], bool] = reached,
    ) -> None:
        if moment is None:
            return
        if past(moment, now):
            reasons.append(passed)
        elif moment <= end:
            reasons.append(due)

    f = figures
    # The engine's rules (programmer/projection.py): a refill due at ``now`` is due, not yet
    # overdue; a reservoir empty at ``now`` is empty.
    dated(f.next_refill_at, Reason.REFILL_OVERDUE, Reason.REFILL_DUE, is_refill_overdue)
    dated(f.low_reservoir_alarm_at, Reason.ALARM_PASSED, Reason.ALARM_DUE)
    dated(f.empty_at, Reason.EMPTY_PASSED, Reason.EMPTY_DUE, is_empty_by)
    replace = None if f.replace_by is None else datetime.combine(f.replace_by, time.min)
    dated(replace, Reason.REPLACE_BY_PASSED, Reason.REPLACE_BY_DUE)
    warning = f.battery_warning_at
    if (
        warning is not None
        and warning <= end
        and Reason.REPLACE_BY_PASSED not in reasons
        and Reason.REPLACE_BY_DUE not in reasons
    ):
        reasons.append(Reason.BATTERY_WARNING)
    if f.replacement_first:
        reasons.append(Reason.REPLACEMENT_BEFORE_REFILL)
    if f.stopped:
        reasons.append(Reason.PUMP_STOPPED)
    if f.untransmitted_version is not None:
        reasons.append(Reason.NOT_TRANSMITTED)
    if f.problem is not None:
        reasons.append(Reason.RECORD_UNREADABLE)
    if not reasons:
        return None
    if any(r.overdue for r in reasons):
        status = Status.OVERDUE
    elif any(r not in (Reason.NOT_TRANSMITTED, Reason.REPLACEMENT_BEFORE_REFILL) for r in reasons):
        status = Status.DUE
    else:
        status = Status.OK
    return WorklistItem(f, status, tuple(reasons))


def sort_key(item: WorklistItem) -> tuple[bool, datetime, str, str]:
    """Sorted by next refill (product.md), patients without one last, then by name and id."""
    f = item.figures
    return (f.next_refill_at is None, f.next_refill_at or datetime.max, f.name, f.patient_id)


def worklist(figures: Iterable[PatientFigures], now: datetime, days: int) -> list[WorklistItem]:
    """Every patient due within ``days`` days of ``now``, overdue, stopped or with a version not
    yet transmitted, sorted by next refill."""
    items = [item for f in figures if (item := classify(f, now, days)) is not None]
    return sorted(items, key=sort_key)
