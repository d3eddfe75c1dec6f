"""A console to be killed mid-transmission (run by test_pump_screens.py, not a test itself):
it opens ``argv[1]``, opens patient ``argv[2]``, starts transmitting the saved version, takes
the first step (stop) and prints ``stopped`` on stdout, then waits to be killed (SIGKILL)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QDialog

from db.database import Database
from ui.main_window import MainWindow
from ui.prompts import WindowPrompter
from ui.pump.transmit_dialog import TransmitDialog

NOW_TEXT = "2026-11-22T10:00"


class HangingPrompter(WindowPrompter):
    """Starts the transmission, takes the stop step, and hangs there."""

    def warn(self, title: str, text: str) -> None:
        print(f"warn: {title}: {text}", flush=True)

    def run_dialog(self, dialog: QDialog) -> bool:
        assert isinstance(dialog, TransmitDialog)
        dialog.step_delay_ms = 3_600_000  # the timer never fires before the kill
        dialog.start()
        dialog.step()
        print("stopped", flush=True)
        while True:
            time.sleep(1)


def main() -> None:
    from datetime import datetime

    now = datetime.fromisoformat(NOW_TEXT)
    app = QApplication(sys.argv[:1])
    database = Database.open(Path(sys.argv[1]), now=now)
    settings = QSettings(str(Path(sys.argv[1]).with_suffix(".ini")), QSettings.Format.IniFormat)
    prompter = HangingPrompter(None)
    window = MainWindow(
        database, user="dr.tester", prompter=prompter, settings=settings, clock=lambda: now
    )
    prompter.parent = window
    window.show()
    assert window.open_patient(sys.argv[2])
    window.pump_workflows.transmit()
    app.exec()


if __name__ == "__main__":
    main()
