"""Administration in the window (issue 12): for administrators a user screen (add, switch off,
set a new password, unlock, change role), every change through the same database calls as the
command line and audited; and a new database with its first administrator from File."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from db.account_errors import MAX_FAILED_LOGINS, AuthenticationError
from db.database import Database
from db.users import Role, User
from ui.login import FirstAdministratorDialog
from ui.main_window import MainWindow
from ui.users_screen import UsersDialog

from .test_pump_support import PumpPrompter
from .window_helpers import NOW, make_window, open_database

ADMIN_PASSWORD = "blue kettle river stone"
PASSWORD = "seven quiet orange lamps"


def admin_window(qtbot: QtBot, tmp_path: Path) -> tuple[MainWindow, PumpPrompter]:
    database = open_database(tmp_path)
    admin = database.first_administrator("admin.jones", ADMIN_PASSWORD, NOW)
    prompter = PumpPrompter()
    return make_window(qtbot, database, tmp_path, prompter, account=admin), prompter


def users_screen(qtbot: QtBot, window: MainWindow) -> UsersDialog:
    window.users_action.trigger()
    dialog = window.users_dialog
    qtbot.addWidget(dialog)
    return dialog


def actions(database: Database) -> list[str]:
    return [e.action for e in database.audit_entries()]


def test_only_an_administrator_sees_the_user_screen(qtbot: QtBot, tmp_path: Path) -> None:
    database = open_database(tmp_path)
    window = make_window(
        qtbot, database, tmp_path, PumpPrompter(), account=User("dr.lee", Role.CLINICIAN)
    )
    assert not window.users_action.isVisible() and not window.users_action.isEnabled()
    assert window.show_users() is None


def test_an_administrator_adds_an_account_audited(qtbot: QtBot, tmp_path: Path) -> None:
    window, _ = admin_window(qtbot, tmp_path)
    assert window.users_action.isVisible()
    screen = users_screen(qtbot, window)
    qtbot.keyClicks(screen.new_name, "dr.lee")
    screen.new_role.setCurrentIndex(screen.new_role.findData("clinician"))
    qtbot.keyClicks(screen.new_password, PASSWORD)
    qtbot.keyClicks(screen.new_again, PASSWORD)
    screen.add_button.click()
    assert "Added clinician dr.lee" in screen.message.text()
    record = window.db.account("dr.lee")
    assert record.role is Role.CLINICIAN and record.created_by == "admin.jones"
    assert actions(window.db)[-1] == "user.added"
    assert window.db.authenticate("dr.lee", PASSWORD, now=NOW).name == "dr.lee"


def test_the_command_line_rules_hold_in_the_window(qtbot: QtBot, tmp_path: Path) -> None:
    window, _ = admin_window(qtbot, tmp_path)
    screen = users_screen(qtbot, window)
    before = actions(window.db)
    # A password that breaks the rules is refused with the database's own words.
    qtbot.keyClicks(screen.new_name, "dr.short")
    qtbot.keyClicks(screen.new_password, "short")
    qtbot.keyClicks(screen.new_again, "short")
    assert not screen.add_account()
    assert "characters" in screen.message.text()
    # The last administrator can be neither switched off nor demoted.
    screen.select("admin.jones")
    assert not screen.toggle_active()
    assert "only active administrator" in screen.message.text()
    screen.role_combo.setCurrentIndex(screen.role_combo.findData("clinician"))
    assert not screen.change_role()
    assert window.db.account("admin.jones").role is Role.ADMINISTRATOR
    # Trainers belong in training databases: not even offered in a clinical one.
    assert screen.new_role.findData("trainer") < 0
    assert actions(window.db) == before


def test_deactivate_reset_unlock_and_change_role_are_audited(qtbot: QtBot, tmp_path: Path) -> None:
    window, _ = admin_window(qtbot, tmp_path)
    db = window.db
    admin = User("admin.jones", Role.ADMINISTRATOR)
    db.add_user("dr.lee", Role.CLINICIAN, PASSWORD, by=admin, now=NOW)
    screen = users_screen(qtbot, window)
    screen.select("dr.lee")

    # Locked out after wrong passwords; unlocked from the screen, the password unchanged.
    for _ in range(MAX_FAILED_LOGINS):
        with pytest.raises(AuthenticationError):
            db.authenticate("dr.lee", "wrong password here", now=NOW)
    screen.refresh()
    screen.select("dr.lee")
    assert screen.unlock_button.isEnabled()
    assert screen.unlock()
    assert db.authenticate("dr.lee", PASSWORD, now=NOW).name == "dr.lee"
    assert "user.unlocked" in actions(db)

    # A new password.
    new = "four green bicycles waiting"
    qtbot.keyClicks(screen.reset_password, new)
    qtbot.keyClicks(screen.reset_again, new)
    assert screen.set_password()
    assert db.authenticate("dr.lee", new, now=NOW).name == "dr.lee"
    assert "user.password_set" in actions(db)

    # A new role, then switched off and on again.
    screen.select("dr.lee")
    screen.role_combo.setCurrentIndex(screen.role_combo.findData("administrator"))
    assert screen.change_role()
    assert db.account("dr.lee").role is Role.ADMINISTRATOR
    screen.select("dr.lee")
    assert screen.toggle_active()
    assert not db.account("dr.lee").active
    assert screen.active_button.text() == "Re&activate"
    assert screen.toggle_active() and db.account("dr.lee").active
    trail = actions(db)
    for action in ("user.role_changed", "user.deactivated", "user.activated"):
        assert action in trail


def test_a_new_database_from_the_window_gets_its_first_administrator(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    window, prompter = admin_window(qtbot, tmp_path)
    started: list[list[str]] = []
    monkeypatch.setattr(window, "start_console", lambda args: started.append(args) or True)
    target = tmp_path / "second-clinic.sqlite"

    def first_admin(dialog: QDialog) -> bool:
        assert isinstance(dialog, FirstAdministratorDialog)
        qtbot.keyClicks(dialog.name_edit, "admin.new")
        qtbot.keyClicks(dialog.password_edit, ADMIN_PASSWORD)
        qtbot.keyClicks(dialog.confirm_edit, ADMIN_PASSWORD)
        dialog.create_button.click()
        return dialog.result() == QDialog.DialogCode.Accepted

    prompter.save_paths = [str(target)]
    prompter.dialogs = [first_admin]
    assert window.new_database()
    assert started == [["--db", str(target)]]
    with Database.open(target, create=False, now=NOW) as again:
        assert [u.name for u in again.list_users()] == ["admin.new"]
        assert again.list_users()[0].role is Role.ADMINISTRATOR

    # Never over an existing file.
    prompter.save_paths = [str(target)]
    assert not window.new_database()
    assert "already exists" in prompter.asked[-1][1]
