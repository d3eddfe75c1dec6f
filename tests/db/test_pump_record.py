"""PumpRecord converts itself to and from the pump a programme names (issue 14: one conversion,
not three by hand)."""

from datetime import date

from db.database import PumpRecord
from tests.db.factories import D, pump, pump_record


def test_pump_record_and_programme_pump_convert_both_ways_without_loss() -> None:
    named = pump("NGP-1", replace_by=date(2030, 1, 31), alarm="3.5")
    record = PumpRecord.from_pump(named, catheter_model="ascenda-8781", catheter_length_cm=D(50))
    assert record.to_pump() == named
    assert record == pump_record(
        "NGP-1", replace_by=date(2030, 1, 31), alarm="3.5", catheter="ascenda-8781", length="50"
    )
    assert PumpRecord.from_pump(named).catheter_model is None  # never guessed


def test_a_revision_takes_only_the_replace_by_date_and_the_alarm_from_the_programme() -> None:
    record = pump_record("NGP-1", implanted=date(2024, 5, 2), alarm="2.0")
    programme_pump = pump("NGP-1", replace_by=date(2032, 6, 1), alarm="4.0", model="other")
    revised = record.revised_by(programme_pump)
    assert revised.replace_by == date(2032, 6, 1)
    assert revised.low_reservoir_alarm_ml == D("4.0")
    assert (revised.model, revised.serial, revised.implanted_on) == (
        record.model,
        record.serial,
        record.implanted_on,
    )
    assert (revised.catheter_model, revised.catheter_length_cm) == (
        record.catheter_model,
        record.catheter_length_cm,
    )
