"""One check context, built by storage in one place (issue 9): what the save path checks with is
what every screen gets from ``Database.check_context``: the active library, the confirmed
compounded concentrations, the current, last-therapy and day-before programmes, the earlier
programmes on the fill."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from db.database import Database, HardFindingError
from programmer.finding import Code
from programmer.findings import check_programme
from programmer.programme import Mode
from tests.db.factories import (
    FILL,
    NOW,
    USER,
    later,
    open_new,
    patient,
    programme,
    pump_record,
    save,
)

PID = "MRN-0042"
DAY = 24 * 60


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    with open_new(tmp_path / "clinic.sqlite") as database:
        database.create_patient(patient(), pump_record(), user=USER, now=NOW)
        yield database


def test_context_holds_current_last_therapy_day_before_and_earlier_runs(
    database: Database,
) -> None:
    save(database, programme(daily="400"))
    save(database, programme(daily="440"), base=1, now=later(2 * DAY))
    save(database, programme(mode=Mode.STOPPED), base=2, now=later(2 * DAY + 60))
    context = database.check_context(PID, later(2 * DAY + 120))
    assert context.current is not None and context.current.mode is Mode.STOPPED
    assert context.last_therapy is not None and context.last_therapy.daily_dose_mcg == 440
    assert context.day_before is not None and context.day_before.daily_dose_mcg == 400
    assert [r.programme.daily_dose_mcg for r in context.earlier] == [400, 440]
    assert context.library is database.library and context.catalogue is database.catalogue


def test_save_path_refuses_a_restart_at_a_trap_dose_against_the_last_therapy(
    database: Database,
) -> None:
    """Hazard 2 through storage: 60 mcg/day, stopped, then 1440 mcg/day (60 mcg/h typed as a
    daily dose): CHANGE_EXTREME against the last therapy programme the database knows."""
    save(database, programme(daily="60", concentration="500"))
    save(database, programme(mode=Mode.STOPPED, concentration="500"), base=1, now=later(60))
    with pytest.raises(HardFindingError) as refused:
        save(database, programme(daily="1440", concentration="500"), base=2, now=later(120))
    assert Code.CHANGE_EXTREME in [f.code for f in refused.value.findings]
    # Within the usual range, yet 5x the last therapy: only the history makes it extreme.
    restart = database.check_programme(programme(daily="300", concentration="500"), now=later(120))
    assert Code.CHANGE_EXTREME in [f.code for f in restart.findings]


def test_save_path_compares_with_the_programme_in_force_24_hours_before(
    database: Database,
) -> None:
    """Hazard 12 through storage: 400 (two days ago), then 500 and 600 within hours."""
    save(database, programme(daily="400"))
    save(database, programme(daily="500"), base=1, now=later(2 * DAY))
    result = database.check_programme(programme(daily="600"), now=later(2 * DAY + 60))
    titration = [f for f in result.findings if f.code is Code.CHANGE_ABOVE_TITRATION]
    assert titration and "24 hours before" in titration[0].message


def test_save_path_refuses_a_concentration_changed_on_the_same_fill(database: Database) -> None:
    save(database, programme(concentration="2000"))
    with pytest.raises(HardFindingError) as refused:
        save(database, programme(concentration="1000"), base=1, now=later(60))
    assert [f.code for f in refused.value.findings] == [Code.CONCENTRATION_CHANGED_WITHOUT_REFILL]


def test_context_check_equals_the_save_paths_check(database: Database) -> None:
    """The Overview and the editor check with the context; the save path with the same."""
    database.confirm_compounded(PID, "baclofen", Decimal(1500), reason="r", user=USER, now=NOW)
    save(database, programme(concentration="1500"))
    now = later(DAY)
    refilled = programme(concentration="1500", filled_at=FILL + timedelta(days=1))
    by_context = check_programme(refilled, database.check_context(PID, now), now=now)
    assert by_context.findings == database.check_programme(refilled, now=now).findings
    assert Code.CONCENTRATION_UNKNOWN not in [f.code for f in by_context.findings]
