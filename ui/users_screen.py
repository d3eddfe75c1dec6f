"""User accounts in the window, for administrators (issue 12): add an account, switch one off
or on again, set a new password, lift a lock-out, change a role. Every change goes through the
same db.Database calls as the command line (db/users.py holds the rules: names, password
rules, the last administrator, trainers only in training), so each is checked and audited
once, where it lives; this screen only collects what is typed and shows what the database
answers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from db.account_errors import PASSWORD_RULES
from db.database import Database, DatabaseError
from db.kind import DatabaseKind
from db.users import Role, User, UserRecord
from ui.login import MessageLine, password_edit
from ui.screen import fit_to_screen, scrolling

COLUMNS = ("Name", "Role", "Active", "Lock-out", "Created")


class UsersDialog(QDialog):
    """The accounts of ``database``, managed by the administrator ``by``."""

    def __init__(
        self,
        database: Database,
        by: User,
        *,
        clock: Callable[[], datetime],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("usersDialog")
        self.setWindowTitle("User accounts")
        self.database = database
        self.by = by
        self.clock = clock
        self.records: list[UserRecord] = []

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("accountsTable")
        self.table.setAccessibleName("User accounts")
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)

        roles = [r for r in Role if r is not Role.TRAINER or database.kind is DatabaseKind.TRAINING]

        # The selected account.
        selected = QGroupBox("The selected account")
        chosen = QFormLayout(selected)
        self.role_combo = QComboBox()
        self.role_combo.setObjectName("roleCombo")
        self.role_combo.setAccessibleName("Role of the selected account")
        for role in roles:
            self.role_combo.addItem(role.value, role.value)
        self.role_button = QPushButton("Change &role")
        self.role_button.setObjectName("changeRole")
        role_row = QHBoxLayout()
        role_row.addWidget(self.role_combo, 1)
        role_row.addWidget(self.role_button)
        chosen.addRow("Role:", role_row)
        self.reset_password = password_edit("New password for the selected account")
        self.reset_again = password_edit("New password again")
        self.reset_button = QPushButton("Set &password")
        self.reset_button.setObjectName("resetPassword")
        chosen.addRow("New password:", self.reset_password)
        chosen.addRow("Again:", self.reset_again)
        chosen.addRow("", self.reset_button)
        self.unlock_button = QPushButton("&Unlock")
        self.unlock_button.setObjectName("unlockAccount")
        self.active_button = QPushButton("&Deactivate")
        self.active_button.setObjectName("toggleActive")
        buttons_row = QHBoxLayout()
        buttons_row.addWidget(self.unlock_button)
        buttons_row.addWidget(self.active_button)
        buttons_row.addStretch(1)
        chosen.addRow("", buttons_row)

        # A new account.
        new = QGroupBox("A new account")
        form = QFormLayout(new)
        self.new_name = QLineEdit()
        self.new_name.setObjectName("newName")
        self.new_name.setAccessibleName("New account name")
        self.new_name.setMaxLength(40)
        self.new_role = QComboBox()
        self.new_role.setObjectName("newRole")
        self.new_role.setAccessibleName("New account role")
        for role in roles:
            self.new_role.addItem(role.value, role.value)
        self.new_password = password_edit("New account password")
        self.new_again = password_edit("New account password again")
        self.add_button = QPushButton("&Add account")
        self.add_button.setObjectName("addAccount")
        form.addRow("Name:", self.new_name)
        form.addRow("Role:", self.new_role)
        form.addRow("Password:", self.new_password)
        form.addRow("Again:", self.new_again)
        rules = QLabel(f"Password: {PASSWORD_RULES}")
        rules.setWordWrap(True)
        rules.setAccessibleName("Password rules")
        form.addRow("", rules)
        form.addRow("", self.add_button)

        self.message = MessageLine("Message")
        body = QVBoxLayout()
        body.addWidget(self.table, 1)
        body.addWidget(selected)
        body.addWidget(new)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(scrolling(body), 1)
        layout.addWidget(self.message)
        layout.addWidget(close)
        fit_to_screen(self, QSize(760, 720))

        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.role_button.clicked.connect(self.change_role)
        self.reset_button.clicked.connect(self.set_password)
        self.unlock_button.clicked.connect(self.unlock)
        self.active_button.clicked.connect(self.toggle_active)
        self.add_button.clicked.connect(self.add_account)
        self.refresh()

    # ------------------------------------------------------------ the list

    def refresh(self, select: str | None = None) -> None:
        chosen = self.selected()
        keep = select or (chosen.name if chosen is not None else None)
        self.records = self.database.list_users()
        now = self.clock()
        self.table.setRowCount(len(self.records))
        for row, r in enumerate(self.records):
            lock = (
                f"locked until {r.locked_until:%Y-%m-%d %H:%M}"
                if r.locked_at(now) and r.locked_until is not None
                else f"{r.failed_logins} wrong password(s)"
                if r.failed_logins
                else "—"
            )
            cells = (
                r.name,
                r.role.value,
                "yes" if r.active else "switched off",
                lock,
                f"{r.created_at:%Y-%m-%d} by {r.created_by}",
            )
            for column, text in enumerate(cells):
                self.table.setItem(row, column, QTableWidgetItem(text))
            if r.name == keep:
                self.table.selectRow(row)
        if self.selected() is None and self.records:
            self.table.selectRow(0)
        self._selection_changed()

    def selected(self) -> UserRecord | None:
        rows = {i.row() for i in self.table.selectedIndexes()}
        return self.records[min(rows)] if rows and min(rows) < len(self.records) else None

    def select(self, name: str) -> None:
        for row, r in enumerate(self.records):
            if r.name == name:
                self.table.selectRow(row)

    def _selection_changed(self) -> None:
        record = self.selected()
        for widget in (
            self.role_combo,
            self.role_button,
            self.reset_password,
            self.reset_again,
            self.reset_button,
            self.unlock_button,
            self.active_button,
        ):
            widget.setEnabled(record is not None)
        if record is None:
            return
        index = self.role_combo.findData(record.role.value)
        if index >= 0:
            self.role_combo.setCurrentIndex(index)
        self.active_button.setText("&Deactivate" if record.active else "Re&activate")
        self.unlock_button.setEnabled(record.failed_logins > 0 or record.locked_until is not None)

    # ------------------------------------------------------------ changes

    def _apply(self, change: Callable[[], object], done: str, select: str | None = None) -> bool:
        """Run one database change; its message, or the database's refusal, under the list."""
        try:
            change()
        except DatabaseError as exc:
            self.message.error(str(exc))
            return False
        self.message.hint(done)
        self.refresh(select)
        return True

    def add_account(self) -> bool:
        name = self.new_name.text().strip()
        password = self.new_password.text()
        if password != self.new_again.text():
            self.new_again.clear()
            self.message.error("The two passwords differ: type the same password twice.")
            return False
        role = self.new_role.currentData()
        ok = self._apply(
            lambda: self.database.add_user(name, role, password, by=self.by, now=self.clock()),
            f"Added {role} {name}.",
            select=name,
        )
        if ok:
            for edit in (self.new_name, self.new_password, self.new_again):
                edit.clear()
        return ok

    def set_password(self) -> bool:
        record = self.selected()
        if record is None:
            return False
        password = self.reset_password.text()
        if password != self.reset_again.text():
            self.reset_again.clear()
            self.message.error("The two passwords differ: type the same password twice.")
            return False
        ok = self._apply(
            lambda: self.database.set_password(record.name, password, by=self.by, now=self.clock()),
            f"New password set for {record.name} (any lock-out is lifted).",
        )
        self.reset_password.clear()
        self.reset_again.clear()
        return ok

    def unlock(self) -> bool:
        record = self.selected()
        if record is None:
            return False
        return self._apply(
            lambda: self.database.unlock_account(record.name, by=self.by, now=self.clock()),
            f"{record.name} can log in again (the password is unchanged).",
        )

    def toggle_active(self) -> bool:
        record = self.selected()
        if record is None:
            return False
        active = not record.active
        return self._apply(
            lambda: self.database.set_active(record.name, active, by=self.by, now=self.clock()),
            f"{record.name} is {'active again' if active else 'switched off: it cannot log in'}.",
        )

    def change_role(self) -> bool:
        record = self.selected()
        if record is None:
            return False
        role = self.role_combo.currentData()
        return self._apply(
            lambda: self.database.set_role(record.name, role, by=self.by, now=self.clock()),
            f"{record.name} is now {role}.",
        )

    def keyPressEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        # Enter in a field must not close the screen (it has no default button).
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            return
        super().keyPressEvent(event)
