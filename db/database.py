"""The clinic's database: the one object the window and the command line talk to.

:class:`Database` is put together from its parts in :mod:`db.facade`: the lifecycle (opening,
closing, the transactions, the file's identity and the workstation's anchor, in
:mod:`db.facade.store`) and one part per area: patients and programme versions, care (treatments,
assessments, visits, the simulated pumps, the worklist), accounts, administration (audit trail,
backups, drug library versions, clinic settings). Nothing in the facade holds a rule: each lives
beside the table it guards (:mod:`db.patients`, :mod:`db.patient_changes`, :mod:`db.programmes`,
:mod:`db.treatments`, :mod:`db.visits`, :mod:`db.users` and the others), and a method hands its
open transaction to that module. Seeding (demonstration patients, the training database) is a
client of this facade (:mod:`db.seed`), handed in as ``on_create``.

The records and errors a caller of the facade meets are importable from here.
"""

from __future__ import annotations

from db.clinic_settings import ClinicSettingsVersion, SettingsError
from db.compounded import ConfirmationRefusedError
from db.drug_libraries import LibraryImportError
from db.errors import (
    BackupError,
    ConflictError,
    DatabaseError,
    DatabaseLockedError,
    DatabaseNewerError,
    DatabaseReadOnlyError,
    HardFindingError,
    InvalidRecordError,
    MissingAcknowledgementError,
    NotADatabaseError,
    PatientExistsError,
    RecordMismatchError,
    UnknownPatientError,
    UnknownVersionError,
)
from db.facade.accounts import AccountMethods
from db.facade.administration import AdministrationMethods
from db.facade.care import CareMethods
from db.facade.patients import PatientMethods
from db.programmes import acknowledgement_key
from db.records import (
    AuditEntry,
    BolusGivenRecord,
    BolusKind,
    CompoundedConfirmation,
    LibraryChange,
    LibraryVersionRecord,
    PatientRecord,
    PatientSummary,
    ProgrammeVersion,
    PumpRecord,
    RefillRecord,
    ScreeningRecord,
    ScreeningResponse,
    VerifyReport,
)

__all__ = [
    "AuditEntry",
    "BackupError",
    "BolusGivenRecord",
    "BolusKind",
    "ClinicSettingsVersion",
    "CompoundedConfirmation",
    "ConfirmationRefusedError",
    "ConflictError",
    "Database",
    "DatabaseError",
    "DatabaseLockedError",
    "DatabaseNewerError",
    "DatabaseReadOnlyError",
    "HardFindingError",
    "InvalidRecordError",
    "LibraryChange",
    "LibraryImportError",
    "LibraryVersionRecord",
    "MissingAcknowledgementError",
    "NotADatabaseError",
    "PatientExistsError",
    "PatientRecord",
    "PatientSummary",
    "ProgrammeVersion",
    "PumpRecord",
    "RecordMismatchError",
    "RefillRecord",
    "ScreeningRecord",
    "ScreeningResponse",
    "SettingsError",
    "UnknownPatientError",
    "UnknownVersionError",
    "VerifyReport",
    "acknowledgement_key",
]


class Database(PatientMethods, CareMethods, AccountMethods, AdministrationMethods):
    """An open console database. Use :meth:`open`; close with :meth:`close` or ``with``."""
