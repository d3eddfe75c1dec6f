"""The Overview checks with storage's check context, as the save path does (issue 9, "One check
context"): the two defects a reviewer found, as regression tests."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from pytestqt.qtbot import QtBot

import programmer
from db import users
from programmer.finding import Code
from tests.db.factories import NOW, USER, open_new, patient, programme, pump_record, save

from .window_helpers import make_window

PID = "MRN-0042"
PACKAGED = (Path(programmer.__file__).parent / "data" / "drug_library.toml").read_text("utf-8")


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(users, "HASHER", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


def test_overview_shows_no_concentration_unknown_for_a_confirmed_compounded_concentration(
    qtbot: QtBot, tmp_path: Path
) -> None:
    """Defect: the Overview checked with the packaged library and no confirmations, and showed a
    hard CONCENTRATION_UNKNOWN for a compounded 1500 mcg/mL the database had confirmed."""
    database = open_new(tmp_path / "clinic.sqlite")
    database.create_patient(patient(), pump_record(), user=USER, now=NOW)
    database.confirm_compounded(
        PID, "baclofen", Decimal(1500), reason="pharmacy batch 42", user=USER, now=NOW
    )
    save(database, programme(concentration="1500"))
    window = make_window(qtbot, database, tmp_path)
    assert window.open_patient(PID)
    result = window.overview.result
    assert result is not None
    assert Code.CONCENTRATION_UNKNOWN not in {f.code for f in result.findings}
    database.close()


def test_overview_shows_the_imported_librarys_lower_hard_maximum(
    qtbot: QtBot, tmp_path: Path
) -> None:
    """Defect: an administrator's imported library lowers the hard maximum to 1500 mcg/day; the
    save path enforces it, the Overview (packaged library, 2000) showed nothing."""
    database = open_new(tmp_path / "clinic.sqlite")
    admin = database.first_administrator("admin", "correct horse battery", NOW)
    database.create_patient(patient(), pump_record(), user=USER, now=NOW)
    save(database, programme(daily="1700"))  # under the packaged 2000 mcg/day
    lower = PACKAGED.replace('version = "2026.11-1"', 'version = "2026.12-1"').replace(
        "hard_max_mcg_per_day = 2000", "hard_max_mcg_per_day = 1500"
    )
    database.import_drug_library(lower, by=admin, now=NOW)
    window = make_window(qtbot, database, tmp_path)
    assert window.open_patient(PID)
    result = window.overview.result
    assert result is not None
    hard = [f for f in result.findings if f.code is Code.DOSE_ABOVE_HARD_LIMIT]
    assert hard and "1500 mcg/day" in hard[0].message
    # The same as the save path's own check.
    assert result.findings == database.check_programme(programme(daily="1700"), now=NOW).findings
    database.close()
