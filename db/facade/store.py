"""The lifecycle of an open console database, under every part of :class:`db.database.Database`.

One SQLite file, opened through sqlite-utils, in WAL mode with foreign keys on and durable
(``synchronous = FULL``) commits. Every write is one ``BEGIN IMMEDIATE`` transaction that also
appends its audit entry, so after a crash the file holds each write completely or not at all, and
two windows never interleave their writes. Here: opening (which file may be opened or made,
:mod:`db.file_guard`; the schema, :mod:`db.migrations`), closing, the read and write
transactions, the file's identity checked around each write, the workstation's anchor, and what
every check is read against (the pump catalogue, the active drug library, the clinic settings).
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Self

from sqlite_utils import Database as SqliteDatabase

from db import (
    anchor,
    audit,
    clinic_settings,
    drug_libraries,
    file_guard,
    migrations,
    programmes,
    worklist,
)
from db import backup as backups
from db.connection import (
    DEFAULT_TIMEOUT_S,
    FileKind,
    FileState,
    inspect_file,
    translate,
)
from db.errors import (
    DatabaseError,
    NotADatabaseError,
)
from db.file_guard import file_identity
from db.local_disk import refuse_network_filesystem
from programmer.drug_library import DrugLibrary, default_drug_library
from programmer.projection import ClinicSettings
from programmer.pump_catalogue import PumpCatalogue, default_pump_catalogue
from programmer.units import set_decimal_separator


class Store:
    """An open console database's file, transactions and reference data (use :meth:`open`)."""

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
        # Told (once each time it starts) when a write committed but the anchor could not record
        # its head (:meth:`anchor_lag`): the window warns the person who saved.
        self.on_anchor_lag: Callable[[str], None] | None = None

    @classmethod
    def open(
        cls,
        path: str | Path,
        *,
        create: bool = True,
        on_create: Callable[[Self, datetime], None] | None = None,
        now: datetime | None = None,
        timeout: float = DEFAULT_TIMEOUT_S,
        catalogue: PumpCatalogue | None = None,
        library: DrugLibrary | None = None,
        settings: ClinicSettings | None = None,
    ) -> Self:
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
        on_create: Callable[[Self, datetime], None] | None,
        moment: datetime,
        timeout: float,
        catalogue: PumpCatalogue | None = None,
        library: DrugLibrary | None = None,
        settings: ClinicSettings | None = None,
        anchored: bool = True,
    ) -> Self:
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

    @staticmethod
    def default_path() -> Path:
        """The per-user default database file (platformdirs' user data folder)."""
        from db import location  # platformdirs: not needed to open a named file

        return location.default_path()

    def close(self) -> None:
        if not self._closed:
            if self._database_id is not None and self.anchor_lag() is not None:
                # A head the anchor could not record: one more try while the connection is
                # open, unless the file at the path is no longer this one.
                with contextlib.suppress(DatabaseError, sqlite3.Error):
                    self._check_same_file(before=True)
                    self._remember_head(datetime.now())
            self._closed = True
            self._sdb.close()

    def anchor_lag(self) -> str | None:
        """What the workstation's anchor could not record of this database, or None
        (:func:`db.anchor.lag`): the command line and the window warn with it."""
        if self._database_id is None:
            return None
        return anchor.lag(self._database_id, self.path)

    def __enter__(self) -> Self:
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
            worklist.refresh(sdb, self._reference, self._stored_settings(sdb))
            sdb.execute("COMMIT")
        except sqlite3.Error as exc:
            self._rollback()
            raise translate(exc, self.path) from None
        except BaseException:
            self._rollback()
            raise
        self.writes += 1
        self._check_same_file(before=False)
        lagging = self.anchor_lag() is not None
        self._remember_head(datetime.now())
        lag = self.anchor_lag()
        if lag is not None and not lagging and self.on_anchor_lag is not None:
            self.on_anchor_lag(lag)

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
