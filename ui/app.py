"""Start-up of the console window (imported only when the window is asked for): open the
database (a clear message if it cannot be), then show the main window."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import datetime
from pathlib import Path


def no_display() -> bool:
    """True on Linux without an X11 or Wayland display (and no Qt platform chosen): Qt would
    abort with a misleading message about xcb libraries."""
    return (
        sys.platform.startswith("linux")
        and not os.environ.get("DISPLAY")
        and not os.environ.get("WAYLAND_DISPLAY")
        and not os.environ.get("QT_QPA_PLATFORM")
    )


def run_window(args: argparse.Namespace) -> int:
    if no_display():
        print(
            "itb-console: no display to open the window on (DISPLAY is not set). Run it in a "
            "desktop session, or use a subcommand: itb-console --help",
            file=sys.stderr,
        )
        return 2
    from PySide6.QtWidgets import QApplication, QMessageBox

    from db.database import Database, DatabaseError
    from ui.commands.invocation import current_user
    from ui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("ITB programmer console")
    app.setOrganizationName("itb-console")
    fixed_now: datetime | None = args.now

    def clock() -> datetime:
        return (fixed_now or datetime.now()).replace(second=0, microsecond=0)

    path = Path(args.db) if args.db else Database.default_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        database = Database.open(path, create=True, seed_demo=args.db is None, now=clock())
    except (DatabaseError, OSError) as exc:
        QMessageBox.critical(
            None, "ITB programmer console", f"The database {path} cannot be opened:\n\n{exc}"
        )
        print(f"itb-console: {path}: {exc}", file=sys.stderr)
        return 2
    window = MainWindow(database, clock=clock, user=current_user())
    window.show()
    try:
        return int(app.exec())
    finally:
        database.close()
