"""A table of two programmes side by side with every changed value highlighted (review dialog,
history comparison)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from programmer.compare import Row
from ui.theme import CHANGED_BACKGROUND

_Index = QModelIndex | QPersistentModelIndex


class ComparisonModel(QAbstractTableModel):
    """Rows of :class:`programmer.compare.Row`: label, before, after."""

    def __init__(
        self,
        before_title: str = "Current",
        after_title: str = "Pending",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._rows: list[Row] = []
        self._titles = ("Value", before_title, after_title)

    def set_rows(
        self, rows: list[Row], before_title: str | None = None, after_title: str | None = None
    ) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        if before_title is not None and after_title is not None:
            self._titles = ("Value", before_title, after_title)
        self.endResetModel()
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, 2)

    def changed_rows(self) -> list[Row]:
        return [r for r in self._rows if r.changed]

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else 3

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._titles[section] if 0 <= section < 3 else None
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            text = (row.label, row.before, row.after)[index.column()]
            if role == Qt.ItemDataRole.ToolTipRole and row.changed:
                return f"{text} (changed)"
            return text
        if role == Qt.ItemDataRole.AccessibleTextRole:
            text = (row.label, row.before, row.after)[index.column()]
            return f"{text}, changed" if row.changed else text
        if row.changed and role == Qt.ItemDataRole.BackgroundRole and index.column() > 0:
            return CHANGED_BACKGROUND
        if row.changed and role == Qt.ItemDataRole.FontRole:
            font = QFont()
            font.setBold(True)
            return font
        return None


def comparison_view(model: ComparisonModel, name: str) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setAccessibleName(name)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.verticalHeader().hide()
    view.setWordWrap(True)
    header = view.horizontalHeader()
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
    header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
    return view
