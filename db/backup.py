"""Backups and restores (issue 3: "Backup (online, consistent, to a file the user picks) and
restore").

A backup is taken with SQLite's online backup API from a read snapshot, so windows may keep
working meanwhile, into a temporary file beside the destination that is synced and only then
renamed into place: a backup file is complete or absent, never half written. The copy is turned
into a single self-contained file (rollback journal instead of WAL) that can be moved anywhere.
"""

from __future__ import annotations

import os
import sqlite3
from datetime import datetime
from pathlib import Path

from sqlite_utils import Database as SqliteDatabase

from db import audit, migrations
from db.connection import (
    APPLICATION_ID,
    SQLITE_MAGIC,
    connect_read_only,
    sync_folder,
    translate,
)
from db.errors import BackupError, DatabaseError


def same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def _sibling_files(path: Path) -> list[Path]:
    return [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]


def copy_database(
    conn: sqlite3.Connection, dest: Path, source: Path, *, overwrite: bool = False
) -> None:
    """Copy the database open on ``conn`` (the file ``source``) to ``dest``, atomically."""
    dest = Path(dest)
    if any(same_file(dest, s) for s in _sibling_files(source)) or (
        dest.absolute() in [s.absolute() for s in _sibling_files(source)]
    ):
        raise BackupError(
            f"{dest} is the database itself (or one of its journal files): choose another file "
            "for the backup"
        )
    if dest.is_dir():
        raise BackupError(f"{dest} is a folder: give the backup a file name")
    if dest.exists() and not overwrite:
        raise BackupError(f"{dest} already exists; choose a new file name (nothing was written)")
    if not dest.parent.is_dir():
        raise BackupError(f"{dest}: the folder {dest.parent} does not exist")
    temp = dest.with_name(f".{dest.name}.{os.getpid()}.partial")
    try:
        # Created first, owner-only like the database: a backup holds the same clinical data.
        os.close(os.open(temp, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, 0o600))
        target = sqlite3.connect(temp)
        try:
            conn.backup(target)
            target.execute("PRAGMA journal_mode = DELETE")
            target.commit()
        finally:
            target.close()
        with open(temp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(temp, dest)
        sync_folder(dest.parent)
    except sqlite3.Error as exc:
        raise BackupError(
            f"the backup to {dest} failed ({translate(exc, source)}); nothing was written there"
        ) from None
    except OSError as exc:
        raise BackupError(
            f"the backup to {dest} failed ({exc.strerror or exc}); nothing was written there"
        ) from None
    finally:
        for leftover in [*_sibling_files(temp), temp.with_name(temp.name + "-journal")]:
            if leftover.exists():
                leftover.unlink()


def check_backup(path: Path) -> list[str]:
    """Problems that make ``path`` unfit to restore (empty list: fit). Opened read-only."""
    path = Path(path)
    try:
        with open(path, "rb") as handle:
            header = handle.read(100)
    except OSError as exc:
        return [f"{path} cannot be read ({exc.strerror or exc})"]
    if not header.startswith(SQLITE_MAGIC):
        return [f"{path} is not a console database backup (not an SQLite file)"]
    try:
        conn = connect_read_only(path)
    except DatabaseError as exc:
        return [str(exc)]
    try:
        sdb = SqliteDatabase(conn, execute_plugins=False, recursive_triggers=False)
        application_id = int(conn.execute("PRAGMA application_id").fetchone()[0])
        if application_id != APPLICATION_ID:
            return [f"{path} is an SQLite file of another program, not a console backup"]
        version = migrations.user_version(sdb)
        if version > migrations.schema_version():
            return [
                f"{path} was written by a newer version of the console (schema {version}); "
                "restore it with that version"
            ]
        problems = [
            f"{path}: {row[0]}"
            for row in conn.execute("PRAGMA integrity_check").fetchall()
            if row[0] != "ok"
        ]
        if problems:
            return problems
        chain, _, _ = audit.chain_problems(sdb)
        records = audit.record_problems(sdb, migrations.RECORD_TABLES)
        return [f"{path}: {p}" for p in chain + records]
    except sqlite3.Error as exc:
        return [str(translate(exc, path))]
    finally:
        conn.close()


def restore(backup: Path, dest: Path, *, overwrite: bool = False, now: datetime) -> Path | None:
    """Put the checked ``backup`` in place at ``dest``. An existing database there is kept,
    renamed ``<name>.before-restore-<time><suffix>`` (returned), never deleted; it must not be
    open in any window meanwhile."""
    backup, dest = Path(backup), Path(dest)
    if same_file(backup, dest):
        raise BackupError(f"{backup} is the database itself; choose a backup file to restore")
    problems = check_backup(backup)
    if problems:
        raise BackupError(
            f"{backup} cannot be restored: {problems[0]}"
            + (f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else "")
        )
    if dest.is_dir():
        raise BackupError(f"{dest} is a folder: name the database file to restore to")
    kept: Path | None = None
    temp = dest.with_name(f".{dest.name}.{os.getpid()}.restoring")
    source = connect_read_only(backup)
    try:
        copy_database(source, temp, backup, overwrite=True)
    finally:
        source.close()
    try:
        if dest.exists():
            if not overwrite:
                raise BackupError(
                    f"{dest} already exists; confirm that it should be replaced (it is kept "
                    "under another name), or restore to a new file"
                )
            _settle(dest)
            kept = dest.with_name(f"{dest.stem}.before-restore-{now:%Y%m%dT%H%M%S}{dest.suffix}")
            os.replace(dest, kept)
        os.replace(temp, dest)
        sync_folder(dest.parent)
    finally:
        if temp.exists():
            temp.unlink()
    return kept


def _settle(path: Path) -> None:
    """Fold any write-ahead log into ``path`` and make sure nobody has it open, so the file can
    be moved aside whole (a stray ``-wal`` must never be applied to the restored file)."""
    try:
        conn = sqlite3.connect(f"file:{path.absolute()}?mode=rw", uri=True, timeout=1.0)
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise BackupError(
            f"{path} cannot be replaced now ({translate(exc, path)}); close every window using "
            "it and try again"
        ) from None
    for journal in _sibling_files(path)[1:]:
        if journal.exists():
            raise BackupError(
                f"{path} is still open in another window or program ({journal.name} exists); "
                "close it and try again. Nothing was changed."
            )
