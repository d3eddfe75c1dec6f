"""Plot values are readable from the keyboard (issue 12): Tab into a plot, the arrow keys move
the read-out line, and the read-out (also the plot's accessible description) follows."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from .test_pump_support import pump_window
from .window_helpers import activate


def test_the_rate_profile_reads_out_under_the_arrow_keys(qtbot: QtBot, tmp_path: Path) -> None:
    window, _ = pump_window(qtbot, tmp_path)
    assert window.open_patient("DEMO-0002")  # flexible: 12, 24, 18, 12 mcg/h over the day
    activate(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert window.editor is not None
    plot = window.editor.rate_plot
    for _ in range(60):  # Tab from the schedule until the plot has the focus
        if QApplication.focusWidget() is plot.plot_widget:
            break
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is plot.plot_widget, "Tab never reaches the rate plot"
    readings = []
    qtbot.keyClick(plot.plot_widget, Qt.Key.Key_Home)
    for _ in range(plot.KEY_STEPS):
        qtbot.keyClick(plot.plot_widget, Qt.Key.Key_Right)
        readings.append(plot.readout.text())
    texts = " ".join(readings)
    for rate in ("12.00 mcg/h", "24.00 mcg/h", "18.00 mcg/h"):
        assert rate in texts
    assert plot.plot_widget.accessibleDescription() == readings[-1]
    qtbot.keyClick(plot.plot_widget, Qt.Key.Key_Left)
    assert plot.readout.text() == readings[-2]
