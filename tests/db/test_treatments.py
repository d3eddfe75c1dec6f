"""Refills, boluses given and screening trials: stored as given, read back oldest first, and a
refill that overfills, uses an unknown concentration or hides a discrepancy is refused."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from db.database import (
    BolusGivenRecord,
    BolusKind,
    Database,
    HardFindingError,
    InvalidRecordError,
    MissingAcknowledgementError,
    RefillRecord,
    ScreeningRecord,
    ScreeningResponse,
    UnknownPatientError,
)
from programmer.finding import Code
from tests.db.factories import NOW, USER, later, open_new, patient, pump_record


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    with open_new(tmp_path / "clinic.sqlite") as database:
        database.create_patient(patient(), pump_record(), user=USER, now=NOW)  # a 20 mL pump
        yield database


def refill(
    expected: str = "5.20", measured: str = "5.00", added: str = "20", reason: str = ""
) -> RefillRecord:
    return RefillRecord(
        at=later(30),
        expected_residual_ml=Decimal(expected),
        measured_residual_ml=Decimal(measured),
        volume_added_ml=Decimal(added),
        concentration_mcg_per_ml=Decimal("2000"),
        drug="baclofen",
        reason=reason,
    )


def test_refill_round_trip(database: Database) -> None:
    database.record_refill("MRN-0042", refill(), user=USER, now=later(31))
    (stored,) = database.refills("MRN-0042")
    assert stored.at == later(30)
    assert stored.expected_residual_ml == Decimal("5.20")
    assert stored.discrepancy_ml == Decimal("-0.20")
    assert stored.by == USER
    entry = database.audit_entries(patient_id="MRN-0042")[-1]
    assert entry.action == "refill.recorded" and entry.at == later(31)


def test_refill_discrepancy_must_be_acknowledged(database: Database) -> None:
    """domain.md: more than 1 mL (20 mL pump) off the expected residual must be acknowledged
    and recorded (a refill into the pocket under the skin looks like this)."""
    with pytest.raises(MissingAcknowledgementError) as info:
        database.record_refill("MRN-0042", refill(measured="3.9"), user=USER, now=NOW)
    assert [f.code for f in info.value.findings] == [Code.REFILL_DISCREPANCY]
    assert database.refills("MRN-0042") == []
    database.record_refill(
        "MRN-0042",
        refill(measured="3.9", reason="Pocket checked by ultrasound: no fluid"),
        user=USER,
        now=NOW,
    )
    (stored,) = database.refills("MRN-0042")
    assert stored.reason == "Pocket checked by ultrasound: no fluid"
    assert stored.discrepancy_ml == Decimal("-1.30")


def test_discrepancy_within_the_limit_needs_no_reason(database: Database) -> None:
    database.record_refill("MRN-0042", refill(measured="6.20"), user=USER, now=NOW)  # +1.00
    assert len(database.refills("MRN-0042")) == 1


def test_refill_over_the_reservoir_is_refused(database: Database) -> None:
    with pytest.raises(HardFindingError) as info:
        database.record_refill("MRN-0042", refill(added="21"), user=USER, now=NOW)
    assert [f.code for f in info.value.findings] == [Code.RESERVOIR_OVERFILL]
    assert database.refills("MRN-0042") == []


def test_refill_with_an_unknown_concentration_is_refused(database: Database) -> None:
    odd = RefillRecord(
        at=NOW,
        expected_residual_ml=Decimal(5),
        measured_residual_ml=Decimal(5),
        volume_added_ml=Decimal(20),
        concentration_mcg_per_ml=Decimal("1500"),
        drug="baclofen",
    )
    with pytest.raises(HardFindingError) as info:
        database.record_refill("MRN-0042", odd, user=USER, now=NOW)
    assert [f.code for f in info.value.findings] == [Code.CONCENTRATION_UNKNOWN]


def test_refill_needs_a_known_patient_and_sane_numbers(database: Database) -> None:
    with pytest.raises(UnknownPatientError):
        database.record_refill("MRN-9", refill(), user=USER, now=NOW)
    with pytest.raises(InvalidRecordError, match=r"refill\.measured_residual_ml"):
        database.record_refill("MRN-0042", refill(measured="-1"), user=USER, now=NOW)


def test_refills_are_oldest_first(database: Database) -> None:
    late = dataclasses.replace(refill(), at=later(60 * 24 * 90))
    database.record_refill("MRN-0042", late, user=USER, now=NOW)
    database.record_refill("MRN-0042", refill(), user=USER, now=NOW)
    assert [r.at for r in database.refills("MRN-0042")] == [later(30), later(60 * 24 * 90)]


def test_boluses_given(database: Database) -> None:
    priming = BolusGivenRecord(
        at=NOW - timedelta(days=1),
        kind=BolusKind.PRIMING,
        dose_mcg=Decimal("177"),
        duration_min=60,
        reason="after implant",
    )
    single = BolusGivenRecord(
        at=NOW, kind=BolusKind.SINGLE, dose_mcg=Decimal("50"), duration_min=30
    )
    database.record_bolus_given("MRN-0042", single, user=USER, now=NOW)
    database.record_bolus_given("MRN-0042", priming, user="dr.other", now=NOW)
    stored = database.boluses_given("MRN-0042")
    assert [(b.kind, b.dose_mcg, b.by) for b in stored] == [
        (BolusKind.PRIMING, Decimal("177"), "dr.other"),
        (BolusKind.SINGLE, Decimal("50"), USER),
    ]
    bad = BolusGivenRecord(at=NOW, kind=BolusKind.SINGLE, dose_mcg=Decimal("50"), duration_min=0)
    with pytest.raises(InvalidRecordError, match=r"bolus\.duration_min"):
        database.record_bolus_given("MRN-0042", bad, user=USER, now=NOW)


def test_screenings(database: Database) -> None:
    first = ScreeningRecord(
        at=NOW - timedelta(days=2),
        dose_mcg=Decimal("50"),
        response=ScreeningResponse.NO_RESPONSE,
        effect_hours=None,
    )
    second = ScreeningRecord(
        at=NOW - timedelta(days=1),
        dose_mcg=Decimal("75"),
        response=ScreeningResponse.RESPONSE,
        effect_hours=Decimal("6"),
        notes="Ashworth -2",
    )
    database.record_screening("MRN-0042", second, user=USER, now=NOW)
    database.record_screening("MRN-0042", first, user=USER, now=NOW)
    stored = database.screenings("MRN-0042")
    assert [(s.dose_mcg, s.response, s.effect_hours) for s in stored] == [
        (Decimal("50"), ScreeningResponse.NO_RESPONSE, None),
        (Decimal("75"), ScreeningResponse.RESPONSE, Decimal("6")),
    ]
    assert stored[1].notes == "Ashworth -2" and stored[1].by == USER
    assert database.verify().ok
