"""Reading numbers and times a clinician types, and writing them back, without Qt (style.md:
"Number entry: locale-explicit validators, the unit next to every field, no silent rounding").

The console reads numbers in one explicit convention, whatever the desktop's locale: digits, the
installation's decimal separator ("." or ",", a clinic setting: programmer.units.decimal_separator),
no group separators, no signs, no exponents. The other separator is refused with a message rather
than guessed at: "1,000" would be 1000 in one locale and 1.000 in another, the 1000x error
domain.md warns about. Nothing typed is ever rounded: more decimals than the programme can hold is
an error the clinician sees. Every function here takes the separator from that one setting, or
from ``separator=`` when given.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal
from fractions import Fraction

from programmer.programme_file import MAX_DECIMAL_PLACES
from programmer.units import RateUnit, decimal_if_exact, decimal_separator, round_half_up
from programmer.words import hhmm, with_separator

DECIMAL_POINT = "."  # how numbers are written in files and storage, whatever the setting

# Places a rate is shown with in each unit (mL/day needs four: the lowest flow is 0.048 mL/day).
RATE_PLACES: dict[RateUnit, int] = {
    RateUnit.MCG_PER_H: 2,
    RateUnit.MCG_PER_DAY: 2,
    RateUnit.ML_PER_DAY: 4,
}
DOSE_PLACES = 2  # mcg
FLOW_PLACES = 4  # mL/day

# ASCII digits only: "²", "٣" or a full-width "１２" is not a number the console reads (Python's
# int() and Decimal() would take some of them, silently or with a traceback). The decimal
# separator is "." or "," (the installation's: programmer/units.py), checked before matching.
_NUMBER = re.compile(r"([0-9]+)(?:[.,]([0-9]*))?|[.,]([0-9]+)")
_TIME = re.compile(r"([0-9]{1,2})(?::([0-9]{2}))?")
# More whole-number digits than any field's highest value has: refused before it is converted
# (a 5000-digit number overflows int()'s string limit; issue 10).
MAX_WHOLE_DIGITS = 9
_UNIT_TAIL = re.compile(r"^(.*?)\s*([A-Za-z][A-Za-z/]*)$")


class EntryError(ValueError):
    """Typed text that is not a value the field takes; the message says why, for the clinician."""


def parse_decimal(
    text: str,
    *,
    what: str = "The value",
    max_places: int = MAX_DECIMAL_PLACES,
    separator: str | None = None,
) -> Decimal:
    """A non-negative number typed with the decimal separator (the installation's, or
    ``separator``), exactly as typed. The other separator, group separators (``1,000.5``,
    ``1 000,5``, ``1'000``) and more than one separator are refused with a message."""
    sep = decimal_separator() if separator is None else separator
    other = "," if sep == "." else "."
    raw = text.strip()
    if not raw:
        raise EntryError(f"{what}: type a number.")
    if raw.startswith("-"):
        raise EntryError(f"{what} cannot be negative (typed '{shown_typed(raw)}').")
    if any(c.isspace() or c in "'_\u00a0\u202f" for c in raw) or (
        raw.count(".") + raw.count(",") > 1
    ):
        raise EntryError(
            f"{what}: no thousands separators; use {sep} as the decimal separator here "
            f"(typed '{shown_typed(raw)}')."
        )
    if other in raw:
        raise EntryError(
            f"{what}: use {sep} as the decimal separator here (typed '{shown_typed(raw)}')."
        )
    match = _NUMBER.fullmatch(raw)
    if not match:
        raise EntryError(f"{what}: '{shown_typed(raw)}' is not a number.")
    if len((match[1] or "").lstrip("0")) > MAX_WHOLE_DIGITS:
        raise EntryError(
            f"{what}: {len(match[1].lstrip('0'))} digits before the point is far more than any "
            "dose, rate or volume the console takes; check the number."
        )
    decimals = match[2] if match[2] is not None else (match[3] or "")
    if len(decimals.rstrip("0")) > max_places:
        raise EntryError(
            f"{what}: at most {max_places} decimal places (typed '{shown_typed(raw)}'); "
            "nothing was rounded."
        )
    written = raw.replace(sep, DECIMAL_POINT)
    return Decimal(written[:-1] if written.endswith(DECIMAL_POINT) else written)


def check_range(
    value: Decimal, *, what: str, unit: str, positive: bool = False, high: Decimal | None = None
) -> Decimal:
    """``value`` unchanged if it is inside the field's possible range; never clamped."""
    if positive and value == 0:
        raise EntryError(f"{what}: must be more than 0 {unit}.")
    if high is not None and value > high:
        raise EntryError(
            f"{what}: {format_plain(value)} {unit} is over the highest possible "
            f"{format_plain(high)} {unit}."
        )
    return value


def parse_whole(text: str, *, what: str, low: int, high: int, unit: str) -> int:
    """A whole number from ``low`` to ``high`` (minutes, activations)."""
    raw = text.strip()
    if raw.startswith("-"):
        raise EntryError(f"{what} cannot be negative (typed '{shown_typed(raw)}').")
    if not (raw.isascii() and raw.isdigit()):
        raise EntryError(f"{what}: type a whole number of {unit} (typed '{shown_typed(raw)}').")
    if len(raw.lstrip("0")) > MAX_WHOLE_DIGITS:
        raise EntryError(f"{what}: from {low} to {high} {unit} (typed {len(raw)} digits).")
    value = int(raw)
    if not low <= value <= high:
        raise EntryError(f"{what}: from {low} to {high} {unit} (typed '{shown_typed(raw)}').")
    return value


def shown_typed(raw: str) -> str:
    """Typed text as a message quotes it: a pasted page is cut, not repeated in full."""
    return raw if len(raw) <= 40 else raw[:37] + "..."


def parse_time(text: str, *, what: str = "The start") -> int:
    """A time of day typed HH:MM (or H:MM, or a whole hour), in minutes after 00:00."""
    raw = text.strip()
    match = _TIME.fullmatch(raw)
    if not match:
        raise EntryError(f"{what}: type a time of day as HH:MM (typed '{shown_typed(raw)}').")
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
    return hhmm(minutes)


def format_fixed(
    value: Fraction | Decimal | int, places: int, *, separator: str | None = None
) -> str:
    """``value`` at ``places`` decimals or more: the fewest more (up to six) that write it
    exactly, else rounded and marked with '≈' so an inexact figure never passes for exact."""
    v = Fraction(value)
    for p in range(places, MAX_DECIMAL_PLACES + 1):
        d = decimal_if_exact(v, p)
        if d is not None:
            return with_separator(str(round_half_up(v, p)), separator)
    return "≈" + with_separator(str(round_half_up(v, places)), separator)


def format_rate(
    value: Fraction | Decimal | int, unit: RateUnit, *, separator: str | None = None
) -> str:
    """A rate with its unit, e.g. ``"60.00 mcg/h"``, ``"0.1200 mL/day"``."""
    return f"{format_fixed(value, RATE_PLACES[unit], separator=separator)} {unit.value}"


def format_plain(value: Fraction | Decimal | int, *, separator: str | None = None) -> str:
    """A value for an edit field: exact, no trailing zeros (``"2.5"``), '…' if it repeats;
    :func:`parse_decimal` reads it back (an exact one) as the same value."""
    v = Fraction(value)
    d = decimal_if_exact(v, MAX_DECIMAL_PLACES)
    if d is None:
        return with_separator(str(round_half_up(v, MAX_DECIMAL_PLACES)), separator) + "…"
    return with_separator(format(d, "f"), separator)
