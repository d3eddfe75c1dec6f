"""A concentration change on a new fill meets the same bridge rule on every save path (domain.md,
"Infusion modes", bridge bolus): saved after the refill dialog recorded a bridge bolus or the
typed reason for none, it needs nothing more; saved any other way (``import``, an edited
programme) it needs a typed reason, recorded as every soft acknowledgement is."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from db.database import BolusGivenRecord, BolusKind, Database, RefillRecord
from db.errors import MissingAcknowledgementError
from db.programmes import acknowledgement_key
from programmer.finding import Code
from tests.db.factories import FILL, NOW, USER, open_new, patient, programme, pump_record, save

PID = "MRN-0042"
BEFORE = FILL - timedelta(days=30)


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    with open_new(tmp_path / "clinic.sqlite", now=BEFORE) as database:
        database.create_patient(patient(), pump_record(), user=USER, now=BEFORE)
        save(database, programme(concentration="2000", filled_at=BEFORE), now=BEFORE)
        yield database


REFILLED = programme(concentration="500", filled_at=FILL)


def bridge_codes(database: Database) -> list[Code]:
    found = database.check_programme(REFILLED, now=NOW).findings
    return [f.code for f in found if f.code is Code.CONCENTRATION_CHANGED_WITHOUT_BRIDGE]


def refill(at=FILL) -> RefillRecord:
    return RefillRecord(
        at=at,
        expected_residual_ml=Decimal("14"),
        measured_residual_ml=Decimal("14"),
        volume_added_ml=Decimal("6"),
        concentration_mcg_per_ml=Decimal("500"),
        drug="baclofen",
    )


def test_an_imported_concentration_change_saves_only_with_a_typed_reason(
    database: Database,
) -> None:
    [finding] = [
        f
        for f in database.check_programme(REFILLED, now=NOW).findings
        if f.code is Code.CONCENTRATION_CHANGED_WITHOUT_BRIDGE
    ]
    with pytest.raises(MissingAcknowledgementError):
        database.save_programme(
            REFILLED,
            base_version=1,
            user=USER,
            reason="refill",
            acknowledgements={},
            now=NOW,
            confirmed=True,
        )
    acks = {
        acknowledgement_key(f): "bridge given by hand, 2 h"
        for f in database.check_programme(REFILLED, now=NOW).findings
        if f.severity.value == "soft"
    }
    version = database.save_programme(
        REFILLED,
        base_version=1,
        user=USER,
        reason="refill",
        acknowledgements=acks,
        now=NOW,
        confirmed=True,
    )
    assert version.acknowledgements[acknowledgement_key(finding)] == "bridge given by hand, 2 h"


def test_a_refill_with_a_bridge_bolus_needs_no_reason_at_the_save(database: Database) -> None:
    bridge = BolusGivenRecord(FILL, BolusKind.BRIDGE, Decimal("300"), 600, reason="bridge")
    database.record_refill_visit(PID, refill(), bridge=bridge, user=USER, now=FILL)
    assert bridge_codes(database) == []


def test_a_refill_with_the_bridge_omitted_for_a_reason_needs_no_second_one(
    database: Database,
) -> None:
    database.record_refill_visit(
        PID, refill(), bridge_omitted_reason="Catheter aspirated", user=USER, now=FILL
    )
    assert bridge_codes(database) == []


def test_a_bridge_from_an_earlier_fill_does_not_cover_the_new_one(database: Database) -> None:
    earlier = BolusGivenRecord(BEFORE, BolusKind.BRIDGE, Decimal("300"), 600, reason="bridge")
    database.record_bolus_given(PID, earlier, user=USER, now=BEFORE)
    assert bridge_codes(database) == [Code.CONCENTRATION_CHANGED_WITHOUT_BRIDGE]
