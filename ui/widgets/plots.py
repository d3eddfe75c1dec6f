"""The editor's plots (product.md, "Plots"): the rate profile of a day or a week, the reservoir
over the coming weeks, and the daily dose across saved versions.

Each plot owns one PlotDataItem per series, created once and updated with ``setData`` (style.md:
"one curve per series ... never clear-and-replot"); reference lines are InfiniteLines moved with
``setValue``. Rates are drawn as steps (``stepMode="center"``, ``len(x) == len(y) + 1``). OpenGL
stays off (there is none offscreen). Under each plot a read-out line gives the values under the
mouse, with units. Dates are plotted as seconds since 1970 of the naive local time, with the
date axis told the offset is 0, so the axis shows the times the programme holds, whatever the
machine's time zone.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QPointF, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QGraphicsItem, QLabel, QVBoxLayout, QWidget

from programmer.programme import EVERY_DAY, WEEKDAYS, Programme
from programmer.projection import Projection, RanBefore, ReservoirModel, reservoir_curve
from programmer.pump_catalogue import PumpModel
from programmer.schedule import basal_rates_by_weekday
from programmer.units import MINUTES_PER_HOUR, RateUnit, exact, rate_from_mcg_per_h
from programmer.words import WEEKDAY_ABBREVIATIONS, hhmm_of_hours, with_separator
from ui.theme import (
    ALARM_COLOUR,
    AXIS_COLOUR,
    AXIS_TEXT_COLOUR,
    BOLUS_COLOUR,
    BOLUS_EDGE_COLOUR,
    CURRENT_COLOUR,
    EMPTY_COLOUR,
    HOVER_LINE_COLOUR,
    LEGEND_BACKGROUND,
    LEGEND_TEXT_COLOUR,
    NOW_COLOUR,
    PENDING_COLOUR,
    PENDING_FILL,
    REFILL_COLOUR,
)
from ui.widgets.entry import format_fixed, format_rate

_EPOCH = datetime(1970, 1, 1)


def timestamp(moment: datetime) -> float:
    """Seconds since 1970 of a naive local time, read by a DateAxisItem with ``utcOffset=0``."""
    return (moment - _EPOCH).total_seconds()


def from_timestamp(seconds: float) -> datetime:
    return _EPOCH + timedelta(seconds=seconds)


class _HoursAxis(pg.AxisItem):  # type: ignore[misc]  # pyqtgraph has no type hints
    """Time of day (hours from 00:00) as HH:MM, or hours from Monday 00:00 as day names."""

    def __init__(self) -> None:
        super().__init__("bottom")
        self.week = False

    def tickSpacing(self, minVal: float, maxVal: float, size: float) -> list[tuple[float, float]]:
        span = maxVal - minVal
        if self.week and span > 48:
            # Day boundaries (unlabelled grid lines), then day names at noon.
            return [(24.0, 0.0), (24.0, 12.0)]
        if span > 12:
            return [(3.0, 0.0), (1.0, 0.0)]
        return [(1.0, 0.0), (0.25, 0.0)]

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        strings = []
        for v in values:
            if self.week:
                day = int(v // 24)
                if spacing >= 24:
                    label = WEEKDAY_ABBREVIATIONS[day % 7] if v % 24 == 12 else ""
                else:
                    label = hhmm_of_hours(v - 24 * day)
                strings.append(label if 0 <= v <= 168 else "")
            else:
                strings.append(hhmm_of_hours(v) if 0 <= v <= 24 else "")
        return strings


class _ValueAxis(pg.AxisItem):  # type: ignore[misc]  # pyqtgraph has no type hints
    """A value axis whose figures use the installation's decimal separator (issue 12)."""

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        return [with_separator(text) for text in super().tickStrings(values, scale, spacing)]


def _styled_plot(bottom: pg.AxisItem | None = None) -> pg.PlotWidget:
    axis_items = {"left": _ValueAxis("left")}
    if bottom is not None:
        axis_items["bottom"] = bottom
    widget = pg.PlotWidget(background="w", axisItems=axis_items)
    item = widget.getPlotItem()
    item.showGrid(x=True, y=True, alpha=0.25)
    item.hideButtons()
    for name in ("left", "bottom"):
        axis = item.getAxis(name)
        axis.setPen(pg.mkPen(AXIS_COLOUR))
        axis.setTextPen(pg.mkPen(AXIS_TEXT_COLOUR))
        # Axes are repainted with every curve change; cached, an unchanged axis is a blit.
        axis.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
    widget.setMinimumHeight(160)
    return widget


def _add_legend(item: pg.PlotItem) -> pg.LegendItem:
    """A one-line legend across the top left, over the headroom the y range leaves free."""
    return item.addLegend(
        offset=(8, 4),
        colCount=3,
        brush=pg.mkBrush(LEGEND_BACKGROUND),
        labelTextColor=LEGEND_TEXT_COLOUR,
        verSpacing=-6,
    )


HEADROOM = 1.3  # y range over the highest value: room for the legend


def nice_ceiling(value: float) -> float:
    """The next of 1, 1.5, 2, 2.5, 3, 4, 5, 6, 8 x 10^n at or above ``value``: an axis that
    moves only when the data outgrow it, so a small edit does not re-lay the axis (repainting
    an axis is the costly part of a plot update)."""
    if value <= 0:
        return 1.0
    scale = 10.0 ** math.floor(math.log10(value))
    for step in (1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0):
        if value <= step * scale * (1 + 1e-9):
            return step * scale
    return 10.0 * scale


class _PlotWithReadout(QWidget):
    """A plot and the read-out line under it."""

    placeholder = "Point at the plot, or focus it and use the arrow keys, to read values."
    # Arrow keys move the read-out by this share of the visible range (Page keys: 8 times it).
    KEY_STEPS = 48

    def __init__(self, plot_widget: pg.PlotWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot_widget = plot_widget
        self.plot_item = plot_widget.getPlotItem()
        self.readout = QLabel(self.placeholder)
        self.readout.setAccessibleName("Plot read-out")
        self.readout.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.hover_line = pg.InfiniteLine(angle=90, pen=pg.mkPen(HOVER_LINE_COLOUR, width=1))
        self.hover_line.setVisible(False)
        self.plot_item.addItem(self.hover_line, ignoreBounds=True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(plot_widget, 1)
        layout.addWidget(self.readout)
        # An explicit minimum keeps the read-out's changing text from changing a window's size
        # constraints (see ScheduleEditor.__init__).
        self.setMinimumSize(320, 200)
        plot_widget.scene().sigMouseMoved.connect(self._mouse_moved)
        # From the keyboard: Tab into the plot, Left/Right (Page Up/Down, Home/End) move the
        # read-out line; its text is the plot's accessible description for screen readers.
        plot_widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        plot_widget.installEventFilter(self)
        self._key_x: float | None = None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.plot_widget:
            if event.type() == QEvent.Type.FocusIn:
                self.read_by_keyboard(self._key_x)
            elif event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
                return self._key(event.key())
        return super().eventFilter(watched, event)

    def _key(self, key: int) -> bool:
        (low, high), _ = self.plot_item.vb.viewRange()
        step = (high - low) / self.KEY_STEPS
        x = self._key_x if self._key_x is not None else (low + high) / 2
        moves = {
            Qt.Key.Key_Left: x - step,
            Qt.Key.Key_Right: x + step,
            Qt.Key.Key_PageUp: x - 8 * step,
            Qt.Key.Key_PageDown: x + 8 * step,
            Qt.Key.Key_Home: low,
            Qt.Key.Key_End: high,
        }
        if key not in moves:
            return False
        self.read_by_keyboard(min(max(moves[Qt.Key(key)], low), high))
        return True

    def read_by_keyboard(self, x: float | None) -> str:
        """Put the read-out line at ``x`` (the middle of the visible range when None) and read
        it."""
        (low, high), _ = self.plot_item.vb.viewRange()
        x = (low + high) / 2 if x is None else x
        self._key_x = x
        text = self.readout_at(x)
        self.hover_line.setValue(x)
        self.hover_line.setVisible(bool(text))
        self.readout.setText(text or self.placeholder)
        self.plot_widget.setAccessibleDescription(self.readout.text())
        return text

    def _mouse_moved(self, pos: QPointF) -> None:
        vb = self.plot_item.vb
        if not vb.sceneBoundingRect().contains(pos):
            self.hover_line.setVisible(False)
            return
        x = vb.mapSceneToView(pos).x()
        text = self.readout_at(x)
        self.hover_line.setValue(x)
        self.hover_line.setVisible(bool(text))
        self.readout.setText(text or self.placeholder)

    def readout_at(self, x: float) -> str:
        """The values under the pointer at ``x``, with units; each plot says (none here)."""
        return ""


# ---------------------------------------------------------------- rate profile


def _segments(
    programme: Programme, pump: PumpModel, weekday: int | None
) -> tuple[list[float], list[Fraction]]:
    """Step edges (hours) and rates (mcg/h) of one weekday, or of the week from Monday."""
    by_day = basal_rates_by_weekday(programme, pump)
    days = range(7) if weekday is None else (weekday,)
    edges: list[float] = []
    rates: list[Fraction] = []
    for k, day in enumerate(days):
        for start, rate in by_day[day]:
            edges.append(24 * k + start / MINUTES_PER_HOUR)
            rates.append(rate)
    edges.append(24.0 * len(days))
    return edges, rates


class RateProfilePlot(_PlotWithReadout):
    """The pending programme's rates as steps over a day (or the week), the saved one overlaid
    dashed, planned boluses marked on top of the rate they add to. Feed it with
    :meth:`show_programmes`; :meth:`set_unit` and :meth:`set_week` change the view."""

    def __init__(self, parent: QWidget | None = None) -> None:
        self.axis = _HoursAxis()
        super().__init__(_styled_plot(self.axis), parent)
        self.plot_widget.setAccessibleName("Rate profile plot")
        item = self.plot_item
        _add_legend(item)
        self.current_curve = item.plot(
            stepMode="center",
            pen=pg.mkPen(CURRENT_COLOUR, width=2, style=Qt.PenStyle.DashLine),
            name="Saved programme",
        )
        self.pending_curve = item.plot(
            stepMode="center",
            pen=pg.mkPen(PENDING_COLOUR, width=2.5),
            fillLevel=0,
            brush=pg.mkBrush(PENDING_FILL),
            name="Pending programme",
        )
        self.bolus_points = item.plot(
            pen=None,
            symbol="t1",
            symbolSize=12,
            symbolBrush=BOLUS_COLOUR,
            symbolPen=pg.mkPen(BOLUS_EDGE_COLOUR),
            name="Planned bolus (rate on top)",
        )
        item.setMouseEnabled(x=True, y=False)
        self._unit = RateUnit.MCG_PER_H
        self._week = False
        self._day = EVERY_DAY
        self._pending: Programme | None = None
        self._current: Programme | None = None
        self._pump: PumpModel | None = None
        self._pending_steps: tuple[list[float], list[Fraction]] = ([], [])
        self._current_steps: tuple[list[float], list[Fraction]] = ([], [])
        self._boluses: list[tuple[float, str]] = []
        self._label_axes()

    # ------------------------------------------------------------ inputs

    def show_programmes(
        self,
        pending: Programme,
        current: Programme | None,
        pump: PumpModel,
        day: str = EVERY_DAY,
    ) -> None:
        """Draw ``pending`` (and ``current``) for ``day`` (``every_day`` or ``mon`` ...)."""
        self._pending, self._current, self._pump, self._day = pending, current, pump, day
        self._redraw()

    def set_unit(self, unit: RateUnit) -> None:
        self._unit = unit
        self._label_axes()
        self._redraw()

    def set_week(self, week: bool) -> None:
        """Show the whole week (Monday first) instead of one day."""
        self._week = week
        self.axis.week = week
        self._label_axes()
        self._redraw()

    @property
    def week(self) -> bool:
        return self._week

    # ------------------------------------------------------------ drawing

    def _label_axes(self) -> None:
        self.plot_item.setLabel("left", f"Rate ({self._unit.value})")
        span = "Day of the week" if self._week else "Time of day"
        self.plot_item.setLabel("bottom", span)

    def _weekday(self) -> int | None:
        if self._week:
            return None
        return WEEKDAYS.index(self._day) if self._day in WEEKDAYS else 0

    def _rate_text(self, rate: Fraction, programme: Programme) -> str:
        conc = programme.drug.concentration_mcg_per_ml
        return format_rate(rate_from_mcg_per_h(rate, self._unit, conc), self._unit)

    def _to_unit(self, rate: Fraction, programme: Programme) -> float:
        conc = programme.drug.concentration_mcg_per_ml
        return float(rate_from_mcg_per_h(rate, self._unit, conc))

    def _redraw(self) -> None:
        if self._pending is None or self._pump is None:
            return
        pending, pump = self._pending, self._pump
        weekday = self._weekday()
        self._pending_steps = _segments(pending, pump, weekday)
        x, rates = self._pending_steps
        y = [self._to_unit(r, pending) for r in rates]
        self.pending_curve.setData(x=np.array(x), y=np.array(y))
        top = max(y, default=0.0)
        if self._current is not None:
            self._current_steps = _segments(self._current, pump, weekday)
            cx, crates = self._current_steps
            cy = [self._to_unit(r, self._current) for r in crates]
            self.current_curve.setData(x=np.array(cx), y=np.array(cy))
            top = max(top, *cy)
        else:
            self._current_steps = ([], [])
            self.current_curve.setData(x=[], y=[])
        bx, by = self._bolus_marks(pending, weekday)
        self.bolus_points.setData(x=bx, y=by)
        top = max(top, *by) if by else top
        span = 168.0 if weekday is None else 24.0
        # Padding leaves room for the 00:00 and 24:00 labels at the ends of the axis.
        self.plot_item.setXRange(0, span, padding=0.04)
        self.plot_item.setYRange(0, nice_ceiling(top * HEADROOM), padding=0)

    def _bolus_marks(
        self, pending: Programme, weekday: int | None
    ) -> tuple[list[float], list[float]]:
        xs: list[float] = []
        ys: list[float] = []
        self._boluses = []
        for bolus in pending.boluses:
            hours = bolus.start.hour + bolus.start.minute / 60
            if weekday is None:
                hours += 24 * bolus.start.weekday()
            elif self._day != EVERY_DAY and bolus.start.weekday() != weekday:
                continue
            bolus_rate = exact(bolus.dose_mcg) * 60 / bolus.duration_min  # mcg/h on top
            basal = self._rate_at(self._pending_steps, hours)
            xs.append(hours)
            ys.append(self._to_unit((basal or Fraction(0)) + bolus_rate, pending))
            self._boluses.append(
                (
                    hours,
                    f"Bolus {bolus.start:%Y-%m-%d %H:%M}: {format_fixed(bolus.dose_mcg, 2)} mcg "
                    f"over {bolus.duration_min} min "
                    f"(+{self._rate_text(bolus_rate, pending)})",
                )
            )
        return xs, ys

    @staticmethod
    def _rate_at(steps: tuple[list[float], list[Fraction]], x: float) -> Fraction | None:
        edges, rates = steps
        if not rates or not edges[0] <= x < edges[-1]:
            return None
        return rates[bisect.bisect_right(edges, x) - 1]

    # ------------------------------------------------------------ read-out

    def readout_at(self, x: float) -> str:
        """What is drawn at ``x`` hours: the step's span and rate (and the saved rate)."""
        if self._pending is None:
            return ""
        edges, rates = self._pending_steps
        if not rates or not edges[0] <= x < edges[-1]:
            return ""
        i = bisect.bisect_right(edges, x) - 1
        start, end = edges[i], edges[i + 1]
        prefix = ""
        if self._week:
            day = int(start // 24)
            prefix = f"{WEEKDAY_ABBREVIATIONS[day]} "
            start, end = start - 24 * day, end - 24 * day
        span = f"{hhmm_of_hours(start)}–{hhmm_of_hours(end)}"
        text = f"{prefix}{span}  {self._rate_text(rates[i], self._pending)}"
        if self._current is not None:
            saved = self._rate_at(self._current_steps, x)
            if saved is not None:
                text += f"   (saved: {self._rate_text(saved, self._current)})"
        near = [label for hours, label in self._boluses if abs(hours - x) <= 0.25]
        if near:
            text += "   " + "; ".join(near)
        return text


# ---------------------------------------------------------------- reservoir


def _volume_points(
    programme: Programme,
    pump: PumpModel,
    until: datetime,
    empty_at: datetime | None,
    earlier: Sequence[RanBefore] = (),
) -> tuple[np.ndarray, np.ndarray]:
    """The reservoir from the fill to ``until``, stopping at empty (the pump delivers no more)."""
    points = reservoir_curve(programme, pump, until.date() + timedelta(days=1), earlier=earlier)
    xs: list[float] = []
    ys: list[float] = []
    for moment, volume in points:
        if volume < 0 or moment > until:
            break
        xs.append(timestamp(moment))
        ys.append(volume)
    if empty_at is not None and empty_at <= until:
        xs.append(timestamp(empty_at))
        ys.append(0.0)
    return np.array(xs), np.array(ys)


class ReservoirPlot(_PlotWithReadout):
    """Reservoir volume (mL) from the fill over the coming weeks, pending and saved programmes
    (worst case: every patient bolus used, as the dates are computed), with the low-reservoir
    alarm level and the now, next-refill and empty dates as labelled lines."""

    def __init__(
        self, parent: QWidget | None = None, *, label: str = "Pending", compare: bool = True
    ) -> None:
        """``label``: what the drawn programme is called in the legend (the overview draws the
        current programme, the editor the pending one); ``compare``: whether a saved programme
        is drawn beside it (the legend lists only what can be drawn)."""
        super().__init__(_styled_plot(pg.DateAxisItem("bottom", utcOffset=0)), parent)
        self.plot_widget.setAccessibleName("Reservoir plot")
        item = self.plot_item
        item.setLabel("left", "Reservoir (mL)")
        item.setLabel("bottom", "Date")
        _add_legend(item)
        self.current_curve = item.plot(
            pen=pg.mkPen(CURRENT_COLOUR, width=2, style=Qt.PenStyle.DashLine),
            name="Saved programme" if compare else None,
        )
        self.pending_curve = item.plot(pen=pg.mkPen(PENDING_COLOUR, width=2.5), name=label)

        def line(angle: int, colour: str, position: float) -> pg.InfiniteLine:
            new = pg.InfiniteLine(
                angle=angle,
                pen=pg.mkPen(colour, width=1.5, style=Qt.PenStyle.DashLine),
                label="",
                labelOpts={"position": position, "color": colour, "fill": (255, 255, 255, 200)},
            )
            item.addItem(new, ignoreBounds=True)
            return new

        self.alarm_line = line(0, ALARM_COLOUR, 0.5)
        self.now_line = line(90, NOW_COLOUR, 0.3)
        self.refill_line = line(90, REFILL_COLOUR, 0.78)
        self.empty_line = line(90, EMPTY_COLOUR, 0.62)
        item.setMouseEnabled(x=True, y=False)
        self._curves: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._current_source: tuple[Programme, tuple[RanBefore, ...]] | None = None

    def show_projection(
        self,
        pending: Programme,
        projection: Projection,
        pump: PumpModel,
        *,
        now: datetime,
        current: Programme | None = None,
        current_pump: PumpModel | None = None,
        earlier: Sequence[RanBefore],
        current_earlier: Sequence[RanBefore] = (),
    ) -> None:
        """Draw the pending programme's reservoir with its dates (``projection`` from the
        document's check result), and the saved programme's for comparison (``current_pump``:
        its pump, when it is another model). ``earlier``: the programmes the projection ran
        before the pending one on its fill (the check result's ``earlier``: a change between
        refills takes effect now, on what they left); ``current_earlier``: those that ran
        before the saved one (the check context's ``earlier``)."""
        fill = pending.reservoir.filled_at
        ends = [projection.next_refill_at, now]
        if projection.empty_at is not None:
            ends.append(projection.empty_at)
        # The view ends a week after the last date shown, rounded up to four-week steps so that
        # an edit moves the axis only now and then.
        horizon = max(ends) + timedelta(days=7)
        weeks = math.ceil((horizon - fill) / timedelta(weeks=4)) * 4
        until = min(fill + timedelta(weeks=weeks), fill + timedelta(days=400))
        # As check_programme projected it (its ``earlier``), so the curve passes through the
        # reservoir the dates were computed from.
        x, y = _volume_points(pending, pump, until, projection.empty_at, earlier)
        self._curves["pending"] = (x, y)
        self.pending_curve.setData(x=x, y=y)
        if current is not None:
            # The saved programme does not change while editing: its curve is computed once,
            # as far as the view can ever reach.
            runs = tuple(current_earlier)
            cached = self._current_source
            if cached is None or cached[0] is not current or cached[1] != runs:
                self._current_source = (current, runs)
                saved_pump = current_pump or pump
                model = ReservoirModel(
                    current, saved_pump, worst_case=True, earlier=current_earlier
                )
                empty = model.when_volume_reaches(Fraction(0))
                reach = current.reservoir.filled_at + timedelta(days=400)
                cx, cy = _volume_points(
                    current, saved_pump, min(reach, empty or reach), empty, current_earlier
                )
                self._curves["current"] = (cx, cy)
                self.current_curve.setData(x=cx, y=cy)
        else:
            self._current_source = None
            self._curves.pop("current", None)
            self.current_curve.setData(x=[], y=[])
        alarm = pending.pump.low_reservoir_alarm_ml
        self.alarm_line.setValue(float(alarm))
        self.alarm_line.label.setFormat(f"Low-reservoir alarm {format_fixed(alarm, 1)} mL")
        self.now_line.setValue(timestamp(now))
        self.now_line.label.setFormat(f"Now {now:%Y-%m-%d}")
        self.refill_line.setValue(timestamp(projection.next_refill_at))
        self.refill_line.label.setFormat(
            f"Next refill {projection.next_refill_at:%Y-%m-%d} "
            f"({projection.refill_limited_by.value})"
        )
        if projection.empty_at is not None:
            self.empty_line.setValue(timestamp(projection.empty_at))
            self.empty_line.label.setFormat(f"Empty {projection.empty_at:%Y-%m-%d %H:%M}")
            self.empty_line.setVisible(True)
        else:
            self.empty_line.setVisible(False)
        start = timestamp(min(fill, now))
        self.plot_item.setXRange(start, timestamp(until), padding=0.02)
        self.plot_item.setYRange(0, float(pump.reservoir_ml) * HEADROOM, padding=0)

    def readout_at(self, x: float) -> str:
        if "pending" not in self._curves or not len(self._curves["pending"][0]):
            return ""
        px, py = self._curves["pending"]
        moment = from_timestamp(x)
        text = f"{moment:%Y-%m-%d %H:%M}  "
        if x < px[0]:
            return ""
        if x > px[-1]:
            text += "empty (pending)"
        else:
            text += with_separator(f"{float(np.interp(x, px, py)):.2f}") + " mL (pending)"
        if "current" in self._curves and len(self._curves["current"][0]):
            cx, cy = self._curves["current"]
            if cx[0] <= x <= cx[-1]:
                text += "   " + with_separator(f"{float(np.interp(x, cx, cy)):.2f}") + " mL (saved)"
        return text


# ---------------------------------------------------------------- dose history

DoseValue = float | Decimal | Fraction | int


class DoseHistoryPlot(_PlotWithReadout):
    """The patient's daily dose (mcg/day) over the saved versions, as steps from each version's
    save to the next, with a marker per version and the pending dose as a star at now.
    The lead's window feeds it from the database with :meth:`set_points`."""

    def __init__(self, parent: QWidget | None = None, *, pending: bool = True) -> None:
        """``pending``: whether the pending programme's dose is drawn (the editor) or only the
        saved versions (the history); the legend lists only what can be drawn."""
        super().__init__(_styled_plot(pg.DateAxisItem("bottom", utcOffset=0)), parent)
        self.plot_widget.setAccessibleName("Daily dose history plot")
        item = self.plot_item
        item.setLabel("left", "Daily dose (mcg/day)")
        item.setLabel("bottom", "Date")
        _add_legend(item)
        self.history_curve = item.plot(
            stepMode="center", pen=pg.mkPen(CURRENT_COLOUR, width=2), name="Saved versions"
        )
        self.version_points = item.plot(
            pen=None, symbol="o", symbolSize=8, symbolBrush=CURRENT_COLOUR
        )
        self.pending_point = item.plot(
            pen=None,
            symbol="star",
            symbolSize=16,
            symbolBrush=PENDING_COLOUR,
            name="Pending" if pending else None,
        )
        item.setMouseEnabled(x=True, y=False)
        self._points: list[tuple[datetime, float]] = []
        self._pending: tuple[datetime, float] | None = None

    def set_points(
        self,
        points: Sequence[tuple[datetime, DoseValue]],
        *,
        pending: DoseValue | None = None,
        now: datetime | None = None,
    ) -> None:
        """``points``: (saved at, mcg/day) of each version, any order. ``pending`` is drawn at
        ``now`` (default: one day after the last version)."""
        ordered = sorted((t, float(d)) for t, d in points)
        self._points = ordered
        end = now or (ordered[-1][0] + timedelta(days=1) if ordered else None)
        if ordered and end is not None:
            end = max(end, ordered[-1][0] + timedelta(hours=1))
            x = [timestamp(t) for t, _ in ordered] + [timestamp(end)]
            y = [d for _, d in ordered]
            self.history_curve.setData(x=np.array(x), y=np.array(y))
            self.version_points.setData(x=x[:-1], y=y)
        else:
            self.history_curve.setData(x=[], y=[])
            self.version_points.setData(x=[], y=[])
        if pending is not None and end is not None:
            self._pending = (end, float(pending))
            self.pending_point.setData(x=[timestamp(end)], y=[float(pending)])
        else:
            self._pending = None
            self.pending_point.setData(x=[], y=[])
        values = [d for _, d in ordered] + ([self._pending[1]] if self._pending else [])
        times = [t for t, _ in ordered] + ([self._pending[0]] if self._pending else [])
        if times:
            first, last = min(times), max(times)
            margin = max((last - first) * 0.05, timedelta(days=1))
            self.plot_item.setXRange(timestamp(first - margin), timestamp(last + margin), padding=0)
            self.plot_item.setYRange(0, nice_ceiling(max(values) * HEADROOM), padding=0)

    def readout_at(self, x: float) -> str:
        moment = from_timestamp(x)
        if self._pending and abs(x - timestamp(self._pending[0])) < 12 * 3600:
            return f"Pending  {with_separator(f'{self._pending[1]:.2f}')} mcg/day"
        before = [(t, d) for t, d in self._points if t <= moment]
        if not before:
            return ""
        t, d = before[-1]
        return f"Since {t:%Y-%m-%d %H:%M}  {with_separator(f'{d:.2f}')} mcg/day"
