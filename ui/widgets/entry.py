"""Reading numbers and times a clinician types, and writing them back, without Qt (style.md:
"Number entry: locale-explicit validators, the unit next to every field, no silent rounding").

The console reads numbers in one explicit convention, whatever the desktop's locale: digits, a
point as the decimal separator, no group separators, no signs, no exponents. A comma is refused
with a message rather than guessed at: "1,000" would be 1000 in one locale and 1.000 in another,
the 1000x error domain.md warns about. Nothing typed is ever rounded: more decimals than the
programme can hold is an error the clinician sees.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal
from fractions import Fraction

from programmer.programme_file import MAX_DECIMAL_PLACES
from programmer.units import RateUnit, decimal_if_exact, round_half_up

DECIMAL_POINT = "."

# Places a rate is shown with in each unit (mL/day needs four: the lowest flow is 0.048 mL/day).
RATE_PLACES: dict[RateUnit, int] = {
    RateUnit.MCG_PER_H: 2,
    RateUnit.MCG_PER_DAY: 2,
    RateUnit.ML_PER_DAY: 4,
}
DOSE_PLACES = 2  # mcg
FLOW_PLACES = 4  # mL/day

_NUMBER = re.compile(r"(\d+)(?:\.(\d*))?|\.(\d+)")
_TIME = re.compile(r"(\d{1,2})(?::(\d{2}))?")
_UNIT_TAIL = re.compile(r"^(.*?)\s*([A-Za-z][A-Za-z/]*)$")


class EntryError(ValueError):
    """Typed text that is not a value the field takes; the message says why, for the clinician."""


def parse_decimal(
    text: str, *, what: str = "The value", max_places: int = MAX_DECIMAL_PLACES
) -> Decimal:
    """A non-negative number typed with a point for decimals, exactly as typed."""
    raw = text.strip()
    if not raw:
        raise EntryError(f"{what}: type a number.")
    if raw.startswith("-"):
        raise EntryError(f"{what} cannot be negative (typed '{raw}').")
    if "," in raw:
        raise EntryError(
            f"{what}: use '{DECIMAL_POINT}' for decimals and no thousands separator "
            f"(typed '{raw}')."
        )
    match = _NUMBER.fullmatch(raw)
    if not match:
        raise EntryError(f"{what}: '{raw}' is not a number.")
    decimals = match[2] if match[2] is not None else (match[3] or "")
    if len(decimals.rstrip("0")) > max_places:
        raise EntryError(
            f"{what}: at most {max_places} decimal places (typed '{raw}'); nothing was rounded."
        )
    return Decimal(raw if not raw.endswith(".") else raw[:-1])


def check_range(
    value: Decimal, *, what: str, unit: str, positive: bool = False, high: Decimal | None = None
) -> Decimal:
    """``value`` unchanged if it is inside the field's possible range; never clamped."""
    if positive and value == 0:
        raise EntryError(f"{what}: must be more than 0 {unit}.")
    if high is not None and value > high:
        raise EntryError(f"{what}: {value} {unit} is over the highest possible {high} {unit}.")
    return value


def parse_whole(text: str, *, what: str, low: int, high: int, unit: str) -> int:
    """A whole number from ``low`` to ``high`` (minutes, activations)."""
    raw = text.strip()
    if raw.startswith("-"):
        raise EntryError(f"{what} cannot be negative (typed '{raw}').")
    if not raw.isdigit():
        raise EntryError(f"{what}: type a whole number of {unit} (typed '{raw}').")
    value = int(raw)
    if not low <= value <= high:
        raise EntryError(f"{what}: from {low} to {high} {unit} (typed '{raw}').")
    return value


def parse_time(text: str, *, what: str = "The start") -> int:
    """A time of day typed HH:MM (or H:MM, or a whole hour), in minutes after 00:00."""
    raw = text.strip()
    match = _TIME.fullmatch(raw)
    if not match:
        raise EntryError(f"{what}: type a time of day as HH:MM (typed '{raw}').")
    hours, minutes = int(match[1]), int(match[2] or 0)
    if hours > 23 or minutes > 59:
        raise EntryError(f"{what}: a step starts from 00:00 to 23:59 (typed '{raw}').")
    return hours * 60 + minutes


def split_unit(text: str, units: Iterable[str]) -> tuple[str, str | None]:
    """``"60 mcg/day"`` -> ``("60", "mcg/day")`` when the tail is one of ``units``; a typed unit
    says what the number means, so it is honoured rather than taken from the column."""
    known = {u.lower(): u for u in units}
    match = _UNIT_TAIL.match(text.strip())
    if not match or not match[1]:
        return text, None
    tail = match[2].lower()
    if tail not in known:
        raise EntryError(f"'{match[2]}' is not a unit here (use {', '.join(known.values())}).")
    return match[1], known[tail]


def format_time(minutes: int) -> str:
    """``HH:MM``; the end of the day is ``24:00``."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def format_fixed(value: Fraction | Decimal | int, places: int) -> str:
    """``value`` at ``places`` decimals or more: the fewest more (up to six) that write it
    exactly, else rounded and marked with '≈' so an inexact figure never passes for exact."""
    v = Fraction(value)
    for p in range(places, MAX_DECIMAL_PLACES + 1):
        d = decimal_if_exact(v, p)
        if d is not None:
            return str(round_half_up(v, p))
    return "≈" + str(round_half_up(v, places))


def format_rate(value: Fraction | Decimal | int, unit: RateUnit) -> str:
    """A rate with its unit, e.g. ``"60.00 mcg/h"``, ``"0.1200 mL/day"``."""
    return f"{format_fixed(value, RATE_PLACES[unit])} {unit.value}"


def format_plain(value: Fraction | Decimal | int) -> str:
    """A value for an edit field: exact, no trailing zeros (``"2.5"``), '…' if it repeats."""
    v = Fraction(value)
    d = decimal_if_exact(v, MAX_DECIMAL_PLACES)
    if d is None:
        return str(round_half_up(v, MAX_DECIMAL_PLACES)) + "…"
    return format(d, "f")
