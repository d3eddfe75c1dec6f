"""The main window's training mode (product.md, "Training"): the TRAINING banner, the trainer's
panel and Training menu on the simulated clock, the clock moving on, going back to the start,
and training opened from a clinical console in a window of its own. A part of the main window
(:mod:`ui.window_part`)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDockWidget, QLabel

from ui.theme import TRAINING_BANNER_STYLE
from ui.training import SimulatedClock, TrainingPanel
from ui.widgets.actions import named_action
from ui.window_part import WindowPart

if TYPE_CHECKING:
    from PySide6.QtCore import SignalInstance

    from ui.overview import PatientOverview
    from ui.pump.workflows import PumpWorkflows
    from ui.session import PatientSession


class WindowTraining(WindowPart):
    """Training mode of the window that inherits it (with QMainWindow after it)."""

    if TYPE_CHECKING:
        # What it uses: the window's own members (the signal is declared on the window: a
        # Qt signal belongs to a QObject class).
        session: PatientSession
        training_clock: SimulatedClock | None
        browser_dock: QDockWidget
        overview: PatientOverview
        pump_workflows: PumpWorkflows
        restart_requested: SignalInstance

        def open_patient(self, patient_id: str) -> bool: ...
        def _settle_unsaved(self) -> bool: ...

    def _build_training_banner(self) -> QLabel:
        """The banner above every tab: shown in training mode only."""
        self.training_banner = QLabel()
        self.training_banner.setObjectName("trainingBanner")
        self.training_banner.setStyleSheet(TRAINING_BANNER_STYLE)
        self.training_banner.setVisible(self.training_clock is not None)
        return self.training_banner

    def open_training_mode(self) -> bool:
        """Training from the clinical console: a separate console process on the training
        database, with its own login; this window and its database are left as they are, so
        training data and clinical records never share a window or a connection."""
        import sys

        from PySide6.QtCore import QProcess

        started, _pid = QProcess.startDetached(sys.executable, ["-m", "ui.cli", "--training"])
        if not started:
            self.session.prompter.warn(
                "Training mode", "The training console could not be started."
            )
            return False
        self.statusBar().showMessage("Training mode opens in its own window.", 10000)
        return True

    def _build_training(self, clock: SimulatedClock) -> None:
        self.training_panel = TrainingPanel(clock)
        self.training_dock = QDockWidget("Training", self)
        self.training_dock.setObjectName("trainingDock")
        self.training_dock.setWidget(self.training_panel)
        self.training_dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable)
        # Beside the patient list, in front of it: the trainer works from the scenarios, and
        # the window stays within a 1280-pixel screen.
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.training_dock)
        self.tabifyDockWidget(self.browser_dock, self.training_dock)
        self.training_dock.raise_()
        self.training_panel.open_patient.connect(self.open_patient)
        self.training_panel.reset_requested.connect(self.request_training_reset)
        self.reset_training_action = named_action(
            self, "&Reset training to the start…", self.request_training_reset, "resetTraining"
        )
        menu = self.menuBar().addMenu("&Training")
        menu.addActions(self.training_panel.advance_actions)
        menu.addSeparator()
        menu.addAction(self.reset_training_action)
        menu.addAction(self.training_dock.toggleViewAction())
        clock.changed.connect(self._clock_moved)
        self._show_training_banner()

    def _show_training_banner(self, alarms: str = "") -> None:
        clock = self.training_clock
        if clock is None:
            return
        self.training_banner.setText(
            f"TRAINING — not a clinical record · simulated time {clock.now():%Y-%m-%d %H:%M}"
            + (f" · ALARM: {alarms}" if alarms else "")
        )

    def _clock_moved(self, now: datetime) -> None:
        """The trainer moved the clock on: the pending programme is checked at the new moment,
        the overview and the open patient's pump follow (the pump delivers, alarms fire:
        visible in the banner and on the Pump tab, and audible where the machine has sound)."""
        session = self.session
        record = session.record
        context = None if record is None else session.db.check_context(record.patient.id, now)
        if context is not None:
            session.context = context
        if session.document is not None:
            if context is not None:
                session.document.set_context(context)
            session.document.set_now(now)
        if record is not None and context is not None:
            self.overview.show_patient(record, session.current, now, context)
        new = self.pump_workflows.clock_moved()
        words = "; ".join(a.words for a in new)
        self._show_training_banner(words)
        if new:
            QApplication.beep()
            self.statusBar().showMessage(f"Pump alarm: {words}", 15000)

    def request_training_reset(self) -> None:
        if not self.session.prompter.confirm(
            "Reset training",
            "Go back to the start of every scenario? Everything done in training since is "
            "removed (the accounts stay).",
        ):
            return
        if not self._settle_unsaved():
            return
        self.restart_requested.emit()
