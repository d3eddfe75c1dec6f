"""Locking the screen after inactivity (issue 6: "lock the screen after inactivity").

:class:`IdleLock` watches every input event of the application (an application-wide event
filter) and, after the given minutes without any, locks: every visible window of the console
is covered by an opaque :class:`PrivacyCover` (no patient data stays on screen), and the
:class:`LockScreen` asks for the same user's password, or lets another user log in ("switch
user"). While locked, input and keyboard shortcuts reach nothing but the lock screen, so a
passer-by cannot save, print or browse under the cover.

The password goes through :meth:`Database.authenticate`, so failures count towards the lock-out
and every attempt is in the audit trail (``for: unlock``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from db.database import Database
from db.users import LoginPurpose, User
from ui.login import (
    TITLE,
    MessageLine,
    authenticate_fields,
    database_banner,
    password_edit,
    wall_clock,
)
from ui.theme import PRIVACY_COVER_STYLE, PRIVACY_TEXT_STYLE

Clock = Callable[[], datetime]

# What counts as someone using the console.
_ACTIVITY = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseButtonDblClick,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
        QEvent.Type.TabletPress,
    }
)
# What may reach only the lock screen while the console is locked.
_BLOCKED = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.KeyRelease,
        QEvent.Type.ShortcutOverride,
        QEvent.Type.Shortcut,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseButtonRelease,
        QEvent.Type.MouseButtonDblClick,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
        QEvent.Type.ContextMenu,
        QEvent.Type.TouchBegin,
        QEvent.Type.TouchUpdate,
        QEvent.Type.TouchEnd,
        QEvent.Type.TabletPress,
        QEvent.Type.DragEnter,
        QEvent.Type.Drop,
    }
)


class PrivacyCover(QWidget):
    """An opaque sheet over one window while the console is locked, following its size."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.setObjectName("privacyCover")
        self.setAccessibleName("Screen locked")
        self.setAutoFillBackground(True)
        self.setStyleSheet(PRIVACY_COVER_STYLE)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        label = QLabel("Screen locked — patient data hidden")
        label.setStyleSheet(PRIVACY_TEXT_STYLE)
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        self.setGeometry(window.rect())
        window.installEventFilter(self)
        self.show()
        self.raise_()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.parent() and event.type() == QEvent.Type.Resize:
            parent = self.parentWidget()
            if parent is not None:
                self.setGeometry(parent.rect())
                self.raise_()
        elif watched is self.parent() and event.type() == QEvent.Type.ChildAdded:
            QTimer.singleShot(0, self.raise_)  # stay on top of anything added meanwhile
        return False


class LockScreen(QDialog):
    """The locked console's one way back: the same user's password, or another user logging in
    (``switch_user_mode``). Emits ``unlocked(User)`` or ``switched(User)``; cannot be closed
    or escaped any other way."""

    unlocked = Signal(object)
    switched = Signal(object)

    def __init__(
        self,
        database: Database,
        user: User,
        *,
        clock: Clock = wall_clock,
        minutes: float | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("lockScreen")
        self.setWindowTitle(f"Screen locked — {TITLE}")
        self.setWindowFlags(
            Qt.WindowType.Dialog | Qt.WindowType.CustomizeWindowHint | Qt.WindowType.WindowTitleHint
        )
        self.setWindowModality(Qt.WindowModality.ApplicationModal)
        self.database = database
        self.user = user
        self.clock = clock
        self._done = False
        why = f"after {_minutes_text(minutes)} without use" if minutes is not None else "for now"
        self.heading = QLabel(
            f"<b>The console is locked</b> {why}.<br>{user.name} ({user.role.value}) is "
            "logged in: type the password to go on, or switch user."
        )
        self.heading.setTextFormat(Qt.TextFormat.RichText)
        self.heading.setWordWrap(True)
        self.name_edit = QLineEdit(user.name)
        self.name_edit.setAccessibleName("User name")
        self.name_edit.setReadOnly(True)
        self.name_edit.setMaxLength(40)
        self.password_edit = password_edit("Password")
        form = QFormLayout()
        form.addRow("&Name:", self.name_edit)
        form.addRow("&Password:", self.password_edit)
        self.message = MessageLine("Unlock message")
        self.buttons = QDialogButtonBox()
        self.unlock_button = QPushButton("&Unlock")
        self.unlock_button.setDefault(True)
        self.unlock_button.setAccessibleName("Unlock")
        self.switch_button = QPushButton("&Switch user…")
        self.switch_button.setAccessibleName("Switch user")
        self.buttons.addButton(self.unlock_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(self.switch_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.unlock_button.clicked.connect(self.try_unlock)
        self.switch_button.clicked.connect(self.switch_user_mode)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(database_banner(database))
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(480)
        self.password_edit.setFocus()

    def switch_user_mode(self) -> None:
        """Let another user log in here; the one who was logged in stays until they do."""
        self.name_edit.setReadOnly(False)
        self.name_edit.clear()
        self.password_edit.clear()
        self.switch_button.setEnabled(False)
        self.unlock_button.setText("&Log in")
        self.message.hint(
            f"Log in as another user. {self.user.name}'s unsaved work is not handed over: "
            "the window decides what happens to it."
        )
        self.name_edit.setFocus()

    def try_unlock(self) -> None:
        """The accept slot: the password checked by the database (failures count)."""
        user = authenticate_fields(
            self.database,
            self.name_edit,
            self.password_edit,
            self.message,
            now=self.clock(),
            purpose=LoginPurpose.UNLOCK,
        )
        if user is None:
            return
        self._done = True
        self.accept()
        if user.name.casefold() == self.user.name.casefold():
            self.unlocked.emit(user)
        else:
            self.switched.emit(user)

    # The lock screen is left only through a password: Escape and closing do nothing.
    def reject(self) -> None:
        if self._done:
            super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._done:
            event.accept()
        else:
            event.ignore()


def _minutes_text(minutes: float) -> str:
    if minutes >= 1 and float(minutes).is_integer():
        return f"{int(minutes)} minute{'s' if minutes != 1 else ''}"
    seconds = max(1, round(minutes * 60))
    return f"{seconds} seconds"


class IdleLock(QObject):
    """Locks the console after ``minutes`` without input (see the module docstring).

    Signals: ``locked()`` when the covers and the lock screen go up; ``unlocked(User)`` when the
    same user typed the password; ``switched(User)`` when another user logged in instead (the
    window should then act for that user, and decide what happens to unsaved work)."""

    locked = Signal()
    unlocked = Signal(object)
    switched = Signal(object)

    def __init__(
        self,
        window: QWidget,
        database: Database,
        user: User,
        *,
        minutes: float,
        clock: Clock = wall_clock,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent or window)
        if minutes <= 0:
            raise ValueError("the idle time before locking must be positive")
        self.window = window
        self.database = database
        self.user = user
        self.minutes = minutes
        self.clock = clock
        self.screen: LockScreen | None = None
        self._covers: list[PrivacyCover] = []
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)  # a coarse timer may run 5 % late
        self._timer.setInterval(max(1, round(minutes * 60_000)))
        self._timer.timeout.connect(self.lock)
        app = QApplication.instance()
        if app is None:
            raise RuntimeError("IdleLock needs a QApplication")
        app.installEventFilter(self)
        self._timer.start()

    @property
    def is_locked(self) -> bool:
        return self.screen is not None

    def remaining_ms(self) -> int:
        """Milliseconds until the lock (-1 while locked or stopped)."""
        return int(self._timer.remainingTime())

    def stop(self) -> None:
        """No more locking (the window is closing)."""
        self._timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if self.screen is not None:
            # Locked: input and shortcuts for anything but the lock screen are swallowed.
            return kind in _BLOCKED and not self._reaches_lock_screen(watched)
        if kind in _ACTIVITY:
            self._timer.start()
        return False

    def _reaches_lock_screen(self, watched: QObject) -> bool:
        screen = self.screen
        if screen is None:
            return True
        if isinstance(watched, QWidget):
            return watched is screen or screen.isAncestorOf(watched)
        # A window receives input before handing it to its widgets, where it is filtered
        # again; any other receiver (a QAction's shortcut, for one) is not the lock screen.
        return watched.isWindowType()

    def lock(self) -> None:
        """Cover every window and show the lock screen (also callable from a menu)."""
        if self.screen is not None:
            return
        self._timer.stop()
        app = QApplication.instance()
        windows = app.topLevelWidgets() if isinstance(app, QApplication) else [self.window]
        for window in windows:
            if window.isVisible() and not isinstance(window, PrivacyCover):
                self._covers.append(PrivacyCover(window))
        screen = LockScreen(
            self.database, self.user, clock=self.clock, minutes=self.minutes, parent=self.window
        )
        screen.unlocked.connect(self._on_unlocked)
        screen.switched.connect(self._on_switched)
        self.screen = screen
        screen.show()
        screen.activateWindow()
        self.locked.emit()

    def _finish(self) -> None:
        for cover in self._covers:
            cover.hide()
            cover.deleteLater()
        self._covers.clear()
        if self.screen is not None:
            self.screen.deleteLater()
            self.screen = None
        self._timer.start()

    def _on_unlocked(self, user: User) -> None:
        self.user = user
        self._finish()
        self.unlocked.emit(user)

    def _on_switched(self, user: User) -> None:
        self.user = user
        self._finish()
        self.switched.emit(user)
