"""The integrity check (issue 3: "an integrity check"; product.md: an audit trail "that can be
verified to be unaltered"): SQLite's own page-level check, foreign keys, the protective triggers
still in place, the audit hash chain, and every record against its audit entry."""

from __future__ import annotations

import re

from sqlite_utils import Database as SqliteDatabase

from db import audit, migrations
from db.records import VerifyReport

_TRIGGER = re.compile(r"CREATE TRIGGER (\w+)")


def expected_triggers() -> set[str]:
    return set(_TRIGGER.findall(migrations.SCHEMA_1 + migrations.SCHEMA_3))


def verify(sdb: SqliteDatabase) -> VerifyReport:
    """Everything that is wrong, most telling first; ``ok`` only when nothing is."""
    storage: list[str] = []
    checks = [row[0] for row in sdb.execute("PRAGMA integrity_check").fetchall()]
    if checks != ["ok"]:
        storage += [f"SQLite integrity check: {message}" for message in checks[:20]]
    for table, rowid, parent, _ in sdb.execute("PRAGMA foreign_key_check").fetchall()[:20]:
        storage.append(f"{table} row {rowid} refers to a missing {parent} row")
    chain, count, head = audit.chain_problems(sdb)
    records = audit.record_problems(sdb, migrations.RECORD_TABLES)
    present = {
        row[0] for row in sdb.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
    }
    missing = sorted(expected_triggers() - present)
    protection = [
        f"the protective trigger {name} has been removed: records could be changed unnoticed"
        for name in missing
    ]
    audit_problems = chain + records + protection
    return VerifyReport(
        integrity_ok=not storage,
        audit_ok=not audit_problems,
        audit_entries=count,
        audit_head=head,
        problems=audit_problems + storage,
    )
