"""Training mode in the window (issue: training mode): a simulated clock the trainer moves on by
hours, days or weeks, and the trainer's panel with the scenarios (what the class is told, what to
notice), the clock, and reset to the start."""

from __future__ import annotations

from datetime import datetime, timedelta

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from db.seed.demo_patients import Scenario, training_scenarios
from ui.screen import scrolling
from ui.theme import TRAINING_BANNER_STYLE


class SimulatedClock(QObject):
    """Training's clock: it stands still until the trainer moves it on (never backwards)."""

    changed = Signal(object)  # the new datetime

    def __init__(self, start: datetime, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._start = start.replace(second=0, microsecond=0)
        self._now = self._start

    def now(self) -> datetime:
        return self._now

    @property
    def advanced(self) -> timedelta:
        return self._now - self._start

    def advance(self, delta: timedelta) -> None:
        if delta <= timedelta(0):
            raise ValueError("the simulated clock only moves forward")
        self._now += delta
        self.changed.emit(self._now)

    def reset(self, start: datetime) -> None:
        self._start = self._now = start.replace(second=0, microsecond=0)
        self.changed.emit(self._now)


def advanced_words(delta: timedelta) -> str:
    if not delta:
        return "at the start"
    days, seconds = delta.days, delta.seconds
    parts = []
    if days >= 7:
        parts.append(f"{days // 7} week(s)")
        days %= 7
    if days:
        parts.append(f"{days} day(s)")
    if seconds // 3600:
        parts.append(f"{seconds // 3600} hour(s)")
    return "+" + " ".join(parts)


class TrainingPanel(QWidget):
    """The trainer's controls. Signals: ``open_patient(str)`` for a scenario's patient,
    ``reset_requested()``. The clock's buttons move ``clock`` on directly."""

    open_patient = Signal(str)
    reset_requested = Signal()

    STEPS = (
        ("+1 &hour", timedelta(hours=1), "Ctrl+Alt+H"),
        ("+1 &day", timedelta(days=1), "Ctrl+Alt+D"),
        ("+1 &week", timedelta(weeks=1), "Ctrl+Alt+W"),
    )

    def __init__(self, clock: SimulatedClock, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.clock = clock
        self.scenarios: tuple[Scenario, ...] = training_scenarios()
        banner = QLabel("TRAINING — not a clinical record")
        banner.setStyleSheet(TRAINING_BANNER_STYLE)
        self.clock_label = QLabel()
        self.clock_label.setObjectName("trainingClock")
        self.clock_label.setAccessibleName("Simulated time")
        self.advance_actions: list[QAction] = []
        steps = QHBoxLayout()
        for text, delta, keys in self.STEPS:
            action = QAction(text.replace("&", ""), self)
            action.setShortcut(QKeySequence(keys))
            action.setToolTip(f"Move the simulated clock on {text.replace('&', '')[1:]} ({keys})")
            action.triggered.connect(lambda _c=False, d=delta: self.clock.advance(d))
            self.advance_actions.append(action)
            button = QToolButton()
            button.setDefaultAction(action)
            button.setAccessibleName(action.toolTip())
            steps.addWidget(button)
        steps.addStretch(1)
        self.list = QListWidget()
        self.list.setAccessibleName("Training scenarios")
        for s in self.scenarios:
            item = QListWidgetItem(s.title)
            item.setData(Qt.ItemDataRole.UserRole, s.patient_id)
            item.setToolTip(s.situation)
            self.list.addItem(item)
        self.details = QLabel()
        self.details.setObjectName("scenarioDetails")
        self.details.setWordWrap(True)
        self.details.setTextFormat(Qt.TextFormat.RichText)
        self.details.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.open_button = QPushButton("Open the s&cenario's patient")  # Alt+O: the Overview tab
        self.reset_button = QPushButton("Reset tr&aining to the start…")  # Alt+R: Programme
        layout = QVBoxLayout(self)
        layout.addWidget(banner)
        layout.addWidget(self.clock_label)
        layout.addLayout(steps)
        layout.addWidget(QLabel("Scenarios:"))
        layout.addWidget(self.list, 1)
        # Scrolls where the dock is short: "what the trainee should notice" is never cut off.
        self.details_scroll = scrolling(self.details)
        self.details_scroll.setObjectName("scenarioDetailsScroll")
        layout.addWidget(self.details_scroll, 2)
        layout.addWidget(self.open_button)
        layout.addWidget(self.reset_button)
        self.list.currentRowChanged.connect(self._show_details)
        self.list.itemActivated.connect(lambda _item: self._open())
        self.open_button.clicked.connect(self._open)
        self.reset_button.clicked.connect(self.reset_requested)
        clock.changed.connect(self._show_clock)
        self._show_clock(clock.now())
        if self.scenarios:
            self.list.setCurrentRow(0)

    def current_scenario(self) -> Scenario | None:
        row = self.list.currentRow()
        return self.scenarios[row] if 0 <= row < len(self.scenarios) else None

    def _show_details(self, _row: int) -> None:
        s = self.current_scenario()
        if s is None:
            self.details.clear()
            return
        self.details.setText(
            f"<b>{s.title}</b> ({s.patient_id})<br><br><i>The situation:</i> {s.situation}"
            f"<br><br><i>What the trainee should notice:</i> {s.notice}"
        )

    def _open(self) -> None:
        s = self.current_scenario()
        if s is not None:
            self.open_patient.emit(s.patient_id)

    def _show_clock(self, now: datetime) -> None:
        self.clock_label.setText(
            f"Simulated time: <b>{now:%Y-%m-%d %H:%M}</b> ({advanced_words(self.clock.advanced)})"
        )
