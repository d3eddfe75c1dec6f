"""``export-fhir``: a patient's record as an HL7 FHIR R4 Bundle file (product.md,
"Interoperability"; the mapping is :mod:`db.fhir`).

Exit 0 when the file is written; 2, with one line on stderr, when the database cannot be
opened, the patient is unknown, or the file cannot be (or may not be) written. The session
report PDF inside the bundle is drawn by the report code, so Qt is started (offscreen without a
display) only when the patient has a confirmed programme to report.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from programmer.files import FileProblem, output_problem, write_bytes
from ui.commands.invocation import add_account_option, fail, session

if TYPE_CHECKING:
    from db.database import Database
    from db.fhir import SessionReportPdf


def register(sub: Any) -> None:
    """Add the ``export-fhir`` subcommand to the ``itb-console`` subparsers."""
    cmd = sub.add_parser(
        "export-fhir",
        help="write a patient's record as an HL7 FHIR R4 Bundle (JSON) with the session report",
    )
    cmd.add_argument("patient_id", metavar="PATIENT_ID")
    cmd.add_argument("--out", metavar="FILE.json", required=True, help="the bundle file to write")
    cmd.add_argument("--force", action="store_true", help="replace FILE if it exists")
    add_account_option(cmd)
    cmd.set_defaults(func=run_export_fhir)


def session_report_pdf(
    database: Database, patient_id: str, *, now: datetime, printed_by: str
) -> SessionReportPdf | None:
    """The session report of the current programme as PDF bytes, or None when the patient has
    no confirmed programme yet. Starts Qt (the report's plots are Qt widgets)."""
    from db.fhir import SessionReportPdf
    from db.kind import DatabaseKind
    from ui.report.content import ReportError, report_from_database

    try:
        report = report_from_database(
            database,
            patient_id,
            now=now,
            printed_by=printed_by,
            training=database.kind is DatabaseKind.TRAINING,
        )
    except ReportError:
        return None
    from ui.commands.report import ensure_qt_application

    app = ensure_qt_application()
    from ui.report.pdf import pdf_data

    try:
        data, _pages = pdf_data(report)
    finally:
        del app
    return SessionReportPdf(
        data=data,
        title=f"Session report, {report.patient_line}, programme version {report.version}",
        version=report.version,
    )


def export_bundle(
    database: Database, patient_id: str, *, now: datetime, printed_by: str
) -> tuple[str, bool]:
    """The bundle's text, and whether it holds the session report."""
    from db.fhir import bundle_text, record_from_database

    report = session_report_pdf(database, patient_id, now=now, printed_by=printed_by)
    record = record_from_database(database, patient_id, report)
    return bundle_text(record, now=now), report is not None


def run_export_fhir(args: argparse.Namespace) -> int:
    from db.database import DatabaseError

    out = Path(args.out)
    try:
        with session(args, "export-fhir") as s:
            database, now = s.database, s.evaluated_at
            problem = output_problem(out, force=args.force, protected=[database.path])
            if problem is not None:  # before anything is read
                return fail(f"{out}: {problem}")
            database.patient(args.patient_id)  # an unknown patient is refused before Qt starts
            text, with_report = export_bundle(
                database, args.patient_id, now=now, printed_by=s.recorded_by
            )
            write_bytes(out, text.encode("utf-8"), force=args.force, protected=[database.path])
    except DatabaseError as exc:
        return fail(str(exc))
    except FileProblem as exc:
        return fail(str(exc))
    except OSError as exc:
        return fail(f"{out}: cannot be written: {exc.strerror or exc}")
    reconfigure = getattr(sys.stdout, "reconfigure", None)
    if reconfigure is not None:  # a patient id the terminal cannot show is escaped
        reconfigure(errors="backslashreplace")
    print(
        f"{out}: FHIR R4 bundle of {args.patient_id}"
        + ("" if with_report else " (no confirmed programme yet, so no session report)")
    )
    return 0
