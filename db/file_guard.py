"""The database file itself: which file may be opened or made, making one whole, telling the file
a connection holds from another put at its path, and keeping the workstation's anchor (the head
it last saw, :mod:`db.anchor`) in step.

Only a console database, or a blank SQLite file, is opened; only a missing file where this
workstation has seen no database becomes a new one, built beside its path and linked into place
(product.md, "Records and files"). A file deleted or replaced under an open connection, its
``-wal`` too, takes every later write with it, so each write is checked before and after.
"""

from __future__ import annotations

import logging
import os
import secrets
import sqlite3
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from sqlite_utils import Database as SqliteDatabase

from db import anchor, audit, migrations
from db.connection import (
    APPLICATION_ID,
    FileKind,
    FileState,
    check_writable,
    connect,
    connect_read_only,
    create_empty_file,
    sync_folder,
    translate,
)
from db.errors import DatabaseError, NotADatabaseError

Identity = tuple[int, int]
Head = tuple[int, str]


def file_identity(path: Path) -> Identity | None:
    """(device, inode) of the file at ``path`` (on Windows the volume and file index), None
    when there is none: tells the file a connection holds from another put at its path."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_dev, info.st_ino


def check_same_file(
    path: Path, identity: Identity | None, wal_identity: Identity | None, *, before: bool
) -> None:
    """The file a connection writes is still the one at ``path`` (``identity``), and so is its
    ``-wal`` (product.md: the window "checks before and after every write that the file it
    holds is still the one at its path, and never reports a save that did not reach it").
    ``before``: checked before the write (nothing saved) or after it (not saved there)."""
    wal = Path(f"{path}-wal")
    now_file, now_wal = file_identity(path), file_identity(wal)
    if now_file == identity and (wal_identity is None or now_wal == wal_identity):
        return
    what = f"the database file {path}" if now_file != identity else f"its journal file {wal}"
    gone = (
        "was deleted"
        if (now_file if now_file != identity else now_wal) is None
        else ("was replaced by another file")
    )
    outcome = (
        "Nothing was saved."
        if before
        else "What was just done did NOT reach the database at that path."
    )
    raise DatabaseError(
        f"{what} {gone} while the console held it open. {outcome} Keep this window open "
        "(what you entered is still here), close the other windows on this database, and "
        "restore it from a backup or ask an administrator before going on."
    )


def refuse_vanished(path: Path) -> None:
    """A missing file where this workstation has seen a database is damage, not a new one."""
    seen = anchor.seen_at_path(path)
    if seen is not None:
        raise NotADatabaseError(
            f"{path}: the database this workstation last saw here (at {seen.seen_at}, audit "
            f"entry {seen.seq}) is gone, so no new one was made in its place. Restore it from "
            "a backup (itb-console restore); to start a new database, choose a new file name."
        )


def refuse_foreign(path: Path, application_id: int, version: int, *, has_tables: bool) -> None:
    """Only a console database, or a blank SQLite file (schema 0, no tables), may be opened;
    and not one newer than this program."""
    if (
        application_id not in (0, APPLICATION_ID)
        or (application_id == 0 and version != 0)
        or (version == 0 and has_tables)
    ):
        raise NotADatabaseError(
            f"{path} is an SQLite database of another program, not a console database; it was "
            "left as it is. Choose another file."
        )
    migrations.check_not_newer(version, path)


def connect_checked(path: Path, state: FileState, *, timeout: float) -> sqlite3.Connection:
    """A connection to the console database at ``path``, in WAL mode, refused (and closed)
    when it is another program's file or a newer console's: first from the header, without
    opening it, then through SQLite, which also sees a write-ahead log, before anything is
    written."""
    if state.kind is FileKind.SQLITE:
        refuse_foreign(path, state.application_id, state.user_version, has_tables=False)
    check_writable(path)
    conn = connect(path, timeout=timeout)
    try:
        sdb = SqliteDatabase(conn, execute_plugins=False)
        refuse_foreign(
            path,
            int(sdb.execute("PRAGMA application_id").fetchone()[0]),
            migrations.user_version(sdb),
            has_tables=sdb.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchone() is not None,
        )
        if sdb.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            sdb.execute("PRAGMA journal_mode = WAL")
    except sqlite3.Error as exc:
        conn.close()
        raise translate(exc, path) from None
    except BaseException:
        conn.close()
        raise
    return conn


def create_whole(path: Path, build: Callable[[Path], None]) -> None:
    """Make a new database at ``path`` whole or not at all: ``build(temp)`` makes it in an
    exclusive temporary file beside it, which is then linked into place (never over a file
    another window created meanwhile, which is then the one used). A kill while creating
    leaves no 0-byte or half-made file at ``path``."""
    temp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.creating")
    if not create_empty_file(temp):
        raise DatabaseError(f"{path} cannot be created: {temp} is in the way")
    try:
        build(temp)
        try:
            os.link(temp, path)
        except FileExistsError:
            pass  # another window created it first: that one is opened
        except OSError:
            if not path.exists():  # a file system without hard links
                os.replace(temp, path)
        sync_folder(path.parent)
    finally:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{temp}{suffix}").unlink(missing_ok=True)


def audit_head(sdb: SqliteDatabase) -> Head:
    """The newest audit entry's number and hash."""
    seq, digest = sdb.execute("SELECT seq, hash FROM audit_head WHERE one = 1").fetchone()
    return int(seq), str(digest)


def remember_head(
    sdb: SqliteDatabase, database_id: str, path: Path, remembered: Head | None, now: datetime
) -> Head | None:
    """Tell the workstation's anchor the newest entry this connection sees, unless the anchor
    already knows a later one, or one this trail does not continue (a rollback or a rewrite:
    kept as it is, so verify can name it). ``remembered`` is the head last given; returns the
    head given now (``remembered`` when nothing was given)."""
    head = audit_head(sdb)
    if head == remembered:
        return remembered
    try:
        seen = anchor.last_seen(database_id, path)
        if seen is None and anchor.seen_at_path(path) is not None:
            return remembered  # another database was seen here: kept, so verify can say so
        if seen is not None and (seen.seq, seen.hash) != head:
            if seen.seq > head[0]:
                return remembered
            row = sdb.execute("SELECT hash FROM audit WHERE seq = ?", [seen.seq]).fetchone()
            if row is None or row[0] != seen.hash:
                return remembered
        anchor.record_seen(database_id, path, head[0], head[1], now)
    except DatabaseError as exc:
        # The write itself committed (a save is never lost for the anchor's sake); the anchor
        # lags, which verify names and the command line and the window warn of
        # (:func:`db.anchor.lag`); every later write, opening and the closing try again.
        logging.getLogger(__name__).warning("the audit head was not recorded: %s", exc)
        anchor.note_unrecorded(database_id, path, head[0], head[1], str(exc))
        return remembered
    anchor.note_recorded(database_id, path)
    return head


def anchor_restored(path: Path, now: datetime) -> None:
    """A backup restored on purpose: the anchor starts again from the restored trail's head
    (an older head than the one seen is the point of a restore, not a rollback to report)."""
    conn = connect_read_only(path)
    try:
        sdb = SqliteDatabase(conn, execute_plugins=False)
        database_id = audit.database_id(sdb)
        head = None if database_id is None else audit_head(sdb)
    except sqlite3.Error:
        database_id = None
    finally:
        conn.close()
    if database_id is None or head is None:  # an older schema: its anchor comes when opened
        anchor.forget_path(path)
        return
    anchor.reset_seen(database_id, path, head[0], head[1], now)
