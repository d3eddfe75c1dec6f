"""What every subcommand takes from how it was invoked: the moment (``--now`` or the clock), who
is at the keyboard, the database (``--db`` or the per-user default), and how it fails (one line
on stderr, exit 2). No Qt here: the command line starts without it."""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from db.database import Database


def now_of(args: argparse.Namespace) -> datetime:
    """``--now`` or the clock, in whole minutes (what a programme file can hold)."""
    now: datetime = args.now or datetime.now()
    return now.replace(second=0, microsecond=0)


def current_user() -> str:
    """Who is at the keyboard when no one has logged in: the operating-system login."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def version_number(text: str) -> int:
    """A ``--version N`` argument."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a version number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("version numbers start at 1")
    return value


def fail(message: str) -> int:
    """One clear line on stderr; exit code 2."""
    print(f"itb-console: {message}", file=sys.stderr)
    return 2


def training(args: argparse.Namespace) -> bool:
    return bool(getattr(args, "training", False))


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
    and --training never touches the clinic's."""
    from db.database import Database
    from db.kind import DatabaseKind

    path, is_default = database_path(args)
    if training(args):
        from db.seed.training import open_training

        if not is_default and not create and not path.exists():
            return Database.open(path, create=False, now=now_of(args))  # says: no database there
        return open_training(path, now=now_of(args))
    seed = None
    if is_default:  # the per-user default database starts with the demonstration patients
        from db.seed.demo_patients import seed_demo_patients

        seed = seed_demo_patients
    database = Database.open(path, create=create or is_default, on_create=seed, now=now_of(args))
    try:
        database.require_kind(DatabaseKind.CLINICAL)
    except BaseException:
        database.close()
        raise
    return database
