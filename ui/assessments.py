"""What the patient felt, in the window: the assessment dialog recorded through the database,
and the scores drawn under the dose history (product.md, "Assessments and screening"). One
controller per window, like the pump workflows: it owns its actions and its dialogs, which go
through the window's prompter (``run_dialog``), so tests never block."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence

from db.database import DatabaseError, ScreeningRecord
from programmer.assessment import Assessment
from programmer.errors import EngineError
from programmer.findings import CheckResult
from programmer.programme import Mode, Programme
from programmer.schedule_edit import set_daily_dose
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
        self.screening_action = self._action(
            "Scr&eening trials…", self.screening, "screeningTrials", "Ctrl+Shift+T"
        )
        self.actions = [self.record_action, self.screening_action]
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

    # ------------------------------------------------------------ screening (domain.md)

    def screening(self) -> bool:
        """The screening trials; the suggested starting dose, once chosen, goes into the editor
        as one undoable edit, where the findings check it like any dose."""
        from ui.screening_dialog import ScreeningDialog

        window = self.window
        if window.record is None:
            window.prompter.warn("No patient", "Open a patient first.")
            return False
        p = window.record.patient
        try:
            trials = window.db.screenings(p.id)
        except DatabaseError as exc:
            window.prompter.warn("The screening trials cannot be read", str(exc))
            return False

        def record(trial: ScreeningRecord) -> str | None:
            try:
                window.db.record_screening(p.id, trial, user=window.user, now=self._now())
            except DatabaseError as exc:
                return f"Not recorded: {exc}"
            return None

        dialog = ScreeningDialog(
            f"{p.name} ({p.id})",
            trials,
            self._now(),
            record=record,
            check_dose=self.check_starting_dose,
            parent=window,
        )
        if not run_dialog(window.prompter, dialog) or dialog.chosen_dose is None:
            return False
        return self.put_in_editor(dialog.chosen_dose)

    def _now(self) -> datetime:
        return self.window.clock().replace(second=0, microsecond=0)

    def check_starting_dose(self, dose: Decimal) -> CheckResult | None:
        """The save's own check of the open programme set to ``dose`` mcg/day."""
        document = self.window.document
        if document is None:
            return None
        try:
            return self.window.db.check_programme(
                _starting(document.pending, dose), now=self._now()
            )
        except (DatabaseError, EngineError, KeyError):
            return None

    def put_in_editor(self, dose: Decimal) -> bool:
        window = self.window
        document = window.document
        if document is None:
            window.prompter.warn("No programme", "The patient has no pump to programme.")
            return False
        try:
            document.edit(
                f"Starting dose from screening: {dose:f} mcg/day",
                lambda programme: _starting(programme, dose),
            )
        except EngineError as exc:
            window.prompter.warn("Not put in the editor", str(exc))
            return False
        window.tabs.setCurrentWidget(window.editor_page)
        return True


def _starting(programme: Programme, dose: Decimal) -> Programme:
    """``programme`` in the simple continuous mode at ``dose`` mcg/day (the editor's own
    operation, so its limits on a typed daily dose apply)."""
    return set_daily_dose(
        programme.with_changes(mode=Mode.SIMPLE_CONTINUOUS, daily_dose_mcg=dose, week=None), dose
    )
