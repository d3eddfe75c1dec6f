"""What every subcommand takes from how it was invoked: the moment (``--now`` or the clock), who
is at the keyboard (``--as NAME`` and their password), the database (``--db`` or the per-user
default), and how it fails (one line on stderr, exit 2). No Qt here: the command line starts
without it.

Accounts on the command line (product.md): on a database that has accounts, every command that
reads or writes patient data takes ``--as NAME`` after the subcommand and reads that account's
password from standard input (when it is not a terminal) or a hidden prompt. Without it the
command stops with exit 2 before anything is read or written. A command gets all of this by
calling :func:`add_account_option` when it registers and :func:`session` when it runs; what it
records is the authenticated account (:attr:`Session.recorded_by`), never the operating-system
login.

The clock: ``--now`` evaluates as at a moment, but never changes what is recorded. On a clinical
database every recorded time (a saved version, an audit entry, a login and its lock-out) is the
computer's clock, and a command that writes refuses ``--now``; on a training database the
simulated clock (``--now``) rules.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from db.database import Database
    from db.users import User

# A version number larger than this is not one a database can hold (SQLite integers are 64-bit;
# no patient has a billion versions): refused as a typing error, never an overflow.
MAX_VERSION_NUMBER = 1_000_000_000
# A password line read from standard input: db/users.MAX_PASSWORD (1024) and its line end.
MAX_PASSWORD_LINE = 1026


class CommandRefused(Exception):
    """The command cannot go on (no account named, a wrong password, --now on a write...):
    exit 2 with the message; nothing was read or written."""


class PasswordInputError(CommandRefused):
    """No usable password could be read; nothing was changed."""


def clock() -> datetime:
    """The computer's clock, in whole minutes (what the records hold)."""
    return datetime.now().replace(second=0, microsecond=0)


def now_of(args: argparse.Namespace) -> datetime:
    """The moment a command evaluates at: ``--now`` or the clock, in whole minutes."""
    now: datetime | None = args.now
    return clock() if now is None else now.replace(second=0, microsecond=0)


def training(args: argparse.Namespace) -> bool:
    return bool(getattr(args, "training", False))


def recorded_now(args: argparse.Namespace) -> datetime:
    """The time a command records: the clock on a clinical database, the simulated clock
    (``--now``) on a training one."""
    return now_of(args) if training(args) else clock()


def refuse_now_for_writes(args: argparse.Namespace, command: str) -> None:
    """A command that records something refuses ``--now`` on a clinical database: a record's
    time is when it happened (product.md, "Accounts on the command line")."""
    if args.now is not None and not training(args):
        raise CommandRefused(
            f"{command} records what it does at the time it happens: --now is only for "
            "read-only commands on a clinical database (and the simulated clock of a training "
            "one, with --training); leave it out. Nothing was read or written."
        )


def operating_system_login() -> str:
    """The operating-system login: only for a database without accounts, where nobody can log
    in, and then marked as such in what is recorded."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def version_number(text: str) -> int:
    """A ``--version N`` argument."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text[:40]}' is not a version number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("version numbers start at 1")
    if value > MAX_VERSION_NUMBER:
        raise argparse.ArgumentTypeError(
            f"{text[:40]}... is not a version number (at most {MAX_VERSION_NUMBER:,})"
        )
    return value


def fail(message: str) -> int:
    """One clear line on stderr; exit code 2."""
    print(f"itb-console: {message}", file=sys.stderr)
    return 2


# ---------------------------------------------------------------- passwords


def _stdin_is_terminal() -> bool:
    isatty = getattr(sys.stdin, "isatty", None)
    return bool(isatty and isatty())


def _valid_text(password: str, what: str) -> str:
    """A password that is text: bytes that are not valid in the terminal's encoding arrive as
    lone surrogates (Python's ``surrogateescape``), which no hash can take."""
    try:
        password.encode("utf-8")
    except UnicodeEncodeError:
        raise PasswordInputError(
            f"{what} is not valid text in the terminal's encoding (UTF-8?); nothing was changed"
        ) from None
    return password


class PasswordSource:
    """Passwords in the order they are asked for: lines of standard input (a pipe or a file),
    or hidden prompts at a terminal (each new password typed twice)."""

    def __init__(self) -> None:
        self.interactive = _stdin_is_terminal()
        self._line = 0

    def _next_line(self, what: str) -> str:
        self._line += 1
        if sys.stdin is None:
            raise PasswordInputError(f"no {what}: standard input is closed")
        try:
            # Bounded: `cat /dev/zero | itb-console ...` must not fill the memory.
            line = sys.stdin.readline(MAX_PASSWORD_LINE + 1)
        except UnicodeDecodeError:
            raise PasswordInputError(
                f"line {self._line} of standard input ({what}) is not valid text in the "
                "terminal's encoding (UTF-8?); nothing was changed"
            ) from None
        except OSError as exc:
            raise PasswordInputError(
                f"standard input cannot be read ({exc.strerror or exc}); nothing was changed"
            ) from None
        if len(line) > MAX_PASSWORD_LINE:
            raise PasswordInputError(
                f"line {self._line} of standard input ({what}) is longer than "
                f"{MAX_PASSWORD_LINE} characters: not a password; nothing was changed"
            )
        if not line:
            raise PasswordInputError(
                f"no {what} on line {self._line} of standard input (passwords are read from "
                "stdin, one per line, or typed at a prompt; never given as arguments)"
            )
        password = line.removesuffix("\n").removesuffix("\r")
        if not password:
            raise PasswordInputError(f"line {self._line} of standard input ({what}) is empty")
        return _valid_text(password, f"line {self._line} of standard input ({what})")

    def _prompt(self, prompt: str) -> str:
        try:
            return _valid_text(getpass.getpass(prompt), "the password typed")
        except EOFError:
            raise PasswordInputError("no password typed; nothing was changed") from None
        except UnicodeError:
            raise PasswordInputError(
                "the password typed is not valid text in the terminal's encoding; nothing was "
                "changed"
            ) from None

    def new_password(self, name: str) -> str:
        if not self.interactive:
            return self._next_line(f"password for {name}")
        first = self._prompt(f"New password for {name}: ")
        if not first:
            raise PasswordInputError("no password typed; nothing was changed")
        if self._prompt("Type the same password again: ") != first:
            raise PasswordInputError("the two passwords typed differ; nothing was changed")
        return first

    def existing_password(self, name: str) -> str:
        if not self.interactive:
            return self._next_line(f"password of {name}")
        return self._prompt(f"Password of {name}: ")


# ---------------------------------------------------------------- the database and the account


def add_account_option(parser: argparse.ArgumentParser, *, metavar: str = "NAME") -> None:
    """``--as NAME``: the account the command runs as (needed once the database has accounts)."""
    parser.add_argument(
        "--as",
        dest="acting",
        metavar=metavar,
        help="the account to run as, once the database has accounts; its password is read "
        "from standard input (one line) or typed at a hidden prompt",
    )


def database_path(args: argparse.Namespace) -> tuple[Path, bool]:
    """The database the command works on, and whether it is the per-user default (the
    training one with --training)."""
    if args.db:
        return Path(args.db), False
    if training(args):
        from db.seed.training import default_training_path

        return default_training_path(), True
    from db.location import default_path

    return default_path(), True


def open_database(args: argparse.Namespace, *, create: bool = False) -> Database:
    """The --db database; the default one is created (with demonstration patients, or the
    training scenarios with --training) on first use, a named one only when ``create``
    (import). Its kind must match the mode: clinical commands never touch a training database,
    and --training never touches the clinic's. Anything it records on opening (a migration, the
    demonstration patients) has the recorded time, never --now on a clinical database."""
    from db.database import Database
    from db.kind import DatabaseKind

    path, is_default = database_path(args)
    moment = recorded_now(args)
    if training(args):
        from db.seed.training import open_training

        if not is_default and not create and not path.exists():
            return Database.open(path, create=False, now=moment)  # says: no database there
        return open_training(path, now=moment)
    seed = None
    if is_default:  # the per-user default database starts with the demonstration patients
        from db.seed.demo_patients import seed_demo_patients

        seed = seed_demo_patients
    database = Database.open(path, create=create or is_default, on_create=seed, now=moment)
    try:
        database.require_kind(DatabaseKind.CLINICAL)
    except BaseException:
        database.close()
        raise
    return database


def log_in(
    database: Database,
    name: str,
    args: argparse.Namespace,
    source: PasswordSource | None = None,
) -> User:
    """``name`` logs into ``database`` with the password read from ``source`` (standard input or
    a prompt): the login and its lock-out count at the recorded time (:func:`recorded_now`),
    never at --now on a clinical database."""
    from db.users import LoginPurpose

    password = (source or PasswordSource()).existing_password(name)
    return database.authenticate(
        name, password, now=recorded_now(args), purpose=LoginPurpose.COMMAND_LINE
    )


@dataclass(frozen=True, slots=True)
class Session:
    """A command's open database and who runs it: ``user`` is the authenticated account, or
    None on a database without accounts (where nobody can log in)."""

    database: Database
    user: User | None
    evaluated_at: datetime  # --now or the clock: what a read-only evaluation uses
    recorded_at: datetime  # what is recorded: the clock (clinical) or the simulated clock

    @property
    def recorded_by(self) -> str:
        """The name a record carries: the account; without accounts the operating-system
        login, marked as not authenticated."""
        if self.user is not None:
            return self.user.name
        return f"{operating_system_login()} (no accounts)"


def require_account(database: Database, args: argparse.Namespace, command: str) -> str | None:
    """The ``--as`` name the command must log in with (None: the database has no accounts), or
    :class:`CommandRefused` before anything is read or written."""
    acting: str | None = getattr(args, "acting", None)
    if database.has_users():
        if acting is None:
            raise CommandRefused(
                f"{database.path} has user accounts: '{command}' takes --as NAME after the "
                "subcommand, and that account's password on standard input or at the prompt. "
                "Nothing was read or written."
            )
        return acting
    if acting is not None:
        raise CommandRefused(
            f"{database.path} has no user accounts yet, so there is no account '{acting}': "
            "leave out --as, or add the first administrator (user add NAME --role "
            "administrator). Nothing was read or written."
        )
    return None


@contextmanager
def session(
    args: argparse.Namespace,
    command: str,
    *,
    writes: bool = False,
    create: bool = False,
    source: PasswordSource | None = None,
) -> Iterator[Session]:
    """Open the database, and log in as ``--as`` when it has accounts; the one way every
    command that reads or writes patient data starts. ``writes``: the command records something,
    so --now is refused on a clinical database. Closes the database at the end."""
    if writes:
        refuse_now_for_writes(args, command)
    database = open_database(args, create=create)
    try:
        acting = require_account(database, args, command)
        user = None if acting is None else log_in(database, acting, args, source)
        yield Session(database, user, now_of(args), recorded_now(args))
    finally:
        database.close()
        lag = database.anchor_lag()  # still unrecorded after the last try at closing
        if lag is not None:
            print(f"itb-console: warning: {lag}", file=sys.stderr)
