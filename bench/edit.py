"""Median time from a step edit to the table, totals, findings and plots all updated (issue:
budget 16 ms, one frame). Drives the real main window on the demo database: each sample types a
rate into the flexible patient's step through the model (as the cell editor does) and then lets
Qt paint. Run: .venv/bin/python bench/edit.py [--edits N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--edits", type=int, default=300)
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, str(ROOT))
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from db.database import Database
    from db.seed.demo_patients import seed_demo_patients
    from ui.editor.schedule_model import Column
    from ui.main_window import MainWindow

    app = QApplication(sys.argv[:1])
    work = Path(tempfile.mkdtemp(prefix="itb-bench-"))
    now = datetime(2026, 11, 22, 10, 0)
    db = Database.open(work / "demo.sqlite", on_create=seed_demo_patients, now=now)
    window = MainWindow(
        db,
        clock=lambda: now,
        user="bench",
        settings=QSettings(str(work / "s.ini"), QSettings.Format.IniFormat),
    )
    window.resize(1280, 800)
    window.show()
    window.open_patient("DEMO-0002")  # flexible, every day
    window.tabs.setCurrentIndex(1)
    app.processEvents()
    assert window.editor is not None and window.document is not None
    model = window.editor.model
    totals: list[str] = []
    samples = []
    for i in range(args.edits):
        rate = f"{20 + (i % 7)}.{i % 10}"
        start = time.perf_counter()
        model.setData(model.index(1, Column.RATE), rate)
        app.processEvents()  # the pending updates: table, totals, findings, plot painted once
        samples.append(time.perf_counter() - start)
        totals.append(window.editor.total_label.text())
    assert len(set(totals)) > 1, "the edits did not change the total"
    samples.sort()
    median = statistics.median(samples) * 1000
    p95 = samples[int(len(samples) * 0.95)] * 1000
    print(
        f"Python {sys.version.split()[0]}, {args.edits} edits, platform "
        f"{os.environ['QT_QPA_PLATFORM']}"
    )
    print(
        f"edit -> table, totals, findings, plots updated: median {median:.2f} ms, "
        f"p95 {p95:.2f} ms, min {samples[0] * 1000:.2f} ms (budget 16 ms)"
    )
    window.document.undo_stack.setClean()
    window.close()
    db.close()


if __name__ == "__main__":
    main()
