"""The integrity check (issue 3: "an integrity check"; product.md: an audit trail "that can be
verified to be unaltered"): SQLite's own page-level check, foreign keys, the protective triggers
still in place, the audit hash chain, and every record against its audit entry."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from sqlite_utils import Database as SqliteDatabase

from db import anchor, audit_check, migrations
from db.audit_check import RECOMPUTED, ROLLED_BACK
from db.audit_times import backwards_times
from db.kind import DatabaseKind
from db.records import VerifyReport

_TRIGGER = re.compile(r"CREATE TRIGGER (\w+)")


def expected_triggers() -> set[str]:
    return set(_TRIGGER.findall(migrations.SCHEMA_1 + migrations.SCHEMA_3))


def verify(
    sdb: SqliteDatabase,
    *,
    seen: anchor.SeenHead | None = None,
    expect_head: str | None = None,
    seen_other: anchor.SeenHead | None = None,
) -> VerifyReport:
    """Everything that is wrong, most telling first; ``ok`` only when nothing is. ``seen`` is
    the last head this workstation saw of the database, ``expect_head`` a head hash someone
    wrote down (a session report prints it): the trail must still hold each."""
    storage: list[str] = []
    checks = [row[0] for row in sdb.execute("PRAGMA integrity_check").fetchall()]
    if checks != ["ok"]:
        storage += [f"SQLite integrity check: {message}" for message in checks[:20]]
    for table, rowid, parent, _ in sdb.execute("PRAGMA foreign_key_check").fetchall()[:20]:
        storage.append(f"{table} row {rowid} refers to a missing {parent} row")
    chain, count, head = audit_check.chain_problems(sdb)
    records = audit_check.record_problems(sdb, migrations.RECORD_TABLES)
    present = {
        row[0] for row in sdb.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
    }
    missing = sorted(expected_triggers() - present)
    protection = [
        f"the protective trigger {name} has been removed: records could be changed unnoticed"
        for name in missing
    ]
    anchored = anchor_problems(sdb, count, seen, expect_head)
    if seen_other is not None:
        anchored.insert(
            0,
            f"{RECOMPUTED}: this workstation last saw another database at this path (at "
            f"{seen_other.seen_at}, audit entry {seen_other.seq}); this file has another "
            "identity: it was replaced, or its identity rewritten (restore puts a backup back "
            "without this warning)",
        )
    audit_problems = anchored + chain + records + protection
    return VerifyReport(
        integrity_ok=not storage,
        audit_ok=not audit_problems,
        audit_entries=count,
        audit_head=head,
        problems=audit_problems + storage,
        seen_head=None if seen is None else (seen.seq, seen.hash),
    )


def anchor_problems(
    sdb: SqliteDatabase, count: int, seen: anchor.SeenHead | None, expect_head: str | None
) -> list[str]:
    """The trail against what was seen of it outside the file: the workstation's last head,
    and a head hash written down. Shorter than either is a rollback (a deleted ``-wal``, an
    older copy put in place); the same entry with another hash is a rewrite."""
    problems: list[str] = []
    if seen is not None:
        row = sdb.execute("SELECT hash FROM audit WHERE seq = ?", [seen.seq]).fetchone()
        if row is None:
            problems.append(
                f"{ROLLED_BACK}: this workstation last saw audit entry {seen.seq} of this "
                f"database (at {seen.seen_at}), but the trail ends at entry {count}: "
                f"{seen.seq - count} entries that were saved are gone (a deleted or lost -wal "
                "file, or an older copy put in its place)"
            )
        elif row[0] != seen.hash:
            problems.append(
                f"{RECOMPUTED}: audit entry {seen.seq} is not the one this workstation "
                f"saw (at {seen.seen_at} its hash was {seen.hash}, now {row[0]}): the trail "
                "was rewritten or replaced"
            )
    if expect_head is not None:
        wanted = "".join(expect_head.split()).lower()  # as printed: in groups of 16
        row = sdb.execute("SELECT seq FROM audit WHERE hash = ?", [wanted]).fetchone()
        if row is None:
            problems.append(
                f"{ROLLED_BACK}: the head written down ({wanted}) is not in this audit "
                f"trail (entries 1 to {count}): the trail was rolled back or rewritten since"
            )
    return problems


def verify_database(
    sdb: SqliteDatabase, path: Path, database_id: str | None, *, expect_head: str | None
) -> VerifyReport:
    """:func:`verify` with this workstation's anchor (the last head it saw of the database
    ``database_id`` at ``path``, or another database it saw there), and the audit times never
    going back, except in a training database (its simulated clock may)."""
    seen = None if database_id is None else anchor.last_seen(database_id, path)
    other = anchor.seen_at_path(path) if seen is None else None
    report = verify(sdb, seen=seen, expect_head=expect_head, seen_other=other)
    # A training database's simulated clock may go back; any other (and one whose kind was
    # relabelled by hand, which the report names already) is held to the rule.
    stored_kind = sdb.execute("SELECT value FROM console_meta WHERE key = 'kind'").fetchone()
    if (
        stored_kind is not None
        and stored_kind[0] == DatabaseKind.TRAINING.value
        and report.audit_ok
    ):
        return report
    backwards = backwards_times(sdb)
    if not backwards:
        return report
    return dataclasses.replace(report, audit_ok=False, problems=[*report.problems, *backwards])


def anchor_warning(sdb: SqliteDatabase, path: Path, database_id: str | None) -> str | None:
    """What the workstation's anchor says is wrong with the database ``database_id`` at
    ``path``, in a few queries (not the whole of :func:`verify`): entries it saw that are gone
    (a lost ``-wal``, an older copy put in place) or rewritten, or another database at this
    path. None when nothing is."""
    seq, _ = sdb.execute("SELECT seq, hash FROM audit_head WHERE one = 1").fetchone()
    if database_id is None:
        return None
    seen = anchor.last_seen(database_id, path)
    if seen is None:
        other = anchor.seen_at_path(path)
        if other is None:
            return None
        return (
            f"This workstation last saw another database at {path} (at {other.seen_at}): this "
            "file has another identity. Run itb-console verify before going on."
        )
    problems = anchor_problems(sdb, int(seq), seen, None)
    return problems[0] if problems else None
