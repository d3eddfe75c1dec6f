"""Show the schedule editor on a programme file, alone, to look at it (and take screenshots).

    python -m ui.editor.demo [FILE] [--current FILE] [--now YYYY-MM-DDTHH:MM] [--trap]
                             [--tab N] [--week] [--grab PNG]

``--trap`` types 60 into step 1's rate in mcg/h (the per-hour/per-day slip) so the findings and
marks show; ``--grab`` saves the window to a PNG and quits. The dose history is a made-up
demonstration series (the console's window feeds the real one from the database).
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, timedelta
from fractions import Fraction
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from programmer.check_context import CheckContext
from programmer.programme_file import load
from programmer.schedule import daily_doses
from ui.editor.document import ProgrammeDocument
from ui.editor.schedule_editor import ScheduleEditor

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "flexible.json"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ui.editor.demo")
    parser.add_argument("file", nargs="?", default=str(EXAMPLE))
    parser.add_argument("--current", help="the saved programme to compare with (default: FILE)")
    parser.add_argument("--now", default="2026-11-23T10:00", type=datetime.fromisoformat)
    parser.add_argument("--trap", action="store_true", help="type 60 mcg/h into step 1")
    parser.add_argument("--tab", type=int, default=0, help="plot tab to show (0, 1, 2)")
    parser.add_argument("--week", action="store_true", help="plot the whole week")
    parser.add_argument("--size", default="1280x800")
    parser.add_argument("--grab", metavar="PNG", help="save a screenshot and quit")
    args = parser.parse_args(argv)

    app = QApplication.instance() or QApplication(sys.argv[:1])
    programme = load(args.file)
    current = load(args.current) if args.current else programme
    # A file on the command line has no database: the packaged data (CheckContext.packaged).
    document = ProgrammeDocument(
        programme, now=args.now, context=CheckContext.packaged(current=current)
    )
    editor = ScheduleEditor(document)
    editor.setWindowTitle(f"Schedule editor: {programme.patient.name}")
    width, height = (int(v) for v in args.size.split("x"))
    editor.resize(width, height)
    saved = daily_doses(current, document.pump).mean
    editor.set_dose_history(
        [
            (args.now - timedelta(days=120), saved * Fraction(7, 10)),
            (args.now - timedelta(days=60), saved * Fraction(85, 100)),
            (args.now - timedelta(days=20), saved),
        ]
    )
    editor.plot_tabs.setCurrentIndex(args.tab)
    if args.week:
        editor.week_view_action.setChecked(True)
    if args.trap:
        editor.model.setData(editor.model.index(0, 2), "60")
        editor.table.setCurrentIndex(editor.model.index(0, 2))
    editor.show()
    if args.grab:

        def grab() -> None:
            editor.grab().save(args.grab)
            app.quit()

        QTimer.singleShot(500, grab)
    return int(app.exec())


if __name__ == "__main__":
    raise SystemExit(main())
