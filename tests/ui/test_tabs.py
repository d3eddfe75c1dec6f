"""The steady tab widget: an edit repaints what it changed, not every tab's frame and page, and
the tabs still lay out when a tab's title or a page's size changes."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QLabel, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from ui.tabs import SteadyTabWidget

from .window_helpers import edit_rate, make_window, open_database


class PaintCounter(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.paints = 0

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.paints += 1
        return False


def test_a_step_edit_does_not_repaint_the_patient_tabs(qtbot: QtBot, tmp_path: Path) -> None:
    window = make_window(qtbot, open_database(tmp_path), tmp_path)
    assert window.open_patient("DEMO-0002")
    window.show_tab(1)
    assert window.editor is not None
    edit_rate(qtbot, window, 1, "21")
    QApplication.processEvents()
    counter = PaintCounter()
    window.tabs.tabBar().installEventFilter(counter)
    window.editor.plot_tabs.tabBar().installEventFilter(counter)
    before = window.editor.total_label.text()
    edit_rate(qtbot, window, 1, "23")
    QApplication.processEvents()
    assert window.editor.total_label.text() != before  # the edit changed what is shown
    assert counter.paints == 0


def test_a_renamed_tab_is_laid_out_again(qtbot: QtBot) -> None:
    tabs = SteadyTabWidget()
    qtbot.addWidget(tabs)
    tabs.addTab(QLabel("one"), "One")
    tabs.addTab(QLabel("two"), "Pump")
    tabs.resize(600, 200)
    tabs.show()
    qtbot.waitExposed(tabs)
    narrow = tabs.tabBar().width()
    tabs.setTabText(1, "Pump — STOPPED by an unfinished programming session")
    qtbot.waitUntil(lambda: tabs.tabBar().width() > narrow)
    assert tabs.tabBar().width() >= tabs.tabBar().sizeHint().width()


def test_a_page_that_grows_still_grows_the_tab_widget(qtbot: QtBot) -> None:
    holder = QWidget()
    qtbot.addWidget(holder)
    tabs = SteadyTabWidget()
    page = QLabel("short")
    tabs.addTab(page, "Page")
    QVBoxLayout(holder).addWidget(tabs)
    holder.show()
    qtbot.waitExposed(holder)
    before = holder.sizeHint().width()
    page.setText("a much longer text than before, so the page asks for more room " * 3)
    qtbot.waitUntil(lambda: holder.sizeHint().width() > before)
