"""Any 24 hours, not only calendar days: the hard maximum holds across midnight in a weekday
pattern (a heavy evening followed by a heavy morning)."""

from __future__ import annotations

import random
from datetime import datetime
from fractions import Fraction

from programmer.finding import Code, Severity
from programmer.findings import check_programme
from programmer.programme import WEEKDAYS, Step, WeekSchedule
from programmer.pump_catalogue import default_pump_catalogue
from programmer.schedule import basal_rates_by_weekday, daily_doses, highest_rolling_day

from .factories import every_day, programme, steps

NOW = datetime(2026, 11, 22, 10, 0)


def weekday_pattern(days: dict[str, tuple[Step, ...]]) -> WeekSchedule:
    quiet = steps(("00:00", "40"))
    return WeekSchedule.by_weekday({d: days.get(d, quiet) for d in WEEKDAYS})


def test_heavy_evening_and_next_morning_over_the_hard_maximum_is_a_hard_finding() -> None:
    """Hazard: each calendar day 1920 mcg (under 2000), but Monday noon to Tuesday noon
    delivers 2880 mcg."""
    week = weekday_pattern(
        {
            "mon": steps(("00:00", "40"), ("12:00", "120")),
            "tue": steps(("00:00", "120"), ("12:00", "40")),
        }
    )
    prog = programme(week=week, concentration="2000", volume="20")
    result = check_programme(prog, now=NOW)
    hard = [f for f in result.findings if f.code is Code.DOSE_ABOVE_HARD_LIMIT]
    assert len(hard) == 1 and hard[0].severity is Severity.HARD
    assert "Monday 12:00 to Tuesday 12:00" in hard[0].message
    assert "2880 mcg in 24 hours" in hard[0].message
    assert hard[0].field == "week.mon"


def test_same_every_day_needs_no_rolling_window() -> None:
    prog = programme(week=every_day(("00:00", "40"), ("12:00", "120")), concentration="2000")
    assert highest_rolling_day(prog, default_pump_catalogue().pump(prog.pump.model)) is None


def _brute_force(prog) -> Fraction:  # type: ignore[no-untyped-def]
    """Minute by minute over the week: the largest 24-hour sum."""
    pump = default_pump_catalogue().pump(prog.pump.model)
    per_minute: list[Fraction] = []
    for day in basal_rates_by_weekday(prog, pump):
        ends = [s for s, _ in day[1:]] + [1440]
        for (start, rate), end in zip(day, ends, strict=True):
            per_minute += [rate / 60] * (end - start)
    doubled = per_minute + per_minute
    window = sum(doubled[:1440], Fraction(0))
    best = window
    for i in range(1, len(per_minute)):
        window += doubled[i + 1439] - doubled[i - 1]
        best = max(best, window)
    return best


def test_rolling_window_matches_a_minute_by_minute_search() -> None:
    rng = random.Random(20261122)
    pump = default_pump_catalogue().pump("synchromed-ii-20")
    for _ in range(12):
        days = {}
        for d in WEEKDAYS:
            starts = sorted(rng.sample(range(15, 1440, 15), rng.randint(0, 5)))
            pairs = [("00:00", str(rng.randint(5, 90)))]
            pairs += [
                (f"{s // 60:02d}:{s % 60:02d}", f"{rng.randint(5, 90)}.{rng.randint(0, 9)}")
                for s in starts
            ]
            days[d] = steps(*pairs)
        prog = programme(week=weekday_pattern(days), concentration="2000")
        rolling = highest_rolling_day(prog, pump)
        assert rolling is not None
        assert rolling.dose_mcg == _brute_force(prog)
        # Never below the heaviest calendar day: midnight to midnight is one of the windows.
        assert rolling.dose_mcg >= daily_doses(prog, pump).highest
