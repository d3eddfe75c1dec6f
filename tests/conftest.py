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
