"""Backup and restore: an online, consistent copy written whole or not at all; a restore that
checks the backup first and never deletes the database it replaces."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import pytest

from db.database import BackupError, Database
from tests.db.factories import NOW, later, open_new, programme, save

DAY = 60 * 24


def _clinic(path: Path) -> Database:
    database = open_new(path)
    save(database, programme(daily="400"))
    save(database, programme(daily="420"), base=1, now=later(DAY))
    return database


def test_backup_is_a_complete_self_contained_copy(tmp_path: Path) -> None:
    database = _clinic(tmp_path / "clinic.sqlite")
    dest = tmp_path / "copies" / "monday.sqlite"
    dest.parent.mkdir()
    database.backup(dest)
    database.close()
    assert sorted(p.name for p in dest.parent.iterdir()) == ["monday.sqlite"]  # no -wal beside
    assert stat.S_IMODE(dest.stat().st_mode) == 0o600  # clinical data: owner only
    conn = sqlite3.connect(dest)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    conn.close()
    with Database.open(dest, create=False, now=NOW) as copy:
        assert [v.daily_dose_mcg for v in copy.versions("MRN-0042")] == [400, 420]
        assert copy.verify().ok


def test_backup_while_another_window_writes(tmp_path: Path) -> None:
    """Online: a writer holding the write lock does not stop a consistent backup."""
    path = tmp_path / "clinic.sqlite"
    database = _clinic(path)
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute(
        "INSERT INTO patient_opened (patient_num, opened_at) SELECT num, 'x' FROM patient"
    )
    database.backup(tmp_path / "copy.sqlite")
    writer.execute("ROLLBACK")
    writer.close()
    database.close()
    with Database.open(tmp_path / "copy.sqlite", create=False, now=NOW) as copy:
        assert copy.verify().ok
        assert copy.recent_patients() == []  # the uncommitted write is not in the copy


def test_backup_refuses_the_database_itself(tmp_path: Path) -> None:
    path = tmp_path / "clinic.sqlite"
    with _clinic(path) as database:
        before = path.read_bytes()
        for target in (path, tmp_path / "clinic.sqlite-wal", tmp_path / "." / "clinic.sqlite"):
            with pytest.raises(BackupError, match="the database itself"):
                database.backup(target)
        assert path.read_bytes() == before
        assert len(database.versions("MRN-0042")) == 2


def test_backup_does_not_overwrite_unless_asked(tmp_path: Path) -> None:
    existing = tmp_path / "existing.sqlite"
    existing.write_bytes(b"keep me")
    with _clinic(tmp_path / "clinic.sqlite") as database:
        with pytest.raises(BackupError, match="already exists"):
            database.backup(existing)
        assert existing.read_bytes() == b"keep me"
        database.backup(existing, overwrite=True)
    assert existing.read_bytes()[:16] == b"SQLite format 3\x00"


def test_backup_to_a_missing_folder_is_refused(tmp_path: Path) -> None:
    with (
        _clinic(tmp_path / "clinic.sqlite") as database,
        pytest.raises(BackupError, match="does not exist"),
    ):
        database.backup(tmp_path / "nowhere" / "copy.sqlite")
    assert not (tmp_path / "nowhere").exists()


def test_restore_to_a_new_file(tmp_path: Path) -> None:
    with _clinic(tmp_path / "clinic.sqlite") as database:
        database.backup(tmp_path / "copy.sqlite")
    target = tmp_path / "restored.sqlite"
    assert Database.restore(tmp_path / "copy.sqlite", target, now=NOW) is None
    with Database.open(target, create=False, now=NOW) as restored:
        assert len(restored.versions("MRN-0042")) == 2


def test_restore_over_a_database_keeps_the_old_one(tmp_path: Path) -> None:
    path = tmp_path / "clinic.sqlite"
    with _clinic(path) as database:
        database.backup(tmp_path / "copy.sqlite")
        save(database, programme(daily="440"), base=2, now=later(2 * DAY))
    with pytest.raises(BackupError, match="already exists"):
        Database.restore(tmp_path / "copy.sqlite", path, now=NOW)
    kept = Database.restore(tmp_path / "copy.sqlite", path, overwrite=True, now=later(3 * DAY))
    assert kept is not None and kept.exists() and kept != path
    with Database.open(path, create=False, now=NOW) as restored:
        assert len(restored.versions("MRN-0042")) == 2
    with Database.open(kept, create=False, now=NOW) as old:
        assert len(old.versions("MRN-0042")) == 3


def test_restore_refuses_a_damaged_backup(tmp_path: Path) -> None:
    with _clinic(tmp_path / "clinic.sqlite") as database:
        database.backup(tmp_path / "copy.sqlite")
    damaged = tmp_path / "copy.sqlite"
    data = bytearray(damaged.read_bytes())
    data[4096 * 3 : 4096 * 3 + 200] = b"\xff" * 200
    damaged.write_bytes(bytes(data))
    target = tmp_path / "target.sqlite"
    with pytest.raises(BackupError, match="cannot be restored"):
        Database.restore(damaged, target, now=NOW)
    assert not target.exists()


def test_restore_refuses_a_tampered_backup(tmp_path: Path) -> None:
    with _clinic(tmp_path / "clinic.sqlite") as database:
        database.backup(tmp_path / "copy.sqlite")
    conn = sqlite3.connect(tmp_path / "copy.sqlite", isolation_level=None)
    conn.execute("DROP TRIGGER audit_never_updated")
    conn.execute("UPDATE audit SET user = 'x' WHERE seq = 2")
    conn.close()
    with pytest.raises(BackupError, match="audit entry 2"):
        Database.restore(tmp_path / "copy.sqlite", tmp_path / "target.sqlite", now=NOW)


def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path: Path) -> None:
    junk = tmp_path / "junk.sqlite"
    junk.write_text("hello")
    with pytest.raises(BackupError, match="not a console database backup"):
        Database.restore(junk, tmp_path / "target.sqlite", now=NOW)


def test_restore_refuses_a_database_still_open(tmp_path: Path) -> None:
    path = tmp_path / "clinic.sqlite"
    with _clinic(path) as database:
        database.backup(tmp_path / "copy.sqlite")
        with pytest.raises(BackupError, match="still open"):
            Database.restore(tmp_path / "copy.sqlite", path, overwrite=True, now=NOW)
        assert len(database.versions("MRN-0042")) == 2
