"""One audited write, the same in every table module: who and when checked before anything else,
then the record and the audit entry that hashes it in the caller's transaction."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlite_utils import Database as SqliteDatabase

from db import audit
from db.patients import checked_text
from db.values import moment_text

MAX_USER = 200


def check_user(user: str, now: datetime) -> None:
    """Who and when, checked before anything else (the engine compares local times only)."""
    checked_text(user, "user", MAX_USER)
    moment_text(now, "now")


def insert(
    sdb: SqliteDatabase,
    patient_id: str,
    table: str,
    action: str,
    *,
    user: str,
    now: datetime,
    insert: Callable[[int], int],
    details: dict[str, object],
) -> None:
    """Insert one record (``insert(audit_seq) -> rowid``) and its audit entry, which hashes the
    row, in the caller's transaction."""
    seq = audit.next_seq(sdb)
    rowid = insert(seq)
    audit.append(
        sdb,
        seq=seq,
        at=now,
        user=user,
        action=action,
        patient_id=patient_id,
        details=details,
        records=[(table, rowid)],
    )
