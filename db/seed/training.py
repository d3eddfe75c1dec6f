"""The training database (issue: training mode): its own file, created with the training
scenarios' patients, never the clinical one, and reset to the start by creating it afresh."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from db import anchor
from db.database import Database
from db.errors import DatabaseError
from db.kind import DatabaseKind
from db.location import default_path
from db.seed.demo_patients import (
    SCENARIO_FOLDER,
    Scenario,
    seed_demo_patients,
    training_scenarios,
)
from programmer.units import exact

SET_UP_BY = "training set-up"

TRAINING_FILE_NAME = "itb-console-training.sqlite"


def default_training_path() -> Path:
    """Beside the clinical default, in the per-user data folder."""
    return default_path().with_name(TRAINING_FILE_NAME)


def _is_new(path: Path) -> bool:
    return not path.exists() or path.stat().st_size == 0


def open_training(path: str | Path, *, now: datetime) -> Database:
    """The training database at ``path``: created with every scenario's patient when there is
    none yet; an existing file must be a training database (the clinic's is refused)."""
    target = Path(path).expanduser().absolute()
    if not _is_new(target):
        database = Database.open(target, create=False, now=now)
        try:
            database.require_kind(DatabaseKind.TRAINING)
        except DatabaseError:
            database.close()
            raise
        return database
    target.parent.mkdir(parents=True, exist_ok=True)
    database = Database.create_training(target, now=now, on_create=_seed_scenarios)
    try:
        for scenario in training_scenarios():
            _set_up_pump(database, scenario, now)
    except BaseException:
        database.close()
        raise
    return database


def _seed_scenarios(database: Database, now: datetime) -> None:
    seed_demo_patients(database, now, SCENARIO_FOLDER)


def _set_up_pump(database: Database, scenario: Scenario, now: datetime) -> None:
    """Give the scenario's simulated pump the problem the record does not show: a pump that has
    delivered only part of its programme since the fill, or one left stopped half-way through a
    programming session (the colleague's dose change sent but never restarted)."""
    if scenario.delivery_factor is None and not scenario.interrupted_session:
        return
    pid = scenario.patient_id
    pump = database.interrogate_pump(pid, user=SET_UP_BY, now=now)
    details: dict[str, Any] = {"scenario": scenario.title}
    if scenario.delivery_factor is not None:
        fill = exact(pump.programme.reservoir.volume_ml)
        delivered = fill - pump.reservoir_ml
        pump.reservoir_ml = fill - delivered * scenario.delivery_factor
        pump.delivered_ml = delivered * scenario.delivery_factor
        pump.delivery_factor = scenario.delivery_factor
        details["delivery_factor"] = str(scenario.delivery_factor)
    if scenario.interrupted_session:
        programme = pump.programme
        dose = programme.daily_dose_mcg
        change = programme.with_changes(daily_dose_mcg=dose + Decimal(30)) if dose else programme
        pump.stop()
        pump.send(change)
        details["session"] = "stopped and sent; the read-back and restart never happened"
    database.store_pump(
        pid, pump, action="training.scenario-set-up", details=details, user=SET_UP_BY, now=now
    )


def reset_training(database: Database, *, now: datetime) -> Database:
    """Back to the start: the training database is closed, removed and created afresh from the
    scenarios. Only ever a training database: the clinic's is refused before anything is
    touched."""
    database.require_kind(DatabaseKind.TRAINING)
    path = database.path
    kept = database.accounts_to_keep()
    database.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    anchor.forget_path(path)  # started afresh on purpose: not a database gone missing
    fresh = open_training(path, now=now)
    # The trainers and trainees keep their accounts (and passwords, as hashes) across a reset;
    # the audit trail of the new database says so.
    fresh.keep_accounts(kept, action="training.reset", now=now)
    return fresh
