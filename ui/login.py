"""Logging in at start (issue 6, "Users and access"): the login dialog, the first-run dialog that
creates the administrator, and :func:`log_in`, which shows the one that fits the database.

The dialogs only collect what is typed and show what the database answers: every rule (the
lock-out, switched-off accounts, trainers kept out of the clinical database, the password rules)
lives in :mod:`db.users`. They are testable without ``exec()``: fill the fields and call
:meth:`LoginDialog.try_login` or :meth:`FirstAdministratorDialog.try_create`. :func:`log_in`
shows them through a replaceable :class:`LoginPrompter`, as every dialog in the window is shown
(style.md: "Dialogs never block tests").
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from db.account_errors import PASSWORD_RULES
from db.database import Database, DatabaseError
from db.kind import DatabaseKind
from db.users import LoginPurpose, User
from ui.prompter import Prompter
from ui.theme import ERROR_COLOUR, MUTED_COLOUR, TRAINING_DATABASE_STYLE

Clock = Callable[[], datetime]
TITLE = "ITB programmer console"


def wall_clock() -> datetime:
    """The clock's time to the minute (the console's moments are whole minutes)."""
    return datetime.now().replace(second=0, microsecond=0)


def password_edit(accessible_name: str) -> QLineEdit:
    """A line edit that shows dots, never the password, and offers no copying out of it."""
    edit = QLineEdit()
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    edit.setAccessibleName(accessible_name)
    edit.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
    edit.setMaxLength(1024)
    return edit


def database_banner(database: Database) -> QLabel:
    """Which database this is, with TRAINING spelt out on a training one."""
    if database.kind is DatabaseKind.TRAINING:
        label = QLabel(f"TRAINING DATABASE — no clinical records\n{database.path}")
        label.setStyleSheet(TRAINING_DATABASE_STYLE)
    else:
        label = QLabel(f"Clinical database\n{database.path}")
        label.setStyleSheet(f"color: {MUTED_COLOUR}")
    label.setObjectName("databaseBanner")
    label.setAccessibleName("Database")
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class MessageLine(QLabel):
    """The dialog's one line of feedback: an error in dark red, or a neutral hint."""

    def __init__(self, accessible_name: str) -> None:
        super().__init__()
        self.setWordWrap(True)
        self.setAccessibleName(accessible_name)
        self.setMinimumHeight(self.fontMetrics().lineSpacing() * 2)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)

    def error(self, text: str) -> None:
        self.setStyleSheet(f"color: {ERROR_COLOUR}")
        self.setText(text)
        self.setAccessibleDescription(text)

    def hint(self, text: str) -> None:
        self.setStyleSheet("")
        self.setText(text)
        self.setAccessibleDescription(text)


def authenticate_fields(
    database: Database,
    name_edit: QLineEdit,
    password_edit: QLineEdit,
    message: MessageLine,
    *,
    now: datetime,
    purpose: LoginPurpose,
) -> User | None:
    """Check a name and password typed into a dialog against the database (a failure counts
    towards the lock-out). On refusal the reason is shown, the password cleared and the right
    field focused; the password never outlives the attempt either way."""
    name = name_edit.text().strip()
    password = password_edit.text()
    if not name:
        message.error("Type the user name.")
        name_edit.setFocus()
        return None
    if not password:
        message.error("Type the password.")
        password_edit.setFocus()
        return None
    try:
        user = database.authenticate(name, password, now=now, purpose=purpose)
    except DatabaseError as exc:
        message.error(str(exc))
        user = None
    password_edit.clear()
    if user is None:
        password_edit.setFocus()
    return user


class LoginDialog(QDialog):
    """Name and password; ``user`` holds who logged in once the dialog is accepted. A refused
    login shows the database's reason and clears the password; the dialog stays open."""

    def __init__(
        self,
        database: Database,
        *,
        clock: Clock = wall_clock,
        name: str = "",
        purpose: LoginPurpose = LoginPurpose.LOGIN,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("loginDialog")
        self.setWindowTitle(f"Log in — {TITLE}")
        self.database = database
        self.clock = clock
        self.purpose = purpose
        self.user: User | None = None
        heading = QLabel(f"<b>{TITLE}</b><br>Log in with your own account.")
        heading.setTextFormat(Qt.TextFormat.RichText)
        self.name_edit = QLineEdit(name)
        self.name_edit.setAccessibleName("User name")
        self.name_edit.setMaxLength(40)
        self.password_edit = password_edit("Password")
        form = QFormLayout()
        form.addRow("&Name:", self.name_edit)
        form.addRow("&Password:", self.password_edit)
        self.message = MessageLine("Login message")
        self.buttons = QDialogButtonBox()
        self.login_button = QPushButton("&Log in")
        self.login_button.setDefault(True)
        self.login_button.setAccessibleName("Log in")
        self.buttons.addButton(self.login_button, QDialogButtonBox.ButtonRole.AcceptRole)
        cancel = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        cancel.setText("&Quit" if purpose is LoginPurpose.LOGIN else "&Cancel")
        self.buttons.accepted.connect(self.try_login)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(database_banner(database))
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(460)
        (self.password_edit if name else self.name_edit).setFocus()

    def try_login(self) -> None:
        """The accept slot: log in, or say why not and stay open."""
        user = authenticate_fields(
            self.database,
            self.name_edit,
            self.password_edit,
            self.message,
            now=self.clock(),
            purpose=self.purpose,
        )
        if user is not None:
            self.user = user
            self.accept()


class FirstAdministratorDialog(QDialog):
    """First start on a database without accounts: the administrator chooses a name and a
    password (typed twice, rules shown). ``user`` is the administrator, logged in, once the
    dialog is accepted."""

    def __init__(
        self, database: Database, *, clock: Clock = wall_clock, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("firstAdministratorDialog")
        self.setWindowTitle(f"Create the administrator — {TITLE}")
        self.database = database
        self.clock = clock
        self.user: User | None = None
        intro = QLabel(
            "<b>This database has no user accounts yet.</b><br>Create the administrator "
            "account now. The administrator adds the clinicians' (and trainers') accounts and "
            "manages the drug library; every action is recorded under its name."
        )
        intro.setTextFormat(Qt.TextFormat.RichText)
        intro.setWordWrap(True)
        self.name_edit = QLineEdit()
        self.name_edit.setAccessibleName("Administrator name")
        self.name_edit.setMaxLength(40)
        self.name_edit.setPlaceholderText("e.g. admin.jones")
        self.password_edit = password_edit("Password")
        self.confirm_edit = password_edit("Password again")
        form = QFormLayout()
        form.addRow("&Name:", self.name_edit)
        form.addRow("&Password:", self.password_edit)
        form.addRow("&Again:", self.confirm_edit)
        rules = QLabel(f"Password: {PASSWORD_RULES}")
        rules.setWordWrap(True)
        rules.setObjectName("passwordRules")
        rules.setAccessibleName("Password rules")
        self.message = MessageLine("Message")
        self.buttons = QDialogButtonBox()
        self.create_button = QPushButton("&Create administrator")
        self.create_button.setDefault(True)
        self.create_button.setAccessibleName("Create administrator")
        self.buttons.addButton(self.create_button, QDialogButtonBox.ButtonRole.AcceptRole)
        cancel = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        cancel.setText("&Quit")
        self.buttons.accepted.connect(self.try_create)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(database_banner(database))
        layout.addLayout(form)
        layout.addWidget(rules)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(500)
        self.name_edit.setFocus()

    def try_create(self) -> None:
        """The accept slot: create the administrator and log in, or say why not."""
        name = self.name_edit.text()
        password = self.password_edit.text()
        if not name.strip():
            self.message.error("Type a name for the administrator account.")
            self.name_edit.setFocus()
            return
        if not password:
            self.message.error("Choose a password and type it twice.")
            self.password_edit.setFocus()
            return
        if password != self.confirm_edit.text():
            self.confirm_edit.clear()
            self.message.error("The two passwords differ: type the same password twice.")
            self.confirm_edit.setFocus()
            return
        try:
            self.database.first_administrator(name, password, self.clock())
            user = self.database.authenticate(name, password, now=self.clock())
        except DatabaseError as exc:
            self.message.error(str(exc))
            field = getattr(exc, "field", None)
            if field == "password":
                self.password_edit.clear()
                self.confirm_edit.clear()
                self.password_edit.setFocus()
            else:
                self.name_edit.setFocus()
            return
        self.password_edit.clear()
        self.confirm_edit.clear()
        self.user = user
        self.accept()


class LoginPrompter(Prompter):
    """Shows the login dialogs modally; tests pass a subclass that answers directly."""

    def first_administrator(self, database: Database, clock: Clock) -> User | None:
        dialog = FirstAdministratorDialog(database, clock=clock, parent=self.parent)
        return dialog.user if dialog.exec() == QDialog.DialogCode.Accepted else None

    def login(self, database: Database, clock: Clock) -> User | None:
        dialog = LoginDialog(database, clock=clock, parent=self.parent)
        return dialog.user if dialog.exec() == QDialog.DialogCode.Accepted else None


def log_in(
    database: Database,
    parent: QWidget | None = None,
    service: LoginPrompter | None = None,
    *,
    clock: Clock = wall_clock,
) -> User | None:
    """Who is using the console: the first-run dialog on a database without accounts (its
    administrator is then logged in), else the login dialog. None when the person gives up."""
    prompter = service or LoginPrompter(parent)
    if not database.has_users():
        return prompter.first_administrator(database, clock)
    return prompter.login(database, clock)
