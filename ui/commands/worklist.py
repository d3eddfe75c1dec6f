"""``worklist``: the clinic's worklist from the command line (product.md, "Clinic worklist"):
every patient due within N days, overdue, stopped or with a version not yet transmitted,
sorted by next refill; as text, JSON, CSV (UTF-8 with a byte-order mark) or iCalendar.

Read from the figures stored with each patient's record (db/worklist.py), so it is as fast with
10,000 patients as with ten. Exit 0: listed (or written); 2: the database or the output file
cannot be used, with one line on stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from programmer.files import FileProblem, output_problem, write_bytes
from programmer.worklist import DEFAULT_DAYS, MAX_DAYS, WorklistItem
from ui.commands.invocation import add_account_option, fail, session


def window_days(text: str) -> int:
    """A ``--days N`` argument: a whole number of days from 0 to MAX_DAYS, never rounded."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number of days") from None
    if not 0 <= value <= MAX_DAYS:
        raise argparse.ArgumentTypeError(f"the window is 0 to {MAX_DAYS} days, not {value}")
    return value


def register(sub: Any) -> None:
    wl = sub.add_parser(
        "worklist",
        help="patients due within N days, overdue, stopped, or with a version not yet "
        "transmitted, sorted by next refill",
    )
    wl.add_argument(
        "--days",
        metavar="N",
        type=window_days,
        default=DEFAULT_DAYS,
        help=f"the window in days from now (default {DEFAULT_DAYS})",
    )
    out = wl.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    out.add_argument(
        "--csv", metavar="FILE", help="write a CSV file (UTF-8 with a byte-order mark)"
    )
    out.add_argument("--ics", metavar="FILE", help="write an iCalendar file: one event per refill")
    wl.add_argument("--force", action="store_true", help="replace FILE if it exists")
    add_account_option(wl)
    wl.set_defaults(func=run_worklist)


def _date(value: object) -> str:
    return "—" if value is None else f"{value:%Y-%m-%d}"


def text_lines(items: list[WorklistItem], days: int) -> list[str]:
    """The worklist as a table for the terminal."""
    if not items:
        return [f"No patient needs attention within {days} days."]
    lines = [
        f"{len(items)} patient(s) within {days} days, by next refill:",
        f"  {'Status':<8} {'Patient':<14} {'Name':<24} {'Refill by':<10} {'Set by':<11} "
        f"{'Alarm':<10} {'Empty':<10} {'Replace by':<10}  Why",
    ]
    for item in items:
        f = item.figures
        lines.append(
            f"  {item.status.value:<8} {f.patient_id:<14} {f.name[:24]:<24} "
            f"{_date(f.next_refill_at):<10} "
            f"{'—' if f.refill_limited_by is None else f.refill_limited_by.value:<11} "
            f"{_date(f.low_reservoir_alarm_at):<10} {_date(f.empty_at):<10} "
            f"{_date(f.replace_by):<10}  {'; '.join(r.words for r in item.reasons)}"
        )
    return lines


def run_worklist(args: argparse.Namespace) -> int:
    from db.database import DatabaseError
    from programmer.worklist_files import worklist_csv, worklist_ics, worklist_json

    for stream in (sys.stdout, sys.stderr):  # a name the terminal cannot show is escaped
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")
    target = args.csv or args.ics
    try:
        with session(args, "worklist") as s:
            database, now = s.database, s.evaluated_at
            if target is not None:  # before any work: a bad path changes nothing
                problem = output_problem(target, force=args.force, protected=[database.path])
                if problem is not None:
                    return fail(f"{target}: {problem}")
            items = database.worklist(now=now, days=args.days)
            database_path = database.path
    except DatabaseError as exc:
        return fail(str(exc))
    if args.json or target is None:
        text = (
            json.dumps(worklist_json(items, now), indent=2, ensure_ascii=False)
            if args.json
            else "\n".join(text_lines(items, args.days))
        )
        try:
            print(text)
            sys.stdout.flush()
        except BrokenPipeError:  # e.g. "| head": the reader has gone, nothing left to say
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    data = worklist_csv(items) if args.csv else worklist_ics(items, now)
    try:
        write_bytes(Path(target), data, force=args.force, protected=[database_path])
    except FileProblem as exc:
        return fail(f"{target}: {exc}")
    what = "CSV" if args.csv else "iCalendar"
    count = len(items) if args.csv else sum(i.figures.next_refill_at is not None for i in items)
    unit = "row(s)" if args.csv else "event(s)"
    print(f"{target}: worklist written as {what}, {count} {unit} (window {args.days} days)")
    return 0
