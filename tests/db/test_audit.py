"""The audit trail: one entry per write, in the same transaction, append-only, hash-chained; and
verify names the first bad entry when someone with the file and an SQLite shell drops the
protective triggers and edits, deletes, reorders or truncates entries or records."""

from __future__ import annotations

import hashlib
import itertools
import sqlite3
from pathlib import Path

import pytest

from db import audit
from db.database import Database
from tests.db.factories import NOW, USER, later, open_new, patient, programme, pump_record, save

DAY = 60 * 24


def _clinic(path: Path) -> str:
    """A small history: created, 2 patients, 4 versions (entries 1 to 7). Returns the head."""
    with open_new(path) as database:
        save(database, programme(daily="400"))  # entries 2 (patient) and 3 (version 1)
        save(database, programme(daily="420"), base=1, now=later(DAY))  # 4
        database.create_patient(
            patient("MRN-7", "John Roe"), pump_record("S7"), user="dr.other", now=later(DAY + 5)
        )  # 5
        save(database, programme(daily="440"), base=2, now=later(2 * DAY))  # 6
        save(database, programme(daily="460"), base=3, now=later(3 * DAY))  # 7
        report = database.verify()
        assert report.ok and report.audit_entries == 7
        return report.audit_head


def _tamper(path: Path, *statements: str) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
        conn.execute(f"DROP TRIGGER {name}")
    for statement in statements:
        conn.execute(statement)
    conn.close()


def _problems(path: Path) -> list[str]:
    with Database.open(path, now=NOW) as database:
        report = database.verify()
    assert not report.ok and not report.audit_ok
    return report.problems


def test_every_write_is_audited_in_order(tmp_path: Path) -> None:
    path = tmp_path / "clinic.sqlite"
    _clinic(path)
    with Database.open(path, now=NOW) as database:
        entries = database.audit_entries()
        assert [e.seq for e in entries] == list(range(1, 8))
        assert [e.action for e in entries] == [
            "database.created",
            "patient.created",
            "programme.saved",
            "programme.saved",
            "patient.created",
            "programme.saved",
            "programme.saved",
        ]
        assert entries[0].prev_hash == audit.GENESIS_HASH
        assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(entries))
        assert entries[3].details["version"] == 2 and entries[3].details["reason"] == "test save"
        assert [e.seq for e in database.audit_entries(patient_id="MRN-7")] == [5]
        assert [e.seq for e in database.audit_entries(user="dr.other")] == [5]
        assert [e.seq for e in database.audit_entries(since=later(DAY), until=later(2 * DAY))] == [
            4,
            5,
        ]


def test_entry_hash_covers_the_canonical_entry() -> None:
    digest = audit.entry_hash(1, "2026-11-22T10:00:00", "u", "a", None, "{}", audit.GENESIS_HASH)
    payload = '[1,"2026-11-22T10:00:00","u","a",null,"{}","' + audit.GENESIS_HASH + '"]'
    assert digest == hashlib.sha256(payload.encode()).hexdigest()


def test_audit_trail_refuses_update_and_delete(tmp_path: Path) -> None:
    path = tmp_path / "clinic.sqlite"
    _clinic(path)
    conn = sqlite3.connect(path)
    for statement in (
        "UPDATE audit SET user = 'x' WHERE seq = 3",
        "DELETE FROM audit WHERE seq = 7",
        "UPDATE audit_head SET seq = 5",
        "DELETE FROM audit_head",
        "INSERT INTO audit (seq, at, user, action, details, prev_hash, hash) "
        "VALUES (99, 'x', 'x', 'x', '{}', 'x', 'x')",
    ):
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute(statement)
    conn.close()
    with Database.open(path, now=NOW) as database:
        assert database.verify().ok


def test_verify_names_an_edited_entry(tmp_path: Path) -> None:
    path = tmp_path / "clinic.sqlite"
    _clinic(path)
    _tamper(path, "UPDATE audit SET user = 'someone.else' WHERE seq = 4")
    problems = _problems(path)
    assert "audit entry 4" in problems[0] and "altered" in problems[0]


def test_verify_names_a_deleted_entry(tmp_path: Path) -> None:
    path = tmp_path / "clinic.sqlite"
    _clinic(path)
    _tamper(path, "DELETE FROM audit WHERE seq = 4")
    problems = _problems(path)
    assert "audit entry 4 is missing" in problems[0]
    assert any("programme version 2 of patient MRN-0042 has no audit entry" in p for p in problems)


def test_verify_names_reordered_entries(tmp_path: Path) -> None:
    path = tmp_path / "clinic.sqlite"
    _clinic(path)
    _tamper(
        path,
        "UPDATE audit SET seq = -1 WHERE seq = 4",
        "UPDATE audit SET seq = 4 WHERE seq = 5",
        "UPDATE audit SET seq = 5 WHERE seq = -1",
    )
    assert "audit entry 4" in _problems(path)[0]


def test_verify_names_a_renumbered_deletion(tmp_path: Path) -> None:
    """Entry 4 removed and the later ones renumbered to close the gap."""
    path = tmp_path / "clinic.sqlite"
    _clinic(path)
    _tamper(
        path,
        "DELETE FROM audit WHERE seq = 4",
        "UPDATE audit SET seq = seq - 1 WHERE seq > 4",
    )
    assert "audit entry 4" in _problems(path)[0]


def test_verify_notices_a_truncated_trail(tmp_path: Path) -> None:
    path = tmp_path / "clinic.sqlite"
    _clinic(path)
    _tamper(path, "DELETE FROM audit WHERE seq > 5")
    problems = _problems(path)
    assert "ends at entry 5, but entry 7 was recorded" in problems[0]
    assert any("programme version 4 of patient MRN-0042 has no audit entry" in p for p in problems)


def test_verify_notices_truncation_even_with_the_head_moved_back(tmp_path: Path) -> None:
    path = tmp_path / "clinic.sqlite"
    _clinic(path)
    _tamper(
        path,
        "DELETE FROM audit WHERE seq > 5",
        "UPDATE audit_head SET seq = 5, hash = (SELECT hash FROM audit WHERE seq = 5)",
    )
    problems = _problems(path)
    assert any("programme version 3 of patient MRN-0042 has no audit entry" in p for p in problems)


def test_verify_notices_an_altered_record(tmp_path: Path) -> None:
    path = tmp_path / "clinic.sqlite"
    _clinic(path)
    _tamper(
        path,
        "UPDATE programme_version SET programme_json = replace(programme_json, '420', '4200') "
        "WHERE number = 2",
    )
    problems = _problems(path)
    assert (
        "programme version 2 of patient MRN-0042 does not match what audit entry 4" in (problems[0])
    )


def test_verify_notices_a_deleted_record(tmp_path: Path) -> None:
    path = tmp_path / "clinic.sqlite"
    _clinic(path)
    _tamper(path, "DELETE FROM programme_version WHERE number = 4")
    problems = _problems(path)
    assert any("written by audit entry 7, is missing" in p for p in problems)


def test_verify_notices_removed_protection(tmp_path: Path) -> None:
    path = tmp_path / "clinic.sqlite"
    _clinic(path)
    _tamper(path)  # triggers dropped, nothing else changed
    problems = _problems(path)
    assert any("audit_never_updated" in p for p in problems)


def test_rewritten_trail_changes_the_head_hash(tmp_path: Path) -> None:
    """Someone who rewrites an entry and recomputes every hash after it leaves a valid chain;
    the head hash noted earlier (verify prints it) is what exposes them."""
    path = tmp_path / "clinic.sqlite"
    noted = _clinic(path)
    conn = sqlite3.connect(path, isolation_level=None)
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
        conn.execute(f"DROP TRIGGER {name}")
    conn.execute("UPDATE audit SET user = 'forger' WHERE seq = 5")
    prev = conn.execute("SELECT hash FROM audit WHERE seq = 4").fetchone()[0]
    rows = conn.execute(
        "SELECT seq, at, user, action, patient_id, details FROM audit WHERE seq >= 5 ORDER BY seq"
    ).fetchall()
    for seq, at, user, action, patient_id, details in rows:
        digest = audit.entry_hash(seq, at, user, action, patient_id, details, prev)
        conn.execute("UPDATE audit SET prev_hash = ?, hash = ? WHERE seq = ?", (prev, digest, seq))
        prev = digest
    conn.execute("UPDATE audit_head SET hash = ?", (prev,))
    conn.close()
    with Database.open(path, now=NOW) as database:
        report = database.verify()
    assert report.audit_head != noted
    assert all("audit entry" not in p for p in report.problems)  # the chain itself is whole


def test_user_is_recorded_as_given(tmp_path: Path) -> None:
    with open_new(tmp_path / "clinic.sqlite") as database:
        database.create_patient(patient(), pump_record(), user=USER, now=NOW)
        assert database.audit_entries()[-1].user == USER
