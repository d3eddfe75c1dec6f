"""The change of a 24-h total against the saved programme, in mcg/day and in %, beside the limit
that applies to it (issue 9: "+9 % of +30 %"). domain.md, "Titration": up at most the titration
step for the patient's group (30 % spinal, 15 % cerebral in the packaged library), down at most
the large-decrease limit (20 %); the figures come from the drug library the check uses.

Pure arithmetic for the screens: the engine's own findings (CHANGE_ABOVE_TITRATION,
CHANGE_DECREASE_LARGE) stay the rule; this names the figures so the clinician sees how near the
limit a change is before a finding appears. The same two figures as the engine
(programmer/dose_checks.py::_check_change): the programmed dose, and the worst case with every
patient bolus used when the patient-bolus settings differ, so the editor and the visit review
show a change over its limit exactly when the engine finds it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction

from programmer.dose_checks import patient_group, worst_case_by_weekday
from programmer.drug_library import DrugLibrary
from programmer.programme import Mode, Programme
from programmer.pump_catalogue import PumpCatalogue
from programmer.schedule import daily_doses
from programmer.units import exact
from programmer.words import format_number, format_short

THERAPY = (Mode.SIMPLE_CONTINUOUS, Mode.FLEXIBLE)


@dataclass(frozen=True, slots=True)
class DoseChange:
    """``before`` -> ``after`` mcg/day (programmed), with the increase and decrease limits in
    %; ``worst_before_mcg`` -> ``worst_after_mcg`` the same day with every patient bolus used,
    given only when the patient-bolus worst case differs between the sides (with the same
    settings that figure cannot go over a limit the programmed one does not: the engine's
    rule, :func:`programmer.dose_checks._check_change`, judges its increases only)."""

    before_mcg: Fraction
    after_mcg: Fraction
    titration_pct: Fraction  # the largest increase, in % of before
    decrease_pct: Fraction  # the largest decrease, in % of before
    worst_before_mcg: Fraction | None = None
    worst_after_mcg: Fraction | None = None

    @property
    def delta_mcg(self) -> Fraction:
        return self.after_mcg - self.before_mcg

    @property
    def percent(self) -> Fraction | None:
        """The change in % of the saved total (None when that was zero: no ratio)."""
        if self.before_mcg == 0:
            return None
        return self.delta_mcg * 100 / self.before_mcg

    @property
    def limit_pct(self) -> Fraction:
        """The limit in the change's direction, signed: +30 for an increase, -20 for a
        decrease (an unchanged total is measured against the increase limit)."""
        return -self.decrease_pct if self.delta_mcg < 0 else self.titration_pct

    @property
    def worst_percent(self) -> Fraction | None:
        """The worst case's change in % (None: not given, or from zero)."""
        if self.worst_before_mcg is None or self.worst_after_mcg is None:
            return None
        if self.worst_before_mcg == 0:
            return None
        return (self.worst_after_mcg - self.worst_before_mcg) * 100 / self.worst_before_mcg

    @property
    def changed(self) -> bool:
        """Either figure changes (a patient-bolus setting alone is a change of the worst case)."""
        return self.delta_mcg != 0 or self.worst_before_mcg != self.worst_after_mcg

    @property
    def worst_within_limit(self) -> bool:
        """The worst case's increase is inside the titration step (a decrease of it is not
        judged; from zero to something never is within)."""
        before, after = self.worst_before_mcg, self.worst_after_mcg
        if before is None or after is None or after <= before:
            return True
        percent = self.worst_percent
        return percent is not None and percent <= self.titration_pct

    @property
    def within_limit(self) -> bool:
        """The change is inside its limit (from zero to something never is), the worst case's
        increase too."""
        percent = self.percent
        if percent is None:
            programmed = self.delta_mcg == 0
        else:
            programmed = -self.decrease_pct <= percent <= self.titration_pct
        return programmed and self.worst_within_limit


def dose_change(
    before_mcg: Fraction | Decimal | int,
    after_mcg: Fraction | Decimal | int,
    *,
    titration_pct: Fraction | Decimal | int,
    decrease_pct: Fraction | Decimal | int,
    worst_before_mcg: Fraction | Decimal | int | None = None,
    worst_after_mcg: Fraction | Decimal | int | None = None,
) -> DoseChange:
    return DoseChange(
        exact(before_mcg),
        exact(after_mcg),
        exact(titration_pct),
        exact(decrease_pct),
        None if worst_before_mcg is None else exact(worst_before_mcg),
        None if worst_after_mcg is None else exact(worst_after_mcg),
    )


def _signed(value: Fraction, places: int, *, trim: bool = False) -> str:
    """``"+9.0"``, ``"-20"``; a change too small to show keeps its sign (``"+0.00"``), only
    none at all is ``"±0"``. ``trim``: no trailing zeros (a limit from the library is shown as
    written there, 12.5 as 12.5, 30 as 30)."""
    text = format_short(abs(value), places) if trim else format_number(abs(value), places)
    if value == 0:
        return f"±{text}"
    return f"{'+' if value > 0 else '-'}{text}"


def change_words(change: DoseChange) -> str:
    """``"+26.00 mcg/day (+9.0 % of +30 %)"``, ``"-90.00 mcg/day (-31.0 %: over the -20 %
    limit)"``, ``"±0 mcg/day (no change)"``; from zero, no percentage. With a worst case that
    differs: ``"; with every patient bolus used 100.00 -> 1100.00 mcg/day (+1000.0 %: over
    the +30 % limit)"`` after it."""
    return _programmed_words(change) + _worst_words(change)


def _programmed_words(change: DoseChange) -> str:
    if change.delta_mcg == 0:
        return "±0 mcg/day (no change)"
    mcg = f"{_signed(change.delta_mcg, 2)} mcg/day"
    percent = change.percent
    limit = f"{_signed(change.limit_pct, 2, trim=True)} %"
    if percent is None:
        return f"{mcg} (from 0 mcg/day: no titration step applies)"
    if -change.decrease_pct <= percent <= change.titration_pct:
        return f"{mcg} ({_signed(percent, 1)} % of {limit})"
    return f"{mcg} ({_signed(percent, 1)} %: over the {limit} limit)"


def _worst_words(change: DoseChange) -> str:
    before, after = change.worst_before_mcg, change.worst_after_mcg
    if before is None or after is None:
        return ""
    figures = (
        f"; with every patient bolus used {format_number(before, 2)} -> "
        f"{format_number(after, 2)} mcg/day"
    )
    percent = change.worst_percent
    if after <= before:
        return figures + (f" ({_signed(percent, 1)} %)" if percent is not None else "")
    limit = f"{_signed(change.titration_pct, 2, trim=True)} %"
    if percent is None:
        return figures + " (from 0 mcg/day: over any titration step)"
    if change.worst_within_limit:
        return figures + f" ({_signed(percent, 1)} % of {limit})"
    return figures + f" ({_signed(percent, 1)} %: over the {limit} limit)"


def day_change(
    pending: Programme,
    current: Programme | None,
    weekday: int,
    *,
    library: DrugLibrary,
    catalogue: PumpCatalogue,
    today: date,
) -> DoseChange | None:
    """The change of weekday ``weekday``'s (0 = Monday) 24-h total from ``current`` to
    ``pending``, programmed and (when the patient-bolus settings differ) with every patient
    bolus used, the figures the engine's CHANGE_* findings judge, with the limits for the
    patient (None: no saved programme, either side not a therapy mode, or a drug or pump the
    library or catalogue does not know)."""
    if current is None or pending.mode not in THERAPY or current.mode not in THERAPY:
        return None
    drug = library.drugs.get(pending.drug.name)
    if drug is None:
        return None
    try:
        before = daily_doses(current, catalogue.pump(current.pump.model))
        after = daily_doses(pending, catalogue.pump(pending.pump.model))
    except KeyError:
        return None
    group = patient_group(pending, drug, today)
    worst_before = worst_case_by_weekday(current, before)[weekday]
    worst_after = worst_case_by_weekday(pending, after)[weekday]
    differs = worst_before - before.by_weekday[weekday] != worst_after - after.by_weekday[weekday]
    return dose_change(
        before.by_weekday[weekday],
        after.by_weekday[weekday],
        titration_pct=drug.titration_pct_for(group),
        decrease_pct=drug.decrease_large_pct,
        worst_before_mcg=worst_before if differs else None,
        worst_after_mcg=worst_after if differs else None,
    )
