"""Local user accounts: roles, passwords kept only as argon2id hashes, the lock-out after wrong
passwords, and an audit entry for every login, failed login, lock-out and account change
(product.md, "Users and records"; issue 6, "Users and access").

Roles: a *clinician* programmes patients, a *trainer* works in a training database only, an
*administrator* manages the accounts (and the drug library). Only an administrator changes
accounts, checked against the database at the moment of the change, not against what the caller
remembers. A new database has no accounts: the first one is an administrator whose password the
person setting up the console chooses (:func:`insert_first_administrator`).

Nothing here ever stores, logs or puts into a message a password or its hash: the audit trail
holds who, when and what changed. Hashing is slow on purpose (that is the protection of a stolen
file), so the callers in :class:`db.database.Database` hash and verify outside the write
transaction and only record the outcome inside it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlite_utils import Database as SqliteDatabase

from db import audit
from db.account_errors import (
    LOCKOUT,
    MAX_FAILED_LOGINS,
    MIN_PASSWORD,
    AccountLockedError,
    AccountsExistError,
    AuthenticationError,
    InactiveAccountError,
    LastAdministratorError,
    NotAdministratorError,
    PasswordRuleError,
    TrainerOnClinicalDatabaseError,
    UnknownAccountError,
    UnknownUserError,
    UserExistsError,
    WrongPasswordError,
    security_instant,
    wall_clock,
)
from db.errors import InvalidRecordError
from db.kind import DatabaseKind, WrongDatabaseKindError
from db.names import refuse_hidden_characters
from db.values import moment_text, optional_moment_from
from programmer.lookalikes import compatibility_character, mixed_scripts, skeleton

MAX_NAME = 40
MAX_PASSWORD = 1024  # a bound on what is hashed, far above any typed password

# Who a failed login is attributed to when the name typed is not an account: the typed text is
# not recorded, since people type their password into the name field by mistake.
UNKNOWN_USER = "(unknown)"
# The names the console records as its own actors (the system, a failed login's unknown name,
# the training scenarios' set-up in db/training.py): no account may take them.
RESERVED_NAMES = frozenset({audit.SYSTEM_USER, UNKNOWN_USER, "training set-up"})
_RESERVED = {name.casefold() for name in RESERVED_NAMES}
# What the reserved names read as (programmer/lookalikes.py): "itb-cоnsole" with a Cyrillic "о"
# or "training set‐up" with a Unicode hyphen reads as the console's own actor.
_RESERVED_SKELETONS = {skeleton(name) for name in RESERVED_NAMES}

# argon2id at the library's defaults (RFC 9106's second recommended profile: 3 passes over
# 64 MiB, 4 lanes; about 0.2 s here). Tests replace it with a cheap hasher; the parameters are
# stored in each hash, so a hash made with other parameters still verifies and is re-hashed
# with these at the next login.
HASHER = PasswordHasher()


class Role(StrEnum):
    CLINICIAN = "clinician"
    TRAINER = "trainer"
    ADMINISTRATOR = "administrator"


class LoginPurpose(StrEnum):
    """Why a password was asked for, recorded with the login in the audit trail."""

    LOGIN = "login"
    UNLOCK = "unlock"
    COMMAND_LINE = "command line"


@dataclass(frozen=True, slots=True)
class User:
    """Who is logged in: what :meth:`Database.authenticate` hands back."""

    name: str
    role: Role

    @property
    def is_administrator(self) -> bool:
        return self.role is Role.ADMINISTRATOR


@dataclass(frozen=True, slots=True)
class UserRecord:
    """An account as listed (never with its password hash)."""

    name: str
    role: Role
    active: bool
    failed_logins: int
    locked_until: datetime | None  # when the lock-out ends, as local wall-clock time (shown)
    created_at: datetime
    created_by: str
    lock_ends: datetime | None = None  # the same instant in UTC: what the lock-out is timed by

    def locked_at(self, now: datetime) -> bool:
        """True while the lock-out lasts, timed in UTC (:func:`security_instant`)."""
        return self.lock_ends is not None and security_instant(now) < self.lock_ends

    @property
    def user(self) -> User:
        return User(self.name, self.role)


@dataclass(frozen=True, slots=True)
class Account:
    """An account with its stored hash: stays inside the storage layer."""

    record: UserRecord
    password_hash: str


# ---------------------------------------------------------------- checking and hashing


def check_name(name: str) -> str:
    """An account name, the one check of every path that names an account (command line,
    window, first run): 1 to 40 printable characters, no control, format or bidirectional
    character (db/names.py), no space at either end, not a name the console records as its own
    actor, and no parentheses (the console's own labels, "(unknown)", "root (no accounts)",
    are written with them). Nor a name that reads like another (programmer/lookalikes.py):
    no compatibility character (fullwidth "ｉ", a no-break space), no mix of Latin, Cyrillic and
    Greek letters ("dr.lее" with Cyrillic "е"), not reading as a reserved name; reading as an
    existing account is refused when the account is added (:func:`_insert`). Returned unchanged
    (names are compared ignoring case). Existing accounts are never checked again: they keep
    logging in under the name they have."""
    if not isinstance(name, str) or not name:
        raise InvalidRecordError("must not be empty", "name")
    if len(name) > MAX_NAME:
        raise InvalidRecordError(f"is longer than {MAX_NAME} characters", "name")
    refuse_hidden_characters(name, "name")
    if not name.isprintable():
        raise InvalidRecordError("must contain printable characters only", "name")
    if name != name.strip():
        raise InvalidRecordError("must not begin or end with a space", "name")
    compatibility = compatibility_character(name)
    if compatibility is not None:
        raise InvalidRecordError(
            f"contains {compatibility}, a look-alike of another character: type the plain one",
            "name",
        )
    scripts = mixed_scripts(name)
    if scripts:
        raise InvalidRecordError(
            f"mixes {' and '.join(s.title() for s in scripts)} letters, which look alike: "
            "write the name in one script",
            "name",
        )
    if name.casefold() in _RESERVED or skeleton(name) in _RESERVED_SKELETONS:
        raise InvalidRecordError(f"'{name}' is reserved for the audit trail", "name")
    if "(" in name or ")" in name:
        raise InvalidRecordError(
            "must not contain parentheses (the audit trail uses them for the console's own labels)",
            "name",
        )
    return name


def parse_role(role: Role | str) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise InvalidRecordError(
            f"'{role}' is not a role: one of {', '.join(r.value for r in Role)}", "role"
        ) from None


def check_password(password: str, name: str) -> None:
    """The password rules (:data:`PASSWORD_RULES`)."""
    if not isinstance(password, str):
        raise PasswordRuleError("must be text")
    if len(password) < MIN_PASSWORD:
        raise PasswordRuleError(f"must be at least {MIN_PASSWORD} characters long")
    if len(password) > MAX_PASSWORD:
        raise PasswordRuleError(f"must be at most {MAX_PASSWORD} characters long")
    if password.strip().casefold() == name.strip().casefold():
        raise PasswordRuleError("must not be the user name")


def hash_password(password: str, name: str) -> str:
    """The password checked against the rules, as an argon2id hash (slow: call it outside a
    write transaction)."""
    check_password(password, name)
    return HASHER.hash(password)


def _verify(stored_hash: str, password: str) -> bool:
    try:
        return HASHER.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        # A mismatch, or a damaged stored hash: either way this password does not open it.
        return False


_dummy: tuple[PasswordHasher, str] | None = None


def _dummy_hash() -> str:
    """A hash of a random secret, verified against for unknown names so that an unknown name
    takes as long to refuse as a wrong password (no timing hint about which names exist)."""
    global _dummy
    if _dummy is None or _dummy[0] is not HASHER:
        _dummy = (HASHER, HASHER.hash(secrets.token_urlsafe(24)))
    return _dummy[1]


@dataclass(frozen=True, slots=True)
class PasswordCheck:
    """The slow part of a login, done outside any transaction: which hash was tried, whether
    the password matched it, and a fresh hash when the stored one has outdated parameters."""

    tried_hash: str | None
    matched: bool
    new_hash: str | None = None


def check_login_password(account: Account | None, password: str, now: datetime) -> PasswordCheck:
    """Verify ``password`` against the account's hash. A locked account is not tried at all,
    so during a lock-out nobody learns whether a guess was right."""
    if account is None:
        _verify(_dummy_hash(), password)
        return PasswordCheck(None, False)
    if account.record.locked_at(now) or not isinstance(password, str):
        return PasswordCheck(account.password_hash, False)
    if not _verify(account.password_hash, password):
        return PasswordCheck(account.password_hash, False)
    new_hash = None
    if HASHER.check_needs_rehash(account.password_hash):
        new_hash = HASHER.hash(password)
    return PasswordCheck(account.password_hash, True, new_hash)


# ---------------------------------------------------------------- reading

_COLUMNS = "name, role, active, failed_logins, locked_until, created_at, created_by, password_hash"


def _account(row: tuple[Any, ...]) -> Account:
    name, role, active, failed, locked_until, created_at, created_by, password_hash = row
    # Stored as a UTC instant (with its zone); a lock-out stored before that is a local
    # wall-clock time without one, read as this computer's local time.
    stored = optional_moment_from(locked_until)
    lock_ends = None if stored is None else security_instant(stored)
    record = UserRecord(
        name=name,
        role=Role(role),
        active=bool(active),
        failed_logins=int(failed),
        locked_until=None if lock_ends is None else wall_clock(lock_ends),
        created_at=datetime.fromisoformat(created_at),
        created_by=created_by,
        lock_ends=lock_ends,
    )
    return Account(record, password_hash)


def find_account(sdb: SqliteDatabase, name: str) -> Account | None:
    """The account called ``name`` (any case), or None."""
    row = sdb.execute(f"SELECT {_COLUMNS} FROM user_account WHERE name = ?", [name]).fetchone()
    if row is not None:  # a role or lock-out edited outside the console is never acted on
        audit.confirm_row(sdb, "user_account", row[0], f"the account {row[0]}")
    return None if row is None else _account(row)


def has_users(sdb: SqliteDatabase) -> bool:
    return sdb.execute("SELECT 1 FROM user_account LIMIT 1").fetchone() is not None


def list_users(sdb: SqliteDatabase) -> list[UserRecord]:
    """Every account by name (case ignored), without the hashes."""
    rows = sdb.execute(f"SELECT {_COLUMNS} FROM user_account ORDER BY name COLLATE NOCASE")
    return [_account(row).record for row in rows.fetchall()]


def account_record(sdb: SqliteDatabase, name: str) -> UserRecord:
    account = find_account(sdb, name)
    if account is None:
        raise UnknownAccountError(f"there is no user account called '{name}'")
    return account.record


# ---------------------------------------------------------------- logging in


def _log(
    sdb: SqliteDatabase, *, user: str, action: str, now: datetime, details: dict[str, Any]
) -> None:
    audit.append(
        sdb,
        seq=audit.next_seq(sdb),
        at=now,
        user=user,
        action=action,
        patient_id=None,
        details=details,
    )


def settle_login(
    sdb: SqliteDatabase,
    name: str,
    check: PasswordCheck,
    *,
    kind: DatabaseKind,
    now: datetime,
    purpose: LoginPurpose,
) -> User | AuthenticationError:
    """Record a login attempt inside the write transaction and return the user, or the error
    to raise once the transaction has committed (a refused login must still be recorded: the
    failure count, the lock and the audit entry are the point). The account is read again
    here, so a lock set meanwhile by another window is honoured. The errors: the same
    :class:`AuthenticationError` for an unknown name as for a wrong password;
    :class:`AccountLockedError` after ``MAX_FAILED_LOGINS`` wrong passwords in a row, for
    ``LOCKOUT`` from ``now``; :class:`InactiveAccountError`;
    :class:`TrainerOnClinicalDatabaseError`. Every attempt is recorded in the audit trail, the
    refused ones too."""
    account = find_account(sdb, name)
    why = {"for": purpose.value}
    if account is None:
        _log(sdb, user=UNKNOWN_USER, action="login.failed", now=now, details=why)
        return UnknownUserError()
    record = account.record
    who = record.name
    if record.locked_at(now):
        assert record.locked_until is not None
        _log(
            sdb,
            user=who,
            action="login.refused",
            now=now,
            details={
                **why,
                "reason": "account locked",
                "locked_until": record.locked_until.isoformat(),
            },
        )
        return AccountLockedError(record.locked_until)
    # A password changed between the check and now was checked against the old hash: refused.
    if not check.matched or check.tried_hash != account.password_hash:
        failures = record.failed_logins + 1
        details = {**why, "reason": "wrong password", "failed_in_a_row": failures}
        if failures >= MAX_FAILED_LOGINS:
            ends = security_instant(now) + LOCKOUT
            until = wall_clock(ends)
            sdb.execute(
                "UPDATE user_account SET failed_logins = 0, locked_until = ? WHERE name = ?",
                [ends.isoformat(), who],
            )
            _log(sdb, user=who, action="login.failed", now=now, details=details)
            _log(
                sdb,
                user=who,
                action="account.locked",
                now=now,
                details={
                    "after_failed_logins": failures,
                    "locked_until": until.isoformat(),
                    "locked_until_utc": ends.isoformat(),
                },
            )
            return AccountLockedError(until, just_locked=True)
        sdb.execute("UPDATE user_account SET failed_logins = ? WHERE name = ?", [failures, who])
        _log(sdb, user=who, action="login.failed", now=now, details=details)
        return WrongPasswordError()
    if not record.active:
        _log(
            sdb,
            user=who,
            action="login.refused",
            now=now,
            details={**why, "reason": "account switched off"},
        )
        return InactiveAccountError(who)
    if record.role is Role.TRAINER and kind is not DatabaseKind.TRAINING:
        _log(
            sdb,
            user=who,
            action="login.refused",
            now=now,
            details={**why, "reason": "trainer account in the clinical database"},
        )
        return TrainerOnClinicalDatabaseError(who)
    sdb.execute(
        "UPDATE user_account SET failed_logins = 0, locked_until = NULL, password_hash = ? "
        "WHERE name = ?",
        [check.new_hash or account.password_hash, who],
    )
    _log(
        sdb,
        user=who,
        action="login",
        now=now,
        details={**why, "role": record.role.value, "database": kind.value},
    )
    return record.user


# ---------------------------------------------------------------- managing accounts


def _check_role_fits(role: Role, kind: DatabaseKind) -> None:
    if role is Role.TRAINER and kind is not DatabaseKind.TRAINING:
        raise WrongDatabaseKindError(
            "trainer accounts belong in a training database: this is the clinic's database, "
            "and trainers never log into it"
        )


def _administrator(sdb: SqliteDatabase, by: User) -> str:
    """The acting administrator's stored name, checked now (an account switched off or
    demoted since its login no longer manages anything)."""
    return require_administrator(sdb, by, manages="user accounts")


def require_administrator(sdb: SqliteDatabase, by: User, *, manages: str) -> str:
    """:func:`_administrator` for whatever else only an administrator ``manages`` (the drug
    library)."""
    account = find_account(sdb, by.name)
    if (
        account is None
        or not account.record.active
        or account.record.role is not Role.ADMINISTRATOR
    ):
        raise NotAdministratorError(
            f"Only an administrator can manage {manages}, and {by.name} is not an active "
            "administrator of this database. Nothing was changed."
        )
    return account.record.name


def _target(sdb: SqliteDatabase, name: str) -> Account:
    account = find_account(sdb, name)
    if account is None:
        raise UnknownAccountError(f"there is no user account called '{name}'; nothing was changed")
    return account


def _active_administrators(sdb: SqliteDatabase) -> int:
    row = sdb.execute(
        "SELECT count(*) FROM user_account WHERE role = 'administrator' AND active = 1"
    ).fetchone()
    return int(row[0])


def _refuse_last_administrator(sdb: SqliteDatabase, account: Account, change: str) -> None:
    record = account.record
    if record.role is Role.ADMINISTRATOR and record.active and _active_administrators(sdb) <= 1:
        raise LastAdministratorError(
            f"{record.name} is the only active administrator: {change} would leave nobody able "
            "to manage the accounts. Make another account an administrator first."
        )


def _insert(
    sdb: SqliteDatabase, name: str, role: Role, password_hash: str, *, by: str, now: datetime
) -> None:
    if find_account(sdb, name) is not None:
        raise UserExistsError(
            f"there is already a user account called '{name}' (names ignore case); choose "
            "another name"
        )
    look = skeleton(name)
    for (existing,) in sdb.execute("SELECT name FROM user_account").fetchall():
        if skeleton(existing) == look:
            raise UserExistsError(
                f"'{name}' reads the same as the existing account '{existing}' (a look-alike "
                "letter or a different case): the audit trail could not tell them apart; "
                "choose another name"
            )
    sdb.execute(
        "INSERT INTO user_account (name, role, password_hash, active, failed_logins, "
        "locked_until, created_at, created_by) VALUES (?, ?, ?, 1, 0, NULL, ?, ?)",
        [name, role.value, password_hash, moment_text(now, "now"), by],
    )


def insert_first_administrator(
    sdb: SqliteDatabase, name: str, password_hash: str, *, now: datetime
) -> User:
    """The first account of a database: an administrator, created by themselves, with the
    password the person setting up the console chose (:class:`AccountsExistError` once the
    database has any account)."""
    check_name(name)
    if has_users(sdb):
        raise AccountsExistError(
            "this database already has user accounts: log in as an administrator to add one"
        )
    _insert(sdb, name, Role.ADMINISTRATOR, password_hash, by=name, now=now)
    _log(
        sdb,
        user=name,
        action="user.added",
        now=now,
        details={"name": name, "role": Role.ADMINISTRATOR.value, "first_administrator": True},
    )
    return User(name, Role.ADMINISTRATOR)


def insert_user(
    sdb: SqliteDatabase,
    name: str,
    role: Role,
    password_hash: str,
    *,
    by: User,
    kind: DatabaseKind,
    now: datetime,
) -> UserRecord:
    check_name(name)
    _check_role_fits(role, kind)
    acting = _administrator(sdb, by)
    _insert(sdb, name, role, password_hash, by=acting, now=now)
    _log(
        sdb,
        user=acting,
        action="user.added",
        now=now,
        details={"name": name, "role": role.value},
    )
    return account_record(sdb, name)


def update_password(
    sdb: SqliteDatabase, name: str, password_hash: str, *, by: User, now: datetime
) -> None:
    """A new password set by an administrator; it also lifts a lock-out."""
    acting = _administrator(sdb, by)
    target = _target(sdb, name).record.name
    sdb.execute(
        "UPDATE user_account SET password_hash = ?, failed_logins = 0, locked_until = NULL "
        "WHERE name = ?",
        [password_hash, target],
    )
    _log(sdb, user=acting, action="user.password_set", now=now, details={"name": target})


def update_role(
    sdb: SqliteDatabase, name: str, role: Role, *, by: User, kind: DatabaseKind, now: datetime
) -> None:
    """Change an account's role (administrators only; never the last administrator's)."""
    acting = _administrator(sdb, by)
    account = _target(sdb, name)
    old = account.record.role
    if old is role:
        return
    _check_role_fits(role, kind)
    if role is not Role.ADMINISTRATOR:
        _refuse_last_administrator(sdb, account, f"making it a {role.value}")
    target = account.record.name
    sdb.execute("UPDATE user_account SET role = ? WHERE name = ?", [role.value, target])
    _log(
        sdb,
        user=acting,
        action="user.role_changed",
        now=now,
        details={"name": target, "from": old.value, "to": role.value},
    )


def update_active(sdb: SqliteDatabase, name: str, active: bool, *, by: User, now: datetime) -> None:
    """Switch an account off or on again (administrators only; never the last active
    administrator off). A switched-off account cannot log in; its history stays."""
    acting = _administrator(sdb, by)
    account = _target(sdb, name)
    if account.record.active is bool(active):
        return
    if not active:
        _refuse_last_administrator(sdb, account, "switching it off")
    target = account.record.name
    sdb.execute("UPDATE user_account SET active = ? WHERE name = ?", [int(active), target])
    _log(
        sdb,
        user=acting,
        action="user.activated" if active else "user.deactivated",
        now=now,
        details={"name": target},
    )


# ---------------------------------------------------------------- carrying accounts over


def all_accounts(sdb: SqliteDatabase) -> list[Account]:
    """Every account with its stored hash, in the order created (a training reset carries them
    into the new file)."""
    rows = sdb.execute(f"SELECT {_COLUMNS} FROM user_account ORDER BY rowid")
    return [_account(row) for row in rows.fetchall()]


def insert_kept_accounts(
    sdb: SqliteDatabase, kept: list[Account], *, action: str, now: datetime
) -> None:
    """Put ``kept`` (from :func:`all_accounts` of another file) into this database with their
    hashes, active flags and creation, lock-outs cleared, and say so in the audit trail."""
    for account in kept:
        record = account.record
        sdb.execute(
            "INSERT INTO user_account (name, role, password_hash, active, failed_logins, "
            "locked_until, created_at, created_by) VALUES (?, ?, ?, ?, 0, NULL, ?, ?)",
            [
                record.name,
                record.role.value,
                account.password_hash,
                int(record.active),
                moment_text(record.created_at, "created_at"),
                record.created_by,
            ],
        )
    _log(
        sdb,
        user=audit.SYSTEM_USER,
        action=action,
        now=now,
        details={"accounts_kept": [a.record.name for a in kept]},
    )


def clear_lockout(sdb: SqliteDatabase, name: str, *, by: User, now: datetime) -> None:
    """Lift a lock-out after too many wrong passwords (administrators only), keeping the
    password; recorded. Nothing happens to an account that is not locked."""
    acting = _administrator(sdb, by)
    account = _target(sdb, name)
    record = account.record
    if record.locked_until is None and record.failed_logins == 0:
        return
    sdb.execute(
        "UPDATE user_account SET failed_logins = 0, locked_until = NULL WHERE name = ?",
        [record.name],
    )
    _log(sdb, user=acting, action="user.unlocked", now=now, details={"name": record.name})
