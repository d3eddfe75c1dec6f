"""Issue 10, "An audit trail anchored outside its file" and "Nothing silently lost": the
console's own rows (accounts, roles, the database kind) are in the keyed chain, the workstation
remembers the last head it saw of each database, a file deleted or replaced under a writer is
refused, and old databases migrate in place with their unkeyed entries still verifying."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from db import account_errors, anchor, audit, migrations, users
from db.audit import TamperedError
from db.database import Database, DatabaseError
from db.kind import DatabaseKind
from db.migrations import Migration
from db.users import Role
from tests.db.factories import (
    NOW,
    add_later_tables,
    drop_later_tables,
    later,
    open_new,
    programme,
    save,
)

ROOT = Path(__file__).resolve().parents[2]
ADMIN_PW = "correct horse battery"
CLIN_PW = "staple clinic 2026"


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(users, "HASHER", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


def _sql(path: Path, *statements: str) -> None:
    """What someone with the file and an SQLite shell does: plain statements, no triggers in
    the way for the tables that are not records."""
    conn = sqlite3.connect(path, isolation_level=None)
    for statement in statements:
        conn.execute(statement)
    conn.close()


def _clinic(path: Path) -> None:
    with open_new(path) as database:
        admin = database.first_administrator("admin", ADMIN_PW, NOW)
        database.add_user("dr.lee", Role.CLINICIAN, CLIN_PW, by=admin, now=NOW)
        save(database, programme(daily="420"))


def test_plain_update_promoting_a_clinician_is_refused_and_named(tmp_path: Path) -> None:
    """Issue 10: `UPDATE user_account SET role = 'administrator'` made a clinician an
    administrator. The account no longer matches its last audited state: its login is refused
    and verify names the change."""
    path = tmp_path / "clinic.sqlite"
    _clinic(path)
    _sql(path, "UPDATE user_account SET role = 'administrator' WHERE name = 'dr.lee'")
    with Database.open(path, now=NOW) as database:
        with pytest.raises(TamperedError, match=r"account dr\.lee was changed outside"):
            database.authenticate("dr.lee", CLIN_PW, now=NOW)
        report = database.verify()
    assert not report.ok
    assert any(
        p.startswith("CHANGED: the account dr.lee was changed outside the console")
        and "role is 'administrator', the audit trail recorded 'clinician'" in p
        for p in report.problems
    )


def test_promotion_is_not_laundered_by_a_later_audited_write(tmp_path: Path) -> None:
    """The promoted row then swept into the next audited change of that account (a password
    set by the real administrator): replaying the trail still finds a role change that no
    user.role_changed entry made."""
    path = tmp_path / "clinic.sqlite"
    _clinic(path)
    _sql(
        path,
        "UPDATE user_account SET role = 'administrator' WHERE name = 'dr.lee'",
        "UPDATE audit_state SET value = (SELECT value FROM audit_state WHERE key = 'admin') "
        "WHERE key = 'dr.lee'",
    )
    with Database.open(path, now=NOW) as database:
        with pytest.raises(
            TamperedError, match=r"account dr\.lee: .*changed, which login does not change"
        ):
            database.authenticate("admin", ADMIN_PW, now=NOW)  # any write would sweep it in
        assert database.audit_entries()[-1].action == "programme.saved"  # nothing recorded
        assert any("account dr.lee" in p for p in database.verify().problems)


def test_role_change_through_the_console_verifies(tmp_path: Path) -> None:
    path = tmp_path / "clinic.sqlite"
    _clinic(path)
    with Database.open(path, now=NOW) as database:
        admin = database.authenticate("admin", ADMIN_PW, now=NOW)
        database.set_role("dr.lee", Role.ADMINISTRATOR, by=admin, now=later(1))
        database.set_password("dr.lee", "a brand new password", by=admin, now=later(2))
        with pytest.raises(account_errors.WrongPasswordError):
            database.authenticate("dr.lee", "wrong password!", now=later(3))  # counted
    with Database.open(path, now=NOW) as database:
        database.authenticate("dr.lee", "a brand new password", now=later(4))
        assert database.verify().ok


def test_relabelled_training_database_never_opens_clinical_records(tmp_path: Path) -> None:
    """Issue 10: relabelling the clinic's database as training opened clinical records in
    training mode. The kind is in the keyed chain: the relabelled kind is refused where it is
    read, and verify names it."""
    path = tmp_path / "clinic.sqlite"
    _clinic(path)
    _sql(path, "UPDATE console_meta SET value = 'training' WHERE key = 'kind'")
    with Database.open(path, now=NOW) as database:
        with pytest.raises(TamperedError, match="database kind"):
            database.require_kind(DatabaseKind.TRAINING)
        problems = database.verify().problems
    assert any(p.startswith("CHANGED: the database kind was changed outside") for p in problems)


def test_training_database_made_by_the_console_verifies(tmp_path: Path) -> None:
    with Database.create_training(tmp_path / "training.sqlite", now=NOW) as database:
        database.require_kind(DatabaseKind.TRAINING)
        assert database.verify().ok


def test_deleted_wal_under_a_killed_writer_is_named_rolled_back(tmp_path: Path) -> None:
    """Issue 10: a `-wal` deleted under a writer lost two acknowledged saves and verify said
    ok. The writer (killed before it could checkpoint) had recorded its head on the
    workstation: verify now says ROLLED BACK and how many entries are gone."""
    path = tmp_path / "clinic.sqlite"
    with open_new(path) as database:
        save(database, programme(daily="400"))
    script = (
        "import os, sys\n"
        "from pathlib import Path\n"
        "from db.database import Database\n"
        "from tests.db.factories import NOW, later, programme, save\n"
        "path = Path(sys.argv[1])\n"
        "database = Database.open(path, now=NOW)\n"
        "save(database, programme(daily='420'), base=1, now=later(1))\n"
        "save(database, programme(daily='440'), base=2, now=later(2))\n"
        "print('saved', flush=True)\n"
        "Path(f'{path}-wal').unlink()\n"
        "os._exit(0)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(path)], cwd=ROOT, capture_output=True, check=True
    )
    assert done.stdout.strip() == b"saved"
    with Database.open(path, now=NOW) as database:
        assert [v.number for v in database.versions("MRN-0042")] == [1]  # the saves are gone
        warning = database.anchor_warning()  # what the window shows on opening
        assert warning is not None and warning.startswith("ROLLED BACK")
        report = database.verify()
    assert not report.ok
    assert report.problems[0].startswith("ROLLED BACK: this workstation last saw audit entry 5")
    assert "2 entries that were saved are gone" in report.problems[0]


def test_restore_on_purpose_is_not_reported_as_a_rollback(tmp_path: Path) -> None:
    path = tmp_path / "clinic.sqlite"
    copy = tmp_path / "copy.sqlite"
    with open_new(path) as database:
        save(database, programme(daily="400"))
        database.backup(copy)
        save(database, programme(daily="420"), base=1)
    Database.restore(copy, path, overwrite=True, now=later(5))
    with Database.open(path, now=NOW) as database:
        assert database.verify().ok and database.anchor_warning() is None


def test_save_into_a_deleted_database_file_is_refused_and_says_so(tmp_path: Path) -> None:
    """Issue 10: the window saved "version 4" into a database file deleted under it, and
    nothing survived. The write is refused before it starts, naming the file."""
    path = tmp_path / "clinic.sqlite"
    with open_new(path) as database:
        save(database, programme(daily="400"))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink()
        with pytest.raises(DatabaseError, match="was deleted while the console held it open"):
            save(database, programme(daily="420"), base=1)


def test_save_into_a_replaced_database_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "clinic.sqlite"
    other = tmp_path / "other.sqlite"
    with open_new(other):
        pass
    with open_new(path) as database:
        save(database, programme(daily="400"))
        other.replace(path)
        with pytest.raises(DatabaseError, match="was replaced by another file"):
            save(database, programme(daily="420"), base=1)


def test_save_after_its_wal_was_deleted_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "clinic.sqlite"
    with open_new(path) as database:
        save(database, programme(daily="400"))
        Path(f"{path}-wal").unlink()
        with pytest.raises(DatabaseError, match=r"journal file .*-wal was deleted"):
            save(database, programme(daily="420"), base=1)


def test_file_replaced_during_a_write_is_reported_as_not_saved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check after the write: a file swapped while the transaction ran makes the save
    fail with "did NOT reach the database", never a reported success."""
    path = tmp_path / "clinic.sqlite"
    other = tmp_path / "other.sqlite"
    with open_new(other):
        pass
    with open_new(path) as database:
        original = audit.append

        def append_then_swap(*args: object, **kwargs: object) -> object:
            result = original(*args, **kwargs)  # type: ignore[arg-type]
            if other.exists():
                other.replace(path)
            return result

        monkeypatch.setattr(audit, "append", append_then_swap)
        with pytest.raises(DatabaseError, match="did NOT reach the database"):
            save(database, programme(daily="400"))


def _schema_3(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with monkeypatch.context() as patch:
        patch.setattr(
            migrations, "MIGRATIONS", migrations.MIGRATIONS[: migrations.KEYED_SCHEMA - 1]
        )
        with open_new(path) as database:
            add_later_tables(database)
            admin = database.first_administrator("admin", ADMIN_PW, NOW)
            database.add_user("dr.lee", Role.CLINICIAN, CLIN_PW, by=admin, now=NOW)
            save(database, programme(daily="420"))
        drop_later_tables(path)


def test_old_database_migrates_in_place_old_entries_verify_new_ones_keyed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "clinic.sqlite"
    _schema_3(path, monkeypatch)
    with Database.open(path, now=later(60)) as database:
        entries = database.audit_entries()
        migrated = next(
            e
            for e in entries
            if e.action == "database.migrated" and e.details["schema"] == migrations.KEYED_SCHEMA
        )
        assert migrated.details["audit_key"] == anchor.keyring().own
        assert set(migrated.details["state"]["user_account"]) == {"admin", "dr.lee"}
        assert Path(migrated.details["backup"]).exists()  # the copy made first
        save(database, programme(daily="440"), base=1, now=later(61))
        assert database.verify().ok
    # An old (unkeyed) entry edited is still caught as it always was.
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("DROP TRIGGER audit_never_updated")
    conn.execute("UPDATE audit SET user = 'someone' WHERE seq = 2")
    conn.close()
    with Database.open(path, now=later(62)) as database:
        assert database.verify().problems[0].startswith("CHANGED: audit entry 2")


def test_migration_to_the_keyed_schema_keeps_later_migrations_working(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A migration added after the keyed one appends a keyed entry as any write does."""
    path = tmp_path / "clinic.sqlite"
    _clinic(path)
    old = migrations.schema_version()

    def pin(sdb: object) -> None:
        migrations.SqliteDatabase.execute(sdb, "CREATE TABLE pinned (x INTEGER)")  # type: ignore[arg-type]

    monkeypatch.setattr(
        migrations, "MIGRATIONS", [*migrations.MIGRATIONS, Migration(old + 1, "pin", pin)]
    )
    with Database.open(path, now=later(60)) as database:
        assert "audit_key" not in database.audit_entries()[-1].details
        assert database.verify().ok


def test_another_file_put_at_a_known_path_is_named(tmp_path: Path) -> None:
    """A different database copied over the clinic's file (not restored): verify says this
    workstation saw another database there."""
    path = tmp_path / "clinic.sqlite"
    other = tmp_path / "other.sqlite"
    _clinic(path)
    with open_new(other):
        pass
    other.replace(path)
    Path(f"{path}-wal").unlink(missing_ok=True)
    with Database.open(path, now=NOW) as database:
        problems = database.verify().problems
        assert "another database" in (database.anchor_warning() or "")
    assert problems[0].startswith("RECOMPUTED: this workstation last saw another database")


def test_audit_key_id_removed_by_hand_stops_writes(tmp_path: Path) -> None:
    """Without its key id the database would take unkeyed entries again: refused."""
    path = tmp_path / "clinic.sqlite"
    _clinic(path)
    _sql(path, "DELETE FROM console_meta WHERE key = 'audit_key'")
    with (
        Database.open(path, now=NOW) as database,
        pytest.raises(TamperedError, match="no longer names the audit key"),
    ):
        save(database, programme(daily="440"), base=1)


def test_simulated_pump_state_edited_by_hand_is_never_run_on(tmp_path: Path) -> None:
    path = tmp_path / "clinic.sqlite"
    _clinic(path)
    with Database.open(path, now=NOW) as database:
        database.interrogate_pump("MRN-0042", user="dr.lee", now=later(1))
    _sql(
        path,
        "UPDATE simulated_pump SET state = replace(state, 'true', 'false')",
    )
    _sql(path, "UPDATE simulated_pump SET updated_at = '2026-11-22T10:05:00'")
    with Database.open(path, now=NOW) as database:
        with pytest.raises(TamperedError, match="simulated pump of MRN-0042"):
            database.interrogate_pump("MRN-0042", user="dr.lee", now=later(2))
        assert any("simulated pump of patient MRN-0042" in p for p in database.verify().problems)


def test_restoring_a_backup_from_before_the_keyed_schema_is_not_named_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "clinic.sqlite"
    old = tmp_path / "old.sqlite"
    _schema_3(old, monkeypatch)
    _clinic(path)
    Database.restore(old, path, overwrite=True, now=later(5))
    with Database.open(path, now=later(6)) as database:
        assert database.verify().ok


class _WindowsOs:
    """The os module as on Windows, where chmod cannot make a file owner-only (the per-user
    folder's access list does) and must not be relied on."""

    name = "nt"

    def __getattr__(self, attribute: str) -> object:
        return getattr(os, attribute)

    @staticmethod
    def chmod(*args: object, **kwargs: object) -> None:
        raise AssertionError("chmod called on Windows")


def test_key_is_made_on_windows_without_chmod(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ITB_CONSOLE_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setattr(anchor, "os", _WindowsOs())
    ring = anchor.keyring()
    assert ring.key(ring.own) is not None
    anchor.record_seen("id", tmp_path / "x.sqlite", 1, "h" * 64, NOW)
    assert anchor.last_seen("id", tmp_path / "x.sqlite") is not None


def test_tests_never_use_the_real_per_user_key_folder() -> None:
    from platformdirs import user_config_path

    assert anchor.state_dir() != user_config_path(anchor.APP_NAME, appauthor=False)
    assert os.environ["ITB_CONSOLE_STATE_DIR"] == str(anchor.state_dir())
