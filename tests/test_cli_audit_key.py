"""``verify`` against what was seen outside the file (``--expect-head``, the workstation's last
head), and ``audit-key export``/``import``: moving a database to another workstation, audited
(issue 10, "An audit trail anchored outside its file")."""

from __future__ import annotations

import io
import os
import sqlite3
import stat
import sys
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from db import anchor, users
from db.database import Database
from db.users import Role
from tests.db.factories import NOW, programme, save
from ui.cli import main

ADMIN_PW = "correct horse battery"


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(users, "HASHER", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


def _clinic(path: Path) -> str:
    with Database.open(path, now=NOW) as database:
        database.first_administrator("admin", ADMIN_PW, NOW)
        save(database, programme(daily="420"))
        return database.audit_head()[1]


def _run(
    monkeypatch: pytest.MonkeyPatch, db: Path, *args: str, stdin: str = ADMIN_PW + "\n"
) -> int:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    return main(["--db", str(db), *args])


def test_verify_prints_the_head_seen_and_checks_a_written_down_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "clinic.sqlite"
    head = _clinic(db)
    assert _run(monkeypatch, db, "verify", "--expect-head", head, "--as", "admin") == 0
    out = capsys.readouterr().out
    # verify logs its account in (an audit entry), so the head it prints is a later one
    assert "hash " in out and f"Expected head {head}: in the trail" in out
    assert _run(monkeypatch, db, "verify", "--expect-head", "0" * 64, "--as", "admin") == 1
    out = capsys.readouterr().out
    assert "NOT in the trail" in out and "ROLLED BACK: the head written down" in out


def test_database_moved_with_its_key_verifies_on_the_new_workstation(
    tmp_path: Path,
    other_workstation: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    db = tmp_path / "clinic.sqlite"
    _clinic(db)
    key_file = tmp_path / "clinic.key"
    assert _run(monkeypatch, db, "audit-key", "export", str(key_file), "--as", "admin") == 0
    assert "keep it as safe as a password" in capsys.readouterr().out
    if os.name != "nt":
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    monkeypatch.setenv("ITB_CONSOLE_STATE_DIR", str(other_workstation))
    assert (
        _run(monkeypatch, db, "verify", "--as", "admin") == 2
    )  # the new workstation has no key yet
    assert "itb-console audit-key import" in capsys.readouterr().err
    assert _run(monkeypatch, db, "audit-key", "import", str(key_file), "--as", "admin") == 0
    capsys.readouterr()
    assert _run(monkeypatch, db, "verify", "--as", "admin") == 0
    with Database.open(db, now=NOW) as database:
        actions = [e.action for e in database.audit_entries()]
    assert "audit.key_exported" in actions and "audit.key_imported" in actions


def test_key_import_needs_the_administrator_and_keeps_nothing_otherwise(
    tmp_path: Path,
    other_workstation: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    db = tmp_path / "clinic.sqlite"
    _clinic(db)
    with Database.open(db, now=NOW) as database:
        admin = database.authenticate("admin", ADMIN_PW, now=NOW)
        database.add_user("dr.lee", Role.CLINICIAN, "staple clinic 2026", by=admin, now=NOW)
    key_file = tmp_path / "clinic.key"
    assert _run(monkeypatch, db, "audit-key", "export", str(key_file), "--as", "admin") == 0
    monkeypatch.setenv("ITB_CONSOLE_STATE_DIR", str(other_workstation))
    capsys.readouterr()
    assert (
        _run(
            monkeypatch,
            db,
            "audit-key",
            "import",
            str(key_file),
            "--as",
            "dr.lee",
            stdin="staple clinic 2026\n",
        )
        == 2
    )
    assert "Only an administrator" in capsys.readouterr().err
    kid = key_file.read_text()
    assert anchor.keyring().key(anchor.read_export(kid, "k")[0]) is None


def test_a_tampered_key_file_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "clinic.sqlite"
    _clinic(db)
    key_file = tmp_path / "clinic.key"
    assert _run(monkeypatch, db, "audit-key", "export", str(key_file), "--as", "admin") == 0
    text = key_file.read_text()
    key_file.write_text(text.replace('"key": "', '"key": "00', 1).replace("00", "", 0))
    forged = tmp_path / "forged.key"
    forged.write_text('{"format": "itb-audit-key/1", "id": "abc", "key": "' + "11" * 32 + '"}')
    capsys.readouterr()
    assert _run(monkeypatch, db, "audit-key", "import", str(forged), "--as", "admin") == 2
    assert "does not match its id" in capsys.readouterr().err
    assert _run(monkeypatch, db, "audit-key", "export", str(key_file), "--as", "admin") == 2
    assert "exists" in capsys.readouterr().err


def test_verify_still_runs_and_names_a_relabelled_kind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every other command refuses the relabelled database; verify, read-only, names it."""
    db = tmp_path / "clinic.sqlite"
    _clinic(db)
    conn = sqlite3.connect(db)
    conn.execute("UPDATE console_meta SET value = 'training' WHERE key = 'kind'")
    conn.commit()
    conn.close()
    assert _run(monkeypatch, db, "history", "MRN-0042", "--as", "admin") == 2
    assert "changed outside the console" in capsys.readouterr().err
    assert _run(monkeypatch, db, "verify", "--as", "admin") == 1
    assert "CHANGED: the database kind was changed outside" in capsys.readouterr().out
