"""Adversarial clinical review: a corrected replace-by date and the refill-by date.

Rule (domain.md, "Refill arithmetic": next refill date = the earliest of the alarm date minus a
margin, fill + stability, "and the pump's replacement date"; product.md, "Command line" and
"Clinic worklist": ``next_refill_at`` / ``refill_limited_by`` replacement; REPLACEMENT_BEFORE_REFILL
soft). domain.md's failure patterns: "a wrong 'replace pump by' date shown by programmer
software (a real recall)". Pump -> Edit pump record (Database.revise_pump) corrects the pump's
replace-by date; the worklist then shows the corrected ``replace_by`` (db/worklist.py reads the
pump record) beside a ``next_refill_at`` still projected from the replace-by date stored in the
saved programme (``refill_limited_by`` alarm, a refill date after the pump's own replace-by date
on the same line, and in the iCalendar refill-by event), and the Overview's check of the current
programme gives no REPLACEMENT_BEFORE_REFILL. Paths compared: the worklist's replace_by column
against its next_refill_at, and the Overview's check against the pump record it displays.
Where it should live once: the projection of the programme the pump runs, with the pump record
in place (db.patients.with_record), used by the worklist, the Overview and the slip alike.
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

from programmer.finding import Code
from programmer.projection import RefillLimit
from tests.db.factories import NOW, USER, open_new, patient, programme, pump_record, save

PID = "MRN-0042"
CORRECTED = date(2026, 12, 20)  # before the alarm-set refill date, 2027-02-13


def _corrected(tmp_path: Path):
    database = open_new(tmp_path / "clinic.sqlite")
    database.create_patient(patient(), pump_record(), user=USER, now=NOW)
    save(database, programme(daily="400", concentration="2000", volume="20"))
    database.revise_pump(
        PID,
        serial="NGP123456",
        implanted_on=date(2024, 5, 2),
        replace_by=CORRECTED,
        low_reservoir_alarm_ml=Decimal("2.0"),
        reason="replacement warning seen at interrogation",
        user=USER,
        now=NOW,
    )
    return database


def test_worklist_refill_by_date_is_never_after_the_pumps_replace_by(tmp_path: Path) -> None:
    database = _corrected(tmp_path)
    (item,) = database.worklist(now=NOW, days=28)
    f = item.figures
    assert f.replace_by == CORRECTED
    assert f.next_refill_at is not None
    assert f.next_refill_at <= datetime.combine(CORRECTED, time.min), f.next_refill_at
    assert f.refill_limited_by is RefillLimit.REPLACEMENT
    database.close()


def test_overview_check_names_the_corrected_replacement_before_refill(tmp_path: Path) -> None:
    """The Overview checks ``current.programme`` with storage's context (ui/overview.py), as
    here; it shows the corrected replace-by date in its pump line but not this finding."""
    database = _corrected(tmp_path)
    current = database.current_version(PID)
    assert current is not None
    result = database.check_programme(current.programme, now=NOW)
    assert Code.REPLACEMENT_BEFORE_REFILL in {f.code for f in result.findings}
    database.close()
