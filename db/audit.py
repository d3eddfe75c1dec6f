"""The append-only audit trail (product.md, "Users and records").

Every write appends one entry in the same transaction as the records it writes. Entries form a
hash chain: each carries the SHA-256 of the entry before it, and its own hash covers its canonical
serialisation together with that previous hash, so editing, deleting or reordering an entry
breaks the chain at that entry. Each entry also lists a SHA-256 of every record row it wrote
(``details["records"]``), and each record row names its entry (``audit_seq``): an altered record,
or entries cut off the end of the trail, show up as a record that no longer matches its entry.
The ``audit_head`` row (kept by a trigger) is a second witness of where the trail ends.

Triggers refuse UPDATE and DELETE; the chain is what still tells when someone drops them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlite_utils import Database as SqliteDatabase

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
) -> str:
    """SHA-256 over the entry's canonical serialisation, chained to ``prev_hash``."""
    payload = canonical_json([seq, at, user, action, patient_id, details, prev_hash])
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


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
    rows this write stored with ``audit_seq = seq``, hashed here into the entry."""
    head = sdb.execute("SELECT seq, hash FROM audit_head WHERE one = 1").fetchone()
    if int(head[0]) + 1 != seq:
        raise AssertionError(f"audit entry {seq} does not follow entry {head[0]}")
    prev_hash = str(head[1])
    full = dict(details)
    if records:
        full["records"] = [
            [table, rowid, row_hash(stored_row(sdb, table, rowid))] for table, rowid in records
        ]
    at_text = moment_text(at, "now")
    details_text = canonical_json(full)
    digest = entry_hash(seq, at_text, user, action, patient_id, details_text, prev_hash)
    sdb.execute(
        "INSERT INTO audit (seq, at, user, action, patient_id, details, prev_hash, hash) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [seq, at_text, user, action, patient_id, details_text, prev_hash, digest],
    )
    return AuditEntry(seq, at, user, action, patient_id, full, prev_hash, digest)


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


def chain_problems(sdb: SqliteDatabase) -> tuple[list[str], int, str]:
    """Walk the chain: (problems naming the first bad entry, entries seen, last good hash)."""
    problems: list[str] = []
    expected_seq = 1
    prev_hash = GENESIS_HASH
    count = 0
    rows: Iterator[tuple[Any, ...]] = iter(
        sdb.execute(
            "SELECT seq, at, user, action, patient_id, details, prev_hash, hash "
            "FROM audit ORDER BY seq"
        )
    )
    for seq, at, user, action, patient_id, details, stored_prev, stored_hash in rows:
        count += 1
        recomputed = entry_hash(seq, at, user, action, patient_id, details, stored_prev)
        if seq != expected_seq:
            problems.append(
                f"audit entry {expected_seq} is missing (the trail jumps from entry "
                f"{expected_seq - 1} to {seq}): entries were deleted"
            )
            break
        if recomputed != stored_hash:
            problems.append(
                f"audit entry {seq} ({action} at {at}) was altered: its contents no longer "
                "match its hash"
            )
            break
        if stored_prev != prev_hash:
            problems.append(
                f"audit entry {seq} ({action} at {at}) does not follow entry {seq - 1}: the "
                "chain is broken (entries were removed, inserted or reordered)"
            )
            break
        prev_hash = stored_hash
        expected_seq += 1
    if problems:
        return problems, count, prev_hash
    head = sdb.execute("SELECT seq, hash FROM audit_head WHERE one = 1").fetchone()
    if head is None:
        problems.append("the audit trail's head record is missing: the trail was tampered with")
    elif int(head[0]) != expected_seq - 1 or head[1] != prev_hash:
        problems.append(
            f"the audit trail ends at entry {expected_seq - 1}, but entry {head[0]} was "
            "recorded: entries were cut off the end (truncated) or rewritten"
        )
    return problems, count, prev_hash


def record_problems(sdb: SqliteDatabase, tables: tuple[str, ...]) -> list[str]:
    """Every record row must match the hash its audit entry took of it, and every row an entry
    lists must still exist: catches altered or deleted records and a truncated trail."""
    listed: dict[tuple[str, int], tuple[int, str]] = {}
    for seq, details in sdb.execute("SELECT seq, details FROM audit ORDER BY seq"):
        try:
            for table, rowid, digest in json.loads(details).get("records", []):
                listed[(table, int(rowid))] = (int(seq), str(digest))
        except (ValueError, TypeError, AttributeError):
            return [f"audit entry {seq} has unreadable details: the trail was tampered with"]
    problems: list[str] = []
    present = {row[0] for row in sdb.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    for table in tables:
        if table not in present:  # a backup from before the schema that added it
            continue
        cursor = sdb.execute(f"SELECT rowid AS __rowid, * FROM [{table}] ORDER BY rowid")
        names = [d[0] for d in cursor.description][1:]
        for values in cursor:
            rowid = int(values[0])
            row = dict(zip(names, values[1:], strict=True))
            where = _describe(table, row)
            entry = listed.pop((table, rowid), None)
            if entry is None:
                seq = row.get("audit_seq")
                problems.append(
                    f"{where} has no audit entry (entry {seq} is gone): the audit trail was "
                    "truncated or edited"
                )
            elif entry[0] != row.get("audit_seq") or entry[1] != row_hash(row):
                problems.append(
                    f"{where} does not match what audit entry {entry[0]} recorded: the record "
                    "was altered after it was saved"
                )
            if len(problems) >= 20:
                problems.append("(further problems not listed)")
                return problems
    for (table, rowid), (seq, _) in sorted(listed.items(), key=lambda item: item[1][0]):
        problems.append(
            f"{table} row {rowid}, written by audit entry {seq}, is missing: a record was deleted"
        )
        if len(problems) >= 20:
            break
    return problems


def _describe(table: str, row: Mapping[str, Any]) -> str:
    if table == "programme_version":
        return f"programme version {row.get('number')} of patient {row.get('patient_id')}"
    if table == "patient":
        return f"patient {row.get('id')}"
    if table == "drug_library":
        return f"drug library version {row.get('version')}"
    return f"{table.replace('_', ' ')} record {row.get('id')} of patient {row.get('patient_id')}"
