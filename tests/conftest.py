"""Test-wide set-up: Qt runs offscreen (no display in CI), and the hypothesis profile."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
settings.register_profile("dev", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci" if os.environ.get("CI") else "dev")


import pytest  # noqa: E402


@pytest.fixture
def clinic_clock(monkeypatch: pytest.MonkeyPatch) -> "object":
    """The computer's clock as the command line reads it, fixed at 2026-11-22 10:00 (the
    factories' NOW): a clinical database records this time whatever --now says."""
    from datetime import datetime

    from ui.commands import invocation

    moment = datetime(2026, 11, 22, 10, 0)
    monkeypatch.setattr(invocation, "clock", lambda: moment)
    return moment
