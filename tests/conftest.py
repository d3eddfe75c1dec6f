"""Test-wide set-up: Qt runs offscreen (no display in CI), the hypothesis profile, and cheap
password hashing."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

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


@pytest.fixture(autouse=True)
def point_decimal_separator() -> "object":
    """Every test starts and ends with the "." separator (opening a database with "," stored
    sets the installation's separator for the whole process)."""
    from programmer import units

    units.set_decimal_separator(".")
    yield
    units.set_decimal_separator(".")
