"""The training database (issue: training mode): its own file, created with the training
scenarios' patients, never the clinical one, and reset to the start by creating it afresh."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from db.database import Database
from db.demo_patients import SCENARIO_FOLDER, seed_demo_patients
from db.errors import DatabaseError
from db.kind import DatabaseKind
from db.location import default_path

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
    database = Database.create_training(target, now=now)
    try:
        with database._write():
            seed_demo_patients(database, now, SCENARIO_FOLDER)
    except BaseException:
        database.close()
        raise
    return database


def reset_training(database: Database, *, now: datetime) -> Database:
    """Back to the start: the training database is closed, removed and created afresh from the
    scenarios. Only ever a training database: the clinic's is refused before anything is
    touched."""
    database.require_kind(DatabaseKind.TRAINING)
    path = database.path
    database.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return open_training(path, now=now)
