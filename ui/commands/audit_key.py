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
import os
import stat
from pathlib import Path
from typing import Any

from ui.commands.invocation import fail, now_of, open_database
from ui.commands.users import PasswordInputError, PasswordSource, _tolerant_output

MAX_KEY_FILE = 4096


def register(sub: Any) -> None:
    key = sub.add_parser(
        "audit-key",
        help="export or import the audit key, to move a database to another workstation",
    )
    actions = key.add_subparsers(dest="key_command", metavar="ACTION", required=True)
    exp = actions.add_parser("export", help="write this database's audit key to FILE")
    exp.add_argument("file", metavar="FILE")
    exp.add_argument("--as", dest="acting", metavar="ADMIN", required=True)
    exp.add_argument("--force", action="store_true", help="replace FILE if it exists")
    exp.set_defaults(func=run_export)
    imp = actions.add_parser("import", help="keep the audit key in FILE on this workstation")
    imp.add_argument("file", metavar="FILE")
    imp.add_argument("--as", dest="acting", metavar="ADMIN", required=True)
    imp.set_defaults(func=run_import)


def run_export(args: argparse.Namespace) -> int:
    _tolerant_output()
    from db.database import DatabaseError
    from db.users import LoginPurpose

    dest = Path(args.file)
    if dest.exists() and not args.force:
        return fail(f"{dest} exists: choose another name, or replace it with --force")
    if dest.exists() and not dest.is_file():
        return fail(f"{dest} is not a regular file; nothing was written")
    now = now_of(args)
    try:
        with open_database(args) as database:
            if dest.exists() and dest.resolve() == database.path.resolve():
                return fail(f"{dest} is the database itself; nothing was written")
            acting = database.authenticate(
                args.acting,
                PasswordSource().existing_password(args.acting),
                now=now,
                purpose=LoginPurpose.COMMAND_LINE,
            )
            text = database.export_audit_key(by=acting, now=now, dest=str(dest.absolute()))
            _write_owner_only(dest, text)
            key_name = database.audit_key_id()
    except (PasswordInputError, DatabaseError) as exc:
        return fail(str(exc))
    except OSError as exc:
        return fail(f"{dest} cannot be written ({exc.strerror})")
    print(f"Exported audit key {key_name} to {dest}: keep it as safe as a password")
    return 0


def run_import(args: argparse.Namespace) -> int:
    _tolerant_output()
    from db import anchor
    from db.database import DatabaseError
    from db.users import LoginPurpose

    source = Path(args.file)
    now = now_of(args)
    try:
        text = _read_small(source)
        key = anchor.read_export(text, str(source))
        anchor.hold(*key)  # to open the database and log in; kept only once authorised
        with open_database(args) as database:
            acting = database.authenticate(
                args.acting,
                PasswordSource().existing_password(args.acting),
                now=now,
                purpose=LoginPurpose.COMMAND_LINE,
            )
            database.import_audit_key(key, by=acting, now=now, source=str(source.absolute()))
            path = database.path
    except (PasswordInputError, DatabaseError) as exc:
        return fail(str(exc))
    print(f"Imported audit key {key[0]} for {path}")
    return 0


def _read_small(path: Path) -> str:
    from db.anchor import AuditKeyError

    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise AuditKeyError(f"{path} is not a regular file")
        if info.st_size > MAX_KEY_FILE:
            raise AuditKeyError(f"{path} is too large to be an audit key export")
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise AuditKeyError(f"{path} cannot be read ({exc})") from None


def _write_owner_only(dest: Path, text: str) -> None:
    """Created exclusively beside ``dest`` with owner-only permissions, then renamed over."""
    temp = dest.with_name(f".{dest.name}.{os.urandom(6).hex()}.partial")
    fd = os.open(temp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, dest)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
