"""The Worklist window (product.md, "Clinic worklist"): every patient due within N days, overdue,
stopped or with a version not yet transmitted, sorted by next refill, from the figures stored
with each record (db/worklist.py); opening a row opens the patient; printable, and saved as CSV
or iCalendar the same as ``itb-console worklist`` writes them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from html import escape
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QModelIndex, Qt, Signal
from PySide6.QtGui import QAction, QBrush, QKeySequence, QTextDocument
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from db.database import Database, DatabaseError
from programmer.finding import Severity
from programmer.worklist import DEFAULT_DAYS, MAX_DAYS, Status, WorklistItem
from programmer.worklist_files import worklist_csv, worklist_ics
from ui.prompts import WindowPrompter
from ui.row_table import RowTableModel
from ui.theme import SEVERITY_BACKGROUNDS, SEVERITY_COLOURS

COLUMNS = (
    "Status",
    "Patient",
    "Name",
    "Refill by",
    "Set by",
    "Low-reservoir alarm",
    "Empty",
    "Replace by",
    "Why",
)
# Colour is never the only signal: the status column says it in words.
_STATUS_SEVERITY = {Status.OVERDUE: Severity.HARD, Status.DUE: Severity.SOFT, Status.OK: None}
_STATUS_WORDS = {Status.OVERDUE: "OVERDUE", Status.DUE: "due", Status.OK: "to plan"}

AskPrinter = Callable[[QPrinter, QWidget | None], bool]


def _day(value: object) -> str:
    return "—" if value is None else f"{value:%Y-%m-%d}"


def cells(item: WorklistItem) -> tuple[str, ...]:
    """What a row shows, column by column (the screen and the printed page alike)."""
    f = item.figures
    return (
        _STATUS_WORDS[item.status],
        f.patient_id,
        f.name,
        _day(f.next_refill_at),
        "—" if f.refill_limited_by is None else f.refill_limited_by.value,
        _day(f.low_reservoir_alarm_at),
        _day(f.empty_at),
        _day(f.replace_by),
        "; ".join(r.words for r in item.reasons),
    )


class WorklistModel(RowTableModel[WorklistItem]):
    def __init__(self) -> None:
        super().__init__(COLUMNS)

    def cell(self, row: WorklistItem, column: int, role: int) -> Any:
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return cells(row)[column]
        severity = _STATUS_SEVERITY[row.status]
        if severity is None or column != 0:
            return None
        if role == Qt.ItemDataRole.BackgroundRole:
            return QBrush(SEVERITY_BACKGROUNDS[severity])
        if role == Qt.ItemDataRole.ForegroundRole:
            return QBrush(SEVERITY_COLOURS[severity])
        return None


def worklist_html(items: list[WorklistItem], days: int, generated_at: datetime) -> str:
    """The printed worklist: a title, when and for how many days, and the table."""
    head = "".join(f"<th align='left'>{escape(c)}</th>" for c in COLUMNS)
    rows = "".join(
        "<tr>" + "".join(f"<td>{escape(text)}</td>" for text in cells(item)) + "</tr>"
        for item in items
    )
    return (
        f"<h2>Clinic worklist</h2><p>Generated {generated_at:%Y-%m-%d %H:%M}; window {days} "
        f"days; {len(items)} patient(s), sorted by next refill.</p>"
        f"<table border='1' cellspacing='0' cellpadding='3' width='100%'><tr>{head}</tr>"
        f"{rows}</table>"
    )


def ask_with_print_dialog(printer: QPrinter, parent: QWidget | None) -> bool:
    dialog = QPrintDialog(printer, parent)
    dialog.setWindowTitle("Print the worklist")
    return dialog.exec() == QDialog.DialogCode.Accepted


class WorklistWindow(QWidget):
    """A window of its own beside the main window (the worklist is the clinic's, not one
    patient's). ``patient_chosen`` carries the id of the row opened (Enter or double-click)."""

    patient_chosen = Signal(str)

    def __init__(
        self,
        database: Database,
        *,
        clock: Callable[[], datetime],
        prompter: WindowPrompter,
        parent: QWidget | None = None,
        ask_printer: AskPrinter = ask_with_print_dialog,
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("worklistWindow")
        self.setWindowTitle("Clinic worklist")
        self.db = database
        self.clock = clock
        self.prompter = prompter
        self.ask_printer = ask_printer
        self.generated_at = clock()
        self.days = QSpinBox()
        self.days.setObjectName("worklistDays")
        self.days.setRange(0, MAX_DAYS)  # typed values outside are refused where typed
        self.days.setValue(DEFAULT_DAYS)
        self.days.setSuffix(" days")
        self.days.setAccessibleName("Window in days")
        days_label = QLabel("&Within:")
        days_label.setBuddy(self.days)
        self.days.valueChanged.connect(lambda _v: self.refresh())
        self.summary = QLabel()
        self.summary.setObjectName("worklistSummary")
        self.model = WorklistModel()
        self.table = QTableView()
        self.table.setObjectName("worklistTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.activated.connect(self._activated)
        self.table.doubleClicked.connect(self._activated)
        buttons = QHBoxLayout()
        self.open_button = self._button("&Open patient", self.open_selected, "worklistOpen")
        self.refresh_button = self._button("&Refresh", self.refresh, "worklistRefresh")
        self.print_button = self._button("&Print…", self.print_worklist, "worklistPrint")
        self.csv_button = self._button("Save &CSV…", self.save_csv, "worklistCsv")
        self.ics_button = self._button("Save &iCalendar…", self.save_ics, "worklistIcs")
        top = QHBoxLayout()
        top.addWidget(days_label)
        top.addWidget(self.days)
        top.addWidget(self.summary, 1)
        for button in (
            self.open_button,
            self.refresh_button,
            self.print_button,
            self.csv_button,
            self.ics_button,
        ):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        for shortcut, slot in (
            (QKeySequence.StandardKey.Refresh, self.refresh),
            (QKeySequence.StandardKey.Print, self.print_worklist),
            (QKeySequence.StandardKey.Close, self.close),
        ):
            action = QAction(self)
            action.setShortcut(QKeySequence(shortcut))
            action.triggered.connect(lambda _c=False, slot=slot: slot())
            self.addAction(action)
        self.resize(1100, 520)

    def changeEvent(self, event: QEvent) -> None:
        """Coming back to the worklist reads it again: what was done in the main window since
        (a refill, a transmission) shows at once. The selected patient stays selected."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.ActivationChange and self.isActiveWindow():
            self.refresh()

    def _button(self, text: str, slot: Callable[[], object], name: str) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.clicked.connect(lambda _c=False: slot())
        return button

    @property
    def items(self) -> list[WorklistItem]:
        return self.model.rows()

    def refresh(self) -> bool:
        """Read the worklist again at the clock's now."""
        self.generated_at = self.clock()
        days = self.days.value()
        try:
            items = self.db.worklist(now=self.generated_at, days=days)
        except DatabaseError as exc:
            self.prompter.warn("Worklist", str(exc))
            return False
        chosen = self._selected_id()
        self.model.set_rows(items)
        self.table.resizeRowsToContents()
        ids = [i.figures.patient_id for i in items]
        if chosen in ids:
            self.table.selectRow(ids.index(chosen))
        overdue = sum(i.status is Status.OVERDUE for i in items)
        self.summary.setText(
            f"{len(items)} patient(s) within {days} days ({overdue} overdue), by next refill; "
            f"as at {self.generated_at:%Y-%m-%d %H:%M}"
        )
        if items and not self.table.selectionModel().hasSelection():
            self.table.selectRow(0)
        for button in (self.open_button, self.print_button, self.csv_button, self.ics_button):
            button.setEnabled(bool(items))
        return True

    def _selected_id(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()).figures.patient_id if rows else None

    def _activated(self, index: QModelIndex) -> None:
        if index.isValid():
            self.patient_chosen.emit(self.model.row_at(index.row()).figures.patient_id)

    def open_selected(self) -> bool:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return False
        self._activated(rows[0])
        return True

    def document(self) -> QTextDocument:
        doc = QTextDocument()
        doc.setHtml(worklist_html(self.items, self.days.value(), self.generated_at))
        return doc

    def print_worklist(self) -> bool:
        printer = QPrinter(QPrinter.PrinterMode.ScreenResolution)
        printer.setDocName("Clinic worklist")
        if not self.ask_printer(printer, self):
            return False
        self.document().print_(printer)
        return True

    def _save(self, title: str, suggested: str, file_filter: str, data: bytes) -> bool:
        from programmer.files import FileProblem, write_bytes

        path = self.prompter.save_path(title, suggested, file_filter)
        if path is None:
            return False
        try:
            # The file dialog has asked about replacing an existing file already.
            write_bytes(Path(path), data, force=True, protected=[self.db.path])
        except FileProblem as exc:
            self.prompter.warn("Worklist not written", str(exc))
            return False
        return True

    def save_csv(self) -> bool:
        return self._save(
            "Save the worklist as CSV", "worklist.csv", "CSV (*.csv)", worklist_csv(self.items)
        )

    def save_ics(self) -> bool:
        return self._save(
            "Save the refill dates as iCalendar",
            "worklist.ics",
            "iCalendar (*.ics)",
            worklist_ics(self.items, self.generated_at),
        )
