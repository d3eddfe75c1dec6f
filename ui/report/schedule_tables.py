"""The session report's schedule tables: a programme as the pump delivers it, one table per day
(or per run of weekdays with the same steps), each step with its rate and apportioned dose and
each day with its 24-h totals in mcg/day and mL/day; the previous programme's beside it when it
was delivered differently. Pure: no Qt.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from fractions import Fraction

from db.records import ProgrammeVersion
from programmer.programme import Mode, Programme, Step
from programmer.pump_catalogue import PumpCatalogue, PumpModel
from programmer.schedule import daily_doses, step_doses, step_end_min
from programmer.units import apportion, exact
from programmer.words import DAY_NAMES, MODE_NAMES, format_decimal, hhmm, mcg
from ui.report.parts import DaySchedule, ScheduleTable, StepLine
from ui.widgets.entry import DOSE_PLACES, FLOW_PLACES, format_fixed


def _day_schedule(title: str, steps: Sequence[Step], conc: Fraction) -> DaySchedule:
    """A flexible day as the editor's table shows it: the step doses apportioned so that they
    add up to the shown total (domain.md: "The total shown must equal the sum of the step doses
    shown, at the precision shown")."""
    doses = apportion(step_doses(steps), DOSE_PLACES)
    lines = tuple(
        StepLine(
            start=hhmm(step.start_min),
            end=hhmm(step_end_min(steps, i)),
            rate=f"{format_decimal(step.rate_mcg_per_h)} mcg/h",
            dose=mcg(dose),
        )
        for i, (step, dose) in enumerate(zip(steps, doses.parts, strict=True))
    )
    total = sum(step_doses(steps), Fraction(0))
    return DaySchedule(
        title=title,
        steps=lines,
        total=f"{format_decimal(doses.total)} mcg/day",
        flow=f"{format_fixed(total / conc, FLOW_PLACES)} mL/day",
    )


def _constant_day(programme: Programme, pump: PumpModel, conc: Fraction) -> DaySchedule:
    """Stopped, minimum rate and simple continuous: one rate all day."""
    dose = daily_doses(programme, pump).by_weekday[0]
    rate = f"{format_fixed(dose / 24, DOSE_PLACES)} mcg/h"
    if programme.mode is Mode.STOPPED:
        rate = "0 mcg/h (no delivery)"
    return DaySchedule(
        title="Every day",
        steps=(StepLine("00:00", "24:00", rate, f"{format_fixed(dose, DOSE_PLACES)} mcg"),),
        total=f"{format_fixed(dose, DOSE_PLACES)} mcg/day",
        flow=f"{format_fixed(dose / conc, FLOW_PLACES)} mL/day",
    )


def schedule_days(programme: Programme, pump: PumpModel) -> tuple[DaySchedule, ...]:
    """The programme's schedule as day tables: start, end, rate (mcg/h), step dose (mcg) and
    the 24-h totals in mcg/day and mL/day."""
    conc = exact(programme.drug.concentration_mcg_per_ml)
    week = programme.week
    if programme.mode is not Mode.FLEXIBLE or week is None:
        return (_constant_day(programme, pump, conc),)
    days = [_day_schedule(DAY_NAMES[name], week.days[name], conc) for name in week.day_names()]
    # Consecutive weekdays with the same steps share one table ("Monday to Friday").
    runs: list[list[DaySchedule]] = []
    for day in days:
        if runs and _same_steps(runs[-1][0], day):
            runs[-1].append(day)
        else:
            runs.append([day])
    return tuple(replace(run[0], title=_run_title(run)) for run in runs)


def _same_steps(a: DaySchedule, b: DaySchedule) -> bool:
    return (a.steps, a.total, a.flow) == (b.steps, b.total, b.flow)


def _run_title(run: Sequence[DaySchedule]) -> str:
    if len(run) == 1:
        return run[0].title
    joint = " and " if len(run) == 2 else " to "
    return f"{run[0].title}{joint}{run[-1].title}"


def schedule_tables(
    version: ProgrammeVersion,
    previous: ProgrammeVersion | None,
    catalogue: PumpCatalogue,
) -> tuple[ScheduleTable, ...]:
    """This version's schedule, and the previous one's when it was delivered differently."""
    new = version.programme
    days = schedule_days(new, catalogue.pump(new.pump.model))
    tables = [
        ScheduleTable(f"Version {version.number} (this version): {MODE_NAMES[new.mode]}", days)
    ]
    if previous is not None:
        old = previous.programme
        old_days = schedule_days(old, catalogue.pump(old.pump.model))
        if old_days != days:
            tables.append(
                ScheduleTable(
                    f"Version {previous.number} (before): {MODE_NAMES[old.mode]}", old_days
                )
            )
    return tuple(tables)
