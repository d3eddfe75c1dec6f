"""Time from process start to the console's main window shown on the demo database, beside a
bare PySide6 + pyqtgraph window measured in the same run (issue: budget ratio under 1.5). The
login dialog is answered at once (what a person types is not the program's start-up).

Each sample is a fresh process; the parent notes the time before starting it and the child
prints the wall-clock time once its window has been shown and painted. Run:
    .venv/bin/python bench/startup.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

BARE = """
import sys, time
from PySide6.QtWidgets import QApplication, QMainWindow
import pyqtgraph as pg
app = QApplication(sys.argv[:1])
window = QMainWindow()
window.setCentralWidget(pg.PlotWidget())
window.resize(1280, 800)
window.show()
window.repaint()
app.processEvents()
print(time.time(), flush=True)
"""

CONSOLE = """
import sys, time
from PySide6.QtWidgets import QApplication
import ui.login
from db.users import Role, User
# Logging in is the person's time, not the program's: answered at once here.
ui.login.log_in = lambda *args, **kwargs: User("bench", Role.CLINICIAN)
import ui.main_window as mw
original_show = mw.MainWindow.show
def show(self):
    original_show(self)
    self.repaint()
    QApplication.processEvents()
    print(time.time(), flush=True)
    sys.exit(0)
mw.MainWindow.show = show
from ui.cli import main
main(["--db", sys.argv[1]])  # a clinical database: the window takes the clock, never --now
"""


def sample(code: str, *args: str) -> float:
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    start = time.time()
    out = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        check=True,
    )
    return float(out.stdout.strip().splitlines()[-1]) - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from datetime import datetime

    from db.database import Database
    from db.seed.demo_patients import seed_demo_patients

    work = Path(tempfile.mkdtemp(prefix="itb-bench-"))
    try:
        demo = work / "demo.sqlite"
        Database.open(demo, on_create=seed_demo_patients, now=datetime(2026, 11, 22, 10, 0)).close()
        sample(BARE)  # warm the file cache for both
        sample(CONSOLE, str(demo))
        bare, console = [], []
        for _ in range(args.runs):  # interleaved, so machine load hits both alike
            bare.append(sample(BARE))
            console.append(sample(CONSOLE, str(demo)))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    b, c = statistics.median(bare), statistics.median(console)
    print(
        f"Python {sys.version.split()[0]}, {args.runs} runs each, "
        f"platform {os.environ.get('QT_QPA_PLATFORM', 'offscreen')}"
    )
    print(
        f"bare PySide6 + pyqtgraph window  median {b * 1000:7.1f} ms   "
        f"min {min(bare) * 1000:7.1f} ms"
    )
    print(
        f"console main window (demo db)    median {c * 1000:7.1f} ms   "
        f"min {min(console) * 1000:7.1f} ms"
    )
    print(f"ratio console / bare = {c / b:.2f}  (budget: under 1.5)")


if __name__ == "__main__":
    main()
