"""Adversarial clinical review: the Overview's "reservoir now" after a dose change on one fill.

Rule (product.md, "Screens": the Overview shows "reservoir now (estimated)", the low-reservoir
alarm date and the next refill date; domain.md, "Refill arithmetic": expected residual = volume
at last refill - (programmed delivery + boluses given) since then). A change made between
refills leaves in the reservoir what the earlier programme delivered (programmer/refill.py
earlier_on_fill, projection.ReservoirModel ``earlier``): the engine's dates, the worklist and
the refill dialog's expected residual all count it. The Overview's reservoir line
(ui/overview.py: ``DeliveryModel(prog, ...)`` without the earlier programmes) projects the new
programme back to the fill, as if it had run all along. After weeks at a high dose and a
decrease yesterday, the Overview says the reservoir holds much more than the engine's own
projection (and the refill dialog) say is left: the line a clinician reads to decide whether the
patient needs a refill now. Where it should live once: ReservoirModel with the fill's history
(the one the projection uses), asked by the Overview as by the refill dialog.
"""

from __future__ import annotations

from datetime import timedelta
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from argon2 import PasswordHasher
from pytestqt.qtbot import QtBot

from db import users
from programmer.projection import ReservoirModel
from tests.db.factories import NOW, USER, open_new, patient, programme, pump_record, save
from tests.ui.window_helpers import make_window
from ui.widgets.plots import timestamp

PID = "MRN-0042"
FILLED = NOW - timedelta(days=12)


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(users, "HASHER", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


def _window_after_a_decrease(qtbot: QtBot, tmp_path: Path):
    database = open_new(tmp_path / "clinic.sqlite", now=FILLED)
    database.create_patient(patient(), pump_record(), user=USER, now=FILLED)
    save(database, programme(daily="800", concentration="500", filled_at=FILLED), now=FILLED)
    low = programme(daily="300", concentration="500", filled_at=FILLED)
    save(database, low, base=1, now=NOW - timedelta(days=1))
    window = make_window(qtbot, database, tmp_path)
    assert window.open_patient(PID)
    return database, window


def test_overview_reservoir_plot_counts_what_the_earlier_programme_delivered(
    qtbot: QtBot, tmp_path: Path
) -> None:
    """The same history: the Overview's reservoir curve (ui/widgets/plots.py show_projection,
    called without the fill's earlier programmes) must pass through the 1.8 mL left now, as
    its own refill and empty lines (from the engine) assume."""
    database, window = _window_after_a_decrease(qtbot, tmp_path)
    plot = window.overview.reservoir_plot
    assert plot is not None
    x, y = plot._curves["pending"]
    now_volume = float(np.interp(timestamp(NOW), x, y)) if len(x) else 0.0
    assert now_volume == pytest.approx(1.8, abs=0.05), now_volume
    database.close()


def test_overview_reservoir_now_counts_what_the_earlier_programme_delivered(
    qtbot: QtBot, tmp_path: Path
) -> None:
    """20 mL of 500 mcg/mL filled 12 days ago at 800 mcg/day (1.6 mL/day), lowered to
    300 mcg/day (0.6 mL/day) yesterday: 20 - 11 x 1.6 - 1 x 0.6 = 1.8 mL is left, not the
    20 - 12 x 0.6 = 12.8 mL of the new dose projected back to the fill."""
    database = open_new(tmp_path / "clinic.sqlite", now=FILLED)
    database.create_patient(patient(), pump_record(), user=USER, now=FILLED)
    high = programme(daily="800", concentration="500", filled_at=FILLED)
    save(database, high, now=FILLED)
    low = programme(daily="300", concentration="500", filled_at=FILLED)
    save(database, low, base=1, now=NOW - timedelta(days=1))
    window = make_window(qtbot, database, tmp_path)
    assert window.open_patient(PID)
    overview = window.overview
    result = overview.result
    assert result is not None
    catalogue = database.check_context(PID, now=NOW).catalogue
    pump = catalogue.pump("synchromed-ii-20")
    left = ReservoirModel(low, pump, worst_case=False, earlier=result.earlier).volume_at(NOW)
    assert left == Fraction(18, 10)  # the engine's own reservoir: 1.8 mL
    shown = overview.values["reservoir"].text()
    assert shown.startswith("1.80 mL"), shown
    database.close()
