"""Shared set-up for the pump workflow tests (test_pump_*.py; no tests of its own): a prompter
that also runs the workflows' dialogs from a script (the real dialogs, never shown modally), and
the handlers the tests script them with."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from programmer.simulated_pump import SessionStep
from ui.main_window import MainWindow
from ui.pump.transmit_dialog import DROP_CHOICES, TransmitDialog

from .window_helpers import ScriptedPrompter, activate, make_window, open_database

DialogHandler = Callable[[QDialog], bool]


@dataclass
class PumpPrompter(ScriptedPrompter):
    """Runs each workflow dialog with the next handler (none left: the dialog is cancelled)."""

    dialogs: list[DialogHandler] = field(default_factory=list)
    shown: list[QDialog] = field(default_factory=list)

    def run_dialog(self, dialog: QDialog) -> bool:
        if self.qtbot is not None:
            self.qtbot.addWidget(dialog)
        self.shown.append(dialog)
        handler = self.dialogs.pop(0) if self.dialogs else None
        return bool(handler(dialog)) if handler is not None else False

    def titles(self) -> list[str]:
        return [title for title, _ in self.asked]


def transmit_with(drop: SessionStep | None = None) -> DialogHandler:
    """Start the transmission (optionally choosing a dropped link in the dialog), then close."""

    def handler(dialog: QDialog) -> bool:
        assert isinstance(dialog, TransmitDialog)
        dialog.step_delay_ms = 0
        index = [step for step, _ in DROP_CHOICES].index(drop)
        if drop is not None:
            assert dialog.drop_combo.isEnabled(), "a dropped link is offered in training only"
            dialog.drop_combo.setCurrentIndex(index)
        dialog.start_button.click()
        assert dialog.outcome is not None
        dialog.close_button.click()
        return True

    return handler


def reviewer(qtbot: QtBot, reason: str = "Refill visit") -> Callable[[QDialog], bool]:
    """Type a reason for every soft finding and for the change, as a clinician would."""

    def review(dialog: QDialog) -> bool:
        for edit in dialog.reason_edits.values():  # type: ignore[attr-defined]
            qtbot.keyClicks(edit, "Reviewed with the patient")
        qtbot.keyClicks(dialog.change_reason, reason)  # type: ignore[attr-defined]
        return True

    return review


def pump_window(
    qtbot: QtBot, tmp_path: Path, prompter: PumpPrompter | None = None
) -> tuple[MainWindow, PumpPrompter]:
    prompter = prompter or PumpPrompter()
    window = make_window(qtbot, open_database(tmp_path), tmp_path, prompter)
    return window, prompter


def trigger(qtbot: QtBot, window: MainWindow, name: str) -> None:
    """Trigger a Pump menu action by its object name, as from the menu."""
    activate(qtbot, window)
    action = next(a for a in window.pump_workflows.actions if a.objectName() == name)
    assert action.isEnabled(), f"{name} is disabled"
    action.trigger()


def type_text(qtbot: QtBot, widget, text: str) -> None:
    """Replace a field's text by typing it."""
    widget.setFocus()
    widget.selectAll()
    qtbot.keyClick(widget, Qt.Key.Key_Delete)
    qtbot.keyClicks(widget, text)
