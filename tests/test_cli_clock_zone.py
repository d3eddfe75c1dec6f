"""Adversary: the time zone of the process as a way round the clinic's clock.

product.md, "Users and records": "lock-out after repeated failures"; "Accounts on the command
line": "`--now` never changes what is recorded (saved times, audit times) nor the lock-out clock
on a clinical database". The command line reads the computer's clock as local time
(ui/commands/invocation.py ``clock``), so anyone with a shell sets ``TZ`` for their own process
and moves "now" by hours: a locked account is usable again at once (and every five wrong
passwords buy another 15 minutes of guessing), and what is saved is recorded at a shifted time.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from db.users import Role
from tests.db.factories import NOW, open_new, patient, pump_record

ROOT = Path(__file__).resolve().parents[1]
ADMIN_PW, CLIN_PW = "admin password 1", "clinician pw 12"


HISTORY = ("history", "MRN-0042", "--as", "dr.lee")


def history_as_dr_lee(path: Path, password: str, zone: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ui.cli", "--db", str(path), *HISTORY],
        input=f"{password}\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "TZ": zone},
        timeout=120,
        check=False,
    )


def test_a_shifted_time_zone_does_not_lift_the_lock_out_of_a_clinical_database(
    tmp_path: Path,
) -> None:
    path = tmp_path / "clinic.sqlite"
    with open_new(path) as database:
        admin = database.first_administrator("admin", ADMIN_PW, NOW)
        database.add_user("dr.lee", Role.CLINICIAN, CLIN_PW, by=admin, now=NOW)
        database.create_patient(patient(), pump_record(), user="dr.lee", now=NOW)
    for _ in range(5):
        assert history_as_dr_lee(path, "a wrong password", "UTC0").returncode == 2
    locked = history_as_dr_lee(path, CLIN_PW, "UTC0")
    assert locked.returncode == 2 and "locked" in locked.stderr
    shifted = history_as_dr_lee(path, CLIN_PW, "XXX-3")  # three hours east, same instant
    assert shifted.returncode == 2 and "locked" in shifted.stderr, (
        "the lock-out was lifted by setting TZ for one process"
    )
