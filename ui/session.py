"""One clinician's session on the open patient, shared by the window and the controllers below
it (issue 14: "calls go down, signals go up"). The window owns it and fills it as patients are
opened, saved and closed; the pump workflows read it and never see the window."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

if TYPE_CHECKING:
    from db.database import Database, PatientRecord, ProgrammeVersion
    from db.users import User
    from programmer.check_context import CheckContext
    from programmer.simulated_pump import SimulatedPump
    from ui.editor.document import ProgrammeDocument
    from ui.prompts import WindowPrompter

T = TypeVar("T")


@dataclass(eq=False)
class PatientSession:
    """The database, the clock, who is at the keyboard, the prompter every dialog goes through,
    whether it is a training session, and the open patient: its record, the current saved
    version, its check context (the save's own, Database.check_context), the programme document
    and the pump as last read or stored. ``record`` is None while no patient is open."""

    db: Database
    clock: Callable[[], datetime]
    user: str
    prompter: WindowPrompter
    account: User | None = None
    record: PatientRecord | None = None
    current: ProgrammeVersion | None = None
    context: CheckContext | None = None
    document: ProgrammeDocument | None = None
    pump: SimulatedPump | None = field(default=None)
    training: bool = False  # a training database on the trainer's clock (the window's mode)

    @property
    def patient_id(self) -> str:
        assert self.record is not None
        return self.record.patient.id

    def patient_words(self) -> str:
        """The open patient as the dialogs name them: "Name (id)"."""
        assert self.record is not None
        p = self.record.patient
        return f"{p.name} ({p.id})"

    def is_modified(self) -> bool:
        """The open patient's pending programme has unsaved changes."""
        return bool(
            self.document is not None and self.record is not None and self.document.is_modified
        )


class FromSession(Generic[T]):
    """A window attribute that is the session's member of the same name (``window.record`` is
    ``window.session.record``), read and written: the window's own names stay as they were."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, window: Any, owner: type | None = None) -> T:
        return cast(T, getattr(window.session, self.name))

    def __set__(self, window: Any, value: T) -> None:
        setattr(window.session, self.name, value)
