"""Findings: the one pure check of a programme (product.md, "Findings (stable codes)").

:func:`check_programme` returns every problem it sees, never the first only; the editor, the save
path, the confirm dialog and the command line all call it. The engine never clamps a value: it
reports, and the caller decides (a hard finding blocks saving; a soft one needs a typed reason).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction

from programmer.bolus_checks import check_boluses
from programmer.check_context import CheckContext
from programmer.device_checks import check_concentration, check_pump, check_rates, check_schedule
from programmer.dose_checks import (
    check_changes,
    check_daily_limits,
)
from programmer.finding import Add, Code, Finding, has_hard, num
from programmer.programme import Mode, Programme
from programmer.projection import (
    ClinicSettings,
    Projection,
    RanBefore,
    RefillLimit,
    is_empty_by,
    is_refill_overdue,
    project,
    refill_by_alarm,
    shifted,
)
from programmer.pump_catalogue import PumpModel
from programmer.schedule import (
    DailyDoses,
    daily_doses,
)
from programmer.units import exact
from programmer.words import day_label, moment


@dataclass(frozen=True, slots=True)
class CheckResult:
    findings: tuple[Finding, ...]
    projection: Projection
    # The most any 24 hours deliver: basal, planned boluses at their times and every patient
    # bolus (product.md: ``worst_day_mcg``, the figure DOSE_ABOVE_HARD_LIMIT is judged on).
    worst_day_mcg: Fraction = Fraction(0)
    # The programmes that ran on the fill before this one, as the projection took them.
    earlier: tuple[RanBefore, ...] = ()

    @property
    def hard(self) -> bool:
        return has_hard(self.findings)


def check_programme(
    programme: Programme, context: CheckContext | None = None, *, now: datetime
) -> CheckResult:
    """Every finding for ``programme`` against the facts of ``context`` (the packaged library
    and catalogue and no history when None), with the projection the date findings were
    computed from.

    A change between refills takes effect at ``now``, on what is left of the same fill: the
    context's current programme is taken to have run until now when it shares the fill (after
    the ``earlier`` ones), so the new rate is never projected back over days already past."""
    if context is None:
        context = CheckContext.packaged()
    catalogue, settings, current = context.catalogue, context.settings, context.current
    pump = catalogue.pump(programme.pump.model)
    drug = context.library.drug(programme.drug.name)
    findings: list[Finding] = []
    add = findings.append

    check_concentration(programme, drug, context.confirmed_for(programme.drug.name), add)
    _check_fill_time(programme, now, add)
    if current is not None:
        _check_same_fill(programme, current, add)
        _check_bridge(programme, current, context, add)
    doses = daily_doses(programme, pump)
    check_schedule(programme, pump, add)
    check_rates(programme, pump, add)
    worst_day = check_daily_limits(programme, pump, drug, doses, now, add)
    check_changes(programme, context, drug, doses, now, add)
    check_boluses(programme, pump, drug, add)
    _check_reservoir(programme, pump, settings, add)
    check_pump(programme, pump, add)
    _check_stopped(programme, doses, add)
    earlier: tuple[RanBefore, ...] = ()
    if current is not None and current.reservoir == programme.reservoir:
        try:
            earlier = (
                *context.earlier,
                RanBefore(current, catalogue.pump(current.pump.model), now),
            )
        except KeyError:
            earlier = context.earlier
    projection = project(programme, pump, drug, settings, doses=doses, earlier=earlier)
    _check_dates(programme, projection, settings, now, add)
    return CheckResult(tuple(findings), projection, worst_day, earlier)


def _check_fill_time(programme: Programme, now: datetime, add: Add) -> None:
    """FILL_TIME_AFTER_NOW: the fill time says when the drug now in the pump went in, so it
    cannot be after ``now`` (the clock the check is made at, the simulated one in training).
    A fill dated ahead projects the reservoir full until then and moves every date with it
    (domain.md, "Refill arithmetic": the dates count from the volume at the last refill;
    failure patterns: entries typed into the wrong field), so REFILL_OVERDUE and
    RESERVOIR_EMPTY could never fire."""
    filled = programme.reservoir.filled_at
    if filled <= now:
        return
    add(
        Finding(
            Code.FILL_TIME_AFTER_NOW,
            f"The reservoir is recorded as filled on {moment(filled)}, after now "
            f"({moment(now)}): a refill cannot be in the future, and every date would be "
            "counted from it. Correct the fill time.",
            "reservoir.filled_at",
        )
    )


def _check_same_fill(programme: Programme, current: Programme, add: Add) -> None:
    """What a fill holds changes only with a refill, which records a new fill (a new
    ``filled_at``). On the same fill the pump still holds the old drug and the old volume:

    - CONCENTRATION_CHANGED_WITHOUT_REFILL: a new concentration mis-scales every dose
      (product.md: 2000 mcg/mL programmed as 500 delivers 4x);
    - FILL_VOLUME_CHANGED_WITHOUT_REFILL: a new volume rewrites what the pump was filled with,
      and the expected residual, the alarm and the refill date follow from it (domain.md,
      "Refill arithmetic"; failure patterns: decimal point and extra-zero errors), so the pump
      could alarm and empty long before the refill date shown."""
    if programme.reservoir.filled_at != current.reservoir.filled_at:
        return
    old_volume = exact(current.reservoir.volume_ml)
    new_volume = exact(programme.reservoir.volume_ml)
    if old_volume != new_volume:
        add(
            Finding(
                Code.FILL_VOLUME_CHANGED_WITHOUT_REFILL,
                f"{num(new_volume, 3)} mL on the fill of "
                f"{moment(programme.reservoir.filled_at)}, which was filled with "
                f"{num(old_volume, 3)} mL: the volume of a fill changes only with a refill, "
                "and the alarm and refill dates would be counted from the wrong volume. "
                "Record the refill, or keep the fill's volume.",
                "reservoir.volume_ml",
            )
        )
    old = exact(current.drug.concentration_mcg_per_ml)
    new = exact(programme.drug.concentration_mcg_per_ml)
    if old == new:
        return
    effect = (
        f"the pump still holds {num(old)} mcg/mL, so every dose would be "
        f"{num(old / new)}x the one programmed"
    )
    add(
        Finding(
            Code.CONCENTRATION_CHANGED_WITHOUT_REFILL,
            f"{programme.drug.name} {num(new)} mcg/mL on the fill of "
            f"{moment(programme.reservoir.filled_at)}, which holds {current.drug.name} "
            f"{num(old)} mcg/mL: {effect}. A concentration changes only with a refill: record "
            "the refill first.",
            "drug.concentration_mcg_per_ml",
        )
    )


def stopped_fields(programme: Programme, doses: DailyDoses) -> tuple[str, ...]:
    """Where ``programme`` stops delivery of baclofen (product.md, MODE_STOPPED: "programme
    stops delivery of baclofen on any day (withdrawal risk): the stopped mode, or any day whose
    schedule delivers nothing"): ``mode`` for the stopped mode, ``week.<day>`` for each weekday
    whose schedule delivers nothing, ``daily_dose_mcg`` for a continuous 0 mcg/day; empty when
    it delivers every day. The one predicate: the finding and the worklist's "pump stopped"
    (db/worklist.py) both read it. ``doses``: its daily doses (programmer.schedule)."""
    if programme.mode is Mode.STOPPED:
        return ("mode",)
    if programme.mode is Mode.FLEXIBLE and programme.week is not None:
        return tuple(
            f"week.{name}"
            for name in programme.week.day_names()
            if all(step.rate_mcg_per_h == 0 for step in programme.week.days[name])
        )
    if programme.mode is Mode.SIMPLE_CONTINUOUS and doses.highest == 0:
        return ("daily_dose_mcg",)
    return ()


def _check_bridge(
    programme: Programme, current: Programme, context: CheckContext, add: Add
) -> None:
    """CONCENTRATION_CHANGED_WITHOUT_BRIDGE: a new fill at another concentration with no
    bridge decision recorded for it. domain.md ("Infusion modes", bridge bolus): after a
    concentration change the old fluid still in pump and catheter reaches the patient at the
    flow set for the new one unless a bridge bolus pushes it out at the old dose; product.md
    (Refill: "offering a bridge bolus when it changes"). The refill dialog records the bridge
    given, or the typed reason for giving none, before the refilled programme is saved
    (:attr:`CheckContext.bridge_decisions`); a fill saved any other way (``import``, an
    edited programme) needs the typed reason here."""
    fill = programme.reservoir.filled_at
    if fill == current.reservoir.filled_at:
        return  # the same fill: _check_same_fill's concern
    old = exact(current.drug.concentration_mcg_per_ml)
    new = exact(programme.drug.concentration_mcg_per_ml)
    if old == new or any(at >= fill for at in context.bridge_decisions):
        return
    add(
        Finding(
            Code.CONCENTRATION_CHANGED_WITHOUT_BRIDGE,
            f"The fill of {moment(fill)} changes {programme.drug.name} from {num(old)} to "
            f"{num(new)} mcg/mL with no bridge bolus recorded: the old fluid in pump and "
            f"catheter reaches the patient at {num(old / new)}x the dose programmed until it "
            "is pushed out. Give a bridge bolus with the refill, or type why none is needed.",
            "drug.concentration_mcg_per_ml",
        )
    )


def _check_stopped(programme: Programme, doses: DailyDoses, add: Add) -> None:
    """MODE_STOPPED: the stopped mode, or any day whose schedule delivers nothing, whatever the
    mode (product.md: "programme stops delivery of baclofen on any day"; :func:`stopped_fields`)."""
    words = (
        f"abrupt withdrawal of {programme.drug.name} can be life-threatening. Plan monitoring "
        "and a restart."
    )
    for field in stopped_fields(programme, doses):
        if field == "mode":
            message = (
                f"The programme stops delivery of {programme.drug.name}: abrupt withdrawal "
                "can be life-threatening. Plan monitoring and a restart."
            )
        elif field == "daily_dose_mcg":
            message = f"A daily dose of 0 mcg/day stops {programme.drug.name}: {words}"
        else:
            day = field.removeprefix("week.")
            message = (
                f"{day_label(day).capitalize()}: the schedule delivers nothing, which "
                f"stops {programme.drug.name} that day: {words}"
            )
        add(Finding(Code.MODE_STOPPED, message, field))


def overfill_finding(volume_ml: Decimal, pump: PumpModel, field: str) -> Finding | None:
    """RESERVOIR_OVERFILL: more than the reservoir holds (domain.md: "New volume may not exceed
    the reservoir size"); one wording for the programme's fill and a refill's volume added."""
    if volume_ml <= pump.reservoir_ml:
        return None
    return Finding(
        Code.RESERVOIR_OVERFILL,
        f"{num(volume_ml, 3)} mL is over the {num(pump.reservoir_ml)} mL reservoir of the "
        f"{pump.display_name}.",
        field,
    )


def _check_reservoir(
    programme: Programme, pump: PumpModel, settings: ClinicSettings, add: Add
) -> None:
    overfill = overfill_finding(programme.reservoir.volume_ml, pump, "reservoir.volume_ml")
    if overfill is not None:
        add(overfill)
    alarm = programme.pump.low_reservoir_alarm_ml
    if alarm < settings.min_low_alarm_ml:
        add(
            Finding(
                Code.LOW_ALARM_TOO_LOW,
                f"Low-reservoir alarm at {num(alarm, 3)} mL is under the recommended "
                f"{num(settings.min_low_alarm_ml)} mL (raise to 4 mL for patients with "
                "withdrawal signs above 2 mL).",
                "pump.low_reservoir_alarm_ml",
            )
        )


def _check_dates(
    programme: Programme, p: Projection, settings: ClinicSettings, now: datetime, add: Add
) -> None:
    if p.refill_limited_by is RefillLimit.STABILITY:
        add(
            Finding(
                Code.REFILL_BEYOND_STABILITY,
                f"Next refill by {p.next_refill_at:%Y-%m-%d} is set by the drug's stability "
                "limit, before the low-reservoir alarm.",
                "reservoir.filled_at",
            )
        )
    if p.empty_at is not None and is_empty_by(p.empty_at, now):
        add(
            Finding(
                Code.RESERVOIR_EMPTY,
                f"The reservoir is projected empty since {moment(p.empty_at)} "
                f"({_ago(p.empty_at, now)}): the patient may be in withdrawal. Check the "
                "patient and refill now.",
                "reservoir.volume_ml",
            )
        )
    alarm = p.low_reservoir_alarm_at
    if alarm is not None and alarm <= now:
        add(
            Finding(
                Code.ALARM_BEFORE_REFILL_VISIT,
                f"The low-reservoir alarm has already sounded, on {moment(alarm)} "
                f"({_ago(alarm, now)}): refill now.",
                "reservoir.volume_ml",
            )
        )
    elif alarm is not None and alarm <= shifted(
        now, timedelta(days=settings.alarm_visit_window_days)
    ):
        add(
            Finding(
                Code.ALARM_BEFORE_REFILL_VISIT,
                f"The low-reservoir alarm would sound on {moment(alarm)}, within "
                f"{settings.alarm_visit_window_days} days of now: refill first.",
                "reservoir.volume_ml",
            )
        )
    # REFILL_OVERDUE: the refill date the alarm or the stability limit sets is already past
    # (the replace-by date is the battery's business); a refill due at ``now`` is due, not yet
    # overdue (projection.is_refill_overdue, the worklist's and the Overview's rule too).
    due = [p.stability_limit_at]
    if p.refill_volume_at is not None:  # the pump's own refill volume when higher (Prometra)
        due.append(refill_by_alarm(p.refill_volume_at, programme.reservoir.filled_at, settings))
    refill_due = min(due)
    if is_refill_overdue(refill_due, now):
        by = "stability limit" if refill_due == p.stability_limit_at else "low-reservoir alarm"
        add(
            Finding(
                Code.REFILL_OVERDUE,
                f"The refill was due by {moment(refill_due)} ({_ago(refill_due, now)}, "
                f"set by the {by}): refill now.",
                "reservoir.filled_at",
            )
        )
    if p.refill_limited_by is RefillLimit.REPLACEMENT:
        add(
            Finding(
                Code.REPLACEMENT_BEFORE_REFILL,
                f"The pump's replace-by date {programme.pump.replace_by:%Y-%m-%d} comes before "
                "the refill would otherwise be due: plan the replacement now.",
                "pump.replace_by",
            )
        )


def _ago(moment: datetime, now: datetime) -> str:
    """How long before ``now`` ``moment`` was, in words with its unit."""
    minutes = int((now - moment).total_seconds() // 60)
    if minutes < 60:
        return f"{minutes} min ago"
    if minutes < 48 * 60:
        return f"{minutes // 60} h ago"
    return f"{minutes // (24 * 60)} days ago"
