"""Issue 10: a crash in the window never leaves a traceback on stderr only. The exception hook
logs it in the rotating per-user log, says the action did not complete and whether anything was
saved; faulthandler writes there too, and Qt's own messages go into the same log. Run in a
subprocess: the hook is process-wide and pytest-qt has its own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import sys
from PySide6.QtCore import QTimer, qWarning
from PySide6.QtWidgets import QApplication
from ui import crash

reporter = crash.install()
crash.route_qt_messages()
app = QApplication(sys.argv[:1])
saves = [0]
reporter.inform = lambda title, text: print("TOLD:", title, "|", text, flush=True)
reporter.saves = lambda: saves[0]
watch = crash.watch_input(app, reporter)
reporter.mark_input()

def boom():
    saves[0] += int(sys.argv[1])
    qWarning("a warning from Qt")
    1 / 0

QTimer.singleShot(0, boom)
QTimer.singleShot(100, app.quit)
app.exec()
print("STILL RUNNING", flush=True)
"""


def _run(tmp_path: Path, saved: int) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "ITB_CONSOLE_LOG_DIR": str(tmp_path / "log"),
        "QT_QPA_PLATFORM": "offscreen",
    }
    return subprocess.run(
        [sys.executable, "-c", SCRIPT, str(saved)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_crash_in_a_slot_is_logged_and_told_nothing_was_saved(tmp_path: Path) -> None:
    done = _run(tmp_path, 0)
    assert (
        "TOLD: The action did not complete | The action did not complete. Nothing was saved."
        in done.stdout
    )
    assert "STILL RUNNING" in done.stdout  # the window goes on; what was on screen stays
    log = (tmp_path / "log" / "itb-console.log").read_text(encoding="utf-8")
    assert "ZeroDivisionError" in log and "Traceback" in log and "in boom" in log
    assert "a warning from Qt" in log  # qInstallMessageHandler routes Qt's messages here
    assert "Traceback" not in done.stderr  # never on stderr only: one line there, and the log
    assert "The action did not complete" in done.stderr
    assert (tmp_path / "log" / "itb-console-faults.log").exists()  # faulthandler's file


def test_crash_after_a_save_says_what_was_saved(tmp_path: Path) -> None:
    done = _run(tmp_path, 1)
    assert "1 change(s) had been saved before it stopped" in done.stdout
