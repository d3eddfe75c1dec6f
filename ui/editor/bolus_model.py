"""Planned single boluses of the pending programme as a table: start, dose (mcg), duration (min)
and the volume it takes from the reservoir (mL). Start, dose and duration are edited by keyboard,
read by :mod:`ui.widgets.entry` and applied as one undoable edit each, or refused with a message
(:attr:`BolusTableModel.entry_rejected`); cells a finding names are coloured like the steps'."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from enum import IntEnum
from functools import partial
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal

from programmer import schedule_edit as se
from programmer.finding import Finding, Severity
from programmer.findings import CheckResult
from programmer.programme import Bolus, Programme
from programmer.units import exact
from programmer.words import by_severity
from ui.theme import marked_cell_data
from ui.widgets.entry import (
    EntryError,
    format_fixed,
    format_plain,
    parse_decimal,
    parse_whole,
    shown_typed,
)

AnyIndex = QModelIndex | QPersistentModelIndex

_MOMENT = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})[ T]([0-9]{1,2}):([0-9]{2})")


class BolusColumn(IntEnum):
    START = 0
    DOSE = 1
    DURATION = 2
    VOLUME = 3


_ATTRIBUTE_COLUMN = {
    "start": BolusColumn.START,
    "dose_mcg": BolusColumn.DOSE,
    "duration_min": BolusColumn.DURATION,
}


def parse_moment(text: str, *, what: str = "The start") -> datetime:
    """A local date and time typed ``YYYY-MM-DD HH:MM``."""
    raw = text.strip()
    match = _MOMENT.fullmatch(raw)
    if not match:
        raise EntryError(
            f"{what}: type a date and time as YYYY-MM-DD HH:MM (typed '{shown_typed(raw)}')."
        )
    try:
        year, month, day, hour, minute = (int(g) for g in match.groups())
        return datetime(year, month, day, hour, minute)
    except ValueError:
        raise EntryError(f"{what}: '{raw}' is not a real date and time.") from None


def format_moment(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")


class BolusTableModel(QAbstractTableModel):
    """The pending programme's planned boluses. ``entry_rejected(str)``: a typed value was
    refused and nothing changed."""

    entry_rejected = Signal(str)

    HEADERS = ("Start", "Dose (mcg)", "Duration (min)", "Volume (mL)")

    def __init__(self, document: Any, parent: Any = None) -> None:
        super().__init__(parent)
        self._document = document
        self._boluses: tuple[Bolus, ...] = ()
        self._marks: dict[tuple[int, int], tuple[Finding, ...]] = {}
        self._concentration = document.pending.drug.concentration_mcg_per_ml
        self._rebuild(document.result)
        document.changed.connect(self._on_changed)

    def boluses(self) -> tuple[Bolus, ...]:
        return self._boluses

    def index_for_field(self, field: str) -> QModelIndex:
        ref = se.parse_field(field)
        if ref.section != "boluses" or ref.index is None or ref.index >= len(self._boluses):
            return QModelIndex()
        column = _ATTRIBUTE_COLUMN.get(ref.attribute or "", BolusColumn.DOSE)
        return self.index(ref.index, column)

    # ------------------------------------------------------------ Qt model interface

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._boluses)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(BolusColumn)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self.HEADERS[section] if 0 <= section < len(BolusColumn) else None
        return f"Bolus {section + 1}" if 0 <= section < len(self._boluses) else None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() != BolusColumn.VOLUME:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._boluses):
            return None
        bolus = self._boluses[index.row()]
        column = BolusColumn(index.column())
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            conc = self._document.pending.drug.concentration_mcg_per_ml
            return {
                BolusColumn.START: format_moment(bolus.start),
                BolusColumn.DOSE: f"{format_fixed(bolus.dose_mcg, 2)} mcg",
                BolusColumn.DURATION: f"{bolus.duration_min} min",
                BolusColumn.VOLUME: f"{format_fixed(exact(bolus.dose_mcg) / exact(conc), 4)} mL",
            }[column]
        if role == Qt.ItemDataRole.EditRole:
            return {
                BolusColumn.START: format_moment(bolus.start),
                BolusColumn.DOSE: format_plain(bolus.dose_mcg),
                BolusColumn.DURATION: str(bolus.duration_min),
                BolusColumn.VOLUME: None,
            }[column]
        return marked_cell_data(self._marks.get((index.row(), column), ()), role)

    def setData(self, index: AnyIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        row, column = index.row(), index.column()
        if not 0 <= row < len(self._boluses) or column == BolusColumn.VOLUME:
            return False
        text = str(value).strip()
        if text == self.data(index, Qt.ItemDataRole.EditRole):
            return True
        bolus = self._boluses[row]
        what = f"Bolus {row + 1}"
        try:
            if column == BolusColumn.START:
                new = replace(bolus, start=parse_moment(text, what=f"{what} start"))
            elif column == BolusColumn.DOSE:
                number = text.removesuffix("mcg").strip()
                new = replace(bolus, dose_mcg=parse_decimal(number, what=f"{what} dose"))
            else:
                number = text.removesuffix("min").strip()
                minutes = parse_whole(
                    number, what=f"{what} duration", low=1, high=1440, unit="minutes"
                )
                new = replace(bolus, duration_min=minutes)
            self._document.edit(
                f"{what} {self.HEADERS[column].split(' (')[0].lower()}",
                partial(se.set_bolus, index=row, bolus=new),
                value=partial(_bolus_value, row=row, column=BolusColumn(column)),
            )
            return True
        except (EntryError, se.EditError) as error:
            self.entry_rejected.emit(str(error))
            return False

    # ------------------------------------------------------------ refresh

    def _on_changed(self, result: CheckResult) -> None:
        shown = self._built(result)
        if shown == (self._boluses, self._marks, self._concentration):
            return  # most edits are to the steps: nothing here to repaint
        if len(shown[0]) != len(self._boluses):
            # Qt's reset contract: views still read the old rows after beginResetModel.
            self.beginResetModel()
            self._boluses, self._marks, self._concentration = shown
            self.endResetModel()
            return
        self._boluses, self._marks, self._concentration = shown
        if self._boluses:
            self.dataChanged.emit(
                self.index(0, 0), self.index(len(self._boluses) - 1, len(BolusColumn) - 1)
            )

    def _rebuild(self, result: CheckResult) -> None:
        self._boluses, self._marks, self._concentration = self._built(result)

    def _built(
        self, result: CheckResult
    ) -> tuple[tuple[Bolus, ...], dict[tuple[int, int], tuple[Finding, ...]], Decimal]:
        """The boluses, their marked cells and the concentration, to replace the shown ones."""
        marks: dict[tuple[int, int], list[Finding]] = {}
        for finding in result.findings:
            if finding.severity is Severity.INFO:
                continue
            ref = se.parse_field(finding.field)
            if ref.section == "boluses" and ref.index is not None:
                column = _ATTRIBUTE_COLUMN.get(ref.attribute or "", BolusColumn.DOSE)
                marks.setdefault((ref.index, column), []).append(finding)
        sorted_marks = {cell: tuple(by_severity(found)) for cell, found in marks.items()}
        pending = self._document.pending
        return pending.boluses, sorted_marks, pending.drug.concentration_mcg_per_ml


def _bolus_value(programme: Programme, *, row: int, column: BolusColumn) -> str:
    """Bolus ``row``'s start, dose or duration in ``programme``, with its unit (the undo and
    redo menu entries name it)."""
    if not 0 <= row < len(programme.boluses):
        return "—"
    bolus = programme.boluses[row]
    if column is BolusColumn.START:
        return format_moment(bolus.start)
    if column is BolusColumn.DOSE:
        return f"{format_fixed(bolus.dose_mcg, 2)} mcg"
    return f"{bolus.duration_min} min"
