"""The audit trail, the session report and the FHIR export of the window's open patient
(product.md, "Records and files", "Interoperability"): the audit viewer, the report as a PDF file
the clinician names, and printed, and the patient's record as a FHIR R4 bundle file. A
controller on the patient session: it reports upward by ``status_message``."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QSize, Qt, Signal
from PySide6.QtWidgets import QWidget

from db.database import DatabaseError
from ui.login import TITLE
from ui.screen import fit_to_screen
from ui.session import PatientSession


class SessionReports(QObject):
    """``status_message(text, ms)``: a status-bar message."""

    status_message = Signal(str, int)

    def __init__(self, session: PatientSession, parent: QWidget) -> None:
        """``parent``: the widget the viewer and the print dialog open over."""
        super().__init__(parent)
        self.session = session
        self._parent = parent
        self.audit_viewer: QWidget | None = None

    def show_audit_trail(self) -> None:
        from ui.audit_viewer import AuditViewer

        viewer = AuditViewer(self.session.db, parent=self._parent)
        viewer.setWindowFlag(Qt.WindowType.Window)
        viewer.setWindowTitle("Audit trail — " + TITLE)
        viewer.set_filters(
            patient_id=self.session.record.patient.id if self.session.record else None
        )
        fit_to_screen(viewer, QSize(1100, 650))
        viewer.show()
        self.audit_viewer = viewer

    def _session_report(self) -> object | None:
        from db.kind import DatabaseKind
        from ui.report.content import ReportError, report_from_database

        if self.session.record is None:
            return None
        try:
            return report_from_database(
                self.session.db,
                self.session.record.patient.id,
                None,
                now=self.session.clock(),
                printed_by=self.session.user,
                training=self.session.db.kind is DatabaseKind.TRAINING,
            )
        except (DatabaseError, ReportError) as exc:
            self.session.prompter.warn("No session report", str(exc))
            return None

    def save_report(self) -> bool:
        """The current version's session report as a PDF file the clinician names."""
        from ui.report.pdf import ReportRenderError, write_pdf

        report = self._session_report()
        if report is None or self.session.record is None:
            return False
        path = self.session.prompter.save_path(
            "Save the session report",
            f"session-report-{self.session.record.patient.id}.pdf",
            "PDF (*.pdf)",
        )
        if path is None:
            return False
        try:
            pages = write_pdf(report, path, protected=[self.session.db.path])  # type: ignore[arg-type]
        except (OSError, ReportRenderError) as exc:
            self.session.prompter.warn("Report not written", f"{path}: {exc}")
            return False
        self.status_message.emit(f"Session report written: {path} ({pages} pages)", 10000)
        return True

    def print_report(self) -> bool:
        from ui.report.printing import print_report

        report = self._session_report()
        if report is None:
            return False
        return bool(print_report(report, self._parent))  # type: ignore[arg-type]

    def export_fhir(self) -> bool:
        """The open patient's record as a FHIR R4 bundle file the clinician names (the same
        export as ``itb-console export-fhir``)."""
        from programmer.files import FileProblem, write_bytes
        from ui.commands.fhir import export_bundle

        session = self.session
        if session.record is None:
            return False
        patient_id = session.record.patient.id
        path = session.prompter.save_path(
            "Export FHIR bundle", f"fhir-{patient_id}.json", "FHIR JSON (*.json)"
        )
        if path is None:
            return False
        out = Path(path)
        try:
            text, with_report = export_bundle(
                session.db, patient_id, now=session.clock(), printed_by=session.user
            )
            # The save dialog has already asked before replacing a file.
            write_bytes(out, text.encode("utf-8"), force=True, protected=[session.db.path])
        except (FileProblem, DatabaseError) as exc:
            session.prompter.warn("FHIR bundle not written", str(exc))
            return False
        except OSError as exc:
            session.prompter.warn("FHIR bundle not written", f"{out}: {exc.strerror or exc}")
            return False
        note = "" if with_report else " (no confirmed programme yet: no session report inside)"
        self.status_message.emit(f"FHIR bundle written: {out}{note}", 10000)
        return True
