"""The database's kind and its accounts, as :class:`db.database.Database` offers them.

Clinical or training (:mod:`db.kind`), the training database's creation, and the user accounts
(:mod:`db.users`: passwords are hashed and checked outside the write lock, slow by design).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Self

from db import kind as kinds
from db import users as accounts
from db.account_errors import AuthenticationError
from db.connection import (
    DEFAULT_TIMEOUT_S,
    FileKind,
    inspect_file,
)
from db.facade.store import Store
from db.kind import DatabaseKind, WrongDatabaseKindError
from db.users import LoginPurpose, Role, User, UserRecord
from db.values import moment_text


class AccountMethods(Store):
    """The kind of database (clinical or training) and its user accounts."""

    @property
    def kind(self) -> DatabaseKind:
        """Clinical or training (:mod:`db.kind`); it never changes once the database is used."""
        with self._read() as sdb:
            return kinds.read_kind(sdb)

    def require_kind(self, expected: DatabaseKind | str) -> None:
        """Refuse (:class:`WrongDatabaseKindError`) a database of another kind than
        ``expected``: training mode on the clinic's file, or the clinic's window on a training
        file."""
        kinds.require_kind(self.kind, DatabaseKind(expected), self.path)

    def mark_training(self, *, now: datetime) -> None:
        """Make this brand-new database a training one (only while its audit trail holds
        nothing but its creation; there is no way back)."""
        moment_text(now, "now")
        with self._write() as sdb:
            kinds.mark_training(sdb, self.path, now=now)

    @classmethod
    def create_training(
        cls,
        path: str | Path,
        *,
        now: datetime,
        on_create: Callable[[Self, datetime], None] | None = None,
        timeout: float = DEFAULT_TIMEOUT_S,
    ) -> Self:
        """A new training database at ``path``: a missing or empty file only, so an existing
        database (the clinic's above all) is never turned into a training one.
        ``on_create(database, now)`` (the training scenarios) fills it in the transaction that
        marks it training."""
        target = Path(path).expanduser().absolute()
        if inspect_file(target).kind is FileKind.SQLITE:
            raise WrongDatabaseKindError(
                f"{target} already holds a database; a training database is always created as "
                "a new file. Choose another name."
            )
        database = cls.open(target, create=True, now=now, timeout=timeout)
        try:
            with database._write():
                database.mark_training(now=now)
                if on_create is not None:
                    on_create(database, now)
        except BaseException:
            database.close()
            raise
        return database

    def has_users(self) -> bool:
        """False until the first administrator is created (the first-run dialog)."""
        with self._read() as sdb:
            return accounts.has_users(sdb)

    def accounts_to_keep(self) -> list[accounts.Account]:
        """Every account with its password hash, for :meth:`keep_accounts` on a new training
        database (a reset): the hashes go from one storage file to the other, nowhere else."""
        with self._read() as sdb:
            return accounts.all_accounts(sdb)

    def keep_accounts(self, kept: list[accounts.Account], *, action: str, now: datetime) -> None:
        """Add accounts read from another database (:func:`db.users.insert_kept_accounts`)."""
        if not kept:
            return
        moment_text(now, "now")
        with self._write() as sdb:
            accounts.insert_kept_accounts(sdb, kept, action=action, now=now)

    def list_users(self) -> list[UserRecord]:
        """Every account by name, without password hashes."""
        with self._read() as sdb:
            return accounts.list_users(sdb)

    def account(self, name: str) -> UserRecord:
        """One account (:class:`UnknownAccountError` if there is none)."""
        with self._read() as sdb:
            return accounts.account_record(sdb, name)

    def first_administrator(self, name: str, password: str, now: datetime) -> User:
        """The first administrator (:func:`db.users.insert_first_administrator`)."""
        moment_text(now, "now")
        accounts.check_name(name)
        password_hash = accounts.hash_password(password, name)
        with self._write() as sdb:
            return accounts.insert_first_administrator(sdb, name, password_hash, now=now)

    def add_user(
        self, name: str, role: Role | str, password: str, *, by: User, now: datetime
    ) -> UserRecord:
        """A new account, added by the administrator ``by``."""
        moment_text(now, "now")
        accounts.check_name(name)
        checked_role = accounts.parse_role(role)
        password_hash = accounts.hash_password(password, name)
        with self._write() as sdb:
            return accounts.insert_user(
                sdb,
                name,
                checked_role,
                password_hash,
                by=by,
                kind=kinds.read_kind(sdb),
                now=now,
            )

    def authenticate(
        self,
        name: str,
        password: str,
        *,
        now: datetime,
        purpose: LoginPurpose | str = LoginPurpose.LOGIN,
    ) -> User:
        """Log in: the user, or an :class:`AuthenticationError` (:func:`db.users.settle_login`)."""
        moment_text(now, "now")
        why = LoginPurpose(purpose)
        with self._read() as sdb:
            account = accounts.find_account(sdb, name)
        check = accounts.check_login_password(account, password, now)  # slow: no lock held
        with self._write() as sdb:
            outcome = accounts.settle_login(
                sdb, name, check, kind=kinds.read_kind(sdb), now=now, purpose=why
            )
        if isinstance(outcome, AuthenticationError):
            raise outcome
        return outcome

    def set_password(self, name: str, password: str, *, by: User, now: datetime) -> None:
        """A new password for ``name``, set by an administrator; lifts a lock-out."""
        moment_text(now, "now")
        password_hash = accounts.hash_password(password, name)
        with self._write() as sdb:
            accounts.update_password(sdb, name, password_hash, by=by, now=now)

    def set_role(self, name: str, role: Role | str, *, by: User, now: datetime) -> None:
        """Change an account's role (:func:`db.users.update_role`)."""
        moment_text(now, "now")
        checked_role = accounts.parse_role(role)
        with self._write() as sdb:
            accounts.update_role(sdb, name, checked_role, by=by, kind=kinds.read_kind(sdb), now=now)

    def unlock_account(self, name: str, *, by: User, now: datetime) -> None:
        """Lift ``name``'s lock-out (:func:`db.users.clear_lockout`)."""
        moment_text(now, "now")
        with self._write() as sdb:
            accounts.clear_lockout(sdb, name, by=by, now=now)

    def set_active(self, name: str, active: bool, *, by: User, now: datetime) -> None:
        """Switch an account off or on again (:func:`db.users.update_active`)."""
        moment_text(now, "now")
        with self._write() as sdb:
            accounts.update_active(sdb, name, active, by=by, now=now)
