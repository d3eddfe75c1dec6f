"""What the database record says the pump should be doing now, and how a reading of the pump
differs from it (issue: "Interrogate: differences from the database record are shown"). Pure:
no Qt, no database calls; the workflows pass in what they read."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from fractions import Fraction

from db.database import BolusGivenRecord, BolusKind, ProgrammeVersion, RefillRecord
from programmer.boluses import BridgeBolus
from programmer.compare import Row, compare
from programmer.finding import Severity
from programmer.programme import Mode, Programme
from programmer.projection import BridgeGiven, RanBefore
from programmer.pump_catalogue import CatheterModel, PumpCatalogue, PumpModel
from programmer.refill import earlier_on_fill, expected_residual_ml
from programmer.simulated_pump import Alarm, SimulatedPump
from programmer.units import exact
from programmer.words import format_decimal, format_number, ml

# Boluses given outside the programme take their volume from the reservoir (domain.md:
# "expected residual = volume at last refill - (programmed delivery + boluses given)"). Planned
# single boluses are in the programme already; a bridge bolus is the programme's own flow.
OUTSIDE_THE_PROGRAMME = (BolusKind.PATIENT, BolusKind.PRIMING)


@dataclass(frozen=True, slots=True)
class RecordView:
    """The record at ``at``: the current confirmed version, the programmes before it on the
    same fill, the boluses given outside the programme since the fill, and the reservoir the
    record expects (with the bridge boluses given on the fill, ``bridges``)."""

    version: int
    programme: Programme
    earlier: tuple[RanBefore, ...]
    given_outside_mcg: Decimal
    expected_ml: Fraction
    at: datetime
    bridges: tuple[BridgeGiven, ...] = ()


def record_view(
    versions: Sequence[ProgrammeVersion],
    given: Sequence[BolusGivenRecord],
    catalogue: PumpCatalogue,
    at: datetime,
) -> RecordView | None:
    """None while the patient has no confirmed programme."""
    confirmed = [v for v in versions if v.confirmed]
    if not confirmed:
        return None
    current = confirmed[-1]
    programme = current.programme
    earlier = earlier_on_fill([(v.saved_at, v.programme) for v in confirmed], catalogue)
    fill = programme.reservoir.filled_at
    outside = sum(
        (b.dose_mcg for b in given if b.kind in OUTSIDE_THE_PROGRAMME and b.at >= fill),
        Decimal(0),
    )
    pump = catalogue.pump(programme.pump.model)
    bridges = bridges_given(confirmed, given)
    expected = expected_residual_ml(programme, pump, at, outside, earlier, bridges)
    return RecordView(current.number, programme, earlier, outside, expected, at, bridges)


def bridges_given(
    confirmed: Sequence[ProgrammeVersion], given: Sequence[BolusGivenRecord]
) -> tuple[BridgeGiven, ...]:
    """The bridge boluses given on the current fill, as the reservoir gives them: the recorded
    dose is the old fluid at the old concentration (the fill before this one), so its volume is
    dose / old concentration, over the recorded duration (product.md: "The expected residual ...
    account[s] for a bridge bolus")."""
    fill = confirmed[-1].programme.reservoir.filled_at
    before = [v.programme for v in confirmed if v.programme.reservoir.filled_at < fill]
    if not before:
        return ()
    old = exact(before[-1].drug.concentration_mcg_per_ml)
    return tuple(
        BridgeGiven(b.at, exact(b.dose_mcg) / old, Fraction(b.duration_min))
        for b in given
        if b.kind is BolusKind.BRIDGE and b.at >= fill
    )


def duration_words(minutes: Fraction | int) -> str:
    """``"1 d 13 h 5 min"``, ``"45 min"``: whole minutes, rounded up (a bolus is never shown
    shorter than it lasts)."""
    total = math.ceil(minutes)
    days, rest = divmod(total, 1440)
    hours, mins = divmod(rest, 60)
    parts = [f"{days} d" if days else "", f"{hours} h" if hours else "", f"{mins} min"]
    if mins == 0 and (days or hours):
        parts.pop()
    return " ".join(p for p in parts if p)


def state_words(pump: SimulatedPump) -> str:
    """Running or STOPPED, and why, in words."""
    if pump.session is not None:
        last = pump.session[-1].value
        return f"STOPPED: programming session cut off after '{last}'"
    if Alarm.END_OF_SERVICE in pump.alarms:
        return "STOPPED: end of service (battery)"
    if not pump.running:
        return "STOPPED"
    if Alarm.EMPTY_RESERVOIR in pump.alarms:
        return "running, reservoir EMPTY: drug no longer flowing"
    if pump.programme.mode is Mode.STOPPED:
        return "running the stopped mode: no delivery"
    return "running"


def expected_state_words(programme: Programme) -> str:
    """What the record expects the pump to be doing."""
    if programme.mode is Mode.STOPPED:
        return "running the stopped mode: no delivery"
    return "running"


def differences(record: RecordView | None, pump: SimulatedPump) -> list[Row]:
    """Pump state and reservoir (always listed, so the figures can be compared), then every
    programme value that differs between the record's current version and the pump."""
    if record is None:
        return [Row("Pump state", "state", "no programme on record", state_words(pump))]
    rows = [
        Row("Pump state", "state", expected_state_words(record.programme), state_words(pump)),
        Row(
            "Reservoir now",
            "reservoir.now",
            ml(max(record.expected_ml, Fraction(0))),
            ml(pump.reservoir_ml),
        ),
    ]
    rows += [r for r in compare(record.programme, pump.programme) if r.changed]
    return rows


def programme_differences(record: RecordView | None, pump: SimulatedPump) -> list[Row]:
    """The programme values (dose, mode, concentration, fill...) in which the pump differs from
    the record's current version: what the pump delivers is not what the record says. Empty
    with no programme on record."""
    if record is None:
        return []
    return [r for r in compare(record.programme, pump.programme) if r.changed]


def _derived(row: Row) -> bool:
    """A value that follows from others shown (flow from the dose, a day's total from its
    steps): left out where space is short."""
    return row.field == "flow" or (row.field.startswith("week.") and "[" not in row.field)


def key_differences(rows: Sequence[Row]) -> list[Row]:
    """``rows`` without the derived values, unless nothing else differs."""
    return [r for r in rows if not _derived(r)] or list(rows)


def differs_words(record: RecordView, rows: Sequence[Row], most: int = 3) -> str:
    """``"the pump does not run version 4 on record. Daily dose: record 290.00 mcg/day, pump
    264.00 mcg/day; ..."`` (at most ``most`` values named, then how many more)."""
    shown = key_differences(rows)
    named = "; ".join(f"{r.label}: record {r.before}, pump {r.after}" for r in shown[:most])
    more = f"; and {len(shown) - most} more (Pump tab)" if len(shown) > most else ""
    return f"the pump does not run version {record.version} on record. {named}{more}"


def refill_not_on_pump(refill: RefillRecord | None, pump: SimulatedPump) -> str | None:
    """Words for a refill recorded after the fill the pump is programmed for (None: the pump
    holds the latest fill on record). Until the refilled programme is transmitted the pump
    computes its delivery from the old fill, at the old concentration (issue 9: "concentration
    after a refill")."""
    fill = pump.programme.reservoir
    if refill is None or refill.at <= fill.filled_at:
        return None
    conc = pump.programme.drug.concentration_mcg_per_ml
    change = (
        f"it is programmed for {format_decimal(conc)} mcg/mL and the reservoir now holds "
        f"{format_decimal(refill.concentration_mcg_per_ml)} mcg/mL"
        if refill.concentration_mcg_per_ml != conc
        else f"it is programmed for its fill of {fill.filled_at:%Y-%m-%d %H:%M}"
    )
    return (
        f"the refill of {refill.at:%Y-%m-%d %H:%M} ({format_decimal(refill.volume_added_ml)} mL of "
        f"{format_decimal(refill.concentration_mcg_per_ml)} mcg/mL) is not on the pump: {change}"
    )


def pump_alerts(
    record: RecordView | None, pump: SimulatedPump | None, refill: RefillRecord | None = None
) -> list[tuple[Severity, str]]:
    """What the pump as last read adds to a patient's alerts (issue 9: the Overview's alerts
    include the pump): stopped, alarms sounding or acknowledged with their cause still there,
    record and pump differing (a programme, or the last ``refill``, not on the pump). None
    read yet: nothing known, and said so."""
    if pump is None:
        return [
            (
                Severity.INFO,
                "The pump has not been read on this console: interrogate it to see its state.",
            )
        ]
    alerts: list[tuple[Severity, str]] = []
    words = state_words(pump)
    if words.startswith("STOPPED"):
        alerts.append((Severity.HARD, f"Pump {words}: no drug is delivered (withdrawal risk)."))
    elif not pump.drug_flowing and pump.programme.mode is not Mode.STOPPED:
        alerts.append((Severity.HARD, f"Pump {words}."))
    for alarm in sorted(pump.alarms):
        severity = Severity.HARD if alarm.two_tone else Severity.SOFT
        tone = "two-tone" if alarm.two_tone else "single tone"
        if alarm in pump.sounding:
            alerts.append((severity, f"Pump alarm SOUNDING ({tone}): {alarm.words}."))
        else:
            alerts.append((severity, f"Pump alarm acknowledged, cause remains: {alarm.words}."))
    rows = programme_differences(record, pump)
    if record is not None and rows:
        words = differs_words(record, rows, most=1)
        alerts.append((Severity.HARD, f"Record and pump differ: {words}."))
    refill_words = refill_not_on_pump(refill, pump)
    if refill_words is not None:
        alerts.append((Severity.HARD, f"Record and pump differ: {refill_words}."))
    return alerts


def bridge_text(
    bridge: BridgeBolus,
    *,
    pump: PumpModel,
    catheter: CatheterModel,
    length_cm: Decimal,
    old_mcg_per_ml: Decimal,
    new_mcg_per_ml: Decimal,
    daily_dose_mcg: Fraction,
) -> str:
    """A bridge bolus in words, every figure with its unit (domain.md, "Infusion modes")."""
    return (
        f"{format_decimal(old_mcg_per_ml)} → {format_decimal(new_mcg_per_ml)} mcg/mL. The old "
        "fluid in pump and catheter "
        f"({ml(bridge.volume_ml, 4)}: pump {format_decimal(pump.internal_volume_ml)} mL + "
        f"{catheter.display_name}, {length_cm} cm) is pushed out at "
        f"{format_number(bridge.flow_ml_per_day, 4)} mL/day, which keeps "
        f"{format_number(daily_dose_mcg, 2)} mcg/day: over {duration_words(bridge.duration_min)}. "
        f"The patient receives {format_number(bridge.delivered_mcg, 2)} mcg; the pump, set to "
        f"{format_decimal(new_mcg_per_ml)} mcg/mL, is programmed for "
        f"{format_number(bridge.programmed_dose_mcg, 2)} mcg."
    )
