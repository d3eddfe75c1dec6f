"""The steps of one day of the pending programme as a table (style.md: "A QAbstractTableModel
adapts the pure schedule to the table").

Columns: Start, End, Rate (in the entry unit, named in the header and in every cell) and Step
dose (mcg). Start and Rate are edited by keyboard; what is typed is read by
:mod:`ui.widgets.entry` and applied through the document as one undoable edit, or refused with a
message (:attr:`ScheduleTableModel.entry_rejected`) and nothing changes. Cells a finding names
are coloured (hard red, soft amber) with the finding in their tooltip. Step doses and the total
are rounded for display together (:func:`programmer.units.apportion`), so the shown total is the
sum of the shown step doses (domain.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import IntEnum
from functools import partial
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from programmer import schedule_edit as se
from programmer.finding import Code, Finding, Severity
from programmer.findings import CheckResult
from programmer.programme import EVERY_DAY, WEEKDAYS, Mode, Programme, Step
from programmer.pump_catalogue import PumpModel
from programmer.schedule import step_doses, step_durations
from programmer.units import Apportioned, RateUnit, apportion, exact, rate_from_mcg_per_h
from programmer.words import by_severity, day_label, format_decimal
from ui.theme import marked_cell_data
from ui.widgets.entry import (
    DOSE_PLACES,
    EntryError,
    format_plain,
    format_rate,
    format_time,
    parse_decimal,
    parse_time,
    split_unit,
)

AnyIndex = QModelIndex | QPersistentModelIndex


class Column(IntEnum):
    START = 0
    END = 1
    RATE = 2
    DOSE = 3


# The cell a finding on a step's attribute marks.
_ATTRIBUTE_COLUMN = {"start": Column.START, "rate_mcg_per_h": Column.RATE}
# Findings about the change of the day's total against the saved programme.
_CHANGE_CODES = frozenset(
    {Code.CHANGE_ABOVE_TITRATION, Code.CHANGE_DECREASE_LARGE, Code.CHANGE_EXTREME}
)
# Findings about the day's total: over a limit, outside the usual range, or changed too much.
_TOTAL_CODES = _CHANGE_CODES | {Code.DOSE_ABOVE_HARD_LIMIT, Code.DOSE_OUTSIDE_USUAL_RANGE}


def cell_marks(
    findings: tuple[Finding, ...],
    day: str,
    steps: tuple[Step, ...],
    changed: frozenset[int],
) -> dict[tuple[int, Column], tuple[Finding, ...]]:
    """Which cells of ``day``'s table each finding marks.

    A finding on a step's start or rate marks that cell. A finding on the whole day marks every
    step dose (they make the total); one about the total (over a limit, or changed too much)
    also marks the rates that differ from the saved programme (``changed``): those are where a
    per-hour/per-day slip was typed. A change finding with no rate changed marks every rate.
    """
    marks: dict[tuple[int, Column], list[Finding]] = {}
    rows = range(len(steps))
    for finding in findings:
        if finding.severity is Severity.INFO:
            continue
        ref = se.parse_field(finding.field)
        if ref.section != "week" or ref.day != day:
            continue
        cells: list[tuple[int, Column]] = []
        if ref.index is not None and ref.index in rows:
            column = _ATTRIBUTE_COLUMN.get(ref.attribute or "", Column.START)
            cells.append((ref.index, column))
        elif ref.index is None:
            cells += [(row, Column.DOSE) for row in rows]
            if finding.code in _TOTAL_CODES:
                # A change finding with no rate changed (only starts moved) points at them all.
                culprits = sorted(changed) or (list(rows) if finding.code in _CHANGE_CODES else [])
                cells += [(row, Column.RATE) for row in culprits]
        for cell in cells:
            marks.setdefault(cell, []).append(finding)
    return {cell: tuple(by_severity(found)) for cell, found in marks.items()}


@dataclass(frozen=True, slots=True)
class _Row:
    start: str
    end: str
    rate: str
    rate_edit: str
    dose: str


@dataclass(frozen=True, slots=True)
class DayTotal:
    """The shown day total and step doses (apportioned: the parts add up to the total)."""

    day: str
    doses: Apportioned
    total_mcg: str  # e.g. "290.00 mcg/day"
    flow_ml: str  # e.g. "0.5800 mL/day"


@dataclass(frozen=True, slots=True)
class _Shown:
    """What the table shows of one day, built before it replaces the old (Qt's reset contract:
    views still read the old rows after ``beginResetModel``)."""

    day: str
    steps: tuple[Step, ...]
    rows: list[_Row]
    marks: dict[tuple[int, Column], tuple[Finding, ...]]
    total: DayTotal | None


class ScheduleTableModel(QAbstractTableModel):
    """The steps of the selected day of ``document``'s pending programme.

    Signals: ``entry_rejected(str)`` with the reason a typed value was refused (nothing
    changed); ``entry_inexact(object, int)`` with the :class:`~programmer.schedule_edit.RateEntry`
    and the row when a rate typed in mcg/day or mL/day has no exact mcg/h form (the editor then
    offers ``entry.nearest``); ``entry_accepted(str)`` with a read-back of what was set in every
    unit (the per-hour/per-day check for the eye).
    """

    entry_rejected = Signal(str)
    entry_inexact = Signal(object, int)
    entry_accepted = Signal(str)

    HEADERS = ("Start", "End", "Rate", "Step dose (mcg)")

    def __init__(self, document: Any, parent: Any = None) -> None:
        super().__init__(parent)
        self._document = document
        self._day = EVERY_DAY
        self._unit = RateUnit.MCG_PER_H
        self._steps: tuple[Step, ...] = ()
        self._rows: list[_Row] = []
        self._marks: dict[tuple[int, Column], tuple[Finding, ...]] = {}
        self._total: DayTotal | None = None
        self._shown_day = EVERY_DAY
        self._rebuild(document.result)
        document.changed.connect(self._on_changed)

    # ------------------------------------------------------------ selection of day and unit

    @property
    def day(self) -> str:
        """The day shown: ``every_day`` or ``mon`` ... ``sun`` as the week pattern holds it."""
        return self._effective_day()

    def set_day(self, day: str) -> None:
        if day == self._day:
            return
        self._day = day
        self._reset()

    @property
    def unit(self) -> RateUnit:
        return self._unit

    def set_unit(self, unit: RateUnit) -> None:
        """Show and read rates in ``unit`` (the entry-unit switch)."""
        if unit is self._unit:
            return
        self._unit = unit
        self._rebuild(self._document.result)
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, Column.RATE, Column.RATE)
        if self._rows:
            self.dataChanged.emit(
                self.index(0, Column.RATE), self.index(len(self._rows) - 1, Column.RATE)
            )

    @property
    def total(self) -> DayTotal | None:
        """The shown day's total (None outside the flexible mode)."""
        return self._total

    def steps(self) -> tuple[Step, ...]:
        return self._steps

    def index_for_field(self, field: str) -> QModelIndex:
        """The cell a finding's field names on the shown day (invalid if none)."""
        ref = se.parse_field(field)
        if ref.section != "week" or ref.day != self.day or not self._rows:
            return QModelIndex()
        if ref.index is None:
            marked = sorted(r for r, c in self._marks if c is Column.RATE)
            return self.index(marked[0] if marked else 0, Column.RATE)
        if ref.index >= len(self._rows):
            return QModelIndex()
        return self.index(ref.index, _ATTRIBUTE_COLUMN.get(ref.attribute or "", Column.START))

    # ------------------------------------------------------------ Qt model interface

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(Column)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            if not 0 <= section < len(Column):
                return None
            if section == Column.RATE:
                return f"Rate ({self._unit.value})"
            return self.HEADERS[section]
        return f"Step {section + 1}" if 0 <= section < len(self._rows) else None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() in (Column.START, Column.RATE):
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row, column = index.row(), Column(index.column())
        view = self._rows[row]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return (view.start, view.end, view.rate, view.dose)[column]
        if role == Qt.ItemDataRole.EditRole:
            return (view.start, view.end, view.rate_edit, view.dose)[column]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if column in (Column.RATE, Column.DOSE):
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return int(Qt.AlignmentFlag.AlignCenter)
        return marked_cell_data(self._marks.get((row, column), ()), role)

    def setData(self, index: AnyIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        row, column = index.row(), index.column()
        if not 0 <= row < len(self._rows) or column not in (Column.START, Column.RATE):
            return False
        text = str(value).strip()
        if text == self.data(index, Qt.ItemDataRole.EditRole):
            return True  # committed unchanged: nothing to do
        try:
            if column == Column.START:
                minutes = parse_time(text, what=f"Step {row + 1} start")
                self.set_start(row, minutes)
                return True
            number, typed_unit = split_unit(text, [u.value for u in RateUnit])
            unit = RateUnit(typed_unit) if typed_unit else self._unit
            typed = parse_decimal(number, what=f"Step {row + 1} rate")
            entry = se.convert_rate(
                typed, unit, self._document.pending.drug.concentration_mcg_per_ml
            )
            if not entry.exact:
                self.entry_inexact.emit(entry, row)
                return False
            self.set_rate(row, entry.nearest)
            return True
        except (EntryError, se.EditError) as error:
            self.entry_rejected.emit(str(error))
            return False

    # ------------------------------------------------------------ edits

    def set_start(self, row: int, minutes: int) -> None:
        """Move step ``row``'s start (one undo step). Raises EditError."""
        day = self.day
        self._document.edit(
            f"{_step_words(day, row)} start",
            partial(se.set_step_start, day=day, index=row, start_min=minutes),
            merge_key=("start", day, row),
            value=partial(_start_words, day=day, row=row),
        )
        self.entry_accepted.emit(f"{_step_words(day, row)}: starts at {format_time(minutes)}.")

    def set_rate(self, row: int, rate_mcg_per_h: Decimal) -> None:
        """Set step ``row``'s rate in mcg/h (one undo step). Raises EditError.

        The read-back names the step's rate in mcg/h and its step dose, and the day's 24-h
        total: never a step rate read per day ("100 mcg/h = 2400 mcg/day" invites the 24x
        confusion it is meant to catch, domain.md; issue 9)."""
        day = self.day
        self._document.edit(
            f"{_step_words(day, row)} rate",
            partial(se.set_step_rate, day=day, index=row, rate_mcg_per_h=rate_mcg_per_h),
            merge_key=("rate", day, row),
            value=partial(_rate_words, day=day, row=row),
        )
        rate = format_rate(rate_mcg_per_h, RateUnit.MCG_PER_H)
        words = f"{_step_words(day, row)}: rate set to {rate}"
        if self._total is not None and row < len(self._rows):
            view = self._rows[row]
            words += (
                f", step dose {view.dose} ({view.start} to {view.end}); "
                f"24-h total {self._total.total_mcg}"
            )
        self.entry_accepted.emit(words + ".")

    # ------------------------------------------------------------ refresh

    def _effective_day(self) -> str:
        week = self._document.pending.week
        if week is None:
            return self._day
        if week.same_every_day:
            return EVERY_DAY
        return self._day if self._day in WEEKDAYS else WEEKDAYS[0]

    def _on_changed(self, result: CheckResult) -> None:
        shown = self._built(result)
        if len(shown.rows) != len(self._rows) or shown.day != self._shown_day:
            self.beginResetModel()
            self._show(shown)
            self.endResetModel()
            return
        self._show(shown)
        if self._rows:
            self.dataChanged.emit(
                self.index(0, 0), self.index(len(self._rows) - 1, len(Column) - 1)
            )

    def _reset(self) -> None:
        self.beginResetModel()
        self._rebuild(self._document.result)
        self.endResetModel()

    def _rebuild(self, result: CheckResult) -> None:
        self._show(self._built(result))

    def _show(self, shown: _Shown) -> None:
        self._shown_day, self._steps, self._rows = shown.day, shown.steps, shown.rows
        self._marks, self._total = shown.marks, shown.total

    def _built(self, result: CheckResult) -> _Shown:
        programme: Programme = self._document.pending
        day = self._effective_day()
        if programme.mode is not Mode.FLEXIBLE or programme.week is None:
            return _Shown(day, (), [], {}, None)
        steps = programme.week.days.get(day, ())
        conc = programme.drug.concentration_mcg_per_ml
        durations = step_durations(steps)
        doses = apportion(step_doses(steps), DOSE_PLACES) if steps else apportion([], DOSE_PLACES)
        rows = []
        for step, minutes, dose in zip(steps, durations, doses.parts, strict=True):
            rate = rate_from_mcg_per_h(step.rate_mcg_per_h, self._unit, conc)
            rows.append(
                _Row(
                    start=format_time(step.start_min),
                    end=format_time(step.start_min + minutes),
                    rate=format_rate(rate, self._unit),
                    rate_edit=format_plain(rate),
                    dose=f"{format_decimal(dose)} mcg",
                )
            )
        current = self._document.current
        changed = (
            se.changed_steps(programme, current, self._pump(), day)
            if current is not None and steps
            else frozenset()
        )
        total = DayTotal(
            day=day,
            doses=doses,
            total_mcg=f"{format_decimal(doses.total)} mcg/day",
            flow_ml=_flow_text(programme, steps),
        )
        return _Shown(day, steps, rows, cell_marks(result.findings, day, steps, changed), total)

    def _pump(self) -> PumpModel:
        pump: PumpModel = self._document.pump
        return pump


def _step_words(day: str, row: int) -> str:
    """``"Every day, step 2"``, ``"Monday, step 2"``."""
    return f"{day_label(day).capitalize()}, step {row + 1}"


def _step(programme: Programme, day: str, row: int) -> Step | None:
    steps = programme.week.days.get(day, ()) if programme.week is not None else ()
    return steps[row] if 0 <= row < len(steps) else None


def _rate_words(programme: Programme, *, day: str, row: int) -> str:
    """The step's rate in ``programme``, in mcg/h as the pump holds it."""
    step = _step(programme, day, row)
    return "—" if step is None else format_rate(step.rate_mcg_per_h, RateUnit.MCG_PER_H)


def _start_words(programme: Programme, *, day: str, row: int) -> str:
    step = _step(programme, day, row)
    return "—" if step is None else format_time(step.start_min)


def _flow_text(programme: Programme, steps: tuple[Step, ...]) -> str:
    """The day's flow in mL/day from the exact total (not from the rounded one)."""
    total = sum(step_doses(steps), start=exact(0))
    flow = total / exact(programme.drug.concentration_mcg_per_ml)
    return format_rate(flow, RateUnit.ML_PER_DAY)
