"""``user add`` and ``user list``: the console's accounts from the command line (issue 6, "Users and
access").

A password is never a command-line argument (it would sit in the shell history and be visible
to every process on the machine): it is read from standard input when that is not a terminal
(one password per line), otherwise typed twice at a hidden prompt. ``--password`` is refused.

Who adds the account:

- the first account of a database needs nobody's permission, but must be an administrator
  (``--role administrator``), exactly as the window's first-run dialog;
- every later account is added by an administrator named with ``--as ADMIN``, who logs in with
  their password: the second line of standard input, or a hidden prompt. That login counts
  towards the lock-out and is in the audit trail, like one in the window.

So a script adds a clinician with::

    printf '%s\\n%s\\n' "$NEW_PASSWORD" "$ADMIN_PASSWORD" |
        itb-console --db clinic.sqlite user add dr.lee --role clinician --as admin

Exit codes: 0 done; 2 refused or the database cannot be used, with one line on stderr. The
storage layer is imported only when a command runs, so the command line stays fast.
"""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ui.commands.invocation import (
    PasswordInputError,
    PasswordSource,
    add_account_option,
    fail,
    log_in,
    now_of,
    open_database,
    recorded_now,
    refuse_now_for_writes,
    session,
)

__all__ = ["PasswordInputError", "PasswordSource", "register"]

if TYPE_CHECKING:
    from db.users import UserRecord

ROLES = ("clinician", "trainer", "administrator")


def register(sub: Any) -> None:
    user = sub.add_parser(
        "user",
        help="user accounts: add one, list them (passwords are read from stdin or a prompt)",
        description="Add or list the user accounts of the database (--db PATH).",
    )
    actions = user.add_subparsers(dest="user_command", metavar="ACTION", required=True)

    add = actions.add_parser(
        "add",
        help="add an account; its password is the first line of stdin, or typed twice",
        description="Add an account. Its password is read from the first line of standard "
        "input when that is not a terminal, otherwise typed twice at a hidden prompt; never "
        "from an argument. The first account of a database must be an administrator; later "
        "ones are added by an administrator named with --as, whose password is the second "
        "line of standard input (or a prompt).",
    )
    add.add_argument("name", metavar="NAME", help="the new account's name (1-40 characters)")
    add.add_argument("--role", required=True, choices=ROLES, help="what the account may do")
    add_account_option(add, metavar="ADMIN")  # the administrator adding the account
    # Only to refuse it with a clear reason, rather than argparse's "unrecognized arguments".
    add.add_argument(
        "--password", dest="password_argument", nargs="?", const="", help=argparse.SUPPRESS
    )
    add.set_defaults(func=run_add)

    show = actions.add_parser("list", help="the accounts: name, role, active, locked until")
    show.add_argument("--json", action="store_true", help="machine-readable output")
    add_account_option(show)
    show.set_defaults(func=run_list)


# ---------------------------------------------------------------- add


def run_add(args: argparse.Namespace) -> int:
    from db.database import DatabaseError
    from db.kind import DatabaseKind
    from db.users import Role, check_name

    if args.password_argument is not None:
        return fail(
            "passwords are never given as arguments (they would stay in the shell history "
            "and be visible to other programs): leave out --password, and pipe the password "
            "into standard input or type it at the prompt"
        )
    refuse_now_for_writes(args, "user add")
    now = recorded_now(args)
    try:
        check_name(args.name)
        role = Role(args.role)
        with open_database(args, create=True) as database:
            if role is Role.TRAINER and database.kind is not DatabaseKind.TRAINING:
                return fail(
                    f"{database.path} is the clinic's database: trainer accounts belong in a "
                    "training database, and trainers never log into the clinical one"
                )
            first = not database.has_users()
            if first and args.acting is not None:
                return fail(
                    f"{database.path} has no user accounts yet, so there is no administrator "
                    f"{args.acting}: add the first administrator without --as"
                )
            if first and role is not Role.ADMINISTRATOR:
                return fail(
                    f"{database.path} has no user accounts yet: the first account must be an "
                    "administrator (--role administrator), who then adds the others"
                )
            if not first and args.acting is None:
                return fail(
                    "adding an account takes an administrator: name one with --as ADMIN (their "
                    "password is the second line of standard input, or typed at the prompt)"
                )
            source = PasswordSource()
            password = source.new_password(args.name)
            if first:
                database.first_administrator(args.name, password, now)
                by = args.name
            else:
                acting = log_in(database, args.acting, args, source)
                database.add_user(args.name, role, password, by=acting, now=now)
                by = acting.name
            path = database.path
    except PasswordInputError as exc:
        return fail(str(exc))
    except DatabaseError as exc:
        return fail(str(exc))
    print(f"Added {role.value} {args.name} to {path} (by {by})")
    return 0


# ---------------------------------------------------------------- list


def _locked(record: UserRecord, now: datetime) -> str | None:
    if record.locked_until is None or not record.locked_at(now):
        return None
    return record.locked_until.isoformat(timespec="minutes")


def run_list(args: argparse.Namespace) -> int:
    from db.database import DatabaseError

    now = now_of(args)
    try:
        with session(args, "user list") as s:
            records = s.database.list_users()
            path = s.database.path
            kind = s.database.kind.value
    except DatabaseError as exc:
        return fail(str(exc))
    if args.json:
        out = [
            {
                "name": r.name,
                "role": r.role.value,
                "active": r.active,
                "locked_until": _locked(r, now),
            }
            for r in records
        ]
        print(json.dumps(out, indent=2, ensure_ascii=False))
        return 0
    if not records:
        print(
            f"{path} ({kind}) has no user accounts yet: add the first administrator with\n"
            f"  itb-console --db {path} user add NAME --role administrator"
        )
        return 0
    rows = [
        (r.name, r.role.value, "yes" if r.active else "no", _locked(r, now) or "-") for r in records
    ]
    header = ("Name", "Role", "Active", "Locked until")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(3)]
    print(f"{path} ({kind}): {len(records)} account(s)")
    for row in [header, *rows]:
        cells = [cell.ljust(width) for cell, width in zip(row[:3], widths, strict=True)]
        print("  " + "  ".join([*cells, row[3]]))
    return 0
