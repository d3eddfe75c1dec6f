"""``check`` and ``project``: a programme file through the engine (product.md, "Command line")."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from fractions import Fraction
from typing import Any

from programmer.check_context import CheckContext
from programmer.errors import ProgrammeFileError
from programmer.finding import Finding, Severity
from programmer.findings import CheckResult, check_programme
from programmer.programme import Programme
from programmer.programme_file import load
from programmer.projection import ClinicSettings, ReservoirModel, shifted
from programmer.words import format_decimal, format_number
from ui.commands.invocation import (
    CommandRefused,
    log_in,
    now_of,
    open_database,
    require_account,
)


class FileProblem(Exception):
    """A file named on the command line cannot be read: exit 2, one line."""


def register(sub: Any) -> None:
    check = sub.add_parser(
        "check", help="validate a programme file (exit 0 ok, 1 hard finding, 2 unreadable)"
    )
    check.add_argument("file", metavar="FILE")
    check.add_argument("--current", metavar="FILE", help="the current programme, for change limits")
    check.add_argument(
        "--last-therapy",
        metavar="FILE",
        help="the last programme that gave therapy, for a restart from stopped or minimum rate",
    )
    check.add_argument("--json", action="store_true", help="machine-readable output")
    _add_database_account(check)
    check.set_defaults(func=run_check)
    proj = sub.add_parser("project", help="daily dose, flow and the reservoir dates of a programme")
    proj.add_argument("file", metavar="FILE")
    proj.add_argument(
        "--days",
        metavar="N",
        type=_days,
        default=None,
        help="also list the reservoir volume for each of the next N days",
    )
    proj.add_argument("--current", metavar="FILE", help="the current programme, for change limits")
    proj.add_argument(
        "--last-therapy",
        metavar="FILE",
        help="the last programme that gave therapy, for a restart from stopped or minimum rate",
    )
    proj.add_argument("--json", action="store_true", help="machine-readable output")
    _add_database_account(proj)
    proj.set_defaults(func=run_project)


def _add_database_account(parser: argparse.ArgumentParser) -> None:
    """``--as NAME``: only with --db, for a patient on record in a database with accounts (its
    history is patient data); files alone need no account (product.md)."""
    parser.add_argument(
        "--as",
        dest="acting",
        metavar="NAME",
        help="with --db, when the file's patient is on record in a database with accounts: "
        "the account to run as (its password from standard input or a hidden prompt); the "
        "check then uses the patient's stored history",
    )


def _days(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number of days") from None
    if not 1 <= value <= 3660:
        raise argparse.ArgumentTypeError("--days must be from 1 to 3660")
    return value


def read_programme(path: str) -> Programme:
    try:
        return load(path)
    except ProgrammeFileError as exc:
        raise FileProblem(f"{path}: {exc}") from None


def _evaluate(args: argparse.Namespace) -> tuple[Programme, CheckContext, CheckResult] | int:
    try:
        programme = read_programme(args.file)
        current = read_programme(args.current) if args.current else None
        last_therapy = read_programme(args.last_therapy) if args.last_therapy else None
    except FileProblem as exc:
        print(f"itb-console: {exc}", file=sys.stderr)
        return 2
    now = now_of(args)
    if getattr(args, "acting", None) is not None and not args.db:
        print(
            "itb-console: --as is for a patient's history in the database named by --db; "
            "files alone need no account: leave it out, or name the database with --db",
            file=sys.stderr,
        )
        return 2
    if args.db:
        context = _database_context(args, programme, current, last_therapy, now)
    else:
        # Files with no database: the packaged library and catalogue, the default clinic
        # settings, and the history the files given say.
        context = CheckContext.packaged(
            current=current, last_therapy=last_therapy, settings=ClinicSettings()
        )
    return programme, context, check_programme(programme, context, now=now)


def _database_context(
    args: argparse.Namespace,
    programme: Programme,
    current: Programme | None,
    last_therapy: Programme | None,
    now: datetime,
) -> CheckContext:
    """With --db, what the save path of that database would check against (product.md,
    "Command line": the subcommands "use the same engine"; "Findings": limits come from the
    drug library, editable by an administrator): its active library and catalogue, its clinic
    settings and, for a patient on record, the patient's history (Database.check_context), so
    `check` never passes what `import` then refuses. The library and settings are not patient
    data: no account is needed for them; a patient's history is, so on a database with
    accounts it takes --as NAME ("Accounts on the command line")."""
    from db.database import DatabaseError

    command = str(args.command)
    patient_id = programme.patient.id
    try:
        with open_database(args) as database:
            known = database.has_patient(patient_id)
            if known and (current is not None or last_therapy is not None):
                raise CommandRefused(
                    f"{patient_id} is on record in {database.path}: '{command}' checks against "
                    "the stored history, so --current and --last-therapy are for a patient not "
                    "on record; leave them out. Nothing was read."
                )
            if known or getattr(args, "acting", None) is not None:
                acting = require_account(database, args, command)
                if acting is not None:
                    log_in(database, acting, args)
            # For a patient not on record: the library, catalogue and settings, no history.
            context = database.check_context(patient_id, now)
    except DatabaseError as exc:
        raise CommandRefused(str(exc)) from None
    if known:
        return context
    return replace(context, current=current, last_therapy=last_therapy)


def _moment(value: datetime | None) -> str | None:
    # ISO 8601 to the minute; strftime("%Y") would write year 1 as "1".
    return None if value is None else value.isoformat(timespec="minutes")


def _finding_line(f: Finding) -> str:
    return f"  {f.severity.value.upper():4}  {f.code.value:<26} {f.field}\n        {f.message}"


def _print_findings(findings: tuple[Finding, ...]) -> None:
    counts = {s: sum(f.severity is s for f in findings) for s in Severity}
    if not findings:
        print("No findings.")
        return
    print(
        f"{len(findings)} finding(s): {counts[Severity.HARD]} hard, {counts[Severity.SOFT]} soft, "
        f"{counts[Severity.INFO]} info"
    )
    for f in findings:
        print(_finding_line(f))


def run_check(args: argparse.Namespace) -> int:
    evaluated = _evaluate(args)
    if isinstance(evaluated, int):
        return evaluated
    _, _, result = evaluated
    if args.json:
        print(json.dumps(_summary(result), indent=2))
    else:
        print(f"{args.file}: {'HARD FINDING: cannot be saved' if result.hard else 'can be saved'}")
        _print_findings(result.findings)
    return 1 if result.hard else 0


def _float(value: Fraction) -> float:
    return float(value)


def _summary(result: CheckResult) -> dict[str, Any]:
    """The ``--json`` output of product.md, the same for ``check`` and ``project``."""
    p = result.projection
    return {
        "daily_dose_mcg": _float(p.daily_dose_mcg),
        "flow_ml_per_day": _float(p.flow_ml_per_day),
        "low_reservoir_alarm_at": _moment(p.low_reservoir_alarm_at),
        "empty_at": _moment(p.empty_at),
        "next_refill_at": _moment(p.next_refill_at),
        "refill_limited_by": p.refill_limited_by.value,
        # The highest 24 hours (planned boluses and every patient bolus in) and the worst-case
        # flow: beside the programmed figures the dates are not computed from (product.md).
        "worst_day_mcg": _float(result.worst_day_mcg),
        "worst_case_flow_ml_per_day": _float(p.worst_case_flow_ml_per_day),
        "findings": [f.as_json() for f in result.findings],
    }


def _reservoir_rows(
    programme: Programme, context: CheckContext, result: CheckResult, now: datetime, days: int
) -> list[tuple[date, float]]:
    """The reservoir at the fill, then at each of the ``days`` midnights after today (or after
    the fill day, if later), as the check projected it: a change between refills follows the
    programmes that ran on the fill before it (``result.earlier``), like the dates do. Only
    those moments are computed: an old fill date costs nothing."""
    model = ReservoirModel(
        programme,
        context.catalogue.pump(programme.pump.model),
        worst_case=True,
        earlier=result.earlier,
    )
    fill = programme.reservoir.filled_at
    first = datetime.combine(max(fill.date(), now.date()), time.min)
    midnights = []
    for k in range(1, days + 1):
        moment = shifted(first, timedelta(days=k))
        if moment == datetime.max:
            break
        midnights.append(moment)
    # volume_at goes negative past empty; a reservoir holds 0 mL then, not less.
    return [(m.date(), max(0.0, float(model.volume_at(m)))) for m in [fill, *midnights]]


def run_project(args: argparse.Namespace) -> int:
    evaluated = _evaluate(args)
    if isinstance(evaluated, int):
        return evaluated
    programme, context, result = evaluated
    p = result.projection
    out = _summary(result)
    curve = (
        _reservoir_rows(programme, context, result, now_of(args), args.days) if args.days else []
    )
    if args.json:
        if args.days:
            out["reservoir"] = [{"date": d.isoformat(), "volume_ml": round(v, 6)} for d, v in curve]
        print(json.dumps(out, indent=2))
        return 0
    drug = context.library.drug(programme.drug.name)
    conc = programme.drug.concentration_mcg_per_ml
    print(
        f"{programme.patient.name} ({programme.patient.id}), {programme.mode.value}, "
        # As typed, never rounded (a dilution of 2000 by three is 666.67, not 667 mcg/mL).
        f"{drug.name} {format_decimal(conc)} mcg/mL"
    )
    rows = [
        (
            "Daily dose",
            f"{format_number(p.daily_dose_mcg, 2)} mcg/day"
            + (" (mean over the week)" if p.daily_doses.varies else ""),
        ),
        ("Flow", f"{format_number(p.flow_ml_per_day, 4)} mL/day"),
        (
            "Worst case",
            f"{format_number(p.worst_case_daily_dose_mcg, 2)} mcg/day, "
            f"{format_number(p.worst_case_flow_ml_per_day, 4)} mL/day (every patient bolus used)",
        ),
        (
            "Low-reservoir alarm",
            (_moment(p.low_reservoir_alarm_at) or "never at this rate")
            + f" (at {format_decimal(programme.pump.low_reservoir_alarm_ml)} mL)",
        ),
        ("Empty", _moment(p.empty_at) or "never at this rate"),
        ("Next refill", f"{_moment(p.next_refill_at)} (limited by {p.refill_limited_by.value})"),
    ]
    for label, value in rows:
        print(f"{label + ':':<21}{value}")
    if curve:
        print("\nReservoir (worst case), mL:")
        for d, v in curve:
            print(f"  {d.isoformat()}  {v:8.3f} mL")
    print()
    _print_findings(result.findings)
    return 0
