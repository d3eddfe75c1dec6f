"""What kind of database a file is: the clinic's (``clinical``) or a trainer's (``training``).

Issue 6, "Training mode": a training database is its own file, never the clinical one, and
training data never enters the clinical database. The kind is stored in ``console_meta`` (schema
2; every database starts ``clinical``). A new, untouched database may be marked ``training``
once, right after it is created; a database with any history (a patient, a user, a programme)
can never change kind, and there is no way back from training to clinical.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from pathlib import Path

from sqlite_utils import Database as SqliteDatabase

from db import audit
from db.errors import DatabaseError


class DatabaseKind(StrEnum):
    CLINICAL = "clinical"
    TRAINING = "training"


class WrongDatabaseKindError(DatabaseError):
    """The database is not of the kind asked for: a training database opened as the clinic's,
    the clinic's opened for training, or a trainer logging into the clinical database."""


def read_kind(sdb: SqliteDatabase) -> DatabaseKind:
    """The kind stored in the database; anything unexpected is refused, never guessed."""
    row = sdb.execute("SELECT value FROM console_meta WHERE key = 'kind'").fetchone()
    if row is None:
        raise DatabaseError(
            "the database does not say whether it is clinical or for training (console_meta "
            "has no 'kind'): it may have been edited by hand; restore it from a backup"
        )
    # A plain UPDATE relabelling the clinic's database as training is refused here, where the
    # kind is used, not only by verify (db/audit.py: the kind is in the keyed chain).
    audit.confirm_row(sdb, "console_meta", "kind", "the database kind (clinical or training)")
    try:
        return DatabaseKind(row[0])
    except ValueError:
        raise DatabaseError(
            f"the database says it is of kind '{row[0]}', which this console does not know: it "
            "may have been edited by hand; restore it from a backup"
        ) from None


def require_kind(actual: DatabaseKind, expected: DatabaseKind, path: Path) -> None:
    """Refuse to go on with a database of the wrong kind (the message says what to do)."""
    if actual is expected:
        return
    if expected is DatabaseKind.TRAINING:
        raise WrongDatabaseKindError(
            f"{path} is the clinic's database, not a training database: training never uses "
            "clinical records. Choose a training database, or create a new one."
        )
    raise WrongDatabaseKindError(
        f"{path} is a training database, not the clinic's: open it in training mode "
        "(--training), or choose the clinical database."
    )


def mark_training(sdb: SqliteDatabase, path: Path, *, now: datetime) -> None:
    """Make a brand-new database a training one, inside the caller's write transaction.

    Allowed only while the audit trail holds nothing but the database's creation: a clinical
    database that has ever been used (patients, users, demonstration patients) is refused, so
    clinical records can never end up in a training file."""
    current = read_kind(sdb)
    if current is DatabaseKind.TRAINING:
        raise WrongDatabaseKindError(f"{path} is already a training database")
    actions = [row[0] for row in sdb.execute("SELECT action FROM audit ORDER BY seq LIMIT 2")]
    if actions != ["database.created"]:
        raise WrongDatabaseKindError(
            f"{path} is a clinical database that is already in use; a clinical database never "
            "becomes a training one. Create the training database as a new file."
        )
    sdb.execute("UPDATE console_meta SET value = ? WHERE key = 'kind'", [DatabaseKind.TRAINING])
    audit.append(
        sdb,
        seq=audit.next_seq(sdb),
        at=now,
        user=audit.SYSTEM_USER,
        action="database.kind_set",
        patient_id=None,
        details={"kind": DatabaseKind.TRAINING.value},
    )
