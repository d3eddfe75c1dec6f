"""What the patient felt, in the window: the assessment dialog recorded through the database,
and the scores drawn under the dose history (product.md, "Assessments and screening"). One
controller on the patient session, like the pump workflows: it owns its actions and its dialogs,
which go through the session's prompter (``run_dialog``), so tests never block; it reports
upward by signals and never imports the window."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QWidget

from db.database import DatabaseError, ScreeningRecord
from programmer.assessment import Assessment
from programmer.errors import EngineError
from programmer.findings import CheckResult
from programmer.programme import Mode, Programme
from programmer.schedule_edit import set_daily_dose
from ui.pump.prompts import run_dialog
from ui.widgets.actions import named_action

if TYPE_CHECKING:
    from ui.session import PatientSession


class AssessmentWorkflow(QObject):
    """Record an assessment for the open patient and keep the scores panel current."""

    # Upward, to the window: the patient's assessments as read (for the scores panel), a
    # status-bar message (text, ms), and the Programme tab with a dose just put in the editor.
    assessments_changed = Signal(list)
    status_message = Signal(str, int)
    editor_requested = Signal()

    def __init__(self, session: PatientSession, parent: QWidget) -> None:
        """``parent``: the widget the dialogs open over and the actions belong to."""
        super().__init__(parent)
        self.session = session
        self._parent = parent
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
        return named_action(self._parent, text, slot, name, shortcut)

    def set_enabled(self, patient_open: bool) -> None:
        for action in self.actions:
            action.setEnabled(patient_open)

    def patient_opened(self) -> None:
        """Read the open patient's assessments into the scores panel."""
        record = self.session.record
        if record is None:
            return
        try:
            self.assessments = self.session.db.assessments(record.patient.id)
        except DatabaseError as exc:
            self.assessments = []
            self.session.prompter.warn("The assessments cannot be read", str(exc))
        self.assessments_changed.emit(self.assessments)

    def record(self) -> bool:
        """The assessment dialog; a checked record is stored (audited) and drawn."""
        from ui.assessment_dialog import AssessmentDialog

        session = self.session
        if session.record is None:
            session.prompter.warn("No patient", "Open a patient first.")
            return False
        p = session.record.patient
        now = session.clock().replace(second=0, microsecond=0)
        dialog = AssessmentDialog(f"{p.name} ({p.id})", now, parent=self._parent)
        if not run_dialog(session.prompter, dialog) or dialog.value is None:
            return False
        try:
            session.db.record_assessment(p.id, dialog.value, user=session.user, now=now)
        except DatabaseError as exc:
            session.prompter.warn("Assessment not recorded", f"The database refused it: {exc}")
            return False
        self.patient_opened()
        self.status_message.emit(f"Assessment recorded for {p.name}.", 10000)
        return True

    # ------------------------------------------------------------ screening (domain.md)

    def screening(self) -> bool:
        """The screening trials; the suggested starting dose, once chosen, goes into the editor
        as one undoable edit, where the findings check it like any dose."""
        from ui.screening_dialog import ScreeningDialog

        session = self.session
        if session.record is None:
            session.prompter.warn("No patient", "Open a patient first.")
            return False
        p = session.record.patient
        try:
            trials = session.db.screenings(p.id)
        except DatabaseError as exc:
            session.prompter.warn("The screening trials cannot be read", str(exc))
            return False

        def record(trial: ScreeningRecord) -> str | None:
            try:
                session.db.record_screening(p.id, trial, user=session.user, now=self._now())
            except DatabaseError as exc:
                return f"Not recorded: {exc}"
            return None

        dialog = ScreeningDialog(
            f"{p.name} ({p.id})",
            trials,
            self._now(),
            record=record,
            check_dose=self.check_starting_dose,
            parent=self._parent,
        )
        if not run_dialog(session.prompter, dialog) or dialog.chosen_dose is None:
            return False
        return self.put_in_editor(dialog.chosen_dose)

    def _now(self) -> datetime:
        return self.session.clock().replace(second=0, microsecond=0)

    def check_starting_dose(self, dose: Decimal) -> CheckResult | None:
        """The save's own check of the open programme set to ``dose`` mcg/day."""
        document = self.session.document
        if document is None:
            return None
        try:
            return self.session.db.check_programme(
                _starting(document.pending, dose), now=self._now()
            )
        except (DatabaseError, EngineError, KeyError):
            return None

    def put_in_editor(self, dose: Decimal) -> bool:
        session = self.session
        document = session.document
        if document is None:
            session.prompter.warn("No programme", "The patient has no pump to programme.")
            return False
        try:
            document.edit(
                f"Starting dose from screening: {dose:f} mcg/day",
                lambda programme: _starting(programme, dose),
            )
        except EngineError as exc:
            session.prompter.warn("Not put in the editor", str(exc))
            return False
        self.editor_requested.emit()
        return True


def _starting(programme: Programme, dose: Decimal) -> Programme:
    """``programme`` in the simple continuous mode at ``dose`` mcg/day (the editor's own
    operation, so its limits on a typed daily dose apply)."""
    return set_daily_dose(
        programme.with_changes(mode=Mode.SIMPLE_CONTINUOUS, daily_dose_mcg=dose, week=None), dose
    )
