"""Adversarial clinical review: a concentration change saved without the refill's safeguards.

Rule (domain.md, "Infusion modes", bridge bolus: "after a drug or concentration change: pushes
the old fluid still in pump and catheter out at a rate that keeps the old dose, so the new fluid
arrives at the tip without a gap or overdose"; product.md, "Screens", Refill: "new concentration
(offering a bridge bolus when it changes)"). The window's refill (ui/pump/refill_dialog.py and
its storage, db/simulated_pumps.py) refuses a concentration change without a bridge bolus unless
a reason is typed ("a concentration change without a bridge bolus needs a typed reason"). The
save path (db/programmes.py, used by `itb-console import` and every window save) accepts the
same change, a new fill at a quarter of the concentration, with no finding, no reason, no
refill record: reproduced with `scripts/console import` on DEMO-0001 (2000 -> 500 mcg/mL,
new ``filled_at``): "No findings", stored. The old 2000 mcg/mL in the pump and catheter then
reaches the patient at the flow set for 500 mcg/mL: four times the dose for hours (programmer/
boluses.py::unbridged_change). Where it should live once: the engine (a finding on a new fill
whose concentration differs from the current programme's, satisfied by a recorded bridge bolus
or a typed reason), so the refill dialog, import and the editor all meet it.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from db.errors import HardFindingError, MissingAcknowledgementError
from tests.db.factories import FILL, NOW, USER, open_new, patient, programme, pump_record, save

PID = "MRN-0042"


def test_concentration_change_on_a_new_fill_cannot_be_saved_without_a_bridge_or_reason(
    tmp_path: Path,
) -> None:
    database = open_new(tmp_path / "clinic.sqlite", now=FILL - timedelta(days=30))
    database.create_patient(patient(), pump_record(), user=USER, now=FILL - timedelta(days=30))
    save(
        database,
        programme(daily="420", concentration="2000", filled_at=FILL - timedelta(days=30)),
        now=FILL - timedelta(days=30),
    )
    refilled = programme(daily="420", concentration="500", filled_at=FILL)
    with pytest.raises((HardFindingError, MissingAcknowledgementError)):
        database.save_programme(
            refilled,
            base_version=1,
            user=USER,
            reason="refilled with 500 mcg/mL",
            acknowledgements={},
            now=NOW,
            confirmed=True,
        )
    database.close()
