"""The programme being edited: the pending programme, the saved one it is compared with, and the
undo stack whose commands change it (style.md, "Undo").

Every change goes through :meth:`ProgrammeDocument.edit`, which wraps one
:mod:`programmer.schedule_edit` operation in one undo command. After each change the document
runs :func:`~programmer.findings.check_programme` once and emits :attr:`~ProgrammeDocument.changed`
with the result, which the table, the totals, the findings list and the plots all share.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import replace
from datetime import datetime
from decimal import Decimal

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from programmer.check_context import CheckContext
from programmer.drug_library import DrugLibrary
from programmer.findings import CheckResult, check_programme
from programmer.programme import Programme
from programmer.projection import ClinicSettings
from programmer.pump_catalogue import PumpCatalogue, PumpModel
from programmer.schedule_edit import THERAPY_MODES

Operation = Callable[[Programme], Programme]
# What an edit changed, as it stands in a programme ("100 mcg/h"): the undo and redo menu
# entries name the value each will apply (issue 9: a merged command once said "20 mcg/h" and
# redid 100 mcg/h).
ValueWords = Callable[[Programme], str]


class EditCommand(QUndoCommand):
    """One user action: the programme before, and after one schedule_edit operation.

    Commands with the same ``merge_key`` pushed one after the other (successive entries in one
    cell, say) merge into one undo step; a merge that ends where it began disappears.

    ``subject`` names what changed ("Step 2 rate"); ``value`` reads its value in a programme.
    The undo entry then names the value undo restores, the redo entry the one redo sets, read
    from the programmes themselves, so a merge cannot leave a stale figure in the menu."""

    MERGE_ID = 0x17B

    def __init__(
        self,
        document: ProgrammeDocument,
        text: str,
        operation: Operation,
        merge_key: Hashable | None = None,
        base: Programme | None = None,
        value: ValueWords | None = None,
    ) -> None:
        super().__init__(text)
        self.subject = text
        self._value = value
        self._document = document
        self.before = document.pending
        # may raise EditError: nothing is pushed then
        self.after = operation(self.before if base is None else base)
        self.merge_key = merge_key
        self.setText(self.redo_words())

    def undo_words(self) -> str:
        """What undoing this command does, with the value it restores."""
        if self._value is None:
            return self.subject
        return f"{self.subject} back to {self._value(self.before)}"

    def redo_words(self) -> str:
        """What (re)doing this command does, with the value it sets."""
        if self._value is None:
            return self.subject
        return f"{self.subject} to {self._value(self.after)}"

    def id(self) -> int:
        return self.MERGE_ID if self.merge_key is not None else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, EditCommand) or other.merge_key != self.merge_key:
            return False
        self.after = other.after
        self.setText(self.redo_words())
        self.setObsolete(self.after == self.before)
        return True

    def redo(self) -> None:
        self._document._set_pending(self.after)

    def undo(self) -> None:
        self._document._set_pending(self.before)


class ProgrammeDocument(QObject):
    """The pending programme of one editing session.

    ``changed(CheckResult)`` is emitted once per change (edit, undo, redo, new clock, reload) with
    the findings and projection of the new pending programme. ``modified_changed(bool)`` follows
    the undo stack's clean state (True: there are unsaved edits). ``loaded()`` follows
    :meth:`load`."""

    changed = Signal(object)
    modified_changed = Signal(bool)
    loaded = Signal()  # another programme was loaded: its undo history and messages are gone

    def __init__(
        self,
        pending: Programme,
        *,
        now: datetime,
        context: CheckContext,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        # What every check is made against, from storage (Database.check_context): the active
        # library, the catalogue, the confirmed compounded products and the history.
        self._context = context
        current = context.current
        self._pending = pending
        self._current = current
        self._now = now
        self._last_therapy = current if current and current.mode in THERAPY_MODES else None
        self._remember_therapy(pending)
        self.undo_stack = QUndoStack(self)
        self.undo_stack.cleanChanged.connect(self._on_clean_changed)
        self._result = self._check()

    # ------------------------------------------------------------ state

    @property
    def pending(self) -> Programme:
        return self._pending

    @property
    def current(self) -> Programme | None:
        """The saved programme the change limits are checked against (None: a new patient)."""
        return self._current

    @property
    def now(self) -> datetime:
        return self._now

    @property
    def result(self) -> CheckResult:
        """Findings and projection of the pending programme, as last emitted."""
        return self._result

    @property
    def pump(self) -> PumpModel:
        return self.catalogue.pump(self._pending.pump.model)

    @property
    def context(self) -> CheckContext:
        """The facts the pending programme is checked against (against :attr:`current`)."""
        return self._context.with_current(self._current)

    @property
    def catalogue(self) -> PumpCatalogue:
        return self._context.catalogue

    @property
    def library(self) -> DrugLibrary:
        return self._context.library

    @property
    def settings(self) -> ClinicSettings:
        return self._context.settings

    @property
    def compounded(self) -> frozenset[tuple[str, Decimal]]:
        """(drug, concentration) confirmed as compounded products for this patient."""
        return self._context.confirmed

    @property
    def last_therapy(self) -> Programme | None:
        """The latest simple or flexible programme seen (what switching back to it restores)."""
        return self._last_therapy

    @property
    def is_modified(self) -> bool:
        return not self.undo_stack.isClean()

    # ------------------------------------------------------------ changes

    def edit(
        self,
        text: str,
        operation: Operation,
        *,
        merge_key: Hashable | None = None,
        rebase: bool = False,
        value: ValueWords | None = None,
    ) -> bool:
        """Apply one operation as one undoable step named ``text``. Raises
        :class:`~programmer.schedule_edit.EditError` (nothing changes) when the operation refuses;
        returns False when it changes nothing (no undo step either).

        ``rebase``: when this edit will merge into the previous one, apply the operation to the
        programme before that one instead of after it. A run of mode changes (arrow keys through
        the mode box) is then one change from where the run started: passing through the simple
        mode on the way from flexible to stopped and back does not flatten the week."""
        base = None
        top = self._top_command()
        if rebase and merge_key is not None and top is not None and top.merge_key == merge_key:
            base = top.before
        command = EditCommand(self, text, operation, merge_key, base, value)
        if command.after == command.before:
            return False
        self.undo_stack.push(command)
        return True

    def undo_words(self) -> str | None:
        """What Undo would do now, naming the value it restores (None: nothing to undo)."""
        stack = self.undo_stack
        if not stack.canUndo():
            return None
        command = stack.command(stack.index() - 1)
        return command.undo_words() if isinstance(command, EditCommand) else stack.undoText()

    def redo_words(self) -> str | None:
        """What Redo would do now, naming the value it sets (None: nothing to redo)."""
        stack = self.undo_stack
        if not stack.canRedo():
            return None
        command = stack.command(stack.index())
        return command.redo_words() if isinstance(command, EditCommand) else stack.redoText()

    def set_compounded(self, compounded: frozenset[tuple[str, Decimal]]) -> None:
        """The patient's confirmed compounded concentrations changed: check again."""
        self._context = replace(self._context, confirmed=frozenset(compounded))
        self._emit()

    def set_context(self, context: CheckContext) -> None:
        """Storage's new context for this patient (another patient opened, or after a save):
        checked against from the next change on; :meth:`load` follows it when the patient
        changes."""
        self._context = context

    def set_now(self, now: datetime) -> None:
        """A new moment to check against (the clock, or the training simulator's)."""
        self._now = now
        self._emit()

    def load(self, pending: Programme, current: Programme | None) -> None:
        """Start over on another programme: the undo history is dropped."""
        self.undo_stack.clear()
        self._current = current
        self._pending = pending
        self._last_therapy = current if current and current.mode in THERAPY_MODES else None
        self._remember_therapy(pending)
        self.undo_stack.setClean()
        self._emit()
        self.loaded.emit()

    def mark_saved(self, saved: Programme | None = None) -> None:
        """The pending programme (or ``saved``) is now the saved one: later edits are compared
        with it and the modified flag clears."""
        self._current = saved if saved is not None else self._pending
        self.undo_stack.setClean()
        self._emit()

    def rebase(self, current: Programme) -> None:
        """Another window saved ``current`` meanwhile: compare with it from now on. Unsaved edits
        are kept (with their undo history) and stay unsaved, whatever undo does later, since no
        state of this stack is the saved programme any more; with no edits, the pending
        programme becomes ``current``."""
        if not self.is_modified:
            self.load(current, current)
            return
        self._current = current
        self.undo_stack.resetClean()
        self._emit()

    # ------------------------------------------------------------ internals

    def _top_command(self) -> EditCommand | None:
        """The command a new one would merge with (Qt merges only away from the clean state)."""
        stack = self.undo_stack
        if stack.index() == 0 or stack.index() == stack.cleanIndex():
            return None
        command = stack.command(stack.index() - 1)
        return command if isinstance(command, EditCommand) else None

    def _set_pending(self, programme: Programme) -> None:
        """Called by the undo commands only."""
        self._pending = programme
        self._remember_therapy(programme)
        self._emit()

    def _remember_therapy(self, programme: Programme) -> None:
        if programme.mode in THERAPY_MODES:
            self._last_therapy = programme

    def check(self, programme: Programme) -> CheckResult:
        """``programme`` checked as the pending one is (a preview: nothing changes)."""
        return self._check(programme)

    def _check(self, programme: Programme | None = None) -> CheckResult:
        programme = self._pending if programme is None else programme
        return check_programme(programme, self.context, now=self._now)

    def _emit(self) -> None:
        self._result = self._check()
        self.changed.emit(self._result)

    def _on_clean_changed(self, clean: bool) -> None:
        self.modified_changed.emit(not clean)
