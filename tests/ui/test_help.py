"""The Help menu (issue 12): the manual shipped with the package and shown in the window, F1
opening the part for the current screen, the keyboard shortcuts read from the window's actions,
and About with version, licence, intended use and the active library and catalogue."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from pytestqt.qtbot import QtBot

from ui.help import LICENCE, TextDialog, manual_sections, manual_text, window_shortcuts

from .test_pump_support import pump_window
from .window_helpers import activate


def test_the_manual_ships_with_the_package_and_covers_every_screen() -> None:
    sections = manual_sections()
    for screen in ("Finding a patient", "Overview", "Programme", "History", "Pump"):
        assert screen in sections
    assert "not clinical advice" in manual_text()


def test_f1_opens_the_manual_at_the_part_for_the_current_screen(
    qtbot: QtBot, tmp_path: Path
) -> None:
    window, _ = pump_window(qtbot, tmp_path)
    activate(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_F1)
    assert window.help_window is not None and window.help_window.isVisible()
    assert window.help_window.visible_sections()[0] == "Finding a patient"
    assert window.open_patient("DEMO-0002")
    for number, section in ((2, "Programme"), (4, "Pump"), (3, "History"), (1, "Overview")):
        activate(qtbot, window)
        qtbot.keyClick(window, Qt.Key(Qt.Key.Key_0 + number), Qt.KeyboardModifier.ControlModifier)
        qtbot.keyClick(window, Qt.Key.Key_F1)
        shown = window.help_window.visible_sections()
        bar = window.help_window.browser.verticalScrollBar()
        # At the top of the view, or in view with the manual scrolled to its end.
        assert shown[0] == section or (section in shown and bar.value() == bar.maximum())
        text = window.help_window.browser.toPlainText()
        assert section in text and "Ctrl+S" in text  # the whole manual, scrolled


def test_the_shortcut_list_is_read_from_the_window_s_actions(qtbot: QtBot, tmp_path: Path) -> None:
    window, _ = pump_window(qtbot, tmp_path)
    assert window.open_patient("DEMO-0002")
    listed = {(s.command, s.keys) for s in window_shortcuts(window.menuBar(), [])}
    for command, keys in (
        ("Review and save…", "Ctrl+S"),
        ("Refill…", "Ctrl+R"),
        ("Transmit to pump…", "Ctrl+T"),
        ("Single bolus…", "Ctrl+B"),
        ("Interrogate pump", "Ctrl+I"),
        ("User manual", "F1"),
        ("Programme", "Ctrl+2"),
    ):
        assert (command, keys) in listed
    # A command added to a menu is listed too: the list is generated, not written by hand.
    extra = QAction("Check &everything", window)
    extra.setShortcut("Ctrl+Alt+E")
    window.menuBar().actions()[0].menu().addAction(extra)
    window.shortcuts_action.trigger()
    dialog = window.text_dialog
    assert isinstance(dialog, TextDialog)
    qtbot.addWidget(dialog)
    shown = dialog.browser.toPlainText()
    assert "Check everything" in shown and "Ctrl+Alt+E" in shown and "Ctrl+Shift+R" in shown


def test_about_names_version_licence_intended_use_library_and_catalogue(
    qtbot: QtBot, tmp_path: Path
) -> None:
    window, _ = pump_window(qtbot, tmp_path)
    window.about_action.trigger()
    dialog = window.text_dialog
    assert isinstance(dialog, TextDialog)
    qtbot.addWidget(dialog)
    text = dialog.browser.toPlainText()
    assert LICENCE == "GPL-3.0-or-later" and LICENCE in text
    assert "training and planning tool" in text and "not clinical advice" in text
    assert "Version 0.1.0" in text
    assert window.db.library.version in text
    assert window.db.catalogue.version in text
