"""``report``: a patient's session report as a PDF file (issue 5: "itb-console --db PATH report
PATIENT_ID --out FILE.pdf" for the current version).

Exit 0 when the file is written; 2, with one line on stderr and never a traceback, when the
database cannot be opened, the patient or version is unknown, there is no programme to report,
or the file cannot be written. Qt is loaded only once the report's content is ready (the plots
are Qt widgets), on the offscreen platform when there is no display: importing this module
loads neither Qt nor the storage layer, so ``itb-console check`` stays fast.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from programmer.files import FileProblem, output_problem
from ui.commands.invocation import (
    add_account_option,
    database_path,
    fail,
    session,
    version_number,
)


def register(sub: Any) -> None:
    """Add the ``report`` subcommand to the ``itb-console`` subparsers."""
    rep = sub.add_parser(
        "report",
        help="write the session report of a patient's programme as a PDF "
        "(exit 0 written, 2 cannot be made)",
    )
    rep.add_argument("patient_id", metavar="PATIENT_ID")
    rep.add_argument(
        "--version",
        metavar="N",
        type=version_number,
        help="report this version (default: the current, newest confirmed one)",
    )
    rep.add_argument(
        "--visit",
        metavar="N",
        type=version_number,
        help="the report of the patient's visit N instead (ui/commands/visits.py)",
    )
    rep.add_argument("--out", metavar="FILE.pdf", required=True, help="the PDF file to write")
    rep.add_argument(
        "--clinic",
        metavar="NAME",
        default=None,
        help="the clinic's name on every page (default: the clinic settings' name)",
    )
    rep.add_argument("--force", action="store_true", help="replace the PDF file if it exists")
    add_account_option(rep)
    rep.set_defaults(func=run_report)


def ensure_qt_application() -> object:
    """The running QApplication, or a new one on the offscreen platform (unless one is chosen),
    with the report font registered; a system that cannot run Qt raises QtUnavailableError."""
    running = sys.modules.get("PySide6.QtWidgets")  # e.g. File -> Export FHIR in the window
    if running is not None and running.QApplication.instance() is not None:
        return running.QApplication.instance()
    # A report is drawn, never shown: offscreen even on a desktop, so a DISPLAY whose X server
    # has gone cannot abort it.
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from ui.startup_checks import require_qt

    require_qt(window=os.environ["QT_QPA_PLATFORM"] != "offscreen")
    from PySide6.QtWidgets import QApplication

    from ui.report.fonts import register_report_fonts

    app = QApplication.instance()
    if app is None:
        app = QApplication([sys.argv[0] if sys.argv else "itb-console"])
        register_report_fonts()
    return app


def run_report(args: argparse.Namespace) -> int:
    """Write the report; see the module docstring for the exit codes."""
    from db.database import DatabaseError
    from db.kind import DatabaseKind
    from ui.report.content import ReportError, report_from_database

    out = Path(args.out)
    protected = database_path(args)[0]
    problem = output_problem(out, force=args.force, protected=[protected])
    if problem is not None:  # before anything is read, or a password asked for
        return fail(f"{out}: {problem}")
    if args.visit is not None:
        return run_visit_report(args, out)
    try:
        with session(args, "report") as s:
            database = s.database
            report = report_from_database(
                database,
                args.patient_id,
                args.version,
                now=s.evaluated_at,
                printed_by=s.recorded_by,
                clinic=args.clinic or None,
                # Every page of a training database's report says so, whatever was asked.
                training=database.kind is DatabaseKind.TRAINING,
            )
    except (DatabaseError, ReportError) as exc:
        return fail(str(exc))
    except FileProblem as exc:
        return fail(str(exc))
    except OSError as exc:
        return fail(f"the database cannot be opened: {exc.strerror or exc}")

    app = ensure_qt_application()
    from ui.report.pdf import ReportRenderError, write_pdf

    try:
        pages = write_pdf(report, out, force=args.force, protected=[protected])
    except FileProblem as exc:
        return fail(str(exc))
    except OSError as exc:
        return fail(f"{out}: cannot be written: {exc.strerror or exc}")
    except ReportRenderError as exc:
        return fail(f"{out}: {exc}")
    finally:
        del app
    print(
        f"{out}: session report of {report.patient_line}, version {report.version} "
        f"({pages} page{'s' if pages != 1 else ''})"
    )
    return 0


def run_visit_report(args: argparse.Namespace, out: Path) -> int:
    """``report PATIENT_ID --visit N --out FILE``: the visit report as a PDF (exit 0 written,
    2 the patient, the visit or the file cannot be used)."""
    from db.database import DatabaseError

    if args.version is not None:
        return fail("give --version or --visit, not both")
    app = ensure_qt_application()
    from ui.report.visit import VisitReportError, visit_report_html, write_visit_pdf

    try:
        with session(args, "report") as s:
            html, visit = visit_report_html(
                s.database,
                args.patient_id,
                args.visit,
                printed_at=s.evaluated_at,
                printed_by=s.recorded_by,
            )
            pages = write_visit_pdf(html, out, force=args.force, protected=[s.database.path])
    except (DatabaseError, VisitReportError) as exc:
        return fail(str(exc))
    except OSError as exc:
        return fail(f"{out}: cannot be written: {exc.strerror or exc}")
    finally:
        del app
    print(
        f"{out}: visit report of {args.patient_id}, visit {visit.number} "
        f"({pages} page{'s' if pages != 1 else ''})"
    )
    return 0
