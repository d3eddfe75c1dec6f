"""The training database: created with the scenarios, never the clinic's, reset to the start."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from db.database import Database
from db.kind import DatabaseKind, WrongDatabaseKindError
from db.seed.demo_patients import seed_demo_patients, training_scenarios
from db.seed.training import open_training, reset_training

NOW = datetime(2026, 11, 22, 10, 0)


def test_training_database_holds_the_scenarios_and_says_so(tmp_path: Path) -> None:
    with open_training(tmp_path / "training.sqlite", now=NOW) as database:
        assert database.kind is DatabaseKind.TRAINING
        ids = {s.id for s in database.first_patients(limit=50)}
        assert ids == {s.patient_id for s in training_scenarios()}
        assert database.verify().ok


def test_training_mode_refuses_the_clinical_database_untouched(tmp_path: Path) -> None:
    """Hazard: training on clinical records (or training data entering them)."""
    clinical = tmp_path / "clinic.sqlite"
    Database.open(clinical, on_create=seed_demo_patients, now=NOW).close()
    before = clinical.read_bytes()
    with pytest.raises(WrongDatabaseKindError):
        open_training(clinical, now=NOW)
    assert clinical.read_bytes() == before


def test_clinical_window_refuses_a_training_database(tmp_path: Path) -> None:
    path = tmp_path / "training.sqlite"
    open_training(path, now=NOW).close()
    with Database.open(path, now=NOW) as database, pytest.raises(WrongDatabaseKindError):
        database.require_kind(DatabaseKind.CLINICAL)


def test_reset_goes_back_to_the_start(tmp_path: Path) -> None:
    database = open_training(tmp_path / "training.sqlite", now=NOW)
    version = database.current_version("TRAIN-01")
    assert version is not None
    later = NOW + timedelta(hours=1)
    database.save_programme(
        version.programme.with_changes(daily_dose_mcg=version.programme.daily_dose_mcg + 10),
        base_version=version.number,
        user="trainee",
        reason="practice",
        acknowledgements={},
        now=later,
    )
    assert len(database.versions("TRAIN-01")) == 3
    database = reset_training(database, now=later)
    try:
        assert len(database.versions("TRAIN-01")) == 2
        assert database.kind is DatabaseKind.TRAINING
    finally:
        database.close()


def test_reset_never_touches_a_clinical_database(tmp_path: Path) -> None:
    clinical = tmp_path / "clinic.sqlite"
    with (
        Database.open(clinical, on_create=seed_demo_patients, now=NOW) as database,
        pytest.raises(WrongDatabaseKindError),
    ):
        reset_training(database, now=NOW)
    assert clinical.exists()


def test_scenario_pumps_carry_the_problems_the_record_does_not_show(tmp_path: Path) -> None:
    with open_training(tmp_path / "training.sqlite", now=NOW) as database:
        blocked = database.simulated_pump("TRAIN-02", now=NOW)
        assert blocked is not None
        # 60 days at 0.25 mL/day from 20 mL: the record expects 5 mL; the pump gave 3/5 of it.
        assert blocked.reservoir_ml == 11 and blocked.running
        stopped = database.simulated_pump("TRAIN-06", now=NOW)
        assert stopped is not None and stopped.stopped_by_session and not stopped.running
        assert [s.patient_id for s in database.stopped_pumps()] == ["TRAIN-06"]
        assert database.verify().ok


def test_reset_keeps_the_accounts(tmp_path: Path) -> None:
    database = open_training(tmp_path / "training.sqlite", now=NOW)
    admin = database.first_administrator("trainer.anna", "correct horse battery", now=NOW)
    database.add_user("trainee.ben", "trainer", "another long secret", by=admin, now=NOW)
    database = reset_training(database, now=NOW + timedelta(hours=2))
    try:
        assert {u.name for u in database.list_users()} == {"trainer.anna", "trainee.ben"}
        user = database.authenticate(
            "trainee.ben", "another long secret", now=NOW + timedelta(hours=2)
        )
        assert user.name == "trainee.ben"
        assert database.verify().ok
    finally:
        database.close()
