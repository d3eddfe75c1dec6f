"""``import``, ``export``, ``history``, ``verify``, ``backup`` and ``restore``: the clinic's
database from the command line (issue 3, "Command line").

Every command takes the global ``--db PATH``; without it the per-user default database is used
(created with the demonstration patients on first use, as the window does). Exit codes: 0 done;
1 refused by the findings (import) or the check failed (verify); 2 a file or the database cannot
be used, with one line on stderr. The storage layer is imported only when a command runs, so
``itb-console check`` stays fast.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from programmer.errors import ProgrammeFileError
from programmer.finding import Finding, Severity
from programmer.programme_file import load

if TYPE_CHECKING:
    from db.database import ProgrammeVersion
from programmer.files import FileProblem, output_problem, write_bytes
from programmer.words import mcg_day
from ui.commands.invocation import (
    CommandRefused,
    add_account_option,
    database_path,
    fail,
    log_in,
    open_database,
    recorded_now,
    refuse_now_for_writes,
    require_account,
    session,
    version_number,
)


def register(sub: Any) -> None:
    imp = sub.add_parser(
        "import",
        help="store a programme file as the patient's next version "
        "(exit 0 stored, 1 refused by findings, 2 unreadable)",
    )
    imp.add_argument("file", metavar="FILE")
    imp.add_argument(
        "--reason",
        metavar="TEXT",
        help="why the programme is stored; also the typed reason accepting each soft finding "
        "(without it a programme with soft findings is refused)",
    )
    imp.add_argument(
        "--base",
        metavar="N",
        type=_base,
        default=False,  # not given (None is "new")
        help="the version FILE was exported from (export says it): FILE is stored on top of "
        "that version only, and refused as a conflict if another was saved since; 'new' for a "
        "patient's first programme. Needed when the patient already has a programme.",
    )
    add_account_option(imp)
    imp.set_defaults(func=run_import)

    exp = sub.add_parser(
        "export", help="write a patient's programme file to stdout (the current one by default)"
    )
    exp.add_argument("patient_id", metavar="PATIENT_ID")
    exp.add_argument("--version", metavar="N", type=version_number, help="this version instead")
    exp.add_argument(
        "--out",
        metavar="FILE",
        help="write the programme file here instead of to standard output",
    )
    exp.add_argument("--force", action="store_true", help="replace the --out file if it exists")
    add_account_option(exp)
    exp.set_defaults(func=run_export)

    hist = sub.add_parser("history", help="a patient's programme versions: who, when, dose, why")
    hist.add_argument("patient_id", metavar="PATIENT_ID")
    hist.add_argument("--json", action="store_true", help="machine-readable output")
    add_account_option(hist)
    hist.set_defaults(func=run_history)

    ver = sub.add_parser(
        "verify", help="check the database and its audit trail (exit 0 only when both hold)"
    )
    add_account_option(ver)
    ver.add_argument(
        "--expect-head",
        metavar="HASH",
        help="also check the trail still holds this head hash (one written down, e.g. from a "
        "session report)",
    )
    ver.set_defaults(func=run_verify)

    bak = sub.add_parser("backup", help="a consistent copy of the database, taken while in use")
    bak.add_argument("file", metavar="FILE")
    bak.add_argument("--force", action="store_true", help="replace FILE if it exists")
    add_account_option(bak)
    bak.set_defaults(func=run_backup)

    res = sub.add_parser(
        "restore", help="check a backup and put it in place as the database (--db or default)"
    )
    res.add_argument("file", metavar="BACKUP")
    res.add_argument(
        "--force",
        action="store_true",
        help="replace an existing database (it is kept beside, renamed, never deleted)",
    )
    add_account_option(res, metavar="ADMIN")
    res.set_defaults(func=run_restore)


def _base(text: str) -> int | None:
    """``--base N``, or ``new`` (the patient has no programme yet)."""
    if text.strip().casefold() == "new":
        return None
    return version_number(text)


def _finding_lines(findings: tuple[Finding, ...]) -> list[str]:
    return [
        f"  {f.severity.value.upper():4}  {f.code.value:<26} {f.field}\n        {f.message}"
        for f in findings
    ]


# ---------------------------------------------------------------- import


def run_import(args: argparse.Namespace) -> int:
    from db.database import (
        ConflictError,
        DatabaseError,
        HardFindingError,
        MissingAcknowledgementError,
        UnknownPatientError,
        acknowledgement_key,
    )

    refuse_now_for_writes(args, "import")
    reason = args.reason
    if reason is not None and not reason.strip():
        return fail("--reason must not be empty")
    # An existing database's own drug library (an administrator may have imported a newer one)
    # decides which drugs a file may name; a new database can only have the packaged library,
    # so the file is checked before anything is created. Its accounts are checked first: on a
    # database with accounts nothing is read without --as.
    library = None
    path, _ = database_path(args)
    if path.exists():
        try:
            with open_database(args) as existing:
                require_account(existing, args, "import")
                library = existing.library
        except DatabaseError as exc:
            return fail(str(exc))
    try:
        programme = load(args.file, library=library)
    except ProgrammeFileError as exc:
        return fail(f"{args.file}: {exc}")
    try:
        with session(args, "import", writes=True, create=True) as s:
            database, now = s.database, s.recorded_at
            try:
                latest = database.latest_version(programme.patient.id)
            except UnknownPatientError:
                latest = None
            base = _stated_base(args, programme.patient.id, latest)
            result = database.check_programme(programme, now=now)
            hard = tuple(f for f in result.findings if f.severity is Severity.HARD)
            soft = tuple(f for f in result.findings if f.severity is Severity.SOFT)
            if hard:
                print(f"{args.file}: refused: {len(hard)} hard finding(s); nothing was stored")
                print("\n".join(_finding_lines(result.findings)))
                return 1
            if soft and reason is None:
                print(
                    f"{args.file}: refused: {len(soft)} soft finding(s) need a reason; "
                    "give it with --reason TEXT to accept them"
                )
                print("\n".join(_finding_lines(soft)))
                return 1
            try:
                version = database.save_programme(
                    programme,
                    base_version=base,
                    user=s.recorded_by,
                    reason=reason or f"Imported from {Path(args.file).name}",
                    acknowledgements={acknowledgement_key(f): reason or "" for f in soft},
                    now=now,
                )
            except (HardFindingError, MissingAcknowledgementError) as exc:
                # The stored current programme changed between the check and the save.
                print(f"{args.file}: refused: {exc}")
                print("\n".join(_finding_lines(exc.findings)))
                return 1
    except ConflictError as exc:
        return fail(f"{args.file}: refused as a conflict: {exc}")
    except DatabaseError as exc:
        return fail(str(exc))
    print(
        f"{args.file}: stored as version {version.number} of {version.patient_id} "
        f"({programme.patient.name})" + (f", {len(soft)} soft finding(s) accepted" if soft else "")
    )
    return 0


def _stated_base(
    args: argparse.Namespace, patient_id: str, latest: ProgrammeVersion | None
) -> int | None:
    """The version the file is to be stored on top of: ``--base`` (``new`` for none). Without
    it a patient's first programme needs none, but a file for a patient with programmes is
    refused: it would silently replace whatever was saved since it was exported."""
    if args.base is not False:
        base: int | None = args.base
        return base
    if latest is None:
        return None
    raise CommandRefused(
        f"{args.file}: patient {patient_id} already has programme versions (the newest is "
        f"{latest.number}): give --base N, the version the file was exported from (export "
        "says it), so that a version saved since is not silently replaced. Nothing was stored."
    )


# ---------------------------------------------------------------- export


def run_export(args: argparse.Namespace) -> int:
    from db.database import DatabaseError

    if args.out is not None:  # before anything is read, or a password asked for
        problem = output_problem(args.out, force=args.force, protected=[database_path(args)[0]])
        if problem is not None:
            return fail(f"{args.out}: {problem}")
    try:
        with session(args, "export") as s:
            database = s.database
            if args.version is not None:
                version = database.version(args.patient_id, args.version)
            else:
                current = database.current_version(args.patient_id)
                if current is None:
                    return fail(f"patient {args.patient_id} has no confirmed programme yet")
                version = current
            data = version.programme_json.encode("utf-8")
            if args.out is not None:
                write_bytes(args.out, data, force=args.force, protected=[database.path])
    except DatabaseError as exc:
        return fail(str(exc))
    except FileProblem as exc:
        return fail(str(exc))
    # The base an edited copy is imported on: said on stderr, so stdout stays the file.
    base_note = (
        f"exported version {version.number} of {version.patient_id}; import an edited copy "
        f"with --base {version.number}"
    )
    if args.out is not None:
        print(f"{args.out}: {base_note}")
        return 0
    print(base_note, file=sys.stderr)
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is not None:  # the stored bytes, whatever the terminal's encoding
        sys.stdout.flush()
        buffer.write(data)
        buffer.flush()
    else:
        sys.stdout.write(version.programme_json)
    return 0


# ---------------------------------------------------------------- history


def _version_json(v: ProgrammeVersion, current: int | None) -> dict[str, Any]:
    return {
        "number": v.number,
        "saved_at": v.saved_at.isoformat(timespec="minutes"),
        "saved_by": v.saved_by,
        "reason": v.reason,
        "confirmed": v.confirmed,
        "current": v.number == current,
        "based_on": v.based_on,
        "mode": v.mode.value,
        "daily_dose_mcg": float(v.daily_dose_mcg),
        "flow_ml_per_day": float(v.flow_ml_per_day),
        "library_version": v.library_version,
        "findings": [f.as_json() for f in v.findings],
        "acknowledgements": v.acknowledgements,
    }


def run_history(args: argparse.Namespace) -> int:
    from db.database import DatabaseError

    try:
        with session(args, "history") as s:
            record = s.database.patient(args.patient_id)
            versions = s.database.versions(args.patient_id)
    except DatabaseError as exc:
        return fail(str(exc))
    current = max((v.number for v in versions if v.confirmed), default=None)
    patient = record.patient
    if args.json:
        out = {
            "patient": {"id": patient.id, "name": patient.name},
            "versions": [_version_json(v, current) for v in versions],
        }
        print(json.dumps(out, indent=2, ensure_ascii=False))
        return 0
    print(f"{patient.name} ({patient.id}): {len(versions)} programme version(s)")
    if not versions:
        return 0
    by_width = max(len("Saved by"), *(len(v.saved_by) for v in versions))
    print(f"  {'#':>3}  {'Saved':<16}  {'Saved by':<{by_width}}  {'Daily dose':>15}  Mode / reason")
    for v in versions:
        mark = "*" if v.number == current else (" " if v.confirmed else "d")
        dose = mcg_day(v.daily_dose_mcg)
        print(
            f"{mark} {v.number:>3}  {v.saved_at:%Y-%m-%d %H:%M}  {v.saved_by:<{by_width}}  "
            f"{dose:>15}  {v.mode.value}: {v.reason}"
        )
        for key, why in v.acknowledgements.items():
            print(f"        accepted {key.split('@')[0]}: {why}")
    print("(* current programme; d not confirmed)")
    return 0


# ---------------------------------------------------------------- verify, backup, restore


def run_verify(args: argparse.Namespace) -> int:
    from db.audit import TamperedError
    from db.database import Database, DatabaseError

    expect = getattr(args, "expect_head", None)
    try:
        try:
            with session(args, "verify") as s:
                report = s.database.verify(expect_head=expect)
                path = s.database.path
        except TamperedError:
            # The kind or an account was edited by hand: verify is what names it, so it still
            # runs, read-only, on the file as it is, for the account named (whose row may be
            # the one tampered with, so it cannot be trusted to log in).
            with Database.open(
                database_path(args)[0], create=False, now=recorded_now(args)
            ) as database:
                require_account(database, args, "verify")
                report = database.verify(expect_head=expect)
                path = database.path
    except DatabaseError as exc:
        return fail(str(exc))
    print(f"Database: {path}")
    print(f"SQLite integrity: {'ok' if report.integrity_ok else 'FAILED'}")
    print(
        f"Audit trail: {'ok' if report.audit_ok else 'FAILED'} "
        f"({report.audit_entries} entries, last hash {report.audit_head})"
    )
    seen = report.seen_head
    print(
        "Last head this workstation saw: "
        + ("none yet" if seen is None else f"entry {seen[0]}, hash {seen[1]}")
    )
    if getattr(args, "expect_head", None):
        missing = any("the head written down" in p for p in report.problems)
        print(f"Expected head {args.expect_head}: {'NOT ' if missing else ''}in the trail")
    for problem in report.problems:
        print(f"  PROBLEM: {problem}")
    return 0 if report.ok else 1


def run_backup(args: argparse.Namespace) -> int:
    from db.database import DatabaseError

    problem = output_problem(args.file, force=args.force, protected=[database_path(args)[0]])
    if problem is not None:  # before a password is asked for or anything recorded
        return fail(f"{args.file}: {problem}")
    try:
        with session(args, "backup") as s:
            s.database.backup(args.file, overwrite=args.force)
            source = s.database.path
    except DatabaseError as exc:
        return fail(str(exc))
    size = Path(args.file).stat().st_size
    print(f"Backed up {source} to {args.file} ({size / 1_000_000:.1f} MB)")
    return 0


def run_restore(args: argparse.Namespace) -> int:
    from db.database import Database, DatabaseError
    from db.users import Role

    refuse_now_for_writes(args, "restore")
    path, _ = database_path(args)
    by: str | None = None  # who the restored trail names (the system when no one logged in)
    try:
        if path.exists():
            # Replacing the clinic's database is an administrator's act, logged in the database
            # being replaced (it is kept, with that login, under a unique name).
            with open_database(args) as existing:
                acting = require_account(existing, args, "restore")
                if acting is not None:
                    user = log_in(existing, acting, args)
                    if user.role is not Role.ADMINISTRATOR:
                        raise CommandRefused(
                            f"{user.name} is not an administrator: only an administrator "
                            "replaces the database with a backup. Nothing was changed."
                        )
                    by = user.name
        elif args.acting is not None:
            raise CommandRefused(
                f"{path} does not exist yet, so there is no account '{args.acting}' to log in "
                "with: leave out --as to restore to a new file"
            )
        kept = Database.restore(
            args.file, path, overwrite=args.force, now=recorded_now(args), by=by
        )
    except DatabaseError as exc:
        return fail(str(exc))
    print(f"Restored {args.file} to {path}")
    if kept is not None:
        print(f"The database that was there is kept as {kept}")
    return 0
