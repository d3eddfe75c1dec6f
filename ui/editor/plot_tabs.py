"""The plot tabs under the schedule editor's table: the rate profile of the shown day (or the
week), the reservoir's projection and the dose history of the saved versions with the pending
dose; only the plot in view is redrawn on an edit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from PySide6.QtWidgets import QCheckBox, QVBoxLayout, QWidget

from ui.editor.document import ProgrammeDocument
from ui.editor.schedule_model import ScheduleTableModel
from ui.tabs import SteadyTabWidget
from ui.widgets.plots import DoseHistoryPlot, DoseValue, RateProfilePlot, ReservoirPlot


class PlotTabs(SteadyTabWidget):
    """The plots of ``document``'s pending programme beside the saved one, on the day
    ``model`` shows. ``week_check`` plots the whole week."""

    def __init__(
        self,
        document: ProgrammeDocument,
        model: ScheduleTableModel,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.document = document
        self.model = model
        self._dose_history: list[tuple[datetime, DoseValue]] = []
        self.rate_plot = RateProfilePlot()
        self.reservoir_plot = ReservoirPlot()
        self.dose_history_plot = DoseHistoryPlot()
        self.setAccessibleName("Plots")
        rate_page = QWidget()
        rate_layout = QVBoxLayout(rate_page)
        rate_layout.setContentsMargins(2, 2, 2, 2)
        self.week_check = QCheckBox("Show the whole week")
        self.week_check.setAccessibleName("Plot the whole week")
        self.week_check.toggled.connect(self.rate_plot.set_week)
        rate_layout.addWidget(self.week_check)
        rate_layout.addWidget(self.rate_plot, 1)
        self.addTab(rate_page, "Rate profile")
        self.addTab(self.reservoir_plot, "Reservoir")
        self.addTab(self.dose_history_plot, "Dose history")
        self.currentChanged.connect(lambda _: self.refresh())

    def refresh(self) -> None:
        """Redraw the plot in view; the others are redrawn when their tab is shown."""
        document = self.document
        shown = self.currentWidget()
        if shown is self.reservoir_plot:
            self.reservoir_plot.show_projection(
                document.pending,
                document.result.projection,
                document.pump,
                now=document.now,
                current=document.current,
                earlier=document.result.earlier,
                current_earlier=document.context.earlier,
            )
        elif shown is self.dose_history_plot:
            self.dose_history_plot.set_points(
                self._dose_history,
                pending=document.result.projection.daily_dose_mcg,
                now=document.now,
            )
        else:
            self.rate_plot.show_programmes(
                document.pending, document.current, document.pump, self.model.day
            )

    def set_dose_history(self, points: Sequence[tuple[datetime, DoseValue]]) -> None:
        """The daily dose (mcg/day) of each saved version, (saved at, dose); the pending
        programme's dose is added at now and follows every edit."""
        self._dose_history = list(points)
        self.dose_history_plot.set_points(
            self._dose_history,
            pending=self.document.result.projection.daily_dose_mcg,
            now=self.document.now,
        )
