"""The doses against their limits (domain.md, "Dose limits"; product.md, "Findings"): the daily
dose against the usual range and the hard maximum, any 24 hours with the planned and patient
boluses, and each change against the titration step, the extreme factor and a restart from a
stopped pump. Part of the one check, :func:`programmer.findings.check_programme`.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from fractions import Fraction

from programmer.check_context import CheckContext
from programmer.drug_library import Drug, PatientGroup
from programmer.finding import Add, Code, Finding, day_field, day_words, num
from programmer.programme import WEEKDAYS, Mode, Programme
from programmer.pump_catalogue import PumpCatalogue, PumpModel
from programmer.schedule import (
    DailyDoses,
    daily_doses,
    heaviest_bolus_window,
    highest_rolling_day,
    patient_bolus_worst_mcg_per_day,
    week_delivery,
)
from programmer.units import exact
from programmer.words import day_label, hhmm, moment


def patient_group(programme: Programme, drug: Drug, today: date) -> PatientGroup:
    """domain.md: the children's usual range applies under 12 years of age."""
    if PatientGroup.CHILD in drug.usual_range and programme.patient.age_on(today) < 12:
        return PatientGroup.CHILD
    return PatientGroup(programme.patient.spasticity_origin.value)


THERAPY = (Mode.SIMPLE_CONTINUOUS, Mode.FLEXIBLE)


def delivers_therapy(programme: Programme, doses: DailyDoses) -> bool:
    """Whether a programme gives therapy: not stopped, not minimum rate, not all zero (the
    restart rule of product.md, "Rules the table implies")."""
    return programme.mode in THERAPY and doses.highest > 0


def check_daily_limits(
    programme: Programme,
    pump: PumpModel,
    drug: Drug,
    doses: DailyDoses,
    now: datetime,
    add: Add,
) -> Fraction:
    """The hard maximum over any 24 hours (product.md: across midnight and weekdays, with the
    planned boluses at their times and every patient bolus added) and the usual range. Returns
    the worst 24 hours' dose (``worst_day_mcg``)."""
    ptm = patient_bolus_worst_mcg_per_day(programme)
    hard = exact(drug.hard_max_mcg_per_day)
    worst_weekday = doses.highest_weekday
    worst = doses.by_weekday[worst_weekday] + ptm

    def ptm_words() -> str:  # only when a finding is given (formatting figures costs)
        return (
            f" ({num(doses.by_weekday[worst_weekday])} mcg programmed + {num(ptm)} mcg of "
            "patient boluses)"
            if ptm
            else ""
        )

    delivery = week_delivery(programme, pump)  # built once for both windows
    rolling = highest_rolling_day(programme, pump, delivery)
    basal_worst = doses.highest if rolling is None else max(rolling.dose_mcg, doses.highest)
    with_boluses = heaviest_bolus_window(programme, pump, delivery, basal_worst)
    worst_day = max(basal_worst, with_boluses.dose_mcg if with_boluses else Fraction(0)) + ptm
    if worst > hard:
        add(
            Finding(
                Code.DOSE_ABOVE_HARD_LIMIT,
                f"{day_words(programme, worst_weekday)}: 24-h total {num(worst)} mcg/day"
                f"{ptm_words()} is over the {drug.name} hard maximum of {num(hard)} mcg/day.",
                day_field(programme, worst_weekday),
            )
        )
    elif rolling is not None and rolling.dose_mcg + ptm > hard:
        # Any 24 hours, not only calendar days: with a weekday pattern a heavy evening and the
        # next morning's steps can add up to more than either day.
        first, then = WEEKDAYS[rolling.weekday], WEEKDAYS[(rolling.weekday + 1) % 7]
        start = f"{day_label(first)} {hhmm(rolling.start_min)}"
        end = f"{day_label(then)} {hhmm(rolling.start_min)}"
        add(
            Finding(
                Code.DOSE_ABOVE_HARD_LIMIT,
                f"From {start} to {end}: {num(rolling.dose_mcg + ptm)} mcg in 24 hours"
                + (f" (with {num(ptm)} mcg of patient boluses)" if ptm else "")
                + f", over the {drug.name} hard maximum of {num(hard)} mcg/day, though "
                "each calendar day is under it.",
                day_field(programme, rolling.weekday),
            )
        )
    elif with_boluses is not None and with_boluses.dose_mcg + ptm > hard:
        since = with_boluses.start
        until = since + timedelta(days=1)
        planned = sum(
            (exact(programme.boluses[i].dose_mcg) for i in with_boluses.boluses), Fraction(0)
        )
        add(
            Finding(
                Code.DOSE_ABOVE_HARD_LIMIT,
                f"From {moment(since)} to {moment(until)}: with "
                f"{num(planned)} mcg of planned boluses"
                + (f" and {num(ptm)} mcg of patient boluses" if ptm else "")
                + f" these hours deliver {num(with_boluses.dose_mcg + ptm)} mcg, over the "
                f"{drug.name} hard maximum of {num(hard)} mcg/day.",
                f"boluses[{max(with_boluses.boluses)}].dose_mcg",
            )
        )
    if programme.mode is Mode.STOPPED:
        return worst_day
    group = patient_group(programme, drug, now.date())
    usual = drug.usual_range[group]
    low_weekday = doses.lowest_weekday
    lowest = doses.by_weekday[low_weekday]

    def range_words() -> str:
        return (
            f"the usual {num(usual.low_mcg_per_day)} to {num(usual.high_mcg_per_day)} mcg/day "
            f"for {_GROUP_WORDS[group]}"
        )

    if lowest < exact(usual.low_mcg_per_day):
        extra = (
            " (minimum rate keeps the catheter open but gives no therapy)"
            if programme.mode is Mode.MINIMUM_RATE
            else ""
        )
        add(
            Finding(
                Code.DOSE_OUTSIDE_USUAL_RANGE,
                f"{day_words(programme, low_weekday)}: {num(lowest)} mcg/day is under "
                f"{range_words()}{extra}.",
                day_field(programme, low_weekday),
            )
        )
    if worst > exact(usual.high_mcg_per_day):
        add(
            Finding(
                Code.DOSE_OUTSIDE_USUAL_RANGE,
                f"{day_words(programme, worst_weekday)}: 24-h total {num(worst)} mcg/day"
                f"{ptm_words()} is over {range_words()}.",
                day_field(programme, worst_weekday),
            )
        )
    return worst_day


_GROUP_WORDS = {
    PatientGroup.SPINAL: "spinal-origin spasticity",
    PatientGroup.CEREBRAL: "cerebral-origin spasticity",
    PatientGroup.CHILD: "a child under 12",
}


def check_changes(
    programme: Programme,
    context: CheckContext,
    drug: Drug,
    doses: DailyDoses,
    now: datetime,
    add: Add,
) -> None:
    """domain.md "Titration", product.md "Rules the table implies": the change against the
    current programme and against the one in force 24 hours before now (at most one change a
    day: small steps in a row cannot walk past the limits), weekday by weekday. A restart from a
    programme that delivers no therapy is judged against the last therapy programme. A finding
    is given once per code (against the current programme when both references trip it).
    Each side's figures: its programmed dose by weekday and its worst case with every patient
    bolus used (:func:`_check_change` says which limit judges which)."""
    if programme.mode is Mode.STOPPED:
        return  # stopping is MODE_STOPPED's business
    catalogue = context.catalogue
    seen: set[Code] = set()

    def once(finding: Finding) -> None:
        if finding.code not in seen:
            seen.add(finding.code)
            add(finding)

    references: list[tuple[Programme, str]] = []
    if context.current is not None:
        references.append((context.current, "the current programme"))
    day_before = context.day_before
    if day_before is not None and day_before != context.current:
        references.append((day_before, "the programme in force 24 hours before now"))
    restart_checked = False
    for reference, against in references:
        before = daily_doses(reference, _pump_for(reference, programme, catalogue))
        if delivers_therapy(reference, before):
            _check_change(programme, reference, before.by_weekday, against, drug, doses, now, once)
        elif not restart_checked:
            restart_checked = True
            _check_restart(programme, reference, context, drug, doses, now, once)
    if not references and context.last_therapy is not None:
        # A last therapy programme given with no current one (``check --last-therapy`` alone):
        # the conservative reading is a restart from a programme that gave no therapy.
        _check_restart(programme, None, context, drug, doses, now, once)


def _pump_for(reference: Programme, programme: Programme, catalogue: PumpCatalogue) -> PumpModel:
    try:
        return catalogue.pump(reference.pump.model)
    except KeyError:
        return catalogue.pump(programme.pump.model)


def _check_restart(
    programme: Programme,
    reference: Programme | None,
    context: CheckContext,
    drug: Drug,
    doses: DailyDoses,
    now: datetime,
    add: Add,
) -> None:
    """A restart from a programme that delivers no therapy (stopped, minimum rate, all zero):
    more than the extreme factor times the last therapy programme, or under its inverse, is
    CHANGE_EXTREME (a per-hour figure typed for a per-day one); with no last therapy known, a
    restart above the top of the usual range is. Any other restart is soft: tolerance may have
    fallen (product.md, "Rules the table implies"). Against the last therapy programme the
    worst case with every patient bolus used is judged too, for increases (as in
    :func:`_check_change`); the top of the usual range is the programmed dose's (the worst case
    above it is DOSE_OUTSIDE_USUAL_RANGE's)."""
    if not delivers_therapy(programme, doses):
        return
    factor = exact(drug.extreme_factor)
    group = patient_group(programme, drug, now.date())
    field = day_field(programme, doses.highest_weekday)
    was = (
        "no-therapy"
        if reference is None
        else {Mode.STOPPED: "stopped", Mode.MINIMUM_RATE: "minimum-rate"}.get(
            reference.mode, "zero-rate"
        )
    )
    last = context.last_therapy
    last_doses = (
        None if last is None else daily_doses(last, _pump_for(last, programme, context.catalogue))
    )
    if last is not None and last_doses is not None and delivers_therapy(last, last_doses):
        worst_last = worst_case_by_weekday(last, last_doses)
        worst_new = worst_case_by_weekday(programme, doses)
        for d in range(7):
            old, new = last_doses.by_weekday[d], doses.by_weekday[d]
            if new > old * factor or new * factor < old:
                figures, field_d = f"{num(new)} mcg/day against {num(old)}", day_field(programme, d)
            elif worst_new[d] > worst_last[d] * factor:  # as in _check_change: increases only
                figures = (
                    f"with every patient bolus used {num(worst_new[d])} mcg/day against "
                    f"{num(worst_last[d])}"
                )
                field_d = "patient_bolus" if programme.patient_bolus else day_field(programme, d)
            else:
                continue
            add(
                Finding(
                    Code.CHANGE_EXTREME,
                    f"Restarting {drug.name} from a {was} programme: "
                    f"{day_words(programme, d)} {figures} mcg/day in the last therapy "
                    f"programme, more than {num(factor)}x or under 1/{num(factor)} of it. "
                    "Check for a per-hour/per-day or decimal-point error.",
                    field_d,
                )
            )
            return
    else:
        top = exact(drug.usual_range[group].high_mcg_per_day)
        if doses.highest > top:
            add(
                Finding(
                    Code.CHANGE_EXTREME,
                    f"Restarting {drug.name} at {num(doses.highest)} mcg/day from a {was} "
                    f"programme, with no earlier therapy programme known: above the top of the "
                    f"usual {num(top)} mcg/day for {_GROUP_WORDS[group]}. Check for a "
                    "per-hour/per-day or decimal-point error; restart low and titrate.",
                    field,
                )
            )
            return
    add(
        Finding(
            Code.CHANGE_ABOVE_TITRATION,
            f"Restarting {drug.name} at {num(doses.highest)} mcg/day from a {was} programme: "
            "tolerance may have fallen; consider restarting low and titrating.",
            field,
        )
    )


def worst_case_by_weekday(programme: Programme, doses: DailyDoses) -> tuple[Fraction, ...]:
    """Each weekday's 24-h total with every patient bolus used (product.md, "Findings": the
    24-h total "with all patient boluses used"; "Patient-bolus settings are never silently
    ignored: counted in the worst case"): the programmed dose of the day plus the patient-bolus
    worst case, the figure DOSE_ABOVE_HARD_LIMIT and DOSE_OUTSIDE_USUAL_RANGE judge by weekday.
    Planned boluses are not in it: they are single deliveries on a date, judged by
    BOLUS_ABOVE_LIMIT and the any-24-hours hard maximum, not a change of the daily dose."""
    ptm = patient_bolus_worst_mcg_per_day(programme)
    return tuple(dose + ptm for dose in doses.by_weekday)


def change_ratio(before: Fraction, after: Fraction) -> Fraction:
    """``after / before``; from nothing to something is an unbounded increase, nothing to
    nothing no change."""
    if before:
        return after / before
    return Fraction(10**9) if after else Fraction(1)


def _check_change(
    programme: Programme,
    reference: Programme,
    before: tuple[Fraction, ...],
    against: str,
    drug: Drug,
    doses: DailyDoses,
    now: datetime,
    add: Add,
) -> None:
    """The change in 24-h total against one therapy programme (``before``: its programmed doses
    by weekday), weekday by weekday, on two figures of each side (domain.md, "Titration";
    product.md, "Findings": CHANGE_* judge the 24-h total):

    - the programmed dose against the programmed dose: every limit (up, down, extreme), as the
      pump delivers it for sure; a per-hour/per-day or decimal slip in a typed dose is caught
      here however large the patient-bolus allowance on both sides;
    - the worst case (:func:`worst_case_by_weekday`: programmed + every patient bolus used)
      against the reference's worst case: the increases (CHANGE_EXTREME over the factor,
      CHANGE_ABOVE_TITRATION over the step), so patient-bolus settings cannot add what a
      typed dose could not. With the same patient-bolus settings on both sides this never
      finds more than the programmed figure (an unchanged bolus setting is no change); a
      reduced or removed allowance is not a decrease here (the programmed figure, what the
      patient surely receives, judges withdrawal).
    """
    after = doses.by_weekday
    worst_before = worst_case_by_weekday(reference, DailyDoses(before))
    worst_after = worst_case_by_weekday(programme, doses)
    group = patient_group(programme, drug, now.date())
    step_pct = exact(drug.titration_pct_for(group))
    decrease_pct = exact(drug.decrease_large_pct)
    factor = exact(drug.extreme_factor)

    ratios = [change_ratio(before[d], after[d]) for d in range(7)]
    worst_ratios = [change_ratio(worst_before[d], worst_after[d]) for d in range(7)]
    up = max(range(7), key=ratios.__getitem__)
    down = min(range(7), key=ratios.__getitem__)
    worst_up = max(range(7), key=worst_ratios.__getitem__)
    suffix = "" if against == "the current programme" else f" (against {against})"

    def words(d: int) -> str:
        if not before[d]:
            return f"{day_words(programme, d)}: 0 -> {num(after[d])} mcg/day{suffix}"
        change = (ratios[d] - 1) * 100
        sign = "+" if change >= 0 else "-"
        return (
            f"{day_words(programme, d)}: {num(before[d])} -> {num(after[d])} mcg/day "
            f"({sign}{num(abs(change), 1)} %){suffix}"
        )

    def worst_words(d: int) -> str:
        ptm = worst_after[d] - after[d]
        figures = (
            f"{day_words(programme, d)}: with every patient bolus used, {num(worst_before[d])} "
            f"-> {num(worst_after[d])} mcg/day"
        )
        if worst_before[d]:
            figures += f" (+{num((worst_ratios[d] - 1) * 100, 1)} %)"
        return (
            f"{figures} ({num(after[d])} mcg programmed + {num(ptm)} mcg of patient "
            f"boluses){suffix}"
        )

    worst_field = "patient_bolus" if programme.patient_bolus is not None else None
    if programme.mode in THERAPY:
        if ratios[up] > factor or ratios[down] < 1 / factor:
            d = up if ratios[up] > factor else down
            extreme: tuple[str, str] | None = (words(d), day_field(programme, d))
        elif worst_ratios[worst_up] > factor:
            extreme = (worst_words(worst_up), worst_field or day_field(programme, worst_up))
        else:
            extreme = None
        if extreme is not None:
            add(
                Finding(
                    Code.CHANGE_EXTREME,
                    f"{extreme[0]}: more than {num(factor)}x or under 1/{num(factor)} of the "
                    f"{'current' if not suffix else 'earlier'} dose. Check for a "
                    "per-hour/per-day or decimal-point error.",
                    extreme[1],
                )
            )
    if ratios[up] > 1 + step_pct / 100:
        titration: tuple[str, str] | None = (words(up), day_field(programme, up))
    elif worst_ratios[worst_up] > 1 + step_pct / 100:
        titration = (worst_words(worst_up), worst_field or day_field(programme, worst_up))
    else:
        titration = None
    if titration is not None:
        add(
            Finding(
                Code.CHANGE_ABOVE_TITRATION,
                f"{titration[0]}: more than the +{num(step_pct)} % titration step for "
                f"{group.value} patients" + (" (at most one change a day)" if suffix else "") + ".",
                titration[1],
            )
        )
    if ratios[down] < 1 - decrease_pct / 100:
        add(
            Finding(
                Code.CHANGE_DECREASE_LARGE,
                f"{words(down)}: a decrease of more than {num(decrease_pct)} % risks withdrawal.",
                day_field(programme, down),
            )
        )
