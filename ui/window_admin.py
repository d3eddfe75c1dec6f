"""The main window's administration (product.md, "Accounts"): the user screen, a new clinic
database with its first administrator, and the clinic settings. A part of
:class:`ui.main_window.MainWindow` (it inherits them, like :mod:`ui.window_menus`); it names below
what of the window it uses, and never imports it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from db.database import Database, DatabaseError
from ui.window_part import WindowPart

if TYPE_CHECKING:
    from PySide6.QtGui import QAction

    from ui.overview import PatientOverview
    from ui.session import PatientSession
    from ui.users_screen import UsersDialog


class WindowAdministration(WindowPart):
    """The administration of the window that inherits it (with QMainWindow after it)."""

    if TYPE_CHECKING:
        # What it uses: the window's own members.
        session: PatientSession
        overview: PatientOverview
        clinic_settings_action: QAction

    def show_users(self) -> UsersDialog | None:
        from ui.users_screen import UsersDialog

        if self.session.account is None or not self.session.account.is_administrator:
            self.session.prompter.warn(
                "User accounts", "Only an administrator manages the accounts."
            )
            return None
        self.users_dialog = UsersDialog(
            self.session.db, self.session.account, clock=self.session.clock, parent=self
        )
        self.users_dialog.show()
        return self.users_dialog

    def new_database(self) -> bool:
        """A new, empty clinic database with its first administrator, then a console on it in
        a window of its own (this one stays on its database). Never over an existing file."""
        from pathlib import Path

        from ui.login import FirstAdministratorDialog
        from ui.pump.prompts import run_dialog

        chosen = self.session.prompter.save_path(
            "New database", "clinic.sqlite", "Console database (*.sqlite)"
        )
        if chosen is None:
            return False
        path = Path(chosen)
        if path.exists() and path.stat().st_size > 0:
            self.session.prompter.warn(
                "New database",
                f"{path} already exists: a new database is never written over a file. Choose "
                "another name, or open that database (itb-console --db).",
            )
            return False
        try:
            database = Database.open(path, create=True, now=self.session.clock())
        except (DatabaseError, OSError) as exc:
            self.session.prompter.warn("New database", f"{path}: {exc}")
            return False
        try:
            dialog = FirstAdministratorDialog(database, clock=self.session.clock, parent=self)
            created = run_dialog(self.session.prompter, dialog) and dialog.user is not None
        finally:
            database.close()
        if not created:
            self.statusBar().showMessage(
                f"{path}: no administrator yet; it is asked for when the database is opened.",
                10000,
            )
            return False
        self.statusBar().showMessage(f"New database {path}: its console opens.", 10000)
        return self.start_console(["--db", str(path)])

    def start_console(self, arguments: list[str]) -> bool:
        """Another console process with ``arguments`` (its own login and window)."""
        import sys

        from PySide6.QtCore import QProcess

        started, _pid = QProcess.startDetached(sys.executable, ["-m", "ui.cli", *arguments])
        if not started:
            self.session.prompter.warn("Console", "Another console could not be started.")
        return bool(started)

    def edit_clinic_settings(self) -> bool:
        """The clinic settings dialog (administrators); a change applies at once to the open
        patient's checks, overview and editor (the refill margin, the decimal separator)."""
        if self.session.account is None or not self.clinic_settings_action.isEnabled():
            self.session.prompter.warn(
                "Clinic settings", "Only an administrator changes the clinic settings."
            )
            return False
        stored = self.session.prompter.clinic_settings(
            self.session.db, by=self.session.account, clock=self.session.clock
        )
        if stored is None:
            return False
        now = self.session.clock()
        if self.session.record is not None:
            try:
                context = self.session.db.check_context(self.session.record.patient.id, now)
            except DatabaseError as exc:
                self.session.prompter.warn("Clinic settings", str(exc))
                return True
            if self.session.document is not None:
                self.session.document.set_context(context)
                self.session.document.set_now(now)
            self.overview.show_patient(self.session.record, self.session.current, now, context)
        self.statusBar().showMessage(
            f"Clinic settings version {stored.number} saved: refill margin "
            f"{stored.settings.refill_margin_days} days, decimal separator "
            f"'{stored.settings.decimal_separator}'.",
            15000,
        )
        return True
