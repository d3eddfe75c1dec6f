"""Test-wide set-up: Qt runs offscreen (no display in CI), the hypothesis profile, and cheap
password hashing."""

import atexit
import os
import shutil
import tempfile

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path

import pytest
from argon2 import PasswordHasher
from hypothesis import HealthCheck, settings

from db import users

settings.register_profile(
    "ci", deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
settings.register_profile("dev", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheap argon2id for the tests only (production keeps the library's defaults)."""
    monkeypatch.setattr(users, "HASHER", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


@pytest.fixture
def clinic_clock(monkeypatch: pytest.MonkeyPatch) -> "object":
    """The computer's clock as the command line reads it, fixed at 2026-11-22 10:00 (the
    factories' NOW): a clinical database records this time whatever --now says."""
    from datetime import datetime

    from ui.commands import invocation

    moment = datetime(2026, 11, 22, 10, 0)
    monkeypatch.setattr(invocation, "clock", lambda: moment)
    return moment


# The workstation's audit keys and heads seen (db/anchor.py) live in a folder of the test run's
# own, set before anything opens a database: no test reads or writes the real per-user key.
# Subprocesses inherit it through the environment. Heads are recorded per database identity and
# path, and every test's paths are its own, so tests do not see each other's heads.
STATE_DIR = Path(tempfile.mkdtemp(prefix="itb-console-state-"))
os.environ["ITB_CONSOLE_STATE_DIR"] = str(STATE_DIR)
os.environ["ITB_CONSOLE_LOG_DIR"] = str(STATE_DIR / "log")
atexit.register(shutil.rmtree, STATE_DIR, ignore_errors=True)


@pytest.fixture
def other_workstation(tmp_path: Path) -> Path:
    """Another workstation's state folder (keys and heads of its own): a test moving a database
    there sets ITB_CONSOLE_STATE_DIR to it with monkeypatch."""
    return tmp_path / "other-workstation"


@pytest.fixture(autouse=True)
def point_decimal_separator() -> "object":
    """Every test starts and ends with the "." separator (opening a database with "," stored
    sets the installation's separator for the whole process)."""
    from programmer import units

    units.set_decimal_separator(".")
    yield
    units.set_decimal_separator(".")
