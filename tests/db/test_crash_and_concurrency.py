"""Nothing lost (product.md, "Quality bars"): a writing process killed at any moment leaves the
database consistent with every save it had reported done; two processes saving on the same
version never both succeed."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from db.database import Database
from db.seed.demo_patients import load_manifest, seed_demo_patients
from tests.db.factories import NOW, open_new, programme, save
from tests.db.workers import dose_for

ROOT = Path(__file__).resolve().parents[2]
WORKER = [sys.executable, "-m", "tests.db.workers"]


def _check_consistent(path: Path) -> list[int]:
    """The database after a crash: sound, audit trail whole, versions 1..n without a gap,
    each one complete. Returns the version numbers."""
    with Database.open(path, now=NOW) as database:
        report = database.verify()
        assert report.ok, report.problems
        versions = database.versions("MRN-0042") if database.search_patients("MRN-0042") else []
        numbers = [v.number for v in versions]
        assert numbers == list(range(1, len(numbers) + 1))
        for v in versions:
            assert v.programme.daily_dose_mcg == int(dose_for(v.number))
            assert v.reason == f"crash test save {v.number}"
            assert v.saved_by == f"saver-{v.number}"
        return numbers


@pytest.mark.slow
def test_killed_writer_loses_no_acknowledged_save(tmp_path: Path) -> None:
    path = tmp_path / "clinic.sqlite"
    open_new(path).close()
    rng = random.Random(20261122)
    promised = 0
    stored = 0
    for _ in range(30):
        child = subprocess.Popen([*WORKER, "saver", str(path)], cwd=ROOT, stdout=subprocess.PIPE)
        assert child.stdout is not None
        if rng.random() < 0.2:
            time.sleep(rng.uniform(0, 0.3))  # killed while starting up or opening
        else:
            assert child.stdout.readline().strip() == b"ready"
            time.sleep(rng.uniform(0, 0.25))  # killed in the middle of saving
        child.send_signal(signal.SIGKILL)
        output = child.stdout.read().decode()
        child.stdout.close()
        child.wait()
        said = [int(line.split()[1]) for line in output.splitlines() if line.startswith("saved ")]
        numbers = _check_consistent(path)
        newest = numbers[-1] if numbers else 0
        promised = max([promised, *said])
        assert newest >= promised, f"version {promised} was reported saved but is missing"
        assert newest >= stored
        stored = newest
    assert stored > 30  # the rounds did save, and were killed mid-stream


@pytest.mark.slow
def test_killed_creation_leaves_a_database_that_opens_whole(tmp_path: Path) -> None:
    """Killed while creating and seeding a new database: the next start finds either the whole
    demonstration or none of it (and then seeds it), never half."""
    rng = random.Random(7)
    expected = len(load_manifest().patients)
    outcomes = set()
    for round_ in range(10):
        path = tmp_path / f"new-{round_}.sqlite"
        child = subprocess.Popen([*WORKER, "creator", str(path)], cwd=ROOT, stdout=subprocess.PIPE)
        deadline = time.monotonic() + 30
        # A new database is built in a temporary file beside its path, linked in when whole.
        while (
            not any(tmp_path.glob(f"*{path.name}*"))
            and child.poll() is None
            and time.monotonic() < deadline
        ):
            time.sleep(0.0005)
        time.sleep(rng.uniform(0, 0.4))  # creating, seeding, committing, or done
        child.send_signal(signal.SIGKILL)
        assert child.stdout is not None
        outcomes.add(child.stdout.read().strip() == b"created")
        child.stdout.close()
        child.wait()
        with Database.open(path, on_create=seed_demo_patients, now=NOW) as database:
            assert len(database.search_patients("demo", limit=100)) == expected
            actions = [e.action for e in database.audit_entries()]
            assert actions.count("database.created") == 1
            assert database.verify().ok
    assert False in outcomes  # some rounds were cut off before the creation was reported


@pytest.mark.slow
def test_concurrent_processes_on_one_version_exactly_one_wins(tmp_path: Path) -> None:
    path = tmp_path / "clinic.sqlite"
    with open_new(path) as database:
        save(database, programme(daily="400"))
    for round_ in range(6):
        go = tmp_path / f"go-{round_}"
        children = [
            subprocess.Popen(
                [*WORKER, "racer", str(path), dose, str(go)], cwd=ROOT, stdout=subprocess.PIPE
            )
            for dose in ("380", "440")
        ]
        for child in children:
            assert child.stdout is not None
            assert child.stdout.readline().strip() == b"ready"
        go.touch()
        outcomes = [json.loads(child.communicate(timeout=60)[0]) for child in children]
        assert all(child.returncode == 0 for child in children)
        won = [o["won"] for o in outcomes if "won" in o]
        lost = [o for o in outcomes if "conflict" in o]
        assert won == [round_ + 2], outcomes
        assert len(lost) == 1 and lost[0]["conflict"] == round_ + 2
    with Database.open(path, now=NOW) as database:
        assert [v.number for v in database.versions("MRN-0042")] == list(range(1, 8))
        assert database.verify().ok
