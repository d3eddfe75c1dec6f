"""Every screen fits the screens clinics have (issue 12, "Fit every screen"): the main window and
every dialog open within the available screen area, and none has a minimum size larger than a
1280x720 laptop, a 1366x768 one, or a 1920x1080 screen at 200 % scaling (960x540 logical
pixels): what does not fit scrolls, never clipped off the screen."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QRect, QSize
from PySide6.QtWidgets import QDialog, QWidget
from pytestqt.qtbot import QtBot

from db.database import Database
from db.users import Role, User
from programmer.drug_library import default_drug_library
from programmer.pump_catalogue import default_pump_catalogue
from ui.audit_viewer import AuditViewer
from ui.dialogs import DaysDialog, TimeDialog
from ui.idle_lock import LockScreen
from ui.login import FirstAdministratorDialog, LoginDialog
from ui.main_window import MainWindow
from ui.patient_form import CatheterForm, PatientForm
from ui.screen import FRAME_ALLOWANCE, available_area, fit_to_screen, fitted_size
from ui.users_screen import UsersDialog

from .test_pump_support import pump_window, reviewer, trigger
from .window_helpers import NOW, edit_rate

SCREENS = {
    "1280x720": QRect(0, 0, 1280, 720),
    "1366x768": QRect(0, 0, 1366, 768),
    "1920x1080 at 200 %": QRect(0, 0, 960, 540),
}


def keep(dialog: QDialog) -> bool:
    """A dialog handler that leaves the dialog for the test to measure (cancelled)."""
    return False


def every_top_level(qtbot: QtBot, tmp_path: Path) -> Iterator[tuple[str, QWidget]]:
    """The main window with a patient open, and each dialog the console shows."""
    window, prompter = pump_window(qtbot, tmp_path)
    assert window.open_patient("DEMO-0002")  # flexible: the editor has steps
    yield "main window", window
    for name in ("refill", "singleBolus", "primingBolus", "bridgeBolus", "patientBolus"):
        prompter.dialogs.append(keep)
        trigger(qtbot, window, name)
        yield name, prompter.shown[-1]
    prompter.reviewer = reviewer(qtbot)
    prompter.confirms = [True]  # transmit the saved version
    prompter.dialogs.append(keep)
    edit_rate(qtbot, window, 1, "22")
    window.review_and_save()
    yield "review", prompter.reviews[-1]
    yield "transmit", prompter.shown[-1]
    yield (
        "patient form",
        track(
            qtbot,
            PatientForm(NOW, library=default_drug_library(), catalogue=default_pump_catalogue()),
        ),
    )
    yield "login", track(qtbot, LoginDialog(window.db, clock=lambda: NOW))
    empty = Database.open(tmp_path / "empty.sqlite", now=NOW)
    yield "first administrator", track(qtbot, FirstAdministratorDialog(empty, clock=lambda: NOW))
    lock = LockScreen(window.db, User("dr.lee", Role.CLINICIAN), clock=lambda: NOW, minutes=5)
    yield "lock screen", track(qtbot, lock)
    yield "audit trail", track(qtbot, AuditViewer(window.db))
    yield "split step", track(qtbot, TimeDialog("Split the step at", 120))
    yield "copy day", track(qtbot, DaysDialog("Copy Monday to", [("tue", "Tuesday")]))
    yield "user manual", track(qtbot, window.show_help("Programme"))
    window.shortcuts_action.trigger()
    yield "keyboard shortcuts", track(qtbot, window.text_dialog)
    window.about_action.trigger()
    yield "about", track(qtbot, window.text_dialog)
    admin = User("admin.jones", Role.ADMINISTRATOR)
    yield "user accounts", track(qtbot, UsersDialog(window.db, admin, clock=lambda: NOW))
    assert window.record is not None and window.record.pump is not None
    yield "catheter", track(qtbot, CatheterForm(window.record.pump, window.db.catalogue))


def track(qtbot: QtBot, widget: QWidget) -> QWidget:
    qtbot.addWidget(widget)
    return widget


@pytest.mark.parametrize("screen", SCREENS)
def test_no_window_or_dialog_is_larger_than_a_small_screen(
    qtbot: QtBot, tmp_path: Path, screen: str
) -> None:
    area = SCREENS[screen]
    room = fitted_size(QSize(10_000, 10_000), area)
    seen = []
    for name, widget in every_top_level(qtbot, tmp_path):
        # Its layout's minimum, whether or not the layout has been applied yet.
        got = fit_to_screen(widget, QSize(1280, 800), area).expandedTo(widget.minimumSizeHint())
        assert got.width() <= room.width() and got.height() <= room.height(), (
            f"{name} cannot shrink below {got.width()}x{got.height()} on a {screen} screen"
        )
        seen.append(name)
    assert len(seen) == 20


def test_window_and_dialogs_open_within_the_screen_they_are_on(
    qtbot: QtBot, tmp_path: Path
) -> None:
    # The offscreen screen (800x800) is smaller than the refill dialog's 820 px and the
    # window's 1280 px: both open shrunk to it.
    area = available_area()
    for name, widget in every_top_level(qtbot, tmp_path):
        size = widget.size()
        assert size.width() <= area.width() - FRAME_ALLOWANCE.width(), name
        assert size.height() <= area.height() - FRAME_ALLOWANCE.height(), name


def test_a_window_saved_on_a_larger_screen_reopens_within_this_one(
    qtbot: QtBot, tmp_path: Path
) -> None:
    from .window_helpers import make_window, open_database

    db = open_database(tmp_path)
    window = make_window(qtbot, db, tmp_path)
    window.setMinimumSize(0, 0)
    window.resize(2560, 1600)  # what 1280x800 became at 200 % before this screen
    window.close()
    again: MainWindow = make_window(qtbot, db, tmp_path)
    area = available_area(again)
    assert again.width() <= area.width() and again.height() <= area.height()


def test_on_a_narrow_screen_the_patient_browser_leaves_the_width_to_the_editor(
    qtbot: QtBot, tmp_path: Path
) -> None:
    from ui import patient_browser

    from .window_helpers import make_window, open_database

    window = make_window(qtbot, open_database(tmp_path), tmp_path)
    window.show()
    qtbot.waitExposed(window)
    # The offscreen screen is 800 px wide: the browser starts at its narrowest, not at the
    # 360 px it takes where there is room.
    assert window.width() < 4 * patient_browser.WIDTH
    assert window.browser_dock.width() <= max(patient_browser.MIN_WIDTH, window.width() // 4) + 8
    assert window.browser_dock.width() < window.width() / 3


def test_find_patient_shows_the_browser_again_when_it_was_hidden(
    qtbot: QtBot, tmp_path: Path
) -> None:
    from .window_helpers import make_window, open_database

    window = make_window(qtbot, open_database(tmp_path), tmp_path)
    window.show()
    qtbot.waitExposed(window)
    window.browser_dock.toggleViewAction().trigger()  # View -> Patients, off
    assert not window.browser_dock.isVisible()
    window.find_action.trigger()  # Ctrl+F
    assert window.browser_dock.isVisible()
    qtbot.waitUntil(lambda: window.browser.search.hasFocus())


def test_on_a_narrow_editor_the_24h_total_and_findings_stay_in_sight_not_off_to_the_side(
    qtbot: QtBot, tmp_path: Path
) -> None:
    """At 200 % on 1920x1080 (or 150 % on 1280) the editor is narrower than its side-by-side
    layout: the 24-h total goes under the drug line and the findings under the schedule,
    instead of past the right edge where only a sideways scroll would show them."""
    from ui.editor.editor_layout import COMPACT_BELOW

    from .window_helpers import make_window, open_database

    window = make_window(qtbot, open_database(tmp_path), tmp_path)
    window.setMinimumSize(0, 0)
    window.show()
    assert window.open_patient("DEMO-0002")
    editor = window.editor
    assert editor is not None
    window.show_tab(1)

    def where(widget: QWidget) -> QRect:
        return QRect(widget.mapTo(editor, widget.rect().topLeft()), widget.size())

    window.resize(1700, 900)
    qtbot.waitUntil(lambda: editor.width() >= COMPACT_BELOW)
    total, findings, table = (
        where(editor.total_box),
        where(editor.findings_panel),
        where(editor.table),
    )
    assert total.left() >= where(editor.unit_combo).right()  # beside the header row
    assert findings.left() >= table.right()  # beside the schedule

    window.resize(800, 700)
    qtbot.waitUntil(lambda: editor.width() < COMPACT_BELOW)
    qtbot.waitUntil(lambda: where(editor.total_box).top() > where(editor.drug_label).bottom())
    total, findings, table = (
        where(editor.total_box),
        where(editor.findings_panel),
        where(editor.table),
    )
    assert total.right() <= editor.width() and findings.right() <= editor.width()
    assert findings.top() >= table.bottom()  # under the schedule
    assert total.bottom() <= table.top()  # the total above the table, under the drug line
