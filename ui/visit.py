"""The visit in the window (product.md, "The visit"): Start visit interrogates the pump first;
every step after it (refill, dose change, boluses, assessments, transmission) is filed under the
visit by the database as it is written; Finish visit needs the pump running the final programme
or an explicit "left unchanged" with a typed reason. A visit left open (the window closed, a
crash) is resumed on the next start, and the status bar says on every screen that it is open."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from html import escape
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from db.database import DatabaseError, ProgrammeVersion
from db.visits import Visit
from programmer.finding import Severity
from programmer.visit import VisitRefused
from ui.pump.prompts import run_dialog
from ui.pump.record import record_view
from ui.theme import severity_style
from ui.widgets.actions import named_action

if TYPE_CHECKING:
    from ui.pump.workflows import PumpWorkflows
    from ui.session import PatientSession


class LeftUnchangedDialog(QDialog):
    """Why the visit ends without the pump running a new final programme: a typed reason."""

    def __init__(self, why: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("leftUnchangedDialog")
        self.setWindowTitle("Finish the visit: left unchanged")
        text = QLabel(f"{why}\n\nTo finish the visit as left unchanged, type the reason:")
        text.setWordWrap(True)
        self.reason = QLineEdit()
        self.reason.setObjectName("leftUnchangedReason")
        self.reason.setMaxLength(2000)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("Finish as left unchanged")
        self.ok.setEnabled(False)
        self.reason.textChanged.connect(lambda t: self.ok.setEnabled(bool(t.strip())))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addWidget(self.reason)
        layout.addWidget(self.buttons)

    def accept(self) -> None:
        if self.reason.text().strip():
            super().accept()


class VisitWorkflow(QObject):
    """Start, resume and finish the open patient's visit; the open-visit banner (``banner``:
    the window shows it). A controller on the patient session, beside the pump workflows it
    interrogates with; ``status_message(text, ms)``: a status-bar message."""

    status_message = Signal(str, int)

    def __init__(
        self, session: PatientSession, parent: QWidget, pump_workflows: PumpWorkflows
    ) -> None:
        """``parent``: the widget the dialogs open over and the actions belong to."""
        super().__init__(parent)
        self.session = session
        self._parent = parent
        self._pump = pump_workflows
        self.visit: Visit | None = None
        self.start_action = self._action("Start &visit", self.start, "startVisit", "Ctrl+Shift+V")
        self.finish_action = self._action("&Finish visit…", self.finish, "finishVisit")
        self.report_action = self._action(
            "Visit report as P&DF…", self.save_report, "visitReportPdf"
        )
        self.slip_action = self._action("Patient s&lip as PDF…", self.save_slip, "patientSlip")
        self.review_action = self._action("Revie&w visit…", self.review, "reviewVisit")
        self.preview_action = self._action(
            "Visit report pri&nt preview…", self.preview_report, "visitReportPreview"
        )
        self.actions = [
            self.start_action,
            self.review_action,
            self.finish_action,
            self.report_action,
            self.preview_action,
            self.slip_action,
        ]
        self.banner = QLabel()
        self.banner.setObjectName("visitBanner")
        background, colour = severity_style(Severity.SOFT)
        self.banner.setStyleSheet(
            f"QLabel {{ background: {background}; color: {colour}; padding: 2px 8px; "
            "font-weight: bold; }"
        )
        self.banner.setVisible(False)
        self.set_enabled(False)
        pump_workflows.transmit_gate = self.cleared_to_transmit

    def _action(
        self, text: str, slot: Callable[[], object], name: str, shortcut: str | None = None
    ) -> QAction:
        return named_action(self._parent, text, slot, name, shortcut)

    def set_enabled(self, patient_open: bool) -> None:
        self.start_action.setEnabled(patient_open)
        self.report_action.setEnabled(patient_open)
        self.preview_action.setEnabled(patient_open)
        self.slip_action.setEnabled(patient_open)
        self.finish_action.setEnabled(patient_open and self.visit is not None)
        self.review_action.setEnabled(patient_open and self.visit is not None)
        if not patient_open:
            self.visit = None
            self._show()

    def _now(self) -> datetime:
        return self.session.clock().replace(second=0, microsecond=0)

    def _show(self) -> None:
        v = self.visit
        if v is None:
            self.banner.setVisible(False)
            self.finish_action.setEnabled(False)
            self.review_action.setEnabled(False)
            return
        self.banner.setText(
            f"VISIT {v.number} OPEN since {v.started_at:%Y-%m-%d %H:%M}: every step is recorded"
        )
        self.banner.setVisible(True)
        self.finish_action.setEnabled(True)
        self.review_action.setEnabled(True)

    def refresh(self) -> None:
        """Read the open patient's open visit (after every action, for the step count)."""
        record = self.session.record
        if record is None:
            self.visit = None
        else:
            try:
                self.visit = self.session.db.open_visit(record.patient.id)
            except DatabaseError:
                self.visit = None
        self._show()

    def patient_opened(self) -> None:
        self.refresh()
        if self.visit is not None:
            self.status_message.emit(
                f"Visit {self.visit.number} was left open: Start visit resumes it.", 10000
            )

    def start(self) -> Visit | None:
        """Start (or resume) the visit, then interrogate the pump: the visit's first step."""
        session = self.session
        if session.record is None:
            session.prompter.warn("No patient", "Open a patient first.")
            return None
        try:
            visit, resumed = session.db.start_visit(
                session.record.patient.id, user=session.user, now=self._now()
            )
        except DatabaseError as exc:
            session.prompter.warn("The visit cannot start", str(exc))
            return None
        if resumed:
            session.prompter.inform(
                "Visit resumed",
                f"Visit {visit.number}, started {visit.started_at:%Y-%m-%d %H:%M} by "
                f"{visit.started_by}, was left open; it goes on from its {len(visit.steps)} "
                "recorded step(s).",
            )
        self._pump.interrogate()
        self.refresh()
        return self.visit

    def review(self, *, before_transmitting: int | None = None) -> bool:
        """The visit's review (ui/visit_review.py): the pump as last interrogated beside the
        programme to transmit (the saved version, or the unsaved edits when there are any);
        confirmed, it is stored as the visit's ``visit.reviewed`` step. True when stored.
        ``before_transmitting``: the version a transmission waits on this review for (its
        heading says so)."""
        from ui.visit_review import VisitReviewDialog, visit_review

        session = self.session
        self.refresh()
        record, document, visit = session.record, session.document, self.visit
        if record is None or document is None:
            session.prompter.warn("No patient", "Open a patient first.")
            return False
        if visit is None:
            session.prompter.warn(
                "No visit open", "Start the visit first: it interrogates the pump."
            )
            return False
        patient_id = record.patient.id
        now = session.clock()
        try:
            # The pump as stored (what this or any other console last did to it), brought to
            # now: the review clears a version for the pump against what the pump really runs,
            # not against this window's last reading.
            pump = session.db.simulated_pump(patient_id, now=now) or self._pump.state
            if pump is None:
                session.prompter.warn(
                    "The pump has not been read", "Interrogate the pump first (Ctrl+I)."
                )
                return False
            record_at = record_view(
                session.db.versions(patient_id),
                session.db.boluses_given(patient_id),
                session.db.catalogue,
                max(now, pump.clock),
            )
            context = session.db.check_context(patient_id, now)
        except DatabaseError as exc:
            session.prompter.warn("The visit cannot be reviewed", str(exc))
            return False
        saved = session.current
        if session.is_modified() or saved is None:
            title, version = "Pending (not saved yet)", None
        else:
            title, version = f"Saved version {saved.number}", saved.number
        review = visit_review(
            pump,
            document.pending,
            programme_title=title,
            record=record_at,
            context=context,
            now=now,
        )
        heading = (
            f"Visit {visit.number} of {escape(record.patient.name)} ({escape(patient_id)}): "
            "the pump as last interrogated beside the programme to transmit. Check every "
            "highlighted value before transmitting."
        )
        if before_transmitting is not None:
            heading += (
                f"<br><b>Version {before_transmitting} is transmitted once this review is "
                "confirmed</b>; Cancel transmits nothing."
            )
        dialog = VisitReviewDialog(review, heading, self._parent)
        if not run_dialog(session.prompter, dialog):
            self.status_message.emit("Visit review not confirmed: nothing recorded.", 10000)
            return False
        try:
            session.db.record_visit_review(
                patient_id, review.details(version), user=session.user, now=self._now()
            )
        except DatabaseError as exc:
            session.prompter.warn("Review not recorded", f"The database refused it: {exc}")
            return False
        self.refresh()
        self.status_message.emit(f"Visit {visit.number}: review recorded.", 10000)
        return True

    def reviewed(self, version: int) -> bool:
        """The open visit holds a confirmed review of saved ``version`` (its ``visit.reviewed``
        steps say which version each reviewed: db/visits.py record_review; a review of unsaved
        edits names none, so the version they are saved as is not reviewed yet)."""
        visit = self.visit
        return visit is not None and any(
            step.action == "visit.reviewed" and step.details.get("version") == version
            for step in visit.steps
        )

    def cleared_to_transmit(self, version: ProgrammeVersion) -> bool:
        """The rule every transmission goes through (the pump workflows' transmit gate,
        installed by this workflow): during an open visit a version goes to the pump only after
        a review of that same version was confirmed in the visit (product.md, "The visit":
        review, then transmit); a version saved after its review is a new one and needs its own.
        Not reviewed yet: the review is shown now; cancelled, nothing is transmitted and the
        status bar says why. Outside a visit every version is cleared, as before."""
        session = self.session
        if session.record is None:
            return True
        try:
            self.visit = session.db.open_visit(session.record.patient.id)
        except DatabaseError as exc:
            session.prompter.warn(
                "Not transmitted", f"Whether a visit is open cannot be read: {exc}"
            )
            return False
        self._show()
        visit = self.visit
        if visit is None or self.reviewed(version.number):
            return True
        if self.review(before_transmitting=version.number) and self.reviewed(version.number):
            return True
        self.status_message.emit(
            f"Visit {visit.number}: the review was not confirmed, so version {version.number} "
            "was not transmitted. Pump -> Review visit, then transmit.",
            15000,
        )
        return False

    def offer_transmit(self, saved: ProgrammeVersion, previous: ProgrammeVersion | None) -> None:
        """After a save: the pump workflows' offer to transmit. During a visit its gate
        (:meth:`cleared_to_transmit`) shows the review of the saved version first, and a
        cancelled review means no offer is made."""
        self._pump.offer_transmit(saved, previous)

    def finish(self) -> Visit | None:
        """Finish: at once when the pump runs the final programme; otherwise only as "left
        unchanged" with a typed reason; never while a session has the pump stopped."""
        session = self.session
        if session.record is None or self.visit is None:
            return None
        patient_id = session.record.patient.id
        try:
            done = session.db.finish_visit(patient_id, user=session.user, now=self._now())
        except VisitRefused as refused:
            if self._pump.stopped_here() or "unfinished" in str(refused):
                session.prompter.warn("The visit cannot finish", str(refused))
                return None
            dialog = LeftUnchangedDialog(str(refused), self._parent)
            if not run_dialog(session.prompter, dialog):
                return None
            try:
                done = session.db.finish_visit(
                    patient_id,
                    user=session.user,
                    now=self._now(),
                    left_unchanged_reason=dialog.reason.text(),
                )
            except (VisitRefused, DatabaseError) as exc:
                session.prompter.warn("The visit cannot finish", str(exc))
                return None
        except DatabaseError as exc:
            session.prompter.warn("The visit cannot finish", str(exc))
            return None
        self.visit = None
        self._show()
        words = (
            "pump running the final programme"
            if done.outcome == "running-final"
            else (f"left unchanged: {done.reason}")
        )
        self.status_message.emit(f"Visit {done.number} finished ({words}).", 10000)
        return done

    def save_report(self) -> bool:
        """The report of the open visit, else of the patient's latest one, as a PDF file."""
        from ui.report.visit import VisitReportError, visit_report_html, write_visit_pdf

        session = self.session
        if session.record is None:
            return False
        patient_id = session.record.patient.id
        try:
            visits = session.db.visits(patient_id)
        except DatabaseError as exc:
            session.prompter.warn("Visit report", str(exc))
            return False
        if not visits:
            session.prompter.inform("Visit report", "This patient has no visit yet.")
            return False
        number = visits[-1].number
        path = session.prompter.save_path(
            "Save the visit report", f"visit-{patient_id}-{number}.pdf", "PDF (*.pdf)"
        )
        if path is None:
            return False
        try:
            html, _visit = visit_report_html(
                session.db, patient_id, number, printed_at=self._now(), printed_by=session.user
            )
            pages = write_visit_pdf(html, path, protected=[session.db.path])
        except (DatabaseError, VisitReportError, OSError) as exc:
            session.prompter.warn("Visit report not written", f"{path}: {exc}")
            return False
        self.status_message.emit(f"Visit report written: {path} ({pages} pages)", 10000)
        return True

    def preview_report(self) -> bool:
        """The visit report in the print preview (the same pages as the PDF), from which it
        can be printed; the open visit's, else the latest one's."""
        from ui.report.visit import VisitReportError, visit_report_html
        from ui.visit_preview import VisitPreviewDialog

        session = self.session
        if session.record is None:
            return False
        patient_id = session.record.patient.id
        try:
            visits = session.db.visits(patient_id)
            if not visits:
                session.prompter.inform("Visit report", "This patient has no visit yet.")
                return False
            html, _visit = visit_report_html(
                session.db,
                patient_id,
                visits[-1].number,
                printed_at=self._now(),
                printed_by=session.user,
            )
        except (DatabaseError, VisitReportError) as exc:
            session.prompter.warn("Visit report", str(exc))
            return False
        dialog = VisitPreviewDialog(
            html, f"Visit report {patient_id} visit {visits[-1].number}", self._parent
        )
        run_dialog(session.prompter, dialog)
        return True

    def save_slip(self) -> bool:
        """The one-page patient slip (pump, reservoir, dose, alarm and refill-by dates)."""
        from ui.report.visit import patient_slip_html, write_visit_pdf

        session = self.session
        if session.record is None:
            return False
        patient_id = session.record.patient.id
        path = session.prompter.save_path(
            "Save the patient slip", f"slip-{patient_id}.pdf", "PDF (*.pdf)"
        )
        if path is None:
            return False
        try:
            pages = write_visit_pdf(
                patient_slip_html(session.db, patient_id, now=self._now()),
                path,
                protected=[session.db.path],
            )
        except (DatabaseError, OSError) as exc:
            session.prompter.warn("Patient slip not written", f"{path}: {exc}")
            return False
        self.status_message.emit(f"Patient slip written: {path} ({pages} page)", 10000)
        return pages == 1
