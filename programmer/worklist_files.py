"""The worklist as files (product.md, "Clinic worklist"): the JSON object, CSV in UTF-8 with a
byte-order mark (so Excel reads the accents), and iCalendar (RFC 5545) with one all-day event
per refill-by date. Pure text from the items: the command line and the window write the same."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from programmer.worklist import WorklistItem

COLUMNS = (
    "patient_id",
    "name",
    "next_refill_at",
    "refill_limited_by",
    "low_reservoir_alarm_at",
    "empty_at",
    "replace_by",
    "status",
    "reasons",
)
PRODID = "-//ITB programmer console//Clinic worklist//EN"
_ICS_LINE_OCTETS = 75  # RFC 5545 3.1: lines longer than 75 octets are folded


def _moment(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat(timespec="minutes")


def item_json(item: WorklistItem) -> dict[str, Any]:
    f = item.figures
    return {
        "patient_id": f.patient_id,
        "name": f.name,
        "next_refill_at": _moment(f.next_refill_at),
        "refill_limited_by": None if f.refill_limited_by is None else f.refill_limited_by.value,
        "low_reservoir_alarm_at": _moment(f.low_reservoir_alarm_at),
        "empty_at": _moment(f.empty_at),
        "replace_by": None if f.replace_by is None else f.replace_by.isoformat(),
        "status": item.status.value,
        "reasons": [r.value for r in item.reasons],
    }


def worklist_json(items: Sequence[WorklistItem], generated_at: datetime) -> dict[str, Any]:
    """``{"generated_at", "items": [...]}`` exactly as product.md gives it."""
    return {"generated_at": _moment(generated_at), "items": [item_json(i) for i in items]}


def _cell(value: object) -> str:
    """One CSV cell. A text a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``
    first) is quoted with a leading apostrophe, which Excel shows and never evaluates: a name
    typed as ``=HYPERLINK(...)`` must not become a link in the clinic's spreadsheet."""
    if value is None:
        return ""
    text = "; ".join(value) if isinstance(value, list) else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def worklist_csv(items: Sequence[WorklistItem]) -> bytes:
    """The CSV file's bytes: UTF-8 with a byte-order mark, CRLF line ends, one header row."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for item in items:
        row = item_json(item)
        writer.writerow([_cell(row[c]) for c in COLUMNS])
    return out.getvalue().encode("utf-8-sig")


def ics_text(value: str) -> str:
    """An iCalendar TEXT value (RFC 5545 3.3.11): backslash, semicolon, comma and newlines
    escaped."""
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def fold(line: str) -> str:
    """Fold a content line at 75 octets (RFC 5545 3.1): CRLF then one space, never inside a
    UTF-8 sequence."""
    out: list[str] = []
    current = ""
    size = 0
    for ch in line:
        n = len(ch.encode("utf-8"))
        if size + n > _ICS_LINE_OCTETS:
            out.append(current)
            current, size = " ", 1  # the continuation's leading space counts
        current += ch
        size += n
    out.append(current)
    return "\r\n".join(out)


def _utc_stamp(moment: datetime) -> str:
    """DTSTAMP is UTC (RFC 5545 3.8.7.2); the console's moments are local times."""
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _uid_part(text: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-._" else f"%{ord(ch):02X}" for ch in text)


def worklist_ics(items: Sequence[WorklistItem], generated_at: datetime) -> bytes:
    """An iCalendar file: one all-day VEVENT per patient's refill-by date, with a UID stable
    for that patient and date (a re-import updates the event instead of doubling it)."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
    ]
    stamp = _utc_stamp(generated_at)
    for item in items:
        f = item.figures
        if f.next_refill_at is None:
            continue
        day: date = f.next_refill_at.date()
        limited = "" if f.refill_limited_by is None else f" (set by {f.refill_limited_by.value})"
        description = (
            f"Refill by {day.isoformat()}{limited}. Status: {item.status.value}. "
            + "; ".join(r.words for r in item.reasons)
        )
        lines += [
            "BEGIN:VEVENT",
            f"UID:refill-{_uid_part(f.patient_id)}-{day:%Y%m%d}@itb-console",
            f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{day:%Y%m%d}",
            f"DTEND;VALUE=DATE:{day + timedelta(days=1):%Y%m%d}",
            f"SUMMARY:{ics_text(f'Refill: {f.name} ({f.patient_id})')}",
            f"DESCRIPTION:{ics_text(description)}",
            "TRANSP:TRANSPARENT",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return ("\r\n".join(fold(line) for line in lines) + "\r\n").encode("utf-8")
