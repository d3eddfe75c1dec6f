"""``audit-key export`` and ``audit-key import``: moving a database to another workstation
(product.md, "Records and files": "The administrator exports and imports the key to move a
database to another workstation (audited)").

Each workstation keys the audit trails it writes with a secret of its own (db/anchor.py), so
a database carried to another workstation cannot be written or verified there until its key
is brought along::

    itb-console --db clinic.sqlite audit-key export clinic.key --as admin   # on the old one
    itb-console --db clinic.sqlite audit-key import clinic.key --as admin   # on the new one

The administrator's password is read from standard input or typed at the prompt. The key file
is created owner-only and is as secret as a password: anyone holding it and the database can
rewrite the trail undetected. Export and import are each an audit entry.

Exit codes: 0 done; 2 nothing was done (the message says why).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from programmer.files import FileProblem, output_problem, read_input, write_bytes
from ui.commands.invocation import add_account_option, fail, session
from ui.commands.users import PasswordInputError

MAX_KEY_FILE = 4096


def register(sub: Any) -> None:
    key = sub.add_parser(
        "audit-key",
        help="export or import the audit key, to move a database to another workstation",
    )
    actions = key.add_subparsers(dest="key_command", metavar="ACTION", required=True)
    exp = actions.add_parser("export", help="write this database's audit key to FILE")
    exp.add_argument("file", metavar="FILE")
    add_account_option(exp, metavar="ADMIN")
    exp.add_argument("--force", action="store_true", help="replace FILE if it exists")
    exp.set_defaults(func=run_export)
    imp = actions.add_parser("import", help="keep the audit key in FILE on this workstation")
    imp.add_argument("file", metavar="FILE")
    add_account_option(imp, metavar="ADMIN")
    imp.set_defaults(func=run_import)


def _administrator_needed() -> int:
    return fail(
        "the audit key is an administrator's to move: this database has no accounts yet "
        "(add the first administrator with user add NAME --role administrator)"
    )


def run_export(args: argparse.Namespace) -> int:
    """Write the key owner-only through programmer/files.py: never the database or its
    journal files, an existing file replaced only with --force."""
    from db.database import DatabaseError

    dest = Path(args.file)
    try:
        with session(args, "audit-key export", writes=True) as s:
            problem = output_problem(dest, force=args.force, protected=[s.database.path])
            if problem is not None:
                return fail(f"{dest}: {problem}")
            if s.user is None:
                return _administrator_needed()
            text = s.database.export_audit_key(
                by=s.user, now=s.recorded_at, dest=str(dest.absolute())
            )
            write_bytes(dest, text.encode("utf-8"), force=args.force, protected=[s.database.path])
            key_name = s.database.audit_key_id()
    except (PasswordInputError, DatabaseError) as exc:
        return fail(str(exc))
    except FileProblem as exc:
        return fail(str(exc))
    print(f"Exported audit key {key_name} to {dest}: keep it as safe as a password")
    return 0


def run_import(args: argparse.Namespace) -> int:
    from db import anchor
    from db.database import DatabaseError

    source = Path(args.file)
    try:
        try:
            text = read_input(source, limit=MAX_KEY_FILE, what="audit key export").decode("utf-8")
        except UnicodeDecodeError:
            return fail(f"{source}: is not an audit key export (not UTF-8 text)")
        key = anchor.read_export(text, str(source))
        anchor.hold(*key)  # to open the database and log in; kept only once authorised
        with session(args, "audit-key import", writes=True) as s:
            if s.user is None:
                return _administrator_needed()
            s.database.import_audit_key(
                key, by=s.user, now=s.recorded_at, source=str(source.absolute())
            )
            path = s.database.path
    except (PasswordInputError, DatabaseError) as exc:
        return fail(str(exc))
    except FileProblem as exc:
        return fail(str(exc))
    print(f"Imported audit key {key[0]} for {path}")
    return 0
