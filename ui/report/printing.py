"""Printing the session report through the print dialog: the same pages as the PDF.

The dialog is reached through a replaceable callable (style.md: "Dialogs never block tests"),
so a test or a scripted run can choose the printer, or print to a PDF file, without one.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QDialog, QWidget

from ui.report.parts import SessionReport
from ui.report.pdf import render_report, setup_page

# Shows the print dialog for ``printer`` over ``parent``; True when the user chose to print.
AskPrinter = Callable[[QPrinter, QWidget | None], bool]


def ask_with_print_dialog(printer: QPrinter, parent: QWidget | None) -> bool:
    """The standard print dialog (modal); True when the user pressed Print."""
    dialog = QPrintDialog(printer, parent)
    dialog.setWindowTitle("Print session report")
    return dialog.exec() == QDialog.DialogCode.Accepted


def report_printer(report: SessionReport) -> QPrinter:
    """A printer set up for the report: A4 with the report's margins, at screen resolution
    (the plots are vectors either way; toolchain.md: pyqtgraph's axes break at high dpi)."""
    printer = QPrinter(QPrinter.PrinterMode.ScreenResolution)
    setup_page(printer)
    printer.setDocName(f"{report.title} {report.patient_id} version {report.version}")
    printer.setCreator("ITB programmer console")
    return printer


def print_report(
    report: SessionReport,
    parent: QWidget | None = None,
    *,
    ask: AskPrinter = ask_with_print_dialog,
) -> int:
    """Ask where to print (``ask``, the print dialog by default) and print the report there.
    Returns the number of pages printed, 0 when the user cancelled."""
    printer = report_printer(report)
    if not ask(printer, parent):
        return 0
    return render_report(report, printer)
