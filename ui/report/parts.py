"""The session report's parts: small frozen records of words and figures, each figure a string
with its unit (domain.md: "Every dose on screen, in a report or an export shows its unit"), and
the inputs of its two plots. :mod:`ui.report.content` fills them in; :mod:`ui.report.markup` and
:mod:`ui.report.pdf` lay them out. Pure: no Qt.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from programmer.compare import Row
from programmer.finding import Severity
from programmer.programme import Programme
from programmer.projection import Projection, RanBefore
from programmer.pump_catalogue import PumpModel

TRAINING_MARK = "TRAINING — NOT A CLINICAL RECORD"
REPORT_TITLE = "Programming session report"


@dataclass(frozen=True, slots=True)
class Item:
    """One labelled value, e.g. ``Item("Serial", "NGP-D00001")``."""

    label: str
    value: str


@dataclass(frozen=True, slots=True)
class StepLine:
    """One step of a day's schedule, each value with its unit."""

    start: str  # "07:00"
    end: str  # "08:00" ("24:00" for the end of the day)
    rate: str  # "60.00 mcg/h"
    dose: str  # "60.00 mcg" (apportioned: the shown doses add up to the shown total)


@dataclass(frozen=True, slots=True)
class DaySchedule:
    """The steps of one day (every day, or one weekday) with its 24-h totals."""

    title: str  # "Every day", "Monday"
    steps: tuple[StepLine, ...]
    total: str  # "290.00 mcg/day"
    flow: str  # "0.5800 mL/day"


@dataclass(frozen=True, slots=True)
class ScheduleTable:
    """A programme's schedule as the pump delivers it: one :class:`DaySchedule` per day."""

    heading: str  # "Version 5 (this version): Flexible"
    days: tuple[DaySchedule, ...]


@dataclass(frozen=True, slots=True)
class FindingLine:
    """A finding saved with the version and the reason typed for it (soft ones)."""

    code: str
    severity: Severity
    severity_words: str
    message: str
    field: str
    reason: str | None  # the acknowledgement typed at saving; None when none was needed

    @property
    def needs_reason(self) -> bool:
        return self.severity is Severity.SOFT


@dataclass(frozen=True, slots=True)
class RefillLine:
    """A refill recorded for the reported fill (domain.md, "Refill arithmetic")."""

    at: str
    by: str
    expected: str  # "15.30 mL"
    measured: str
    discrepancy: str  # "-0.40 mL (less left than expected)"
    significant: bool  # over the pump's 1 mL / 2 mL limit
    limit: str  # "2 mL"
    volume_added: str
    concentration: str  # "2000 mcg/mL baclofen"
    reason: str


@dataclass(frozen=True, slots=True)
class BolusLine:
    """A bolus planned in the programme, or one given and recorded."""

    when: str
    kind: str
    dose: str  # "50 mcg"
    duration: str  # "30 min"
    volume: str  # "0.050 mL" (at the concentration in the pump), or "" when unknown
    by: str
    reason: str


@dataclass(frozen=True, slots=True)
class PlotInputs:
    """What the Qt side needs to draw the report's two plots with the window's own widgets."""

    programme: Programme
    previous: Programme | None
    pump: PumpModel
    previous_pump: PumpModel | None  # the previous programme's pump model (it may differ)
    projection: Projection
    at: datetime  # the moment the projection was computed for (the version's save)
    version: int
    previous_version: int | None
    # What ran on the fill before this version (the check's ``earlier``) and before the
    # previous one (the check context's): the curves pass through the reservoir they left.
    earlier: tuple[RanBefore, ...] = ()
    previous_earlier: tuple[RanBefore, ...] = ()

    @property
    def same_fill(self) -> bool:
        """The previous programme ran on the same reservoir fill (a change between refills)."""
        return self.previous is not None and self.previous.reservoir == self.programme.reservoir


@dataclass(frozen=True, slots=True)
class SessionReport:
    """Everything the session report shows, as words and figures with units."""

    clinic: str
    training: bool
    printed_at: datetime
    printed_by: str
    patient_id: str
    patient_name: str
    version: int
    previous_version: int | None
    confirmed: bool
    saved_by: str
    saved_at: datetime
    reason: str
    summary_after: str
    summary_before: str | None
    patient: tuple[Item, ...]
    pump: tuple[Item, ...]
    drug: tuple[Item, ...]
    session: tuple[Item, ...]
    comparison: tuple[Row, ...]
    schedules: tuple[ScheduleTable, ...]
    projection: tuple[Item, ...]
    refills: tuple[RefillLine, ...]
    planned_boluses: tuple[BolusLine, ...]
    patient_bolus: str | None
    boluses_given: tuple[BolusLine, ...]
    boluses_given_not_shown: int
    findings: tuple[FindingLine, ...]
    plots: PlotInputs

    @property
    def title(self) -> str:
        return REPORT_TITLE

    @property
    def patient_line(self) -> str:
        """The patient as every page's header names them."""
        return f"{self.patient_name} ({self.patient_id})"

    @property
    def changed_rows(self) -> tuple[Row, ...]:
        return tuple(r for r in self.comparison if r.changed)
