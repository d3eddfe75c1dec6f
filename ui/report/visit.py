"""The visit report (product.md, "The visit"): the whole visit on paper: the patient and pump,
the first and final pump state, every step with its figures and units, every override with its
reason, the assessments, how the visit finished, the audit head and signature lines.

Built from the visit's steps, which are its audit entries (db/visits.py), so the report says
exactly what the trail recorded. Laid out as HTML by ``QTextDocument`` and written as a PDF
whole or not at all."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from html import escape
from pathlib import Path
from typing import Any

from PySide6.QtCore import QMarginsF, QSizeF
from PySide6.QtGui import QPageLayout, QPageSize, QPdfWriter, QTextDocument

from db.database import Database
from db.patients import with_record
from db.visits import OUTCOME_WORDS, Visit, VisitStep
from programmer.compare import summary_line
from programmer.files import write_output

ACTION_WORDS = {
    "visit.started": "Visit started",
    "pump.interrogated": "Pump interrogated",
    "refill.recorded": "Refill recorded",
    "refill.bridge-bolus-omitted": "Bridge bolus not given (override)",
    "bolus.given": "Bolus given",
    "programme.saved": "Programme saved",
    "programme.drafted": "Programme drafted",
    "pump.transmitted": "Programme transmitted and read back",
    "pump.transmission-interrupted": "Transmission cut off: pump left stopped",
    "pump.session-undone": "Session undone: previous programme resumed",
    "assessment.recorded": "Assessment recorded",
    "visit.reviewed": "Visit reviewed: pump against the programme to transmit",
    "screening.recorded": "Screening trial recorded",
    "override.compounded_concentration": "Compounded concentration confirmed (override)",
}
# A figure's unit from its key's ending: every figure printed with its unit.
_UNITS = (
    ("_mcg_per_ml", "mcg/mL"),
    ("daily_dose_mcg", "mcg/day"),
    ("_mcg", "mcg"),
    ("_ml", "mL"),
    ("_min", "min"),
)
_HIDDEN = {"records", "state_sha256", "session"}


class VisitReportError(Exception):
    """The visit cannot be reported (unknown patient or visit number)."""


def _unit(key: str) -> str:
    for ending, unit in _UNITS:
        if key.endswith(ending):
            return f" {unit}"
    return ""


def _value(key: str, value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        if value and isinstance(value[0], Mapping):
            return "; ".join(", ".join(f"{k} {v}" for k, v in item.items()) for item in value)
        return ", ".join(str(v) for v in value) or "none"
    if isinstance(value, Mapping):
        return ", ".join(f"{k}: {v}" for k, v in value.items()) or "none"
    return "—" if value is None else f"{value}{_unit(key)}"


def _label(key: str) -> str:
    """The figure's name without its unit (the unit follows the value)."""
    for ending in ("_mcg_per_ml", "_mcg", "_ml", "_min"):
        if key.endswith(ending):
            return key[: -len(ending)].replace("_", " ")
    return key.replace("_", " ")


def figures(details: Mapping[str, Any]) -> str:
    """A step's figures in words, each with its unit."""
    return "; ".join(
        f"{_label(key)}: {_value(key, value)}"
        for key, value in details.items()
        if key not in _HIDDEN and key != "overrides"
    )


def overrides(step: VisitStep) -> list[tuple[str, str]]:
    """(what was overridden, the typed reason) recorded by the step."""
    found = [
        (f"{o.get('code')} ({o.get('field')})", str(o.get("reason", "")))
        for o in step.details.get("overrides", [])
        if isinstance(o, Mapping)
    ]
    if step.action in ("refill.bridge-bolus-omitted", "override.compounded_concentration"):
        found.append((ACTION_WORDS[step.action], str(step.details.get("reason", ""))))
    if step.action == "refill.recorded" and step.details.get("reason"):
        found.append(("Refill discrepancy", str(step.details["reason"])))
    return found


def _pump_state(step: VisitStep | None) -> str:
    if step is None:
        return "not read during the visit"
    d = step.details
    running = "running" if d.get("running") else "STOPPED"
    alarms = ", ".join(d.get("alarms", [])) or "none"
    return (
        f"{running}; reservoir {d.get('reservoir_ml', '—')} mL; alarms {alarms} "
        f"(at {step.at:%Y-%m-%d %H:%M})"
    )


def visit_report_html(
    database: Database, patient_id: str, number: int, *, printed_at: datetime, printed_by: str
) -> tuple[str, Visit]:
    """The report's HTML and the visit it reports."""
    record = database.patient(patient_id)
    visit = next((v for v in database.visits(patient_id) if v.number == number), None)
    if visit is None:
        raise VisitReportError(f"patient {patient_id} has no visit {number}")
    p = record.patient
    pump = record.pump
    model = None if pump is None else database.catalogue.pumps.get(pump.model)
    pump_steps = [s for s in visit.steps if "reservoir_ml" in s.details]
    trail = database.audit_entries(since=visit.started_at)
    head = trail[-1] if trail else None
    e = escape
    parts = [
        f"<h1>Visit report: visit {visit.number}</h1>",
        f"<p><b>{e(p.name)}</b> ({e(p.id)}), born {p.birth_date.isoformat()}, "
        f"{e(p.spasticity_origin.value)} origin</p>",
        "<p>Pump: "
        + (
            "none recorded"
            if pump is None
            else e(
                f"{model.display_name if model else pump.model}, serial {pump.serial}, "
                f"replace by {pump.replace_by}"
            )
        )
        + "</p>",
        f"<p>Started {visit.started_at:%Y-%m-%d %H:%M} by {e(visit.started_by)}; "
        + (
            "<b>STILL OPEN</b>"
            if visit.open
            else f"finished {visit.finished_at:%Y-%m-%d %H:%M} by {e(visit.finished_by or '')}: "
            f"{e(OUTCOME_WORDS.get(visit.outcome or '', visit.outcome or ''))}"
            + (f" (version {visit.final_version})" if visit.final_version else "")
            + (f"; reason: {e(visit.reason)}" if visit.reason else "")
        )
        + "</p>",
        "<h2>Pump state</h2>",
        f"<p>First: {e(_pump_state(pump_steps[0] if pump_steps else None))}</p>",
        f"<p>Final: {e(_pump_state(pump_steps[-1] if pump_steps else None))}</p>",
        "<h2>Every step</h2>",
        "<table border='1' cellspacing='0' cellpadding='3' width='100%'>"
        "<tr><th align='left'>When</th><th align='left'>Who</th><th align='left'>Action</th>"
        "<th align='left'>Figures</th></tr>",
    ]
    for s in visit.steps:
        parts.append(
            f"<tr><td>{s.at:%Y-%m-%d %H:%M}</td><td>{e(s.user)}</td>"
            f"<td>{e(ACTION_WORDS.get(s.action, s.action))}</td>"
            f"<td>{e(figures(s.details))}</td></tr>"
        )
    parts.append("</table>")
    found = [(s, what, why) for s in visit.steps for what, why in overrides(s)]
    parts.append("<h2>Findings accepted and overrides, with their reasons</h2>")
    if not found:
        parts.append("<p>None.</p>")
    for s, what, why in found:
        parts.append(f"<p>{s.at:%H:%M} {e(what)}: <i>{e(why)}</i> ({e(s.user)})</p>")
    parts.append("<h2>Assessments</h2>")
    scored = [s for s in visit.steps if s.action == "assessment.recorded"]
    if not scored:
        parts.append("<p>None recorded at this visit.</p>")
    for s in scored:
        parts.append(f"<p>{s.at:%H:%M}: {e(figures(s.details))}</p>")
    parts += [
        "<h2>Audit trail</h2>",
        "<p>Head when printed: "
        + ("(empty)" if head is None else f"entry {head.seq}, hash <tt>{e(head.hash)}</tt>")
        + "</p>",
        f"<p>Printed {printed_at:%Y-%m-%d %H:%M} by {e(printed_by)}.</p>",
        "<br><table width='100%' cellpadding='6'><tr>"
        "<td>Clinician: ______________________________</td>"
        "<td>Date: ______________</td></tr><tr>"
        "<td>Signature: ______________________________</td><td></td></tr></table>",
    ]
    return "".join(parts), visit


def patient_slip_html(database: Database, patient_id: str, *, now: datetime) -> str:
    """The one-page slip the patient takes home (product.md, "The visit"): pump, reservoir,
    dose, alarm date and refill-by date, as the save's own check projects the current
    programme."""
    record = database.patient(patient_id)
    current = database.current_version(patient_id)
    p = record.patient
    e = escape
    rows: list[tuple[str, str]] = [("Patient", f"{p.name} ({p.id})")]
    pump = record.pump
    if pump is not None:
        model = database.catalogue.pumps.get(pump.model)
        rows += [
            ("Pump", f"{model.display_name if model else pump.model}, serial {pump.serial}"),
            ("Pump replace-by date", pump.replace_by.isoformat()),
        ]
    if current is None:
        rows.append(("Programme", "none saved"))
    else:
        # As the pump runs it now, with the record as corrected since the save
        # (db.patients.running): the pump's replace-by date above limits its refill-by date.
        prog = with_record(current.programme, record)
        projection = database.check_programme(prog, now=now).projection
        alarm = projection.low_reservoir_alarm_at
        rows += [
            ("Drug", f"{prog.drug.name}, {prog.drug.concentration_mcg_per_ml} mcg/mL"),
            ("Dose", summary_line(prog, database.catalogue)),
            (
                "Reservoir",
                f"filled with {prog.reservoir.volume_ml} mL on {prog.reservoir.filled_at:%Y-%m-%d}",
            ),
            (
                "Low-reservoir alarm",
                "not reached at this dose"
                if alarm is None
                else f"{alarm:%Y-%m-%d} (at {prog.pump.low_reservoir_alarm_ml} mL): "
                "a single tone about every hour",
            ),
            ("Refill by", f"{projection.next_refill_at:%Y-%m-%d}"),
        ]
    table = "".join(f"<tr><td width='35%'><b>{e(k)}</b></td><td>{e(v)}</td></tr>" for k, v in rows)
    return (
        "<h1>Your intrathecal pump</h1>"
        f"<table cellpadding='5' width='100%'>{table}</table>"
        "<h2>Call the clinic at once if</h2>"
        "<p>the pump alarm sounds; or you notice spasticity coming back, itching, tingling, low "
        "blood pressure, fever or confusion (withdrawal); or drowsiness, dizziness, slow "
        "breathing or weakness (too much). Never let the refill date pass.</p>"
        f"<p>Printed {now:%Y-%m-%d %H:%M}.</p>"
    )


def write_visit_pdf(
    html: str,
    path: str | Path,
    *,
    force: bool = True,
    protected: Sequence[str | Path] = (),
) -> int:
    """Write the report as A4 PDF, whole or not at all, through programmer/files.py (never the
    database files in ``protected``, a device or a folder; an existing file replaced only with
    ``force``); returns the page count."""
    pages = 0

    def produce(temporary: Path) -> None:
        nonlocal pages
        writer = QPdfWriter(str(temporary))
        writer.setResolution(96)
        writer.setPageLayout(
            QPageLayout(
                QPageSize(QPageSize.PageSizeId.A4),
                QPageLayout.Orientation.Portrait,
                QMarginsF(15, 15, 15, 15),
                QPageLayout.Unit.Millimeter,
            )
        )
        writer.setTitle("Visit report")
        writer.setCreator("ITB programmer console")
        doc = QTextDocument()
        doc.setHtml(html)
        doc.setPageSize(QSizeF(writer.width(), writer.height()))
        pages = doc.pageCount()
        doc.print_(writer)
        del writer

    write_output(path, produce, force=force, protected=protected)
    return pages
