"""Opening a database file: a new or empty file is initialised; anything that is not a console
database (not SQLite, damaged, another program's, newer, read-only, locked) is refused with a
clear message naming the file, and left byte for byte as it was."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import pytest

from db import migrations
from db.connection import APPLICATION_ID
from db.database import (
    Database,
    DatabaseError,
    DatabaseLockedError,
    DatabaseNewerError,
    DatabaseReadOnlyError,
    NotADatabaseError,
)
from db.seed.demo_patients import seed_demo_patients
from tests.db.factories import NOW, open_new, programme, save


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def test_new_database_is_created_with_the_current_schema(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite"
    with open_new(path) as database:
        assert database.path == path
        sdb = database._sdb
        assert migrations.user_version(sdb) == migrations.schema_version()
        assert sdb.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        assert database.search_patients("a") == []
        assert [e.action for e in database.audit_entries()] == ["database.created"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # clinical data: owner only


def test_connection_settings_are_durable_and_checked(tmp_path: Path) -> None:
    with open_new(tmp_path / "db.sqlite") as database:
        sdb = database._sdb
        assert sdb.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert sdb.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert sdb.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert sdb.execute("PRAGMA busy_timeout").fetchone()[0] > 0


def test_missing_folders_are_created(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "db.sqlite"
    with open_new(path):
        pass
    assert path.exists()


def test_truncated_to_zero_bytes_is_damage_not_a_new_database(tmp_path: Path) -> None:
    """Issue 10: a default database truncated to 0 bytes was silently recreated with demo
    patients and verify said ok. Only a missing file is new: a 0-byte one is refused as it is."""
    path = tmp_path / "clinic.sqlite"
    with Database.open(path, on_create=seed_demo_patients, now=NOW):
        pass
    path.write_bytes(b"")
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    with pytest.raises(NotADatabaseError, match="empty \\(0-byte\\) file"):
        Database.open(path, on_create=seed_demo_patients)
    assert path.stat().st_size == 0


def test_vanished_database_at_a_known_path_is_not_recreated(tmp_path: Path) -> None:
    """A database this workstation has seen, deleted: no new one (demo patients and a clean
    audit trail) appears in its place."""
    path = tmp_path / "clinic.sqlite"
    with Database.open(path, on_create=seed_demo_patients, now=NOW):
        pass
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    with pytest.raises(NotADatabaseError, match="is gone, so no new one was made"):
        Database.open(path, on_create=seed_demo_patients)
    assert not path.exists()


def test_new_database_appears_whole_or_not_at_all(tmp_path: Path) -> None:
    """A new database is built beside its path and linked in only when complete: no 0-byte
    file is ever left at the path, and no temporary file stays behind."""
    path = tmp_path / "new.sqlite"
    with Database.open(path, on_create=seed_demo_patients, now=NOW) as database:
        assert migrations.user_version(database._sdb) == migrations.schema_version()
    assert sorted(p.name for p in tmp_path.iterdir() if "creating" in p.name) == []


def test_missing_file_without_create_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "absent.sqlite"
    with pytest.raises(DatabaseError, match="no database there"):
        Database.open(path, create=False)
    assert not path.exists()


def test_reopening_keeps_the_records(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    with open_new(path) as database:
        save(database, programme())
    with Database.open(path, create=False, now=NOW) as database:
        assert [v.number for v in database.versions("MRN-0042")] == [1]


def test_non_sqlite_file_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "notes.sqlite"
    path.write_bytes(b"Patient list\nJane Doe, MRN-0042\n" * 20)
    before = _snapshot(tmp_path)
    with pytest.raises(NotADatabaseError, match="not an SQLite file") as info:
        Database.open(path)
    assert str(path) in str(info.value)
    assert _snapshot(tmp_path) == before


def test_tiny_file_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "tiny.sqlite"
    path.write_bytes(b"SQLite")
    before = _snapshot(tmp_path)
    with pytest.raises(NotADatabaseError):
        Database.open(path)
    assert _snapshot(tmp_path) == before


def test_corrupt_database_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "damaged.sqlite"
    with open_new(path) as database:
        save(database, programme())
    data = bytearray(path.read_bytes())
    # Keep the 100-byte header (it still says SQLite, console, schema 1), wreck the rest.
    data[100:] = bytes((i * 37 + 11) % 256 for i in range(len(data) - 100))
    path.write_bytes(bytes(data))
    before = path.read_bytes()
    with pytest.raises(NotADatabaseError, match="damaged") as info:
        Database.open(path)
    assert str(path) in str(info.value)
    assert path.read_bytes() == before


def test_other_programs_sqlite_database_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
    conn.execute("INSERT INTO invoices (total) VALUES (12.5)")
    conn.commit()
    conn.close()
    before = _snapshot(tmp_path)
    with pytest.raises(NotADatabaseError, match="another program"):
        Database.open(path)
    assert _snapshot(tmp_path) == before


def test_other_application_id_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA application_id = 1234")
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    before = _snapshot(tmp_path)
    with pytest.raises(NotADatabaseError, match="another program"):
        Database.open(path)
    assert _snapshot(tmp_path) == before


def test_newer_schema_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "newer.sqlite"
    with open_new(path) as database:
        save(database, programme())
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {migrations.schema_version() + 1}")
    conn.commit()
    conn.close()
    before = _snapshot(tmp_path)
    with pytest.raises(DatabaseNewerError, match="newer version of the console") as info:
        Database.open(path)
    assert str(path) in str(info.value)
    assert _snapshot(tmp_path) == before


def test_read_only_file_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "ro.sqlite"
    with open_new(path) as database:
        save(database, programme())
    path.chmod(0o444)
    try:
        before = _snapshot(tmp_path)
        with pytest.raises(DatabaseReadOnlyError, match="read-only") as info:
            Database.open(path)
        assert str(path) in str(info.value)
        assert _snapshot(tmp_path) == before
    finally:
        path.chmod(0o600)


def test_read_only_folder_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """WAL needs its -wal and -shm files beside the database. (Simulated: the tests may run as
    root, who can write in any folder.)"""
    folder = tmp_path / "ro"
    folder.mkdir()
    path = folder / "db.sqlite"
    with open_new(path):
        pass
    real_access = os.access

    def access(target: object, mode: int, **kwargs: object) -> bool:
        return False if Path(str(target)) == folder else real_access(target, mode)  # type: ignore[arg-type]

    monkeypatch.setattr("db.connection.os.access", access)
    before = _snapshot(folder)
    with pytest.raises(DatabaseReadOnlyError, match="folder"):
        Database.open(path)
    assert _snapshot(folder) == before


def test_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(NotADatabaseError, match="folder"):
        Database.open(tmp_path)


def test_database_locked_by_another_program_gives_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "locked.sqlite"
    with open_new(path):
        pass
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("PRAGMA locking_mode = EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("UPDATE patient_opened SET opened_at = opened_at")
    try:
        with pytest.raises(DatabaseLockedError, match="in use by another program") as info:
            Database.open(path, timeout=0.2)
        assert str(path) in str(info.value)
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_write_waits_then_reports_a_lock_and_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "busy.sqlite"
    with open_new(path):
        pass
    database = Database.open(path, timeout=0.2, now=NOW)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(DatabaseLockedError):
            save(database, programme())
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert database.search_patients("MRN") == []
    save(database, programme())  # once the lock is gone the same save goes through
    database.close()


def test_closed_database_refuses_use(tmp_path: Path) -> None:
    database = open_new(tmp_path / "db.sqlite")
    database.close()
    database.close()  # closing twice is harmless
    with pytest.raises(DatabaseError, match="closed"):
        database.search_patients("x")


def test_default_path_is_per_user(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    path = Database.default_path()
    assert path.name == "itb-console.sqlite"
    assert path.is_relative_to(tmp_path / "data")
    assert not path.exists()  # asking is not creating
