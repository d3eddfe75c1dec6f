"""Arithmetic of a day of steps and of the week (domain.md: "A flexible schedule's 24-h total =
sum over its steps of rate x duration").

A day is cyclic: each step lasts until the next start and the last one until the first start of
the following day (24:00 when the first starts at 00:00). Every minute of the day therefore
belongs to exactly one step, whatever the steps are, and the 24-h total is the exact sum of the
step doses, also for schedules the findings reject.
"""

from __future__ import annotations

import math
import operator
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from itertools import accumulate

from programmer.programme import Mode, Programme, Step
from programmer.pump_catalogue import PumpModel
from programmer.units import MINUTES_PER_DAY, MINUTES_PER_HOUR, exact


def step_durations(steps: Sequence[Step]) -> list[int]:
    """Minutes each step lasts, in the order given (cyclic day; see the module docstring)."""
    if isinstance(steps, tuple):
        return list(day_form(steps).durations)
    return _durations(steps)


def _durations(steps: Sequence[Step]) -> list[int]:
    n = len(steps)
    if n == 0:
        return []
    starts = [s.start_min for s in steps]
    if all(map(operator.lt, starts, starts[1:])):  # listed in time order, the usual case
        durations = list(map(operator.sub, starts[1:], starts))
        durations.append(MINUTES_PER_DAY - starts[-1] + starts[0])
        return durations
    order = sorted(range(n), key=lambda i: (steps[i].start_min, i))
    durations = [0] * n
    for pos, i in enumerate(order):
        if pos + 1 < n:
            durations[i] = steps[order[pos + 1]].start_min - steps[i].start_min
        else:
            durations[i] = MINUTES_PER_DAY - steps[i].start_min + steps[order[0]].start_min
    return durations


def step_end_min(steps: Sequence[Step], index: int) -> int:
    """Where step ``index`` ends, in minutes after 00:00 (1440 for 24:00)."""
    return steps[index].start_min + step_durations(steps)[index]


def step_doses(steps: Sequence[Step]) -> list[Fraction]:
    """Each step's dose in mcg: rate (mcg/h) x duration, exactly."""
    return [
        exact(s.rate_mcg_per_h) * d / MINUTES_PER_HOUR
        for s, d in zip(steps, step_durations(steps), strict=True)
    ]


def day_total_mcg(steps: Sequence[Step]) -> Fraction:
    """The 24-h total of a day of steps, exactly the sum of its step doses."""
    if isinstance(steps, tuple):
        return day_form(steps).total_mcg
    return _total(steps, _durations(steps))


def _total(steps: Sequence[Step], durations: Sequence[int]) -> Fraction:
    """Summed in integers over a common denominator (the typed rates are decimals), then made
    one Fraction: the same exact value as ``sum(step_doses(steps))``, several times faster."""
    numerator, denominator = 0, 1
    for step, minutes in zip(steps, durations, strict=True):
        n, d = step.rate_mcg_per_h.as_integer_ratio()
        if d != denominator:
            common = math.lcm(denominator, d)
            numerator *= common // denominator
            n *= common // d
            denominator = common
        numerator += n * minutes
    return Fraction(numerator, denominator * MINUTES_PER_HOUR)


def _delivered(steps: Sequence[Step]) -> list[tuple[int, Decimal | Fraction]]:
    """The (start minute, rate mcg/h) segments of a day in time order from 00:00, as the pump
    delivers them: the later-listed step at an equal start, the minutes before the first start
    at the last step's rate (the day is cyclic)."""
    in_order = sorted(steps, key=lambda s: s.start_min)
    if not in_order:
        return [(0, Fraction(0))]
    segments: list[tuple[int, Decimal | Fraction]] = []
    if in_order[0].start_min > 0:
        segments.append((0, in_order[-1].rate_mcg_per_h))
    for s in in_order:
        if segments and segments[-1][0] == s.start_min:
            segments[-1] = (s.start_min, s.rate_mcg_per_h)
        else:
            segments.append((s.start_min, s.rate_mcg_per_h))
    return segments


IntegerDay = tuple[tuple[int, tuple[int, int]], ...]  # (start, (numerator, denominator))
IntegerRates = tuple[IntegerDay, ...]


@dataclass(frozen=True, slots=True)
class DayForm:
    """What the engine works out from one day's steps (:func:`day_form`)."""

    durations: tuple[int, ...]  # each step's, in the order listed
    total_mcg: Fraction
    delivered: tuple[tuple[int, Decimal | Fraction], ...]  # :func:`_delivered`
    integer: IntegerDay  # the delivered segments, each rate as (numerator, denominator)
    in_time_order: bool  # the starts strictly increase as listed
    shortest_min: int | None  # the shortest step; None without steps
    lowest_rate: Decimal | None  # mcg/h, as typed; None without steps
    highest_rate: Decimal | None


def _work_out(steps: tuple[Step, ...]) -> DayForm:
    durations = _durations(steps)
    delivered = _delivered(steps)
    starts = [s.start_min for s in steps]
    rates = [s.rate_mcg_per_h for s in steps]
    return DayForm(
        durations=tuple(durations),
        total_mcg=_total(steps, durations),
        delivered=tuple(delivered),
        integer=tuple((start, rate.as_integer_ratio()) for start, rate in delivered),
        in_time_order=all(map(operator.lt, starts, starts[1:])),
        shortest_min=min(durations, default=None),
        lowest_rate=min(rates, default=None),
        highest_rate=max(rates, default=None),
    )


# Kept by the identity of the steps tuple, held here with its form so that the identity stays
# its own: a tuple of frozen steps never changes, so the same tuple always has the same form.
# An edit makes a new tuple for the day it changes only: the other days are found here.
_forms: dict[int, tuple[tuple[Step, ...], DayForm]] = {}
_FORMS_KEPT = 512


def day_form(steps: Sequence[Step]) -> DayForm:
    """The durations, 24-h total, delivered segments and extremes of one day's steps, worked out
    once per steps tuple (the window checks every day of the week on every keystroke, and
    several checks ask for the same day)."""
    if not isinstance(steps, tuple):  # a list can change: worked out each time
        return _work_out(tuple(steps))
    kept = _forms.get(id(steps))
    if kept is not None and kept[0] is steps:
        return kept[1]
    form = _work_out(steps)
    if len(_forms) >= _FORMS_KEPT:
        _forms.clear()
    _forms[id(steps)] = (steps, form)
    return form


@dataclass(frozen=True, slots=True)
class DailyDoses:
    """The programmed (basal) daily dose for each weekday, Monday first, in mcg/day, with the
    highest and lowest and the first weekday of each (worked out once: every check asks for them
    several times)."""

    by_weekday: tuple[Fraction, ...]
    highest: Fraction = field(init=False, repr=False, compare=False)
    lowest: Fraction = field(init=False, repr=False, compare=False)
    highest_weekday: int = field(init=False, repr=False, compare=False)
    lowest_weekday: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Compared as integers over the common denominator: the same order as the Fractions.
        common = math.lcm(*(dose.denominator for dose in self.by_weekday))
        scaled = [dose.numerator * (common // dose.denominator) for dose in self.by_weekday]
        high, low = scaled.index(max(scaled)), scaled.index(min(scaled))
        object.__setattr__(self, "highest", self.by_weekday[high])
        object.__setattr__(self, "lowest", self.by_weekday[low])
        object.__setattr__(self, "highest_weekday", high)
        object.__setattr__(self, "lowest_weekday", low)

    @property
    def mean(self) -> Fraction:
        """The mean over the week: the exact sum (in integers over a common denominator, as
        :func:`day_total_mcg` sums) divided by 7."""
        numerator, denominator = 0, 1
        for dose in self.by_weekday:
            n, d = dose.numerator, dose.denominator
            if d != denominator:
                common = math.lcm(denominator, d)
                numerator *= common // denominator
                n *= common // d
                denominator = common
            numerator += n
        return Fraction(numerator, denominator * 7)

    @property
    def varies(self) -> bool:
        return len(set(self.by_weekday)) > 1


def daily_doses(programme: Programme, pump: PumpModel) -> DailyDoses:
    """Basal mcg/day for each weekday (boluses and patient boluses not included)."""
    mode = programme.mode
    if mode is Mode.STOPPED:
        return DailyDoses((Fraction(0),) * 7)
    conc = exact(programme.drug.concentration_mcg_per_ml)
    if mode is Mode.MINIMUM_RATE:
        return DailyDoses((exact(pump.min_flow_ml_per_day) * conc,) * 7)
    if mode is Mode.SIMPLE_CONTINUOUS:
        dose = (
            exact(programme.daily_dose_mcg) if programme.daily_dose_mcg is not None else Fraction(0)
        )
        return DailyDoses((dose,) * 7)
    week = programme.week
    if week is None:
        return DailyDoses((Fraction(0),) * 7)
    totals = {name: day_total_mcg(week.days[name]) for name in week.day_names()}
    return DailyDoses(tuple(totals[week.day_name_for_weekday(d)] for d in range(7)))


def patient_bolus_max_mcg_per_day(programme: Programme) -> Fraction:
    """What the patient boluses add in a day when every allowed activation is used."""
    pb = programme.patient_bolus
    if pb is None:
        return Fraction(0)
    return exact(pb.dose_mcg) * pb.max_per_day


def patient_bolus_worst_mcg_per_day(programme: Programme) -> Fraction:
    """What the patient boluses add to the worst case: every allowed activation used, wherever
    the pump would deliver them (product.md: "Patient-bolus settings are never silently
    ignored"). A stopped pump delivers none (they are refused there: PATIENT_BOLUS_NOT_ALLOWED);
    in the minimum-rate mode they count (the conservative reading: the pump still runs)."""
    if programme.mode is Mode.STOPPED:
        return Fraction(0)
    return patient_bolus_max_mcg_per_day(programme)


def basal_rates_by_weekday(
    programme: Programme, pump: PumpModel
) -> list[list[tuple[int, Fraction]]]:
    """For each weekday, the (start minute, rate mcg/h) segments in time order covering the day
    from 00:00, as the pump delivers them (the wrap-around of a cyclic day made explicit)."""
    return [
        [(start, exact(rate)) for start, rate in day]
        for day in delivered_rates_by_weekday(programme, pump)
    ]


def delivered_rates_by_weekday(
    programme: Programme, pump: PumpModel
) -> list[list[tuple[int, Decimal | Fraction]]]:
    """:func:`basal_rates_by_weekday` with each rate as given (a typed Decimal in a flexible
    day), for callers that work on ``as_integer_ratio()`` and need no Fraction per step."""
    if programme.mode is not Mode.FLEXIBLE or programme.week is None:
        return [[(0, dose / 24)] for dose in daily_doses(programme, pump).by_weekday]
    week = programme.week
    return [list(day_form(week.steps_for_weekday(d)).delivered) for d in range(7)]


_last_rates: list[tuple[Programme, PumpModel, IntegerRates]] = []


def integer_rates_by_weekday(programme: Programme, pump: PumpModel) -> IntegerRates:
    """:func:`delivered_rates_by_weekday` with each rate as its exact (numerator, denominator),
    for the integer arithmetic of the windows and the projection. The last answer is kept (one
    check asks for it twice; programme and pump are immutable, so the same objects give the
    same answer)."""
    if _last_rates:
        last_programme, last_pump, rates = _last_rates[0]
        if last_programme is programme and last_pump is pump:
            return rates
    week = programme.week
    if programme.mode is Mode.FLEXIBLE and week is not None:
        rates = tuple(day_form(week.steps_for_weekday(d)).integer for d in range(7))
    else:
        rates = tuple(
            tuple((start, rate.as_integer_ratio()) for start, rate in day)
            for day in delivered_rates_by_weekday(programme, pump)
        )
    _last_rates[:] = [(programme, pump, rates)]
    return rates


@dataclass(frozen=True, slots=True)
class RollingDay:
    """The most a weekday pattern delivers in any 24 hours, and when that stretch begins."""

    dose_mcg: Fraction
    weekday: int  # 0 = Monday
    start_min: int  # minutes after that weekday's 00:00


class WeekDelivery:
    """Basal delivery of a week pattern in exact integers: minutes counted from a Monday 00:00,
    doses as (mcg/h x ``common``) x minutes, so a window's dose is two look-ups and a subtraction.
    ``extra_denominators``: of doses (planned boluses) to be added in the same integers."""

    def __init__(
        self, programme: Programme, pump: PumpModel, extra_denominators: Sequence[int] = ()
    ) -> None:
        self.programme = programme
        ratios = integer_rates_by_weekday(programme, pump)
        denominators = {d for day in ratios for _, (_, d) in day}
        self.common = math.lcm(*denominators, *extra_denominators)
        scale = {d: self.common // d for d in denominators}
        self.starts = [
            weekday * MINUTES_PER_DAY + start
            for weekday, day in enumerate(ratios)
            for start, _ in day
        ]
        self.rates = [n * scale[d] for day in ratios for _, (n, d) in day]  # mcg/h x common
        ends = self.starts[1:]
        ends.append(MINUTES_PER_WEEK)
        lasting = map(operator.sub, ends, self.starts)
        # Delivered before each segment (and the whole week last).
        self.before: list[int] = list(accumulate(map(operator.mul, self.rates, lasting), initial=0))
        self.week_total = self.before[-1]

    def until(self, minute: int) -> int:
        """Delivered from the epoch Monday 00:00 to ``minute`` (any whole minute, also before)."""
        laps, within = divmod(minute, MINUTES_PER_WEEK)
        j = bisect_right(self.starts, within) - 1
        return laps * self.week_total + self.before[j] + self.rates[j] * (within - self.starts[j])

    def day_from(self, minute: int) -> int:
        """Delivered in the 24 hours from ``minute``."""
        return self.until(minute + MINUTES_PER_DAY) - self.until(minute)

    def heaviest_day_start(self) -> int:
        """The start (minutes from Monday 00:00) of the 24 hours that deliver the most over the
        repeating week (the earliest such start). A sliding window over a step function is
        largest where one of its ends meets a step, and between two such points its dose
        changes linearly: one sweep over those points adds slope x distance from one to the
        next, in integers. The slope changes only there: by the step's rise where the window's
        end meets it, by minus the rise where its start does."""
        starts, rates = self.starts, self.rates
        change: dict[int, int] = {}  # point -> change of slope there
        previous_rate = rates[-1]  # the week repeats: Sunday's last segment runs into Monday
        for start, rate in zip(starts, rates, strict=True):
            rise = rate - previous_rate
            previous_rate = rate
            change[start] = change.get(start, 0) - rise
            ends_here = (start - MINUTES_PER_DAY) % MINUTES_PER_WEEK
            change[ends_here] = change.get(ends_here, 0) + rise
        candidates = sorted(change)
        first = candidates[0]
        value = self.day_from(first)
        slope = self.rate_at(first + MINUTES_PER_DAY) - self.rate_at(first)
        best, best_start = value, first
        previous = first
        for s in candidates[1:]:
            value += slope * (s - previous)
            slope += change[s]
            previous = s
            if value > best:
                best, best_start = value, s
        return best_start

    def rate_at(self, minute: int) -> int:
        """The rate (mcg/h x ``common``) in the minute from ``minute`` (any whole minute)."""
        return self.rates[bisect_right(self.starts, minute % MINUTES_PER_WEEK) - 1]

    def mcg(self, units: int) -> Fraction:
        return Fraction(units, MINUTES_PER_HOUR * self.common)


MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY


def week_delivery(programme: Programme, pump: PumpModel) -> WeekDelivery:
    """The exact integer form of a programme's basal delivery over the week, planned boluses'
    doses included in its unit: build it once and pass it to :func:`highest_rolling_day` and
    :func:`heaviest_bolus_window` (the window recomputes both on every keystroke)."""
    return WeekDelivery(
        programme, pump, [b.dose_mcg.as_integer_ratio()[1] for b in programme.boluses]
    )


def highest_rolling_day(
    programme: Programme, pump: PumpModel, delivery: WeekDelivery | None = None
) -> RollingDay | None:
    """For a weekday pattern, the largest basal dose in any 24 hours across the week, windows
    crossing midnight included (a heavy Monday evening and Tuesday morning can add up to more
    than either calendar day). None when every day is the same: then every 24 hours hold the
    day's total. Exact, in integers: the window recomputes on every keystroke."""
    week = programme.week
    if programme.mode is not Mode.FLEXIBLE or week is None or week.same_every_day:
        return None
    if delivery is None:
        delivery = WeekDelivery(programme, pump)
    best_start = delivery.heaviest_day_start()
    weekday, start_min = divmod(best_start, MINUTES_PER_DAY)
    return RollingDay(delivery.mcg(delivery.day_from(best_start)), weekday, start_min)


# Window starts are counted in minutes from this Monday 00:00 (any Monday would do).
_EPOCH = datetime(2001, 1, 1)


@dataclass(frozen=True, slots=True)
class BolusWindow:
    """The 24 hours from ``start`` that deliver the most with the planned boluses: basal plus
    every planned bolus that runs within them (``boluses``: their indices)."""

    dose_mcg: Fraction
    start: datetime
    boluses: tuple[int, ...]


def heaviest_bolus_window(
    programme: Programme,
    pump: PumpModel,
    delivery: WeekDelivery | None = None,
    basal_cap: Fraction | None = None,
) -> BolusWindow | None:
    """The most any 24 hours with a planned bolus deliver (basal + planned boluses, patient
    boluses not included), None without planned boluses (product.md, "Any 24 hours").

    Conservative reading where the spec is silent: a bolus counts whole in every 24 hours it
    runs in, even for one minute (its dose is not split at the window's edge), and windows start
    on whole minutes (every start and duration in a programme is whole minutes). Exact: the
    windows where the total can be largest are where an end meets a step or a bolus's start or
    end; each is evaluated in integers. ``delivery``: :func:`week_delivery`, if built already;
    ``basal_cap``: the most any 24 hours deliver without boluses, if known: the windows around a
    bolus that cannot beat the best found so far even at that cap are not evaluated."""
    if not programme.boluses:
        return None
    if delivery is None:
        delivery = week_delivery(programme, pump)
    common = delivery.common
    units = []
    spans = []  # (first minute, minute after the last) of each bolus
    for b in programme.boluses:
        n, d = b.dose_mcg.as_integer_ratio()
        units.append(n * (common // d) * MINUTES_PER_HOUR)
        first = (b.start - _EPOCH) // timedelta(minutes=1)
        spans.append((first, first + b.duration_min))
    cap: Fraction | int | None = None
    if basal_cap is not None:
        cap = basal_cap * (MINUTES_PER_HOUR * common)
        if cap.denominator == 1:  # the usual case: then the bounds below compare as integers
            cap = cap.numerator
    # Windows holding bolus i start in [first - 1439, end - 1]; at most they also hold the
    # boluses that run within a day of it.
    order = []
    for first, end in spans:
        reach = sum(
            u
            for (a, e), u in zip(spans, units, strict=True)
            if a < end + MINUTES_PER_DAY and e > first - MINUTES_PER_DAY
        )
        bound = None if cap is None else cap + reach
        order.append((bound, first, end))
    if cap is not None:
        order.sort(key=lambda o: o[0] or 0, reverse=True)
    starts, day_from, rate_at = delivery.starts, delivery.day_from, delivery.rate_at
    best: tuple[int, int, tuple[int, ...]] | None = None
    for bound, first, end in order:
        if best is not None and bound is not None and bound <= best[0]:
            continue
        candidates: set[int] = set()
        # The total changes slope where a window end meets a step, and jumps where it meets a
        # bolus's start or end.
        low, high = first - MINUTES_PER_DAY, end
        candidates.update((low, low + 1, high - 1, high))
        for a, e in spans:
            for point in (a - MINUTES_PER_DAY, a - MINUTES_PER_DAY + 1, e - 1, e):
                if low <= point <= high:
                    candidates.add(point)
        for shift in (0, MINUTES_PER_DAY):  # a step under the window's start, or its end
            lo, hi = low + shift, high + shift
            for lap in range(lo // MINUTES_PER_WEEK, hi // MINUTES_PER_WEEK + 1):
                base = lap * MINUTES_PER_WEEK
                i = bisect_left(starts, lo - base)
                j = bisect_right(starts, hi - base)
                candidates.update(base + step - shift for step in starts[i:j])
        # Between two candidates the basal dose of the 24 hours changes linearly (every point
        # where the window's start or end meets a step is a candidate): from the first one it is
        # carried on by slope x distance, the same integers day_from gives at each.
        ordered = sorted(candidates)
        basal, previous, slope = day_from(ordered[0]), ordered[0], 0
        for s in ordered:
            basal += slope * (s - previous)
            previous, slope = s, rate_at(s + MINUTES_PER_DAY) - rate_at(s)
            ends = s + MINUTES_PER_DAY
            inside = [i for i, (a, e) in enumerate(spans) if a < ends and e > s]
            if not inside:
                continue
            total = basal + sum(map(units.__getitem__, inside))
            if best is None or total > best[0]:
                best = (total, s, tuple(inside))
    assert best is not None  # the first range evaluated holds its bolus
    try:
        start = _EPOCH + timedelta(minutes=best[1])
    except OverflowError:  # a bolus on the calendar's first or last day: held at its end
        start = datetime.min if best[1] < 0 else datetime.max
    return BolusWindow(delivery.mcg(best[0]), start, best[2])
