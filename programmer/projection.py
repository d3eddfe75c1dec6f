"""Reservoir projection: daily dose and flow, low-reservoir alarm, empty and next-refill dates
(domain.md, "Refill arithmetic"; product.md, "Command line").

The pump's delivery is a piecewise-constant flow that repeats every week, plus planned boluses
(taken as given at their start) and, for the worst case, every allowed patient bolus spread over
the day. Cumulative delivery is computed in closed form from weekly and daily sums, so finding a
date 190 days ahead costs the same as one tomorrow: the window recomputes this on every keystroke.
"""

from __future__ import annotations

import math
import operator
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from itertools import accumulate

from programmer.drug_library import Drug
from programmer.programme import Programme
from programmer.pump_catalogue import PumpModel
from programmer.schedule import (
    DailyDoses,
    IntegerDay,
    daily_doses,
    integer_rates_by_weekday,
    patient_bolus_worst_mcg_per_day,
)
from programmer.units import MINUTES_PER_DAY, exact

MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY


@dataclass(frozen=True, slots=True)
class ClinicSettings:
    """Settings a clinic may change (product.md: "a clinic setting, default 7 days"). An
    administrator stores the clinic name, the refill margin and the decimal separator in the
    database (db/clinic_settings.py, which also holds their bounds); these are the defaults."""

    refill_margin_days: int = 7
    clinic_name: str = "ITB clinic"  # on every report page
    decimal_separator: str = "."  # programmer.units.set_decimal_separator
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
    # The volume the refill date is computed to (the programmed alarm, or the pump's own refill
    # volume when higher: domain.md, Prometra II "refill date computed to 3.0 mL") and when the
    # reservoir reaches it (None: never); the alarm limit of the refill date is this less the
    # safety margin.
    refill_volume_ml: Fraction
    refill_volume_at: datetime | None
    empty_at: datetime | None
    stability_limit_at: datetime
    replacement_at: datetime
    next_refill_at: datetime
    refill_limited_by: RefillLimit


def shifted(moment: datetime, delta: timedelta) -> datetime:
    """``moment + delta``, held at the calendar's ends (years 1 and 9999) instead of failing."""
    try:
        return moment + delta
    except OverflowError:
        return datetime.max if delta > timedelta(0) else datetime.min


def is_refill_overdue(refill_due: datetime, now: datetime) -> bool:
    """Whether a refill due at ``refill_due`` is overdue at ``now`` (product.md, REFILL_OVERDUE:
    "the next refill date ... is already past at `now`"): strictly after it; a refill due at
    ``now`` is due, not yet overdue. The one rule for the engine's REFILL_OVERDUE, the
    worklist's "refill overdue" and the Overview's alert."""
    return refill_due < now


def is_empty_by(empty_at: datetime, now: datetime) -> bool:
    """Whether the reservoir projected empty at ``empty_at`` is empty at ``now`` (product.md,
    RESERVOIR_EMPTY): at or before it, since from the moment it runs dry nothing is delivered.
    The one rule for the engine, the worklist and the Overview."""
    return empty_at <= now


# Minutes since an epoch: whole minutes as int (the usual case), anything finer as a Fraction.
Minutes = int | Fraction
# Volume inside DeliveryModel: a count of 1/unit mL (a Fraction only at a fractional minute).
Units = int | Fraction


def _to_minutes(moment: datetime, epoch: datetime) -> Minutes:
    delta = moment - epoch
    if not delta.microseconds and not delta.seconds % 60:
        return delta.days * MINUTES_PER_DAY + delta.seconds // 60
    return Fraction(delta.days * MINUTES_PER_DAY * 60 + delta.seconds, 60) + Fraction(
        delta.microseconds, 60_000_000
    )


class DeliveryModel:
    """Cumulative volume delivered from a fill, exactly, at any moment (and its inverse).

    Inside, a volume is a whole number of 1/``unit`` mL, with ``unit`` chosen so that every flow
    over a whole minute and every bolus is a whole number of them: the model sums plain integers,
    exact like Fractions and many times faster (the window rebuilds it on every keystroke).
    """

    def __init__(self, programme: Programme, pump: PumpModel, *, worst_case: bool) -> None:
        self.programme = programme
        fill = programme.reservoir.filled_at
        self.epoch = datetime.combine(fill.date(), time.min)
        self.epoch_weekday = fill.weekday()
        conc = exact(programme.drug.concentration_mcg_per_ml)
        ptm = patient_bolus_worst_mcg_per_day(programme) if worst_case else Fraction(0)
        by_weekday = integer_rates_by_weekday(programme, pump)
        doses = [(b.start, exact(b.dose_mcg)) for b in programme.boluses if b.start >= fill]
        # mL/min = rate (mcg/h) / 60 / conc + ptm (mcg/day) / 1440 / conc; a bolus = dose / conc.
        # Over the common denominator L of every rate and dose, unit = 1440 x conc numerator x L
        # makes them integers: rate -> rate x L x 24 x conc denominator, and so on.
        denominators = {d for segments in by_weekday for _, (_, d) in segments}
        common = math.lcm(ptm.denominator, *denominators, *(dose.denominator for _, dose in doses))
        self._unit = MINUTES_PER_DAY * conc.numerator * common
        per_rate = 24 * conc.denominator
        scale = {d: (common // d) * per_rate for d in denominators}  # units/min for 1/d mcg/h
        extra = ptm.numerator * (common // ptm.denominator) * conc.denominator
        # Per weekday: segment starts, flows (units/min), volume delivered before each segment.
        self._starts: list[list[int]] = []
        self._flows: list[list[int]] = []
        self._before: list[list[int]] = []
        day_volume: list[int] = []
        memo: dict[IntegerDay, tuple[list[int], list[int], list[int], int]] = {}
        for segments in by_weekday:
            if segments not in memo:  # the same day on several weekdays is worked out once
                starts = [start for start, _ in segments]
                flows = [n * scale[d] + extra for _, (n, d) in segments]
                ends = starts[1:]
                ends.append(MINUTES_PER_DAY)
                lasting = map(operator.sub, ends, starts)
                before = list(accumulate(map(operator.mul, lasting, flows), initial=0))
                memo[segments] = (starts, flows, before[:-1], before[-1])
            starts, flows, before_list, total = memo[segments]
            self._starts.append(starts)
            self._flows.append(flows)
            self._before.append(before_list)
            day_volume.append(total)
        # Week prefix sums starting at the epoch's weekday.
        self._week_prefix = [0]
        for k in range(7):
            self._week_prefix.append(
                self._week_prefix[-1] + day_volume[(self.epoch_weekday + k) % 7]
            )
        self._week_units = self._week_prefix[-1]
        per_dose = MINUTES_PER_DAY * conc.denominator
        self._boluses: list[tuple[Minutes, int]] = sorted(
            (
                _to_minutes(start, self.epoch),
                dose.numerator * (common // dose.denominator) * per_dose,
            )
            for start, dose in doses
        )

    def _within_day(self, weekday: int, minute: Minutes) -> Units:
        starts = self._starts[weekday]
        j = bisect_right(starts, minute) - 1
        return self._before[weekday][j] + (minute - starts[j]) * self._flows[weekday][j]

    def _basal_cum(self, m: Minutes) -> Units:
        """Basal (and worst-case patient bolus) units from the epoch to minute ``m``."""
        day = int(m // MINUTES_PER_DAY)
        weeks, k = divmod(day, 7)
        weekday = (self.epoch_weekday + day) % 7
        return (
            weeks * self._week_units
            + self._week_prefix[k]
            + self._within_day(weekday, m - day * MINUTES_PER_DAY)
        )

    def _basal_inverse(self, c: Units) -> Minutes | None:
        """The first minute at which basal delivery since the epoch reaches ``c`` units (> 0)."""
        if self._week_units == 0:
            return None
        weeks = int(c // self._week_units)
        rem = c - weeks * self._week_units
        if rem == 0:
            weeks, rem = weeks - 1, self._week_units
        k = next(i for i in range(7) if self._week_prefix[i + 1] >= rem)
        need = rem - self._week_prefix[k]
        weekday = (self.epoch_weekday + k) % 7
        starts = self._starts[weekday]
        ends = [*starts[1:], MINUTES_PER_DAY]
        for a, b, f in zip(starts, ends, self._flows[weekday], strict=True):
            volume = (b - a) * f
            if need <= volume and f > 0:
                return (weeks * 7 + k) * MINUTES_PER_DAY + a + Fraction(need, f)
            need -= volume
        raise AssertionError("week prefix sums and day segments disagree")

    def _delivered_units(self, m0: Minutes, m1: Minutes) -> Units:
        if m1 <= m0:
            return 0
        boluses = sum(v for t, v in self._boluses if m0 <= t < m1)
        return self._basal_cum(m1) - self._basal_cum(m0) + boluses

    def delivered_between(self, start: datetime, end: datetime) -> Fraction:
        """Volume (mL) delivered from ``start`` to ``end``, boluses included."""
        units = self._delivered_units(_to_minutes(start, self.epoch), _to_minutes(end, self.epoch))
        return Fraction(units, self._unit)

    def volume_at(self, moment: datetime) -> Fraction:
        """Reservoir volume (mL) at ``moment`` by the programme (negative once past empty)."""
        fill = self.programme.reservoir
        return exact(fill.volume_ml) - self.delivered_between(fill.filled_at, moment)

    def when_delivered(self, volume_ml: Fraction) -> datetime | None:
        """The moment the delivery since the fill first reaches ``volume_ml``; None if never."""
        start = _to_minutes(self.programme.reservoir.filled_at, self.epoch)
        if volume_ml <= 0:
            return self.programme.reservoir.filled_at
        scaled = volume_ml * self._unit
        # Whole units (the usual case) keep the search below in plain integers.
        target: Units = scaled.numerator if scaled.denominator == 1 else scaled
        base = self._basal_cum(start)
        acc = 0
        for t, v in self._boluses:
            basal = self._basal_cum(t) - base
            if acc + basal >= target:
                break
            acc += v
            if acc + basal >= target:
                return self._at(t)
        minute = self._basal_inverse(base + target - acc)
        return None if minute is None else self._at(minute)

    def _at(self, minute: Minutes) -> datetime | None:
        # Whole minutes, rounded down: an alarm or empty date is never shown later than it is.
        # A moment past the calendar's end (year 9999) is "never at this rate".
        try:
            return self.epoch + timedelta(minutes=math.floor(minute))
        except OverflowError:
            return None


@dataclass(frozen=True, slots=True)
class RanBefore:
    """An earlier programme that delivered from the same fill until ``until`` (a change made
    between refills): the reservoir then holds what it left, not what the new one would have."""

    programme: Programme
    pump: PumpModel
    until: datetime


@dataclass(frozen=True, slots=True)
class BridgeGiven:
    """A bridge bolus given from ``start`` (domain.md, bridge bolus; product.md: "during the
    bridge the reservoir gives the dead-space volume at the old dose's flow"): for
    ``duration_min`` the reservoir gives ``volume_ml`` evenly, in place of the programme's own
    flow at the new concentration (which would push the old fluid several times too fast)."""

    start: datetime
    volume_ml: Fraction
    duration_min: Fraction

    @property
    def end(self) -> datetime:
        return self.start + timedelta(minutes=float(self.duration_min))

    def given_by(self, moment: datetime) -> Fraction:
        """Volume (mL) the bridge has taken from the reservoir by ``moment``."""
        if moment <= self.start:
            return Fraction(0)
        elapsed = _to_minutes(moment, self.start)
        return self.volume_ml * min(Fraction(1), Fraction(elapsed) / self.duration_min)


class ReservoirModel:
    """The reservoir of one fill over time, delivered by the programme(s) that ran on it: the
    earlier ones (``earlier``, oldest first) until each was replaced, then ``programme``.
    ``bridges``: bridge boluses given on the fill, which replace the programme's flow while they
    run (:meth:`volume_at` counts them; the projected dates do not need them, a bridge being
    over within days of a refill)."""

    def __init__(
        self,
        programme: Programme,
        pump: PumpModel,
        *,
        worst_case: bool,
        earlier: Sequence[RanBefore] = (),
        bridges: Sequence[BridgeGiven] = (),
    ) -> None:
        self._bridges = tuple(b for b in bridges if b.start >= programme.reservoir.filled_at)
        fill = programme.reservoir
        runs = [r for r in earlier if r.programme.reservoir == fill and r.until > fill.filled_at]
        self.fill = fill
        # (start, model) per programme, and the volume at each start.
        self._segments: list[tuple[datetime, DeliveryModel]] = []
        start = fill.filled_at
        for run in runs:
            self._segments.append(
                (start, DeliveryModel(run.programme, run.pump, worst_case=worst_case))
            )
            start = max(start, run.until)
        self._segments.append((start, DeliveryModel(programme, pump, worst_case=worst_case)))
        self._start_volumes = [exact(fill.volume_ml)]
        for (t0, model), (t1, _) in zip(self._segments, self._segments[1:], strict=False):
            self._start_volumes.append(self._start_volumes[-1] - model.delivered_between(t0, t1))

    @property
    def changed_at(self) -> datetime:
        """When the last programme took over (the fill time when it ran from the start)."""
        return self._segments[-1][0]

    def volume_at(self, moment: datetime) -> Fraction:
        """Reservoir volume (mL) at ``moment`` (negative once past empty)."""
        volume = self._programmed_volume_at(moment)
        for bridge in self._bridges:
            if moment <= bridge.start:
                continue
            # While the bridge runs the reservoir gives the bridge's volume, not the programme's.
            until = min(moment, bridge.end)
            programmed = self._programmed_volume_at(bridge.start) - self._programmed_volume_at(
                until
            )
            volume += programmed - bridge.given_by(until)
        return volume

    def _programmed_volume_at(self, moment: datetime) -> Fraction:
        i = max(0, bisect_right([t for t, _ in self._segments], moment) - 1)
        start, model = self._segments[i]
        return self._start_volumes[i] - model.delivered_between(start, moment)

    def when_volume_reaches(self, level_ml: Fraction) -> datetime | None:
        """The first moment the reservoir is down to ``level_ml``; None if never."""
        for i, (start, model) in enumerate(self._segments):
            left = self._start_volumes[i] - level_ml
            if left <= 0:
                return start
            last = i + 1 == len(self._segments)
            if last or self._start_volumes[i + 1] <= level_ml:
                base = model.delivered_between(self.fill.filled_at, start)
                return model.when_delivered(base + left)
        return None


def reservoir_at(
    programme: Programme,
    pump: PumpModel,
    at: datetime,
    *,
    earlier: Sequence[RanBefore] = (),
    bridges: Sequence[BridgeGiven] = (),
) -> Fraction:
    """The reservoir (mL) at ``at`` by what ran on ``programme``'s fill: the ``earlier``
    programmes (a check result's or check context's ``earlier``) until each was replaced, then
    ``programme``, with the ``bridges`` given (domain.md, "Refill arithmetic": expected residual
    = volume at last refill - programmed delivery since). Programmed delivery only, no patient
    bolus assumed; negative once past empty. Every estimate of the reservoir now (the Overview,
    the refill's expected residual, the command line) is this one: a change made mid-fill is
    never projected back over days the earlier programme delivered."""
    model = ReservoirModel(programme, pump, worst_case=False, earlier=earlier, bridges=bridges)
    return model.volume_at(at)


def refill_volume(programme: Programme, pump: PumpModel) -> Fraction:
    """The volume the refill date is computed to: the programmed low-reservoir alarm, or the
    pump's own refill volume when that is higher (domain.md, "Pumps": the Prometra II computes
    its refill date to 3.0 mL, so an alarm typed lower, as for a SynchroMed, cannot move the
    date later; an alarm raised above it for a withdrawal-prone patient still brings it
    earlier). From the catalogue (``refill_computed_to_ml``), never from code."""
    alarm = exact(programme.pump.low_reservoir_alarm_ml)
    own = pump.refill_computed_to_ml
    return alarm if own is None else max(alarm, exact(own))


def refill_by_alarm(reached_at: datetime, fill: datetime, settings: ClinicSettings) -> datetime:
    """The refill date the alarm sets (domain.md, "Refill arithmetic"): the moment the reservoir
    reaches the refill volume less the safety margin, never before the fill (a fill that
    reaches it within the margin is due at once, and overdue once now is past it)."""
    return max(shifted(reached_at, -timedelta(days=settings.refill_margin_days)), fill)


def project(
    programme: Programme,
    pump: PumpModel,
    drug: Drug,
    settings: ClinicSettings | None = None,
    *,
    doses: DailyDoses | None = None,
    earlier: Sequence[RanBefore] = (),
) -> Projection:
    """Daily dose, flow and the reservoir dates of ``programme`` (worst case for the dates: every
    patient bolus used, domain.md "days to low-reservoir alarm"). ``doses``: the programme's
    daily doses when the caller has them already; ``earlier``: programmes that ran on the same
    fill before this one took over."""
    settings = settings or ClinicSettings()
    conc = exact(programme.drug.concentration_mcg_per_ml)
    if doses is None:
        doses = daily_doses(programme, pump)
    worst_day = doses.highest + patient_bolus_worst_mcg_per_day(programme)
    reservoir = ReservoirModel(programme, pump, worst_case=True, earlier=earlier)
    fill = programme.reservoir.filled_at
    alarm_ml = exact(programme.pump.low_reservoir_alarm_ml)
    alarm_at = reservoir.when_volume_reaches(alarm_ml)
    refill_ml, refill_volume_at = refill_volume(programme, pump), alarm_at
    if refill_ml != alarm_ml:
        refill_volume_at = reservoir.when_volume_reaches(refill_ml)
    empty_at = reservoir.when_volume_reaches(Fraction(0))
    stability_at = shifted(fill, timedelta(days=drug.stability_days))
    replacement_at = datetime.combine(programme.pump.replace_by, time.min)
    candidates: list[tuple[datetime, RefillLimit]] = []
    if refill_volume_at is not None:
        candidates.append((refill_by_alarm(refill_volume_at, fill, settings), RefillLimit.ALARM))
    candidates += [(stability_at, RefillLimit.STABILITY), (replacement_at, RefillLimit.REPLACEMENT)]
    # On a tie the first listed names the limit (alarm, then stability, then replacement): the
    # date is the same whichever is named, and the most urgent cause is the one shown.
    next_at, limited_by = min(candidates, key=lambda c: c[0])
    mean = doses.mean
    return Projection(
        daily_doses=doses,
        daily_dose_mcg=mean,
        flow_ml_per_day=mean / conc,
        worst_case_daily_dose_mcg=worst_day,
        worst_case_flow_ml_per_day=worst_day / conc,
        low_reservoir_alarm_at=alarm_at,
        refill_volume_ml=refill_ml,
        refill_volume_at=refill_volume_at,
        empty_at=empty_at,
        stability_limit_at=stability_at,
        replacement_at=replacement_at,
        next_refill_at=next_at,
        refill_limited_by=limited_by,
    )


def reservoir_curve(
    programme: Programme,
    pump: PumpModel,
    until: date,
    *,
    worst_case: bool = True,
    earlier: Sequence[RanBefore] = (),
) -> list[tuple[datetime, float]]:
    """Reservoir volume (mL) from the fill to ``until``: a point at the fill, every midnight,
    either side of each planned bolus, and at the change-over from earlier programmes."""
    model = ReservoirModel(programme, pump, worst_case=worst_case, earlier=earlier)
    fill = programme.reservoir.filled_at
    end = datetime.combine(until, time.min)
    moments = {fill, model.changed_at}
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
