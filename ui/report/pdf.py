"""The session report on paper: A4 pages painted on a ``QPdfWriter`` (or a ``QPrinter``).

The body is one ``QTextDocument`` (HTML from :mod:`ui.report.markup`) paginated by Qt, so a
line of text is never cut by a page break, and a heading is kept with what follows it. Each
page gets a header (clinic, patient, the training marker when set) and a footer ("page N of
M", when and by whom printed). The two plots are the window's own pyqtgraph widgets
(:mod:`ui.widgets.plots`), painted as vectors where the document laid out their placeholders.

Known Qt traps (toolchain.md): a PlotWidget renders with ``render(painter, target=QRectF)``;
the writer stays at 96 dpi, since a 1200-dpi device breaks pyqtgraph's axes (still vector);
the painter is always ended in ``finally``, since an exception while it is active crashes the
process at exit. A ``QApplication`` must exist (the plots are widgets).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QIODevice,
    QMarginsF,
    QPointF,
    QRectF,
    QSizeF,
    Qt,
    QUrl,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QImage,
    QPagedPaintDevice,
    QPageLayout,
    QPageSize,
    QPainter,
    QPainterPath,
    QPdfWriter,
    QPen,
    QTextBlock,
    QTextBlockFormat,
    QTextCursor,
    QTextDocument,
    QTextFormat,
)
from PySide6.QtWidgets import QApplication, QGraphicsItem, QGraphicsTextItem

from programmer.files import write_bytes
from programmer.programme import Mode
from ui.report.markup import PLOTS, RATE_PLOT, RESERVOIR_PLOT, report_html
from ui.report.parts import TRAINING_MARK, PlotInputs, SessionReport
from ui.theme import REPORT_RULE_COLOUR, REPORT_TEXT_COLOUR, TRAINING_COLOUR, TRAINING_WATERMARK
from ui.widgets.plots import RateProfilePlot, ReservoirPlot

RESOLUTION = 96  # dpi of the PDF writer: vector output, and pyqtgraph's axes stay sound
MARGINS_MM = QMarginsF(16, 12, 16, 12)  # left, top, right, bottom
FONT_FAMILY = "DejaVu Sans"
BODY_POINTS = 9.0
HEADER_POINTS = 8.5
PLOT_ASPECT = 0.36  # plot height / body width
SCREEN_DPI = 96  # QTextDocument sizes images in 96-dpi pixels, whatever the device


class ReportRenderError(Exception):
    """The report could not be painted (e.g. no Qt application, or the device refused)."""


@dataclass(frozen=True, slots=True)
class _Geometry:
    """Where things go on every page, in device pixels from the top left of the paint area."""

    width: float
    height: float
    header: float
    footer: float

    @property
    def body_height(self) -> float:
        return self.height - self.header - self.footer


def setup_page(device: QPagedPaintDevice) -> None:
    """A4 portrait with the report's margins (a printer's dialog may change them after)."""
    device.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    device.setPageOrientation(QPageLayout.Orientation.Portrait)
    device.setPageMargins(MARGINS_MM, QPageLayout.Unit.Millimeter)


def _font(points: float, *, bold: bool = False) -> QFont:
    font = QFont(FONT_FAMILY)
    font.setPointSizeF(points)
    font.setBold(bold)
    # No "fi"/"fl" ligatures: a text extraction or a search of the PDF finds "refill" as typed.
    font.setFeature(QFont.Tag("liga"), 0)
    return font


def _geometry(device: QPagedPaintDevice) -> _Geometry:
    paint = device.pageLayout().paintRectPixels(device.logicalDpiY())
    line = QFontMetricsF(_font(HEADER_POINTS, bold=True), device).height()
    return _Geometry(
        width=float(paint.width()),
        height=float(paint.height()),
        header=float(round(3.2 * line)),
        footer=float(round(2.2 * line)),
    )


# ---------------------------------------------------------------- the plots


def _rename_legend(plot: RateProfilePlot | ReservoirPlot, curve: object, text: str | None) -> None:
    """The window's legend says "Saved" / "Pending"; the report names the versions (None:
    the entry goes, for a first programme with nothing before it)."""
    legend = plot.plot_item.legend
    if legend is None:
        return
    if text is None:
        legend.removeItem(curve)
        return
    for sample, label in legend.items:
        if sample.item is curve:
            label.setText(text)


def _prepared(plot: RateProfilePlot | ReservoirPlot, size: QSizeF) -> None:
    """Lay a plot out at ``size`` (96-dpi pixels) for painting, without showing it on any
    screen, every part of it drawn as vectors and text."""
    plot.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
    # The window caches its axes (with their grid lines) as pixmaps, which would go into the
    # PDF as pictures.
    for name in ("left", "bottom"):
        plot.plot_item.getAxis(name).setCacheMode(QGraphicsItem.CacheMode.NoCache)
    for item in plot.plot_widget.scene().items():
        if isinstance(item, QGraphicsTextItem):  # labels: no ligatures, as in _font
            font = item.font()
            font.setFeature(QFont.Tag("liga"), 0)
            item.setFont(font)
    plot.resize(round(size.width()), round(size.height()))
    plot.show()
    layout = plot.layout()
    if layout is not None:
        layout.activate()
    # One paint on screen terms first: pyqtgraph's TextItem (the reference lines' labels) sets
    # the painter's transform outright on its first paint, which on the page would put its
    # white backing away from its text.
    plot.plot_widget.grab()


def _plots(inputs: PlotInputs, size: QSizeF) -> dict[str, RateProfilePlot | ReservoirPlot]:
    """The window's two plots drawn for the report: old vs new rate profile, and the reservoir."""
    this = f"Version {inputs.version} (this version)"
    before = (
        f"Version {inputs.previous_version} (before)"
        if inputs.previous_version is not None
        else None
    )
    rate = RateProfilePlot()
    rate.readout.hide()
    rate.show_programmes(inputs.programme, inputs.previous, inputs.pump)
    weekly = any(
        p is not None
        and p.mode is Mode.FLEXIBLE
        and p.week is not None
        and not p.week.same_every_day
        for p in (inputs.programme, inputs.previous)
    )
    if weekly:
        rate.set_week(True)
    _rename_legend(rate, rate.pending_curve, this)
    _rename_legend(rate, rate.current_curve, before)
    if not inputs.programme.boluses:
        _rename_legend(rate, rate.bolus_points, None)

    reservoir = ReservoirPlot()
    reservoir.readout.hide()
    # The previous programme's reservoir is drawn only when it ran on the same fill (a change
    # between refills); after a refill its curve belongs to another fill.
    previous = inputs.previous if inputs.same_fill else None
    reservoir.show_projection(
        inputs.programme,
        inputs.projection,
        inputs.pump,
        now=inputs.at,
        current=previous,
        current_pump=inputs.previous_pump,
        earlier=inputs.earlier,
        current_earlier=inputs.previous_earlier,
    )
    reservoir.now_line.label.setFormat(f"Saved {inputs.at:%Y-%m-%d}")
    # Lower than in the window: the report's legend names two versions and is wider, and a
    # label behind it could not be read (positions are fractions of the height from below).
    for line, position in (
        (reservoir.refill_line, 0.70),
        (reservoir.empty_line, 0.56),
        (reservoir.now_line, 0.42),
    ):
        line.label.setPosition(position)
    _rename_legend(reservoir, reservoir.pending_curve, this)
    _rename_legend(reservoir, reservoir.current_curve, before if previous is not None else None)
    plots: dict[str, RateProfilePlot | ReservoirPlot] = {RATE_PLOT: rate, RESERVOIR_PLOT: reservoir}
    for widget in plots.values():
        _prepared(widget, size)
    return plots


def _dispose(plots: dict[str, RateProfilePlot | ReservoirPlot]) -> None:
    for widget in plots.values():
        widget.hide()
        widget.deleteLater()


# ---------------------------------------------------------------- the document


def _document(report: SessionReport, device: QPagedPaintDevice, geo: _Geometry) -> QTextDocument:
    doc = QTextDocument()
    doc.documentLayout().setPaintDevice(device)
    doc.setDocumentMargin(0)
    doc.setDefaultFont(_font(BODY_POINTS))
    blank = QImage(1, 1, QImage.Format.Format_ARGB32)
    blank.fill(Qt.GlobalColor.transparent)
    for name in PLOTS:
        doc.addResource(QTextDocument.ResourceType.ImageResource, QUrl(name), blank)
    scale = SCREEN_DPI / device.logicalDpiY()
    width = geo.width * scale
    doc.setHtml(report_html(report, plot_width=width, plot_height=width * PLOT_ASPECT))
    doc.setPageSize(QSizeF(geo.width, geo.body_height))
    _laid_out(doc)
    _keep_headings_with_next(doc, geo.body_height)
    return doc


def _laid_out(doc: QTextDocument) -> None:
    """Lay the whole document out now. After a format change Qt re-lays a document out lazily,
    leaving later blocks without lines and the page count short until asked again; marking it
    all dirty and asking for the page count finishes the layout."""
    doc.markContentsDirty(0, doc.characterCount())
    doc.pageCount()


def _first_line_y(doc: QTextDocument, block: QTextBlock) -> float:
    """Where the block's first line is laid out, in document coordinates."""
    top = doc.documentLayout().blockBoundingRect(block).y()
    layout = block.layout()
    return top + (layout.lineAt(0).y() if layout.lineCount() else 0.0)


def _is_heading(block: QTextBlock) -> bool:
    return block.isValid() and block.blockFormat().headingLevel() > 0


DAY_TITLE_LEVEL = 4  # markup: a schedule day's title (h4) is kept with its whole table


def _kept_with(block: QTextBlock) -> QTextBlock:
    """The last block that must share the heading's page: the one after it, or, for a day's
    title, the last row of the day's table (the 24-h total stays with its steps)."""
    following = block.next()
    if block.blockFormat().headingLevel() == DAY_TITLE_LEVEL:
        table = QTextCursor(following).currentTable()
        if table is not None:
            return table.cellAt(table.rows() - 1, 0).lastCursorPosition().block()
    return following


def _keep_headings_with_next(doc: QTextDocument, page_height: float) -> None:
    """A heading left at the foot of a page (its table or plot on the next) starts the next
    page instead; so do the headings just above it ("Boluses", "Planned in this programme").
    Each move shifts what follows, so the check runs again after it."""

    def page_of(block: QTextBlock) -> int:
        return int(_first_line_y(doc, block) // page_height)

    for _ in range(100):  # more headings than a report has: a guard, never the limit
        block = doc.begin()
        moved = False
        while block.isValid():
            following = block.next()
            kept = _kept_with(block) if _is_heading(block) else following
            if _is_heading(block) and kept.isValid() and page_of(kept) > page_of(block):
                first = block
                while _is_heading(first.previous()) and page_of(first.previous()) == page_of(block):
                    first = first.previous()
                if (
                    first.blockFormat().pageBreakPolicy()
                    != QTextFormat.PageBreakFlag.PageBreak_Auto
                ):
                    block = following  # already starts a page: what follows is just too tall
                    continue
                fmt = QTextBlockFormat()
                fmt.setPageBreakPolicy(QTextFormat.PageBreakFlag.PageBreak_AlwaysBefore)
                QTextCursor(first).mergeBlockFormat(fmt)
                _laid_out(doc)
                moved = True
                break
            block = following
        if not moved:
            return


def _placeholders(doc: QTextDocument) -> dict[str, QRectF]:
    """Where the document laid out each plot placeholder (document coordinates). Each sits
    alone in its paragraph, so its line's ascent is its height."""
    found: dict[str, QRectF] = {}
    layout = doc.documentLayout()
    block = doc.begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            fragment = it.fragment()
            fmt = fragment.charFormat()
            if fmt.isImageFormat() and fmt.toImageFormat().name() in PLOTS:
                # The bounding rect first: asking for it may lay the block out again, which
                # would leave a QTextLine taken before it dangling (and x() would crash).
                top = layout.blockBoundingRect(block).topLeft()
                offset = fragment.position() - block.position()
                line = block.layout().lineForTextPosition(offset)
                if not line.isValid():
                    raise ReportRenderError("a plot's place in the report was not laid out")
                found[fmt.toImageFormat().name()] = QRectF(
                    top.x() + line.x(),
                    top.y() + line.y(),
                    line.naturalTextWidth(),
                    line.ascent(),
                )
            it += 1
        block = block.next()
    return found


# ---------------------------------------------------------------- painting


def _header(painter: QPainter, report: SessionReport, geo: _Geometry) -> None:
    painter.setPen(QColor(REPORT_TEXT_COLOUR))
    bold = _font(HEADER_POINTS, bold=True)
    line = QFontMetricsF(bold, painter.device()).height()
    painter.setFont(bold)
    row = QRectF(0, 0, geo.width, line)
    align = Qt.AlignmentFlag.AlignVCenter
    painter.drawText(row, align | Qt.AlignmentFlag.AlignLeft, f"{report.clinic} — {report.title}")
    painter.drawText(row, align | Qt.AlignmentFlag.AlignRight, report.patient_line)
    second = QRectF(0, line, geo.width, line)
    painter.setFont(_font(HEADER_POINTS))
    painter.drawText(
        second,
        align | Qt.AlignmentFlag.AlignRight,
        f"Version {report.version}, saved {report.saved_at:%Y-%m-%d %H:%M}",
    )
    if report.training:
        painter.setFont(bold)
        painter.setPen(QColor(TRAINING_COLOUR))
        painter.drawText(second, align | Qt.AlignmentFlag.AlignLeft, TRAINING_MARK)
    painter.setPen(QPen(QColor(REPORT_RULE_COLOUR), 1))
    y = 2 * line + line * 0.45
    painter.drawLine(QPointF(0, y), QPointF(geo.width, y))


def _footer(
    painter: QPainter, report: SessionReport, geo: _Geometry, page: int, pages: int
) -> None:
    font = _font(HEADER_POINTS)
    line = QFontMetricsF(font, painter.device()).height()
    top = geo.height - geo.footer
    painter.setPen(QPen(QColor(REPORT_RULE_COLOUR), 1))
    painter.drawLine(QPointF(0, top + line * 0.6), QPointF(geo.width, top + line * 0.6))
    painter.setPen(QColor(REPORT_TEXT_COLOUR))
    painter.setFont(font)
    row = QRectF(0, top + line, geo.width, line)
    align = Qt.AlignmentFlag.AlignVCenter
    painter.drawText(
        row,
        align | Qt.AlignmentFlag.AlignLeft,
        f"Printed {report.printed_at:%Y-%m-%d %H:%M} by {report.printed_by}",
    )
    painter.drawText(row, align | Qt.AlignmentFlag.AlignRight, f"page {page} of {pages}")


def _watermark(painter: QPainter, geo: _Geometry) -> None:
    """A faint diagonal TRAINING across the page, as a filled outline rather than text, so a
    text extraction of the page reads as the page does."""
    font = _font(72, bold=True)
    path = QPainterPath()
    path.addText(QPointF(0, 0), font, "TRAINING")
    box = path.boundingRect()
    painter.save()
    painter.translate(geo.width / 2, geo.height / 2)
    painter.rotate(-35)
    painter.translate(-box.center())
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(TRAINING_WATERMARK)
    painter.drawPath(path)
    painter.restore()


def render_report(report: SessionReport, device: QPagedPaintDevice) -> int:
    """Paint ``report`` on ``device`` (a QPdfWriter or a QPrinter whose page is set up) and
    return the number of pages."""
    if QApplication.instance() is None:
        raise ReportRenderError("the report needs a Qt application to draw its plots")
    geo = _geometry(device)
    doc = _document(report, device, geo)
    pages = doc.pageCount()
    places = _placeholders(doc)
    scale = SCREEN_DPI / device.logicalDpiY()
    size = next(iter(places.values())).size() * scale if places else QSizeF(600, 220)
    plots = _plots(report.plots, size)
    painter = QPainter()
    if not painter.begin(device):
        _dispose(plots)
        raise ReportRenderError("the PDF or printer could not be started")
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        for index in range(pages):
            if index and not device.newPage():
                raise ReportRenderError("the PDF or printer refused a new page")
            if report.training:
                _watermark(painter, geo)
            _header(painter, report, geo)
            _footer(painter, report, geo, index + 1, pages)
            page = QRectF(0, index * geo.body_height, geo.width, geo.body_height)
            painter.save()
            painter.translate(0, geo.header - page.top())
            # Half a pixel in at each edge: a line laid out exactly on a page boundary belongs
            # to one page only (else it is also drawn, clipped but extractable, on the other).
            doc.drawContents(painter, page.adjusted(0, 0.5, 0, -0.5))
            for name, rect in places.items():
                if page.intersects(rect):
                    plots[name].plot_widget.render(painter, target=rect)
            painter.restore()
    finally:
        painter.end()
        _dispose(plots)
    return pages


def _pdf(report: SessionReport) -> tuple[bytes, int]:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setResolution(RESOLUTION)
    writer.setTitle(f"{report.title}: {report.patient_line}, version {report.version}")
    writer.setCreator("ITB programmer console")
    setup_page(writer)
    pages = render_report(report, writer)
    del writer
    buffer.close()
    return bytes(data.data()), pages


def pdf_bytes(report: SessionReport) -> bytes:
    """The report as a PDF file's bytes."""
    return _pdf(report)[0]


def pdf_data(report: SessionReport) -> tuple[bytes, int]:
    """The report as PDF bytes and its page count (to embed it, e.g. in a FHIR bundle)."""
    return _pdf(report)


def write_pdf(
    report: SessionReport,
    path: str | Path,
    *,
    force: bool = True,
    protected: Sequence[str | Path] = (),
) -> int:
    """Write the report to ``path`` whole or not at all, through programmer/files.py (never
    onto the database files in ``protected``, a device or a folder; an existing file replaced
    only with ``force``); returns the page count. Raises OSError when the file cannot be
    written (:class:`programmer.files.FileProblem` for a refused destination)."""
    data, pages = _pdf(report)
    write_bytes(path, data, force=force, protected=protected)
    return pages


__all__ = [
    "RESOLUTION",
    "ReportRenderError",
    "pdf_bytes",
    "render_report",
    "setup_page",
    "write_pdf",
]
