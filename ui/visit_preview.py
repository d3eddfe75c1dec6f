"""The visit report in Qt's print preview (issue 11: "A print preview"): the same HTML as the
PDF (ui/report/visit.py), laid out on the same A4 page with the same margins, so what is
previewed is what is printed. The dialog runs through the window's prompter (ui/visit.py) so
tests never block on it."""

from __future__ import annotations

from PySide6.QtCore import QMarginsF, QSizeF
from PySide6.QtGui import QPageLayout, QPageSize, QTextDocument
from PySide6.QtPrintSupport import QPrinter, QPrintPreviewDialog, QPrintPreviewWidget
from PySide6.QtWidgets import QWidget


def visit_printer(title: str) -> QPrinter:
    """A4 portrait, 15 mm margins, at screen resolution (as write_visit_pdf's writer)."""
    printer = QPrinter(QPrinter.PrinterMode.ScreenResolution)
    printer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            QPageLayout.Orientation.Portrait,
            QMarginsF(15, 15, 15, 15),
            QPageLayout.Unit.Millimeter,
        )
    )
    printer.setDocName(title)
    printer.setCreator("ITB programmer console")
    return printer


def render_html(html: str, printer: QPrinter) -> int:
    """Lay ``html`` out on ``printer``'s pages and print it there; the page count."""
    doc = QTextDocument()
    doc.setHtml(html)
    rect = printer.pageLayout().paintRectPixels(printer.resolution())
    doc.setPageSize(QSizeF(rect.width(), rect.height()))
    doc.print_(printer)
    return doc.pageCount()


class VisitPreviewDialog(QPrintPreviewDialog):
    """The preview of ``html``; its Print button prints the same pages."""

    def __init__(self, html: str, title: str, parent: QWidget | None = None) -> None:
        self._printer = visit_printer(title)  # the dialog does not own its printer
        super().__init__(self._printer, parent)
        self.html = html
        self.setObjectName("visitReportPreview")
        self.setWindowTitle(f"Print preview: {title}")
        self.paintRequested.connect(lambda p: render_html(self.html, p))
        self.resize(900, 760)


def preview_page_count(dialog: QPrintPreviewDialog) -> int:
    """The pages the preview shows (after laying them out)."""
    widget = dialog.findChild(QPrintPreviewWidget)
    assert widget is not None
    widget.updatePreview()
    return widget.pageCount()
