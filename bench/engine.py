"""How long the engine takes to check a programme (findings + projection) on every keystroke.

A 13-step weekly programme (seven different weekdays, 13 steps each), with planned boluses,
patient-bolus settings and a current programme for the change limits, through
``check_programme``, which includes the projection and the any-24-hours windows with the
planned boluses. Budget (issues 2 and 14): under 1 ms median, aiming at 0.5 ms.

    .venv/bin/python bench/engine.py [--runs N]

Prints median / p95 / min in ms, and a trivial baseline measured in the same run (writing the
programme file, and a bare ``daily_doses``) with the ratio, so a slow machine shows as such.
``daily_doses`` of the same programme again finds its days' totals kept (issue 14), so compare
runs by the ratio to ``dumps``. Also a check of a programme with one day edited each run (a
keystroke: only what the engine kept for the other days' steps is reused).
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from programmer import programme_file
from programmer.check_context import CheckContext
from programmer.findings import check_programme
from programmer.programme import (
    WEEKDAYS,
    Bolus,
    DrugFill,
    Mode,
    Patient,
    PatientBolus,
    Programme,
    Pump,
    Reservoir,
    SpasticityOrigin,
    Step,
    WeekSchedule,
)
from programmer.pump_catalogue import default_pump_catalogue
from programmer.schedule import daily_doses

BUDGET_MS = 1.0
AIM_MS = 0.5
NOW = datetime(2026, 11, 22, 10, 0)


def weekly_programme() -> Programme:
    """Seven different days of 13 steps (the SynchroMed II maximum), every rate typed with up to
    three decimals, about 450 mcg/day at 500 mcg/mL."""
    days = {}
    for d, name in enumerate(WEEKDAYS):
        starts = [0, 90, 180, 300, 390, 420, 480, 600, 720, 840, 1020, 1200, 1320]
        rates = [
            Decimal(f"{14 + (i * 7 + d * 3) % 11}.{(i * 137 + d * 29) % 1000:03d}")
            for i in range(13)
        ]
        days[name] = tuple(Step(s + d if s else 0, r) for s, r in zip(starts, rates, strict=True))
    return Programme(
        patient=Patient("MRN-BENCH", "Bench Patient", date(1971, 3, 9), SpasticityOrigin.SPINAL),
        pump=Pump("synchromed-ii-40", "NGP999999", date(2024, 5, 2), date(2031, 5, 2), Decimal(2)),
        drug=DrugFill("baclofen", Decimal(500)),
        reservoir=Reservoir(Decimal("38.5"), datetime(2026, 11, 20, 9, 30)),
        mode=Mode.FLEXIBLE,
        week=WeekSchedule.by_weekday(days),
        boluses=(
            Bolus(datetime(2026, 11, 22, 12, 0), Decimal(50), 30),
            Bolus(datetime(2026, 11, 25, 8, 15), Decimal("37.5"), 20),
            Bolus(datetime(2026, 12, 2, 18, 45), Decimal(75), 45),
        ),
        patient_bolus=PatientBolus(Decimal(20), 10, 120, 4),
    )


def current_programme(pending: Programme) -> Programme:
    return pending.with_changes(
        mode=Mode.SIMPLE_CONTINUOUS,
        week=None,
        daily_dose_mcg=Decimal(400),
        boluses=(),
        reservoir=Reservoir(Decimal(20), NOW - timedelta(days=60)),
    )


def one_day_edited(programme: Programme, i: int) -> Programme:
    """``programme`` with Monday's second rate typed anew (a new tuple for that day only, as
    the schedule editor makes it)."""
    assert programme.week is not None
    days = dict(programme.week.days)
    monday = list(days["mon"])
    monday[1] = Step(monday[1].start_min, Decimal(f"{20 + i % 7}.{i % 1000:03d}"))
    days["mon"] = tuple(monday)
    return programme.with_changes(week=WeekSchedule(days))


def timings_ns(call: Callable[[], object], runs: int) -> list[int]:
    for _ in range(max(10, runs // 20)):  # warm caches (reference data, bytecode)
        call()
    gc.collect()
    gc.disable()
    try:
        result = []
        for _ in range(runs):
            start = time.perf_counter_ns()
            call()
            result.append(time.perf_counter_ns() - start)
        return result
    finally:
        gc.enable()


def summary(label: str, ns: list[int]) -> float:
    ordered = sorted(ns)
    median = statistics.median(ordered) / 1e6
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))] / 1e6
    print(
        f"{label:<44} median {median:8.4f} ms   p95 {p95:8.4f} ms   min {ordered[0] / 1e6:8.4f} ms"
    )
    return median


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3000)
    runs = parser.parse_args().runs

    pending = weekly_programme()
    current = current_programme(pending)
    pump = default_pump_catalogue().pump(pending.pump.model)
    context = CheckContext.packaged(current=current)
    bare = CheckContext.packaged()
    result = check_programme(pending, context, now=NOW)
    assert pending.week is not None
    assert all(len(pending.week.days[d]) == 13 for d in WEEKDAYS)
    assert len(set(daily_doses(pending, pump).by_weekday)) == 7

    print(f"Python {sys.version.split()[0]}, {runs} runs each")
    print(
        f"programme: flexible by weekday, 7 x 13 steps, {len(pending.boluses)} boluses, "
        f"patient bolus; {len(result.findings)} finding(s): "
        + ", ".join(f.code.value for f in result.findings)
    )
    print(
        f"projection: alarm {result.projection.low_reservoir_alarm_at:%Y-%m-%d %H:%M}, next refill "
        f"{result.projection.next_refill_at:%Y-%m-%d %H:%M} ({result.projection.refill_limited_by})"
    )
    print()
    engine = summary(
        "check_programme (findings + projection)",
        timings_ns(lambda: check_programme(pending, context, now=NOW), runs),
    )
    summary(
        "  without a current programme",
        timings_ns(lambda: check_programme(pending, bare, now=NOW), runs),
    )
    # What a keystroke checks: a new programme with one day's tuple new (the engine keeps what
    # it worked out for each day's steps, so the same programme again would flatter it).
    edited = iter([one_day_edited(pending, i) for i in range(runs + max(10, runs // 20))])
    summary(
        "  one day edited each run (a keystroke)",
        timings_ns(lambda: check_programme(next(edited), context, now=NOW), runs),
    )
    dumps = summary(
        "baseline: programme_file.dumps", timings_ns(lambda: programme_file.dumps(pending), runs)
    )
    doses = summary("baseline: daily_doses", timings_ns(lambda: daily_doses(pending, pump), runs))
    print()
    print(f"check_programme / dumps       = {engine / dumps:6.2f}x")
    print(f"check_programme / daily_doses = {engine / doses:6.2f}x")
    verdict = "within" if engine <= BUDGET_MS else "OVER"
    aim = "at or under" if engine <= AIM_MS else "above"
    print(
        f"median {engine:.4f} ms: {verdict} the {BUDGET_MS:g} ms budget, {aim} the "
        f"{AIM_MS:g} ms aim"
    )
    return 0 if engine <= BUDGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
