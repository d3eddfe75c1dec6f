"""Child processes for the crash and concurrency tests (``python -m tests.db.workers ...``).

``saver DB``: saves programme versions as fast as it can, printing ``saved N`` (flushed) only
after each save has returned, i.e. after its commit: what it printed it promised.
``creator DB``: creates a new database with the demonstration patients, then says ``created``.
``racer DB DOSE GO``: reads the latest version, says ``ready``, waits for the file GO to appear,
then saves against what it read, and prints the outcome as JSON.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import timedelta
from pathlib import Path

from db.database import ConflictError, Database, UnknownPatientError
from db.seed.demo_patients import seed_demo_patients
from tests.db.factories import NOW, acks_for, programme

# Doses that alternate within the titration step, so no version needs an acknowledgement
# beyond what acks_for gives; version N is saved with DOSES[N % 2].
DOSES = ("400", "420")


def dose_for(number: int) -> str:
    return DOSES[number % 2]


def saver(path: Path) -> None:
    database = Database.open(path, now=NOW)
    try:
        latest = database.latest_version("MRN-0042")
    except UnknownPatientError:
        latest = None
    number = 0 if latest is None else latest.number
    print("ready", flush=True)
    while True:
        number += 1
        now = NOW + timedelta(days=number)
        current = None if latest is None else latest.programme
        prog = programme(daily=dose_for(number), filled_at=now - timedelta(hours=1))
        latest = database.save_programme(
            prog,
            base_version=number - 1 if number > 1 else None,
            user=f"saver-{number}",
            reason=f"crash test save {number}",
            acknowledgements=acks_for(prog, now, current),
            now=now,
        )
        print(f"saved {latest.number}", flush=True)


def creator(path: Path) -> None:
    Database.open(path, on_create=seed_demo_patients, now=NOW).close()
    print("created", flush=True)


def racer(path: Path, dose: str, go: Path) -> None:
    database = Database.open(path, now=NOW)
    base = database.latest_version("MRN-0042")
    assert base is not None
    now = NOW + timedelta(days=base.number)
    prog = programme(daily=dose, filled_at=now - timedelta(hours=1))
    acks = acks_for(prog, now, base.programme)
    print("ready", flush=True)
    deadline = time.monotonic() + 30
    while not go.exists():
        if time.monotonic() > deadline:
            raise SystemExit("no go signal")
        time.sleep(0.0005)
    try:
        version = database.save_programme(
            prog,
            base_version=base.number,
            user=f"racer-{dose}",
            reason="race",
            acknowledgements=acks,
            now=now,
        )
        print(json.dumps({"won": version.number}), flush=True)
    except ConflictError as exc:
        print(json.dumps({"conflict": exc.latest.number, "by": exc.latest.saved_by}), flush=True)
    database.close()


if __name__ == "__main__":
    role = sys.argv[1]
    if role == "saver":
        saver(Path(sys.argv[2]))
    elif role == "creator":
        creator(Path(sys.argv[2]))
    elif role == "racer":
        racer(Path(sys.argv[2]), sys.argv[3], Path(sys.argv[4]))
    else:
        raise SystemExit(f"unknown role {role}")
