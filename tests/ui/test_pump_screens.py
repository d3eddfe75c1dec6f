"""The screens never show a pump state other than the one in force (issue 9): a version saved but
not transmitted is never shown as running, record and pump differing is said on every screen
and never green, the Overview's alerts include the pump, and a console killed mid-transmission
finds the pump stopped after restart."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from pytestqt.qtbot import QtBot

from db.database import Database
from programmer.finding import Severity
from programmer.simulated_pump import Alarm, SessionStep
from programmer.telemetry import Link
from ui.main_window import MainWindow
from ui.overview import PatientOverview
from ui.theme import PUMP_DIFFERS_STYLE, RUNNING_STYLE

from .test_pump_support import PumpPrompter, pump_window, reviewer, transmit_with, trigger
from .window_helpers import NOW, edit_rate, make_window, open_database

PID = "DEMO-0002"  # Zoë Lefèvre, flexible, SynchroMed II 20 mL
ROOT = Path(__file__).resolve().parents[2]


def save_without_transmitting(qtbot: QtBot, window: MainWindow) -> None:
    edit_rate(qtbot, window, 1, "22")
    assert window.review_and_save()  # the offer to transmit is declined (no confirm queued)


def texts(window: MainWindow, severity: Severity) -> list[str]:
    return [text for s, text in window.overview.alert_lines() if s is severity]


def test_a_version_saved_but_not_transmitted_is_never_shown_as_running_on_the_pump(
    qtbot: QtBot, tmp_path: Path
) -> None:
    """Issue 9: the first interrogation after a save not transmitted claimed the pump ran it."""
    prompter = PumpPrompter(confirms=[False])
    prompter.reviewer = reviewer(qtbot)
    window, _ = pump_window(qtbot, tmp_path, prompter)
    window.open_patient(PID)
    before = window.db.current_version(PID)
    assert before is not None and before.number == 3
    save_without_transmitting(qtbot, window)
    trigger(qtbot, window, "interrogatePump")
    pump = window.pump_workflows.state
    assert pump is not None and pump.programme == before.programme  # still version 3
    panel = window.pump_workflows.panel
    assert "NOT version 4 on record" in panel.state_label.text()
    assert panel.state_label.styleSheet() == PUMP_DIFFERS_STYLE  # not the green "running"
    assert "matches the record" not in panel.differences_summary.text()
    banner = window.pump_workflows.differs_banner
    for tab in range(window.tabs.count()):  # on every screen
        window.tabs.setCurrentIndex(tab)
        assert banner.isVisible()
    assert "RECORD AND PUMP DIFFER" in banner.words()
    assert "the pump does not run version 4 on record" in banner.words()
    assert any(t.startswith("Record and pump differ") for t in texts(window, Severity.HARD))

    # Transmitting from the banner ends it: the pump runs version 4, green again.
    prompter.dialogs.append(transmit_with())
    banner.transmit_button.click()
    assert not banner.isVisible()
    assert panel.state_label.styleSheet() == RUNNING_STYLE
    assert not [t for t in texts(window, Severity.HARD) if t.startswith("Record and pump")]


def test_record_and_pump_differing_is_shown_again_after_restart(
    qtbot: QtBot, tmp_path: Path
) -> None:
    """The banner follows the stored pump, not this window's memory."""
    prompter = PumpPrompter(confirms=[False])
    prompter.reviewer = reviewer(qtbot)
    window, _ = pump_window(qtbot, tmp_path, prompter)
    window.open_patient(PID)
    save_without_transmitting(qtbot, window)
    path = window.db.path
    window.close()
    again = make_window(qtbot, Database.open(path, now=NOW), tmp_path, PumpPrompter())
    again.open_patient(PID)
    assert "does not run version 4" in again.pump_workflows.differs_banner.words()


def test_overview_alerts_name_a_stopped_pump_and_its_sounding_alarm(
    qtbot: QtBot, tmp_path: Path
) -> None:
    """ "No alerts" on the Overview while the pump delivers nothing was the hazard."""
    prompter = PumpPrompter(confirms=[True], dialogs=[transmit_with()])
    prompter.reviewer = reviewer(qtbot)
    window, _ = pump_window(qtbot, tmp_path, prompter)
    window.open_patient(PID)
    edit_rate(qtbot, window, 1, "22")
    window.pump_workflows.next_link = Link(drop_before=SessionStep.READ_BACK)  # the link drops
    assert window.review_and_save()
    pump = window.pump_workflows.state
    assert pump is not None and pump.session is not None
    hard = texts(window, Severity.HARD)
    assert any("Pump STOPPED" in t and "no drug is delivered" in t for t in hard)
    if Alarm.DRUG_NOT_FLOWING in pump.sounding:
        assert any("SOUNDING (two-tone): Pump stopped" in t for t in hard)
    assert "No alerts" not in window.overview.alerts.text()
    assert "#8a0000" in window.overview.alerts.text()  # the hard colour, with its word


def test_no_alerts_is_said_only_when_there_are_none(qtbot: QtBot, tmp_path: Path) -> None:
    database = open_database(tmp_path)
    record, current = database.patient(PID), database.current_version(PID)
    overview = PatientOverview()
    qtbot.addWidget(overview)
    overview.show_patient(record, current, NOW, database.check_context(PID, NOW))
    assert ("No alerts" in overview.alerts.text()) == (overview.alert_lines() == [])
    overview.set_pump_alerts([(Severity.SOFT, "Pump alarm SOUNDING (single tone): Low reservoir")])
    assert "No alerts" not in overview.alerts.text()
    assert "Low reservoir" in overview.alerts.text()
    overview.set_pump_alerts([])
    overview.show_patient(record, current, NOW, database.check_context(PID, NOW))
    assert ("No alerts" in overview.alerts.text()) == (overview.alert_lines() == [])


def test_overview_alerts_a_refill_date_past_and_a_reservoir_estimated_empty(
    qtbot: QtBot, tmp_path: Path
) -> None:
    database = open_database(tmp_path)
    record, current = database.patient(PID), database.current_version(PID)
    overview = PatientOverview()
    qtbot.addWidget(overview)
    overview.show_patient(record, current, NOW, database.check_context(PID, NOW))
    assert overview.result is not None
    projection = overview.result.projection
    assert projection.empty_at is not None and projection.next_refill_at < projection.empty_at
    overview.show_patient(
        record,
        current,
        projection.next_refill_at + timedelta(hours=1),
        database.check_context(PID, projection.next_refill_at + timedelta(hours=1)),
    )
    alerts = [t for s, t in overview.alert_lines() if s in (Severity.HARD, Severity.SOFT)]
    assert any("refill" in t.lower() and ("overdue" in t or "was due" in t) for t in alerts)
    overview.show_patient(
        record,
        current,
        projection.empty_at + timedelta(days=1),
        database.check_context(PID, projection.empty_at + timedelta(days=1)),
    )
    alerts = [t for s, t in overview.alert_lines() if s in (Severity.HARD, Severity.SOFT)]
    assert any("EMPTY" in t.upper() for t in alerts)
    assert "No alerts" not in overview.alerts.text()


def test_a_console_killed_mid_transmission_finds_the_pump_stopped_after_restart(
    qtbot: QtBot, tmp_path: Path
) -> None:
    """A real console process is killed (SIGKILL) after the stop step: the database it leaves
    says the pump is stopped, and the next console says so loudly."""
    database = open_database(tmp_path)
    path = database.path
    database.close()
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    errors = tmp_path / "child-stderr.txt"
    with (
        errors.open("w") as stderr,
        subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("transmit_child.py")), str(path), PID],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        ) as child,
    ):
        try:
            assert child.stdout is not None
            line = child.stdout.readline().strip()
            assert line == "stopped", f"the console said {line!r}: {errors.read_text()}"
            child.send_signal(signal.SIGKILL)  # mid-transmission: stopped, nothing sent yet
            child.wait(timeout=30)
        finally:
            if child.poll() is None:
                child.kill()
                child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    reopened = Database.open(path, now=NOW)
    assert [s.patient_id for s in reopened.stopped_pumps()] == [PID]
    window = make_window(qtbot, reopened, tmp_path, PumpPrompter())
    assert "PUMP STOPPED" in window.windowTitle()
    window.open_patient(PID)
    assert "PUMP STOPPED" in window.pump_workflows.banner.words()
    assert any("STOPPED" in t for t in texts(window, Severity.HARD))


def test_the_session_is_on_record_before_the_stop_is_sent(qtbot: QtBot, tmp_path: Path) -> None:
    """Interrupted between recording the session and sending the stop (the console dies
    there): the database already holds the pump as stopped."""
    window, _ = pump_window(qtbot, tmp_path)
    window.open_patient(PID)
    workflows = window.pump_workflows
    version = window.db.current_version(PID)
    assert version is not None
    pump = window.db.interrogate_pump(PID, user="dr.tester", now=NOW)
    assert workflows._session_step_coming(pump, version, SessionStep.STOP)
    assert pump.session is None  # nothing sent to the pump yet
    reopened = Database.open(window.db.path, now=NOW)
    stored = reopened.simulated_pump(PID, now=NOW)
    assert stored is not None and stored.session == [SessionStep.STOP] and not stored.running
    reopened.close()


def test_a_refill_not_yet_on_the_pump_is_said_on_every_screen_until_transmitted(
    qtbot: QtBot, tmp_path: Path
) -> None:
    """Recorded refill, pump still programmed for the old fill: it computes its delivery from
    the old volume (and, with a new concentration, the old concentration)."""
    from .test_pump_refill import LENA, confirm, measured_off_by, open_refill
    from .test_pump_support import type_text

    prompter = PumpPrompter(confirms=[True])
    prompter.reviewer = reviewer(qtbot, "Refill visit")
    window, _ = pump_window(qtbot, tmp_path, prompter)
    window.open_patient(LENA)
    trigger(qtbot, window, "interrogatePump")
    banner = window.pump_workflows.differs_banner
    assert not banner.isVisible()

    def fill(dialog) -> bool:  # type: ignore[no-untyped-def]
        type_text(qtbot, dialog.measured_edit, measured_off_by(dialog, "-0.2"))
        type_text(qtbot, dialog.volume_edit, "18")
        return confirm(dialog)

    open_refill(qtbot, window, prompter, fill)
    assert "the refill of 2026-11-22 10:00 (18 mL of 1000 mcg/mL) is not on the pump" in (
        banner.words()
    )
    assert any("refill of 2026-11-22 10:00" in t for t in texts(window, Severity.HARD))
    prompter.dialogs.append(transmit_with())
    assert window.review_and_save()
    assert not banner.isVisible()
    assert not any("refill of" in t for t in texts(window, Severity.HARD))


def test_a_new_concentration_recorded_but_not_on_the_pump_names_both(
    tmp_path: Path,
) -> None:
    from db.database import RefillRecord
    from ui.pump.record import refill_not_on_pump

    database = open_database(tmp_path)
    pump = database.interrogate_pump(PID, user="dr.tester", now=NOW)
    refill = RefillRecord(
        at=NOW + timedelta(minutes=5),
        expected_residual_ml=Decimal(9),
        measured_residual_ml=Decimal(9),
        volume_added_ml=Decimal(11),
        concentration_mcg_per_ml=Decimal(2000),
        drug="baclofen",
    )
    words = refill_not_on_pump(refill, pump)
    assert words is not None
    assert "programmed for 1000 mcg/mL and the reservoir now holds 2000 mcg/mL" in words
    earlier = RefillRecord(
        at=pump.programme.reservoir.filled_at,
        expected_residual_ml=Decimal(9),
        measured_residual_ml=Decimal(9),
        volume_added_ml=Decimal(11),
        concentration_mcg_per_ml=Decimal(1000),
        drug="baclofen",
    )
    assert refill_not_on_pump(earlier, pump) is None
    database.close()
