"""The clinic's database: the one object the window and the command line talk to.

One SQLite file, opened through sqlite-utils, in WAL mode with foreign keys on and durable
(``synchronous = FULL``) commits. Every write is one ``BEGIN IMMEDIATE`` transaction that also
appends its audit entry, so after a crash the file holds each write completely or not at all, and
two windows never interleave their writes. This facade keeps the lifecycle (opening, closing,
the transactions, the file's identity and the workstation's anchor); each rule lives beside the
table it guards, and a method here hands its open transaction to that module: opening
(:mod:`db.connection`), schema (:mod:`db.migrations`), patients, programme versions and their
save (:mod:`db.programmes`), check contexts, treatments, assessments, visits, accounts, drug
library versions, compounded confirmations, clinic settings, simulated pumps, the worklist, the
audit trail and its key, integrity and backups. Seeding (demonstration patients, the
training database) is a client of this facade (:mod:`db.seed`), handed in as ``on_create``.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from types import TracebackType

from sqlite_utils import Database as SqliteDatabase

from db import (
    assessments,
    audit,
    audit_key,
    audited,
    check_contexts,
    clinic_settings,
    compounded,
    drug_libraries,
    file_guard,
    migrations,
    patient_changes,
    patients,
    programmes,
    treatments,
    visits,
    worklist,
)
from db import backup as backups
from db import kind as kinds
from db import simulated_pumps as pumps
from db import users as accounts
from db.clinic_settings import ClinicSettingsVersion, SettingsError
from db.compounded import ConfirmationRefusedError
from db.connection import (
    DEFAULT_TIMEOUT_S,
    FileKind,
    FileState,
    inspect_file,
    translate,
)
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
from db.file_guard import file_identity
from db.kind import DatabaseKind, WrongDatabaseKindError
from db.local_disk import refuse_network_filesystem
from db.patients import MAX_REASON
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
from db.users import AuthenticationError, LoginPurpose, Role, User, UserRecord
from db.values import checked_decimal, moment_text
from db.visits import Visit
from programmer.assessment import Assessment
from programmer.check_context import CheckContext
from programmer.drug_library import DrugLibrary, default_drug_library
from programmer.findings import CheckResult, check_programme
from programmer.programme import Patient, Programme
from programmer.projection import ClinicSettings
from programmer.pump_catalogue import PumpCatalogue, default_pump_catalogue
from programmer.simulated_pump import SimulatedPump
from programmer.units import set_decimal_separator
from programmer.worklist import DEFAULT_DAYS as DEFAULT_WORKLIST_DAYS
from programmer.worklist import WorklistItem

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

# What fills a database in the transaction that creates it: called with the open database and
# the creation moment (the demonstration patients, the training scenarios: :mod:`db.seed`).
OnCreate = Callable[["Database", datetime], None]


class Database:
    """An open console database. Use :meth:`open`; close with :meth:`close` or ``with``."""

    def __init__(
        self,
        path: Path,
        sdb: SqliteDatabase,
        *,
        catalogue: PumpCatalogue,
        library: DrugLibrary,
        settings: ClinicSettings,
    ) -> None:
        self.path = path
        self._sdb = sdb
        self._catalogue = catalogue
        self._packaged_library = library  # used while no library version is stored
        self._stored_library: tuple[str, DrugLibrary] | None = None  # (text, library) last read
        self._settings = settings
        self._closed = False
        self._database_id: str | None = None
        self._identity: tuple[int, int] | None = file_identity(path)
        self._wal_identity: tuple[int, int] | None = None
        self._remembered: tuple[int, str] | None = None  # the head last given to the anchor
        self.writes = 0  # write transactions committed through this object (ui/crash.py)

    # ------------------------------------------------------------ opening and closing

    @classmethod
    def open(
        cls,
        path: str | Path,
        *,
        create: bool = True,
        on_create: OnCreate | None = None,
        now: datetime | None = None,
        timeout: float = DEFAULT_TIMEOUT_S,
        catalogue: PumpCatalogue | None = None,
        library: DrugLibrary | None = None,
        settings: ClinicSettings | None = None,
    ) -> Database:
        """Open the database at ``path``; with ``create``, a missing file is made a new
        database (whole, with ``on_create(database, now)`` run in the creating transaction, e.g.
        the demonstration patients, :func:`db.seed.demo_patients.seed_demo_patients`, or not at
        all), unless this workstation has seen a database there (then it is gone: damage).
        Anything else that is not a console database, a 0-byte file too, is refused untouched.
        ``timeout`` is how long to wait for another program's write lock; ``library`` is the
        drug library used while the database stores none (the packaged one by default)."""
        path = Path(path).expanduser().absolute()
        moment = now or datetime.now()
        refuse_network_filesystem(path)
        state = inspect_file(path)
        if state.kind is FileKind.MISSING:
            if not create:
                raise DatabaseError(
                    f"{path}: there is no database there. Check the path (--db), or let the "
                    "console create a new one."
                )
            file_guard.refuse_vanished(path)
            file_guard.create_whole(
                path,
                lambda temp: cls._open_file(
                    temp,
                    inspect_file(temp),
                    on_create=on_create,
                    moment=moment,
                    timeout=timeout,
                    anchored=False,
                ).close(),
            )
            state = inspect_file(path)
        if state.kind is FileKind.EMPTY:
            # Only a missing file is a new database (product.md, "Records and files"): a 0-byte
            # file is one truncated or never written, never silently made a new one.
            raise NotADatabaseError(
                f"{path} is an empty (0-byte) file: a database truncated or never written, so "
                "it was not opened and left as it is. Restore the database from a backup "
                "(itb-console restore); to start a new database, choose a new file name."
            )
        return cls._open_file(
            path,
            state,
            on_create=None,
            moment=moment,
            timeout=timeout,
            catalogue=catalogue,
            library=library,
            settings=settings,
        )

    @classmethod
    def _open_file(
        cls,
        path: Path,
        state: FileState,
        *,
        on_create: Callable[[Database, datetime], None] | None,
        moment: datetime,
        timeout: float,
        catalogue: PumpCatalogue | None = None,
        library: DrugLibrary | None = None,
        settings: ClinicSettings | None = None,
        anchored: bool = True,
    ) -> Database:
        conn = file_guard.connect_checked(path, state, timeout=timeout)
        try:
            sdb = SqliteDatabase(conn, execute_plugins=False)
            database = cls(
                path,
                sdb,
                catalogue=catalogue or default_pump_catalogue(),
                library=library or default_drug_library(),
                settings=settings or ClinicSettings(),
            )

            def backup_copy(version: int) -> Path:
                dest = migrations.backup_path_for(path, version, moment)
                backups.copy_database(conn, dest, path)
                return dest

            def seed() -> None:
                if on_create is not None:
                    on_create(database, moment)

            migrations.migrate(
                sdb,
                path,
                now=moment,
                backup_copy=backup_copy,
                on_create=None if on_create is None else seed,
            )
            database._database_id = audit.database_id(sdb) if anchored else None
            database._wal_identity = file_identity(Path(f"{path}-wal"))
            database._remember_head(moment)
            # Every number this program shows or reads from now on uses the clinic's separator.
            # Settings altered behind the console leave the default: the database still opens
            # (verify names the row; checks refuse until an administrator sets them again).
            with contextlib.suppress(DatabaseError):
                set_decimal_separator(database.clinic_settings.decimal_separator)
        except sqlite3.Error as exc:
            conn.close()
            raise translate(exc, path) from None
        except BaseException:
            conn.close()
            raise
        return database

    @property
    def catalogue(self) -> PumpCatalogue:
        """The pump catalogue programmes are checked against."""
        return self._catalogue

    @property
    def library(self) -> DrugLibrary:
        """The drug library programmes are checked against (its version is saved with each):
        the newest version an administrator imported, else the program's packaged one. See
        "drug library versions" below."""
        return self._active_library()

    @staticmethod
    def default_path() -> Path:
        """The per-user default database file (platformdirs' user data folder)."""
        from db import location  # platformdirs: not needed to open a named file

        return location.default_path()

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._sdb.close()

    def __enter__(self) -> Database:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Database {self.path}{' (closed)' if self._closed else ''}>"

    # ------------------------------------------------------------ transactions

    @contextmanager
    def _write(self) -> Iterator[SqliteDatabase]:
        """One write transaction, taken at once (``BEGIN IMMEDIATE``): from here on no other
        window can write until this one commits, so what was read is still true at commit.
        Joins the caller's transaction when one is open (seeding, migration)."""
        sdb = self._sdb
        if self._closed:
            raise DatabaseError(f"{self.path}: the database has been closed")
        if sdb.conn.in_transaction:
            yield sdb
            return
        self._check_same_file(before=True)
        try:
            sdb.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise translate(exc, self.path) from None
        try:
            yield sdb
            # The worklist's stored figures follow what this write changed (db/worklist.py),
            # projected with the clinic's stored settings (its refill safety margin).
            worklist.refresh_stale(sdb, self._reference, self._stored_settings(sdb))
            sdb.execute("COMMIT")
        except sqlite3.Error as exc:
            self._rollback()
            raise translate(exc, self.path) from None
        except BaseException:
            self._rollback()
            raise
        self.writes += 1
        self._check_same_file(before=False)
        self._remember_head(datetime.now())

    def _check_same_file(self, *, before: bool) -> None:
        """The file this connection writes is still the one at the path, its ``-wal`` too
        (:func:`db.file_guard.check_same_file`)."""
        if self._wal_identity is None:
            self._wal_identity = file_identity(Path(f"{self.path}-wal"))
        file_guard.check_same_file(self.path, self._identity, self._wal_identity, before=before)

    def _remember_head(self, now: datetime) -> None:
        """Tell the workstation's anchor the newest entry this connection saw
        (:func:`db.file_guard.remember_head`)."""
        if self._database_id is not None:
            self._remembered = file_guard.remember_head(
                self._sdb, self._database_id, self.path, self._remembered, now
            )

    @contextmanager
    def _read(self) -> Iterator[SqliteDatabase]:
        """Several reads from one snapshot (a deferred transaction), so a record and its
        history never come from two different moments."""
        sdb = self._sdb
        if self._closed:
            raise DatabaseError(f"{self.path}: the database has been closed")
        if sdb.conn.in_transaction:
            yield sdb
            return
        try:
            sdb.execute("BEGIN")
            yield sdb
            sdb.execute("COMMIT")
        except sqlite3.Error as exc:
            self._rollback()
            raise translate(exc, self.path) from None
        except BaseException:
            self._rollback()
            raise

    def _rollback(self) -> None:
        try:
            if self._sdb.conn.in_transaction:
                self._sdb.execute("ROLLBACK")
        except sqlite3.Error:
            pass  # the original error is the one worth reporting

    # ------------------------------------------------------------ patients

    def search_patients(self, text: str, limit: int = 50) -> list[PatientSummary]:
        """Search as you type: every typed word must start a word of the name or id, accents
        and case ignored; an exact id comes first, then by name."""
        with self._read() as sdb:
            return patients.search_patients(sdb, text, limit)

    def recent_patients(self, limit: int = 10) -> list[PatientSummary]:
        """The patients opened most recently (see :meth:`mark_opened`), newest first."""
        with self._read() as sdb:
            return patients.recent_patients(sdb, limit)

    def first_patients(self, limit: int = 50) -> list[PatientSummary]:
        """The first patients by name, for a browser with nothing typed and nothing recent."""
        with self._read() as sdb:
            return patients.first_patients(sdb, limit)

    def mark_opened(self, patient_id: str, now: datetime) -> None:
        """Remember that the patient was opened now, for the recent list (screen state, not
        part of the clinical record: not audited)."""
        moment_text(now, "now")
        with self._write() as sdb:
            patients.mark_opened(sdb, patient_id, now)

    def patient(self, patient_id: str) -> PatientRecord:
        with self._read() as sdb:
            return patients.read_patient(sdb, patient_id)

    def create_patient(
        self,
        patient: Patient,
        pump: PumpRecord,
        *,
        diagnosis: str = "",
        notes: str = "",
        user: str,
        now: datetime,
    ) -> None:
        """A new patient with the pump in place; refused if the id is taken
        (:func:`db.patient_changes.create`)."""
        patient_changes.check_new(
            patient,
            pump,
            diagnosis=diagnosis,
            notes=notes,
            user=user,
            now=now,
            catalogue=self._catalogue,
        )
        with self._write() as sdb:
            patient_changes.create(
                sdb, patient, pump, diagnosis=diagnosis, notes=notes, user=user, now=now
            )

    def replace_pump(self, patient_id: str, pump: PumpRecord, *, user: str, now: datetime) -> None:
        """A new pump in place of the current one, kept in the history
        (:func:`db.patient_changes.replace_pump`)."""
        audited.check_user(user, now)
        with self._write() as sdb:
            patient_changes.replace_pump(
                sdb, patient_id, pump, user=user, now=now, catalogue=self._catalogue
            )

    def revise_catheter(
        self,
        patient_id: str,
        catheter_model: str | None,
        catheter_length_cm: Decimal | None,
        *,
        user: str,
        now: datetime,
    ) -> PumpRecord:
        """Correct the catheter of the pump in place
        (:func:`db.patient_changes.revise_catheter`)."""
        audited.check_user(user, now)
        with self._write() as sdb:
            return patient_changes.revise_catheter(
                sdb,
                patient_id,
                catheter_model,
                catheter_length_cm,
                user=user,
                now=now,
                catalogue=self._catalogue,
            )

    def revise_patient(
        self,
        patient: Patient,
        *,
        diagnosis: str,
        reason: str,
        user: str,
        now: datetime,
    ) -> PatientRecord:
        """Correct the record of patient ``patient.id``, audited with ``reason``
        (:func:`db.patient_changes.revise_patient`)."""
        patient_changes.check_revision(
            patient, diagnosis=diagnosis, reason=reason, user=user, now=now
        )
        with self._write() as sdb:
            return patient_changes.revise_patient(
                sdb, patient, diagnosis=diagnosis, reason=reason, user=user, now=now
            )

    def revise_pump(
        self,
        patient_id: str,
        *,
        serial: str,
        implanted_on: date,
        replace_by: date,
        low_reservoir_alarm_ml: Decimal,
        reason: str,
        user: str,
        now: datetime,
    ) -> PumpRecord:
        """Correct the record of the pump in place, audited with ``reason``
        (:func:`db.patient_changes.revise_pump`)."""
        patient_changes.check_pump_revision(reason=reason, user=user, now=now)
        with self._write() as sdb:
            return patient_changes.revise_pump(
                sdb,
                patient_id,
                serial=serial,
                implanted_on=implanted_on,
                replace_by=replace_by,
                low_reservoir_alarm_ml=low_reservoir_alarm_ml,
                reason=reason,
                user=user,
                now=now,
                catalogue=self._catalogue,
            )

    # ------------------------------------------------------------ programme versions

    def current_version(self, patient_id: str) -> ProgrammeVersion | None:
        """The newest confirmed version: the programme the pump runs (None before the first)."""
        with self._read() as sdb:
            patients.patient_num(sdb, patient_id)
            return programmes.read_current(sdb, patient_id, self._reference)

    def latest_version(self, patient_id: str) -> ProgrammeVersion | None:
        """The newest version, confirmed or not: pass its number as ``base_version``."""
        with self._read() as sdb:
            patients.patient_num(sdb, patient_id)
            return programmes.read_latest(sdb, patient_id, self._reference)

    def versions(self, patient_id: str) -> list[ProgrammeVersion]:
        """Every version, oldest first."""
        with self._read() as sdb:
            patients.patient_num(sdb, patient_id)
            return programmes.read_all(sdb, patient_id, self._reference)

    def version(self, patient_id: str, number: int) -> ProgrammeVersion:
        with self._read() as sdb:
            patients.patient_num(sdb, patient_id)
            return programmes.read(sdb, patient_id, number, self._reference)

    def check_context(
        self, patient_id: str, now: datetime, *, before_version: int | None = None
    ) -> CheckContext:
        """What a check at ``now`` is made against (:func:`db.check_contexts.build`)."""
        moment_text(now, "now")
        with self._read() as sdb:
            return self._context(sdb, patient_id, now, self.library, before_version)

    def _context(
        self,
        sdb: SqliteDatabase,
        patient_id: str,
        now: datetime,
        library: DrugLibrary,
        before_version: int | None = None,
    ) -> CheckContext:
        return check_contexts.build(
            sdb,
            patient_id,
            now,
            reference=programmes.Reference(self._catalogue, library),
            default_settings=self._settings,
            before_version=before_version,
        )

    def check_programme(self, programme: Programme, *, now: datetime) -> CheckResult:
        """The findings :meth:`save_programme` would meet now: the engine's one check, with the
        patient's :meth:`check_context`."""
        return check_programme(programme, self.check_context(programme.patient.id, now), now=now)

    def save_programme(
        self,
        programme: Programme,
        *,
        base_version: int | None,
        user: str,
        reason: str,
        acknowledgements: Mapping[str, str],
        now: datetime,
        confirmed: bool = True,
    ) -> ProgrammeVersion:
        """Store ``programme`` as the patient's next version (:func:`db.programmes.save`)."""
        text, pump_record = programmes.checked_for_save(
            programme, user=user, reason=reason, now=now, reference=self._reference
        )
        with self._write() as sdb:
            return programmes.save(
                sdb,
                programme,
                text=text,
                pump_record=pump_record,
                base_version=base_version,
                user=user,
                reason=reason,
                acknowledgements=acknowledgements,
                now=now,
                confirmed=confirmed,
                reference=self._reference,  # the library read in this transaction: checked, kept
                context=lambda library: self._context(sdb, programme.patient.id, now, library),
                insert_patient=lambda pump: patient_changes.insert(
                    sdb, programme.patient, pump, diagnosis="", notes="", user=user, now=now
                ),
            )

    # ------------------------------------------------------------ refills, boluses, screening

    def record_refill(
        self, patient_id: str, refill: RefillRecord, *, user: str, now: datetime
    ) -> None:
        """Record a refill, checked against the pump and library (:mod:`db.treatments`)."""
        audited.check_user(user, now)
        with self._write() as sdb:
            treatments.record_refill(
                sdb,
                patient_id,
                refill,
                user=user,
                now=now,
                catalogue=self._catalogue,
                library=self.library,
            )

    def refills(self, patient_id: str) -> list[RefillRecord]:
        """Oldest first."""
        with self._read() as sdb:
            patients.patient_num(sdb, patient_id)
            return treatments.refills(sdb, patient_id)

    def record_bolus_given(
        self, patient_id: str, bolus: BolusGivenRecord, *, user: str, now: datetime
    ) -> None:
        """Record a bolus given (:mod:`db.treatments`)."""
        audited.check_user(user, now)
        treatments.check_bolus(bolus)
        with self._write() as sdb:
            treatments.record_bolus_given(sdb, patient_id, bolus, user=user, now=now)

    def boluses_given(self, patient_id: str) -> list[BolusGivenRecord]:
        with self._read() as sdb:
            patients.patient_num(sdb, patient_id)
            return treatments.boluses(sdb, patient_id)

    def record_screening(
        self, patient_id: str, screening: ScreeningRecord, *, user: str, now: datetime
    ) -> None:
        """Record a screening trial (:mod:`db.treatments`)."""
        audited.check_user(user, now)
        treatments.check_screening(screening)
        with self._write() as sdb:
            treatments.record_screening(sdb, patient_id, screening, user=user, now=now)

    def screenings(self, patient_id: str) -> list[ScreeningRecord]:
        with self._read() as sdb:
            patients.patient_num(sdb, patient_id)
            return treatments.screenings(sdb, patient_id)

    def record_assessment(
        self, patient_id: str, assessment: Assessment, *, user: str, now: datetime
    ) -> None:
        """Store a visit's assessment, refused off its scale (:mod:`db.assessments`)."""
        audited.check_user(user, now)
        assessments.checked(assessment)
        with self._write() as sdb:
            assessments.record(sdb, patient_id, assessment, user=user, now=now)

    def assessments(self, patient_id: str) -> list[Assessment]:
        """The patient's assessments, oldest first."""
        with self._read() as sdb:
            patients.patient_num(sdb, patient_id)
            return assessments.read_all(sdb, patient_id)

    # ------------------------------------------------------------ visits (db/visits.py)

    def start_visit(self, patient_id: str, *, user: str, now: datetime) -> tuple[Visit, bool]:
        """Start or resume the patient's visit: (visit, resumed) (:func:`db.visits.start`)."""
        audited.check_user(user, now)
        with self._write() as sdb:
            return visits.start(sdb, patient_id, user=user, now=now)

    def open_visit(self, patient_id: str) -> Visit | None:
        """The patient's visit still open, or None."""
        with self._read() as sdb:
            return visits.open_visit(sdb, patient_id)

    def visits(self, patient_id: str) -> list[Visit]:
        """The patient's visits, oldest first, with their steps."""
        with self._read() as sdb:
            patients.patient_num(sdb, patient_id)
            return visits.read_all(sdb, patient_id)

    def finish_visit(
        self,
        patient_id: str,
        *,
        user: str,
        now: datetime,
        left_unchanged_reason: str | None = None,
    ) -> Visit:
        """Finish the open visit, when the pump allows it (:func:`db.visits.finish`)."""
        audited.check_user(user, now)
        with self._write() as sdb:
            return visits.finish(
                sdb,
                patient_id,
                user=user,
                now=now,
                left_unchanged_reason=left_unchanged_reason,
                reference=self._reference,
            )

    def record_visit_review(
        self, patient_id: str, details: Mapping[str, object], *, user: str, now: datetime
    ) -> Visit:
        """The open visit's review confirmed (:func:`db.visits.record_review`)."""
        audited.check_user(user, now)
        with self._write() as sdb:
            return visits.record_review(sdb, patient_id, details, user=user, now=now)

    # ------------------------------------------------------------ audit, integrity, backup

    def audit_entries(
        self,
        *,
        patient_id: str | None = None,
        user: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[AuditEntry]:
        """Audit entries in trail order; ``since`` inclusive, ``until`` exclusive."""
        with self._read() as sdb:
            return audit.entries(sdb, patient_id=patient_id, user=user, since=since, until=until)

    def verify(self, *, expect_head: str | None = None) -> VerifyReport:
        """Every check of the file and its trail (:func:`db.integrity.verify_database`)."""
        from db import integrity  # loaded for a check, not at every start

        with self._read() as sdb:
            return integrity.verify_database(
                sdb, self.path, self._database_id, expect_head=expect_head
            )

    def anchor_warning(self) -> str | None:
        """What the anchor says is wrong, or None (:func:`db.integrity.anchor_warning`)."""
        from db import integrity

        with self._read() as sdb:
            return integrity.anchor_warning(sdb, self.path, self._database_id)

    def audit_key_id(self) -> str | None:
        """The id of the audit key this database is keyed with (None before schema 4)."""
        with self._read() as sdb:
            return audit.chain_key_id(sdb)

    def export_audit_key(self, *, by: User, now: datetime, dest: str) -> str:
        """The audit key as an export file's text (:func:`db.audit_key.export`)."""
        moment_text(now, "now")
        with self._write() as sdb:
            return audit_key.export(sdb, self.path, by=by, now=now, dest=dest)

    def import_audit_key(
        self, key: tuple[str, bytes], *, by: User, now: datetime, source: str
    ) -> None:
        """Keep this database's audit key here (:func:`db.audit_key.keep_imported`)."""
        moment_text(now, "now")
        with self._write() as sdb:
            audit_key.keep_imported(sdb, self.path, key, by=by, now=now, source=source)

    def audit_head(self) -> tuple[int, str]:
        """The newest audit entry's number and hash (a session report prints it)."""
        with self._read() as sdb:
            return file_guard.audit_head(sdb)

    def backup(self, dest: str | Path, *, overwrite: bool = False) -> None:
        """A consistent copy of the database, taken while it stays in use, written to ``dest``
        whole or not at all. Refuses the database's own file, and an existing file unless
        ``overwrite``."""
        if self._closed:
            raise DatabaseError(f"{self.path}: the database has been closed")
        backups.copy_database(self._sdb.conn, Path(dest), self.path, overwrite=overwrite)

    @staticmethod
    def restore(
        backup: str | Path,
        dest: str | Path,
        *,
        overwrite: bool = False,
        now: datetime | None = None,
    ) -> Path | None:
        """Check ``backup`` (SQLite integrity, audit trail, schema version) and put it in
        place at ``dest``. With ``overwrite``, a database already at ``dest`` is renamed aside,
        never deleted, and that name is returned; close every window using it first."""
        refuse_network_filesystem(Path(dest).expanduser().absolute())
        moment = now or datetime.now()
        kept = backups.restore(Path(backup), Path(dest), overwrite=overwrite, now=moment)
        file_guard.anchor_restored(Path(dest).expanduser().absolute(), moment)
        return kept

    # ------------------------------------------------------------ user accounts (db/users.py)

    @property
    def kind(self) -> DatabaseKind:
        """Clinical or training (:mod:`db.kind`); it never changes once the database is used."""
        with self._read() as sdb:
            return kinds.read_kind(sdb)

    def require_kind(self, expected: DatabaseKind | str) -> None:
        """Refuse (:class:`WrongDatabaseKindError`) a database of another kind than
        ``expected``: training mode on the clinic's file, or the clinic's window on a training
        file."""
        kinds.require_kind(self.kind, DatabaseKind(expected), self.path)

    def mark_training(self, *, now: datetime) -> None:
        """Make this brand-new database a training one (only while its audit trail holds
        nothing but its creation; there is no way back)."""
        moment_text(now, "now")
        with self._write() as sdb:
            kinds.mark_training(sdb, self.path, now=now)

    @classmethod
    def create_training(
        cls,
        path: str | Path,
        *,
        now: datetime,
        on_create: OnCreate | None = None,
        timeout: float = DEFAULT_TIMEOUT_S,
    ) -> Database:
        """A new training database at ``path``: a missing or empty file only, so an existing
        database (the clinic's above all) is never turned into a training one.
        ``on_create(database, now)`` (the training scenarios) fills it in the transaction that
        marks it training."""
        target = Path(path).expanduser().absolute()
        if inspect_file(target).kind is FileKind.SQLITE:
            raise WrongDatabaseKindError(
                f"{target} already holds a database; a training database is always created as "
                "a new file. Choose another name."
            )
        database = cls.open(target, create=True, now=now, timeout=timeout)
        try:
            with database._write():
                database.mark_training(now=now)
                if on_create is not None:
                    on_create(database, now)
        except BaseException:
            database.close()
            raise
        return database

    def has_users(self) -> bool:
        """False until the first administrator is created (the first-run dialog)."""
        with self._read() as sdb:
            return accounts.has_users(sdb)

    def accounts_to_keep(self) -> list[accounts.Account]:
        """Every account with its password hash, for :meth:`keep_accounts` on a new training
        database (a reset): the hashes go from one storage file to the other, nowhere else."""
        with self._read() as sdb:
            return accounts.all_accounts(sdb)

    def keep_accounts(self, kept: list[accounts.Account], *, action: str, now: datetime) -> None:
        """Add accounts read from another database (:func:`db.users.insert_kept_accounts`)."""
        if not kept:
            return
        moment_text(now, "now")
        with self._write() as sdb:
            accounts.insert_kept_accounts(sdb, kept, action=action, now=now)

    def list_users(self) -> list[UserRecord]:
        """Every account by name, without password hashes."""
        with self._read() as sdb:
            return accounts.list_users(sdb)

    def account(self, name: str) -> UserRecord:
        """One account (:class:`UnknownAccountError` if there is none)."""
        with self._read() as sdb:
            return accounts.account_record(sdb, name)

    def first_administrator(self, name: str, password: str, now: datetime) -> User:
        """The first administrator (:func:`db.users.insert_first_administrator`)."""
        moment_text(now, "now")
        accounts.check_name(name)
        password_hash = accounts.hash_password(password, name)
        with self._write() as sdb:
            return accounts.insert_first_administrator(sdb, name, password_hash, now=now)

    def add_user(
        self, name: str, role: Role | str, password: str, *, by: User, now: datetime
    ) -> UserRecord:
        """A new account, added by the administrator ``by``."""
        moment_text(now, "now")
        accounts.check_name(name)
        checked_role = accounts.parse_role(role)
        password_hash = accounts.hash_password(password, name)
        with self._write() as sdb:
            return accounts.insert_user(
                sdb,
                name,
                checked_role,
                password_hash,
                by=by,
                kind=kinds.read_kind(sdb),
                now=now,
            )

    def authenticate(
        self,
        name: str,
        password: str,
        *,
        now: datetime,
        purpose: LoginPurpose | str = LoginPurpose.LOGIN,
    ) -> User:
        """Log in: the user, or an :class:`AuthenticationError` (:func:`db.users.settle_login`)."""
        moment_text(now, "now")
        why = LoginPurpose(purpose)
        with self._read() as sdb:
            account = accounts.find_account(sdb, name)
        check = accounts.check_login_password(account, password, now)  # slow: no lock held
        with self._write() as sdb:
            outcome = accounts.settle_login(
                sdb, name, check, kind=kinds.read_kind(sdb), now=now, purpose=why
            )
        if isinstance(outcome, AuthenticationError):
            raise outcome
        return outcome

    def set_password(self, name: str, password: str, *, by: User, now: datetime) -> None:
        """A new password for ``name``, set by an administrator; lifts a lock-out."""
        moment_text(now, "now")
        password_hash = accounts.hash_password(password, name)
        with self._write() as sdb:
            accounts.update_password(sdb, name, password_hash, by=by, now=now)

    def set_role(self, name: str, role: Role | str, *, by: User, now: datetime) -> None:
        """Change an account's role (:func:`db.users.update_role`)."""
        moment_text(now, "now")
        checked_role = accounts.parse_role(role)
        with self._write() as sdb:
            accounts.update_role(sdb, name, checked_role, by=by, kind=kinds.read_kind(sdb), now=now)

    def unlock_account(self, name: str, *, by: User, now: datetime) -> None:
        """Lift ``name``'s lock-out (:func:`db.users.clear_lockout`)."""
        moment_text(now, "now")
        with self._write() as sdb:
            accounts.clear_lockout(sdb, name, by=by, now=now)

    def set_active(self, name: str, active: bool, *, by: User, now: datetime) -> None:
        """Switch an account off or on again (:func:`db.users.update_active`)."""
        moment_text(now, "now")
        with self._write() as sdb:
            accounts.update_active(sdb, name, active, by=by, now=now)

    # ------------------------------------------------------------ drug library versions and
    # compounded concentrations (db/drug_libraries.py, db/compounded.py)

    @property
    def _reference(self) -> programmes.Reference:
        """The pump catalogue and active drug library stored programmes are read with."""
        return programmes.Reference(self._catalogue, self.library)

    def _active_library(self) -> DrugLibrary:
        """The newest stored library version, else the packaged one
        (:func:`db.drug_libraries.active`). A closed database keeps the last one it had."""
        if not self._closed:
            with self._read() as sdb:
                stored = drug_libraries.active(sdb, self._stored_library)
            if stored is None:
                return self._packaged_library
            self._stored_library = stored
        return self._packaged_library if self._stored_library is None else self._stored_library[1]

    def library_versions(self) -> list[LibraryVersionRecord]:
        """Every imported drug library version, oldest first; the newest is the active one
        (none: the packaged library is)."""
        with self._read() as sdb:
            return drug_libraries.versions(sdb)

    def import_drug_library(
        self, toml_text: str, *, by: User, now: datetime, source: str = "the drug library file"
    ) -> LibraryChange:
        """Make ``toml_text`` the active drug library (:func:`db.drug_libraries.import_library`)."""
        moment_text(now, "now")
        new = drug_libraries.checked_library(toml_text, source)
        with self._write() as sdb:
            return drug_libraries.import_library(
                sdb, toml_text, new, active=self.library, by=by, now=now, source=source
            )

    def confirm_compounded(
        self,
        patient_id: str,
        drug: str,
        concentration_mcg_per_ml: Decimal,
        *,
        reason: str,
        user: User | str,
        now: datetime,
    ) -> CompoundedConfirmation:
        """Confirm a compounded concentration for the patient (:func:`db.compounded.confirm`)."""
        audited.check_user(user.name if isinstance(user, User) else user, now)
        patients.checked_text(reason, "reason", MAX_REASON)
        conc = checked_decimal(concentration_mcg_per_ml, "concentration_mcg_per_ml", positive=True)
        with self._write() as sdb:
            return compounded.confirm(
                sdb, patient_id, drug, conc, reason=reason, user=user, now=now, library=self.library
            )

    def compounded_confirmations(self, patient_id: str) -> list[CompoundedConfirmation]:
        """The patient's confirmed compounded concentrations, oldest first."""
        with self._read() as sdb:
            patients.patient_num(sdb, patient_id)
            return compounded.confirmations(sdb, patient_id)

    # ------------------------------------------------------------ clinic settings
    # (db/clinic_settings.py)

    @property
    def clinic_settings(self) -> ClinicSettings:
        """The active clinic settings: the newest version an administrator stored (looked up on
        every use, so a change made in another window applies at once), else the defaults."""
        if self._closed:
            return self._settings
        with self._read() as sdb:
            return self._settings_in(sdb, None)

    def _stored_settings(self, sdb: SqliteDatabase) -> ClinicSettings:
        """The active settings for a computation inside a write; settings altered behind the
        console give the defaults there (the check refuses them; verify names the row)."""
        try:
            return self._settings_in(sdb, None)
        except DatabaseError:
            return self._settings

    def _settings_in(self, sdb: SqliteDatabase, at: datetime | None) -> ClinicSettings:
        """The active settings, or with ``at`` the ones in force at that moment."""
        return clinic_settings.in_force(sdb, at, self._settings)

    def clinic_settings_history(self) -> list[ClinicSettingsVersion]:
        """Every stored version of the clinic settings, oldest first; the newest is active
        (none: the program's defaults are)."""
        with self._read() as sdb:
            return clinic_settings.history(sdb)

    def change_clinic_settings(
        self,
        *,
        clinic_name: str,
        refill_margin_days: int | str,
        decimal_separator: str,
        reason: str,
        by: User,
        now: datetime,
    ) -> ClinicSettingsVersion:
        """Store a new version of the clinic settings (:func:`db.clinic_settings.change`); the
        decimal separator applies at once."""
        moment_text(now, "now")
        new = clinic_settings.checked_settings(clinic_name, refill_margin_days, decimal_separator)
        why = patients.checked_text(reason, "reason", clinic_settings.MAX_REASON, blank_ok=True)
        with self._write() as sdb:
            version = clinic_settings.change(
                sdb, new, reason=why, by=by, now=now, defaults=self._settings
            )
        set_decimal_separator(new.decimal_separator)
        return version

    # ------------------------------------------------------------ simulated pumps
    # (db/simulated_pumps.py)
    def simulated_pump(self, patient_id: str, *, now: datetime) -> SimulatedPump | None:
        """The patient's simulated pump brought forward to ``now`` (nothing stored changes), or
        None before its first interrogation."""
        moment_text(now, "now")
        with self._read() as sdb:
            return pumps.read(sdb, patient_id, now=now, reference=self._reference)

    def interrogate_pump(
        self, patient_id: str, *, user: str, now: datetime, running_version: int | None = None
    ) -> SimulatedPump:
        """Read the patient's pump, audited (:func:`db.simulated_pumps.interrogate`)."""
        audited.check_user(user, now)
        with self._write() as sdb:
            return pumps.interrogate(
                sdb,
                patient_id,
                user=user,
                now=now,
                reference=self._reference,
                running_version=running_version,
            )

    def store_pump(
        self,
        patient_id: str,
        pump: SimulatedPump,
        *,
        action: str,
        details: Mapping[str, object],
        user: str,
        now: datetime,
        boluses: tuple[BolusGivenRecord, ...] = (),
    ) -> None:
        """Store what was done to the pump, audited (:func:`db.simulated_pumps.write`)."""
        audited.check_user(user, now)
        with self._write() as sdb:
            pumps.write(
                sdb,
                patient_id,
                pump,
                action=action,
                details=details,
                user=user,
                now=now,
                boluses=boluses,
            )

    def record_refill_visit(
        self,
        patient_id: str,
        refill: RefillRecord,
        *,
        bridge: BolusGivenRecord | None = None,
        bridge_omitted_reason: str = "",
        user: str,
        now: datetime,
    ) -> None:
        """A refill and its bridge decision in one write (:mod:`db.simulated_pumps`)."""
        audited.check_user(user, now)
        with self._write() as sdb:
            pumps.record_refill_visit(
                sdb,
                patient_id,
                refill,
                bridge=bridge,
                omitted_reason=bridge_omitted_reason,
                user=user,
                now=now,
                reference=self._reference,
            )

    # ------------------------------------------------------------ the clinic's worklist
    # (db/worklist.py, programmer/worklist.py)

    def worklist(self, *, now: datetime, days: int = DEFAULT_WORKLIST_DAYS) -> list[WorklistItem]:
        """The patients due within ``days`` of ``now`` (:func:`db.worklist.due`)."""
        moment_text(now, "now")
        with self._read() as sdb:
            stale = worklist.has_stale(sdb)
        if stale:
            with self._write():
                pass  # _write brings the stale figures up to date before it commits
        with self._read() as sdb:
            return worklist.due(sdb, now, days)

    def stopped_pumps(self) -> list[pumps.StoppedPump]:
        """Patients whose pump a cut-off programming session left stopped, by name."""
        with self._read() as sdb:
            return pumps.stopped(sdb)
