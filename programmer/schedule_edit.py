"""Editing a programme: the operations behind the schedule editor (product.md, "Schedule
editor"), pure and Qt-free, so the undo commands, the tests and any script share them.

Each operation takes a :class:`~programmer.programme.Programme` and returns a new one. Nothing
is clamped or sorted behind the clinician's back: a schedule the pump would refuse (a step out of
order, a rate under the pump's lowest flow, a 24-h total over the hard maximum) is returned as
asked, and :func:`programmer.findings.check_programme` reports it (style.md: "Never clamp a typed
value silently"). An operation refuses, with :class:`EditError`, only what the programme file
cannot hold at all (a negative rate, a seventh decimal, a start at 24:00) or what makes no sense
(an edit of a step that is not there).

Rates typed in mcg/day or mL/day become the mcg/h the file holds only when that is exact:
:func:`convert_rate` says when it is not (100 mcg/day = 4.1666... mcg/h) and offers the nearest
value the file can hold, for the editor to propose explicitly, never to apply silently.

Deleting a step hands its time to the step before it. Deleting the 00:00 step hands its time to
the next step, which then starts at 00:00, so the day still starts at 00:00; the only step of a
day cannot be deleted (a flexible day needs one).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from programmer.errors import EngineError
from programmer.programme import (
    EVERY_DAY,
    WEEKDAYS,
    Bolus,
    Mode,
    PatientBolus,
    Programme,
    Step,
    WeekSchedule,
)
from programmer.programme_file import MAX_BOLUSES_IN_FILE, MAX_DECIMAL_PLACES, MAX_STEPS_IN_FILE
from programmer.pump_catalogue import PumpModel
from programmer.schedule import basal_rates_by_weekday, daily_doses, step_durations
from programmer.units import (
    MINUTES_PER_DAY,
    RateUnit,
    decimal_if_exact,
    exact,
    rate_from_mcg_per_h,
    rate_to_mcg_per_h,
    round_half_up,
)
from programmer.words import day_title, hhmm

# The largest values the programme file accepts (programme_file.py: _RATE, _DOSE_DAY, _DOSE,
# _CONCENTRATION): beyond them a value is not a dose at all, so it is refused, not reported.
MAX_RATE_MCG_PER_H = Decimal(1_000_000)
MAX_DAILY_DOSE_MCG = Decimal(10_000_000)
MAX_BOLUS_DOSE_MCG = Decimal(1_000_000)
MAX_CONCENTRATION_MCG_PER_ML = Decimal(100_000)

THERAPY_MODES = (Mode.SIMPLE_CONTINUOUS, Mode.FLEXIBLE)


class EditError(EngineError):
    """An edit the programme cannot take (the value is not representable, or the step, day or
    bolus does not exist). The message says what to do instead."""


class InexactEntry(EditError):
    """A value has no exact form the programme file can hold (at most six decimals). Carries the
    :class:`RateEntry` so the editor can offer ``entry.nearest`` to the clinician explicitly."""

    def __init__(self, entry: RateEntry, what: str) -> None:
        self.entry = entry
        super().__init__(
            f"{what}: {entry.shown} cannot be held exactly; the nearest value the pump takes is "
            f"{entry.nearest_text}."
        )


# ---------------------------------------------------------------- typed values and units


def _places(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    assert isinstance(exponent, int)
    return max(0, -exponent)


def _check_number(value: Decimal, what: str, unit: str, high: Decimal, *, positive: bool) -> None:
    """Refuse what the programme file cannot hold (programme_file._number's rules)."""
    if not value.is_finite():
        raise EditError(f"{what} must be a number.")
    if value < 0:
        raise EditError(f"{what} cannot be negative.")
    if positive and value == 0:
        raise EditError(f"{what} must be greater than 0 {unit}.")
    if value > high:
        raise EditError(
            f"{what} of {value:f} {unit} is beyond any possible value (at most {high} {unit})."
        )
    if _places(value) > MAX_DECIMAL_PLACES:
        raise EditError(f"{what} has more than {MAX_DECIMAL_PLACES} decimal places.")


def check_rate(rate_mcg_per_h: Decimal) -> None:
    """Raise :class:`EditError` unless the file can hold ``rate_mcg_per_h`` as a step rate."""
    _check_number(rate_mcg_per_h, "A rate", "mcg/h", MAX_RATE_MCG_PER_H, positive=False)


def _repeating_text(value: Fraction, places: int) -> str:
    """``value`` cut (not rounded) after ``places`` decimals, with an ellipsis: 4.166666..."""
    negative = value < 0
    scaled = abs(value) * 10**places
    whole = scaled.numerator // scaled.denominator
    digits = str(whole).rjust(places + 1, "0")
    text = f"{digits[:-places]}.{digits[-places:]}" if places else digits
    return ("-" if negative else "") + text + "…"


def exact_text(value: Fraction, places: int = MAX_DECIMAL_PLACES) -> str:
    """``value`` written exactly when it has at most ``places`` decimals, else cut with '…'."""
    d = decimal_if_exact(value, places)
    return format(d, "f") if d is not None else _repeating_text(value, places)


@dataclass(frozen=True, slots=True)
class RateEntry:
    """A rate typed (or carried over) in one unit, expressed exactly in another.

    ``exact`` says whether the result has a form the programme file can hold (at most six
    decimals). When it has not, ``nearest`` is the closest value it can hold; it is an offer for
    the clinician to accept, and ``nearest_back`` says what it means in the unit they typed.
    """

    typed: Fraction  # in ``unit``
    unit: RateUnit
    to: RateUnit
    value: Fraction  # exactly, in ``to``
    exact: bool
    nearest: Decimal  # == value when exact
    nearest_back: Fraction  # ``nearest`` expressed in ``unit``

    @property
    def shown(self) -> str:
        """The exact result with its unit, e.g. ``"4.166666… mcg/h"``."""
        return f"{exact_text(self.value)} {self.to.value}"

    @property
    def nearest_text(self) -> str:
        """The offer with what it means in the typed unit, e.g.
        ``"4.166667 mcg/h (100.000008 mcg/day)"``."""
        text = f"{format(self.nearest, 'f')} {self.to.value}"
        if self.unit is not self.to:
            # Nine places: enough to write 4.166667 mcg/h exactly as 0.200000016 mL/day.
            text += f" ({exact_text(self.nearest_back, 9)} {self.unit.value})"
        return text


def convert_rate(
    value: Decimal | Fraction | int,
    unit: RateUnit,
    concentration_mcg_per_ml: Decimal,
    to: RateUnit = RateUnit.MCG_PER_H,
) -> RateEntry:
    """A rate in ``unit`` expressed in ``to`` (mcg/h for a step, mcg/day for a simple daily dose),
    exactly, with the nearest value the file can hold when the exact one has no such form."""
    typed = exact(value)
    mcg_per_h = rate_to_mcg_per_h(typed, unit, concentration_mcg_per_ml)
    result = rate_from_mcg_per_h(mcg_per_h, to, concentration_mcg_per_ml)
    as_decimal = decimal_if_exact(result, MAX_DECIMAL_PLACES)
    nearest = as_decimal if as_decimal is not None else round_half_up(result, MAX_DECIMAL_PLACES)
    if as_decimal is None:
        nearest = _strip(nearest)
    back = rate_from_mcg_per_h(
        rate_to_mcg_per_h(nearest, to, concentration_mcg_per_ml), unit, concentration_mcg_per_ml
    )
    return RateEntry(
        typed=typed,
        unit=unit,
        to=to,
        value=result,
        exact=as_decimal is not None,
        nearest=nearest,
        nearest_back=back,
    )


def _strip(d: Decimal) -> Decimal:
    """Trailing zeros dropped (4.166670 -> 4.16667), keeping whole numbers without exponent."""
    stripped = d.normalize()
    return stripped.quantize(Decimal(1)) if stripped == stripped.to_integral_value() else stripped


def _exact_decimal(what: str, entry: RateEntry, accept_nearest: bool) -> Decimal:
    if entry.exact or accept_nearest:
        return entry.nearest
    raise InexactEntry(entry, what)


# ---------------------------------------------------------------- fields of the programme file


def step_field(day: str, index: int, attribute: str | None = None) -> str:
    """The programme-file path of a step (findings name their cells this way)."""
    path = f"week.{day}[{index}]"
    return f"{path}.{attribute}" if attribute else path


@dataclass(frozen=True, slots=True)
class FieldRef:
    """A finding's ``field`` taken apart: ``week.mon[2].start`` is section ``week``, day
    ``mon``, index 2, attribute ``start``."""

    path: str
    section: str  # week | boluses | patient_bolus | daily_dose_mcg | mode | drug | ...
    day: str | None = None
    index: int | None = None
    attribute: str | None = None


_WEEK_FIELD = re.compile(r"week\.(\w+)(?:\[(\d+)\])?(?:\.(\w+))?")
_BOLUS_FIELD = re.compile(r"boluses\[(\d+)\](?:\.(\w+))?")


def parse_field(path: str) -> FieldRef:
    """Where a finding points, for the editor to select the offending cell or field."""
    if m := _WEEK_FIELD.fullmatch(path):
        index = int(m[2]) if m[2] is not None else None
        return FieldRef(path, "week", m[1], index, m[3])
    if m := _BOLUS_FIELD.fullmatch(path):
        return FieldRef(path, "boluses", None, int(m[1]), m[2])
    section, _, attribute = path.partition(".")
    return FieldRef(path, section, None, None, attribute or None)


# ---------------------------------------------------------------- mode


def _min_rate_mcg_per_day(programme: Programme, pump: PumpModel) -> Fraction:
    return exact(pump.min_flow_ml_per_day) * exact(programme.drug.concentration_mcg_per_ml)


def set_mode(
    programme: Programme,
    mode: Mode,
    pump: PumpModel,
    *,
    template: Programme | None = None,
    accept_nearest: bool = False,
) -> Programme:
    """``programme`` in ``mode``, carrying the dose over where it can.

    To flexible: the programme's own week if it has one; from simple continuous one 00:00 step at
    daily dose / 24 mcg/h. To simple continuous: the week's mean daily dose. From stopped or
    minimum rate, the same from ``template`` (the last therapy programme the editor saw, or the
    saved one) when it is a therapy programme, else the pump's minimum rate. A carried-over value
    with no exact form raises :class:`InexactEntry`; call again with ``accept_nearest=True`` once
    the clinician agreed to its ``nearest``.
    """
    if programme.mode is mode:
        return programme
    if mode not in THERAPY_MODES:
        return programme.with_changes(mode=mode, daily_dose_mcg=None, week=None)
    source = programme if programme.mode in THERAPY_MODES else template
    if source is not None and source.mode not in THERAPY_MODES:
        source = None
    conc = programme.drug.concentration_mcg_per_ml
    if mode is Mode.FLEXIBLE:
        if source is not None and source.mode is Mode.FLEXIBLE and source.week is not None:
            week = WeekSchedule(dict(source.week.days))
        else:
            per_day = (
                exact(source.daily_dose_mcg)
                if source is not None and source.daily_dose_mcg is not None
                else _min_rate_mcg_per_day(programme, pump)
            )
            entry = convert_rate(per_day, RateUnit.MCG_PER_DAY, conc, RateUnit.MCG_PER_H)
            rate = _exact_decimal("The step rate", entry, accept_nearest)
            week = WeekSchedule.every_day((Step(0, rate),))
        return programme.with_changes(mode=mode, daily_dose_mcg=None, week=week)
    if source is not None and source.mode is Mode.SIMPLE_CONTINUOUS:
        per_day = exact(source.daily_dose_mcg or 0)
    elif source is not None:
        per_day = daily_doses(source, pump).mean
    else:
        per_day = _min_rate_mcg_per_day(programme, pump)
    entry = convert_rate(per_day, RateUnit.MCG_PER_DAY, conc, RateUnit.MCG_PER_DAY)
    dose = _exact_decimal("The daily dose", entry, accept_nearest)
    return programme.with_changes(mode=mode, daily_dose_mcg=dose, week=None)


def set_daily_dose(programme: Programme, dose_mcg_per_day: Decimal) -> Programme:
    """The simple-continuous daily dose (mcg/day)."""
    if programme.mode is not Mode.SIMPLE_CONTINUOUS:
        raise EditError("A daily dose is set in the simple continuous mode only.")
    _check_number(dose_mcg_per_day, "A daily dose", "mcg/day", MAX_DAILY_DOSE_MCG, positive=False)
    return programme.with_changes(daily_dose_mcg=dose_mcg_per_day)


# ---------------------------------------------------------------- steps of a flexible day


def _week(programme: Programme) -> WeekSchedule:
    if programme.mode is not Mode.FLEXIBLE or programme.week is None:
        raise EditError("Steps are edited in the flexible mode only.")
    return programme.week


def day_steps(programme: Programme, day: str) -> tuple[Step, ...]:
    """The steps of ``day`` (``every_day`` or ``mon`` ... ``sun``, as the pattern holds them)."""
    week = _week(programme)
    try:
        return week.days[day]
    except KeyError:
        held = " or ".join(week.day_names()) if week.same_every_day else "mon ... sun"
        raise EditError(f"The week pattern has no day '{day}' (it holds {held}).") from None


def _step_index(steps: Sequence[Step], index: int) -> None:
    if not 0 <= index < len(steps):
        raise EditError(f"There is no step {index + 1} (the day has {len(steps)}).")


def _with_day(programme: Programme, day: str, steps: Sequence[Step]) -> Programme:
    week = _week(programme)
    days = dict(week.days)
    days[day] = tuple(steps)
    return programme.with_changes(week=WeekSchedule(days))


def set_step_start(programme: Programme, day: str, index: int, start_min: int) -> Programme:
    """Move a step's start to ``start_min`` minutes after 00:00. The steps keep their order: a
    start out of order is reported (SCHEDULE_INVALID), not re-sorted."""
    steps = list(day_steps(programme, day))
    _step_index(steps, index)
    if not 0 <= start_min < MINUTES_PER_DAY:
        raise EditError("A step starts between 00:00 and 23:59.")
    steps[index] = Step(start_min, steps[index].rate_mcg_per_h)
    return _with_day(programme, day, steps)


def set_step_rate(programme: Programme, day: str, index: int, rate_mcg_per_h: Decimal) -> Programme:
    """Set a step's rate (mcg/h, as the file holds it; see :func:`convert_rate` for other units)."""
    steps = list(day_steps(programme, day))
    _step_index(steps, index)
    check_rate(rate_mcg_per_h)
    steps[index] = Step(steps[index].start_min, rate_mcg_per_h)
    return _with_day(programme, day, steps)


def split_step(programme: Programme, day: str, index: int, at_min: int) -> Programme:
    """Split step ``index`` at ``at_min``: a new step, at the same rate, starts there."""
    steps = list(day_steps(programme, day))
    _step_index(steps, index)
    if len(steps) >= MAX_STEPS_IN_FILE:
        raise EditError(f"A day holds at most {MAX_STEPS_IN_FILE} steps.")
    start = steps[index].start_min
    end = start + step_durations(steps)[index]
    if not start < at_min < end or at_min >= MINUTES_PER_DAY:
        raise EditError(
            f"Split inside the step: after {hhmm(start)} and before {hhmm(min(end, 1440))}."
        )
    steps.insert(index + 1, Step(at_min, steps[index].rate_mcg_per_h))
    return _with_day(programme, day, steps)


def midpoint_min(programme: Programme, day: str, index: int) -> int:
    """The whole minute halfway through step ``index`` (where a new step is added)."""
    steps = day_steps(programme, day)
    _step_index(steps, index)
    start = steps[index].start_min
    return start + step_durations(steps)[index] // 2


def add_step(programme: Programme, day: str, after: int) -> Programme:
    """Add a step after step ``after``, at the midpoint of its span, at the same rate."""
    steps = day_steps(programme, day)
    _step_index(steps, after)
    at = midpoint_min(programme, day, after)
    if at == steps[after].start_min or at >= MINUTES_PER_DAY:
        raise EditError(
            f"Step {after + 1} is too short to add a step inside it; lengthen it first."
        )
    return split_step(programme, day, after, at)


def delete_step(programme: Programme, day: str, index: int) -> Programme:
    """Delete a step; its time goes to the step before it (for the 00:00 step, to the next one,
    which then starts at 00:00). A day's only step cannot be deleted."""
    steps = list(day_steps(programme, day))
    _step_index(steps, index)
    if len(steps) == 1:
        raise EditError("A flexible day needs at least one step; change its rate instead.")
    if index == 0:
        steps[1] = Step(steps[0].start_min, steps[1].rate_mcg_per_h)
    del steps[index]
    return _with_day(programme, day, steps)


# ---------------------------------------------------------------- scaling


class PumpLimit(StrEnum):
    BELOW = "below"  # under the lowest flow (or a zero rate the pump does not allow)
    ABOVE = "above"  # over the highest flow


@dataclass(frozen=True, slots=True)
class ScaledValue:
    """One rate (or the simple daily dose) before and after scaling. ``rounded``: the exact
    result has more than six decimals, so ``after`` is the nearest value the file holds (the
    preview shows it). ``limit``: the pump could not deliver ``after``."""

    field: str  # e.g. week.every_day[1].rate_mcg_per_h, or daily_dose_mcg
    start_min: int | None
    unit: str  # mcg/h for a step, mcg/day for the daily dose
    before: Decimal
    after: Decimal
    exact_after: Fraction
    rounded: bool
    limit: PumpLimit | None


@dataclass(frozen=True, slots=True)
class ScaleResult:
    programme: Programme
    values: tuple[ScaledValue, ...]

    @property
    def outside_limits(self) -> tuple[ScaledValue, ...]:
        return tuple(v for v in self.values if v.limit is not None)

    @property
    def rounded(self) -> tuple[ScaledValue, ...]:
        return tuple(v for v in self.values if v.rounded)


def pump_limit(flow_ml_per_day: Fraction, pump: PumpModel) -> PumpLimit | None:
    """Whether the pump can deliver a flow: the findings' RATE_BELOW/ABOVE_PUMP rules."""
    if flow_ml_per_day == 0:
        return None if pump.zero_rate_steps else PumpLimit.BELOW
    if flow_ml_per_day < exact(pump.min_flow_ml_per_day):
        return PumpLimit.BELOW
    if flow_ml_per_day > exact(pump.max_flow_ml_per_day):
        return PumpLimit.ABOVE
    return None


def scale_rates(programme: Programme, percent: Decimal, pump: PumpModel) -> ScaleResult:
    """Every rate of the week (or the simple daily dose) times ``percent`` / 100, with a list of
    what was rounded to six decimals and of what the pump could not deliver. The programme is
    returned as scaled, never clamped to the pump's limits: the editor previews the list before
    applying, and the findings report the limits after."""
    if not percent.is_finite() or percent < 0:
        raise EditError("Scale by a percentage of 0 or more.")
    factor = exact(percent) / 100
    conc = exact(programme.drug.concentration_mcg_per_ml)

    def scaled(before: Decimal, high: Decimal, what: str, unit: str) -> tuple[Decimal, Fraction]:
        exact_after = exact(before) * factor
        after = decimal_if_exact(exact_after, MAX_DECIMAL_PLACES)
        if after is None:
            after = _strip(round_half_up(exact_after, MAX_DECIMAL_PLACES))
        if after > high:
            raise EditError(
                f"{what} would be {exact_text(exact_after, 2)} {unit}, beyond any possible value."
            )
        return after, exact_after

    if programme.mode is Mode.SIMPLE_CONTINUOUS and programme.daily_dose_mcg is not None:
        before = programme.daily_dose_mcg
        after, exact_after = scaled(before, MAX_DAILY_DOSE_MCG, "The daily dose", "mcg/day")
        value = ScaledValue(
            "daily_dose_mcg",
            None,
            "mcg/day",
            before,
            after,
            exact_after,
            exact(after) != exact_after,
            pump_limit(exact(after) / conc, pump),
        )
        return ScaleResult(programme.with_changes(daily_dose_mcg=after), (value,))
    if programme.mode is not Mode.FLEXIBLE or programme.week is None:
        raise EditError("Only a simple continuous or flexible programme has rates to scale.")
    values: list[ScaledValue] = []
    days: dict[str, tuple[Step, ...]] = {}
    for day in programme.week.day_names():
        new_steps = []
        for i, step in enumerate(programme.week.days[day]):
            what = f"{day_title(day)}, step {i + 1}"
            after, exact_after = scaled(step.rate_mcg_per_h, MAX_RATE_MCG_PER_H, what, "mcg/h")
            values.append(
                ScaledValue(
                    step_field(day, i, "rate_mcg_per_h"),
                    step.start_min,
                    "mcg/h",
                    step.rate_mcg_per_h,
                    after,
                    exact_after,
                    exact(after) != exact_after,
                    pump_limit(exact(after) * 24 / conc, pump),
                )
            )
            new_steps.append(Step(step.start_min, after))
        days[day] = tuple(new_steps)
    return ScaleResult(programme.with_changes(week=WeekSchedule(days)), tuple(values))


# ---------------------------------------------------------------- week pattern


def to_weekday_pattern(programme: Programme) -> Programme:
    """A week with each weekday its own day, all seven starting as copies of the every-day one."""
    week = _week(programme)
    if not week.same_every_day:
        return programme
    steps = week.days[EVERY_DAY]
    return programme.with_changes(week=WeekSchedule.by_weekday(dict.fromkeys(WEEKDAYS, steps)))


def to_every_day(programme: Programme, source_day: str) -> Programme:
    """The same day every day, taken from ``source_day``'s steps (the other days' are dropped)."""
    week = _week(programme)
    if week.same_every_day:
        return programme
    return programme.with_changes(week=WeekSchedule.every_day(day_steps(programme, source_day)))


def days_differ(programme: Programme) -> bool:
    """Whether a weekday pattern's days are not all the same (switching to every day loses some)."""
    week = _week(programme)
    return len({week.days[d] for d in week.day_names()}) > 1


def copy_day(programme: Programme, source_day: str, targets: Iterable[str]) -> Programme:
    """Copy ``source_day``'s steps onto each weekday in ``targets``."""
    week = _week(programme)
    if week.same_every_day:
        raise EditError("Every day is the same; switch to a weekday pattern to copy a day.")
    steps = day_steps(programme, source_day)
    days = dict(week.days)
    for day in targets:
        if day not in WEEKDAYS:
            raise EditError(f"'{day}' is not a weekday (mon ... sun).")
        days[day] = steps
    return programme.with_changes(week=WeekSchedule(days))


# ---------------------------------------------------------------- boluses and concentration


def _check_bolus(bolus: Bolus) -> None:
    _check_number(bolus.dose_mcg, "A bolus dose", "mcg", MAX_BOLUS_DOSE_MCG, positive=True)
    if not 1 <= bolus.duration_min <= MINUTES_PER_DAY:
        raise EditError("A bolus lasts from 1 to 1440 minutes.")


def add_bolus(programme: Programme, bolus: Bolus) -> Programme:
    """Plan a bolus (kept in the order added; findings name them ``boluses[i]``)."""
    _check_bolus(bolus)
    if len(programme.boluses) >= MAX_BOLUSES_IN_FILE:
        raise EditError(f"A programme holds at most {MAX_BOLUSES_IN_FILE} planned boluses.")
    return programme.with_changes(boluses=(*programme.boluses, bolus))


def _bolus_index(programme: Programme, index: int) -> None:
    if not 0 <= index < len(programme.boluses):
        raise EditError(f"There is no planned bolus {index + 1}.")


def set_bolus(programme: Programme, index: int, bolus: Bolus) -> Programme:
    """Replace planned bolus ``index``."""
    _bolus_index(programme, index)
    _check_bolus(bolus)
    boluses = list(programme.boluses)
    boluses[index] = bolus
    return programme.with_changes(boluses=tuple(boluses))


def remove_bolus(programme: Programme, index: int) -> Programme:
    _bolus_index(programme, index)
    boluses = list(programme.boluses)
    del boluses[index]
    return programme.with_changes(boluses=tuple(boluses))


def set_patient_bolus(programme: Programme, settings: PatientBolus | None) -> Programme:
    """Patient-activated bolus settings, or None for none. A lockout shorter than the bolus or a
    maximum that cannot fit in a day is reported (PATIENT_BOLUS_LOCKOUT), not refused."""
    if settings is not None:
        _check_number(
            settings.dose_mcg, "A patient bolus dose", "mcg", MAX_BOLUS_DOSE_MCG, positive=True
        )
        if not 1 <= settings.duration_min <= MINUTES_PER_DAY:
            raise EditError("A patient bolus lasts from 1 to 1440 minutes.")
        if not 0 <= settings.lockout_min <= MINUTES_PER_DAY:
            raise EditError("A lockout is from 0 to 1440 minutes.")
        if not 1 <= settings.max_per_day <= MINUTES_PER_DAY:
            raise EditError("The maximum per day is from 1 to 1440 activations.")
    return programme.with_changes(patient_bolus=settings)


def set_concentration(programme: Programme, concentration_mcg_per_ml: Decimal) -> Programme:
    """A new concentration. Rates stay in mcg/h, so the dose is kept and the flow (mL/day)
    changes; a concentration outside the drug library is reported (CONCENTRATION_UNKNOWN)."""
    _check_number(
        concentration_mcg_per_ml,
        "A concentration",
        "mcg/mL",
        MAX_CONCENTRATION_MCG_PER_ML,
        positive=True,
    )
    drug = programme.drug
    return programme.with_changes(
        drug=type(drug)(name=drug.name, concentration_mcg_per_ml=concentration_mcg_per_ml)
    )


# ---------------------------------------------------------------- comparison with the current


def changed_steps(
    pending: Programme, current: Programme, pump: PumpModel, day: str
) -> frozenset[int]:
    """The steps of ``pending``'s ``day`` whose rate differs, somewhere in their span, from what
    ``current`` delivers then (on any weekday the day applies to). The editor marks these cells
    when a finding is about the day's total (e.g. CHANGE_EXTREME): they are what changed it."""
    steps = day_steps(pending, day)
    weekdays = range(7) if day == EVERY_DAY else (WEEKDAYS.index(day),)
    segments = basal_rates_by_weekday(current, pump)
    durations = step_durations(steps)
    changed: set[int] = set()
    for i, step in enumerate(steps):
        start, end = step.start_min, step.start_min + durations[i]
        rate = exact(step.rate_mcg_per_h)
        for weekday in weekdays:
            if _differs(segments[weekday], start, end, rate):
                changed.add(i)
                break
    return frozenset(changed)


def _differs(segments: list[tuple[int, Fraction]], start: int, end: int, rate: Fraction) -> bool:
    """Whether the (cyclic) span [start, end) of a day meets a segment at another rate."""
    spans = [(start, min(end, MINUTES_PER_DAY))]
    if end > MINUTES_PER_DAY:
        spans.append((0, end - MINUTES_PER_DAY))
    ends = [s for s, _ in segments[1:]] + [MINUTES_PER_DAY]
    for a, b in spans:
        for (seg_start, seg_rate), seg_end in zip(segments, ends, strict=True):
            if seg_start < b and a < seg_end and seg_rate != rate:
                return True
    return False
