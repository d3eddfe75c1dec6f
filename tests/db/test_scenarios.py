"""Training scenarios: data files in the demonstration format, each patient with its problem
built in (issue: training mode)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from db.database import Database
from db.seed.demo_patients import SCENARIO_FOLDER, seed_demo_patients, training_scenarios
from programmer.finding import Code

NOW = datetime(2026, 11, 22, 10, 0)


def seeded(tmp_path: Path) -> Database:
    database = Database.open(tmp_path / "training.sqlite", now=NOW)
    with database._write():
        seed_demo_patients(database, NOW, SCENARIO_FOLDER)
    return database


def test_every_scenario_names_its_problem_and_what_to_notice() -> None:
    scenarios = training_scenarios()
    assert len(scenarios) == 6
    for s in scenarios:
        assert s.title and s.situation and s.notice
    assert sum(s.delivery_factor is not None for s in scenarios) == 1
    assert sum(s.interrupted_session for s in scenarios) == 1


def test_scenario_patients_carry_their_built_in_findings(tmp_path: Path) -> None:
    with seeded(tmp_path) as database:
        codes = {
            s.patient_id: {
                f.code
                for f in database.check_programme(
                    database.current_version(s.patient_id).programme,
                    now=NOW,  # type: ignore[union-attr]
                ).findings
            }
            for s in training_scenarios()
        }
    assert Code.REPLACEMENT_BEFORE_REFILL in codes["TRAIN-03"]
    assert Code.ALARM_BEFORE_REFILL_VISIT in codes["TRAIN-04"]
    assert Code.LOW_ALARM_TOO_LOW in codes["TRAIN-05"]
    # None of them is blocked before the trainee acts.
    assert all(Code.CHANGE_EXTREME not in c for c in codes.values())
