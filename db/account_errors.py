"""The accounts' limits and the errors that name them (product.md, "Users and records"): the
lock-out after repeated wrong passwords, timed by the instant and never by a process's time
zone; the password rule; and each refusal a login or an account change meets, its message
written for the person at the keyboard. The rules themselves are :mod:`db.users`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from db.errors import DatabaseError, InvalidRecordError
from db.kind import WrongDatabaseKindError

# The lock-out (issue 6: "a wrong password repeated locks the account for a while"): after
# MAX_FAILED_LOGINS wrong passwords in a row the account refuses every password, the right one
# included, for LOCKOUT; then the count starts again. A correct login resets the count, and so
# does an administrator setting a new password (which also lifts the lock).
MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
MIN_PASSWORD = 10

LOGIN_FAILED = (
    "The name or the password is not right. Check both (Caps Lock?) and try again; after "
    f"{MAX_FAILED_LOGINS} wrong passwords in a row the account is locked for "
    f"{int(LOCKOUT.total_seconds() // 60)} minutes."
)


def security_instant(moment: datetime) -> datetime:
    """The instant ``moment`` names, in UTC: the clock the lock-out and its failed logins are
    timed by (product.md, "Users and records": "lock-out after repeated failures"; "Accounts on
    the command line": nothing changes "the lock-out clock on a clinical database"). A local
    wall-clock time (no zone) is read in this process's time zone, the one the clock was read
    in: a process started with another ``TZ`` reads a shifted wall clock and converts it back
    to the same instant, so setting ``TZ`` neither lifts nor lengthens a lock-out. Clinical
    times stay local wall-clock time (domain.md); only this clock is UTC."""
    return moment.astimezone(UTC)


def wall_clock(instant: datetime) -> datetime:
    """A UTC instant as this computer's local wall-clock time (what the console shows)."""
    return instant.astimezone().replace(tzinfo=None)


class AuthenticationError(DatabaseError):
    """A login (or screen unlock) was refused; the message is for the person at the keyboard."""


class LoginFailedError(AuthenticationError):
    """The name or the password is wrong. Both causes carry the very same message, so nobody
    can find out which names have accounts by trying them."""

    def __init__(self) -> None:
        super().__init__(LOGIN_FAILED)


class UnknownUserError(LoginFailedError):
    """No account with that name (shown to the user exactly like a wrong password)."""


class WrongPasswordError(LoginFailedError):
    """The password does not match (shown to the user exactly like an unknown name)."""


class AccountLockedError(AuthenticationError):
    """Too many wrong passwords in a row: every password is refused until ``until``."""

    def __init__(self, until: datetime, *, just_locked: bool = False) -> None:
        self.until = until
        first = (
            f"That was the {MAX_FAILED_LOGINS}th wrong password in a row: the account is now"
            if just_locked
            else "This account is"
        )
        super().__init__(
            f"{first} locked until {until:%Y-%m-%d %H:%M}. Try again then, or ask an "
            "administrator to set a new password."
        )


class InactiveAccountError(AuthenticationError):
    """The account has been switched off by an administrator."""

    def __init__(self, name: str) -> None:
        super().__init__(
            f"The account {name} is switched off. Ask an administrator to switch it on again."
        )


class TrainerOnClinicalDatabaseError(AuthenticationError, WrongDatabaseKindError):
    """A trainer account tried to log into the clinical database (issue 6: trainers work in
    the training database only)."""

    def __init__(self, name: str) -> None:
        super().__init__(
            f"{name} is a trainer account, and trainers work in a training database only: this "
            "is the clinic's database. Open the training database (--training) instead."
        )


class AccountError(DatabaseError):
    """An account could not be added or changed; nothing was changed."""


class NotAdministratorError(AccountError):
    """Only an active administrator manages user accounts."""


class UserExistsError(AccountError):
    """The name is taken (names are compared ignoring case)."""


class UnknownAccountError(AccountError, KeyError):
    """An administrator named an account that does not exist."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class AccountsExistError(AccountError):
    """The first administrator can only be created in a database with no accounts yet."""


class LastAdministratorError(AccountError):
    """The change would leave the database without an active administrator (nobody could
    manage the accounts any more)."""


class PasswordRuleError(InvalidRecordError):
    """The chosen password breaks a rule (the message says which, never the password)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, "password")


PASSWORD_RULES = (
    f"At least {MIN_PASSWORD} characters, and not the user name. A few unrelated words make a "
    "good password that is easy to type."
)
