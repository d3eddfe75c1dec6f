"""The loud stopped-pump banner (issue: "a session cut off half-way leaves the pump stopped, and
the console says so loudly until it is finished or undone"): red, above every tab, naming the
patient, with the two ways out. It lists the other patients left stopped too, so a stopped pump
is never out of sight while the console is open."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QTextDocumentFragment
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from db.simulated_pumps import StoppedPump
from programmer.finding import Severity
from ui.theme import (
    SEVERITY_BACKGROUNDS,
    SEVERITY_COLOURS,
    STOPPED_BANNER_LINK_STYLE,
    STOPPED_BANNER_STYLE,
)


class StoppedPumpBanner(QFrame):
    """Hidden while every pump runs. ``finish_requested`` / ``undo_requested``: the open
    patient's session; ``open_requested(patient_id)``: another stopped patient."""

    finish_requested = Signal()
    undo_requested = Signal()
    open_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("stoppedPumpBanner")
        self.setStyleSheet(STOPPED_BANNER_STYLE)
        self.setAccessibleName("Pump stopped warning")
        self.text = QLabel()
        self.text.setObjectName("stoppedPumpText")
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.others = QLabel()
        self.others.setObjectName("stoppedPumpOthers")
        self.others.setWordWrap(True)
        self.others.setTextFormat(Qt.TextFormat.RichText)
        self.others.linkActivated.connect(self.open_requested.emit)
        self.finish_button = QPushButton("Finish: transmit again…")
        self.finish_button.setObjectName("stoppedPumpFinish")
        self.finish_button.clicked.connect(self.finish_requested.emit)
        self.undo_button = QPushButton("Undo: resume the previous programme…")
        self.undo_button.setObjectName("stoppedPumpUndo")
        self.undo_button.clicked.connect(self.undo_requested.emit)
        words = QVBoxLayout()
        words.addWidget(self.text)
        words.addWidget(self.others)
        buttons = QVBoxLayout()
        buttons.addWidget(self.finish_button)
        buttons.addWidget(self.undo_button)
        buttons.addStretch(1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.addLayout(words, 1)
        layout.addLayout(buttons)
        self.hide()

    def show_state(
        self, here: str | None, session_open: bool, others: Sequence[StoppedPump]
    ) -> None:
        """``here``: what stops the open patient's pump (None when it runs); ``session_open``:
        whether a session can be finished or undone; ``others``: other stopped patients."""
        self.text.setVisible(here is not None)
        if here is not None:
            self.text.setText(here)
        self.finish_button.setVisible(here is not None and session_open)
        self.undo_button.setVisible(here is not None and session_open)
        self.others.setVisible(bool(others))
        if others:
            names = ", ".join(
                f"<a href='{escape(o.patient_id)}' style='{STOPPED_BANNER_LINK_STYLE}'>"
                f"{escape(o.name)} ({escape(o.patient_id)})</a>"
                for o in others
            )
            prefix = "Also stopped" if here is not None else "⚠ PUMP STOPPED"
            self.others.setText(
                f"<b>{prefix}</b> by an unfinished programming session: {names}. Open the "
                "patient to finish or undo it."
            )
        self.setVisible(here is not None or bool(others))

    def words(self) -> str:
        """Everything the banner says, as plain text (for tests and screen readers)."""
        parts = [
            QTextDocumentFragment.fromHtml(w.text()).toPlainText()
            for w in (self.text, self.others)
            if not w.isHidden()
        ]
        return " ".join(parts) if not self.isHidden() else ""


DIFFERS_STYLE = f"""
QFrame#recordDiffersBanner {{ background: {SEVERITY_BACKGROUNDS[Severity.HARD].name()};
    border: 2px solid {SEVERITY_COLOURS[Severity.HARD].name()}; }}
QFrame#recordDiffersBanner QLabel {{ color: {SEVERITY_COLOURS[Severity.HARD].name()}; }}
QFrame#recordDiffersBanner QPushButton {{ font-weight: bold; padding: 4px 10px; }}
"""


class RecordDiffersBanner(QFrame):
    """Above every tab while the open patient's pump, as last read, runs something other than
    the record's current version (a dose saved but not transmitted, a concentration changed by
    a refill, another mode): issue 9, "a persistent banner says so on every screen". Hidden
    while they agree. ``transmit_requested`` / ``show_requested``: its two buttons."""

    transmit_requested = Signal()
    show_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("recordDiffersBanner")
        self.setStyleSheet(DIFFERS_STYLE)
        self.setAccessibleName("Record and pump differ warning")
        self.text = QLabel()
        self.text.setObjectName("recordDiffersText")
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.transmit_button = QPushButton("Transmit to pump…")
        self.transmit_button.setObjectName("recordDiffersTransmit")
        self.transmit_button.clicked.connect(self.transmit_requested.emit)
        self.show_button = QPushButton("Show the Pump tab")
        self.show_button.setObjectName("recordDiffersShow")
        self.show_button.clicked.connect(self.show_requested.emit)
        # One row: the banner takes as little height from the screen below as it can.
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 4, 10, 4)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.transmit_button, 0, Qt.AlignmentFlag.AlignVCenter)
        layout.addWidget(self.show_button, 0, Qt.AlignmentFlag.AlignVCenter)
        self.hide()

    def show_state(self, words: str | None) -> None:
        """``words`` (rich text): how record and pump differ; None: they agree (hidden)."""
        if words is not None:
            self.text.setText(words)
        self.setVisible(words is not None)

    def words(self) -> str:
        """What the banner says, as plain text ('' while hidden)."""
        if self.isHidden():
            return ""
        return QTextDocumentFragment.fromHtml(self.text.text()).toPlainText()
