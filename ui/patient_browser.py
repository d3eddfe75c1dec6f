"""Patient browser: search as you type by name or id, recent patients, new patient
(product.md, "Screens")."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from db.database import Database, DatabaseError, PatientSummary
from programmer.words import format_quantity
from ui.row_table import RowTableModel

# Narrow enough to leave a small screen's width to the editor; wide enough for the columns.
MIN_WIDTH = 260
WIDTH = 360  # the first width where the window has room


class PatientListModel(RowTableModel[PatientSummary]):
    """One line per patient; replaced whole on each search."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(("Name", "ID", "Daily dose"), parent)

    def summary(self, row: int) -> PatientSummary:
        return self.row_at(row)

    def cell(self, s: PatientSummary, column: int, role: int) -> Any:
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            if column == 0:
                return s.name
            if column == 1:
                return s.id
            return (
                "no programme"
                if s.daily_dose_mcg is None
                else format_quantity(Fraction(s.daily_dose_mcg), "mcg/day", 0)
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
        # The patient open in the window: highlighted in the list when nothing is typed, so the
        # row that stands out is never another patient's (set by the window).
        self.open_patient_id: str | None = None
        self.search = QLineEdit(placeholderText="Search name or ID…")
        self.search.setAccessibleName("Search patients by name or ID")
        self.search.setClearButtonEnabled(True)
        for button in self.search.findChildren(QToolButton):  # Qt's clear button: named
            button.setAccessibleName("Clear the search")
        self.caption = QLabel("Recent patients")
        self.caption.setObjectName("browserCaption")
        self.caption.setWordWrap(True)
        self.model = PatientListModel(self)
        self.table = QTableView()
        self.table.setAccessibleName("Patients")
        self.table.setTabKeyNavigation(False)  # Tab leaves the list; arrows move in it
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
        self.setMinimumWidth(MIN_WIDTH)
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
                if rows and len(self._db.first_patients(limit=len(rows) + 1)) > len(rows):
                    # Only the recent ones are listed: say how the others are found.
                    self.caption.setText(
                        "Recent patients. Type a name or ID above to find the others."
                    )
                if not rows:
                    rows = self._db.first_patients(limit=200)
                    self.caption.setText("Patients (by name)" if rows else "No patients yet")
        except DatabaseError as exc:
            rows = []
            self.caption.setText(f"Search failed: {exc}")
        self.model.set_rows(rows)
        if rows:
            # Typed words: the first match, which Enter opens. Nothing typed: the open patient.
            ids = [row.id for row in rows]
            open_id = self.open_patient_id
            self.table.selectRow(ids.index(open_id) if not text and open_id in ids else 0)

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
