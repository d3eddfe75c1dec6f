"""Who is at the keyboard of the main window (product.md, "Accounts"): the status line naming them
and the database, the screen lock, and another person taking over at the lock screen. A part of
the main window (:mod:`ui.window_part`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ui.prompts import Unsaved
from ui.window_part import WindowPart

if TYPE_CHECKING:
    from db.users import User
    from ui.idle_lock import IdleLock
    from ui.session import PatientSession
    from ui.training import SimulatedClock


class WindowUser(WindowPart):
    """The user of the window that inherits it (with QMainWindow after it)."""

    if TYPE_CHECKING:
        # What it uses: the window's own members.
        session: PatientSession
        idle_lock: IdleLock | None
        training_clock: SimulatedClock | None

        def review_and_save(self) -> bool: ...
        def _update_administration(self) -> None: ...

    def _show_status(self) -> None:
        session = self.session
        account = session.account
        who = session.user if account is None else f"{account.name} ({account.role})"
        mode = "TRAINING database" if self.training_clock is not None else "Database"
        self.statusBar().showMessage(f"{mode}: {session.db.path}  ·  User: {who}")

    def attach_idle_lock(self, lock: IdleLock) -> None:
        """The screen lock of this session: another person unlocking it becomes the window's
        user."""
        self.idle_lock = lock
        lock.switched.connect(self.switch_user)

    def lock_screen(self) -> None:
        if self.idle_lock is not None:
            self.idle_lock.lock()

    def switch_user(self, user: User) -> None:
        """Someone else logged in at the lock screen: from now on the saves are theirs. Unsaved
        edits of the one before are asked about first (their name must not go on them)."""
        session = self.session
        if session.is_modified() and session.record is not None:
            answer = session.prompter.unsaved_changes(
                f"{session.user} left unsaved changes to the programme of "
                f"{session.record.patient.name}; they are not saved under {user.name}'s name."
            )
            if answer is Unsaved.SAVE:
                self.review_and_save()
            elif answer is Unsaved.DISCARD and session.document is not None:
                stack = session.document.undo_stack
                stack.setIndex(max(stack.cleanIndex(), 0))
        session.user, session.account = user.name, user
        self._show_status()
        self._update_administration()
