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
import tempfile
from datetime import datetime
from pathlib import Path

from sqlite_utils import Database as SqliteDatabase

from db import audit_check, migrations
from db.connection import (
    APPLICATION_ID,
    SQLITE_MAGIC,
    connect_read_only,
    sync_folder,
    translate,
)
from db.errors import BackupError, DatabaseError
from programmer.files import FileProblem, check_regular_input, write_output


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
    """Copy the database open on ``conn`` (the file ``source``) to ``dest``, atomically, through
    programmer/files.py: never onto the database or its journal files, nor a device, FIFO or
    folder; an existing file only with ``overwrite``; the copy is made in a temporary file
    created exclusively beside ``dest`` (owner-only: a backup holds the same clinical data)."""
    dest = Path(dest)

    def produce(temporary: Path) -> None:
        target = sqlite3.connect(temporary)
        try:
            conn.backup(target)
            target.execute("PRAGMA journal_mode = DELETE")
            target.commit()
        finally:
            target.close()

    try:
        write_output(dest, produce, force=overwrite, protected=[source])
    except FileProblem as exc:
        if "is the database" in exc.reason:
            raise BackupError(
                f"{dest} is the database itself (or one of its journal files): choose another "
                "file for the backup"
            ) from None
        raise BackupError(f"the backup to {exc}") from None
    except sqlite3.Error as exc:
        raise BackupError(
            f"the backup to {dest} failed ({translate(exc, source)}); nothing was written there"
        ) from None
    except OSError as exc:
        raise BackupError(
            f"the backup to {dest} failed ({exc.strerror or exc}); nothing was written there"
        ) from None


def check_backup(path: Path) -> list[str]:
    """Problems that make ``path`` unfit to restore (empty list: fit). Opened read-only."""
    path = Path(path)
    try:
        # A regular file (a FIFO would hang SQLite), read only as far as its header here.
        check_regular_input(path, what="console database backup")
        with open(path, "rb") as handle:
            header = handle.read(100)
    except FileProblem as exc:
        return [str(exc)]
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
        chain, _, _ = audit_check.chain_problems(sdb)
        records = audit_check.record_problems(sdb, migrations.RECORD_TABLES)
        return [f"{path}: {p}" for p in chain + records]
    except sqlite3.Error as exc:
        return [str(translate(exc, path))]
    finally:
        conn.close()


def head_of(path: Path) -> tuple[int, str] | None:
    """The newest audit entry (number, hash) of the database at ``path``, read without writing,
    or None when it has none to give (an older schema, not a database)."""
    try:
        conn = connect_read_only(path)
    except (sqlite3.Error, DatabaseError):
        return None
    try:
        row = conn.execute("SELECT seq, hash FROM audit_head WHERE one = 1").fetchone()
    except sqlite3.Error:
        return None
    finally:
        conn.close()
    return None if row is None else (int(row[0]), str(row[1]))


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
    if dest.exists() and not overwrite:
        raise BackupError(
            f"{dest} already exists; confirm that it should be replaced (it is kept under "
            "another name), or restore to a new file"
        )
    kept: Path | None = None
    # The checked copy is made under an unpredictable name beside the database (a planted
    # symlink cannot catch it), then moved into place.
    fd, temp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".restoring", dir=dest.parent)
    os.close(fd)
    temp = Path(temp_name)
    try:
        source = connect_read_only(backup)
        try:
            copy_database(source, temp, backup, overwrite=True)
        finally:
            source.close()
        if dest.exists():
            _settle(dest)
            kept = _keep_aside(dest, now)
        os.replace(temp, dest)
        sync_folder(dest.parent)
    finally:
        if temp.exists():
            temp.unlink()
    return kept


def _keep_aside(dest: Path, now: datetime) -> Path:
    """Keep the database at ``dest`` under a name of its own, never one already used: two
    restores within the same second each keep what they replaced. The kept name is taken with a
    hard link, which fails rather than replace an existing file (``dest`` stays until the caller
    replaces it atomically); where there are no hard links, a checked rename."""
    stamp = f"{now:%Y%m%dT%H%M%S}"
    for n in range(1, 10_000):
        extra = "" if n == 1 else f"-{n}"
        kept = dest.with_name(f"{dest.stem}.before-restore-{stamp}{extra}{dest.suffix}")
        try:
            os.link(dest, kept)
        except FileExistsError:
            continue
        except OSError:  # no hard links here (some filesystems): a checked rename
            if kept.exists():
                continue
            os.replace(dest, kept)
            return kept
        return kept  # dest itself is replaced atomically by the caller
    raise BackupError(f"{dest}: no free name to keep the replaced database; nothing was changed")


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
