"""Login at start, the first-run administrator, and the screen lock (issue 6, "Users and
access"), driven through the real dialogs without ``exec()``: fields filled, accept slots
called, and what a person would read checked."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QLineEdit, QMainWindow
from pytestqt.qtbot import QtBot

from db import account_errors
from db.account_errors import MAX_FAILED_LOGINS
from db.database import Database
from db.users import Role, User
from ui.idle_lock import IdleLock, LockScreen, PrivacyCover
from ui.login import FirstAdministratorDialog, LoginDialog, LoginPrompter, log_in

NOW = datetime(2026, 11, 22, 10, 0)
ADMIN_PW = "correct horse battery"
CLIN_PW = "staple clinic 2026"
TRAINER_PW = "trainer-class-pw"


def clock() -> datetime:
    return NOW


@pytest.fixture
def empty_db(tmp_path: Path) -> Iterator[Database]:
    with Database.open(tmp_path / "new.sqlite", create=True, now=NOW) as database:
        yield database


@pytest.fixture
def clinic(tmp_path: Path) -> Iterator[Database]:
    with Database.open(tmp_path / "clinic.sqlite", create=True, now=NOW) as database:
        admin = database.first_administrator("admin", ADMIN_PW, NOW)
        database.add_user("dr.lee", Role.CLINICIAN, CLIN_PW, by=admin, now=NOW)
        database.add_user("dr.ray", Role.CLINICIAN, "ray's own password", by=admin, now=NOW)
        yield database


def login_dialog(qtbot: QtBot, database: Database, name: str, password: str) -> LoginDialog:
    dialog = LoginDialog(database, clock=clock)
    qtbot.addWidget(dialog)
    dialog.name_edit.setText(name)
    dialog.password_edit.setText(password)
    return dialog


# ---------------------------------------------------------------- the login dialog


def test_login_dialog_logs_in_and_accepts(qtbot: QtBot, clinic: Database) -> None:
    dialog = login_dialog(qtbot, clinic, "dr.lee", CLIN_PW)
    dialog.try_login()
    assert dialog.user == User("dr.lee", Role.CLINICIAN)
    assert dialog.result() == LoginDialog.DialogCode.Accepted
    assert dialog.password_edit.text() == ""
    assert clinic.audit_entries()[-1].action == "login"


def test_login_dialog_hides_the_password(qtbot: QtBot, clinic: Database) -> None:
    dialog = login_dialog(qtbot, clinic, "dr.lee", CLIN_PW)
    assert dialog.password_edit.echoMode() == QLineEdit.EchoMode.Password
    assert dialog.password_edit.displayText() != CLIN_PW


@pytest.mark.parametrize(
    ("name", "password", "says"), [("", "x", "user name"), ("a", "", "password")]
)
def test_login_dialog_refuses_empty_fields(
    qtbot: QtBot, clinic: Database, name: str, password: str, says: str
) -> None:
    before = len(clinic.audit_entries())
    dialog = login_dialog(qtbot, clinic, name, password)
    dialog.try_login()
    assert dialog.user is None and dialog.result() != LoginDialog.DialogCode.Accepted
    assert says in dialog.message.text()
    assert len(clinic.audit_entries()) == before  # nothing was even tried


def test_login_dialog_says_the_same_for_unknown_name_and_wrong_password(
    qtbot: QtBot, clinic: Database
) -> None:
    unknown = login_dialog(qtbot, clinic, "nobody", CLIN_PW)
    unknown.try_login()
    wrong = login_dialog(qtbot, clinic, "dr.lee", "not my password")
    wrong.try_login()
    assert unknown.user is None and wrong.user is None
    assert unknown.message.text() == wrong.message.text() == account_errors.LOGIN_FAILED
    assert wrong.password_edit.text() == ""  # cleared for the next try


def test_login_dialog_shows_the_lock_out(qtbot: QtBot, clinic: Database) -> None:
    dialog = login_dialog(qtbot, clinic, "dr.lee", "")
    for attempt in range(MAX_FAILED_LOGINS):
        dialog.password_edit.setText(f"wrong guess {attempt}")
        dialog.try_login()
    assert "locked until 2026-11-22 10:15" in dialog.message.text()
    dialog.password_edit.setText(CLIN_PW)  # even the right password, until then
    dialog.try_login()
    assert dialog.user is None and "locked until" in dialog.message.text()


def test_login_dialog_shows_a_switched_off_account(qtbot: QtBot, clinic: Database) -> None:
    admin = clinic.authenticate("admin", ADMIN_PW, now=NOW)
    clinic.set_active("dr.lee", False, by=admin, now=NOW)
    dialog = login_dialog(qtbot, clinic, "dr.lee", CLIN_PW)
    dialog.try_login()
    assert dialog.user is None and "switched off" in dialog.message.text()


def test_trainer_cannot_log_into_the_clinical_database_through_the_dialog(
    qtbot: QtBot, tmp_path: Path
) -> None:
    """A trainer account in a training database logs in there; the clinic's database has
    no trainer accounts and refuses to make one."""
    with Database.create_training(tmp_path / "training.sqlite", now=NOW) as training:
        admin = training.first_administrator("admin", ADMIN_PW, NOW)
        training.add_user("kim", Role.TRAINER, TRAINER_PW, by=admin, now=NOW)
        dialog = login_dialog(qtbot, training, "kim", TRAINER_PW)
        assert "TRAINING DATABASE" in dialog.findChild(QLabel, "databaseBanner").text()
        dialog.try_login()
        assert dialog.user == User("kim", Role.TRAINER)


# ---------------------------------------------------------------- first run


def test_first_administrator_dialog_creates_and_logs_in(qtbot: QtBot, empty_db: Database) -> None:
    dialog = FirstAdministratorDialog(empty_db, clock=clock)
    qtbot.addWidget(dialog)
    rules = dialog.findChild(QLabel, "passwordRules").text()
    assert "At least 10 characters" in rules and "not the user name" in rules
    dialog.name_edit.setText("admin.jones")
    dialog.password_edit.setText(ADMIN_PW)
    dialog.confirm_edit.setText(ADMIN_PW)
    dialog.try_create()
    assert dialog.user == User("admin.jones", Role.ADMINISTRATOR)
    assert [e.action for e in empty_db.audit_entries()][-2:] == ["user.added", "login"]


@pytest.mark.parametrize(
    ("name", "password", "again", "says"),
    [
        ("", ADMIN_PW, ADMIN_PW, "Type a name"),
        ("admin", "", "", "type it twice"),
        ("admin", ADMIN_PW, ADMIN_PW + "!", "differ"),
        ("admin", "too short", "too short", "at least 10"),
        ("administrator1", "administrator1", "administrator1", "not be the user name"),
        ("x" * 41, ADMIN_PW, ADMIN_PW, "longer than 40"),
    ],
)
def test_first_administrator_dialog_refuses_bad_input(
    qtbot: QtBot, empty_db: Database, name: str, password: str, again: str, says: str
) -> None:
    dialog = FirstAdministratorDialog(empty_db, clock=clock)
    qtbot.addWidget(dialog)
    dialog.name_edit.setMaxLength(100)  # let the test type past the field's own limit
    dialog.name_edit.setText(name)
    dialog.password_edit.setText(password)
    dialog.confirm_edit.setText(again)
    dialog.try_create()
    assert dialog.user is None
    assert says in dialog.message.text()
    assert not empty_db.has_users()


class Answers(LoginPrompter):
    """Records which dialog log_in asked for and answers it without showing anything."""

    def __init__(self) -> None:
        super().__init__(None)
        self.asked: list[str] = []

    def first_administrator(self, database: Database, clock: object) -> User | None:
        self.asked.append("first administrator")
        return database.first_administrator("admin", ADMIN_PW, NOW)

    def login(self, database: Database, clock: object) -> User | None:
        self.asked.append("login")
        return None


def test_log_in_shows_the_first_run_dialog_only_without_accounts(empty_db: Database) -> None:
    service = Answers()
    assert log_in(empty_db, None, service, clock=clock) == User("admin", Role.ADMINISTRATOR)
    assert log_in(empty_db, None, service, clock=clock) is None
    assert service.asked == ["first administrator", "login"]


# ---------------------------------------------------------------- the screen lock


class Window(QMainWindow):
    """A stand-in for the main window: patient data on screen and a Ctrl+S action."""

    def __init__(self) -> None:
        super().__init__()
        self.patient = QLabel("Jane Doe, MRN-0042: 290 mcg/day")
        self.notes = QLineEdit()
        self.setMenuWidget(self.notes)
        self.setCentralWidget(self.patient)
        self.saves = 0
        self.save_action = QAction("Save", self)
        self.save_action.setShortcut(QKeySequence("Ctrl+S"))
        self.save_action.triggered.connect(self._save)
        self.addAction(self.save_action)
        self.resize(640, 400)

    def _save(self) -> None:
        self.saves += 1


@pytest.fixture
def window(qtbot: QtBot) -> Window:
    w = Window()
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    w.activateWindow()  # shortcuts need an active window, offscreen too
    qtbot.waitUntil(w.isActiveWindow)
    return w


def _lock(qtbot: QtBot, window: Window, clinic: Database, minutes: float = 0.002) -> IdleLock:
    user = clinic.authenticate("dr.lee", CLIN_PW, now=NOW)
    lock = IdleLock(window, clinic, user, minutes=minutes, clock=clock)
    with qtbot.waitSignal(lock.locked, timeout=3000):
        pass
    return lock


def _screen(lock: IdleLock) -> LockScreen:
    assert lock.screen is not None
    return lock.screen


def test_idle_lock_covers_the_window_after_the_idle_time(
    qtbot: QtBot, window: Window, clinic: Database
) -> None:
    lock = _lock(qtbot, window, clinic)
    assert lock.is_locked
    screen = _screen(lock)
    assert screen.isVisible() and screen.isModal()
    assert screen.name_edit.text() == "dr.lee" and screen.name_edit.isReadOnly()
    covers = window.findChildren(PrivacyCover)
    assert len(covers) == 1 and covers[0].isVisible()
    assert covers[0].geometry() == window.rect()  # the patient's data is hidden
    lock.stop()


def test_locked_console_ignores_shortcuts_typing_and_clicks_under_the_cover(
    qtbot: QtBot, window: Window, clinic: Database
) -> None:
    qtbot.keyClick(window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert window.saves == 1  # the shortcut works while unlocked
    lock = _lock(qtbot, window, clinic)
    qtbot.keyClick(window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    # Even with the covered window made active again behind the lock screen's back:
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(window.patient, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.mouseClick(window.patient, Qt.MouseButton.LeftButton)
    assert window.saves == 1
    # Input sent straight to a widget under the cover (past Qt's modality) is swallowed too.
    qtbot.keyClicks(window.notes, "typed under the cover")
    assert window.notes.text() == ""
    lock.stop()


def test_the_same_users_password_unlocks(qtbot: QtBot, window: Window, clinic: Database) -> None:
    lock = _lock(qtbot, window, clinic)
    screen = _screen(lock)
    screen.password_edit.setText("not my password")
    screen.try_unlock()
    assert lock.is_locked and screen.message.text() == account_errors.LOGIN_FAILED
    failed = clinic.audit_entries()[-1]
    assert (failed.action, failed.user, failed.details["for"]) == (
        "login.failed",
        "dr.lee",
        "unlock",
    )
    screen.password_edit.setText(CLIN_PW)
    with qtbot.waitSignal(lock.unlocked, timeout=1000) as unlocked:
        screen.try_unlock()
    assert unlocked.args == [User("dr.lee", Role.CLINICIAN)]
    assert not lock.is_locked
    qtbot.waitUntil(lambda: not window.findChildren(PrivacyCover))
    assert lock.remaining_ms() > 0  # watching for idleness again
    lock.stop()


def test_failed_unlocks_count_towards_the_lock_out(
    qtbot: QtBot, window: Window, clinic: Database
) -> None:
    lock = _lock(qtbot, window, clinic)
    screen = _screen(lock)
    for attempt in range(MAX_FAILED_LOGINS):
        screen.password_edit.setText(f"wrong guess {attempt}")
        screen.try_unlock()
    screen.password_edit.setText(CLIN_PW)
    screen.try_unlock()
    assert lock.is_locked and "locked until" in screen.message.text()
    lock.stop()


def test_escape_and_close_do_not_unlock(qtbot: QtBot, window: Window, clinic: Database) -> None:
    lock = _lock(qtbot, window, clinic)
    screen = _screen(lock)
    qtbot.keyClick(screen, Qt.Key.Key_Escape)
    screen.reject()
    screen.close()
    assert lock.is_locked and screen.isVisible()
    lock.stop()


def test_switch_user_logs_in_another_user(qtbot: QtBot, window: Window, clinic: Database) -> None:
    lock = _lock(qtbot, window, clinic)
    screen = _screen(lock)
    qtbot.mouseClick(screen.switch_button, Qt.MouseButton.LeftButton)
    assert not screen.name_edit.isReadOnly() and screen.name_edit.text() == ""
    screen.name_edit.setText("dr.ray")
    screen.password_edit.setText("ray's own password")
    with qtbot.waitSignal(lock.switched, timeout=1000) as switched:
        screen.try_unlock()
    assert switched.args == [User("dr.ray", Role.CLINICIAN)]
    assert lock.user.name == "dr.ray" and not lock.is_locked
    lock.stop()


def test_input_resets_the_idle_time(qtbot: QtBot, window: Window, clinic: Database) -> None:
    user = clinic.authenticate("dr.lee", CLIN_PW, now=NOW)
    lock = IdleLock(window, clinic, user, minutes=1, clock=clock)
    qtbot.wait(300)
    before = lock.remaining_ms()
    assert before < 60_000 - 250
    qtbot.keyClick(window.patient, Qt.Key.Key_A)
    assert lock.remaining_ms() >= 60_000 - 50
    assert not lock.is_locked
    lock.stop()


def test_lock_can_be_asked_for_at_once(qtbot: QtBot, window: Window, clinic: Database) -> None:
    user = clinic.authenticate("dr.lee", CLIN_PW, now=NOW)
    lock = IdleLock(window, clinic, user, minutes=15, clock=clock)
    with qtbot.waitSignal(lock.locked, timeout=1000):
        lock.lock()
    assert "15 minutes without use" in _screen(lock).heading.text()
    lock.stop()


def test_idle_time_must_be_positive(window: Window, clinic: Database) -> None:
    with pytest.raises(ValueError, match="positive"):
        IdleLock(window, clinic, User("dr.lee", Role.CLINICIAN), minutes=0)


def test_lock_screen_still_fits_a_long_lock_out_message(qtbot: QtBot, clinic: Database) -> None:
    screen = LockScreen(clinic, User("dr.lee", Role.CLINICIAN), clock=clock, minutes=5)
    qtbot.addWidget(screen)
    screen.message.error(str(account_errors.AccountLockedError(NOW + timedelta(minutes=15))))
    screen.show()
    qtbot.waitExposed(screen)
    assert screen.message.heightForWidth(screen.message.width()) <= screen.message.height()
