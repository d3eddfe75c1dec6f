"""Finish on the real window (issue: "saved and transmitted to the simulated pump, with progress
and the read-back check"): after a save the console offers to transmit; the progress dialog walks
stop, send, read back and compare, restart. A session cut off half-way leaves the pump STOPPED,
and the console says so loudly on every tab, in the title, and after reopening, until the
session is finished or undone."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from db.database import Database
from programmer.simulated_pump import Alarm, SessionStep
from programmer.telemetry import Link
from ui.main_window import MainWindow
from ui.pump.transmit_dialog import TransmitDialog

from .test_pump_support import PumpPrompter, pump_window, reviewer, transmit_with, trigger
from .window_helpers import NOW, edit_rate, make_window

PID = "DEMO-0002"  # Zoë Lefèvre, flexible, SynchroMed II 20 mL


def save_change(qtbot: QtBot, window: MainWindow, rate: str = "22") -> None:
    edit_rate(qtbot, window, 1, rate)
    assert window.review_and_save()


def actions(window: MainWindow) -> list[str]:
    return [e.action for e in window.db.audit_entries(patient_id=PID)]


def test_save_then_transmit_walks_every_step_and_the_pump_runs_it(
    qtbot: QtBot, tmp_path: Path
) -> None:
    prompter = PumpPrompter(confirms=[True], dialogs=[transmit_with()])
    prompter.reviewer = reviewer(qtbot, "Morning spasms")
    window, _ = pump_window(qtbot, tmp_path, prompter)
    window.open_patient(PID)
    save_change(qtbot, window)
    [dialog] = prompter.shown
    assert isinstance(dialog, TransmitDialog)
    assert [dialog.step_status(s) for s in SessionStep] == ["done"] * 4
    assert "Read-back matches what was sent" in dialog.read_back_label.text()
    assert "Pump running the new programme" in dialog.result_label.text()
    version = window.db.current_version(PID)
    assert version is not None and version.number == 4
    pump = window.db.simulated_pump(PID, now=NOW)
    assert pump is not None and pump.running and pump.session is None
    assert pump.programme == version.programme
    # The pump never read before was started on version 3, then given version 4.
    # The session is on record before the stop goes out, and after each step (issue 9).
    assert actions(window)[-7:] == [
        "programme.saved",
        "pump.interrogated",
        "pump.session-started",
        "pump.session-step",  # stop
        "pump.session-step",  # send
        "pump.session-step",  # read-back; the restart ends the session: pump.transmitted
        "pump.transmitted",
    ]
    entry = window.db.audit_entries(patient_id=PID)[-1]
    assert entry.details["version"] == 4
    assert entry.details["steps"] == ["stop", "send", "read-back", "restart"]
    assert not window.pump_workflows.banner.isVisible()
    panel = window.pump_workflows.panel
    assert "matches the record" in panel.differences_summary.text()


def test_an_interrupted_transmission_leaves_the_pump_marked_stopped(
    qtbot: QtBot, tmp_path: Path
) -> None:
    """The hazard (domain.md): a programming session interrupted half-way has left real pumps
    stopped. The console must say so loudly, everywhere, and keep saying it after reopening."""
    prompter = PumpPrompter(confirms=[True], dialogs=[transmit_with()])
    prompter.reviewer = reviewer(qtbot)
    window, _ = pump_window(qtbot, tmp_path, prompter)
    # The clinical dialog offers no dropped link: injected, as a trainer's scenario does.
    window.pump_workflows.next_link = Link(drop_before=SessionStep.READ_BACK)
    window.open_patient(PID)
    save_change(qtbot, window)
    [dialog] = prompter.shown
    assert isinstance(dialog, TransmitDialog)
    assert dialog.step_status(SessionStep.STOP) == "done"
    assert dialog.step_status(SessionStep.SEND) == "done"
    assert dialog.step_status(SessionStep.READ_BACK) == "FAILED: link lost"
    assert dialog.step_status(SessionStep.RESTART) == "not done"
    assert "THE PUMP IS STOPPED" in dialog.result_label.text()
    assert "PUMP STOPPED" in prompter.titles()

    pump = window.db.simulated_pump(PID, now=NOW)
    assert pump is not None and not pump.running and pump.stopped_by_session
    assert Alarm.DRUG_NOT_FLOWING in pump.alarms
    assert actions(window)[-1] == "pump.transmission-interrupted"
    assert_loudly_stopped(window)

    # Closing the patient keeps it in sight; reopening shows it for the patient again.
    window.close_patient()
    banner = window.pump_workflows.banner
    assert banner.isVisible() and "Zoë Lefèvre (DEMO-0002)" in banner.words()
    assert window.windowTitle().startswith("PUMP STOPPED (1) — ")
    window.open_patient(PID)
    assert_loudly_stopped(window)

    # Closing the app and opening it again on the same database: still stopped, still loud.
    window.close()
    window.db.close()
    again_db = Database.open(tmp_path / "clinic.sqlite", now=NOW)
    again = make_window(qtbot, again_db, tmp_path, PumpPrompter(dialogs=[transmit_with()]))
    assert again.pump_workflows.banner.isVisible()
    assert again.windowTitle().startswith("PUMP STOPPED (1) — ")
    again.open_patient(PID)
    assert_loudly_stopped(again)

    # Finished from the banner: transmitted again, the pump runs the saved version.
    again.pump_workflows.banner.finish_button.click()
    pump = again_db.simulated_pump(PID, now=NOW)
    current = again_db.current_version(PID)
    assert pump is not None and current is not None
    assert pump.running and pump.programme == current.programme
    assert not again.pump_workflows.banner.isVisible()
    assert not again.windowTitle().startswith("PUMP STOPPED")
    assert again_db.stopped_pumps() == []
    again_db.close()


def assert_loudly_stopped(window: MainWindow) -> None:
    """Red banner naming the patient on every tab, in the title, and on the Pump tab."""
    banner = window.pump_workflows.banner
    for index in range(window.tabs.count()):
        window.tabs.setCurrentIndex(index)
        assert banner.isVisible(), f"banner hidden on tab {window.tabs.tabText(index)}"
    words = banner.words()
    assert "PUMP STOPPED — Zoë Lefèvre (DEMO-0002)" in words
    assert "NO baclofen" in words
    assert banner.finish_button.isVisible() and banner.undo_button.isVisible()
    assert window.windowTitle().startswith("PUMP STOPPED — Zoë Lefèvre (DEMO-0002)")
    assert "STOPPED" in window.tabs.tabText(window.tabs.indexOf(window.pump_workflows.panel))
    assert window.pump_workflows.resume_action.isEnabled()


def test_an_interrupted_session_can_be_undone_to_the_previous_programme(
    qtbot: QtBot, tmp_path: Path
) -> None:
    prompter = PumpPrompter(confirms=[True, True], dialogs=[transmit_with()])
    prompter.reviewer = reviewer(qtbot)
    window, _ = pump_window(qtbot, tmp_path, prompter)
    window.open_patient(PID)
    before = window.current
    assert before is not None
    window.pump_workflows.next_link = Link(drop_before=SessionStep.SEND)  # injected, as a trainer
    save_change(qtbot, window)
    dialog = prompter.shown[0]
    assert isinstance(dialog, TransmitDialog) and not dialog.drop_combo.isEnabled()
    assert dialog.step_status(SessionStep.SEND) == "FAILED: link lost"
    assert window.pump_workflows.banner.isVisible()

    window.pump_workflows.banner.undo_button.click()
    assert "Undo the programming session" in prompter.titles()
    pump = window.db.simulated_pump(PID, now=NOW)
    assert pump is not None and pump.running and pump.session is None
    assert pump.programme == before.programme  # the previous programme, not version 4
    assert not window.pump_workflows.banner.isVisible()
    assert actions(window)[-1] == "pump.session-undone"
    panel = window.pump_workflows.panel
    assert "difference(s) from the record" in panel.differences_summary.text()


def test_transmit_asks_for_a_save_first(qtbot: QtBot, tmp_path: Path) -> None:
    window, prompter = pump_window(qtbot, tmp_path)
    window.open_patient(PID)
    edit_rate(qtbot, window, 1, "21")
    trigger(qtbot, window, "transmit")
    assert prompter.titles()[-1] == "Save first"
    assert prompter.shown == []
    assert window.db.simulated_pump(PID, now=NOW) is None


def test_declining_the_offer_leaves_the_pump_on_the_previous_programme(
    qtbot: QtBot, tmp_path: Path
) -> None:
    prompter = PumpPrompter(confirms=[False])
    prompter.reviewer = reviewer(qtbot)
    window, _ = pump_window(qtbot, tmp_path, prompter)
    window.open_patient(PID)
    save_change(qtbot, window)
    assert prompter.shown == []
    assert "not transmitted" in window.statusBar().currentMessage()
