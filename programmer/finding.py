"""What a finding is (product.md, "Findings (stable codes)"): its severity, its stable code, the
field it points at and its message; and the words every check writes its messages with.

The checks themselves are :mod:`programmer.findings` (the one check) and the modules it calls:
:mod:`programmer.device_checks`, :mod:`programmer.dose_checks`, :mod:`programmer.bolus_checks`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from programmer.programme import Mode, Programme
from programmer.words import day_title, format_short


class Severity(StrEnum):
    HARD = "hard"  # cannot be saved
    SOFT = "soft"  # needs a typed reason, recorded
    INFO = "info"


class Code(StrEnum):
    CONCENTRATION_UNKNOWN = "CONCENTRATION_UNKNOWN"
    RATE_BELOW_PUMP_MIN = "RATE_BELOW_PUMP_MIN"
    RATE_ABOVE_PUMP_MAX = "RATE_ABOVE_PUMP_MAX"
    DOSE_ABOVE_HARD_LIMIT = "DOSE_ABOVE_HARD_LIMIT"
    DOSE_OUTSIDE_USUAL_RANGE = "DOSE_OUTSIDE_USUAL_RANGE"
    CHANGE_ABOVE_TITRATION = "CHANGE_ABOVE_TITRATION"
    CHANGE_DECREASE_LARGE = "CHANGE_DECREASE_LARGE"
    CHANGE_EXTREME = "CHANGE_EXTREME"
    SCHEDULE_INVALID = "SCHEDULE_INVALID"
    BOLUS_ABOVE_LIMIT = "BOLUS_ABOVE_LIMIT"
    PATIENT_BOLUS_LOCKOUT = "PATIENT_BOLUS_LOCKOUT"
    RESERVOIR_OVERFILL = "RESERVOIR_OVERFILL"
    REFILL_BEYOND_STABILITY = "REFILL_BEYOND_STABILITY"
    ALARM_BEFORE_REFILL_VISIT = "ALARM_BEFORE_REFILL_VISIT"
    REPLACEMENT_BEFORE_REFILL = "REPLACEMENT_BEFORE_REFILL"
    REFILL_DISCREPANCY = "REFILL_DISCREPANCY"
    LOW_ALARM_TOO_LOW = "LOW_ALARM_TOO_LOW"
    MODE_STOPPED = "MODE_STOPPED"
    CONCENTRATION_CHANGED_WITHOUT_REFILL = "CONCENTRATION_CHANGED_WITHOUT_REFILL"
    BOLUS_OVERLAP = "BOLUS_OVERLAP"
    PATIENT_BOLUS_NOT_ALLOWED = "PATIENT_BOLUS_NOT_ALLOWED"
    REFILL_OVERDUE = "REFILL_OVERDUE"
    RESERVOIR_EMPTY = "RESERVOIR_EMPTY"
    REPLACE_BY_IMPLAUSIBLE = "REPLACE_BY_IMPLAUSIBLE"
    FILL_VOLUME_CHANGED_WITHOUT_REFILL = "FILL_VOLUME_CHANGED_WITHOUT_REFILL"
    FILL_TIME_AFTER_NOW = "FILL_TIME_AFTER_NOW"
    CONCENTRATION_CHANGED_WITHOUT_BRIDGE = "CONCENTRATION_CHANGED_WITHOUT_BRIDGE"


SEVERITY: dict[Code, Severity] = {
    Code.CONCENTRATION_UNKNOWN: Severity.HARD,
    Code.RATE_BELOW_PUMP_MIN: Severity.HARD,
    Code.RATE_ABOVE_PUMP_MAX: Severity.HARD,
    Code.DOSE_ABOVE_HARD_LIMIT: Severity.HARD,
    Code.DOSE_OUTSIDE_USUAL_RANGE: Severity.SOFT,
    Code.CHANGE_ABOVE_TITRATION: Severity.SOFT,
    Code.CHANGE_DECREASE_LARGE: Severity.SOFT,
    Code.CHANGE_EXTREME: Severity.HARD,
    Code.SCHEDULE_INVALID: Severity.HARD,
    Code.BOLUS_ABOVE_LIMIT: Severity.HARD,
    Code.PATIENT_BOLUS_LOCKOUT: Severity.HARD,
    Code.RESERVOIR_OVERFILL: Severity.HARD,
    Code.REFILL_BEYOND_STABILITY: Severity.INFO,
    Code.ALARM_BEFORE_REFILL_VISIT: Severity.SOFT,
    Code.REPLACEMENT_BEFORE_REFILL: Severity.SOFT,
    Code.REFILL_DISCREPANCY: Severity.SOFT,
    Code.LOW_ALARM_TOO_LOW: Severity.SOFT,
    Code.MODE_STOPPED: Severity.SOFT,
    Code.CONCENTRATION_CHANGED_WITHOUT_REFILL: Severity.HARD,
    Code.BOLUS_OVERLAP: Severity.HARD,
    Code.PATIENT_BOLUS_NOT_ALLOWED: Severity.HARD,
    Code.REFILL_OVERDUE: Severity.SOFT,
    Code.RESERVOIR_EMPTY: Severity.SOFT,
    Code.REPLACE_BY_IMPLAUSIBLE: Severity.HARD,
    Code.FILL_VOLUME_CHANGED_WITHOUT_REFILL: Severity.HARD,
    Code.FILL_TIME_AFTER_NOW: Severity.HARD,
    Code.CONCENTRATION_CHANGED_WITHOUT_BRIDGE: Severity.SOFT,
}


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem: a stable code, its severity, a message a clinician understands, and the
    programme-file field it concerns (e.g. ``week.every_day[1].rate_mcg_per_h``)."""

    code: Code
    message: str
    field: str

    @property
    def severity(self) -> Severity:
        return SEVERITY[self.code]

    def as_json(self) -> dict[str, str]:
        return {
            "code": self.code.value,
            "severity": self.severity.value,
            "message": self.message,
            "field": self.field,
        }


Add = Callable[[Finding], None]  # the checks' sink for findings (list.append)


def has_hard(findings: tuple[Finding, ...] | list[Finding]) -> bool:
    return any(f.severity is Severity.HARD for f in findings)


def num(value: Fraction | Decimal | int, places: int = 2) -> str:
    """A figure for a message: at most ``places`` decimals, trailing zeros dropped, rounded by
    the one display rule (half away from zero, :func:`programmer.units.round_half_up`), so a
    finding and a table cell never show the same value differently (12.345 is 12.35 in both)."""
    return format_short(value, places)


def day_field(programme: Programme, weekday: int) -> str:
    if programme.mode is Mode.FLEXIBLE and programme.week is not None:
        return f"week.{programme.week.day_name_for_weekday(weekday)}"
    return "daily_dose_mcg" if programme.mode is Mode.SIMPLE_CONTINUOUS else "mode"


def day_words(programme: Programme, weekday: int) -> str:
    if programme.mode is Mode.FLEXIBLE and programme.week is not None:
        name = programme.week.day_name_for_weekday(weekday)
        return day_title(name)
    return "Daily"
