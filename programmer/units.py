"""Dose, rate and volume units and exact conversions between them (domain.md, "Units and
arithmetic").

Values a person typed are kept as :class:`~decimal.Decimal` exactly as typed; everything computed
from them is a :class:`~fractions.Fraction`, so a 24-h total is exactly the sum of its step doses.
Rounding happens only when a value is shown, and then only through :func:`apportion` or
:func:`format_quantity`, which say what they did.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from functools import lru_cache
from typing import Final

# The decimal separator every number is shown and typed with: one per installation, a clinic
# setting (issue 12), "." or ",". Group (thousands) separators are never written nor accepted:
# "1,000" is 1000 in one locale and 1.000 in another, the 1000x error domain.md warns about.
DECIMAL_SEPARATORS: Final = (".", ",")
_separator = "."

MINUTES_PER_DAY = 1440
MINUTES_PER_HOUR = 60
HOURS_PER_DAY = 24

Number = Decimal | Fraction | int


class RateUnit(StrEnum):
    """The units a rate can be typed in (product.md: the schedule editor's entry unit switch)."""

    MCG_PER_DAY = "mcg/day"
    MCG_PER_H = "mcg/h"
    ML_PER_DAY = "mL/day"


# Typed values recur on every check (a concentration, a pump's flows, a library's limits) and
# making a Fraction of a Decimal is the dearest step of a conversion, so the Fractions of the last
# few thousand are kept: equal numbers give equal Fractions, and a Fraction is immutable.
_fraction_of = lru_cache(maxsize=4096)(Fraction)


def exact(value: Number) -> Fraction:
    """The exact rational value of a typed or computed number."""
    if isinstance(value, Fraction):
        return value
    try:
        return _fraction_of(value)
    except TypeError:  # unhashable (a signalling NaN): Fraction says what is wrong with it
        return Fraction(value)


def mcg_per_day_to_ml_per_day(
    dose_mcg_per_day: Number, concentration_mcg_per_ml: Number
) -> Fraction:
    """flow (mL/day) = daily dose (mcg/day) / concentration (mcg/mL) (domain.md)."""
    return exact(dose_mcg_per_day) / exact(concentration_mcg_per_ml)


def ml_per_day_to_mcg_per_day(
    flow_ml_per_day: Number, concentration_mcg_per_ml: Number
) -> Fraction:
    return exact(flow_ml_per_day) * exact(concentration_mcg_per_ml)


def rate_to_mcg_per_h(value: Number, unit: RateUnit, concentration_mcg_per_ml: Number) -> Fraction:
    """A rate typed in ``unit`` as mcg/h, exactly."""
    v = exact(value)
    if unit is RateUnit.MCG_PER_H:
        return v
    if unit is RateUnit.MCG_PER_DAY:
        return v / HOURS_PER_DAY
    return v * exact(concentration_mcg_per_ml) / HOURS_PER_DAY


def rate_from_mcg_per_h(rate: Number, unit: RateUnit, concentration_mcg_per_ml: Number) -> Fraction:
    """A rate in mcg/h expressed in ``unit``, exactly."""
    r = exact(rate)
    if unit is RateUnit.MCG_PER_H:
        return r
    if unit is RateUnit.MCG_PER_DAY:
        return r * HOURS_PER_DAY
    return r * HOURS_PER_DAY / exact(concentration_mcg_per_ml)


def decimal_if_exact(value: Fraction, max_places: int) -> Decimal | None:
    """``value`` as a Decimal with at most ``max_places`` decimals, or None when it has no such
    exact form (e.g. 100 mcg/day = 4.1666... mcg/h). Callers must then ask, never round."""
    scaled = value * 10**max_places
    if scaled.denominator != 1:
        return None
    d = Decimal(scaled.numerator).scaleb(-max_places)
    return d.normalize() if d == d.to_integral_value() else _strip_zeros(d)


def _strip_zeros(d: Decimal) -> Decimal:
    sign, digits, exponent = d.as_tuple()
    assert isinstance(exponent, int)
    digits_list = list(digits)
    while exponent < 0 and digits_list and digits_list[-1] == 0:
        digits_list.pop()
        exponent += 1
    return Decimal((sign, tuple(digits_list) or (0,), exponent))


def round_half_up(value: Number, places: int) -> Decimal:
    """``value`` rounded half away from zero to ``places`` decimals (for display only)."""
    v = exact(value)
    scaled = abs(v) * 10**places
    n = math.floor(scaled + Fraction(1, 2))
    result = Decimal(n).scaleb(-places)
    if places > 0:
        result = result.quantize(Decimal(1).scaleb(-places))
    return -result if v < 0 and n else result


@dataclass(frozen=True, slots=True)
class Apportioned:
    """Values rounded for display so that the shown parts add up to the shown total."""

    parts: tuple[Decimal, ...]
    total: Decimal
    exact_parts: tuple[bool, ...]  # False where the shown part differs from the true value
    total_exact: bool


def apportion(values: Sequence[Number], places: int) -> Apportioned:
    """Round non-negative ``values`` and their sum to ``places`` decimals so that the rounded
    parts sum exactly to the rounded total (largest remainder method).

    domain.md: "The total shown must equal the sum of the step doses shown, at the precision
    shown." Each shown part is within one unit of the last place of its true value, and a part
    that is exact at that precision is never changed.
    """
    exact_values = [exact(v) for v in values]
    if any(v < 0 for v in exact_values):
        raise ValueError("apportion takes non-negative values")
    unit = Fraction(1, 10**places)
    total = sum(exact_values, Fraction(0))
    total_shown = round_half_up(total, places)
    floors = [math.floor(v / unit) for v in exact_values]
    remainders = [v / unit - f for v, f in zip(exact_values, floors, strict=True)]
    extra = int(exact(total_shown) / unit) - sum(floors)
    order = sorted(range(len(exact_values)), key=lambda i: (-remainders[i], i))
    for i in order[:extra]:
        floors[i] += 1
    quant = Decimal(1).scaleb(-places) if places > 0 else Decimal(1)
    parts = tuple((Decimal(f) * quant).quantize(quant) for f in floors)
    return Apportioned(
        parts=parts,
        total=total_shown,
        exact_parts=tuple(exact(p) == v for p, v in zip(parts, exact_values, strict=True)),
        total_exact=exact(total_shown) == total,
    )


def decimal_separator() -> str:
    """The installation's decimal separator, ``"."`` or ``","`` (:func:`set_decimal_separator`)."""
    return _separator


def set_decimal_separator(separator: str) -> None:
    """Show and read every number with ``separator`` from now on: called when a database is
    opened and when an administrator changes the clinic settings. Anything but ``"."`` or
    ``","`` is refused (``ValueError``) and changes nothing."""
    global _separator
    if separator not in DECIMAL_SEPARATORS:
        raise ValueError(f"the decimal separator is '.' or ',', not {separator!r}")
    _separator = separator


def with_separator(text: str, separator: str | None = None) -> str:
    """``text``, a number written with a point (``str(Decimal)``), with the installation's
    decimal separator (or ``separator``). The one place a point becomes a comma."""
    sep = _separator if separator is None else separator
    return text if sep == "." else text.replace(".", sep)


def join_figures(figures: Iterable[str]) -> str:
    """Figures in a list: ``"12.5, 25"``, but ``"12,5; 25"`` with the comma separator, so a
    list never reads as one number with decimals."""
    return ("; " if _separator == "," else ", ").join(figures)


def format_number(value: Number, places: int, *, separator: str | None = None) -> str:
    """A number for display, half-up at ``places`` decimals, with the decimal separator."""
    return with_separator(str(round_half_up(value, places)), separator)


def format_short(value: Number, places: int, *, separator: str | None = None) -> str:
    """:func:`format_number` without trailing zeros (``"396"``, ``"0.396"``), for figures in
    sentences; with the decimal separator."""
    text = str(round_half_up(value, places))
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return with_separator(text, separator)


def format_quantity(value: Number, unit: str, places: int, *, separator: str | None = None) -> str:
    """A number with its unit, e.g. ``"290.00 mcg/day"``: every dose on screen shows its unit."""
    return f"{format_number(value, places, separator=separator)} {unit}"


def format_decimal(value: Decimal, *, separator: str | None = None) -> str:
    """A typed value exactly as typed (no exponent notation), with the decimal separator. For
    people only: files and storage write ``format(value, "f")``."""
    return with_separator(format(value, "f"), separator)
