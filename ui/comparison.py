"""A table of two programmes side by side with every changed value highlighted (review dialog,
history comparison)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from programmer.compare import Row
from ui.row_table import RowTableModel
from ui.theme import CHANGED_BACKGROUND, CHANGED_TEXT


class ComparisonModel(RowTableModel[Row]):
    """Rows of :class:`programmer.compare.Row`: label, before, after; changes highlighted."""

    def __init__(
        self,
        before_title: str = "Current",
        after_title: str = "Pending",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(("Value", before_title, after_title), parent)

    def set_rows(
        self, rows: Sequence[Row], before_title: str | None = None, after_title: str | None = None
    ) -> None:
        super().set_rows(rows)
        if before_title is not None and after_title is not None:
            self.set_columns(("Value", before_title, after_title))

    def changed_rows(self) -> list[Row]:
        return [r for r in self.rows() if r.changed]

    def cell(self, row: Row, column: int, role: int) -> Any:
        text = (row.label, row.before, row.after)[column]
        if role == Qt.ItemDataRole.DisplayRole:
            return text
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{text} (changed)" if row.changed else text
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{text}, changed" if row.changed else text
        if row.changed and role == Qt.ItemDataRole.BackgroundRole and column > 0:
            return CHANGED_BACKGROUND.colour()
        if row.changed and role == Qt.ItemDataRole.ForegroundRole and column > 0:
            return CHANGED_TEXT.colour()
        if row.changed and role == Qt.ItemDataRole.FontRole:
            font = QFont()
            font.setBold(True)
            return font
        return None


def comparison_view(model: ComparisonModel, name: str) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setAccessibleName(name)
    view.setTabKeyNavigation(False)  # Tab leaves the table; arrows move in it
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.verticalHeader().hide()
    view.setWordWrap(True)
    header = view.horizontalHeader()
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
    header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
    return view
