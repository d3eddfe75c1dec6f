"""History: every version of the patient's programme with who, when, why and the daily dose;
any two compared side by side (product.md, "Screens")."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from db.database import ProgrammeVersion
from programmer.compare import compare
from programmer.words import MODE_NAMES, format_number
from ui.comparison import ComparisonModel, comparison_view
from ui.row_table import RowTableModel

if TYPE_CHECKING:
    from programmer.assessment import Assessment
    from ui.assessment_plot import ScoresPlot
    from ui.widgets.plots import DoseHistoryPlot


class HistoryModel(RowTableModel[ProgrammeVersion]):
    """Versions, newest first."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(
            ("Version", "Saved", "By", "Mode", "Daily dose", "Reason", "Accepted findings"), parent
        )

    def set_versions(self, versions: list[ProgrammeVersion]) -> None:
        self.set_rows(sorted(versions, key=lambda v: v.number, reverse=True))

    def version_at(self, row: int) -> ProgrammeVersion:
        return self.row_at(row)

    def cell(self, v: ProgrammeVersion, column: int, role: int) -> Any:
        if role in (
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.AccessibleTextRole,
            Qt.ItemDataRole.ToolTipRole,
        ):
            if role == Qt.ItemDataRole.ToolTipRole and column not in (5, 6):
                return None
            return (
                f"{v.number}" + ("" if v.confirmed else " (draft)"),
                v.saved_at.strftime("%Y-%m-%d %H:%M"),
                v.saved_by,
                MODE_NAMES[v.programme.mode],
                f"{format_number(v.daily_dose_mcg, 2)} mcg/day",
                v.reason,
                "; ".join(f"{k.split('@')[0]}: {r}" for k, r in v.acknowledgements.items()) or "—",
            )[column]
        return None


class HistoryView(QWidget):
    """The version table, a comparison of any two versions, and the dose-over-versions plot."""

    compared = Signal(int, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = HistoryModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Programme versions")
        self.table.setTabKeyNavigation(False)  # Tab leaves the table; arrows move in it
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(6, QHeaderView.ResizeMode.Stretch)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.left = QComboBox()
        self.left.setAccessibleName("Compare from version")
        self.right = QComboBox()
        self.right.setAccessibleName("Compare with version")
        self.comparison = ComparisonModel("Older", "Newer", self)
        self.comparison_table = comparison_view(self.comparison, "Version comparison")
        self.changes = QLabel()
        self.changes.setObjectName("historyChanges")
        picker = QHBoxLayout()
        picker.addWidget(QLabel("Compare version"))
        picker.addWidget(self.left)
        picker.addWidget(QLabel("with version"))
        picker.addWidget(self.right)
        picker.addWidget(self.changes, 1)
        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addLayout(picker)
        lower_layout.addWidget(self.comparison_table, 1)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        self._splitter = splitter
        self._dose_plot: DoseHistoryPlot | None = None  # built when first shown
        self._scores_plot: ScoresPlot | None = None  # under the dose plot, same dates
        splitter.addWidget(lower)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)
        self.left.currentIndexChanged.connect(self._compare)
        self.right.currentIndexChanged.connect(self._compare)
        self.table.selectionModel().currentRowChanged.connect(self._row_chosen)
        self._versions: dict[int, ProgrammeVersion] = {}

    @property
    def dose_plot(self) -> DoseHistoryPlot:
        """The daily dose across the versions (built on first use: not needed at start-up)."""
        if self._dose_plot is None:
            from ui.widgets.plots import DoseHistoryPlot

            self._dose_plot = DoseHistoryPlot(pending=False)
            self._splitter.insertWidget(1, self._dose_plot)
        return self._dose_plot

    @property
    def scores_plot(self) -> ScoresPlot:
        """The assessment scores under the dose plot, on its date axis (ui/assessment_plot.py)."""
        if self._scores_plot is None:
            from ui.assessment_plot import ScoresPlot

            dose = self.dose_plot
            self._scores_plot = ScoresPlot()
            self._scores_plot.link_to(dose.plot_item)
            self._splitter.insertWidget(self._splitter.indexOf(dose) + 1, self._scores_plot)
        return self._scores_plot

    def set_assessments(self, assessments: list[Assessment]) -> None:
        self.scores_plot.set_assessments(assessments)

    def set_versions(self, versions: list[ProgrammeVersion]) -> None:
        self._versions = {v.number: v for v in versions}
        self.model.set_versions(versions)
        numbers = sorted(self._versions)
        for combo in (self.left, self.right):
            combo.blockSignals(True)
            combo.clear()
            for n in numbers:
                v = self._versions[n]
                combo.addItem(f"{n} ({v.saved_at:%Y-%m-%d})", n)
            combo.blockSignals(False)
        if numbers:
            self.left.setCurrentIndex(max(len(numbers) - 2, 0))
            self.right.setCurrentIndex(len(numbers) - 1)
        self._compare()

    def compare_versions(self, older: int, newer: int) -> None:
        self.left.setCurrentIndex(self.left.findData(older))
        self.right.setCurrentIndex(self.right.findData(newer))

    def _row_chosen(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            return
        number = self.model.version_at(current.row()).number
        if number > 1:
            self.compare_versions(number - 1, number)

    def _compare(self) -> None:
        a, b = self.left.currentData(), self.right.currentData()
        if a is None or b is None:
            self.comparison.set_rows([])
            self.changes.setText("No versions saved yet." if not self._versions else "")
            return
        older, newer = self._versions[a], self._versions[b]
        rows = compare(older.programme, newer.programme)
        self.comparison.set_rows(rows, f"Version {a}", f"Version {b}")
        changed = sum(r.changed for r in rows)
        self.changes.setText(f"{changed} value(s) differ" if a != b else "the same version")
        self.compared.emit(a, b)
