"""Drug library versions kept in the database (product.md: limits "editable by an administrator,
versioned, with the version recorded in each saved programme").

An administrator imports a library as TOML text; it is checked with the engine's own loader
(:func:`programmer.drug_library.drug_library_from_text`) before anything is written, and again
whenever it is read back. The newest stored version is the active one; with none stored, the
program's packaged library applies. Rows are never changed or deleted: going back to an older
library is a new import under a new version string.

The rules a change must pass live here, and the audited import (:func:`import_library`: the
acting administrator checked against the accounts, the audit entry written) in the caller's
write transaction (:class:`db.database.Database` holds it).
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlite_utils import Database as SqliteDatabase

from db import audit
from db import users as accounts
from db.errors import DatabaseError
from db.records import LibraryChange, LibraryVersionRecord
from db.users import User
from db.values import moment_from, moment_text
from programmer.drug_library import DrugLibrary, drug_library_from_text, library_changes
from programmer.errors import ReferenceDataError
from programmer.library_bounds import library_problems

MAX_LIBRARY_CHARS = 1_000_000  # far above any real library; a bound on what is stored
MAX_VERSION = 64


class LibraryImportError(DatabaseError):
    """A drug library was refused (not valid, or not acceptable as the next version); the
    message names the problem. Nothing was changed."""


def checked_library(text: str, source: str) -> DrugLibrary:
    """``text`` as a drug library, or a :class:`LibraryImportError` naming ``source`` and what
    is wrong (the same checks as the packaged library, unknown keys refused)."""
    if not isinstance(text, str) or not text.strip():
        raise LibraryImportError(f"{source} is empty. The drug library was not changed.")
    if len(text) > MAX_LIBRARY_CHARS:
        raise LibraryImportError(
            f"{source} is longer than {MAX_LIBRARY_CHARS} characters: not a drug library. The "
            "drug library was not changed."
        )
    try:
        library = drug_library_from_text(text, source)
    except ReferenceDataError as exc:
        raise LibraryImportError(f"{exc}. The drug library was not changed.") from None
    implausible = library_problems(library)
    if implausible:
        raise LibraryImportError(
            f"{source}: {implausible[0]}"
            + (f" (and {len(implausible) - 1} more)" if len(implausible) > 1 else "")
            + ". The bounds are in programmer/data/drug_library_bounds.toml. The drug library "
            "was not changed."
        )
    version = library.version
    if len(version) > MAX_VERSION or not version.isprintable() or version != version.strip():
        raise LibraryImportError(
            f"{source}: 'version' must be at most {MAX_VERSION} printable characters without "
            "spaces at either end. The drug library was not changed."
        )
    return library


def check_successor(sdb: SqliteDatabase, new: DrugLibrary, active: DrugLibrary) -> None:
    """``new`` may follow ``active``: its version string is new (a version names one set of
    limits, since every saved programme records it), and it keeps every drug ``active`` has
    (stored programmes and refills name them)."""
    taken = sdb.execute("SELECT 1 FROM drug_library WHERE version = ?", [new.version]).fetchone()
    if taken is not None:
        raise LibraryImportError(
            f"drug library version '{new.version}' was imported before: give the changed "
            "library a new version string. The drug library was not changed."
        )
    if new.version == active.version and new != active:
        raise LibraryImportError(
            f"drug library version '{new.version}' is the active library's version, with other "
            "limits: give the changed library a new version string. The drug library was not "
            "changed."
        )
    dropped = sorted(set(active.drugs) - set(new.drugs))
    if dropped:
        raise LibraryImportError(
            f"the library leaves out {', '.join(dropped)}, which the active library "
            f"({active.version}) has and saved programmes may name: keep every drug. The drug "
            "library was not changed."
        )


def newest(sdb: SqliteDatabase) -> tuple[int, str] | None:
    """The active library's row and TOML text (None: none stored, the packaged one applies)."""
    row = sdb.execute("SELECT id, toml FROM drug_library ORDER BY id DESC LIMIT 1").fetchone()
    return None if row is None else (int(row[0]), str(row[1]))


def read_library(sdb: SqliteDatabase, row_id: int) -> DrugLibrary:
    """A stored library, used only as its audit entry recorded it (a limit edited behind the
    console is never applied) and checked again as it is read."""
    row = audit.stored_row(sdb, "drug_library", row_id)
    version = row["version"]
    entry = sdb.execute("SELECT details FROM audit WHERE seq = ?", [row["audit_seq"]]).fetchone()
    listed = [] if entry is None else json.loads(entry[0]).get("records", [])
    if ["drug_library", row_id, audit.row_hash(row)] not in listed:
        raise DatabaseError(
            f"stored drug library version {version} does not match what its audit entry "
            "recorded: it was altered behind the console and is not used. Run verify; nothing "
            "can be checked or saved until an administrator imports the library again."
        )
    try:
        library = drug_library_from_text(row["toml"], f"stored drug library version {version}")
    except ReferenceDataError as exc:
        raise DatabaseError(
            f"{exc}. The database's drug library cannot be used by this program: nothing can be "
            "checked or saved until an administrator imports a valid one."
        ) from None
    if library.version != version:
        raise DatabaseError(
            f"stored drug library version {version} holds version '{library.version}': the "
            "database was altered. Run verify."
        )
    return library


def insert(
    sdb: SqliteDatabase, text: str, library: DrugLibrary, *, by: str, now: datetime, audit_seq: int
) -> int:
    cursor = sdb.execute(
        "INSERT INTO drug_library (version, toml, imported_at, imported_by, audit_seq) "
        "VALUES (?, ?, ?, ?, ?)",
        [library.version, text, moment_text(now, "now"), by, audit_seq],
    )
    return int(cursor.lastrowid or 0)


def versions(sdb: SqliteDatabase) -> list[LibraryVersionRecord]:
    """Every stored version, oldest first; the newest is marked active."""
    rows = sdb.execute(
        "SELECT version, imported_at, imported_by, toml FROM drug_library ORDER BY id"
    ).fetchall()
    return [
        LibraryVersionRecord(
            version=version,
            imported_at=moment_from(at),
            imported_by=by,
            active=i == len(rows) - 1,
            toml_text=text,
        )
        for i, (version, at, by, text) in enumerate(rows)
    ]


def active(
    sdb: SqliteDatabase, cached: tuple[str, DrugLibrary] | None
) -> tuple[str, DrugLibrary] | None:
    """The newest stored version as (its text, the library), looked up on every use so a
    version imported by another window applies at once, and checked and parsed again only when
    its text differs from ``cached``'s; None while none is stored (the packaged one applies)."""
    stored = newest(sdb)
    if stored is None:
        return None
    row, text = stored
    if cached is not None and cached[0] == text:
        return cached
    return text, read_library(sdb, row)


def import_library(
    sdb: SqliteDatabase,
    toml_text: str,
    new: DrugLibrary,
    *,
    active: DrugLibrary,
    by: User,
    now: datetime,
    source: str,
) -> LibraryChange:
    """Store ``new`` (``toml_text`` as :func:`checked_library` read it) as the next version
    after ``active``: administrators only, checked against the accounts now; it must carry a
    version string not used before and keep every drug of ``active``
    (:func:`check_successor`), else :class:`LibraryImportError` and nothing changes. Audited as
    ``library.changed`` with what differs from the library it replaces."""
    acting = accounts.require_administrator(sdb, by, manages="the drug library")
    check_successor(sdb, new, active)
    changes = library_changes(active, new)
    seq = audit.next_seq(sdb)
    rowid = insert(sdb, toml_text, new, by=acting, now=now, audit_seq=seq)
    audit.append(
        sdb,
        seq=seq,
        at=now,
        user=acting,
        action="library.changed",
        patient_id=None,
        details={
            "version": new.version,
            "previous_version": active.version,
            "changes": list(changes) or ["no limit differs"],
            "source": source,
        },
        records=[("drug_library", rowid)],
    )
    return LibraryChange(new.version, active.version, changes, now, acting)
