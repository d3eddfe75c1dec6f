"""The window's questions, on top of the editor's :class:`~ui.prompter.Prompter`: one
service the tests replace, so no test ever blocks on a dialog."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox

from ui.prompter import Prompter

if TYPE_CHECKING:
    from collections.abc import Callable

    from db.clinic_settings import ClinicSettingsVersion
    from db.database import Database
    from db.users import User
    from programmer.drug_library import DrugLibrary
    from programmer.findings import CheckResult
    from programmer.programme import Programme
    from programmer.pump_catalogue import PumpCatalogue
    from ui.patient_form import NewPatient


class Unsaved(StrEnum):
    SAVE = "save"
    DISCARD = "discard"
    CANCEL = "cancel"


class Review:
    """What the review dialog collected."""

    def __init__(self, acknowledgements: dict[str, str], reason: str) -> None:
        self.acknowledgements = acknowledgements
        self.reason = reason


class WindowPrompter(Prompter):
    def warn(self, title: str, text: str) -> None:
        QMessageBox.warning(self.parent, title, text)

    def save_path(self, title: str, suggested: str, file_filter: str) -> str | None:
        """Where to write a file; None when cancelled."""
        path, _ = QFileDialog.getSaveFileName(self.parent, title, suggested, file_filter)
        return path or None

    def unsaved_changes(self, text: str) -> Unsaved:
        answer = QMessageBox.question(
            self.parent,
            "Unsaved changes",
            text,
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        if answer == QMessageBox.StandardButton.Save:
            return Unsaved.SAVE
        if answer == QMessageBox.StandardButton.Discard:
            return Unsaved.DISCARD
        return Unsaved.CANCEL

    def review(
        self, current: Programme | None, pending: Programme, result: CheckResult, current_title: str
    ) -> Review | None:
        from ui.review_dialog import ReviewDialog  # the dialogs load when first asked for

        dialog = ReviewDialog(
            current, pending, result, current_title=current_title, parent=self.parent
        )
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return Review(dialog.acknowledgements(), dialog.reason())

    def new_patient(
        self, now: datetime, *, library: DrugLibrary, catalogue: PumpCatalogue
    ) -> NewPatient | None:
        from ui.patient_form import PatientForm

        dialog = PatientForm(now, self.parent, library=library, catalogue=catalogue)
        return dialog.value if dialog.exec() == QDialog.DialogCode.Accepted else None

    def clinic_settings(
        self, database: Database, *, by: User, clock: Callable[[], datetime]
    ) -> ClinicSettingsVersion | None:
        """The clinic settings dialog (it stores the change itself); the new version, or None
        when cancelled."""
        from ui.clinic_settings_dialog import ClinicSettingsDialog

        dialog = ClinicSettingsDialog(database, by=by, clock=clock, parent=self.parent)
        return dialog.stored if dialog.exec() == QDialog.DialogCode.Accepted else None
