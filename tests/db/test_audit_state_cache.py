"""Adversary: the audit trail's state cache (``audit_state``) edited in the file.

product.md, "Users and records": "lock-out after repeated failures"; accounts are "in the chain
like clinical rows" ("Records and files"). db/audit.py: ``audit_state`` "is only a cache ...;
nothing trusts it", and confirm_row: "a plain UPDATE ... is caught where the row is used, not
only by verify"; db/users.py find_account: "a role or lock-out edited outside the console is
never acted on". Pointing the cache at an older, genuine entry that listed the account as it was
then (active, not locked) makes a switched-off or locked account usable again; emptying the
cache locks an account out with "Run itb-console verify", and verify then finds nothing.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from sqlite_utils import Database as SqliteDatabase

from db import audit, migrations
from db.database import Database
from db.errors import DatabaseError
from db.users import Role
from tests.db.factories import NOW, later, open_new, patient, pump_record

ADMIN_PW, CLIN_PW = "admin password 1", "clinician pw 12"


def clinic(path: Path) -> Database:
    database = open_new(path)
    admin = database.first_administrator("admin", ADMIN_PW, NOW)
    database.add_user("dr.lee", Role.CLINICIAN, CLIN_PW, by=admin, now=NOW)
    database.create_patient(patient(), pump_record(), user="dr.lee", now=NOW)
    return database


def put_back_as_first_listed(path: Path, name: str) -> None:
    """The insider's edit: the account as its first audit entry listed it, and the cache
    pointing at that genuine entry."""
    conn = sqlite3.connect(path, isolation_level=None)
    sdb = SqliteDatabase(conn)
    seq, details = next(
        (s, json.loads(d))
        for s, d in conn.execute("SELECT seq, details FROM audit ORDER BY seq")
        if name in json.loads(d).get("state", {}).get("user_account", {})
    )
    first = details["state"]["user_account"][name]
    conn.execute(
        "UPDATE user_account SET active = ?, failed_logins = ?, locked_until = ? WHERE name = ?",
        [first["active"], first["failed_logins"], first["locked_until"], name],
    )
    value = audit.current_rows(sdb, "user_account", name)[name]
    assert json.loads(value) == first
    conn.execute(
        "UPDATE audit_state SET seq = ?, value = ? WHERE tbl = 'user_account' AND key = ?",
        [seq, value, name],
    )
    conn.close()


@pytest.mark.parametrize("how", ["switched-off", "locked-out"])
def test_an_account_switched_off_or_locked_cannot_be_put_back_through_the_state_cache(
    tmp_path: Path, how: str
) -> None:
    path = tmp_path / "clinic.sqlite"
    with clinic(path) as database:
        if how == "switched-off":
            admin = database.authenticate("admin", ADMIN_PW, now=later(1))
            database.set_active("dr.lee", False, by=admin, now=later(1))
        else:
            for _ in range(5):
                with pytest.raises(DatabaseError):
                    database.authenticate("dr.lee", "a wrong password", now=later(1))
        with pytest.raises(DatabaseError):
            database.authenticate("dr.lee", CLIN_PW, now=later(2))
    put_back_as_first_listed(path, "dr.lee")
    with Database.open(path, now=later(3)) as database, pytest.raises(DatabaseError):
        database.authenticate("dr.lee", CLIN_PW, now=later(3))


def test_an_emptied_state_cache_that_refuses_an_account_is_named_by_verify(
    tmp_path: Path,
) -> None:
    path = tmp_path / "clinic.sqlite"
    clinic(path).close()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("DELETE FROM audit_state WHERE tbl = 'user_account' AND key = 'dr.lee'")
    conn.close()
    with Database.open(path, now=later(1)) as database:
        with pytest.raises(DatabaseError, match="verify"):
            database.authenticate("dr.lee", CLIN_PW, now=later(1))
        report = database.verify()
    assert not report.ok, "the console refused the account and told to run verify; verify: ok"


def test_verify_says_what_differs_in_the_state_cache(tmp_path: Path) -> None:
    """The choice for a cache edited in the file: it is not rebuilt at opening (that would
    hide the edit); verify compares it with the trail and names the row and the entries."""
    path = tmp_path / "clinic.sqlite"
    with clinic(path) as database:
        admin = database.authenticate("admin", ADMIN_PW, now=later(1))
        database.set_active("dr.lee", False, by=admin, now=later(1))
        newest = database.audit_entries()[-1].seq
    put_back_as_first_listed(path, "dr.lee")
    with Database.open(path, now=later(2)) as database:
        report = database.verify()
    assert not report.audit_ok
    cache = [p for p in report.problems if "audit_state" in p]
    assert len(cache) == 1 and "the account dr.lee" in cache[0], report.problems
    assert f"the newest entry listing it is entry {newest}" in cache[0]


def test_an_emptied_state_cache_entry_is_named_with_the_entry_that_lists_the_account(
    tmp_path: Path,
) -> None:
    path = tmp_path / "clinic.sqlite"
    clinic(path).close()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("DELETE FROM audit_state WHERE tbl = 'user_account' AND key = 'dr.lee'")
    conn.close()
    with Database.open(path, now=later(1)) as database:
        problems = database.verify().problems
    assert any(
        "audit_state" in p and "has no entry for the account dr.lee" in p for p in problems
    ), problems


def test_an_account_used_long_after_its_last_change_is_still_confirmed(tmp_path: Path) -> None:
    path = tmp_path / "clinic.sqlite"
    with clinic(path) as database:
        for minute in range(2, 30):  # entries that list other rows, or none
            database.authenticate("admin", ADMIN_PW, now=later(minute))
        assert database.authenticate("dr.lee", CLIN_PW, now=later(31)).name == "dr.lee"
        assert database.verify().ok


def test_a_database_before_the_action_index_migrates_in_place_and_finds_listings_through_it(
    tmp_path: Path,
) -> None:
    path = tmp_path / "clinic.sqlite"
    clinic(path).close()
    version = next(
        m.version for m in migrations.MIGRATIONS if m.apply is migrations._index_audit_actions
    )
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("DROP INDEX audit_by_action")
    conn.execute(f"PRAGMA user_version = {version - 1}")
    conn.close()
    with Database.open(path, now=later(1)) as database:
        (entry,) = [e for e in database.audit_entries() if e.action == "database.migrated"]
        assert entry.details["schema"] == version
        assert Path(entry.details["backup"]).exists()
        plan = " ".join(
            str(row[3])
            for row in database._sdb.execute(
                "EXPLAIN QUERY PLAN SELECT seq FROM audit WHERE action IN (?, ?) AND seq > ?",
                ["login", "user.added", 1],
            )
        )
        assert "audit_by_action" in plan
        assert database.authenticate("dr.lee", CLIN_PW, now=later(2)).name == "dr.lee"
        assert database.verify().ok


def test_the_database_kind_cited_from_an_older_entry_in_the_state_cache_is_refused(
    tmp_path: Path,
) -> None:
    """The cache pointed at an older genuine entry listing the kind (the creation) while a
    newer one lists it (a migration lists every row): refused where the kind is used."""
    path = tmp_path / "clinic.sqlite"
    clinic(path).close()
    conn = sqlite3.connect(path, isolation_level=None)
    created = conn.execute(
        "SELECT seq FROM audit_state WHERE tbl = 'console_meta' AND key = 'kind'"
    ).fetchone()[0]
    conn.execute("DROP INDEX audit_by_action")  # to migrate again: a newer entry lists the kind
    conn.execute(f"PRAGMA user_version = {migrations.schema_version() - 1}")
    conn.close()
    with Database.open(path, now=later(1)) as database:
        assert database.kind.value == "clinical"
    conn = sqlite3.connect(path, isolation_level=None)
    listed = conn.execute(
        "SELECT seq FROM audit_state WHERE tbl = 'console_meta' AND key = 'kind'"
    ).fetchone()[0]
    assert listed > created
    conn.execute(
        "UPDATE audit_state SET seq = ? WHERE tbl = 'console_meta' AND key = 'kind'", [created]
    )
    conn.close()
    with Database.open(path, now=later(2)) as database:
        with pytest.raises(DatabaseError, match="database kind"):
            database.kind  # noqa: B018  # the property reads and confirms the kind
        assert any("audit_state" in p and "database kind" in p for p in database.verify().problems)
