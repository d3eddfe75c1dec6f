"""The audit trail: one entry per write, in the same transaction, append-only, hash-chained; and
verify names the first bad entry when someone with the file and an SQLite shell drops the
protective triggers and edits, deletes, reorders or truncates entries or records."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import os
import sqlite3
import stat
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from db import anchor, audit
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
    assert problems[0].startswith("CHANGED: audit entry 4") and "altered" in problems[0]


def test_verify_names_a_deleted_entry(tmp_path: Path) -> None:
    path = tmp_path / "clinic.sqlite"
    _clinic(path)
    _tamper(path, "DELETE FROM audit WHERE seq = 4")
    problems = _problems(path)
    assert problems[0].startswith("REMOVED: audit entry 4 is missing")
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
    assert _problems(path)[0].startswith("REORDERED: audit entry 4 (")


def test_verify_names_a_renumbered_deletion(tmp_path: Path) -> None:
    """Entry 4 removed and the later ones renumbered to close the gap."""
    path = tmp_path / "clinic.sqlite"
    _clinic(path)
    _tamper(
        path,
        "DELETE FROM audit WHERE seq = 4",
        "UPDATE audit SET seq = seq - 1 WHERE seq > 4",
    )
    problems = _problems(path)
    assert problems[0].startswith("ROLLED BACK: this workstation last saw audit entry 7")
    assert any(
        p.startswith("REMOVED: audit entry 4 (") and "is entry 5 renumbered" in p for p in problems
    )


def test_verify_notices_a_truncated_trail(tmp_path: Path) -> None:
    path = tmp_path / "clinic.sqlite"
    _clinic(path)
    _tamper(path, "DELETE FROM audit WHERE seq > 5")
    problems = _problems(path)
    assert problems[0].startswith("ROLLED BACK: this workstation last saw audit entry 7")
    assert any("ends at entry 5, but entry 7 was recorded" in p for p in problems)
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


def _rewrite_from(path: Path, seq_from: int, edit: str, key: bytes | None) -> None:
    """The attack of issue 10: triggers dropped, a record and its entry edited, every hash
    from ``seq_from`` on recomputed (plain SHA-256, or HMAC under ``key``), the record hashes
    made to match, the head and the triggers put back."""
    conn = sqlite3.connect(path, isolation_level=None)
    triggers = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").fetchall()
    for name, _ in triggers:
        conn.execute(f"DROP TRIGGER {name}")
    conn.execute(edit)
    rowid, row = conn.execute(
        "SELECT rowid, audit_seq FROM programme_version WHERE daily_dose_mcg = '1400'"
    ).fetchone()
    conn.row_factory = sqlite3.Row
    stored = dict(
        conn.execute("SELECT * FROM programme_version WHERE rowid = ?", [rowid]).fetchone()
    )
    conn.row_factory = None
    details = json.loads(
        conn.execute("SELECT details FROM audit WHERE seq = ?", [row]).fetchone()[0]
    )
    details["daily_dose_mcg"] = "1400"
    details["records"] = [
        [t, r, audit.row_hash(stored) if (t, r) == ("programme_version", rowid) else h]
        for t, r, h in details["records"]
    ]
    conn.execute("UPDATE audit SET details = ? WHERE seq = ?", [audit.canonical_json(details), row])
    prev = conn.execute("SELECT hash FROM audit WHERE seq = ?", [seq_from - 1]).fetchone()[0]
    rows = conn.execute(
        "SELECT seq, at, user, action, patient_id, details FROM audit WHERE seq >= ? ORDER BY seq",
        [seq_from],
    ).fetchall()
    for seq, at, user, action, patient_id, text in rows:
        digest = audit.entry_hash(seq, at, user, action, patient_id, text, prev, key)
        conn.execute("UPDATE audit SET prev_hash = ?, hash = ? WHERE seq = ?", (prev, digest, seq))
        prev = digest
    conn.execute("UPDATE audit_head SET hash = ?", (prev,))
    for _, sql in triggers:
        conn.execute(sql)
    conn.close()


DOSE_TO_1400 = "UPDATE programme_version SET daily_dose_mcg = '1400' WHERE daily_dose_mcg = '420'"


def test_dose_rewritten_with_recomputed_hashes_is_named_recomputed(tmp_path: Path) -> None:
    """A saved 420 mcg/day changed to 1400 and every later hash recomputed as plain SHA-256
    (what anyone with the file can do): verify says RECOMPUTED at that entry."""
    path = tmp_path / "clinic.sqlite"
    _clinic(path)
    _rewrite_from(path, 4, DOSE_TO_1400, key=None)
    problems = _problems(path)
    assert any(p.startswith("RECOMPUTED: audit entry 4 (programme.saved") for p in problems)


def test_dose_rewritten_with_another_key_is_named_forged(tmp_path: Path) -> None:
    """The same rewrite keyed with a key of the attacker's own: FORGED (key mismatch)."""
    path = tmp_path / "clinic.sqlite"
    _clinic(path)
    _rewrite_from(path, 4, DOSE_TO_1400, key=b"k" * 32)
    problems = _problems(path)
    assert any(p.startswith("FORGED: audit entry 4 (programme.saved") for p in problems)
    assert any("key mismatch" in p for p in problems)


def test_dose_rewrite_on_a_copy_without_the_anchor_is_caught_by_the_written_down_head(
    tmp_path: Path,
) -> None:
    """Even where the key is not at hand (the database moved to a workstation that has it but
    not its heads), a head written down from a session report exposes a rollback."""
    path = tmp_path / "clinic.sqlite"
    noted = _clinic(path)
    _tamper(
        path,
        "DELETE FROM audit WHERE seq > 6",
        "UPDATE audit_head SET seq = 6, hash = (SELECT hash FROM audit WHERE seq = 6)",
    )
    with Database.open(path, now=NOW) as database:
        report = database.verify(expect_head=noted)
    assert any(p.startswith("ROLLED BACK: the head written down") for p in report.problems)


def test_untouched_trail_verifies_against_its_written_down_head(tmp_path: Path) -> None:
    path = tmp_path / "clinic.sqlite"
    noted = _clinic(path)
    with Database.open(path, now=NOW) as database:
        report = database.verify(expect_head=noted.upper())
        assert report.ok and report.seen_head == (7, noted)
        assert database.audit_head() == (7, noted)


def test_entries_are_keyed_with_the_workstation_key(tmp_path: Path) -> None:
    """Since schema 4 an entry's hash is HMAC-SHA256 under the key its database names: without
    the key nobody can make one that verifies."""
    path = tmp_path / "clinic.sqlite"
    _clinic(path)
    with Database.open(path, now=NOW) as database:
        first, fourth = database.audit_entries()[0], database.audit_entries()[3]
    kid = first.details["audit_key"]
    secret = anchor.key_for(kid)
    row = (4, fourth.at.isoformat(), fourth.user, fourth.action, fourth.patient_id)
    conn = sqlite3.connect(path)
    details, prev = conn.execute("SELECT details, prev_hash FROM audit WHERE seq = 4").fetchone()
    conn.close()
    payload = audit.canonical_json([*row, details, prev]).encode()
    assert fourth.hash == hmac.new(secret, payload, hashlib.sha256).hexdigest()
    assert fourth.hash != audit.entry_hash(*row, details, prev)


def test_key_file_is_owner_only(tmp_path: Path) -> None:
    open_new(tmp_path / "clinic.sqlite").close()
    keys = anchor.state_dir() / anchor.KEYS_FILE
    if os.name != "nt":
        assert stat.S_IMODE(keys.stat().st_mode) == 0o600
        assert stat.S_IMODE(keys.parent.stat().st_mode) & 0o077 == 0


def test_a_workstation_without_the_key_cannot_verify_nor_write(
    tmp_path: Path, other_workstation: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "clinic.sqlite"
    with open_new(path) as database:
        save(database, programme(daily="400"))
    monkeypatch.setenv("ITB_CONSOLE_STATE_DIR", str(other_workstation))
    with Database.open(path, now=NOW) as database:
        report = database.verify()
        assert not report.ok and report.problems[0].startswith("KEY MISSING")
        with pytest.raises(anchor.AuditKeyError, match="audit-key import"):
            save(database, programme(daily="420"), base=1)


def test_user_is_recorded_as_given(tmp_path: Path) -> None:
    with open_new(tmp_path / "clinic.sqlite") as database:
        database.create_patient(patient(), pump_record(), user=USER, now=NOW)
        assert database.audit_entries()[-1].user == USER


@settings(max_examples=15)
@given(
    seq=st.integers(min_value=1, max_value=7),
    column=st.sampled_from(["at", "user", "action", "patient_id", "details"]),
    recompute=st.sampled_from([None, b"attacker key".ljust(32, b"!")]),
)
def test_any_edit_of_any_entry_is_named_at_that_entry(
    tmp_path_factory: pytest.TempPathFactory, seq: int, column: str, recompute: bytes | None
) -> None:
    """Whichever entry is edited, in whichever column, with or without the hashes recomputed
    afterwards (plainly, or under a key of the attacker's own), verify names that entry."""
    path = tmp_path_factory.mktemp("edit") / "clinic.sqlite"
    _clinic(path)
    conn = sqlite3.connect(path, isolation_level=None)
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
        conn.execute(f"DROP TRIGGER {name}")
    new_value = '{"forged":true}' if column == "details" else "2000-01-01T00:00:00"
    conn.execute(f"UPDATE audit SET {column} = ? WHERE seq = ?", [new_value, seq])
    if recompute is not None or seq == 1:
        prev = (
            audit.GENESIS_HASH
            if seq == 1
            else conn.execute("SELECT hash FROM audit WHERE seq = ?", [seq - 1]).fetchone()[0]
        )
        rows = conn.execute(
            "SELECT seq, at, user, action, patient_id, details FROM audit WHERE seq >= ? "
            "ORDER BY seq",
            [seq],
        ).fetchall()
        for n, at, user, action, patient_id, details in rows:
            digest = audit.entry_hash(n, at, user, action, patient_id, details, prev, recompute)
            conn.execute(
                "UPDATE audit SET prev_hash = ?, hash = ? WHERE seq = ?", (prev, digest, n)
            )
            prev = digest
        conn.execute("UPDATE audit_head SET hash = ?", (prev,))
    conn.close()
    with Database.open(path, now=NOW) as database:
        report = database.verify()
    assert not report.ok
    if seq == 1 and column in ("action", "details"):
        # The entry naming the key is itself rewritten: no key is known to check it with.
        names: tuple[str, ...] = (
            "RECOMPUTED: the database is keyed",
            "CHANGED: audit entry 1 (",
            "RECOMPUTED: audit entry 1 (",
        )
    elif recompute is None:
        names = (f"{'RECOMPUTED' if seq == 1 else 'CHANGED'}: audit entry {seq} (",)
    else:  # the last entry has no successor to tell a forged hash from an edit
        names = tuple(f"{kind}: audit entry {seq} (" for kind in ("FORGED", "CHANGED"))
        names = names if seq == 7 else names[:1]
    assert any(p.startswith(names) for p in report.problems), report.problems
