"""Hazard 9 on the record: the expected residual the refill dialog and the Pump tab compare with
accounts for a bridge bolus given on the fill (product.md: "during the bridge the reservoir gives
the dead-space volume at the old dose's flow")."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from db.database import BolusGivenRecord, BolusKind
from programmer.refill import expected_residual_ml
from tests.db.factories import FILL, NOW, USER, open_new, patient, programme, pump_record, save
from ui.pump.record import record_view

PID = "MRN-0042"


def test_expected_residual_on_record_accounts_for_the_bridge_bolus(tmp_path: Path) -> None:
    """2000 -> 500 mcg/mL at 1600 mcg/day; 0.32 mL of old fluid bridged at 0.8 mL/day (576 min)
    instead of the new programme's 3.2 mL/day: 0.96 mL more is left than the programme alone
    says, enough to hide a pocket fill or raise a false discrepancy."""
    database = open_new(tmp_path / "clinic.sqlite")
    database.create_patient(patient(), pump_record(), user=USER, now=NOW)
    save(database, programme(concentration="2000", daily="1600"))
    refill_at = NOW + timedelta(days=10)
    refilled = programme(concentration="500", daily="1600", filled_at=refill_at)
    save(database, refilled, base=1, now=refill_at)
    bridge = BolusGivenRecord(
        at=refill_at,
        kind=BolusKind.BRIDGE,
        dose_mcg=Decimal(640),  # 0.32 mL of 2000 mcg/mL
        duration_min=576,  # 0.32 mL at 0.8 mL/day
        reason="bridge",
    )
    database.record_bolus_given(PID, bridge, user=USER, now=refill_at)
    at = refill_at + timedelta(days=2)
    view = record_view(database.versions(PID), database.boluses_given(PID), database.catalogue, at)
    assert view is not None
    pump = database.catalogue.pump(refilled.pump.model)
    programme_only = expected_residual_ml(view.programme, pump, at)
    assert view.expected_ml - programme_only == Fraction(128, 100) - Fraction(32, 100)
    assert refill_at > FILL
    database.close()
