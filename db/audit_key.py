"""Moving a database's audit key between workstations: the export file's text, and keeping an
imported key (the key itself and its file: :mod:`db.anchor`). Administrators only, checked
against the accounts now; each is audited, in the caller's write transaction."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlite_utils import Database as SqliteDatabase

from db import anchor, audit
from db import users as accounts
from db.users import User


def export(sdb: SqliteDatabase, path: Path, *, by: User, now: datetime, dest: str) -> str:
    """The database's audit key as an export file's text, for moving the database at ``path``
    to another workstation; audited as ``audit.key_exported``."""
    acting = accounts.require_administrator(sdb, by, manages="the audit key")
    key_name = audit.chain_key_id(sdb)
    if key_name is None:
        raise anchor.AuditKeyError(f"{path} has no audit key")
    text = anchor.export_text(key_name)
    audit.append(
        sdb,
        seq=audit.next_seq(sdb),
        at=now,
        user=acting,
        action="audit.key_exported",
        patient_id=None,
        details={"key": key_name, "to": dest},
    )
    return text


def keep_imported(
    sdb: SqliteDatabase,
    path: Path,
    key: tuple[str, bytes],
    *,
    by: User,
    now: datetime,
    source: str,
) -> None:
    """Keep ``key`` (id, secret; :func:`db.anchor.read_export`) on this workstation: it must be
    the key the database at ``path`` is keyed with; audited as ``audit.key_imported``."""
    key_name, secret = key
    acting = accounts.require_administrator(sdb, by, manages="the audit key")
    if audit.chain_key_id(sdb) != key_name:
        raise anchor.AuditKeyError(
            f"{source} holds audit key {key_name}, but {path} is keyed with "
            f"{audit.chain_key_id(sdb)}: export the key from this database's own "
            "workstation. Nothing was imported."
        )
    audit.append(
        sdb,
        seq=audit.next_seq(sdb),
        at=now,
        user=acting,
        action="audit.key_imported",
        patient_id=None,
        details={"key": key_name, "from": source},
    )
    anchor.keep(key_name, secret)
