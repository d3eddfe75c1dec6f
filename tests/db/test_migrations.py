"""Schema versions: an older database is copied to a backup file before it is migrated, each
migration is one transaction recorded in the audit trail, and a failed migration leaves the
database as it was."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlite_utils import Database as SqliteDatabase

from db import migrations, worklist
from db.database import Database
from db.migrations import Migration
from programmer.drug_library import default_drug_library
from programmer.projection import ClinicSettings
from tests.db.factories import (
    NOW,
    add_later_tables,
    drop_later_tables,
    later,
    open_new,
    programme,
    save,
    undo_opening_order,
)


def _add_column(sdb: SqliteDatabase) -> None:
    sdb.execute("ALTER TABLE patient_opened ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0")


def _fail(sdb: SqliteDatabase) -> None:
    sdb.execute("CREATE TABLE half_done (x INTEGER)")
    raise RuntimeError("migration bug")


def test_migration_writes_a_backup_copy_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "clinic.sqlite"
    old = migrations.schema_version()
    with open_new(path) as database:
        save(database, programme())
    monkeypatch.setattr(
        migrations,
        "MIGRATIONS",
        [*migrations.MIGRATIONS, Migration(old + 1, "pin patients", _add_column)],
    )
    with Database.open(path, now=later(60)) as database:
        assert migrations.user_version(database._sdb) == old + 1
        entry = database.audit_entries()[-1]
        assert entry.action == "database.migrated"
        assert entry.details["schema"] == old + 1
        copy = Path(entry.details["backup"])
        assert database.verify().ok
    assert copy.parent == tmp_path and copy.name.startswith(f"clinic.schema{old}-")
    assert copy.read_bytes()[:16] == b"SQLite format 3\x00"
    conn = sqlite3.connect(copy)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == old
    assert conn.execute("SELECT count(*) FROM programme_version").fetchone()[0] == 1
    conn.close()


def test_failed_migration_changes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "clinic.sqlite"
    with open_new(path) as database:
        save(database, programme())
    old = migrations.schema_version()
    monkeypatch.setattr(
        migrations, "MIGRATIONS", [*migrations.MIGRATIONS, Migration(old + 1, "broken", _fail)]
    )
    with pytest.raises(RuntimeError, match="migration bug"):
        Database.open(path, now=NOW)
    monkeypatch.undo()
    with Database.open(path, now=NOW) as database:
        assert migrations.user_version(database._sdb) == old
        assert "half_done" not in database._sdb.table_names()
        assert [v.number for v in database.versions("MRN-0042")] == [1]


def test_every_migration_bumps_the_version_by_one() -> None:
    assert [m.version for m in migrations.MIGRATIONS] == list(
        range(1, migrations.schema_version() + 1)
    )


def test_current_database_is_not_migrated_or_copied(tmp_path: Path) -> None:
    path = tmp_path / "clinic.sqlite"
    with open_new(path):
        pass
    with Database.open(path, now=NOW) as database:
        assert [e.action for e in database.audit_entries()] == ["database.created"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clinic.sqlite"]


SCHEMA_3_TABLES = ("drug_library", "compounded_confirmation")


def drop_after_schema_3(conn: sqlite3.Connection) -> None:
    """Back to schema 3: the worklist figures (schema 4) with the triggers that keep them, the
    assessments (schema 5), the visits (schema 6) with the trigger on the audit trail."""
    names = conn.execute(
        "SELECT type, name FROM sqlite_master WHERE type IN ('trigger', 'table') "
        "AND (name LIKE 'worklist%' OR name LIKE 'visit%' OR name = 'assessment') "
        "ORDER BY type DESC"
    ).fetchall()
    for kind, name in names:
        conn.execute(f"DROP {kind.upper()} {name}")


def _schema_3_clinic(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A database as the console wrote it at schema 3: unkeyed audit entries, no identity, no
    worklist figures (schema 4) to keep."""
    with monkeypatch.context() as patch:
        patch.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS[:3])
        patch.setattr(worklist, "refresh_stale", lambda *args: None)
        patch.setattr(worklist, "refresh", lambda *args: 0)  # no worklist tables yet
        with open_new(path) as database:
            add_later_tables(database)
            save(database, programme())
        drop_later_tables(path)


def test_schema_1_database_is_upgraded_to_2_and_marked_clinical(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "clinic.sqlite"
    _schema_3_clinic(path, monkeypatch)
    conn = sqlite3.connect(path, isolation_level=None)  # back to what schema 1 wrote
    drop_after_schema_3(conn)
    for table in (
        "console_meta",
        "user_account",
        "simulated_pump",
        *SCHEMA_3_TABLES,
    ):
        conn.execute(f"DROP TABLE {table}")
    conn.execute("PRAGMA user_version = 1")
    conn.close()
    with Database.open(path, now=later(60)) as database:
        assert migrations.user_version(database._sdb) == migrations.schema_version()
        kind = database._sdb.execute("SELECT value FROM console_meta WHERE key = 'kind'")
        assert kind.fetchone()[0] == "clinical"
        assert [v.number for v in database.versions("MRN-0042")] == [1]
        assert database.audit_entries()[-1].action == "database.migrated"
        assert database.verify().ok


def test_schema_2_database_gets_library_versions_and_keeps_the_packaged_library(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "clinic.sqlite"
    _schema_3_clinic(path, monkeypatch)
    packaged = default_drug_library()
    conn = sqlite3.connect(path, isolation_level=None)  # back to what schema 2 wrote
    drop_after_schema_3(conn)
    for table in SCHEMA_3_TABLES:
        conn.execute(f"DROP TABLE {table}")
    conn.execute("PRAGMA user_version = 2")
    conn.close()
    with Database.open(path, now=later(60)) as database:
        assert migrations.user_version(database._sdb) == migrations.schema_version()
        entry = next(e for e in database.audit_entries() if e.action == "database.migrated")
        assert entry.details["schema"] == 3
        assert database.library == packaged and database.library_versions() == []
        assert database.compounded_confirmations("MRN-0042") == []
        assert database.verify().ok


def test_a_database_before_clinic_settings_migrates_in_place_with_the_defaults(
    tmp_path: Path,
) -> None:
    """Issue 12's migration: an existing database gets the settings table, is backed up first,
    and keeps the program's defaults (a 7-day margin, "ITB clinic", ".") until an administrator
    stores settings."""
    path = tmp_path / "clinic.sqlite"
    with open_new(path) as database:
        save(database, programme())
    settings = next(
        m.version for m in migrations.MIGRATIONS if m.apply is migrations._create_clinic_settings
    )
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("DROP TABLE clinic_settings")
    # The migrations after it.
    for table in ("patient_revision", "pump_serial_correction", "patient_order"):
        conn.execute(f"DROP TABLE {table}")
    undo_opening_order(conn)
    conn.execute(f"PRAGMA user_version = {settings - 1}")
    conn.close()
    with Database.open(path, now=later(60)) as database:
        assert migrations.user_version(database._sdb) == migrations.schema_version()
        entry = next(e for e in database.audit_entries() if e.details.get("schema") == settings)
        assert entry.action == "database.migrated"
        assert entry.details["summary"] == "clinic settings versions"
        assert entry.details["backup"] is not None and Path(entry.details["backup"]).exists()
        assert database.clinic_settings == ClinicSettings()
        assert database.clinic_settings_history() == []
        assert database.verify().ok
