"""Patient browser: search as you type by name or id, recent patients, new patient
(product.md, "Screens")."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from db.database import Database, DatabaseError, PatientSummary

_Index = QModelIndex | QPersistentModelIndex


class PatientListModel(QAbstractTableModel):
    """Rows of :class:`PatientSummary`; replaced whole on each search."""

    COLUMNS = ("Name", "ID", "Daily dose")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[PatientSummary] = []

    def set_rows(self, rows: list[PatientSummary]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def summary(self, row: int) -> PatientSummary:
        return self._rows[row]

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.COLUMNS[section] if 0 <= section < len(self.COLUMNS) else None
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        s = self._rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            column = index.column()
            if column == 0:
                return s.name
            if column == 1:
                return s.id
            if column == 2:
                return (
                    "no programme"
                    if s.daily_dose_mcg is None
                    else (f"{float(s.daily_dose_mcg):.0f} mcg/day")
                )
        if role == Qt.ItemDataRole.ToolTipRole:
            return (
                f"{s.name} ({s.id}), born {s.birth_date.isoformat()}, "
                f"{s.spasticity_origin} origin, pump {s.pump_model or 'none'}"
            )
        return None


class PatientBrowser(QWidget):
    """Search box over the patient list; shows recent patients when the box is empty."""

    patient_chosen = Signal(str)
    new_patient_requested = Signal()

    def __init__(self, database: Database, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._db = database
        self.search = QLineEdit(placeholderText="Search name or ID…")
        self.search.setAccessibleName("Search patients by name or ID")
        self.search.setClearButtonEnabled(True)
        self.caption = QLabel("Recent patients")
        self.caption.setObjectName("browserCaption")
        self.model = PatientListModel(self)
        self.table = QTableView()
        self.table.setAccessibleName("Patients")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2):
            self.table.horizontalHeader().setSectionResizeMode(
                column, QHeaderView.ResizeMode.ResizeToContents
            )
        self.table.setAlternatingRowColors(True)
        self.new_button = QPushButton("&New patient…")
        self.new_button.setAccessibleName("New patient")
        self.setMinimumWidth(340)
        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addWidget(self.caption)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.new_button)
        self.setTabOrder(self.search, self.table)
        self.setTabOrder(self.table, self.new_button)
        self.search.textChanged.connect(self.refresh)
        self.search.returnPressed.connect(self._open_first)
        self.table.activated.connect(self._open_index)
        self.new_button.clicked.connect(self.new_patient_requested)
        self.refresh()

    def refresh(self) -> None:
        text = self.search.text().strip()
        try:
            if text:
                rows = self._db.search_patients(text, limit=200)
                self.caption.setText(
                    f"{len(rows)} patient(s) matching “{text}”"
                    if rows
                    else f"No patient matches “{text}”"
                )
            else:
                rows = self._db.recent_patients(limit=30)
                self.caption.setText("Recent patients")
                if not rows:
                    rows = self._db.first_patients(limit=200)
                    self.caption.setText("Patients (by name)" if rows else "No patients yet")
        except DatabaseError as exc:
            rows = []
            self.caption.setText(f"Search failed: {exc}")
        self.model.set_rows(rows)
        if rows:
            self.table.selectRow(0)

    def _open_first(self) -> None:
        if self.model.rowCount():
            row = max(self.table.currentIndex().row(), 0)
            self.patient_chosen.emit(self.model.summary(row).id)

    def _open_index(self, index: QModelIndex) -> None:
        if index.isValid():
            self.patient_chosen.emit(self.model.summary(index.row()).id)

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()
