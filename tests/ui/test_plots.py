"""The editor's plots: one curve per series updated in place, steps drawn as steps, dates on the
time axes, labelled reference lines, and read-outs with units."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from itertools import pairwise
from pathlib import Path

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QPoint, QPointF
from pytestqt.qtbot import QtBot

from programmer import schedule_edit as se
from programmer.check_context import CheckContext
from programmer.findings import check_programme
from programmer.programme import EVERY_DAY, Programme
from programmer.programme_file import load
from programmer.pump_catalogue import PumpModel, default_pump_catalogue
from programmer.units import RateUnit
from ui.widgets.plots import (
    DoseHistoryPlot,
    RateProfilePlot,
    ReservoirPlot,
    from_timestamp,
    timestamp,
)

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "flexible.json"
NOW = datetime(2026, 11, 23, 10, 0)


@pytest.fixture
def programme() -> Programme:
    return load(EXAMPLE)


@pytest.fixture
def pump(programme: Programme) -> PumpModel:
    return default_pump_catalogue().pump(programme.pump.model)


def shown(qtbot: QtBot, widget: pg.PlotWidget | object) -> None:
    qtbot.addWidget(widget)
    widget.resize(800, 400)  # type: ignore[attr-defined]
    widget.show()  # type: ignore[attr-defined]
    qtbot.waitExposed(widget)


def data(curve: pg.PlotDataItem) -> tuple[list[float], list[float]]:
    x, y = curve.getData() if curve.opts["stepMode"] is None else (curve.xData, curve.yData)
    return ([] if x is None else list(x)), ([] if y is None else list(y))


# ---------------------------------------------------------------- rate profile


def test_rate_profile_is_drawn_as_steps_pending_over_saved(
    qtbot: QtBot, programme: Programme, pump: PumpModel
) -> None:
    plot = RateProfilePlot()
    shown(qtbot, plot)
    pending = se.set_step_rate(programme, EVERY_DAY, 1, Decimal(30))
    plot.show_programmes(pending, programme, pump)
    x, y = data(plot.pending_curve)
    assert x == [0, 7, 8, 24] and y == [10, 30, 10]
    assert len(x) == len(y) + 1  # stepMode="center"
    assert plot.pending_curve.opts["stepMode"] == "center"
    cx, cy = data(plot.current_curve)
    assert cx == [0, 7, 8, 24] and cy == [10, 60, 10]
    assert plot.pending_curve.opts["pen"].color() != plot.current_curve.opts["pen"].color()
    legend = [label.text for _, label in plot.plot_item.legend.items]
    assert legend == ["Saved programme", "Pending programme", "Planned bolus (rate on top)"]
    assert plot.plot_item.getAxis("left").labelText == "Rate (mcg/h)"
    assert plot.plot_item.getAxis("bottom").labelText == "Time of day"


def test_rate_profile_updates_the_same_curves(
    qtbot: QtBot, programme: Programme, pump: PumpModel
) -> None:
    plot = RateProfilePlot()
    shown(qtbot, plot)
    plot.show_programmes(programme, programme, pump)
    items = list(plot.plot_item.listDataItems())
    pending_curve = plot.pending_curve
    for rate in range(20, 40):
        plot.show_programmes(
            se.set_step_rate(programme, EVERY_DAY, 1, Decimal(rate)), programme, pump
        )
    assert plot.plot_item.listDataItems() == items
    assert plot.pending_curve is pending_curve
    assert data(plot.pending_curve)[1] == [10, 39, 10]


def test_planned_bolus_is_marked_on_top_of_the_rate(
    qtbot: QtBot, programme: Programme, pump: PumpModel
) -> None:
    plot = RateProfilePlot()
    shown(qtbot, plot)
    plot.show_programmes(programme, programme, pump)
    # 50 mcg over 30 min is 100 mcg/h on top of the 10 mcg/h step at 12:00.
    assert data(plot.bolus_points) == ([12.0], [110.0])
    assert "Bolus 2026-11-22 12:00: 50.00 mcg over 30 min (+100.00 mcg/h)" in plot.readout_at(12.1)


def test_week_view_and_units(qtbot: QtBot, programme: Programme, pump: PumpModel) -> None:
    plot = RateProfilePlot()
    shown(qtbot, plot)
    week = se.set_step_rate(se.to_weekday_pattern(programme), "wed", 1, Decimal(20))
    plot.show_programmes(week, programme, pump, "wed")
    assert data(plot.pending_curve)[1] == [10, 20, 10]
    plot.set_week(True)
    x, y = data(plot.pending_curve)
    assert len(y) == 21 and x[0] == 0 and x[-1] == 168
    assert y[6:9] == [10, 20, 10]  # Wednesday, the third day
    assert plot.readout_at(48 + 7.5).startswith("Wed 07:00–08:00  20.00 mcg/h")
    assert plot.plot_item.getAxis("bottom").labelText == "Day of the week"
    assert data(plot.bolus_points)[0] == [6 * 24 + 12.0]  # Sunday 12:00
    plot.set_week(False)
    plot.set_unit(RateUnit.MCG_PER_DAY)
    assert data(plot.pending_curve)[1] == [240, 480, 240]
    assert plot.plot_item.getAxis("left").labelText == "Rate (mcg/day)"


def test_rate_readout_with_units(qtbot: QtBot, programme: Programme, pump: PumpModel) -> None:
    plot = RateProfilePlot()
    shown(qtbot, plot)
    pending = se.set_step_rate(programme, EVERY_DAY, 1, Decimal(30))
    plot.show_programmes(pending, programme, pump)
    assert plot.readout_at(7.5) == "07:00–08:00  30.00 mcg/h   (saved: 60.00 mcg/h)"
    assert plot.readout_at(30) == ""


def test_hovering_the_mouse_shows_the_readout(
    qtbot: QtBot, programme: Programme, pump: PumpModel
) -> None:
    plot = RateProfilePlot()
    shown(qtbot, plot)
    plot.show_programmes(programme, programme, pump)
    vb = plot.plot_item.vb
    scene_point = vb.mapViewToScene(QPointF(7.5, 5))
    view_point = plot.plot_widget.mapFromScene(scene_point)
    qtbot.mouseMove(plot.plot_widget.viewport(), QPoint(view_point.x(), view_point.y()))
    qtbot.waitUntil(lambda: plot.readout.text().startswith("07:00–08:00  60.00 mcg/h"))
    assert plot.hover_line.isVisible()


# ---------------------------------------------------------------- reservoir


def test_reservoir_with_alarm_refill_and_empty_lines(
    qtbot: QtBot, programme: Programme, pump: PumpModel
) -> None:
    plot = ReservoirPlot()
    shown(qtbot, plot)
    result = check_programme(programme, now=NOW)
    projection = result.projection
    plot.show_projection(
        programme, projection, pump, now=NOW, current=programme, earlier=result.earlier
    )
    x, y = data(plot.pending_curve)
    assert from_timestamp(x[0]) == programme.reservoir.filled_at and y[0] == 20.0
    assert projection.empty_at is not None
    assert from_timestamp(x[-1]) == projection.empty_at and y[-1] == 0.0
    assert all(a >= b for a, b in pairwise(y))  # never refills itself
    assert plot.alarm_line.value() == 2.0
    assert plot.alarm_line.label.toPlainText() == "Low-reservoir alarm 2.0 mL"
    assert plot.refill_line.value() == timestamp(projection.next_refill_at)
    assert plot.refill_line.label.toPlainText() == "Next refill 2026-12-09 (alarm)"
    assert plot.empty_line.label.toPlainText() == "Empty 2026-12-19 07:41"
    assert plot.now_line.value() == timestamp(NOW)
    assert isinstance(plot.plot_item.getAxis("bottom"), pg.DateAxisItem)
    assert plot.plot_item.getAxis("left").labelText == "Reservoir (mL)"
    text = plot.readout_at(timestamp(datetime(2026, 12, 1)))
    assert text.startswith("2026-12-01 00:00  ") and "mL (pending)" in text and "(saved)" in text


def test_reservoir_follows_a_dose_change(
    qtbot: QtBot, programme: Programme, pump: PumpModel
) -> None:
    plot = ReservoirPlot()
    shown(qtbot, plot)
    result = check_programme(programme, now=NOW)
    projection = result.projection
    plot.show_projection(
        programme, projection, pump, now=NOW, current=programme, earlier=result.earlier
    )
    first_empty = plot.empty_line.value()
    halved = se.scale_rates(programme, Decimal(50), pump).programme
    result = check_programme(halved, CheckContext.packaged(current=programme), now=NOW)
    projection = result.projection
    plot.show_projection(
        halved, projection, pump, now=NOW, current=programme, earlier=result.earlier
    )
    assert plot.empty_line.value() > first_empty
    cx, cy = data(plot.current_curve)
    px, py = data(plot.pending_curve)
    assert px[-1] > cx[-1]
    # The change takes effect now: until then both curves are the saved programme's.
    midnight = timestamp(datetime(2026, 11, 23))
    assert np.interp(midnight, px, py) == pytest.approx(np.interp(midnight, cx, cy))
    assert projection.empty_at is not None
    assert from_timestamp(px[-1]) == projection.empty_at and py[-1] == 0.0
    # ...and the curve reaches empty where the projection says, not before.
    assert all(v > 0 for v in py[:-1])


# ---------------------------------------------------------------- dose history


def test_dose_history_steps_across_versions(qtbot: QtBot) -> None:
    plot = DoseHistoryPlot()
    shown(qtbot, plot)
    versions = [
        (datetime(2026, 9, 1), Decimal(200)),
        (datetime(2026, 6, 1), Decimal(150)),
        (datetime(2026, 11, 1), Decimal(290)),
    ]
    plot.set_points(versions, pending=Decimal(320), now=NOW)
    x, y = data(plot.history_curve)
    assert y == [150, 200, 290]
    assert len(x) == len(y) + 1 and from_timestamp(x[-1]) == NOW
    assert data(plot.pending_point) == ([timestamp(NOW)], [320.0])
    assert data(plot.version_points)[1] == [150, 200, 290]
    assert plot.readout_at(timestamp(datetime(2026, 10, 1))) == (
        "Since 2026-09-01 00:00  200.00 mcg/day"
    )
    assert plot.readout_at(timestamp(NOW)) == "Pending  320.00 mcg/day"
    assert plot.plot_item.getAxis("left").labelText == "Daily dose (mcg/day)"
    assert isinstance(plot.plot_item.getAxis("bottom"), pg.DateAxisItem)
    plot.set_points([])
    assert data(plot.history_curve) == ([], [])


def test_timestamps_round_trip() -> None:
    moment = datetime(2026, 11, 22, 9, 30)
    assert from_timestamp(timestamp(moment)) == moment
    assert np.isclose(timestamp(moment + timedelta(days=1)) - timestamp(moment), 86400)


def test_saved_reservoir_curve_counts_the_programmes_before_it_on_the_fill(
    qtbot: QtBot, programme: Programme, pump: PumpModel
) -> None:
    """A second change on one fill (domain.md, "Refill arithmetic"): the saved programme's
    dashed curve and the pending one pass through what the first programme left, as the check
    context and the check result say (``current_earlier``, ``earlier``), not the saved dose
    projected back to the fill."""
    from programmer.projection import RanBefore, ReservoirModel

    fill = programme.reservoir.filled_at
    first = se.scale_rates(programme, Decimal(300), pump).programme  # three times the dose
    changed = fill + timedelta(hours=12)
    context = CheckContext.packaged(current=programme)
    context = type(context)(
        library=context.library,
        catalogue=context.catalogue,
        current=programme,
        earlier=(RanBefore(first, pump, changed),),
    )
    halved = se.scale_rates(programme, Decimal(50), pump).programme
    result = check_programme(halved, context, now=NOW)
    plot = ReservoirPlot()
    shown(qtbot, plot)
    plot.show_projection(
        halved,
        result.projection,
        pump,
        now=NOW,
        current=programme,
        earlier=result.earlier,
        current_earlier=context.earlier,
    )
    saved = ReservoirModel(programme, pump, worst_case=True, earlier=context.earlier)
    pending = ReservoirModel(halved, pump, worst_case=True, earlier=result.earlier)
    cx, cy = data(plot.current_curve)
    px, py = data(plot.pending_curve)
    before_now, after_now = datetime(2026, 11, 23), datetime(2026, 11, 25)  # points drawn
    left = float(saved.volume_at(before_now))
    assert np.interp(timestamp(before_now), cx, cy) == pytest.approx(left, abs=1e-9)
    assert np.interp(timestamp(before_now), px, py) == pytest.approx(left, abs=1e-9)
    later = float(pending.volume_at(after_now))
    assert np.interp(timestamp(after_now), px, py) == pytest.approx(later, abs=1e-9)
    alone = ReservoirModel(programme, pump, worst_case=True)
    assert float(alone.volume_at(before_now)) > left + 0.1  # the difference the history makes
