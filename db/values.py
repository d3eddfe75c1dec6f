"""How values are written in the database: exact numbers and dates as text.

Typed numbers (:class:`~decimal.Decimal`) are stored as the text typed, so ``2.0`` mL stays
``2.0``; computed ones (:class:`~fractions.Fraction`) as ``"n/d"``, so a daily dose of 2900/7
mcg/day is read back exactly. Moments are local times without a zone, the same convention as the
programme file, written ISO 8601 so that text order is time order.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from db.errors import InvalidRecordError


def decimal_text(value: Decimal) -> str:
    return format(value, "f")


def decimal_from(text: str) -> Decimal:
    return Decimal(text)


def optional_decimal_text(value: Decimal | None) -> str | None:
    return None if value is None else decimal_text(value)


def optional_decimal_from(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def fraction_text(value: Fraction) -> str:
    return str(value)


def fraction_from(text: str) -> Fraction:
    return Fraction(text)


def date_text(value: date) -> str:
    return value.isoformat()


def date_from(text: str) -> date:
    return date.fromisoformat(text)


def moment_text(value: datetime, what: str = "time") -> str:
    """A local moment as text. A time with a zone is refused rather than converted: every time in
    the console (programme file, simulated clock) is local wall-clock time."""
    if value.tzinfo is not None:
        raise InvalidRecordError(
            "must be a local time without a time zone (as on the clinic's clock)", what
        )
    return value.isoformat()


def moment_from(text: str) -> datetime:
    return datetime.fromisoformat(text)


def optional_moment_from(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def checked_decimal(value: object, field: str, *, positive: bool = False) -> Decimal:
    """``value`` as a finite, non-negative (or positive) Decimal, else an InvalidRecordError."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise InvalidRecordError("must be a number", field)
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise InvalidRecordError("must be a number", field) from None
    if not number.is_finite() or number < 0 or (positive and number == 0):
        raise InvalidRecordError(
            "must be a number greater than 0" if positive else "must be a number of at least 0",
            field,
        )
    return number
