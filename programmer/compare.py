"""Side-by-side comparison of two programmes, every value shown with its unit (product.md:
"Review and confirm: current vs pending side by side, every changed value highlighted"; also
the history's "diff any two" and the session report)."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from programmer.programme import EVERY_DAY, WEEKDAYS, Mode, Programme
from programmer.pump_catalogue import PumpCatalogue, default_pump_catalogue
from programmer.schedule import daily_doses, day_total_mcg, patient_bolus_max_mcg_per_day
from programmer.units import exact
from programmer.words import (
    DAY_NAMES,
    MODE_NAMES,
    format_decimal,
    format_number,
    format_short,
    hhmm,
    mcg,
    mcg_day,
    ml_day,
    moment,
)


@dataclass(frozen=True, slots=True)
class Row:
    """One compared value: its label, the programme-file field, and both sides as shown."""

    label: str
    field: str
    before: str
    after: str

    @property
    def changed(self) -> bool:
        return self.before != self.after


def summary_line(programme: Programme, catalogue: PumpCatalogue | None = None) -> str:
    """The programme in one line, e.g. "Flexible, 290 mcg/day, 0.58 mL/day" (product.md)."""
    catalogue = catalogue or default_pump_catalogue()
    pump = catalogue.pump(programme.pump.model)
    doses = daily_doses(programme, pump)
    conc = exact(programme.drug.concentration_mcg_per_ml)
    mode = MODE_NAMES[programme.mode]
    if programme.mode is Mode.STOPPED:
        return f"{mode}: no delivery"
    if doses.varies:
        return (
            f"{mode} by weekday, {format_number(doses.lowest, 0)} to "
            f"{format_number(doses.highest, 0)} mcg/day (mean {format_number(doses.mean, 1)}"
            f" mcg/day, {format_number(doses.mean / conc, 3)} mL/day)"
        )
    return f"{mode}, {_short(doses.mean)} mcg/day, {_short(doses.mean / conc, 3)} mL/day"


def _short(value: Fraction, places: int = 2) -> str:
    return format_short(value, places)


def _side(programme: Programme | None, catalogue: PumpCatalogue) -> dict[str, tuple[str, str]]:
    """field -> (label, shown value) for one programme."""
    if programme is None:
        return {}
    p = programme
    pump = catalogue.pump(p.pump.model)
    conc = exact(p.drug.concentration_mcg_per_ml)
    doses = daily_doses(p, pump)
    rows: dict[str, tuple[str, str]] = {
        "pump.model": ("Pump", pump.display_name),
        "pump.serial": ("Pump serial", p.pump.serial),
        "pump.replace_by": ("Replace by", p.pump.replace_by.isoformat()),
        "pump.low_reservoir_alarm_ml": (
            "Low-reservoir alarm",
            f"{format_decimal(p.pump.low_reservoir_alarm_ml)} mL",
        ),
        "drug.name": ("Drug", p.drug.name),
        "drug.concentration_mcg_per_ml": (
            "Concentration",
            f"{format_decimal(p.drug.concentration_mcg_per_ml)} mcg/mL",
        ),
        "reservoir.volume_ml": ("Reservoir volume", f"{format_decimal(p.reservoir.volume_ml)} mL"),
        "reservoir.filled_at": ("Filled at", moment(p.reservoir.filled_at)),
        "mode": ("Mode", MODE_NAMES[p.mode]),
        "daily": ("Daily dose", mcg_day(doses.mean) + (" (mean)" if doses.varies else "")),
        "flow": ("Flow", ml_day(doses.mean / conc)),
    }
    if p.mode is Mode.SIMPLE_CONTINUOUS and p.daily_dose_mcg is not None:
        rows["daily_dose_mcg"] = (
            "Simple continuous dose",
            f"{format_decimal(p.daily_dose_mcg)} mcg/day",
        )
    if p.week is not None:
        for name in p.week.day_names():
            steps = p.week.days[name]
            label = DAY_NAMES[name]
            rows[f"week.{name}"] = (f"{label}: 24-h total", mcg_day(day_total_mcg(steps)))
            for i, s in enumerate(steps):
                rows[f"week.{name}[{i}]"] = (
                    f"{label}: step {i + 1}",
                    f"from {hhmm(s.start_min)}, {format_decimal(s.rate_mcg_per_h)} mcg/h",
                )
    for i, b in enumerate(p.boluses):
        rows[f"boluses[{i}]"] = (
            f"Bolus {i + 1}",
            f"{mcg(b.dose_mcg)} over {b.duration_min} min from {moment(b.start)}",
        )
    pb = p.patient_bolus
    rows["patient_bolus"] = (
        "Patient bolus",
        "none"
        if pb is None
        else (
            f"{mcg(pb.dose_mcg)} over {pb.duration_min} min, lockout {pb.lockout_min} min, "
            f"at most {pb.max_per_day}/day (up to {mcg_day(patient_bolus_max_mcg_per_day(p))})"
        ),
    )
    return rows


def compare(
    before: Programme | None, after: Programme, catalogue: PumpCatalogue | None = None
) -> list[Row]:
    """Every value of either programme, in a stable order, with both sides as shown. A value one
    side lacks shows as an em dash."""
    catalogue = catalogue or default_pump_catalogue()
    left, right = _side(before, catalogue), _side(after, catalogue)
    order = list(right) + [k for k in left if k not in right]
    order.sort(key=_order_key)
    return [
        Row(
            label=(right.get(k) or left[k])[0],
            field=k,
            before=left[k][1] if k in left else "—",
            after=right[k][1] if k in right else "—",
        )
        for k in order
    ]


_GROUPS = (
    "pump.",
    "drug.",
    "reservoir.",
    "mode",
    "daily",
    "flow",
    "daily_dose_mcg",
    "week.",
    "boluses",
    "patient_bolus",
)


def _order_key(field: str) -> tuple[int, int]:
    group = next((i for i, g in enumerate(_GROUPS) if field.startswith(g)), len(_GROUPS))
    day = next((i for i, d in enumerate((EVERY_DAY, *WEEKDAYS)) if f".{d}" in field), 0)
    index = int(field.split("[")[1].rstrip("]")) if "[" in field else -1
    return group, day * 1000 + index
