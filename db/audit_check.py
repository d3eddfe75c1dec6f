"""Checking the audit trail (:mod:`db.audit`): walking the hash chain, replaying the tracked
rows of a keyed trail, and comparing every record row with the entry that wrote it.

What each finds is named (product.md: "verify names what it finds"): an entry CHANGED, REMOVED
or REORDERED, hashes RECOMPUTED without the key or FORGED with another, a trail ROLLED BACK
behind the workstation's anchor, a KEY MISSING on this workstation; a tracked row changed
outside the console, or one changed by an action that may not change it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlite_utils import Database as SqliteDatabase

from db import anchor, audit, audit_state
from db.audit import (
    GENESIS_HASH,
    chain_key_id,
    entry_hash,
    row_hash,
)
from db.audit_state import BASELINE_ACTIONS
from db.errors import DatabaseError

# What verify calls each kind of damage (product.md: "verify names what it finds").
CHANGED = "CHANGED"
REMOVED = "REMOVED"
REORDERED = "REORDERED"
RECOMPUTED = "RECOMPUTED"
FORGED = "FORGED"
ROLLED_BACK = "ROLLED BACK"
KEY_MISSING = "KEY MISSING"
ANCHOR_LAGS = "ANCHOR LAGS"


def chain_problems(sdb: SqliteDatabase) -> tuple[list[str], int, str]:
    """Walk the chain: (problems naming the first bad entry and what was done to it, entries
    seen, last good hash). Then, on a keyed trail, replay the tracked rows (:func:`_replay`)."""
    problems: list[str] = []
    expected_seq = 1
    prev_hash = GENESIS_HASH
    count = 0
    key: bytes | None = None
    keyed_from: int | None = None
    seen: dict[str, int] = {}  # stored hash -> seq, to tell a reordering from a removal
    keyed_entries: list[tuple[int, str, str | None, str, dict[str, Any]]] = []
    rows = sdb.execute(
        "SELECT seq, at, user, action, patient_id, details, prev_hash, hash FROM audit ORDER BY seq"
    ).fetchall()
    by_seq = {int(r[0]): r for r in rows}
    hashes = {str(r[7]): int(r[0]) for r in rows}
    for seq, at, user, action, patient_id, details, stored_prev, stored_hash in rows:
        count += 1
        if seq != expected_seq:
            problems.append(
                f"{REMOVED}: audit entry {expected_seq} is missing (the trail jumps from entry "
                f"{expected_seq - 1} to {seq}): entries were deleted"
            )
            break
        try:
            parsed = json.loads(details)
            if not isinstance(parsed, dict):
                raise ValueError("not an object")
        except ValueError:
            parsed = {}
        if key is None and action in BASELINE_ACTIONS and "audit_key" in parsed:
            try:
                key = anchor.key_for(str(parsed["audit_key"]))
            except DatabaseError as exc:
                problems.append(f"{KEY_MISSING}: {exc}")
                break
            keyed_from = seq
        recomputed = entry_hash(seq, at, user, action, patient_id, details, stored_prev, key)
        if recomputed != stored_hash:
            problems.append(
                _hash_mismatch(
                    seq,
                    action,
                    at,
                    key,
                    stored_hash,
                    by_seq.get(seq + 1),
                    hashes,
                    row=(seq, at, user, action, patient_id, details, stored_prev),
                )
            )
            break
        if stored_prev != prev_hash:
            if stored_prev in seen:
                problems.append(
                    f"{REORDERED}: audit entry {seq} ({action} at {at}) follows entry "
                    f"{seen[stored_prev]}, not entry {seq - 1}: entries were reordered"
                )
            else:
                problems.append(
                    f"{REMOVED}: audit entry {seq} ({action} at {at}) does not follow entry "
                    f"{seq - 1}: the chain is broken (entries were removed or inserted)"
                )
            break
        seen[stored_hash] = seq
        if key is not None:
            keyed_entries.append((seq, user, patient_id, action, parsed))
        prev_hash = stored_hash
        expected_seq += 1
    if problems:
        return problems, count, prev_hash
    if keyed_from is None and chain_key_id(sdb) is not None:
        problems.append(
            f"{RECOMPUTED}: the database is keyed (schema 4 or later), but no entry of its "
            "audit trail records the key: the trail was rewritten without the key"
        )
        return problems, count, prev_hash
    head = sdb.execute("SELECT seq, hash FROM audit_head WHERE one = 1").fetchone()
    if head is None:
        problems.append(f"{CHANGED}: the audit trail's head record is missing")
    elif int(head[0]) != expected_seq - 1 or head[1] != prev_hash:
        problems.append(
            f"{REMOVED}: the audit trail ends at entry {expected_seq - 1}, but entry {head[0]} "
            "was recorded: entries were cut off the end (truncated) or rewritten"
        )
    if keyed_from is not None:
        problems += _replay(sdb, keyed_entries)
    return problems, count, prev_hash


def _hash_mismatch(
    seq: int,
    action: str,
    at: str,
    key: bytes | None,
    stored_hash: str,
    following: tuple[Any, ...] | None,
    hashes: Mapping[str, int],
    *,
    row: tuple[Any, ...],
) -> str:
    """Name what was done to an entry whose hash does not verify. An edit of one entry leaves
    the next one verifying (it chains to the untouched stored hash); hashes recomputed after an
    edit make the next one fail too: a plain SHA-256 is "recomputed", anything else is a hash
    made with some other key, "forged"."""
    _, at_text, user, what, patient_id, details, stored_prev = row

    def as_entry(number: int) -> str:
        return entry_hash(number, at_text, user, what, patient_id, details, stored_prev, key)

    for offset in range(1, 1000):
        for original in (seq + offset, seq - offset):
            if original < 1 or as_entry(original) != stored_hash:
                continue
            if stored_prev in hashes:  # what it followed is still in the trail, elsewhere
                return (
                    f"{REORDERED}: audit entry {seq} ({action} at {at}) is entry {original} "
                    "moved to another place: entries were reordered"
                )
            return (
                f"{REMOVED}: audit entry {seq} ({action} at {at}) is entry {original} "
                f"renumbered: entries before it were deleted and the numbers closed up"
            )
    plain = entry_hash(*row)
    if key is not None and plain == stored_hash:
        return (
            f"{RECOMPUTED}: audit entry {seq} ({action} at {at}) carries a plain SHA-256 where "
            "the key's HMAC belongs: the trail was rewritten and its hashes recomputed without "
            "the key"
        )
    next_fails = (
        following is not None
        and following[6] == stored_hash
        and entry_hash(
            following[0],
            following[1],
            following[2],
            following[3],
            following[4],
            following[5],
            following[6],
            key,
        )
        != following[7]
    )
    if key is not None and next_fails:
        return (
            f"{FORGED}: audit entry {seq} ({action} at {at}) and the entries after it chain "
            "together, but its hash was not made with this database's audit key (key "
            "mismatch): the trail was rewritten by someone without the key"
        )
    return (
        f"{CHANGED}: audit entry {seq} ({action} at {at}) was altered: its contents no longer "
        "match its hash"
    )


# Which actions may change a tracked row, and how (checked while replaying).


def _replay(
    sdb: SqliteDatabase, keyed: list[tuple[int, str, str | None, str, dict[str, Any]]]
) -> list[str]:
    """Replay the tracked rows the keyed entries listed, checking every change is one its
    action may make, then compare with the rows as they are."""
    problems: list[str] = []
    state: dict[str, dict[str, Any]] = {table: {} for table in audit.TRACKED}
    last: dict[tuple[str, str], int] = {}  # the newest entry listing each row still there
    for seq, user, patient_id, action, details in keyed:
        listed = details.get("state", {})
        if not isinstance(listed, dict):
            problems.append(f"{CHANGED}: audit entry {seq} lists unreadable state")
            break
        for table, rows in listed.items():
            if table not in state or not isinstance(rows, dict):
                problems.append(f"{CHANGED}: audit entry {seq} lists an unknown table {table}")
                continue
            for name, value in rows.items():
                old = state[table].get(name)
                why = audit_state.refused_change(
                    table,
                    name,
                    old,
                    value,
                    seq,
                    action,
                    user,
                    patient_id,
                    details,
                    state["user_account"],
                )
                if why is not None:
                    problems.append(f"{CHANGED}: audit entry {seq} ({action}): {why}")
                if value is None:
                    state[table].pop(name, None)
                    last.pop((table, name), None)
                else:
                    state[table][name] = value
                    last[(table, name)] = seq
        if len(problems) >= 20:
            return problems
    problems += _cache_problems(sdb, state, last)
    if len(problems) >= 20:
        return problems
    for table in audit.TRACKED:
        rows_now = {k: json.loads(v) for k, v in audit.current_rows(sdb, table).items()}
        expected = state[table]
        for name in sorted(rows_now.keys() | expected.keys()):
            was, now = expected.get(name), rows_now.get(name)
            if was == now:
                continue
            what = audit_state.row_words(table, name)
            if now is None:
                problems.append(f"{REMOVED}: {what} was deleted outside the console")
            elif was is None:
                problems.append(f"{CHANGED}: {what} was added outside the console (no audit entry)")
            else:
                problems.append(
                    f"{CHANGED}: {what} was changed outside the console: " + _differences(was, now)
                )
            if len(problems) >= 20:
                return problems
    return problems


def _cache_problems(
    sdb: SqliteDatabase, state: Mapping[str, Mapping[str, Any]], last: Mapping[tuple[str, str], int]
) -> list[str]:
    """The state cache (``audit_state``, db/audit.py) against the replayed trail: each tracked
    row's cache entry must name the newest entry listing it, with the value listed there. The
    console uses the cache where a row is used (:func:`db.audit.confirm_row`): an entry deleted
    refuses the row (an account locked out, "run verify"), one pointed at an older entry
    offers a row as it was then, and verify says which (the cache is not rebuilt at opening:
    a cache edited by hand is a file edited by hand, named here and left as found)."""
    cached = {
        (str(tbl), str(key)): (int(seq), str(value))
        for tbl, key, seq, value in sdb.execute("SELECT tbl, key, seq, value FROM audit_state")
    }
    problems: list[str] = []
    for tbl, key in sorted(cached.keys() | last.keys()):
        what = audit_state.row_words(tbl, key)
        where = "the audit trail's state cache (audit_state)"
        if (tbl, key) not in cached:
            problems.append(
                f"{CHANGED}: {where} has no entry for {what}, which audit entry "
                f"{last[(tbl, key)]} lists: it was deleted outside the console, and the console "
                f"refuses {what} until a backup is restored"
            )
        elif (tbl, key) not in last:
            problems.append(
                f"{CHANGED}: {where} has an entry for {what}, which no audit entry lists "
                "as it is now: it was added outside the console"
            )
        else:
            seq, value = cached[(tbl, key)]
            listed = state.get(tbl, {}).get(key)
            if seq != last[(tbl, key)]:
                problems.append(
                    f"{CHANGED}: {where} names audit entry {seq} for {what}, but the newest "
                    f"entry listing it is entry {last[(tbl, key)]}: it was edited outside the "
                    "console (to offer the row as an older entry listed it)"
                )
            elif json.loads(value) != listed:
                problems.append(
                    f"{CHANGED}: {where} holds another value for {what} than audit entry "
                    f"{seq} lists: it was edited outside the console"
                )
        if len(problems) >= 20:
            break
    return problems


def _differences(was: Any, now: Any) -> str:
    if isinstance(was, dict) and isinstance(now, dict):
        fields = [
            f"{k} is {now.get(k)!r}, the audit trail recorded {was.get(k)!r}"
            for k in sorted(was.keys() | now.keys())
            if was.get(k) != now.get(k) and k != "password"
        ]
        if was.get("password") != now.get("password"):
            fields.append("its password was replaced")
        return "; ".join(fields)
    return f"it is {now!r}, the audit trail recorded {was!r}"


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
