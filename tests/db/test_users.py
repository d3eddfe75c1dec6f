"""User accounts (issue 6, "Users and access"): roles, the training/clinical guard, the lock-out,
passwords only as argon2id hashes and never in clear anywhere, and every login and account
change in the audit trail. Every test passes ``now``; hashing uses cheap argon2 parameters."""

from __future__ import annotations

import logging
import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from db import account_errors, users
from db.account_errors import (
    AccountLockedError,
    AccountsExistError,
    InactiveAccountError,
    LastAdministratorError,
    LoginFailedError,
    NotAdministratorError,
    PasswordRuleError,
    UnknownAccountError,
    UnknownUserError,
    UserExistsError,
    WrongPasswordError,
)
from db.audit import TamperedError
from db.database import Database, InvalidRecordError
from db.kind import DatabaseKind, WrongDatabaseKindError
from db.seed.demo_patients import seed_demo_patients
from db.users import Role, User
from tests.db.factories import NOW, later, open_new, programme, save

ADMIN_PW = "correct horse battery"
CLIN_PW = "staple clinic 2026"
TRAINER_PW = "trainer-class-pw"


def _without_state(details: dict[str, object]) -> dict[str, object]:
    """An entry's details without the tracked rows it lists (db/audit.py, schema 4)."""
    return {k: v for k, v in details.items() if k != "state"}


def _clinic(path: Path) -> tuple[Database, User]:
    database = open_new(path)
    admin = database.first_administrator("admin", ADMIN_PW, NOW)
    database.add_user("dr.lee", Role.CLINICIAN, CLIN_PW, by=admin, now=NOW)
    return database, admin


def _training(path: Path) -> tuple[Database, User]:
    database = Database.create_training(path, now=NOW)
    admin = database.first_administrator("admin", ADMIN_PW, NOW)
    database.add_user("trainer.kim", Role.TRAINER, TRAINER_PW, by=admin, now=NOW)
    return database, admin


def _actions(database: Database) -> list[str]:
    return [e.action for e in database.audit_entries()]


# ---------------------------------------------------------------- first run


def test_a_new_database_has_no_users_and_the_first_is_an_administrator(tmp_path: Path) -> None:
    with open_new(tmp_path / "c.sqlite") as database:
        assert not database.has_users()
        admin = database.first_administrator("Admin", ADMIN_PW, NOW)
        assert admin == User("Admin", Role.ADMINISTRATOR) and admin.is_administrator
        assert database.has_users()
        entry = database.audit_entries()[-1]
        assert (entry.action, entry.user) == ("user.added", "Admin")
        assert _without_state(entry.details) == {
            "name": "Admin",
            "role": "administrator",
            "first_administrator": True,
        }


def test_first_administrator_refused_once_accounts_exist(tmp_path: Path) -> None:
    database, _ = _clinic(tmp_path / "c.sqlite")
    with database, pytest.raises(AccountsExistError):
        database.first_administrator("intruder", "another password", later(1))
    with Database.open(tmp_path / "c.sqlite", now=NOW) as again:
        assert [u.name for u in again.list_users()] == ["admin", "dr.lee"]


def test_list_users_never_hands_out_hashes(tmp_path: Path) -> None:
    database, _ = _clinic(tmp_path / "c.sqlite")
    with database:
        listed = database.list_users()
    assert [(u.name, u.role, u.active, u.locked_until) for u in listed] == [
        ("admin", Role.ADMINISTRATOR, True, None),
        ("dr.lee", Role.CLINICIAN, True, None),
    ]
    assert all("argon2" not in repr(u) for u in listed)
    assert listed[1].created_by == "admin" and listed[1].created_at == NOW


# ---------------------------------------------------------------- the kind of database


def test_a_new_database_is_clinical(tmp_path: Path) -> None:
    with open_new(tmp_path / "c.sqlite") as database:
        assert database.kind is DatabaseKind.CLINICAL
        database.require_kind("clinical")
        with pytest.raises(WrongDatabaseKindError, match="not a training database"):
            database.require_kind(DatabaseKind.TRAINING)


def test_training_database_is_its_own_new_file(tmp_path: Path) -> None:
    with Database.create_training(tmp_path / "t.sqlite", now=NOW) as database:
        assert database.kind is DatabaseKind.TRAINING
        database.require_kind(DatabaseKind.TRAINING)
        with pytest.raises(WrongDatabaseKindError, match="training database, not the clinic"):
            database.require_kind(DatabaseKind.CLINICAL)
        assert _actions(database) == ["database.created", "database.kind_set"]
        assert database.verify().ok
    with Database.open(tmp_path / "t.sqlite", now=NOW) as again:
        assert again.kind is DatabaseKind.TRAINING
        with pytest.raises(WrongDatabaseKindError):
            again.mark_training(now=NOW)


def test_clinical_database_can_never_become_a_training_one(tmp_path: Path) -> None:
    path = tmp_path / "clinic.sqlite"
    with open_new(path) as database:
        save(database, programme())
    with pytest.raises(WrongDatabaseKindError, match="already holds a database"):
        Database.create_training(path, now=NOW)
    with Database.open(path, now=NOW) as database:
        with pytest.raises(WrongDatabaseKindError, match="never becomes a training one"):
            database.mark_training(now=NOW)
        assert database.kind is DatabaseKind.CLINICAL


def test_clinical_database_with_demo_patients_cannot_become_training(tmp_path: Path) -> None:
    with Database.open(tmp_path / "d.sqlite", on_create=seed_demo_patients, now=NOW) as database:
        with pytest.raises(WrongDatabaseKindError):
            database.mark_training(now=NOW)
        assert database.kind is DatabaseKind.CLINICAL


# ---------------------------------------------------------------- trainers


def test_trainer_put_in_by_hand_cannot_log_into_the_clinical_database(tmp_path: Path) -> None:
    """An account that claims the trainer role in the clinic's file, put there by hand, is
    refused at login: it is no account the audit trail knows (issue 10)."""
    path = tmp_path / "clinic.sqlite"
    database, _ = _clinic(path)
    database.close()
    conn = sqlite3.connect(path)
    conn.execute(
        "INSERT INTO user_account (name, role, password_hash, created_at, created_by) "
        "VALUES ('trainer.kim', 'trainer', ?, ?, 'admin')",
        [users.HASHER.hash(TRAINER_PW), NOW.isoformat()],
    )
    conn.commit()
    conn.close()
    with Database.open(path, now=NOW) as database:
        with pytest.raises(TamperedError, match="changed outside the console"):
            database.authenticate("trainer.kim", TRAINER_PW, now=NOW)
        assert database.audit_entries()[-1].action != "login"
        assert any("trainer.kim was added outside" in p for p in database.verify().problems)


def test_trainer_cannot_be_added_to_or_made_in_the_clinical_database(tmp_path: Path) -> None:
    database, admin = _clinic(tmp_path / "clinic.sqlite")
    with database:
        with pytest.raises(WrongDatabaseKindError, match="trainer accounts belong"):
            database.add_user("trainer.kim", Role.TRAINER, TRAINER_PW, by=admin, now=NOW)
        with pytest.raises(WrongDatabaseKindError):
            database.set_role("dr.lee", "trainer", by=admin, now=NOW)
        assert database.account("dr.lee").role is Role.CLINICIAN
        assert "trainer.kim" not in [u.name for u in database.list_users()]


def test_trainer_logs_into_a_training_database(tmp_path: Path) -> None:
    database, _ = _training(tmp_path / "t.sqlite")
    with database:
        user = database.authenticate("trainer.kim", TRAINER_PW, now=later(1))
        assert user == User("trainer.kim", Role.TRAINER)
        entry = database.audit_entries()[-1]
        assert entry.action == "login" and entry.details["database"] == "training"


# ---------------------------------------------------------------- logging in and the lock-out


def test_login_with_the_right_password(tmp_path: Path) -> None:
    database, _ = _clinic(tmp_path / "c.sqlite")
    with database:
        user = database.authenticate("DR.LEE", CLIN_PW, now=later(1))  # names ignore case
        assert user == User("dr.lee", Role.CLINICIAN)
        entry = database.audit_entries()[-1]
        assert (entry.action, entry.user, entry.at) == ("login", "dr.lee", later(1))
        assert entry.details["for"] == "login"


def test_unknown_name_and_wrong_password_cannot_be_told_apart(tmp_path: Path) -> None:
    database, _ = _clinic(tmp_path / "c.sqlite")
    with database:
        with pytest.raises(UnknownUserError) as unknown:
            database.authenticate("nobody", CLIN_PW, now=later(1))
        with pytest.raises(WrongPasswordError) as wrong:
            database.authenticate("dr.lee", "not the password", now=later(1))
    assert isinstance(unknown.value, LoginFailedError)
    assert isinstance(wrong.value, LoginFailedError)
    assert str(unknown.value) == str(wrong.value)


def test_lock_out_after_five_wrong_passwords_refuses_even_the_right_one_for_15_minutes(
    tmp_path: Path,
) -> None:
    database, _ = _clinic(tmp_path / "c.sqlite")
    start = later(60)
    with database:
        for attempt in range(account_errors.MAX_FAILED_LOGINS - 1):
            with pytest.raises(WrongPasswordError):
                database.authenticate("dr.lee", f"guess number {attempt}", now=start)
        with pytest.raises(AccountLockedError) as locked:
            database.authenticate("dr.lee", "guess number 5", now=start)
        assert locked.value.until == start + timedelta(minutes=15) == start + account_errors.LOCKOUT
        assert "now locked until" in str(locked.value)
        for minutes in (0, 1, 14):
            with pytest.raises(AccountLockedError, match="This account is locked"):
                database.authenticate("dr.lee", CLIN_PW, now=start + timedelta(minutes=minutes))
        record = database.account("dr.lee")
        assert record.locked_at(start + timedelta(minutes=14, seconds=59))
        assert not record.locked_at(start + timedelta(minutes=15))
        assert database.authenticate("dr.lee", CLIN_PW, now=start + timedelta(minutes=15))
        actions = _actions(database)
        assert actions.count("login.failed") == 5
        assert actions.count("account.locked") == 1
        assert actions.count("login.refused") == 3
        assert actions[-1] == "login"
        assert database.account("dr.lee").failed_logins == 0


def test_a_good_login_resets_the_count_of_wrong_passwords(tmp_path: Path) -> None:
    database, _ = _clinic(tmp_path / "c.sqlite")
    with database:
        for _ in range(2):
            for _ in range(account_errors.MAX_FAILED_LOGINS - 1):
                with pytest.raises(WrongPasswordError):
                    database.authenticate("dr.lee", "wrong password!", now=later(1))
            database.authenticate("dr.lee", CLIN_PW, now=later(1))
        assert database.account("dr.lee").locked_until is None


def test_lock_out_is_shared_by_every_window_on_the_database(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    first, _ = _clinic(path)
    with first, Database.open(path, now=NOW) as second:
        for window in [first, second] * 2:
            with pytest.raises(WrongPasswordError):
                window.authenticate("dr.lee", "wrong password!", now=later(1))
        with pytest.raises(AccountLockedError):
            first.authenticate("dr.lee", "wrong password!", now=later(1))
        with pytest.raises(AccountLockedError):
            second.authenticate("dr.lee", CLIN_PW, now=later(2))


def test_an_administrator_setting_a_new_password_lifts_the_lock(tmp_path: Path) -> None:
    database, admin = _clinic(tmp_path / "c.sqlite")
    with database:
        for _ in range(account_errors.MAX_FAILED_LOGINS):
            with pytest.raises((LoginFailedError, AccountLockedError)):
                database.authenticate("dr.lee", "wrong password!", now=later(1))
        database.set_password("dr.lee", "a brand new password", by=admin, now=later(2))
        assert database.authenticate("dr.lee", "a brand new password", now=later(3))
        with pytest.raises(WrongPasswordError):
            database.authenticate("dr.lee", CLIN_PW, now=later(4))


def test_inactive_account_is_refused(tmp_path: Path) -> None:
    database, admin = _clinic(tmp_path / "c.sqlite")
    with database:
        database.set_active("dr.lee", False, by=admin, now=later(1))
        with pytest.raises(InactiveAccountError, match="switched off"):
            database.authenticate("dr.lee", CLIN_PW, now=later(2))
        # A wrong password on a switched-off account says nothing about the account.
        with pytest.raises(WrongPasswordError):
            database.authenticate("dr.lee", "wrong password!", now=later(2))
        database.set_active("dr.lee", True, by=admin, now=later(3))
        assert database.authenticate("dr.lee", CLIN_PW, now=later(4))
        assert "user.deactivated" in _actions(database)
        assert "user.activated" in _actions(database)


# ---------------------------------------------------------------- managing accounts


def test_only_administrators_manage_users(tmp_path: Path) -> None:
    database, _ = _clinic(tmp_path / "c.sqlite")
    with database:
        clinician = database.authenticate("dr.lee", CLIN_PW, now=later(1))
        before = _actions(database)
        with pytest.raises(NotAdministratorError):
            database.add_user("dr.new", "clinician", "a fine password", by=clinician, now=NOW)
        with pytest.raises(NotAdministratorError):
            database.set_password("admin", "taken over now", by=clinician, now=NOW)
        with pytest.raises(NotAdministratorError):
            database.set_role("dr.lee", Role.ADMINISTRATOR, by=clinician, now=NOW)
        with pytest.raises(NotAdministratorError):
            database.set_active("admin", False, by=clinician, now=NOW)
        # A User object claiming to be an administrator is checked against the database.
        forged = User("dr.lee", Role.ADMINISTRATOR)
        with pytest.raises(NotAdministratorError):
            database.add_user("dr.new", "clinician", "a fine password", by=forged, now=NOW)
        assert _actions(database) == before
        assert database.account("dr.lee").role is Role.CLINICIAN


def test_an_administrator_demoted_or_switched_off_manages_nothing(tmp_path: Path) -> None:
    database, admin = _clinic(tmp_path / "c.sqlite")
    with database:
        database.add_user("admin2", "administrator", "second admin pw", by=admin, now=NOW)
        second = database.authenticate("admin2", "second admin pw", now=NOW)
        database.set_role("admin2", Role.CLINICIAN, by=admin, now=later(1))
        with pytest.raises(NotAdministratorError):
            database.set_active("admin", False, by=second, now=later(2))


def test_the_last_administrator_cannot_be_removed(tmp_path: Path) -> None:
    database, admin = _clinic(tmp_path / "c.sqlite")
    with database:
        with pytest.raises(LastAdministratorError):
            database.set_active("admin", False, by=admin, now=NOW)
        with pytest.raises(LastAdministratorError):
            database.set_role("admin", Role.CLINICIAN, by=admin, now=NOW)
        database.set_role("dr.lee", Role.ADMINISTRATOR, by=admin, now=later(1))
        database.set_role("admin", Role.CLINICIAN, by=admin, now=later(2))
        roles = {u.name: u.role for u in database.list_users()}
        assert roles == {"admin": Role.CLINICIAN, "dr.lee": Role.ADMINISTRATOR}
        changed = database.audit_entries()[-1]
        assert changed.action == "user.role_changed"
        assert _without_state(changed.details) == {
            "name": "admin",
            "from": "administrator",
            "to": "clinician",
        }


def test_names_are_unique_ignoring_case(tmp_path: Path) -> None:
    database, admin = _clinic(tmp_path / "c.sqlite")
    with database, pytest.raises(UserExistsError):
        database.add_user("Dr.Lee", "clinician", "a fine password", by=admin, now=NOW)


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("", "empty"),
        ("x" * 41, "longer than 40"),
        ("tab\there", "printable"),
        (" padded", "space"),
        ("itb-console", "reserved"),
        ("(unknown)", "reserved"),
    ],
)
def test_bad_names_are_refused(tmp_path: Path, name: str, why: str) -> None:
    database, admin = _clinic(tmp_path / "c.sqlite")
    with database, pytest.raises(InvalidRecordError, match=why):
        database.add_user(name, "clinician", "a fine password", by=admin, now=NOW)


def test_forty_printable_characters_make_a_name(tmp_path: Path) -> None:
    database, admin = _clinic(tmp_path / "c.sqlite")
    with database:
        database.add_user("Ö" * 40, "clinician", "a fine password", by=admin, now=NOW)
        assert database.authenticate("Ö" * 40, "a fine password", now=NOW).name == "Ö" * 40


@pytest.mark.parametrize(
    ("password", "why"),
    [("short one", "at least 10"), ("dr.newcomer", "user name"), ("DR.NEWCOMER", "user name")],
)
def test_password_rules(tmp_path: Path, password: str, why: str) -> None:
    database, admin = _clinic(tmp_path / "c.sqlite")
    with database:
        with pytest.raises(PasswordRuleError, match=why) as refused:
            database.add_user("dr.newcomer", "clinician", password, by=admin, now=NOW)
        assert password not in str(refused.value)
        with pytest.raises(PasswordRuleError):
            database.set_password("dr.lee", password[:9], by=admin, now=NOW)
        with pytest.raises(PasswordRuleError):
            database.first_administrator("x", "short", NOW)


def test_unknown_role_and_account_are_refused(tmp_path: Path) -> None:
    database, admin = _clinic(tmp_path / "c.sqlite")
    with database:
        with pytest.raises(InvalidRecordError, match="not a role"):
            database.add_user("dr.new", "surgeon", "a fine password", by=admin, now=NOW)
        with pytest.raises(UnknownAccountError):
            database.set_active("nobody", False, by=admin, now=NOW)


# ---------------------------------------------------------------- passwords never in clear


def test_passwords_are_stored_only_as_argon2id_hashes(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    database, _ = _clinic(path)
    database.close()
    conn = sqlite3.connect(path)
    hashes = [row[0] for row in conn.execute("SELECT password_hash FROM user_account")]
    conn.close()
    assert len(hashes) == 2 and all(h.startswith("$argon2id$") for h in hashes)
    assert hashes[0] != hashes[1]


def test_a_hash_with_old_parameters_is_renewed_at_login(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database, _ = _clinic(tmp_path / "c.sqlite")
    with database:
        monkeypatch.setattr(
            users, "HASHER", PasswordHasher(time_cost=2, memory_cost=16, parallelism=1)
        )
        database.authenticate("dr.lee", CLIN_PW, now=later(1))
        with database._read() as sdb:
            stored = sdb.execute(
                "SELECT password_hash FROM user_account WHERE name = 'dr.lee'"
            ).fetchone()[0]
        assert "m=16,t=2,p=1" in stored
        assert database.authenticate("dr.lee", CLIN_PW, now=later(2))


def test_password_never_appears_in_the_database_file_the_audit_trail_or_logs(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    path = tmp_path / "c.sqlite"
    secrets = [ADMIN_PW, CLIN_PW, "wrong guess 1234", "a brand new password", "second admin pw"]
    database, admin = _clinic(path)
    with database:
        with pytest.raises(WrongPasswordError):
            database.authenticate("dr.lee", "wrong guess 1234", now=later(1))
        with pytest.raises(UnknownUserError):  # a password typed into the name field
            database.authenticate(CLIN_PW, CLIN_PW, now=later(1))
        database.authenticate("dr.lee", CLIN_PW, now=later(2))
        database.set_password("dr.lee", "a brand new password", by=admin, now=later(3))
        database.add_user("admin2", "administrator", "second admin pw", by=admin, now=later(4))
        trail = database.audit_entries()
        assert database.verify().ok
    text = "\n".join(f"{e.user} {e.action} {e.details}" for e in trail)
    for secret in secrets:
        assert secret not in text
        assert secret not in caplog.text
    assert "(unknown) login.failed" in text
    stored = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("c.sqlite"))
    assert len(stored) > 0
    for secret in secrets:
        assert secret.encode("utf-8") not in stored
        assert secret.encode("utf-16-le") not in stored


def test_every_account_event_is_in_the_verified_audit_trail(tmp_path: Path) -> None:
    database, admin = _clinic(tmp_path / "c.sqlite")
    with database:
        database.authenticate("dr.lee", CLIN_PW, now=later(1), purpose="unlock")
        with pytest.raises(WrongPasswordError):
            database.authenticate("dr.lee", "wrong password!", now=later(2))
        database.set_password("dr.lee", "a brand new password", by=admin, now=later(3))
        database.set_role("dr.lee", "administrator", by=admin, now=later(4))
        database.set_active("dr.lee", False, by=admin, now=later(5))
        entries = database.audit_entries()
        assert [(e.action, e.user) for e in entries] == [
            ("database.created", "itb-console"),
            ("user.added", "admin"),
            ("user.added", "admin"),
            ("login", "dr.lee"),
            ("login.failed", "dr.lee"),
            ("user.password_set", "admin"),
            ("user.role_changed", "admin"),
            ("user.deactivated", "admin"),
        ]
        assert entries[3].details["for"] == "unlock"
        assert _without_state(entries[4].details) == {
            "for": "login",
            "reason": "wrong password",
            "failed_in_a_row": 1,
        }
        assert database.verify().ok


def test_the_lock_out_is_timed_by_the_instant_so_a_time_zone_cannot_lift_it() -> None:
    """The lock-out clock is UTC (db/users.py security_instant): a clock read in a zone three
    hours east names the same instant, so it is still locked; a lock-out stored before (a local
    wall-clock time without a zone) still reads, as this computer's local time."""
    ends = datetime(2026, 11, 22, 10, 15, tzinfo=UTC)
    east = timezone(timedelta(hours=3))
    row = ("dr.lee", "clinician", 1, 0, ends.isoformat(), "2026-11-22T09:00", "admin", "x")
    record = users._account(row).record
    assert record.lock_ends == ends
    assert record.locked_at(datetime(2026, 11, 22, 13, 14, tzinfo=east))
    assert not record.locked_at(datetime(2026, 11, 22, 13, 15, tzinfo=east))
    local = ends.astimezone().replace(tzinfo=None)
    assert record.locked_until == local
    assert record.locked_at(local - timedelta(minutes=1))
    assert not record.locked_at(local)
    old = users._account((*row[:4], local.isoformat(), *row[5:])).record
    assert old.lock_ends == ends and old.locked_at(local - timedelta(minutes=1))
