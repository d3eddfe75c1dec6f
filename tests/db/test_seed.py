"""Seeding is a client of storage: ``Database.open(..., on_create=...)`` runs it once, in the
transaction that creates the file, and storage never imports the seeding package."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from db.database import Database
from db.seed.demo_patients import seed_demo_patients
from db.seed.training import open_training, reset_training

NOW = datetime(2026, 11, 22, 10, 0)
ROOT = Path(__file__).resolve().parents[2]


class SeedFailedError(Exception):
    pass


def test_on_create_runs_once_in_the_creating_transaction(tmp_path: Path) -> None:
    path = tmp_path / "clinic.sqlite"
    calls: list[datetime] = []

    def record(database: Database, moment: datetime) -> None:
        calls.append(moment)
        # Built whole beside its path, linked into place only once complete (db/database.py).
        assert database.path.parent == path.parent and not path.exists()

    Database.open(path, on_create=record, now=NOW).close()
    Database.open(path, on_create=record, now=NOW).close()
    assert calls == [NOW]


def test_failed_seeding_leaves_no_half_created_database(tmp_path: Path) -> None:
    """Hazard: a database holding some demonstration patients and not others."""
    path = tmp_path / "clinic.sqlite"

    def fail_after_seeding(database: Database, moment: datetime) -> None:
        seed_demo_patients(database, moment)
        raise SeedFailedError

    with pytest.raises(SeedFailedError):
        Database.open(path, on_create=fail_after_seeding, now=NOW)
    with Database.open(path, now=NOW) as database:
        assert database.search_patients("demo", limit=100) == []
        assert [e.action for e in database.audit_entries()] == ["database.created"]


def test_storage_never_imports_the_seeding_package() -> None:
    code = "import sys, db.database; sys.exit(any(m.startswith('db.seed') for m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=False)
    assert result.returncode == 0


def test_training_reset_keeps_accounts_as_they_were_and_says_so(tmp_path: Path) -> None:
    """Through the facade (accounts_to_keep / keep_accounts), not raw SQL behind it."""
    later = NOW + timedelta(hours=3)
    database = open_training(tmp_path / "training.sqlite", now=NOW)
    admin = database.first_administrator("trainer.anna", "correct horse battery", now=NOW)
    database.add_user("trainee.ben", "trainer", "another long secret", by=admin, now=NOW)
    database.set_active("trainee.ben", False, by=admin, now=NOW)
    before = {u.name: u for u in database.list_users()}
    database = reset_training(database, now=later)
    try:
        after = {u.name: u for u in database.list_users()}
        assert after == before
        (reset,) = [e for e in database.audit_entries() if e.action == "training.reset"]
        assert reset.at == later
        assert reset.details["accounts_kept"] == ["trainer.anna", "trainee.ben"]
        assert database.verify().ok
    finally:
        database.close()


def test_a_reset_without_accounts_writes_no_account_entry(tmp_path: Path) -> None:
    database = reset_training(open_training(tmp_path / "t.sqlite", now=NOW), now=NOW)
    try:
        assert database.list_users() == []
        assert "training.reset" not in [e.action for e in database.audit_entries()]
    finally:
        database.close()
