"""Training-only controls appear only in training (issue 12): the clinical transmit dialog
offers no "simulate a dropped link"; a normal transmission logs no red alarm; the trainer's
"what the trainee should notice" is never cut off."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from db.seed.training import open_training
from ui.pump.transmit_dialog import TransmitDialog
from ui.training import SimulatedClock

from .test_pump_support import PumpPrompter, pump_window, reviewer, transmit_with
from .window_helpers import NOW, edit_rate, make_window


def keep(dialog: QDialog) -> bool:
    return False


def test_the_clinical_transmit_dialog_offers_no_dropped_link(qtbot: QtBot, tmp_path: Path) -> None:
    """A control that breaks the link on purpose has no place at a clinical workstation."""
    window, prompter = pump_window(qtbot, tmp_path)
    assert window.open_patient("DEMO-0002")
    prompter.dialogs.append(keep)
    window.pump_workflows.transmit_action.trigger()
    dialog = prompter.shown[-1]
    assert isinstance(dialog, TransmitDialog)
    assert not dialog.drop_combo.isVisibleTo(dialog) and not dialog.drop_combo.isEnabled()
    assert "dropped link" not in " ".join(
        w.text() for w in dialog.findChildren(type(dialog.result_label))
    )


def test_the_training_transmit_dialog_offers_a_dropped_link(qtbot: QtBot, tmp_path: Path) -> None:
    database = open_training(tmp_path / "training.sqlite", now=NOW)
    clock = SimulatedClock(NOW)
    prompter = PumpPrompter()
    window = make_window(qtbot, database, tmp_path, prompter, clock=clock.now, training_clock=clock)
    window.open_patient("TRAIN-04")
    prompter.dialogs.append(keep)
    window.pump_workflows.transmit_action.trigger()
    dialog = prompter.shown[-1]
    assert isinstance(dialog, TransmitDialog)
    assert dialog.drop_combo.isVisibleTo(dialog) and dialog.drop_combo.isEnabled()
    database.close()


def test_a_normal_transmission_logs_no_red_alarm(qtbot: QtBot, tmp_path: Path) -> None:
    prompter = PumpPrompter(confirms=[True], dialogs=[transmit_with()])
    prompter.reviewer = reviewer(qtbot)
    window, _ = pump_window(qtbot, tmp_path, prompter)
    window.open_patient("DEMO-0002")
    window.pump_workflows.interrogate()
    before = len(window.db.simulated_pump("DEMO-0002", now=NOW).events)  # type: ignore[union-attr]
    edit_rate(qtbot, window, 1, "22")
    assert window.review_and_save()
    pump = window.db.simulated_pump("DEMO-0002", now=NOW)
    assert pump is not None and pump.running
    new = pump.events[before:]
    assert new and all(e.kind != "alarm" for e in new)
    events = window.pump_workflows.panel.events_view.model()
    window.pump_workflows.interrogate()
    assert all(events.index(r, 1).data() != "alarm" for r in range(events.rowCount()))


def test_what_the_trainee_should_notice_is_never_cut_off(qtbot: QtBot, tmp_path: Path) -> None:
    database = open_training(tmp_path / "training.sqlite", now=NOW)
    clock = SimulatedClock(NOW)
    window = make_window(qtbot, database, tmp_path, clock=clock.now, training_clock=clock)
    panel = window.training_panel
    window.resize(900, 380)  # a short window: the scenario text no longer fits its share
    for row in range(panel.list.count()):
        panel.list.setCurrentRow(row)
        qtbot.wait(1)
        details = panel.details
        assert "What the trainee should notice" in details.text()
        # The label gets all the height its text needs; the scroll area around it scrolls.
        assert details.height() >= details.heightForWidth(details.width())
    database.close()
