"""The append-only audit trail (product.md, "Users and records").

Every write appends one entry in the same transaction as the records it writes. Entries form a
hash chain: each carries the SHA-256 of the entry before it, and its own hash covers its canonical
serialisation together with that previous hash, so editing, deleting or reordering an entry
breaks the chain at that entry. Each entry also lists a SHA-256 of every record row it wrote
(``details["records"]``), and each record row names its entry (``audit_seq``): an altered record,
or entries cut off the end of the trail, show up as a record that no longer matches its entry.
The ``audit_head`` row (kept by a trigger) is a second witness of where the trail ends.

Triggers refuse UPDATE and DELETE; the chain is what still tells when someone drops them.

Since schema 4 the chain is anchored outside the file (product.md, "Records and files"):

* **Keyed entries.** From the entry that brought the database to schema 4 (or created it there)
  on, each entry's hash is an HMAC-SHA256 under the workstation's audit key (:mod:`db.anchor`),
  whose id that entry names (``details["audit_key"]``). Older entries stay plain SHA-256 and
  verify as they always did. Someone with the file but not the key can no longer recompute the
  hashes after an edit: verify names it "recomputed" or "forged".
* **The console's own state in the chain.** The rows that change over time, which are not
  records (accounts and roles, the database kind and identity, the simulated pumps), are
  tracked too: each keyed entry lists (``details["state"]``) every tracked row its write
  changed, as it is after the write. Verify replays those lists from the first keyed entry on,
  checks each change was one its action may make (a role changes only by ``user.role_changed``
  from an administrator, the kind only by ``database.kind_set``...), and compares the result
  with the rows: a plain ``UPDATE`` shows as a row changed outside the console. The table
  ``audit_state`` is only a cache of the last listed state (what the next write compares
  against, and where :func:`confirm_row` starts looking: the entry it names must be the newest
  listing the row, which the trail tells); nothing trusts it, and verify checks it against
  the trail.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import sqlite3
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlite_utils import Database as SqliteDatabase

from db import anchor, audit_state
from db.audit_state import BASELINE_ACTIONS
from db.errors import DatabaseError
from db.records import AuditEntry
from db.values import moment_from, moment_text

GENESIS_HASH = "0" * 64
SYSTEM_USER = "itb-console"


def canonical_json(value: Any) -> str:
    """One text for one value: sorted keys, no spaces, UTF-8 kept (the hashed serialisation)."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def entry_hash(
    seq: int,
    at: str,
    user: str,
    action: str,
    patient_id: str | None,
    details: str,
    prev_hash: str,
    key: bytes | None = None,
) -> str:
    """The hash of the entry's canonical serialisation, chained to ``prev_hash``: SHA-256, or
    with ``key`` (every entry since schema 4) HMAC-SHA256 under the workstation's audit key."""
    payload = canonical_json([seq, at, user, action, patient_id, details, prev_hash]).encode()
    if key is None:
        return hashlib.sha256(payload).hexdigest()
    return hmac.new(key, payload, hashlib.sha256).hexdigest()


def row_hash(row: Mapping[str, Any]) -> str:
    """SHA-256 of a stored record row (every column, as SQLite returns it)."""
    return hashlib.sha256(canonical_json(dict(row)).encode("utf-8")).hexdigest()


def next_seq(sdb: SqliteDatabase) -> int:
    """The number the next entry will get (inside the write transaction that appends it)."""
    row = sdb.execute("SELECT seq FROM audit_head WHERE one = 1").fetchone()
    return int(row[0]) + 1


def stored_row(sdb: SqliteDatabase, table: str, rowid: int) -> dict[str, Any]:
    """A record row exactly as stored, the form :func:`row_hash` is taken of."""
    cursor = sdb.execute(f"SELECT * FROM [{table}] WHERE rowid = ?", [rowid])
    names = [d[0] for d in cursor.description]
    values = cursor.fetchone()
    return dict(zip(names, values, strict=True))


def append(
    sdb: SqliteDatabase,
    *,
    seq: int,
    at: datetime,
    user: str,
    action: str,
    patient_id: str | None,
    details: Mapping[str, Any],
    records: Sequence[tuple[str, int]] = (),
) -> AuditEntry:
    """Append entry ``seq`` (from :func:`next_seq`); ``records`` are the (table, rowid) of the
    rows this write stored with ``audit_seq = seq``, hashed here into the entry. On a keyed
    database the entry is keyed and lists the tracked rows this write changed."""
    head = sdb.execute("SELECT seq, hash FROM audit_head WHERE one = 1").fetchone()
    if int(head[0]) + 1 != seq:
        raise AssertionError(f"audit entry {seq} does not follow entry {head[0]}")
    prev_hash = str(head[1])
    full = dict(details)
    if records:
        full["records"] = [
            [table, rowid, row_hash(stored_row(sdb, table, rowid))] for table, rowid in records
        ]
    key_name = writing_key_id(sdb)
    key = None if key_name is None else anchor.key_for(key_name)
    if key is not None:
        changes = _record_state(sdb, seq, action, user, patient_id, full)
        if changes:
            full["state"] = changes
    at_text = moment_text(at, "now")
    details_text = canonical_json(full)
    digest = entry_hash(seq, at_text, user, action, patient_id, details_text, prev_hash, key)
    sdb.execute(
        "INSERT INTO audit (seq, at, user, action, patient_id, details, prev_hash, hash) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [seq, at_text, user, action, patient_id, details_text, prev_hash, digest],
    )
    return AuditEntry(seq, at, user, action, patient_id, full, prev_hash, digest)


# ---------------------------------------------------------------- keyed chain and state


class TamperedError(DatabaseError):
    """A row the console relies on was changed outside it (it no longer matches the audit
    entry that last recorded it): nothing is done with it."""


def chain_key_id(sdb: SqliteDatabase) -> str | None:
    """The id of the key this database's new entries are keyed with (None before schema 4)."""
    try:
        row = sdb.execute("SELECT value FROM console_meta WHERE key = 'audit_key'").fetchone()
    except sqlite3.OperationalError:  # schema 1: no console_meta yet
        return None
    return None if row is None else str(row[0])


def writing_key_id(sdb: SqliteDatabase) -> str | None:
    """:func:`chain_key_id` for a write or a use of a tracked row: a keyed database (schema 4,
    whose ``audit_state`` is there) that no longer names its key, or lost its state cache, was
    edited by hand, and nothing more is written to it unkeyed."""
    key_name = chain_key_id(sdb)
    cache = sdb.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'audit_state'"
    ).fetchone()
    if key_name is not None and cache is None:
        raise TamperedError(
            "the audit trail's state table (audit_state) was removed outside the console: "
            "nothing is written or used. Run itb-console verify, and restore the database "
            "from a backup."
        )
    if key_name is None and cache is not None:
        raise TamperedError(
            "the database no longer names the audit key it is keyed with (console_meta was "
            "edited outside the console): nothing is written or used. Run itb-console verify, "
            "and restore the database from a backup."
        )
    return key_name


def database_id(sdb: SqliteDatabase) -> str | None:
    """The identity stored in the database (schema 4), which its anchor is recorded under."""
    try:
        row = sdb.execute("SELECT value FROM console_meta WHERE key = 'database_id'").fetchone()
    except sqlite3.OperationalError:
        return None
    return None if row is None else str(row[0])


# Tracked tables: the key column and the query reading the rows (see _summary).
TRACKED: dict[str, str] = {
    "console_meta": "SELECT key, value FROM console_meta",
    "user_account": "SELECT name, role, active, failed_logins, locked_until, created_at, "
    "created_by, password_hash FROM user_account",
    "simulated_pump": "SELECT patient_id, serial, state, updated_at FROM simulated_pump",
}
_KEY_COLUMN = {"console_meta": "key", "user_account": "name", "simulated_pump": "patient_id"}


def _summary(table: str, row: Sequence[Any]) -> Any:
    """What an entry records of a tracked row: its values, a password hash only as a digest
    (never the hash itself), a pump's state as its digest."""
    if table == "console_meta":
        return row[1]
    if table == "user_account":
        _, role, active, failed, locked_until, created_at, created_by, password_hash = row
        return {
            "role": role,
            "active": active,
            "failed_logins": failed,
            "locked_until": locked_until,
            "created_at": created_at,
            "created_by": created_by,
            "password": hashlib.sha256(str(password_hash).encode()).hexdigest(),
        }
    _, serial, state, updated_at = row
    return {
        "serial": serial,
        "state_sha256": hashlib.sha256(str(state).encode()).hexdigest(),
        "updated_at": updated_at,
    }


def current_rows(sdb: SqliteDatabase, table: str, only: str | None = None) -> dict[str, str]:
    """The tracked rows of ``table`` now, as canonical JSON by key (``only``: that key)."""
    sql = TRACKED[table]
    params: list[Any] = []
    if only is not None:
        sql += f" WHERE {_KEY_COLUMN[table]} = ?"
        params.append(only)
    return {
        str(row[0]): canonical_json(_summary(table, row))
        for row in sdb.execute(sql, params).fetchall()
    }


def _record_state(
    sdb: SqliteDatabase,
    seq: int,
    action: str,
    user: str,
    patient_id: str | None,
    details: Mapping[str, Any],
) -> dict[str, dict[str, Any]]:
    """The tracked rows this write changed (compared with the cache), the cache brought up to
    date. A baseline entry lists every row; a pump row only moves with its patient's entry. A
    change this action could not have made (a row edited outside the console since its last
    entry) refuses the write, so it is never swept into the trail as if audited."""
    baseline = action in BASELINE_ACTIONS
    accounts = {
        str(k): json.loads(v)
        for k, v in sdb.execute(
            "SELECT key, value FROM audit_state WHERE tbl = 'user_account'"
        ).fetchall()
    }
    changes: dict[str, dict[str, Any]] = {}
    for table in TRACKED:
        only: str | None = None
        if table == "simulated_pump" and not baseline:
            if patient_id is None:
                continue
            only = patient_id
        now_rows = current_rows(sdb, table, only)
        sql = "SELECT key, value FROM audit_state WHERE tbl = ?"
        params: list[Any] = [table]
        if only is not None:
            sql += " AND key = ?"
            params.append(only)
        cached = {str(k): str(v) for k, v in sdb.execute(sql, params).fetchall()}
        changed: dict[str, Any] = {}
        for name, value in now_rows.items():
            if baseline or cached.get(name) != value:
                changed[name] = json.loads(value)
                old = cached.get(name)
                why = audit_state.refused_change(
                    table,
                    name,
                    None if old is None else json.loads(old),
                    changed[name],
                    seq,
                    action,
                    user,
                    patient_id,
                    details,
                    accounts,
                )
                if why is not None:
                    raise TamperedError(
                        f"{why}: it was changed outside the console. Nothing was saved. Run "
                        "itb-console verify, and restore the database from a backup."
                    )
                sdb.execute(
                    "INSERT OR REPLACE INTO audit_state (tbl, key, seq, value) VALUES (?, ?, ?, ?)",
                    [table, name, seq, value],
                )
        for name in cached.keys() - now_rows.keys():
            changed[name] = None
            sdb.execute("DELETE FROM audit_state WHERE tbl = ? AND key = ?", [table, name])
        if changed:
            changes[table] = changed
    return changes


def confirm_row(sdb: SqliteDatabase, table: str, key: str, what: str) -> None:
    """Refuse (:class:`TamperedError`) a tracked row that is not as the audit entry that last
    changed it recorded, that entry's own hash checked with the key: a plain ``UPDATE`` (a
    clinician made administrator, a clinical database relabelled training) is caught where the
    row is used, not only by verify. Nothing to confirm on a database before schema 4."""
    key_name = writing_key_id(sdb)
    if key_name is None:
        return
    secret = anchor.key_for(key_name)
    now_rows = current_rows(sdb, table, key)
    value = next(iter(now_rows.values()), None)
    cached = sdb.execute(
        "SELECT seq FROM audit_state WHERE tbl = ? AND key = ? COLLATE NOCASE", [table, key]
    ).fetchone()
    refusal = TamperedError(
        f"{what} was changed outside the console: it is not as the audit trail last recorded "
        "it, so it is not used. Run itb-console verify, and restore the database from a backup."
    )
    if value is None:
        if cached is None:
            return  # neither there nor recorded: nothing to use
        raise refusal
    if cached is None:
        raise refusal
    row = sdb.execute(
        "SELECT seq, at, user, action, patient_id, details, prev_hash, hash FROM audit "
        "WHERE seq = ?",
        [cached[0]],
    ).fetchone()
    if row is None:
        raise refusal
    seq, at, user, action, pid, details, prev, digest = row
    if entry_hash(seq, at, user, action, pid, details, prev, secret) != digest:
        raise refusal
    try:
        recorded = json.loads(details).get("state", {}).get(table, {})
        listed = {str(k).casefold(): v for k, v in recorded.items()}
    except (ValueError, AttributeError):
        raise refusal from None
    stored_key = next(iter(now_rows))
    if canonical_json(listed.get(stored_key.casefold())) != value:
        raise refusal
    if _listed_after(sdb, table, stored_key, int(seq)):
        # The cache points at an older genuine entry (the row put back as it was then, a
        # switched-off or locked account made usable again): only the newest entry listing
        # the row says how it is, and that is looked up in the trail, not in the cache.
        raise refusal


def _listed_after(sdb: SqliteDatabase, table: str, key: str, seq: int) -> bool:
    """Whether an entry after ``seq`` lists the tracked row ``key`` of ``table``: of the entries
    since ``seq``, those whose action may list it (:data:`audit_state.LISTING_ACTIONS`, found
    through the index on the action) or, for a simulated pump, about its patient, and of those
    only the ones whose text names the table are read."""
    wanted = key.casefold()
    actions = audit_state.LISTING_ACTIONS[table]
    marks = ", ".join("?" for _ in actions)
    sql = f"SELECT seq, details FROM audit WHERE action IN ({marks}) AND seq > ?"
    params: list[Any] = [*actions, seq]
    if table == "simulated_pump":
        sql += " UNION SELECT seq, details FROM audit WHERE patient_id = ? AND seq > ?"
        params += [key, seq]
    for _, details in sdb.execute(
        f"SELECT * FROM ({sql}) WHERE instr(details, ?) > 0", [*params, canonical_json(table) + ":"]
    ):
        try:
            listed = json.loads(details).get("state", {}).get(table, {})
            if any(str(name).casefold() == wanted for name in listed):
                return True
        except (ValueError, AttributeError):
            return True  # an unreadable entry vouches for nothing
    return False


def entries(
    sdb: SqliteDatabase,
    *,
    patient_id: str | None = None,
    user: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[AuditEntry]:
    """Entries in trail order, filtered; ``since`` inclusive, ``until`` exclusive."""
    where: list[str] = []
    params: list[Any] = []
    if patient_id is not None:
        where.append("patient_id = ?")
        params.append(patient_id)
    if user is not None:
        where.append("user = ?")
        params.append(user)
    if since is not None:
        where.append("at >= ?")
        params.append(moment_text(since, "since"))
    if until is not None:
        where.append("at < ?")
        params.append(moment_text(until, "until"))
    sql = "SELECT seq, at, user, action, patient_id, details, prev_hash, hash FROM audit"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY seq"
    return [_entry(row) for row in sdb.execute(sql, params).fetchall()]


def _entry(row: tuple[Any, ...]) -> AuditEntry:
    seq, at, user, action, patient_id, details, prev_hash, digest = row
    return AuditEntry(
        seq=seq,
        at=moment_from(at),
        user=user,
        action=action,
        patient_id=patient_id,
        details=json.loads(details),
        prev_hash=prev_hash,
        hash=digest,
    )
