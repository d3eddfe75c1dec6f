"""The integrity check (issue 3: "an integrity check"; product.md: an audit trail "that can be
verified to be unaltered"): SQLite's own page-level check, foreign keys, the protective triggers
still in place, the audit hash chain (with the state cache against it), every record against its
audit entry, and the tables derived from the records (the browser's order and search index, the
worklist's figures, the visits' steps) against the records."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import re
import sqlite3
from pathlib import Path

from sqlite_utils import Database as SqliteDatabase

from db import anchor, audit_check, migrations, patients, search, visits, worklist
from db.audit_check import ANCHOR_LAGS, RECOMPUTED, ROLLED_BACK
from db.audit_times import backwards_times
from db.kind import DatabaseKind
from db.programmes import Reference
from db.records import VerifyReport
from programmer.projection import ClinicSettings

_TRIGGER = re.compile(r"CREATE TRIGGER (?:IF NOT EXISTS )?(\w+)", re.IGNORECASE)
_DROPPED = re.compile(r"DROP TRIGGER (?:IF EXISTS )?(\w+)", re.IGNORECASE)


class _SchemaRead(Exception):
    """A migration's apply went past its schema (to filling rows in): its schema is read."""


class _SchemaOnly:
    """What a migration's ``apply`` gets in :func:`expected_triggers`: each script it runs is
    kept; anything else it reaches for (filling rows, naming the workstation's audit key) ends
    the migration there, so reading the schema neither reads nor makes a key."""

    def __init__(self) -> None:
        self.scripts: list[str] = []

    def executescript(self, sql: str) -> None:
        self.scripts.append(sql)

    def __getattr__(self, name: str) -> object:
        raise _SchemaRead(name)


def expected_triggers(version: int | None = None) -> frozenset[str]:
    """The protective triggers of a database at schema ``version`` (default: this program's):
    those created by the schema scripts of every migration up to it (db/migrations.py), read
    from the migrations themselves, so a new migration's triggers are checked without a change
    here (a migration's schema is what it passes to ``executescript``)."""
    return _triggers_of(tuple(migrations.MIGRATIONS[:version]))


@functools.cache
def _triggers_of(steps: tuple[migrations.Migration, ...]) -> frozenset[str]:
    scripts = _SchemaOnly()
    for migration in steps:
        with contextlib.suppress(_SchemaRead):
            migration.apply(scripts)  # type: ignore[arg-type]  # only its scripts are wanted
    triggers: set[str] = set()
    for script in scripts.scripts:
        triggers -= {name.casefold() for name in _DROPPED.findall(script)}
        triggers |= {name.casefold() for name in _TRIGGER.findall(script)}
    return frozenset(triggers)


def verify(
    sdb: SqliteDatabase,
    *,
    seen: anchor.SeenHead | None = None,
    expect_head: str | None = None,
    seen_other: anchor.SeenHead | None = None,
    reference: Reference | None = None,
    settings: ClinicSettings | None = None,
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
    storage += derived_problems(sdb, reference, settings)
    chain, count, head = audit_check.chain_problems(sdb)
    records = audit_check.record_problems(sdb, migrations.RECORD_TABLES)
    present = {
        str(row[0]).casefold()
        for row in sdb.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
    }
    version = int(sdb.execute("PRAGMA user_version").fetchone()[0])
    missing = sorted(expected_triggers(version or None) - present)
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


def derived_problems(
    sdb: SqliteDatabase,
    reference: Reference | None = None,
    settings: ClinicSettings | None = None,
) -> list[str]:
    """The tables derived from the records, against the records: each patient's place in the
    browser's order (``patient_order``) and its search index entry (``patient_search``) must be
    those of its current name and its id (db/patients.py). One out of step lists a patient out
    of place, hides it from the first page or from a search, or finds it by words its record no
    longer has. With ``reference`` (the catalogue and library the console projects with) and
    ``settings`` (the clinic's), each patient's worklist figures must be what the records give
    (db/worklist.py); and each visit must hold the steps the trail files under it
    (db/visits.py)."""
    tables = {row[0] for row in sdb.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if not {"patient_order", "patient_revision"} <= tables:  # a backup from before the schema
        return []
    current = sdb.execute(
        f"SELECT p.num, p.id, {patients.CURRENT_NAME} FROM patient p ORDER BY p.num"
    ).fetchall()
    ids = {int(num): str(pid) for num, pid, _ in current}
    order = {
        int(num): (key, text)
        for num, key, text in sdb.execute(
            "SELECT patient_num, sort_key, scan_text FROM patient_order"
        )
    }
    problems: list[str] = []
    for num, pid, name in current:
        stored = order.get(int(num))
        if stored is None:
            problems.append(
                f"patient {pid} has no place in the browser's order (patient_order): it is "
                "missing from the patient list and from every search"
            )
        elif stored != (search.sort_key(name), search.scan_text(name, pid)):
            problems.append(
                f"patient {pid}'s place in the browser's order (patient_order) is not that of "
                "its current name: it is listed out of place, and a search of a common word "
                "may miss it or find it by words its record does not have"
            )
    try:
        out_of_step = _search_entries_out_of_step(sdb, current)
    except sqlite3.Error as exc:
        problems.append(
            f"the search index (patient_search) could not be read back ({exc}): it was damaged "
            "or replaced, and searches may miss patients"
        )
        out_of_step = []
    problems += [
        f"patient {ids[num]}'s search entry (patient_search) is not that of its current name "
        "and id: a search may miss it or find it by words its record does not have"
        if num in ids
        else f"the search index (patient_search) holds an entry {num} for no patient"
        for num in out_of_step
    ]
    if reference is not None and "worklist_figures" in tables:
        differing, orphans = worklist.out_of_step(sdb, reference, settings or ClinicSettings())
        problems += [
            f"patient {pid}'s worklist figures (worklist_figures) are not what its records "
            "give: the clinic worklist may leave the patient out when due or overdue, or list "
            "them with the wrong dates"
            for pid in differing[:21]
        ]
        problems += [
            f"the worklist figures (worklist_figures) hold a row for {pid}, who is no patient"
            for pid in orphans[:21]
        ]
    if "visit_step" in tables:
        for seq, number, pid, missing in visits.steps_out_of_step(sdb):
            problems.append(
                f"audit entry {seq} is missing from visit {number} of patient {pid} "
                "(visit_step): the visit and its report leave that action out"
                if missing
                else f"audit entry {seq} is filed under visit {number} of patient {pid} "
                "(visit_step), which it was not written in: the visit's report lists an "
                "action of another time"
            )
    if len(problems) > 20:
        return [*problems[:20], "(further problems not listed)"]
    return problems


def _search_entries_out_of_step(
    sdb: SqliteDatabase, current: list[tuple[int, str, str]]
) -> list[int]:
    """The entries of the contentless search index whose terms are not those of the patient's
    current record, and entries for no patient. What the index holds is read back through an
    ``fts5vocab`` table and compared with the folded words (db/search.py); an entry that differs
    is compared again with what a scratch index of the same definition makes of the record, so
    that only the index's own tokenizer has the last word."""
    held: dict[int, tuple[list[str], list[str]]] = {}
    sdb.execute(
        "CREATE VIRTUAL TABLE temp.verify_held USING fts5vocab(main, patient_search, instance)"
    )
    try:
        for term, doc, col in sdb.execute(
            "SELECT term, doc, col FROM temp.verify_held ORDER BY doc, col, offset"
        ):
            name, ident = held.setdefault(int(doc), ([], []))
            (name if col == "name" else ident).append(str(term))
        records = {num: (pid, name) for num, pid, name in current}
        differing = [
            num
            for num, (pid, name) in records.items()
            if held.get(num) != (search.name_terms(name).split(), search.id_terms(pid).split())
        ]
        confirmed: list[int] = []
        for start in range(0, len(differing), 500):  # a few at a time, until enough to report
            chunk = differing[start : start + 500]
            confirmed += _tokenized_differently(sdb, {num: records[num] for num in chunk})
            if len(confirmed) > 20:
                break
    finally:
        sdb.execute("DROP TABLE IF EXISTS temp.verify_held")
    return sorted([*confirmed, *(held.keys() - records.keys())])


def _tokenized_differently(sdb: SqliteDatabase, records: dict[int, tuple[str, str]]) -> list[int]:
    """Of the patients ``records`` (num: id, current name), those whose search entry is not
    what an index of patient_search's own definition makes of their record."""
    definition = sdb.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'patient_search'"
    ).fetchone()
    scratch = str(definition[0]).replace(
        "CREATE VIRTUAL TABLE patient_search", "CREATE VIRTUAL TABLE temp.verify_search", 1
    )
    sdb.execute(scratch)
    try:
        sdb.conn.executemany(
            "INSERT INTO temp.verify_search (rowid, name, ident) VALUES (?, ?, ?)",
            [
                (num, search.name_terms(name), search.id_terms(pid))
                for num, (pid, name) in records.items()
            ],
        )
        sdb.execute(
            "CREATE VIRTUAL TABLE temp.verify_made USING fts5vocab(temp, verify_search, instance)"
        )
        marks = ", ".join("?" for _ in records)
        terms = f"SELECT term, doc, col, offset FROM temp.{{}} WHERE doc IN ({marks})"
        held, made = terms.format("verify_held"), terms.format("verify_made")
        rows = sdb.execute(
            f"SELECT doc FROM ({held} EXCEPT {made}) UNION SELECT doc FROM ({made} EXCEPT {held})",
            [*records] * 4,
        ).fetchall()
    finally:
        for table in ("verify_made", "verify_search"):
            sdb.execute(f"DROP TABLE IF EXISTS temp.{table}")
    return [int(row[0]) for row in rows]


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
    sdb: SqliteDatabase,
    path: Path,
    database_id: str | None,
    *,
    expect_head: str | None,
    reference: Reference | None = None,
    settings: ClinicSettings | None = None,
) -> VerifyReport:
    """:func:`verify` with this workstation's anchor (the last head it saw of the database
    ``database_id`` at ``path``, or another database it saw there), and the audit times never
    going back, except in a training database (its simulated clock may)."""
    seen = None if database_id is None else anchor.last_seen(database_id, path)
    other = anchor.seen_at_path(path) if seen is None else None
    report = verify(
        sdb,
        seen=seen,
        expect_head=expect_head,
        seen_other=other,
        reference=reference,
        settings=settings,
    )
    lag = None if database_id is None else anchor.lag(database_id, path)
    if lag is not None:  # a rollback to before the unrecorded head would not be seen
        report = dataclasses.replace(
            report, audit_ok=False, problems=[*report.problems, f"{ANCHOR_LAGS}: {lag}"]
        )
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
    lag = anchor.lag(database_id, path)
    if lag is not None:
        return f"{ANCHOR_LAGS}: {lag[0].upper()}{lag[1:]}"
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
