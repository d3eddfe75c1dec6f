"""Shared set-up for tests that drive the real main window: a seeded demo database, a fixed
clock, private QSettings, and a prompter that answers from a script instead of blocking."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, QSettings, Qt
from PySide6.QtWidgets import QApplication, QLineEdit, QTableView
from pytestqt.qtbot import QtBot

from db.database import Database
from db.seed.demo_patients import seed_demo_patients
from programmer.drug_library import DrugLibrary
from programmer.findings import CheckResult
from programmer.programme import Programme
from programmer.pump_catalogue import PumpCatalogue
from ui.main_window import MainWindow
from ui.patient_form import NewPatient
from ui.prompts import Review, Unsaved, WindowPrompter
from ui.review_dialog import ReviewDialog

NOW = datetime(2026, 11, 22, 10, 0)


@dataclass
class ScriptedPrompter(WindowPrompter):
    """Answers questions from queues; records what was asked."""

    qtbot: QtBot | None = None
    confirms: list[bool] = field(default_factory=list)
    unsaved: list[Unsaved] = field(default_factory=list)
    # Called with the real ReviewDialog (not shown modally); returns True to save.
    reviewer: Callable[[ReviewDialog], bool] | None = None
    new_patients: list[NewPatient | None] = field(default_factory=list)
    save_paths: list[str | None] = field(default_factory=list)
    asked: list[tuple[str, str]] = field(default_factory=list)
    reviews: list[ReviewDialog] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(None)

    def confirm(self, title: str, text: str) -> bool:
        self.asked.append((title, text))
        return self.confirms.pop(0) if self.confirms else False

    def inform(self, title: str, text: str) -> None:
        self.asked.append((title, text))

    def warn(self, title: str, text: str) -> None:
        self.asked.append((title, text))

    def unsaved_changes(self, text: str) -> Unsaved:
        self.asked.append(("Unsaved changes", text))
        return self.unsaved.pop(0) if self.unsaved else Unsaved.CANCEL

    def review(
        self, current: Programme | None, pending: Programme, result: CheckResult, current_title: str
    ) -> Review | None:
        dialog = ReviewDialog(current, pending, result, current_title=current_title)
        if self.qtbot is not None:
            self.qtbot.addWidget(dialog)
        self.reviews.append(dialog)
        if self.reviewer is None or not self.reviewer(dialog):
            return None
        assert dialog.save_button.isEnabled(), "the dialog would not let this be saved"
        return Review(dialog.acknowledgements(), dialog.reason())

    def save_path(self, title: str, suggested: str, file_filter: str) -> str | None:
        self.asked.append((title, suggested))
        return self.save_paths.pop(0) if self.save_paths else None

    def new_patient(
        self, now: datetime, *, library: DrugLibrary, catalogue: PumpCatalogue
    ) -> NewPatient | None:
        return self.new_patients.pop(0) if self.new_patients else None


def open_database(tmp_path: Path) -> Database:
    return Database.open(tmp_path / "clinic.sqlite", on_create=seed_demo_patients, now=NOW)


def make_window(
    qtbot: QtBot,
    database: Database,
    tmp_path: Path,
    prompter: ScriptedPrompter | None = None,
    user: str = "dr.tester",
    **options: Any,
) -> MainWindow:
    """The real main window on ``database``; ``options`` go to MainWindow (e.g. clock,
    training_clock, account)."""
    prompter = prompter or ScriptedPrompter(qtbot=qtbot)
    prompter.qtbot = qtbot
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    options.setdefault("clock", lambda: NOW)
    window = MainWindow(database, user=user, prompter=prompter, settings=settings, **options)
    prompter.parent = window
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    activate(qtbot, window)
    return window


def activate(qtbot: QtBot, window: MainWindow) -> None:
    """Bring ``window`` to the front: shortcuts and focus need an active window, offscreen too."""
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)


def type_into_cell(qtbot: QtBot, table: QTableView, index: QModelIndex, text: str) -> None:
    """Edit a cell as a person does: select it, F2, type, Enter."""
    table.setFocus()
    table.setCurrentIndex(index)
    qtbot.keyClick(table, Qt.Key.Key_F2)
    editors = [e for e in table.viewport().findChildren(QLineEdit) if e.isVisible()]
    assert len(editors) == 1, f"F2 opened {len(editors)} cell editors"
    editor = editors[0]
    editor.selectAll()
    qtbot.keyClicks(editor, text)
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    QApplication.processEvents()  # the delegate commits Enter through a queued call


def cell(table: QTableView, row: int, column: int) -> Any:
    return table.model().index(row, column).data()


def edit_rate(qtbot: QtBot, window: MainWindow, row: int, text: str) -> None:
    """Go to the Programme tab (Ctrl+2) and type a rate into step ``row``."""
    from ui.editor.schedule_model import Column

    activate(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert window.editor is not None and window.tabs.currentIndex() == 1
    table = window.editor.table
    type_into_cell(qtbot, table, table.model().index(row, Column.RATE), text)
