"""Start-up of the console window (imported only when the window is asked for): open the
database of the mode asked for (the clinic's, or with --training the training one), log in, then
show the main window with its screen lock."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import datetime
from pathlib import Path

# Minutes without input before the screen locks (issue: "lock the screen after inactivity").
IDLE_LOCK_MINUTES = 10


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
    if args.now is not None and not args.training:
        # product.md, "Accounts on the command line": --now never changes what is recorded on
        # a clinical database, and the window records every save at its clock.
        print(
            "itb-console: --now is for read-only commands and for training (--training); the "
            "window on the clinic's database always runs on the computer's clock",
            file=sys.stderr,
        )
        return 2
    if no_display():
        print(
            "itb-console: no display to open the window on (DISPLAY is not set). Run it in a "
            "desktop session, or use a subcommand: itb-console --help",
            file=sys.stderr,
        )
        return 2
    from ui.startup_checks import qt_problem

    if (problem := qt_problem(window=True)) is not None:  # before Qt, which would abort
        print(f"itb-console: {problem}", file=sys.stderr)
        return 2
    from PySide6.QtWidgets import QApplication, QMessageBox

    from db.database import DatabaseError
    from db.seed.training import reset_training
    from ui import crash
    from ui.commands.invocation import database_path, open_database
    from ui.idle_lock import IdleLock
    from ui.login import log_in, wall_clock
    from ui.main_window import MainWindow
    from ui.training import SimulatedClock

    # Before anything can fail: the log, faulthandler, Qt's messages and the exception hook.
    reporter = crash.install()
    crash.route_qt_messages()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    input_watch = crash.watch_input(app, reporter)
    app.setApplicationName("ITB programmer console")
    app.setOrganizationName("itb-console")
    from ui.report.fonts import register_report_fonts

    register_report_fonts()  # the bundle's DejaVu: reports paginate alike on every system
    path, _ = database_path(args)
    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        database = open_database(args)
    except (DatabaseError, OSError) as exc:
        QMessageBox.critical(
            None, "ITB programmer console", f"The database {path} cannot be opened:\n\n{exc}"
        )
        print(f"itb-console: {path}: {exc}", file=sys.stderr)
        return 2
    try:
        # Logins and lock-outs run on the wall clock, never the simulated or --now one.
        user = log_in(database, None, clock=wall_clock)
        if user is None:
            return 0

        def start_moment() -> datetime:
            return (args.now or datetime.now()).replace(second=0, microsecond=0)

        simulated = SimulatedClock(start_moment()) if args.training else None

        def open_window() -> MainWindow:
            window = MainWindow(
                database,
                clock=simulated.now if simulated else start_moment,
                user=user.name,
                account=user,
                training_clock=simulated,
            )
            lock = IdleLock(window, database, user, minutes=IDLE_LOCK_MINUTES, clock=wall_clock)
            window.attach_idle_lock(lock)
            window.restart_requested.connect(lambda: restart(window))
            reporter.inform = window.prompter.warn
            reporter.saves = lambda: database.writes
            database.on_anchor_lag = lambda lag: window.prompter.warn(
                "Saved, but this workstation could not record it", lag[0].upper() + lag[1:]
            )
            window.show()
            return window

        windows: list[MainWindow] = []  # held here, so no window is garbage-collected

        def restart(old: MainWindow) -> None:
            """Training, back to the start: a fresh training database (accounts kept) and a
            fresh window on it, the clock back at the start."""
            nonlocal database, windows
            if old.idle_lock is not None:
                old.idle_lock.stop()
            old.hide()
            old.deleteLater()
            database = reset_training(database, now=wall_clock())
            if simulated is not None:
                simulated.reset(start_moment())
            windows = [open_window()]

        windows = [open_window()]
        warning = database.anchor_warning()
        if warning is not None:  # saves lost or rewritten since this workstation last looked
            windows[0].prompter.warn("The database is not as this workstation left it", warning)
        return int(app.exec())
    finally:
        app.removeEventFilter(input_watch)
        database.close()
