"""The storage layer's exceptions. Each message names the database file or the record at fault and
says what the clinician or administrator can do about it; the window and the command line show
the message as it is."""

from __future__ import annotations

from typing import TYPE_CHECKING

from programmer.finding import Finding

if TYPE_CHECKING:
    from db.records import ProgrammeVersion


class DatabaseError(Exception):
    """Base of every storage error: the message is meant for a person, not a log parser."""


class NotADatabaseError(DatabaseError):
    """The file is not a console database (not SQLite, damaged, another program's database, or
    unreadable). Nothing in it has been changed."""


class DatabaseNewerError(DatabaseError):
    """The file was written by a newer version of the console; this one refuses to touch it."""


class DatabaseReadOnlyError(DatabaseError):
    """The file (or its folder) cannot be written: nothing can be saved there."""


class DatabaseLockedError(DatabaseError):
    """Another program holds the database locked for longer than we are willing to wait."""


class UnknownPatientError(DatabaseError, KeyError):
    """No patient with that id (a ``KeyError`` too, for callers that treat it as a lookup)."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class UnknownVersionError(DatabaseError, KeyError):
    """The patient has no programme version with that number."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class PatientExistsError(DatabaseError):
    """A new patient was given an id that is already in the database."""


class RecordMismatchError(DatabaseError):
    """A programme names the patient or pump differently from the stored record: refused, since
    it may belong to another patient (a wrong-patient error) or need a pump replacement first."""


class InvalidRecordError(DatabaseError):
    """A value cannot be stored as given (empty name, replace-by before implant, ...)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        self.field = field
        super().__init__(f"{field}: {message}" if field else message)


class ConflictError(DatabaseError):
    """The programme was edited from version N but version N+1 (or later) has been saved since,
    for instance from another window: saving would silently overwrite it. ``latest`` is the
    newest version, for the user to compare with and start again from."""

    def __init__(self, message: str, latest: ProgrammeVersion) -> None:
        super().__init__(message)
        self.latest = latest


class HardFindingError(DatabaseError):
    """Refused: the programme has at least one hard finding (``findings`` holds them all)."""

    def __init__(self, message: str, findings: tuple[Finding, ...]) -> None:
        super().__init__(message)
        self.findings = findings


class MissingAcknowledgementError(DatabaseError):
    """Refused: a soft finding has no typed reason (``findings`` lists those still without one)."""

    def __init__(self, message: str, findings: tuple[Finding, ...]) -> None:
        super().__init__(message)
        self.findings = findings


class BackupError(DatabaseError):
    """A backup or a restore could not be made; the message says why and what was left as is."""
