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
from ui.theme import STOPPED_BANNER_LINK_STYLE, STOPPED_BANNER_STYLE


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
