"""Training mode in the real window (issue: training mode): marked TRAINING, the scenarios with
what to notice, a simulated clock that makes the pump deliver and its alarms fire, reset to the
start; and the File actions every session has (report, audit trail, lock)."""

from __future__ import annotations

import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from db.seed.training import open_training
from programmer.simulated_pump import Alarm
from ui.training import SimulatedClock

from .window_helpers import NOW, ScriptedPrompter, make_window, open_database


@pytest.fixture
def training(qtbot: QtBot, tmp_path: Path):  # type: ignore[no-untyped-def]
    database = open_training(tmp_path / "training.sqlite", now=NOW)
    clock = SimulatedClock(NOW)
    prompter = ScriptedPrompter()
    window = make_window(qtbot, database, tmp_path, prompter, clock=clock.now, training_clock=clock)
    yield window, clock, prompter, database
    database.close()


def test_training_window_is_marked_and_lists_the_scenarios(training) -> None:  # type: ignore[no-untyped-def]
    window, _clock, _prompter, _db = training
    assert window.windowTitle().startswith("TRAINING — ")
    assert window.training_banner.isVisible()
    assert "TRAINING" in window.training_banner.text()
    panel = window.training_panel
    assert panel.list.count() == 6
    panel.list.setCurrentRow(3)
    assert "bridge bolus" in panel.details.text()
    panel.open_button.click()
    assert window.record is not None and window.record.patient.id == "TRAIN-04"


def test_simulated_clock_makes_the_pump_deliver_and_the_alarm_fire(
    training, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    window, clock, _prompter, _db = training
    beeps: list[int] = []
    monkeypatch.setattr(QApplication, "beep", staticmethod(lambda: beeps.append(1)))
    window.open_patient("TRAIN-04")  # 600 mcg/day at 500 mcg/mL: 1.2 mL/day, 4.4 mL left
    clock.advance(timedelta(hours=1))  # first read of the pump
    before = window.pump_workflows.state
    assert before is not None and Alarm.LOW_RESERVOIR not in before.alarms
    window.training_panel.advance_actions[1].trigger()  # +1 day
    window.training_panel.advance_actions[1].trigger()  # +1 day: 2 mL reached
    state = window.pump_workflows.state
    assert state is not None and Alarm.LOW_RESERVOIR in state.sounding
    assert state.reservoir_ml < 2
    assert "ALARM" in window.training_banner.text()
    assert beeps, "a new alarm is audible where the machine has sound"
    # The overview and the pending programme follow the simulated clock.
    assert window.document is not None and window.document.now == clock.now()
    assert f"{clock.now():%Y-%m-%d %H:%M}" in window.training_banner.text()


def test_reset_asks_then_requests_the_restart(training, qtbot: QtBot) -> None:  # type: ignore[no-untyped-def]
    window, _clock, prompter, _db = training
    prompter.confirms = [False, True]
    with qtbot.assertNotEmitted(window.restart_requested):
        window.reset_training_action.trigger()
    with qtbot.waitSignal(window.restart_requested, timeout=1000):
        window.reset_training_action.trigger()


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
def test_session_report_from_the_window_is_marked_training(training, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    window, _clock, prompter, _db = training
    window.open_patient("TRAIN-01")
    out = tmp_path / "report.pdf"
    prompter.save_paths = [str(out)]
    assert window.save_report()
    text = subprocess.run(
        ["pdftotext", str(out), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Hannah Schmidt" in text and "TRAINING" in text


def test_audit_trail_opens_on_the_open_patient(qtbot: QtBot, tmp_path: Path) -> None:
    database = open_database(tmp_path)
    window = make_window(qtbot, database, tmp_path)
    window.open_patient("DEMO-0002")
    window.audit_action.trigger()
    viewer = window.audit_viewer
    qtbot.addWidget(viewer)
    rows = viewer.model.rowCount()
    assert rows > 0
    assert all(viewer.model.index(r, 4).data() in ("DEMO-0002", None, "") for r in range(rows))


def test_lock_screen_action_locks_and_a_new_user_takes_over(qtbot: QtBot, tmp_path: Path) -> None:
    from PySide6.QtCore import QObject, Signal

    from db.users import Role, User

    class FakeLock(QObject):
        switched = Signal(object)
        locked = 0

        def lock(self) -> None:
            FakeLock.locked += 1

        def stop(self) -> None:
            pass

    database = open_database(tmp_path)
    window = make_window(qtbot, database, tmp_path)
    window.attach_idle_lock(FakeLock())
    window.lock_action.trigger()
    assert FakeLock.locked == 1
    window.switch_user(User("dr.next", Role.CLINICIAN))
    assert window.user == "dr.next"
    assert "dr.next" in window.statusBar().currentMessage()


def test_training_mode_from_the_menu_starts_a_separate_console(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue: training 'chosen at start with --training or from the menu'; never in the
    clinical window itself."""
    from PySide6.QtCore import QProcess

    started: list[list[str]] = []
    monkeypatch.setattr(
        QProcess,
        "startDetached",
        staticmethod(
            lambda program, arguments: (started.append([program, *arguments]), (True, 1))[1]
        ),
    )
    window = make_window(qtbot, open_database(tmp_path), tmp_path)
    window.training_mode_action.trigger()
    assert started and started[0][1:] == ["-m", "ui.cli", "--training"]
    assert window.db.kind.value == "clinical"  # this window stays on the clinic's database
