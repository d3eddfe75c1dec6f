"""The audit viewer (issue 6, "Audit trail": "An audit viewer in the window (filter by patient,
user, date; export CSV)").

:class:`AuditTableModel` adapts a list of :class:`~db.records.AuditEntry` to a table; the
:class:`AuditViewer` widget asks :meth:`Database.audit_entries` for the entries matching its
filters (the database filters, not the view), shows whether :meth:`Database.verify` finds the
trail unaltered (or the first bad entry), and exports exactly the rows shown to CSV.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QDate,
    QModelIndex,
    QPersistentModelIndex,
    QSize,
    Qt,
    QTimer,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from db.audit import SYSTEM_USER, canonical_json
from db.database import AuditEntry, Database, DatabaseError
from db.users import UNKNOWN_USER
from programmer.files import write_output
from ui.screen import fit_to_screen
from ui.theme import NOT_VERIFIED_STYLE, error_style, verified_style

COLUMNS = ("#", "Time", "User", "Action", "Patient", "Details")
CSV_HEADER = ("seq", "at", "user", "action", "patient_id", "details", "prev_hash", "hash")
SUMMARY_LENGTH = 140
# A spreadsheet runs a cell that starts with one of these as a formula: such text cells are
# exported with a leading apostrophe (OWASP, "CSV injection"); the CSV is otherwise verbatim.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

AnyIndex = QModelIndex | QPersistentModelIndex
SavePath = Callable[[QWidget, str], Path | None]


def details_summary(details: Mapping[str, Any], limit: int = SUMMARY_LENGTH) -> str:
    """One line for the table: ``key: value; ...``, without the record hashes (they are in
    the tooltip and the export)."""
    parts: list[str] = []
    for key, value in details.items():
        if key == "records":
            continue
        if isinstance(value, str):
            text = value
        elif value is None:
            text = "—"
        else:
            text = json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
        parts.append(f"{key}: {text}")
    line = "; ".join(parts).replace("\n", " ")
    return line if len(line) <= limit else line[: limit - 1] + "…"


class AuditTableModel(QAbstractTableModel):
    """Audit entries as rows: number, time, user, action, patient and a details summary."""

    def __init__(self, entries: Sequence[AuditEntry] = (), parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._entries: list[AuditEntry] = list(entries)

    @property
    def entries(self) -> list[AuditEntry]:
        """The entries shown, in trail order (a copy)."""
        return list(self._entries)

    def set_entries(self, entries: Sequence[AuditEntry]) -> None:
        self.beginResetModel()
        self._entries = list(entries)
        self.endResetModel()

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self._entries)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._entries):
            return None
        entry = self._entries[index.row()]
        column = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._text(entry, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == 5:
                return json.dumps(entry.details, ensure_ascii=False, indent=1)
            if column == 0:
                return f"hash {entry.hash}\nafter {entry.prev_hash}"
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    @staticmethod
    def _text(entry: AuditEntry, column: int) -> str | None:
        if column == 0:
            return str(entry.seq)
        if column == 1:
            return f"{entry.at:%Y-%m-%d %H:%M}"
        if column == 2:
            return entry.user
        if column == 3:
            return entry.action
        if column == 4:
            return entry.patient_id or ""
        if column == 5:
            return details_summary(entry.details)
        return None

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(COLUMNS)
        ):
            return COLUMNS[section]
        return None


def _cell(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def write_csv(entries: Sequence[AuditEntry], path: Path, *, protected: Sequence[Path] = ()) -> None:
    """The entries to ``path`` as CSV (UTF-8, a header row, one row per entry, the details as
    their canonical JSON), written whole or not at all (programmer/files.py: never onto the
    database, a device or a folder; the file dialog has asked before replacing a file)."""

    def produce(temporary: Path) -> None:
        with open(temporary, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(CSV_HEADER)
            for e in entries:
                writer.writerow(
                    [
                        e.seq,
                        e.at.isoformat(),
                        _cell(e.user),
                        _cell(e.action),
                        _cell(e.patient_id or ""),
                        _cell(canonical_json(e.details)),
                        e.prev_hash,
                        e.hash,
                    ]
                )

    write_output(path, produce, force=True, protected=protected)


def ask_save_path(parent: QWidget, suggested: str) -> Path | None:
    """The file dialog asking where the CSV goes (tests pass their own callable)."""
    name, _ = QFileDialog.getSaveFileName(
        parent, "Export the audit trail as CSV", suggested, "CSV files (*.csv)"
    )
    return Path(name) if name else None


def _qdate(d: date) -> QDate:
    return QDate(d.year, d.month, d.day)


def _pydate(q: QDate) -> date:
    return date(q.year(), q.month(), q.day())


class AuditViewer(QWidget):
    """Filters (patient, user, from and to dates, both inclusive) over the audit trail, the
    verification result, and export of the rows shown."""

    def __init__(
        self,
        database: Database,
        *,
        save_path: SavePath = ask_save_path,
        today: date | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("auditViewer")
        self.setWindowTitle("Audit trail")
        self.database = database
        self.save_path = save_path
        self.verify_ok = False
        today = today or date.today()

        self.patient_edit = QLineEdit()
        self.patient_edit.setAccessibleName("Filter by patient ID")
        self.patient_edit.setPlaceholderText("any patient")
        self.patient_edit.setClearButtonEnabled(True)
        self.user_combo = QComboBox()
        self.user_combo.setEditable(True)
        self.user_combo.setAccessibleName("Filter by user")
        self.user_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.user_combo.addItem("")
        # The accounts, and the two names the trail uses itself; any other name can be typed.
        self.user_combo.addItems([u.name for u in database.list_users()])
        self.user_combo.addItems([SYSTEM_USER, UNKNOWN_USER])
        line_edit = self.user_combo.lineEdit()
        if line_edit is not None:
            line_edit.setPlaceholderText("any user")
            line_edit.setAccessibleName("Filter by user")
        self.from_check = QCheckBox("&From")
        self.from_check.setAccessibleName("Only entries from a date")
        self.from_date = QDateEdit(_qdate(today - timedelta(days=30)))
        self.to_check = QCheckBox("&To")
        self.to_check.setAccessibleName("Only entries up to a date")
        self.to_date = QDateEdit(_qdate(today))
        for edit, name in ((self.from_date, "From date"), (self.to_date, "To date")):
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setCalendarPopup(True)
            edit.setEnabled(False)
            edit.setAccessibleName(name)
        self.clear_button = QPushButton("C&lear filters")
        self.clear_button.setAccessibleName("Clear filters")

        patient_label = QLabel("&Patient ID:")
        patient_label.setBuddy(self.patient_edit)
        user_label = QLabel("&User:")
        user_label.setBuddy(self.user_combo)
        filters = QGridLayout()
        filters.addWidget(patient_label, 0, 0)
        filters.addWidget(self.patient_edit, 0, 1)
        filters.addWidget(user_label, 0, 2)
        filters.addWidget(self.user_combo, 0, 3)
        filters.addWidget(self.from_check, 1, 0)
        filters.addWidget(self.from_date, 1, 1)
        filters.addWidget(self.to_check, 1, 2)
        filters.addWidget(self.to_date, 1, 3)
        filters.addWidget(self.clear_button, 1, 4)
        filters.setColumnStretch(1, 1)
        filters.setColumnStretch(3, 1)

        self.model = AuditTableModel(parent=self)
        self.table = QTableView()
        self.table.setObjectName("auditTable")
        self.table.setAccessibleName("Audit entries")
        self.table.setTabKeyNavigation(False)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = self.table.horizontalHeader()
        for column in range(len(COLUMNS) - 1):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)

        self.verify_label = QLabel()
        self.verify_label.setObjectName("verifyResult")
        self.verify_label.setAccessibleName("Audit trail verification")
        self.verify_label.setWordWrap(True)
        self.verify_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.verify_button = QPushButton("&Verify again")
        self.verify_button.setAccessibleName("Verify the audit trail again")
        self.count_label = QLabel()
        self.count_label.setAccessibleName("Entries shown")
        self.status = QLabel()
        self.status.setObjectName("exportStatus")
        self.status.setAccessibleName("Export message")
        self.status.setWordWrap(True)
        self.export_button = QPushButton("&Export CSV…")
        self.export_button.setAccessibleName("Export the rows shown as CSV")

        verify_row = QHBoxLayout()
        verify_row.addWidget(self.verify_label, 1)
        verify_row.addWidget(self.verify_button)
        bottom = QHBoxLayout()
        bottom.addWidget(self.count_label)
        bottom.addWidget(self.status, 1)
        bottom.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.addLayout(verify_row)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(250)
        self._debounce.timeout.connect(self.apply_filters)
        self.patient_edit.textChanged.connect(lambda _text: self._debounce.start())
        self.user_combo.currentTextChanged.connect(lambda _text: self._debounce.start())
        self.patient_edit.returnPressed.connect(self.apply_filters)
        for check, edit in ((self.from_check, self.from_date), (self.to_check, self.to_date)):
            check.toggled.connect(edit.setEnabled)
            check.toggled.connect(lambda _on: self.apply_filters())
            edit.dateChanged.connect(lambda _d: self.apply_filters())
        self.clear_button.clicked.connect(self.clear_filters)
        self.verify_button.clicked.connect(self.run_verify)
        self.export_button.clicked.connect(self.export_csv)
        self.setTabOrder(self.patient_edit, self.user_combo)
        self.setTabOrder(self.user_combo, self.from_check)
        self.setTabOrder(self.from_check, self.from_date)
        self.setTabOrder(self.from_date, self.to_check)
        self.setTabOrder(self.to_check, self.to_date)
        self.setTabOrder(self.to_date, self.clear_button)
        self.setTabOrder(self.clear_button, self.table)
        self.setTabOrder(self.table, self.export_button)
        fit_to_screen(self, QSize(980, 560))
        self.run_verify()
        self.apply_filters()

    # ------------------------------------------------------------ filters

    def filters(self) -> dict[str, Any]:
        """The arguments for :meth:`Database.audit_entries` the fields stand for (``until`` is
        the day after the To date: that whole day is included)."""
        patient = self.patient_edit.text().strip()
        user = self.user_combo.currentText().strip()
        since = until = None
        if self.from_check.isChecked():
            since = datetime.combine(_pydate(self.from_date.date()), time.min)
        if self.to_check.isChecked():
            until = datetime.combine(_pydate(self.to_date.date()) + timedelta(days=1), time.min)
        return {
            "patient_id": patient or None,
            "user": user or None,
            "since": since,
            "until": until,
        }

    def set_filters(
        self,
        *,
        patient_id: str | None = None,
        user: str | None = None,
        since: date | None = None,
        until: date | None = None,
    ) -> None:
        """Fill the filter fields (e.g. "audit of this patient" from the window) and apply
        them; ``until`` is inclusive."""
        widgets = (
            self.patient_edit,
            self.user_combo,
            self.from_check,
            self.to_check,
            self.from_date,
            self.to_date,
        )
        for widget in widgets:
            widget.blockSignals(True)
        try:
            self.patient_edit.setText(patient_id or "")
            self.user_combo.setCurrentText(user or "")
            self.from_check.setChecked(since is not None)
            self.from_date.setEnabled(since is not None)
            if since is not None:
                self.from_date.setDate(_qdate(since))
            self.to_check.setChecked(until is not None)
            self.to_date.setEnabled(until is not None)
            if until is not None:
                self.to_date.setDate(_qdate(until))
        finally:
            for widget in widgets:
                widget.blockSignals(False)
        self.apply_filters()

    def clear_filters(self) -> None:
        self.set_filters()

    def apply_filters(self) -> None:
        """Ask the database for the entries the filters select."""
        self._debounce.stop()
        arguments = self.filters()
        since, until = arguments["since"], arguments["until"]
        if since is not None and until is not None and since >= until:
            self.model.set_entries([])
            self.count_label.setText("No entries: the From date is after the To date")
            return
        try:
            entries = self.database.audit_entries(**arguments)
        except DatabaseError as exc:
            self.model.set_entries([])
            self.count_label.setText("")
            self._show_status(str(exc), error=True)
            return
        self.model.set_entries(entries)
        filtered = any(value is not None for value in arguments.values())
        count = len(entries)
        noun = "1 entry" if count == 1 else f"{count} entries"
        verb = "matches" if count == 1 else "match"
        self.count_label.setText(
            f"{noun} {verb} the filters" if filtered else f"{noun} in the trail"
        )

    # ------------------------------------------------------------ verification

    def run_verify(self) -> None:
        """Check the trail with :meth:`Database.verify` and show the outcome."""
        try:
            report = self.database.verify()
        except DatabaseError as exc:
            self._set_verify(f"The audit trail could not be checked: {exc}", ok=False)
            return
        if report.ok:
            self._set_verify(
                f"✔ Audit trail verified: {report.audit_entries} entries, unaltered "
                f"(last hash {report.audit_head[:12]}…).",
                ok=True,
            )
        else:
            first = report.problems[0] if report.problems else "unknown problem"
            more = len(report.problems) - 1
            self._set_verify(
                f"✘ Audit trail FAILED verification: {first}"
                + (f" (and {more} more problem{'s' if more > 1 else ''})" if more > 0 else ""),
                ok=False,
            )

    def _set_verify(self, text: str, *, ok: bool) -> None:
        self.verify_ok = ok
        self.verify_label.setText(text)
        self.verify_label.setAccessibleDescription(text)
        self.verify_label.setStyleSheet(verified_style() if ok else NOT_VERIFIED_STYLE)

    # ------------------------------------------------------------ export

    def _show_status(self, text: str, *, error: bool = False) -> None:
        self.status.setStyleSheet(error_style() if error else "")
        self.status.setText(text)
        self.status.setAccessibleDescription(text)

    def suggested_file_name(self) -> str:
        arguments = self.filters()
        parts = ["audit"]
        if arguments["patient_id"]:
            parts.append(arguments["patient_id"])
        if arguments["user"]:
            parts.append(arguments["user"])
        name = "-".join(parts)
        safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name)
        return f"{safe}.csv"

    def export_csv(self) -> Path | None:
        """Write exactly the rows shown to the file the save-path callable chooses."""
        entries = self.model.entries
        path = self.save_path(self, self.suggested_file_name())
        if path is None:
            return None
        try:
            write_csv(entries, path, protected=[self.database.path])
        except OSError as exc:
            self._show_status(
                f"The CSV could not be written to {path}: {exc.strerror or exc}", error=True
            )
            return None
        self._show_status(f"Exported {len(entries)} rows to {path}")
        return path
