"""Adversarial clinical review: a fill time typed a year ahead.

Rule (domain.md, "Refill arithmetic": days to the alarm and the next refill date count from the
volume at the last refill; "next refill date = the earliest of ... fill date + drug stability";
failure patterns: "entries typed into the wrong field", a wrong date shown by programmer
software). A reservoir cannot have been filled after ``now``: the fill time says when the drug
now in the pump went in. The engine (programmer/findings.py) and the save path
(db/programmes.py, `import`, the window) accept ``reservoir.filled_at`` a year after ``now``
(2027-11-01 typed for 2026-11-01) with no finding: the reservoir is projected full until then,
the refill date moves from 2027-01-23 to 2028-01-23, and REFILL_OVERDUE / RESERVOIR_EMPTY can
never fire, while the pump empties on 2027-02-09. Paths compared: the same programme with the
true and the mistyped fill time, through Database.save_programme (as `import` stores it).
Where it should live once: the engine, next to _check_same_fill (a fill time after ``now`` is
a hard finding), so `check`, `import`, the editor and the refill all meet it.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from db.errors import HardFindingError, InvalidRecordError, MissingAcknowledgementError
from tests.db.factories import NOW, USER, open_new, patient, programme, pump_record, save

PID = "MRN-0042"
TRUE_FILL = datetime(2026, 11, 1, 9, 30)
TYPO_FILL = datetime(2027, 11, 1, 9, 30)  # a year after NOW (2026-11-22 10:00)


def test_fill_time_after_now_cannot_be_saved(tmp_path: Path) -> None:
    database = open_new(tmp_path / "clinic.sqlite", now=TRUE_FILL)
    database.create_patient(patient(), pump_record(), user=USER, now=TRUE_FILL)
    save(database, programme(filled_at=TRUE_FILL), now=TRUE_FILL)
    with pytest.raises((HardFindingError, MissingAcknowledgementError, InvalidRecordError)):
        database.save_programme(
            programme(filled_at=TYPO_FILL),
            base_version=1,
            user=USER,
            reason="dose unchanged",
            acknowledgements={},
            now=NOW,
            confirmed=True,
        )
    database.close()
