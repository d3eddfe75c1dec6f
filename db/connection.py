"""Opening the database file safely, and turning SQLite's errors into ones a person can act on.

Before SQLite is let near a file we read its header ourselves: a file that is not SQLite,
another program's database, or one written by a newer console is refused without being opened,
so nothing can be overwritten or "repaired" behind the user's back. Only a missing file is ever
made a new database (built beside it and linked into place whole, db/file_guard.py); a 0-byte file
is a database truncated or never written, and is refused (product.md, "Records and files").
"""

from __future__ import annotations

import os
import sqlite3
import stat
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from db.errors import (
    DatabaseError,
    DatabaseLockedError,
    DatabaseReadOnlyError,
    NotADatabaseError,
)

SQLITE_MAGIC = b"SQLite format 3\x00"
HEADER_BYTES = 100
# PRAGMA application_id of a console database: "ITBC" in ASCII. Tells our files from any other
# program's SQLite database (and is how `file` recognises them).
APPLICATION_ID = 0x49544243
DEFAULT_TIMEOUT_S = 5.0
CACHE_KIB = 32_768  # SQLite's page cache per connection (its default is 2 MB)


class FileKind(Enum):
    MISSING = "missing"
    EMPTY = "empty"
    SQLITE = "sqlite"


@dataclass(frozen=True, slots=True)
class FileState:
    kind: FileKind
    user_version: int = 0
    application_id: int = 0


def inspect_file(path: Path) -> FileState:
    """What is at ``path``, from the file header alone (SQLite file format, section 1.3)."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return FileState(FileKind.MISSING)
    except OSError as exc:
        raise DatabaseError(f"{path}: cannot be reached ({_os_words(exc)})") from None
    if stat.S_ISDIR(info.st_mode):
        raise NotADatabaseError(f"{path} is a folder, not a database file")
    if not stat.S_ISREG(info.st_mode):
        raise NotADatabaseError(f"{path} is not a regular file, so not a database")
    if info.st_size == 0:
        return FileState(FileKind.EMPTY)
    try:
        with open(path, "rb") as handle:
            header = handle.read(HEADER_BYTES)
    except PermissionError:
        raise NotADatabaseError(
            f"{path} cannot be read (permission denied): ask an administrator for access"
        ) from None
    except OSError as exc:
        raise NotADatabaseError(f"{path} cannot be read ({_os_words(exc)})") from None
    if len(header) < HEADER_BYTES or not header.startswith(SQLITE_MAGIC):
        raise NotADatabaseError(
            f"{path} is not a console database (not an SQLite file); it was left as it is. "
            "Choose another file, or restore the database from a backup."
        )
    return FileState(
        FileKind.SQLITE,
        user_version=int.from_bytes(header[60:64], "big", signed=True),
        application_id=int.from_bytes(header[68:72], "big", signed=False),
    )


def check_writable(path: Path) -> None:
    """Refuse a file (or folder) we may not write: WAL mode needs to create the ``-wal`` and
    ``-shm`` files beside it. A file with no write permission bit at all is read-only even for
    an administrator account that could override it."""
    folder = path.parent
    if path.exists():
        mode = path.stat().st_mode
        if not os.access(path, os.W_OK) or not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
            raise DatabaseReadOnlyError(
                f"{path} is read-only, so nothing could be saved in it; it was left as it is. "
                "Make it writable, or copy it to a folder where you can write."
            )
    if not os.access(folder, os.W_OK | os.X_OK):
        raise DatabaseReadOnlyError(
            f"{path}: its folder {folder} cannot be written (the database needs to keep its "
            "journal files beside it). Choose a folder where you can write."
        )


def connect(path: Path, *, timeout: float = DEFAULT_TIMEOUT_S) -> sqlite3.Connection:
    """A connection to an existing file (``mode=rw``: SQLite may never create one itself) with
    the settings every console connection uses."""
    uri = "file:" + _uri_path(path) + "?mode=rw"
    try:
        conn = sqlite3.connect(uri, uri=True, timeout=timeout)
    except sqlite3.Error as exc:
        raise translate(exc, path) from None
    try:
        # Durable commits: in WAL mode FULL syncs the log at every commit, so a save the user
        # was told about survives a power cut (product.md, "Nothing lost").
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA fullfsync = ON")  # macOS: flush the drive's cache too
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
    except sqlite3.Error as exc:
        conn.close()
        raise translate(exc, path) from None
    return conn


def connect_read_only(path: Path) -> sqlite3.Connection:
    """A connection that cannot write (for checking a backup before it is restored)."""
    uri = "file:" + _uri_path(path) + "?mode=ro"
    try:
        return sqlite3.connect(uri, uri=True, timeout=DEFAULT_TIMEOUT_S)
    except sqlite3.Error as exc:
        raise translate(exc, path) from None


def _uri_path(path: Path) -> str:
    text = str(path.absolute())
    for char, escape in (("%", "%25"), ("?", "%3f"), ("#", "%23")):
        text = text.replace(char, escape)
    return text


def translate(exc: BaseException, path: Path) -> DatabaseError:
    """A sqlite3 (or OS) error as a DatabaseError naming the file and the way out."""
    message = str(exc)
    lowered = message.lower()
    code = getattr(exc, "sqlite_errorname", "")
    if "locked" in lowered or "busy" in lowered or code.startswith("SQLITE_BUSY"):
        return DatabaseLockedError(
            f"{path} is in use by another program or window that is still writing to it "
            "(database is locked). Wait a moment and try again, or close the other program."
        )
    if (
        "not a database" in lowered
        or "malformed" in lowered
        or code.startswith("SQLITE_CORRUPT")
        or code.startswith("SQLITE_NOTADB")
    ):
        return NotADatabaseError(
            f"{path} is damaged ({message}); it was left as it is. Restore the database from "
            "a backup (itb-console restore), and keep the damaged file for inspection."
        )
    if "readonly" in lowered or "read-only" in lowered or code.startswith("SQLITE_READONLY"):
        return DatabaseReadOnlyError(
            f"{path} cannot be written ({message}). Make the file and its folder writable."
        )
    if isinstance(exc, OSError):
        return DatabaseError(f"{path}: {_os_words(exc)}")
    if (
        "disk i/o" in lowered
        or "is full" in lowered
        or code.startswith(("SQLITE_IOERR", "SQLITE_FULL"))
    ):
        return DatabaseError(
            f"{path}: the disk refused the write ({message}). Check the free space and the "
            "drive; nothing was saved."
        )
    return DatabaseError(f"{path}: {message}")


def _os_words(exc: OSError) -> str:
    return exc.strerror or str(exc)


def create_empty_file(path: Path) -> bool:
    """Create ``path`` as an empty file if nothing is there (True), never replacing one another
    process created meanwhile (False). The folder entry is synced so the file survives a crash."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DatabaseError(
            f"{path} cannot be created: its folder {path.parent} cannot be made ({_os_words(exc)})"
        ) from None
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return False
    except PermissionError:
        raise DatabaseReadOnlyError(
            f"{path} cannot be created: no permission to write in {path.parent}. Choose a "
            "folder where you can write."
        ) from None
    except OSError as exc:
        raise DatabaseError(f"{path} cannot be created ({_os_words(exc)})") from None
    os.close(fd)
    sync_folder(path.parent)
    return True


def sync_folder(folder: Path) -> None:
    """fsync a folder so a file created or renamed in it is still there after a power cut."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return  # e.g. Windows: folders cannot be opened; NTFS journals the entry itself
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
