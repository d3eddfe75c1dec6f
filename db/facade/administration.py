"""What an administrator looks after, as :class:`db.database.Database` offers it.

The audit trail, its key and the integrity check (:mod:`db.audit`, :mod:`db.audit_key`,
:mod:`db.integrity`), backups and restores (:mod:`db.backup`), drug library versions
(:mod:`db.drug_libraries`) and the clinic settings (:mod:`db.clinic_settings`).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from db import (
    audit,
    audit_key,
    clinic_settings,
    drug_libraries,
    file_guard,
    patients,
    programmes,
)
from db import backup as backups
from db.clinic_settings import ClinicSettingsVersion
from db.errors import (
    DatabaseError,
)
from db.facade.store import Store
from db.local_disk import refuse_network_filesystem
from db.records import (
    AuditEntry,
    LibraryChange,
    LibraryVersionRecord,
    VerifyReport,
)
from db.users import User
from db.values import moment_text
from programmer.units import set_decimal_separator


class AdministrationMethods(Store):
    """The audit trail, backups, drug library versions and clinic settings."""

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

        try:  # the worklist's figures are checked as the refresh makes them
            reference: programmes.Reference | None = self._reference
        except DatabaseError:  # a library altered in the file: named by the record check
            reference = None
        with self._read() as sdb:
            return integrity.verify_database(
                sdb,
                self.path,
                self._database_id,
                expect_head=expect_head,
                reference=reference,
                settings=self._stored_settings(sdb),
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

    @classmethod
    def restore(
        cls,
        backup: str | Path,
        dest: str | Path,
        *,
        overwrite: bool = False,
        now: datetime | None = None,
        by: str | None = None,
    ) -> Path | None:
        """Check ``backup`` (SQLite integrity, audit trail, schema version) and put it in
        place at ``dest``. With ``overwrite``, a database already at ``dest`` is renamed aside,
        never deleted, and that name is returned; close every window using it first. The
        restored database's trail then says so (:meth:`_record_restore`), ``by`` whom."""
        refuse_network_filesystem(Path(dest).expanduser().absolute())
        moment = now or datetime.now()
        replaced = backups.head_of(Path(dest)) if Path(dest).exists() else None
        kept = backups.restore(Path(backup), Path(dest), overwrite=overwrite, now=moment)
        file_guard.anchor_restored(Path(dest).expanduser().absolute(), moment)
        try:
            with cls.open(dest, create=False, now=moment) as restored:
                restored._record_restore(Path(backup), replaced, kept, by=by, now=moment)
        except DatabaseError as exc:  # the file is in place: say so, and what was not done
            aside = "" if kept is None else f" (the database it replaced is kept as {kept})"
            raise DatabaseError(
                f"{backup} was restored to {dest}{aside}, but the restore could not be "
                f"recorded in its audit trail: {exc}"
            ) from None
        return kept

    def _record_restore(
        self,
        backup: Path,
        replaced: tuple[int, str] | None,
        kept: Path | None,
        *,
        by: str | None,
        now: datetime,
    ) -> None:
        """An entry in the restored trail naming the backup, the head it brought back and the
        head of the database it replaced, and where that one is kept (product.md, "Users and
        records": every change is in the audit trail; "Records and files": a replaced database
        is always kept): once the kept file is gone, the saves the restore took back are still
        named in the database that carries on."""
        with self._write() as sdb:
            seq, digest = file_guard.audit_head(sdb)
            audit.append(
                sdb,
                seq=audit.next_seq(sdb),
                at=now,
                user=by or audit.SYSTEM_USER,
                action="database.restored",
                patient_id=None,
                details={
                    "backup": str(backup.expanduser().absolute()),
                    "backup_head": {"seq": seq, "hash": digest},
                    "replaced_head": (
                        None if replaced is None else {"seq": replaced[0], "hash": replaced[1]}
                    ),
                    "replaced_kept_as": None if kept is None else str(kept),
                },
            )

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
