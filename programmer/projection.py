"""Reservoir projection: daily dose and flow, low-reservoir alarm, empty and next-refill dates
(domain.md, "Refill arithmetic"; product.md, "Command line").

The pump's delivery is a piecewise-constant flow that repeats every week, plus planned boluses
(taken as given at their start) and, for the worst case, every allowed patient bolus spread over
the day. Cumulative delivery is computed in closed form from weekly and daily sums, so finding a
date 190 days ahead costs the same as one tomorrow: the window recomputes this on every keystroke.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from programmer.drug_library import Drug
from programmer.programme import Mode, Programme
from programmer.pump_catalogue import PumpModel
from programmer.schedule import (
    DailyDoses,
    basal_rates_by_weekday,
    daily_doses,
    patient_bolus_max_mcg_per_day,
)
from programmer.units import MINUTES_PER_DAY, exact

MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY


@dataclass(frozen=True, slots=True)
class ClinicSettings:
    """Settings a clinic may change (product.md: "a clinic setting, default 7 days")."""

    refill_margin_days: int = 7
    # ALARM_BEFORE_REFILL_VISIT: the alarm would sound within this many days of now.
    alarm_visit_window_days: int = 7
    # LOW_ALARM_TOO_LOW: domain.md, SynchroMed II low-reservoir alarm "recommended at 2 mL".
    min_low_alarm_ml: Decimal = Decimal(2)


class RefillLimit(StrEnum):
    """What sets the next refill date."""

    ALARM = "alarm"
    STABILITY = "stability"
    REPLACEMENT = "replacement"


@dataclass(frozen=True, slots=True)
class Projection:
    daily_doses: DailyDoses
    daily_dose_mcg: Fraction  # programmed, mean over the week
    flow_ml_per_day: Fraction
    worst_case_daily_dose_mcg: Fraction  # highest day with every patient bolus used
    worst_case_flow_ml_per_day: Fraction
    low_reservoir_alarm_at: datetime | None  # None: delivery too small ever to reach it
    empty_at: datetime | None
    stability_limit_at: datetime
    replacement_at: datetime
    next_refill_at: datetime
    refill_limited_by: RefillLimit


def _to_minutes(moment: datetime, epoch: datetime) -> Fraction:
    delta = moment - epoch
    return Fraction(delta.days * MINUTES_PER_DAY * 60 + delta.seconds, 60) + Fraction(
        delta.microseconds, 60_000_000
    )


class DeliveryModel:
    """Cumulative volume delivered from a fill, exactly, at any moment (and its inverse)."""

    def __init__(self, programme: Programme, pump: PumpModel, *, worst_case: bool) -> None:
        self.programme = programme
        fill = programme.reservoir.filled_at
        self.epoch = datetime.combine(fill.date(), time.min)
        self.epoch_weekday = fill.weekday()
        conc = exact(programme.drug.concentration_mcg_per_ml)
        extra = Fraction(0)
        if worst_case and programme.mode in (Mode.SIMPLE_CONTINUOUS, Mode.FLEXIBLE):
            extra = patient_bolus_max_mcg_per_day(programme) / conc / MINUTES_PER_DAY
        # Per weekday: segment starts, flows (mL/min), volume delivered before each segment.
        self._starts: list[list[int]] = []
        self._flows: list[list[Fraction]] = []
        self._before: list[list[Fraction]] = []
        day_volume: list[Fraction] = []
        memo: dict[
            tuple[tuple[int, Fraction], ...],
            tuple[list[int], list[Fraction], list[Fraction], Fraction],
        ] = {}
        for segments in basal_rates_by_weekday(programme, pump):
            key = tuple(segments)
            if key not in memo:
                starts = [s for s, _ in segments]
                flows = [rate / 60 / conc + extra for _, rate in segments]
                before = [Fraction(0)]
                ends = [*starts[1:], MINUTES_PER_DAY]
                for a, b, f in zip(starts, ends, flows, strict=True):
                    before.append(before[-1] + (b - a) * f)
                memo[key] = (starts, flows, before[:-1], before[-1])
            starts, flows, before_list, total = memo[key]
            self._starts.append(starts)
            self._flows.append(flows)
            self._before.append(before_list)
            day_volume.append(total)
        # Week prefix sums starting at the epoch's weekday.
        self._day_volume = [day_volume[(self.epoch_weekday + k) % 7] for k in range(7)]
        self._week_prefix = [Fraction(0)]
        for v in self._day_volume:
            self._week_prefix.append(self._week_prefix[-1] + v)
        self.week_volume = self._week_prefix[-1]
        self._boluses = sorted(
            (_to_minutes(b.start, self.epoch), exact(b.dose_mcg) / conc)
            for b in programme.boluses
            if b.start >= fill
        )

    def _within_day(self, weekday: int, minute: Fraction) -> Fraction:
        starts = self._starts[weekday]
        j = bisect_right(starts, minute) - 1
        return self._before[weekday][j] + (minute - starts[j]) * self._flows[weekday][j]

    def _basal_cum(self, m: Fraction) -> Fraction:
        """Basal (and worst-case patient bolus) volume from the epoch to minute ``m``."""
        day = math.floor(m / MINUTES_PER_DAY)
        weeks, k = divmod(day, 7)
        weekday = (self.epoch_weekday + day) % 7
        return (
            weeks * self.week_volume
            + self._week_prefix[k]
            + self._within_day(weekday, m - day * MINUTES_PER_DAY)
        )

    def _basal_inverse(self, c: Fraction) -> Fraction | None:
        """The first minute at which basal delivery since the epoch reaches ``c`` (> 0)."""
        if self.week_volume == 0:
            return None
        weeks = math.floor(c / self.week_volume)
        rem = c - weeks * self.week_volume
        if rem == 0:
            weeks, rem = weeks - 1, self.week_volume
        k = next(i for i in range(7) if self._week_prefix[i + 1] >= rem)
        need = rem - self._week_prefix[k]
        weekday = (self.epoch_weekday + k) % 7
        starts = self._starts[weekday]
        ends = [*starts[1:], MINUTES_PER_DAY]
        for a, b, f in zip(starts, ends, self._flows[weekday], strict=True):
            volume = (b - a) * f
            if need <= volume and f > 0:
                return (weeks * 7 + k) * MINUTES_PER_DAY + a + need / f
            need -= volume
        raise AssertionError("week prefix sums and day segments disagree")

    def delivered_between(self, start: datetime, end: datetime) -> Fraction:
        """Volume (mL) delivered from ``start`` to ``end``, boluses included."""
        m0, m1 = _to_minutes(start, self.epoch), _to_minutes(end, self.epoch)
        if m1 <= m0:
            return Fraction(0)
        boluses = sum((v for t, v in self._boluses if m0 <= t < m1), Fraction(0))
        return self._basal_cum(m1) - self._basal_cum(m0) + boluses

    def volume_at(self, moment: datetime) -> Fraction:
        """Reservoir volume (mL) at ``moment`` by the programme (negative once past empty)."""
        fill = self.programme.reservoir
        return exact(fill.volume_ml) - self.delivered_between(fill.filled_at, moment)

    def when_delivered(self, volume_ml: Fraction) -> datetime | None:
        """The moment the delivery since the fill first reaches ``volume_ml``; None if never."""
        start = _to_minutes(self.programme.reservoir.filled_at, self.epoch)
        if volume_ml <= 0:
            return self.programme.reservoir.filled_at
        base = self._basal_cum(start)
        acc = Fraction(0)
        for t, v in self._boluses:
            basal = self._basal_cum(t) - base
            if acc + basal >= volume_ml:
                break
            acc += v
            if acc + basal >= volume_ml:
                return self._at(t)
        minute = self._basal_inverse(base + volume_ml - acc)
        return None if minute is None else self._at(minute)

    def _at(self, minute: Fraction) -> datetime:
        # Whole minutes, rounded down: an alarm or empty date is never shown later than it is.
        return self.epoch + timedelta(minutes=math.floor(minute))


def project(
    programme: Programme,
    pump: PumpModel,
    drug: Drug,
    settings: ClinicSettings | None = None,
) -> Projection:
    """Daily dose, flow and the reservoir dates of ``programme`` (worst case for the dates: every
    patient bolus used, domain.md "days to low-reservoir alarm")."""
    settings = settings or ClinicSettings()
    conc = exact(programme.drug.concentration_mcg_per_ml)
    doses = daily_doses(programme, pump)
    worst_day = doses.highest + (
        patient_bolus_max_mcg_per_day(programme)
        if programme.mode in (Mode.SIMPLE_CONTINUOUS, Mode.FLEXIBLE)
        else Fraction(0)
    )
    model = DeliveryModel(programme, pump, worst_case=True)
    volume = exact(programme.reservoir.volume_ml)
    alarm_at = model.when_delivered(volume - exact(programme.pump.low_reservoir_alarm_ml))
    empty_at = model.when_delivered(volume)
    fill = programme.reservoir.filled_at
    stability_at = fill + timedelta(days=drug.stability_days)
    replacement_at = datetime.combine(programme.pump.replace_by, time.min)
    candidates: list[tuple[datetime, RefillLimit]] = []
    if alarm_at is not None:
        candidates.append(
            (alarm_at - timedelta(days=settings.refill_margin_days), RefillLimit.ALARM)
        )
    candidates += [(stability_at, RefillLimit.STABILITY), (replacement_at, RefillLimit.REPLACEMENT)]
    next_at, limited_by = min(candidates, key=lambda c: c[0])  # first listed wins a tie
    return Projection(
        daily_doses=doses,
        daily_dose_mcg=doses.mean,
        flow_ml_per_day=doses.mean / conc,
        worst_case_daily_dose_mcg=worst_day,
        worst_case_flow_ml_per_day=worst_day / conc,
        low_reservoir_alarm_at=alarm_at,
        empty_at=empty_at,
        stability_limit_at=stability_at,
        replacement_at=replacement_at,
        next_refill_at=next_at,
        refill_limited_by=limited_by,
    )


def reservoir_curve(
    programme: Programme, pump: PumpModel, until: date, *, worst_case: bool = True
) -> list[tuple[datetime, float]]:
    """Reservoir volume (mL) from the fill to ``until``: a point at the fill, every midnight,
    and either side of each planned bolus, for plotting."""
    model = DeliveryModel(programme, pump, worst_case=worst_case)
    fill = programme.reservoir.filled_at
    end = datetime.combine(until, time.min)
    moments = {fill}
    day = datetime.combine(fill.date(), time.min) + timedelta(days=1)
    while day <= end:
        moments.add(day)
        day += timedelta(days=1)
    points: list[tuple[datetime, float]] = []
    bolus_times = {b.start for b in programme.boluses if fill <= b.start <= end}
    for moment in sorted(moments | bolus_times):
        if moment in bolus_times:
            points.append((moment, float(model.volume_at(moment))))
            after = moment + timedelta(microseconds=1)
            points.append((after, float(model.volume_at(after))))
        else:
            points.append((moment, float(model.volume_at(moment))))
    return points
