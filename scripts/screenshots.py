"""Drive the real console window through its main screens and save a PNG of each (called by
scripts/screenshots under Xvfb). Every picture must be looked at before it is committed."""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QWidget

from db.database import Database
from db.seed.demo_patients import seed_demo_patients
from programmer.finding import Severity
from programmer.findings import CheckResult
from programmer.programme import Programme
from programmer.simulated_pump import SessionStep
from programmer.telemetry import Link
from ui.editor.schedule_model import Column
from ui.main_window import MainWindow
from ui.prompts import Review, WindowPrompter
from ui.pump.bolus_dialog import BolusDialog
from ui.pump.refill_dialog import RefillDialog
from ui.pump.transmit_dialog import TransmitDialog
from ui.review_dialog import ReviewDialog, acknowledgement_key

NOW = datetime(2026, 11, 22, 10, 0)


def settle(app: QApplication, rounds: int = 20) -> None:
    for _ in range(rounds):
        app.processEvents()


def shoot(app: QApplication, widget: QWidget, path: Path) -> None:
    settle(app)
    if not widget.grab().save(str(path)):
        raise SystemExit(f"could not write {path}")
    print(path)


def set_rate(window: MainWindow, row: int, text: str) -> None:
    assert window.editor is not None
    model = window.editor.table.model()
    model.setData(model.index(row, Column.RATE), text)


class ShotPrompter(WindowPrompter):
    """Answers the window's questions without blocking, so the pump workflows run for real:
    confirmations from a queue, messages kept, each workflow dialog handed to a handler that
    shows it, fills it in and takes its picture."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.confirms: list[bool] = []
        self.dialogs: list[Callable[[QDialog], bool]] = []
        self.messages: list[str] = []

    def confirm(self, title: str, text: str) -> bool:
        return self.confirms.pop(0) if self.confirms else False

    def inform(self, title: str, text: str) -> None:
        self.messages.append(title)

    def warn(self, title: str, text: str) -> None:
        self.messages.append(title)

    def review(
        self, current: Programme | None, pending: Programme, result: CheckResult, current_title: str
    ) -> Review:
        acks = {
            acknowledgement_key(f): "Reviewed with the patient"
            for f in result.findings
            if f.severity is Severity.SOFT
        }
        return Review(acks, "Demonstration")

    def run_dialog(self, dialog: QDialog) -> bool:
        return self.dialogs.pop(0)(dialog) if self.dialogs else False


def shown(app: QApplication, dialog: QDialog, width: int, height: int) -> None:
    dialog.setWindowFlag(Qt.WindowType.Dialog)
    dialog.resize(width, height)
    dialog.show()
    settle(app)


def pump_shots(app: QApplication, window: MainWindow, out: Path) -> None:
    """One picture per pump workflow: interrogation with differences, a refill with a
    discrepancy and a concentration change, the priming bolus, the transmission in progress,
    and the stopped-pump banner after a transmission cut off half-way."""
    prompter = ShotPrompter(window)
    window.prompter = prompter
    workflows = window.pump_workflows

    # Interrogate: Zoë's pump read a week after a change that was saved but never transmitted.
    window.open_patient("DEMO-0002")
    workflows.interrogate()
    set_rate(window, 1, "22")
    prompter.confirms = [False]  # saved, not transmitted
    window.review_and_save()
    window.clock = lambda: NOW + timedelta(days=7)  # and from here on: the clock never goes back
    workflows.interrogate()
    shoot(app, window, out / "pump-interrogate.png")

    # Refill: Lena, 1.5 mL less left than expected, and a new concentration.
    def refill(dialog: QDialog) -> bool:
        assert isinstance(dialog, RefillDialog)
        shown(app, dialog, 780, 800)
        dialog.measured_edit.setText(str(dialog.expected_kept() - Decimal("1.5")))
        dialog.volume_edit.setText("20")
        dialog.concentration_combo.setCurrentIndex(dialog.concentration_combo.findData("2000"))
        dialog.omit_bridge.setChecked(True)
        shoot(app, dialog, out / "pump-refill.png")
        dialog.close()
        return False

    window.open_patient("DEMO-0007")
    prompter.dialogs = [refill]
    workflows.refill()

    # Priming bolus: Anna's SynchroMed II 40 mL with 52 cm of Ascenda catheter.
    def priming(dialog: QDialog) -> bool:
        assert isinstance(dialog, BolusDialog)
        shown(app, dialog, 720, 560)
        shoot(app, dialog, out / "pump-priming.png")
        dialog.close()
        return False

    window.open_patient("DEMO-0001")
    prompter.dialogs = [priming]
    workflows.priming_action.trigger()

    # Transmit: Zoë's saved version 4, caught between the send and the read-back; then a
    # second attempt cut off before the restart leaves the pump stopped.
    def progress(dialog: QDialog) -> bool:
        assert isinstance(dialog, TransmitDialog)
        shown(app, dialog, 660, 440)
        dialog.step_delay_ms = 10**8  # the steps are taken by hand below
        dialog.start()
        dialog.step()
        dialog.step()
        shoot(app, dialog, out / "pump-transmit.png")
        while dialog.running:
            dialog.step()
        dialog.close()
        return True

    def dropped(dialog: QDialog) -> bool:
        assert isinstance(dialog, TransmitDialog)
        shown(app, dialog, 660, 440)
        dialog.step_delay_ms = 0
        dialog.start()
        shoot(app, dialog, out / "pump-transmit-dropped.png")
        dialog.close()
        return True

    window.open_patient("DEMO-0002")
    prompter.dialogs = [progress]
    workflows.transmit()
    set_rate(window, 1, "23")
    prompter.confirms = [True]
    prompter.dialogs = [dropped]
    # A dropped link is a trainer's control (not offered in the clinical dialog): injected.
    workflows.next_link = Link(drop_before=SessionStep.RESTART)
    window.review_and_save()
    window.tabs.setCurrentIndex(0)
    shoot(app, window, out / "pump-stopped-banner.png")
    window.tabs.setCurrentWidget(workflows.panel)
    workflows.interrogate()
    shoot(app, window, out / "pump-stopped-tab.png")


def main(out: Path) -> None:
    app = QApplication(sys.argv[:1])
    app.setApplicationName("ITB programmer console")
    work = Path(tempfile.mkdtemp(prefix="itb-shots-"))
    db = Database.open(work / "demo.sqlite", on_create=seed_demo_patients, now=NOW)
    settings = QSettings(str(work / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(db, clock=lambda: NOW, user="dr.demo", settings=settings)
    window.resize(1280, 800)
    window.show()
    settle(app)

    window.browser.search.setText("mü")
    shoot(app, window, out / "browser.png")
    window.browser.search.clear()
    window.open_patient("DEMO-0002")
    shoot(app, window, out / "overview.png")
    window.tabs.setCurrentIndex(1)
    shoot(app, window, out / "programme.png")

    set_rate(window, 1, "70")  # +34.8 %: above the titration step, a soft finding
    set_rate(window, 2, "80")  # 80 mcg/h for 12 h: over the hard maximum
    shoot(app, window, out / "findings.png")
    set_rate(window, 2, "18")

    assert window.document is not None
    dialog = ReviewDialog(
        window.document.current,
        window.document.pending,
        window.document.result,
        current_title="Current (version 3)",
        parent=window,
    )
    dialog.setWindowFlag(Qt.WindowType.Dialog)
    dialog.show()
    for edit in dialog.reason_edits.values():
        edit.setText("Morning spasms; reviewed with the patient")
    dialog.change_reason.setText("More drug in the morning")
    shoot(app, dialog, out / "review.png")
    dialog.close()
    window.document.undo_stack.setIndex(0)

    window.open_patient("DEMO-0001")
    window.tabs.setCurrentIndex(2)
    shoot(app, window, out / "history.png")
    window.editor.plot_tabs.setCurrentIndex(1) if window.editor else None
    window.tabs.setCurrentIndex(1)
    shoot(app, window, out / "reservoir.png")
    pump_shots(app, window, out)
    window.open_patient("DEMO-0001")
    window.show_audit_trail()
    shoot(app, window.audit_viewer, out / "audit-trail.png")
    window.audit_viewer.close()
    QTimer.singleShot(0, window.close)
    db.close()
    account_and_training_shots(app, work, out)


def account_and_training_shots(app: QApplication, work: Path, out: Path) -> None:
    """The first-run and login dialogs, and the window in training mode with a scenario open
    and an alarm fired by the simulated clock."""
    from datetime import timedelta

    from db.seed.training import open_training
    from ui.login import FirstAdministratorDialog, LoginDialog
    from ui.training import SimulatedClock

    db = open_training(work / "training.sqlite", now=NOW)
    first = FirstAdministratorDialog(db, clock=lambda: NOW)
    first.name_edit.setText("trainer.anna")
    shown(app, first, 560, 330)
    shoot(app, first, out / "first-administrator.png")
    first.close()
    admin = db.first_administrator("trainer.anna", "correct horse battery", now=NOW)
    login = LoginDialog(db, clock=lambda: NOW, name=admin.name)
    shown(app, login, 460, 220)
    shoot(app, login, out / "login.png")
    login.close()

    clock = SimulatedClock(NOW)
    settings = QSettings(str(work / "training.ini"), QSettings.Format.IniFormat)
    window = MainWindow(
        db,
        clock=clock.now,
        user=admin.name,
        account=admin,
        settings=settings,
        training_clock=clock,
        prompter=ShotPrompter(),
    )
    window.resize(1280, 800)
    window.show()
    window.training_panel.list.setCurrentRow(3)  # From 500 to 2000 mcg/mL
    window.training_panel.open_button.click()
    clock.advance(timedelta(hours=1))
    clock.advance(timedelta(days=2))  # 1.2 mL/day from 4.4 mL: the low-reservoir alarm
    window.tabs.setCurrentIndex(3)
    shoot(app, window, out / "training.png")
    QTimer.singleShot(0, window.close)
    db.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/screenshots"))
