"""The programme a clinician sets on a pump (product.md, "The programme"): small frozen
dataclasses, built and checked at the file boundary (:mod:`programmer.programme_file`)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
EVERY_DAY = "every_day"


class Mode(StrEnum):
    """Infusion modes (domain.md, "Infusion modes")."""

    STOPPED = "stopped"
    MINIMUM_RATE = "minimum-rate"
    SIMPLE_CONTINUOUS = "simple-continuous"
    FLEXIBLE = "flexible"


class SpasticityOrigin(StrEnum):
    SPINAL = "spinal"
    CEREBRAL = "cerebral"


@dataclass(frozen=True, slots=True)
class Patient:
    id: str
    name: str
    birth_date: date
    spasticity_origin: SpasticityOrigin

    def age_on(self, day: date) -> int:
        """Whole years of age on ``day``."""
        years = day.year - self.birth_date.year
        if (day.month, day.day) < (self.birth_date.month, self.birth_date.day):
            years -= 1
        return years


@dataclass(frozen=True, slots=True)
class Pump:
    model: str
    serial: str
    implanted_on: date
    replace_by: date
    low_reservoir_alarm_ml: Decimal


@dataclass(frozen=True, slots=True)
class DrugFill:
    name: str
    concentration_mcg_per_ml: Decimal


@dataclass(frozen=True, slots=True)
class Reservoir:
    volume_ml: Decimal
    filled_at: datetime


@dataclass(frozen=True, slots=True)
class Step:
    """One step of a flexible day: from ``start`` (minutes after 00:00) until the next step."""

    start_min: int
    rate_mcg_per_h: Decimal


@dataclass(frozen=True, slots=True)
class WeekSchedule:
    """A flexible schedule: one day for every day, or each weekday its own (``days`` keyed
    ``mon`` ... ``sun``)."""

    days: dict[str, tuple[Step, ...]]

    @classmethod
    def every_day(cls, steps: tuple[Step, ...]) -> WeekSchedule:
        return cls({EVERY_DAY: tuple(steps)})

    @classmethod
    def by_weekday(cls, days: dict[str, tuple[Step, ...]]) -> WeekSchedule:
        if set(days) != set(WEEKDAYS):
            raise ValueError("a weekday pattern needs all seven days")
        return cls({d: tuple(days[d]) for d in WEEKDAYS})

    @property
    def same_every_day(self) -> bool:
        return EVERY_DAY in self.days

    def day_names(self) -> tuple[str, ...]:
        """The day entries as written: ``("every_day",)`` or the seven weekdays."""
        return (EVERY_DAY,) if self.same_every_day else WEEKDAYS

    def steps_for_weekday(self, weekday: int) -> tuple[Step, ...]:
        """The steps delivered on ``weekday`` (0 = Monday)."""
        return self.days[EVERY_DAY] if self.same_every_day else self.days[WEEKDAYS[weekday]]

    def day_name_for_weekday(self, weekday: int) -> str:
        return EVERY_DAY if self.same_every_day else WEEKDAYS[weekday]

    def __hash__(self) -> int:
        return hash(tuple(sorted(self.days.items())))


@dataclass(frozen=True, slots=True)
class Bolus:
    """A single planned bolus: ``dose_mcg`` over ``duration_min`` from ``start``."""

    start: datetime
    dose_mcg: Decimal
    duration_min: int


@dataclass(frozen=True, slots=True)
class PatientBolus:
    """Patient-activated bolus settings (PTM / myPTM)."""

    dose_mcg: Decimal
    duration_min: int
    lockout_min: int
    max_per_day: int


@dataclass(frozen=True, slots=True)
class Programme:
    patient: Patient
    pump: Pump
    drug: DrugFill
    reservoir: Reservoir
    mode: Mode
    daily_dose_mcg: Decimal | None = None
    week: WeekSchedule | None = None
    boluses: tuple[Bolus, ...] = field(default=())
    patient_bolus: PatientBolus | None = None

    def with_changes(self, **changes: object) -> Programme:
        """A copy with some fields replaced (the model is immutable)."""
        return replace(self, **changes)  # type: ignore[arg-type]
