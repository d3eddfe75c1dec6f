"""The whole main story by keyboard alone (issue 12): find, open, edit, review, save, history,
compare two versions, interrogate, refill, bolus, transmit, report. Every step is a key press
sent to whatever has the focus; a dialog is shown (as ``exec`` would) and worked through with
Tab, typing and its mnemonics. The test reads the screen's state to check it, never to act."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QWidget
from pytestqt.qtbot import QtBot

from ui.editor.schedule_model import Column
from ui.pump.bolus_dialog import BolusDialog
from ui.pump.refill_dialog import RefillDialog
from ui.pump.transmit_dialog import TransmitDialog
from ui.review_dialog import ReviewDialog

from .test_pump_support import PumpPrompter, pump_window
from .window_helpers import NOW, activate

ZOE = "DEMO-0002"
CTRL = Qt.KeyboardModifier.ControlModifier
ALT = Qt.KeyboardModifier.AltModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier


class Keyboard:
    """Key presses to the focused widget, the only way this test acts."""

    def __init__(self, qtbot: QtBot) -> None:
        self.qtbot = qtbot

    def press(
        self,
        key: Qt.Key,
        modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier,
        times: int = 1,
    ) -> None:
        for _ in range(times):
            target = QApplication.focusWidget() or QApplication.activeWindow()
            assert target is not None, "nothing has the keyboard focus"
            self.qtbot.keyClick(target, key, modifiers)

    def type(self, text: str) -> None:
        self.press(Qt.Key.Key_A, CTRL)  # replace what the field holds
        target = QApplication.focusWidget()
        assert target is not None
        self.qtbot.keyClicks(target, text)

    def mnemonic(self, key: Qt.Key) -> None:
        """Alt+letter: a button's mnemonic, which clicks it after its 100 ms press animation."""
        self.press(key, ALT)
        self.qtbot.wait(250)

    def tab_to(self, widget: QWidget, limit: int = 80) -> None:
        """Tab until ``widget`` has the focus: fails when Tab never reaches it."""
        for _ in range(limit):
            if QApplication.focusWidget() is widget:
                return
            self.press(Qt.Key.Key_Tab)
        raise AssertionError(f"Tab never reaches {widget.accessibleName() or widget}")


def opened(qtbot: QtBot, dialog: QDialog) -> None:
    """What ``exec`` does first: the dialog shown and active, its focus widget focused."""
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)


def test_the_main_story_by_keyboard_alone(qtbot: QtBot, tmp_path: Path) -> None:
    keys = Keyboard(qtbot)
    report = tmp_path / "session-report.pdf"
    prompter = PumpPrompter(save_paths=[str(report)])
    reasons = iter(("Morning spasticity", "Refill visit", "Bolus before physiotherapy"))

    def review(dialog: ReviewDialog) -> bool:
        opened(qtbot, dialog)
        for edit in dialog.reason_edits.values():
            keys.tab_to(edit)
            keys.type("Reviewed with the patient")
        keys.tab_to(dialog.change_reason)
        keys.type(next(reasons))
        keys.mnemonic(Qt.Key.Key_S)  # &Save programme
        return dialog.result() == QDialog.DialogCode.Accepted

    prompter.reviewer = review
    window, _ = pump_window(qtbot, tmp_path, prompter)
    start_versions = len(window.db.versions(ZOE))

    # Find and open: Ctrl+F, the name without accents, Enter.
    keys.press(Qt.Key.Key_F, CTRL)
    keys.type("zoe")
    keys.press(Qt.Key.Key_Return)
    assert window.record is not None and window.record.patient.id == ZOE

    # Edit: Ctrl+2 puts the focus in the schedule; arrows to step 2's rate, F2, type, Enter.
    keys.press(Qt.Key.Key_2, CTRL)
    assert window.editor is not None
    table = window.editor.table
    assert QApplication.focusWidget() is table
    keys.press(Qt.Key.Key_Home, CTRL)
    keys.press(Qt.Key.Key_Down)
    keys.press(Qt.Key.Key_Right, times=Column.RATE)
    assert (table.currentIndex().row(), table.currentIndex().column()) == (1, Column.RATE)
    keys.press(Qt.Key.Key_F2)
    keys.type("22")
    keys.press(Qt.Key.Key_Return)
    QApplication.processEvents()
    assert window.isWindowModified()

    # Review and save: Ctrl+S, the reasons typed, Alt+S. The offer to transmit: declined.
    activate(qtbot, window)
    table.setFocus()  # back where the clinician left it when the dialog closed
    keys.press(Qt.Key.Key_S, CTRL)
    assert len(window.db.versions(ZOE)) == start_versions + 1
    assert not window.isWindowModified()

    activate(qtbot, window)  # the window manager gives the focus back when a dialog closes

    # History: Ctrl+3, then Tab out of the versions to the two versions to compare.
    keys.press(Qt.Key.Key_3, CTRL)
    assert QApplication.focusWidget() is window.history.table
    keys.tab_to(window.history.left)
    keys.press(Qt.Key.Key_Up)  # one version further back
    keys.tab_to(window.history.right)
    keys.press(Qt.Key.Key_End)  # the newest
    newest = window.history.right.currentData()
    older = window.history.left.currentData()
    assert older < newest - 1
    assert "differ" in window.history.changes.text()

    # Interrogate: Ctrl+I.
    keys.press(Qt.Key.Key_I, CTRL)
    assert window.pump_workflows.state is not None
    assert window.tabs.currentWidget() is window.pump_workflows.panel

    # Refill: Ctrl+R; the measured residual (as expected), Tab, the volume, Alt+R.
    def refill(dialog: QDialog) -> bool:
        assert isinstance(dialog, RefillDialog)
        opened(qtbot, dialog)
        assert QApplication.focusWidget() is dialog.measured_edit
        keys.type(str(dialog.expected_kept()))
        keys.tab_to(dialog.volume_edit)
        keys.type("18")
        keys.mnemonic(Qt.Key.Key_R)  # &Record refill
        return dialog.result() == QDialog.DialogCode.Accepted

    prompter.dialogs.append(refill)
    keys.press(Qt.Key.Key_R, CTRL)
    assert [r for r in window.db.refills(ZOE) if r.at == NOW]
    assert window.document is not None and window.document.pending.reservoir.volume_ml == 18
    activate(qtbot, window)
    keys.press(Qt.Key.Key_2, CTRL)
    keys.press(Qt.Key.Key_S, CTRL)
    assert window.db.current_version(ZOE).programme.reservoir.volume_ml == 18  # type: ignore[union-attr]

    # A single bolus: Ctrl+B; start, dose, duration, then the Add button with the space bar.
    start = NOW + timedelta(hours=2)

    def bolus(dialog: QDialog) -> bool:
        assert isinstance(dialog, BolusDialog)
        opened(qtbot, dialog)
        keys.tab_to(dialog.start_edit)
        keys.type(f"{start:%Y-%m-%d %H:%M}")
        keys.tab_to(dialog.dose_edit)
        keys.type("50")
        keys.tab_to(dialog.duration_edit)
        keys.type("30")
        keys.tab_to(dialog.add_single_button)
        keys.press(Qt.Key.Key_Space)
        return dialog.result() == QDialog.DialogCode.Accepted

    prompter.dialogs.append(bolus)
    activate(qtbot, window)
    keys.press(Qt.Key.Key_B, CTRL)
    assert window.document.pending.boluses[-1].start == start
    activate(qtbot, window)
    keys.press(Qt.Key.Key_2, CTRL)
    keys.press(Qt.Key.Key_S, CTRL)
    saved = window.db.current_version(ZOE)
    assert saved is not None and saved.programme.boluses[-1].start == start

    # Transmit: Ctrl+T; Alt+S starts, the steps run, Alt+C closes.
    def transmit(dialog: QDialog) -> bool:
        assert isinstance(dialog, TransmitDialog)
        opened(qtbot, dialog)
        keys.mnemonic(Qt.Key.Key_S)  # &Start transmission
        qtbot.waitUntil(lambda: dialog.outcome is not None, timeout=15_000)
        keys.mnemonic(Qt.Key.Key_C)  # &Close
        return True

    prompter.dialogs.append(transmit)
    activate(qtbot, window)
    keys.press(Qt.Key.Key_T, CTRL)
    pump = window.db.simulated_pump(ZOE, now=NOW)
    assert pump is not None and pump.programme == saved.programme
    assert window.db.audit_entries(patient_id=ZOE)[-1].action == "pump.transmitted"

    # The session report: Ctrl+Shift+R, saved where the (scripted) file dialog says.
    activate(qtbot, window)
    keys.press(Qt.Key.Key_R, CTRL | SHIFT)
    assert report.exists() and report.read_bytes().startswith(b"%PDF")
