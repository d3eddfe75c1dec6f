"""Small builders of programmes for the engine's tests: a valid default, changed by keyword.

Every figure is a Decimal from a string, as a clinician would type it; every test passes ``now``
explicitly (NOW below unless it says otherwise), never the clock.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from programmer.programme import (
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

NOW = datetime(2026, 11, 22, 10, 0)  # a Sunday
FILL = datetime(2026, 11, 22, 9, 30)
ADULT_BIRTH = date(1971, 3, 9)


def D(text: str | int) -> Decimal:
    return Decimal(str(text))


def hhmm_to_min(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def steps(*pairs: tuple[str, str | int]) -> tuple[Step, ...]:
    """``steps(("00:00", "10"), ("07:00", "60"))``: start HH:MM and rate in mcg/h."""
    return tuple(Step(hhmm_to_min(start), D(rate)) for start, rate in pairs)


def every_day(*pairs: tuple[str, str | int]) -> WeekSchedule:
    return WeekSchedule.every_day(steps(*pairs))


def programme(
    *,
    mode: Mode | str = Mode.SIMPLE_CONTINUOUS,
    daily_dose: str | int | None = "400",
    week: WeekSchedule | None = None,
    model: str = "synchromed-ii-20",
    concentration: str | int = "500",
    volume: str | int = "20",
    filled_at: datetime = FILL,
    alarm: str | int = "2",
    implanted_on: date = date(2024, 5, 2),
    replace_by: date = date(2031, 5, 2),
    boluses: Iterable[Bolus] = (),
    patient_bolus: PatientBolus | None = None,
    origin: str = "spinal",
    birth_date: date = ADULT_BIRTH,
    drug: str = "baclofen",
) -> Programme:
    """A programme that passes every check (simple continuous 400 mcg/day at 500 mcg/mL on a
    SynchroMed II 20 mL) unless a keyword changes it. ``week`` implies the flexible mode."""
    mode = Mode(mode)
    if week is not None:
        mode = Mode.FLEXIBLE
    return Programme(
        patient=Patient("MRN-0001", "Test Patient", birth_date, SpasticityOrigin(origin)),
        pump=Pump(model, "NGP000001", implanted_on, replace_by, D(alarm)),
        drug=DrugFill(drug, D(concentration)),
        reservoir=Reservoir(D(volume), filled_at),
        mode=mode,
        daily_dose_mcg=D(daily_dose)
        if mode is Mode.SIMPLE_CONTINUOUS and daily_dose is not None
        else None,
        week=week if mode is Mode.FLEXIBLE else None,
        boluses=tuple(boluses),
        patient_bolus=patient_bolus,
    )


def bolus(start: datetime, dose: str | int, minutes: int = 30) -> Bolus:
    return Bolus(start, D(dose), minutes)


def patient_bolus(
    dose: str | int = "20", duration: int = 10, lockout: int = 120, max_per_day: int = 4
) -> PatientBolus:
    return PatientBolus(D(dose), duration, lockout, max_per_day)


def resolve_field(document: dict[str, Any], field: str) -> Any:
    """The value at a finding's ``field`` path (``week.mon[2].rate_mcg_per_h``) in a programme
    file's JSON; raises KeyError/IndexError/TypeError when the path is not in the file."""
    value: Any = document
    for part in field.split("."):
        name, _, rest = part.partition("[")
        if not isinstance(value, dict) or name not in value:
            raise KeyError(f"{field}: no '{name}'")
        value = value[name]
        while rest:
            index, _, rest = rest.partition("]")
            value = value[int(index)]
            rest = rest.removeprefix("[")
    return value
