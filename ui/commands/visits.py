"""``visits PATIENT_ID [--json]``: a patient's visits from the command line (product.md, "The
visit"): when each started and finished, by whom, how it finished (the pump running the final
programme, or left unchanged with its reason), and every step with the figures its audit entry
recorded. Exit 0: listed; 2: the database or the patient cannot be read."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import TYPE_CHECKING, Any

from db.visits import OUTCOME_WORDS
from ui.commands.invocation import add_account_option, fail, session

if TYPE_CHECKING:
    from db.visits import Visit


def register(sub: Any) -> None:
    vis = sub.add_parser("visits", help="a patient's visits: start, finish, every step")
    vis.add_argument("patient_id", metavar="PATIENT_ID")
    vis.add_argument("--json", action="store_true", help="machine-readable output")
    add_account_option(vis)
    vis.set_defaults(func=run_visits)


def _moment(value: object) -> str | None:
    return None if value is None else value.isoformat(timespec="minutes")  # type: ignore[attr-defined]


def visit_json(v: Visit) -> dict[str, Any]:
    return {
        "number": v.number,
        "started_at": _moment(v.started_at),
        "started_by": v.started_by,
        "open": v.open,
        "finished_at": _moment(v.finished_at),
        "finished_by": v.finished_by,
        "outcome": v.outcome,
        "reason": v.reason,
        "final_version": v.final_version,
        "steps": [
            {
                "seq": s.seq,
                "at": _moment(s.at),
                "user": s.user,
                "action": s.action,
                "details": {k: d for k, d in s.details.items() if k != "records"},
            }
            for s in v.steps
        ],
    }


def _step_words(details: dict[str, Any]) -> str:
    shown = {k: d for k, d in details.items() if k not in ("records", "state_sha256")}
    return ", ".join(f"{k} {json.dumps(d, ensure_ascii=False)}" for k, d in shown.items())


def text_lines(name: str, patient_id: str, visits: list[Visit]) -> list[str]:
    lines = [f"{name} ({patient_id}): {len(visits)} visit(s)"]
    for v in visits:
        if v.open:
            end = "OPEN (resumes on the next start)"
        else:
            end = (
                f"finished {v.finished_at:%Y-%m-%d %H:%M} by {v.finished_by}: "
                f"{OUTCOME_WORDS.get(v.outcome or '', v.outcome)}"
                + (f" (version {v.final_version})" if v.final_version else "")
                + (f"; reason: {v.reason}" if v.reason else "")
            )
        lines.append(
            f"Visit {v.number}: started {v.started_at:%Y-%m-%d %H:%M} by {v.started_by}; {end}"
        )
        for s in v.steps:
            lines.append(
                f"  {s.at:%Y-%m-%d %H:%M}  {s.user:<14} {s.action:<28} {_step_words(s.details)}"
            )
    return lines


def run_visits(args: argparse.Namespace) -> int:
    from db.database import DatabaseError

    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")
    try:
        with session(args, "visits") as s:
            record = s.database.patient(args.patient_id)
            visits = s.database.visits(args.patient_id)
    except DatabaseError as exc:
        return fail(str(exc))
    patient = record.patient
    if args.json:
        text = json.dumps(
            {
                "patient": {"id": patient.id, "name": patient.name},
                "visits": [visit_json(v) for v in visits],
            },
            indent=2,
            ensure_ascii=False,
        )
    else:
        text = "\n".join(text_lines(patient.name, patient.id, visits))
    try:
        print(text)
        sys.stdout.flush()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0
