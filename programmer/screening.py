"""Screening trials and the starting pump dose they suggest (domain.md, "Screening": a 50 mcg
bolus by lumbar puncture, watched 4 to 8 h; if no response 75 mcg 24 h later, then 100 mcg.
"Starting pump dose: twice the screening dose that worked, over 24 h (the same dose if its
effect lasted over 8 h)").

The suggestion is only a suggestion: it carries its arithmetic in words, and the programme it
goes into is checked by the findings like any dose.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Protocol

from programmer.errors import EngineError
from programmer.words import format_decimal

MAX_SCREENING_DOSE_MCG = Decimal(100)  # domain.md: no response to 100 mcg: not a candidate
LONG_EFFECT_HOURS = Decimal(8)  # domain.md: "the same dose if its effect lasted over 8 h"
MAX_EFFECT_HOURS = Decimal(72)
EFFECTIVE = "response"  # the response value of a trial that worked (db.records.ScreeningResponse)


class ScreeningValueError(EngineError):
    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


class Trial(Protocol):
    """A screening trial as stored (db.records.ScreeningRecord has these fields)."""

    @property
    def at(self) -> datetime: ...
    @property
    def dose_mcg(self) -> Decimal: ...
    @property
    def response(self) -> str: ...
    @property
    def effect_hours(self) -> Decimal | None: ...


@dataclass(frozen=True, slots=True)
class Suggestion:
    """The starting pump dose (mcg/day, simple continuous) and how it was reached."""

    daily_dose_mcg: Decimal
    screening_dose_mcg: Decimal
    effect_hours: Decimal | None
    at: datetime
    doubled: bool
    arithmetic: str


def _decimal(text: str, field: str, what: str) -> Decimal:
    value = text.strip()
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise ScreeningValueError(f"'{value}' is not a number of {what}", field) from None
    if not number.is_finite():
        raise ScreeningValueError(f"'{value}' is not a number of {what}", field)
    return number


def parse_screening_dose(text: str) -> Decimal:
    """The bolus given by lumbar puncture, in mcg, exactly as typed."""
    dose = _decimal(text, "dose_mcg", "mcg")
    if dose <= 0:
        raise ScreeningValueError("the screening dose must be more than 0 mcg", "dose_mcg")
    if dose > MAX_SCREENING_DOSE_MCG:
        raise ScreeningValueError(
            f"screening doses go up to {MAX_SCREENING_DOSE_MCG} mcg (50, then 75, then 100 mcg); "
            f"{format_decimal(dose)} mcg is not a screening dose: check the unit and the decimal "
            "point",
            "dose_mcg",
        )
    return dose


def parse_effect_hours(text: str, response: str) -> Decimal | None:
    """How long the effect lasted, in hours: needed for a response (it sets the starting dose),
    blank for no response."""
    if not text.strip():
        if response == EFFECTIVE:
            raise ScreeningValueError(
                "type how many hours the effect lasted: it sets the starting dose", "effect_hours"
            )
        return None
    if response == "no-response":
        raise ScreeningValueError("there are no hours of effect without a response", "effect_hours")
    hours = _decimal(text, "effect_hours", "hours")
    if not Decimal(0) < hours <= MAX_EFFECT_HOURS:
        raise ScreeningValueError(
            f"the effect lasts more than 0 and at most {MAX_EFFECT_HOURS} hours, not "
            f"{format_decimal(hours)}",
            "effect_hours",
        )
    return hours


def _plain(value: Decimal) -> Decimal:
    """A computed Decimal without trailing zeros or an exponent (2 x 62.5 is 125, not 125.0)."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


def suggest_starting_dose(trials: Sequence[Trial]) -> Suggestion | None:
    """From the lowest screening dose that worked (the protocol stops at the first that does;
    the latest such trial when it was repeated): twice that dose over 24 h, or the same dose
    when its effect lasted over 8 h. None when no trial worked."""
    worked = [t for t in trials if str(t.response) == EFFECTIVE]
    if not worked:
        return None
    trial = min(worked, key=lambda t: (t.dose_mcg, -t.at.timestamp()))
    dose = trial.dose_mcg
    hours = trial.effect_hours
    long_effect = hours is not None and hours > LONG_EFFECT_HOURS
    daily = dose if long_effect else _plain(dose * 2)
    lasted = "unknown" if hours is None else f"{format_decimal(hours)} h"
    if long_effect:
        rule = f"over {LONG_EFFECT_HOURS} h, so the same dose"
        sum_words = f"{format_decimal(dose)} mcg over 24 h"
    else:
        rule = f"{LONG_EFFECT_HOURS} h or less, so twice the dose"
        sum_words = f"2 × {format_decimal(dose)} mcg = {format(daily, 'f')} mcg over 24 h"
    arithmetic = (
        f"Screening dose that worked: {format_decimal(dose)} mcg by lumbar puncture on "
        f"{trial.at:%Y-%m-%d}; effect lasted {lasted} ({rule}): {sum_words} "
        f"= {format(daily, 'f')} mcg/day."
    )
    return Suggestion(daily, dose, hours, trial.at, not long_effect, arithmetic)
