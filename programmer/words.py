"""The words every screen, report, file and the command line show for numbers, quantities, times,
days, modes and the order of findings: one place, so a finding, a table cell and the report never
say the same thing two ways (issue 14).

Numbers go through one rounding rule, half away from zero (:func:`round_half_up`), and the
installation's decimal separator; the arithmetic itself (exact conversions, apportioning) stays in
:mod:`programmer.units`. Pure: no Qt, no storage.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from typing import Final, Protocol, TypeVar

from programmer.programme import EVERY_DAY, WEEKDAYS, Mode
from programmer.units import (
    decimal_separator,
    format_decimal,
    format_number,
    format_quantity,
    format_short,
    join_figures,
    round_half_up,
    with_separator,
)

__all__ = [
    "DAY_NAMES",
    "MODE_LABELS",
    "MODE_NAMES",
    "SEVERITY_ORDER",
    "WEEKDAY_ABBREVIATIONS",
    "WEEKDAY_NAMES",
    "by_severity",
    "day_label",
    "day_title",
    "decimal_separator",
    "format_decimal",
    "format_number",
    "format_quantity",
    "format_short",
    "hhmm",
    "hhmm_of_hours",
    "join_figures",
    "mcg",
    "mcg_day",
    "ml",
    "ml_day",
    "moment",
    "round_half_up",
    "severity_rank",
    "with_separator",
]

# ---------------------------------------------------------------- quantities (every dose its unit)


def mcg(value: Decimal) -> str:
    """A typed dose exactly as typed, with its unit: ``"50 mcg"``."""
    return f"{format_decimal(value)} mcg"


def mcg_day(value: Fraction | Decimal | int) -> str:
    """A daily dose, half-up at 2 decimals: ``"290.00 mcg/day"``."""
    return format_quantity(value, "mcg/day", 2)


def ml_day(value: Fraction | Decimal | int) -> str:
    """A flow, half-up at 4 decimals: ``"0.5800 mL/day"``."""
    return format_quantity(value, "mL/day", 4)


def ml(value: Fraction | Decimal | int, places: int = 2) -> str:
    """A volume, half-up at ``places`` decimals: ``"18.40 mL"`` (shown, never stored)."""
    return format_quantity(value, "mL", places)


# ---------------------------------------------------------------- times


def hhmm(minutes: int) -> str:
    """Minutes from midnight as a time of day: ``"07:30"``; 1440 is ``"24:00"`` (a day's end)."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def hhmm_of_hours(hours: float) -> str:
    """Hours from midnight (a plot's axis) as a time of day, to the nearest minute."""
    return hhmm(round(hours * 60))


def moment(at: datetime) -> str:
    """A date and time to the minute, as every record shows it: ``"2026-11-23 08:05"``."""
    return f"{at:%Y-%m-%d %H:%M}"


# ---------------------------------------------------------------- days

WEEKDAY_NAMES: Final = (
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
)
WEEKDAY_ABBREVIATIONS: Final = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
# A schedule's day names (programme file: ``every_day``, ``mon`` ... ``sun``) as titles.
DAY_NAMES: Final[Mapping[str, str]] = {
    EVERY_DAY: "Every day",
    **dict(zip(WEEKDAYS, WEEKDAY_NAMES, strict=True)),
}


def day_title(name: str) -> str:
    """A schedule day name as a title: ``"Every day"``, ``"Monday"``; an unknown name as is."""
    return DAY_NAMES.get(name, name)


def day_label(name: str) -> str:
    """A schedule day name inside a sentence: ``"every day"``, ``"Monday"``."""
    return "every day" if name == EVERY_DAY else DAY_NAMES[name]


# ---------------------------------------------------------------- modes

MODE_LABELS: Final = (
    (Mode.STOPPED, "Stopped"),
    (Mode.MINIMUM_RATE, "Minimum rate"),
    (Mode.SIMPLE_CONTINUOUS, "Simple continuous"),
    (Mode.FLEXIBLE, "Flexible"),
)
MODE_NAMES: Final[Mapping[Mode, str]] = dict(MODE_LABELS)


# ---------------------------------------------------------------- severity order

# Hard findings first (they block saving), then soft (a typed reason), then information. Keyed
# by the values of programmer.findings.Severity (a StrEnum, so its members are these strings):
# the findings module builds on this one, not the other way round.
SEVERITY_ORDER: Final[Mapping[str, int]] = {"hard": 0, "soft": 1, "info": 2}


class _Graded(Protocol):
    @property
    def severity(self) -> str: ...


G = TypeVar("G", bound=_Graded)


def severity_rank(severity: str) -> int:
    """0 for hard, 1 for soft, 2 for information: the one sort key for findings."""
    return SEVERITY_ORDER[severity]


def by_severity(findings: Iterable[G]) -> list[G]:
    """``findings`` hard first, then soft, then information; in their own order within each."""
    return sorted(findings, key=lambda f: SEVERITY_ORDER[f.severity])
