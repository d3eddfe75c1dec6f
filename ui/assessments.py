"""What the patient felt, in the window: the assessment dialog recorded through the database,
and the scores drawn under the dose history (product.md, "Assessments and screening"). One
controller per window, like the pump workflows: it owns its actions and its dialogs, which go
through the window's prompter (``run_dialog``), so tests never block."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence

from db.database import DatabaseError
from programmer.assessment import Assessment
from ui.pump.prompts import run_dialog

if TYPE_CHECKING:
    from ui.main_window import MainWindow


class AssessmentWorkflow(QObject):
    """Record an assessment for the open patient and keep the scores panel current."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.assessments: list[Assessment] = []
        self.record_action = self._action(
            "Record &assessment…", self.record, "recordAssessment", "Ctrl+Shift+E"
        )
        self.actions = [self.record_action]
        self.set_enabled(False)

    def _action(
        self, text: str, slot: Callable[[], object], name: str, shortcut: str | None = None
    ) -> QAction:
        action = QAction(text, self.window)
        action.setObjectName(name)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(lambda _checked=False: slot())
        return action

    def set_enabled(self, patient_open: bool) -> None:
        for action in self.actions:
            action.setEnabled(patient_open)

    def patient_opened(self) -> None:
        """Read the open patient's assessments into the scores panel."""
        record = self.window.record
        if record is None:
            return
        try:
            self.assessments = self.window.db.assessments(record.patient.id)
        except DatabaseError as exc:
            self.assessments = []
            self.window.prompter.warn("The assessments cannot be read", str(exc))
        self.window.history.set_assessments(self.assessments)

    def record(self) -> bool:
        """The assessment dialog; a checked record is stored (audited) and drawn."""
        from ui.assessment_dialog import AssessmentDialog

        window = self.window
        if window.record is None:
            window.prompter.warn("No patient", "Open a patient first.")
            return False
        p = window.record.patient
        now = window.clock().replace(second=0, microsecond=0)
        dialog = AssessmentDialog(f"{p.name} ({p.id})", now, parent=window)
        if not run_dialog(window.prompter, dialog) or dialog.value is None:
            return False
        try:
            window.db.record_assessment(p.id, dialog.value, user=window.user, now=now)
        except DatabaseError as exc:
            window.prompter.warn("Assessment not recorded", f"The database refused it: {exc}")
            return False
        self.patient_opened()
        window.statusBar().showMessage(f"Assessment recorded for {p.name}.", 10000)
        return True
